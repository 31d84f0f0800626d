# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/vm/blk-hostile.sh (busybox sh in a PV domU started
# with --no-load xen-blkfront): load the hostile block frontend with the
# module parameters given as arguments, wait for it to get through its
# cases and print its lines.

# insmod returns only once the disks have connected: in the background,
# so that a backend that never connects is reported here, not waited on.
insmod /xsplit-guest/xsplit-test-blk-hostile.ko "$@" &
n=0
while ! dmesg | grep -q 'xsplit-blk-hostile: done ' && [ $n -lt 2400 ]; do
	sleep 0.1
	n=$((n + 1))
done
dmesg | grep -o 'xsplit-blk-hostile: .*'
dmesg | grep -q 'xsplit-blk-hostile: done ' ||
	{ echo "blk-hostile: no done line within 240s"; exit 1; }
