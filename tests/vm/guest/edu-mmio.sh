# SPDX-License-Identifier: GPL-2.0
# Guest side of the passthrough tests (busybox sh in a PV domU): find the
# edu among the functions pcifront gave us and use it by direct MMIO.
#   edu-mmio.sh [IRQ [WAIT_READY|- [cfgwrite]]]
#     IRQ: msi or intx: also load xsplit-test-edu.ko (passed with --file)
#          to take the device's interrupt that way; "-" to skip
#     WAIT_READY: then print READY and wait for dom0 to take the device
#          away
#     cfgwrite: before that, write config byte 0x38 (reserved in a type 0
#          header, so no rule lets a guest write it: whether the backend
#          passes it on shows the function's permissive option)
#   EDU_TAG, if set, is appended to the READY and "edu removed" lines, for
#   a guest that is given the device more than once.
. /lib/xsplit/guest-lib.sh

edu=
n=0
while [ -z "$edu" ] && [ $n -lt 300 ]; do
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/vendor" ] || continue
		if [ "$(cat $d/vendor)" = 0x1234 ] && [ "$(cat $d/device)" = 0x11e8 ]; then
			edu=$d
		fi
	done
	[ -n "$edu" ] || { sleep 0.1; n=$((n + 1)); }
done
[ -n "$edu" ] || { echo "no edu device appeared"; ls /sys/bus/pci/devices; exit 1; }
echo "edu at $(basename $edu)"

# BAR0 as the guest sees it: the backend must give the real address.
bar0=$(head -n 1 $edu/resource | cut -d' ' -f1)
echo "bar0 $bar0"
echo 1 >$edu/enable 2>/dev/null

# The identification register: 0x010000ed for QEMU's edu.
echo "id $(devmem $((bar0)) 32)"
# Liveness: the device returns the bitwise inverse of what is written.
devmem $((bar0 + 4)) 32 0x12345678
echo "inverse $(devmem $((bar0 + 4)) 32)"
# Factorial of 5 through the device.
devmem $((bar0 + 8)) 32 5
n=0
while [ $(( $(devmem $((bar0 + 0x20)) 32) & 1 )) -ne 0 ] && [ $n -lt 100 ]; do
	sleep 0.01
	n=$((n + 1))
done
echo "fact5 $(devmem $((bar0 + 8)) 32)"
case ${1:--} in
msi|intx)
	insmod /xsplit-guest/xsplit-test-edu.ko irq_mode=$1 || echo "edu-test: insmod failed"
	dmesg | grep -o 'xsplit-test-edu: .*' | sed 's/^/edu-test: /'
	# Let go of it, so that a detach finds no driver in the way.
	echo $(basename $edu) >/sys/bus/pci/drivers/xsplit-test-edu/unbind
	;;
esac
if [ "${3:-}" = cfgwrite ]; then
	printf '\125' | dd of=$edu/config bs=1 seek=56 count=1 conv=notrunc \
		2>/dev/null && echo "cfgwrite done"
fi
if [ "${2:-}" = WAIT_READY ]; then
	echo "READY${EDU_TAG:+ $EDU_TAG}"
	n=0
	while [ -e "$edu" ] && [ $n -lt 900 ]; do sleep 0.1; n=$((n + 1)); done
	[ -e "$edu" ] || echo "edu removed${EDU_TAG:+ $EDU_TAG}"
	# Stay up while pcifront finishes the handshake dom0 waits for.
	sleep 5
fi
