# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/vm/net-hostile.sh (busybox sh in a PV domU started
# with --no-load xen-netfront): load the hostile network frontend with the
# module parameters given as arguments, print its lines once it is through
# its cases (dom0 reads the counters then), and wait for dom0 to release
# the vifs (the module's hold=).

# insmod returns only once the vifs have connected: in the background,
# so that a backend that never connects is reported here, not waited on.
insmod /xsplit-guest/xsplit-test-net-hostile.ko "$@" &
n=0
while ! dmesg | grep -q 'xsplit-net-hostile: done ' && [ $n -lt 3600 ]; do
	sleep 0.1
	n=$((n + 1))
done
dmesg | grep -o 'xsplit-net-hostile: .*'
dmesg | grep -q 'xsplit-net-hostile: done ' ||
	{ echo "net-hostile: no done line within 360s"; exit 1; }

# Until dom0 has read the counters: the module says when (or gives up).
n=0
while ! dmesg | grep -qE 'xsplit-net-hostile: (released|hold ended)' &&
	[ $n -lt 3000 ]; do
	sleep 0.1
	n=$((n + 1))
done
dmesg | grep -oE 'xsplit-net-hostile: (released|hold ended).*'
