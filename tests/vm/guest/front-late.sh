# SPDX-License-Identifier: GPL-2.0
# Guest side: xsplit-pcifront loaded in a guest without a PCI device; dom0
# then attaches the edu to the running guest and the frontend must probe,
# connect and give it to the PCI core. Then the edu checks, with MSI
# (ours-front.sh and edu-mmio.sh passed with --file).
. /lib/xsplit/guest-lib.sh

insmod /lib/xsplit/xsplit-pcifront.ko || { echo "pcifront: insmod failed"; exit 1; }
echo READY
wait_for /sys/bus/xen/devices/pci-0/driver 120 || exit 1
sh /xsplit-guest/ours-front.sh msi
