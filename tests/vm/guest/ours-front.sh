# SPDX-License-Identifier: GPL-2.0
# Guest side of the tests with our frontend: load xsplit-pcifront (the
# domain was started with --no-load xen-pcifront) unless loaded already, run edu-mmio.sh (passed
# with --file) through it with the same arguments, then show what the
# frontend logged and counted.
. /lib/xsplit/guest-lib.sh

grep -q '^xsplit_pcifront ' /proc/modules ||
	insmod /lib/xsplit/xsplit-pcifront.ko ||
	{ echo "pcifront: insmod failed"; exit 1; }
sh /xsplit-guest/edu-mmio.sh "$@"
rc=$?
dmesg | grep -i 'pcifront' | sed 's/^[^]]*] //; s/^/pcifront: /'
sed 's/^/pcifront-stats: /' /sys/bus/xen/devices/pci-0/xsplit_stats 2>/dev/null
echo "guest-trouble $(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace')"
exit $rc
