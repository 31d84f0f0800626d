# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/vm/pci-hostile.sh (busybox sh in a PV domU started
# with --no-load xen-pcifront): load the hostile frontend, wait for it to
# get through its cases and print its lines.

# Returns once the frontend is connected; the cases then run in the kernel.
insmod /xsplit-guest/xsplit-test-pci-hostile.ko || { echo "hostile: insmod failed"; exit 1; }
n=0
while ! dmesg | grep -q 'xsplit-hostile: done ' && [ $n -lt 1200 ]; do
	sleep 0.1
	n=$((n + 1))
done
dmesg | grep -o 'xsplit-hostile: .*'
dmesg | grep -q 'xsplit-hostile: done ' || { echo "hostile: no done line within 120s"; exit 1; }
