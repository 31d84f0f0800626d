# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/vm/splitctl.sh: a running guest that dom0 gives the
# edu to, and takes it from, with splitctl.
#   splitctl-guest.sh ROUNDS IRQ
# Up to ROUNDS times: wait for the edu to appear, print "ROUND n", use it
# with edu-mmio.sh IRQ (tagged rn), wait for its removal, "ROUND n END".
. /lib/xsplit/guest-lib.sh

echo READY
r=1
while [ "$r" -le "$1" ]; do
	n=0
	while ! grep -qs 0x11e8 /sys/bus/pci/devices/*/device && [ $n -lt 3000 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	# Only this round's test driver lines.
	dmesg -c >/dev/null
	echo "ROUND $r"
	EDU_TAG=r$r sh /xsplit-guest/edu-mmio.sh "$2" WAIT_READY
	rmmod xsplit_test_edu 2>/dev/null
	echo "ROUND $r END"
	r=$((r + 1))
done
