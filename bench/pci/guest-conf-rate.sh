# SPDX-License-Identifier: GPL-2.0
# Guest side of bench/pci: config-space round trips per second through
# pcifront, counted by the edu test driver in a tight in-kernel loop.
#   guest-conf-rate.sh MILLISECONDS [FRONT]
#     FRONT: ours to load xsplit-pcifront (started with --no-load
#     xen-pcifront); anything else uses the kernel's xen-pcifront
. /lib/xsplit/guest-lib.sh
[ "${2:-}" = ours ] && insmod /lib/xsplit/xsplit-pcifront.ko
wait_for /sys/bus/pci/devices/0000:00:00.0/config 60 || exit 1
insmod /xsplit-guest/xsplit-test-edu.ko conf_bench_ms=${1:-5000} irq_mode=intx
dmesg | grep -o 'xsplit-test-edu: conf-bench .*'
