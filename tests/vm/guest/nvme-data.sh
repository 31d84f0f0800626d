# SPDX-License-Identifier: GPL-2.0
# Guest side of the nvme passthrough test: the guest's own nvme driver
# (interrupts, DMA) drives the controller dom0 gave it.
#   nvme-data.sh FRONT WRITE_AT READ_AT
#     FRONT: ours (load xsplit-pcifront first) or kernel
#     WRITE_AT: MiB offset to write /xsplit-guest/pattern at ("-": none)
#     READ_AT:  MiB offset to read 4 MiB from and print the md5 of
# The modules nvme needs are in /xsplit-guest/mods, in load order.
. /lib/xsplit/guest-lib.sh

if [ "$1" = ours ]; then
	insmod /lib/xsplit/xsplit-pcifront.ko || { echo "pcifront: insmod failed"; exit 1; }
fi
for m in $(cat /xsplit-guest/mods/order); do
	insmod /xsplit-guest/mods/$m 2>/dev/null
done
wait_for /dev/nvme0n1 60 || { dmesg | tail -20; exit 1; }
echo "nvme driver $(basename "$(readlink /sys/class/nvme/nvme0/device/driver)")"
echo "queue irqs $(grep -c 'nvme0q' /proc/interrupts)"
echo "msix enabled $(cat /sys/class/nvme/nvme0/device/msi_irqs/* 2>/dev/null | grep -c msix) vectors"
if [ "$2" != - ]; then
	dd if=/xsplit-guest/pattern of=/dev/nvme0n1 bs=1M seek=$2 conv=fsync 2>/dev/null &&
		echo "written at ${2}M"
fi
sync
echo 3 >/proc/sys/vm/drop_caches
echo "md5 at ${3}M $(dd if=/dev/nvme0n1 bs=1M skip=$3 count=4 2>/dev/null | md5sum | cut -d' ' -f1)"
echo "guest-trouble $(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace')"
