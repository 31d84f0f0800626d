# SPDX-License-Identifier: GPL-2.0
# Guest side: the kernel's xen-pcifront is loaded (the default), so
# xsplit-pcifront must refuse to load instead of fighting over the device.
if insmod /lib/xsplit/xsplit-pcifront.ko 2>/dev/null; then
	echo "insmod succeeded"
else
	echo "insmod refused"
fi
dmesg | grep -o 'xsplit_pcifront: another PCI frontend.*' | sed 's/^/pcifront: /'
