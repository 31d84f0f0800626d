# SPDX-License-Identifier: GPL-2.0
# Guest side of the hostile AER stages of tests/vm/pci-nic.sh (busybox sh
# in a PV domU started with --no-load xen-pcifront): load the hostile
# frontend in its AER-only mode and pass its log lines to the console,
# where dom0 follows them (dom0 sets how it answers through xenstore).
# It runs until dom0 destroys the guest.
insmod /xsplit-guest/xsplit-test-pci-hostile.ko cases=0 ||
	{ echo "hostile: insmod failed"; exit 1; }
n=0
while [ $n -lt 6000 ]; do
	dmesg -c | grep -o 'xsplit-hostile: .*'
	sleep 0.1
	n=$((n + 1))
done
