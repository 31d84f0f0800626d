# SPDX-License-Identifier: GPL-2.0
# Guest side: write one byte of the edu's config header that no rule lets
# a guest write (0x38, reserved in a type 0 header) through sysfs, so the
# write goes through the frontend to the backend. Whether the backend
# passes it on depends on the function's permissive option.
. /lib/xsplit/guest-lib.sh

grep -q '^xsplit_pcifront ' /proc/modules || insmod /lib/xsplit/xsplit-pcifront.ko
wait_for /sys/bus/pci/devices/0000:00:00.0/config 60 || exit 1
printf '\125' | dd of=/sys/bus/pci/devices/0000:00:00.0/config bs=1 seek=56 \
	count=1 conv=notrunc 2>/dev/null && echo "write done"
