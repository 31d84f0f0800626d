# SPDX-License-Identifier: GPL-2.0
# Guest side: unbind and unload xsplit-pcifront while a driver is bound to
# the edu with MSI enabled. The driver must be unbound and the function removed
# before the shared page goes; the MSI teardown still reaches the backend.
. /lib/xsplit/guest-lib.sh

insmod /lib/xsplit/xsplit-pcifront.ko || { echo "pcifront: insmod failed"; exit 1; }
edu=
n=0
while [ -z "$edu" ] && [ $n -lt 300 ]; do
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/vendor 2>/dev/null)" = 0x1234 ] && edu=$d
	done
	[ -n "$edu" ] || { sleep 0.1; n=$((n + 1)); }
done
[ -n "$edu" ] || { echo "no edu device appeared"; exit 1; }
insmod /xsplit-guest/xsplit-test-edu.ko irq_mode=msi keep_irq=1
echo "bound $(basename "$(readlink $edu/driver)")"
grep -q 'xsplit-test-edu' /proc/interrupts && echo "msi irq present"
# A config write no rule allows (see edu-mmio.sh cfgwrite); the guest's
# permissive option decides whether the backend passes it on.
printf '\125' | dd of=$edu/config bs=1 seek=56 count=1 conv=notrunc \
	2>/dev/null && echo "cfgwrite done"
# xenbus holds a reference on the module of a bound driver: unbind first.
echo pci-0 >/sys/bus/xen/drivers/xsplit_pcifront/unbind && echo "unbind ok"
rmmod xsplit_pcifront && echo "rmmod ok"
dmesg | grep -q 'interrupt released on remove' && echo "driver released its msi"
[ -e "$edu" ] && echo "edu still there" || echo "edu gone"
grep -q 'xsplit-test-edu' /proc/interrupts && echo "msi irq left behind"
ls /sys/bus/xen/drivers | grep -q pcifront && echo "xenbus driver left behind"
echo "guest-trouble $(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace')"
