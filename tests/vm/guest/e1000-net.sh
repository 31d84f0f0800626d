# SPDX-License-Identifier: GPL-2.0
# Guest side of the e1000 passthrough test: the domU's own e1000 driver
# drives the NIC dom0 gave it. A DHCP lease from QEMU's user network and
# ping replies from its gateway need DMA in both directions and the NIC's
# interrupt.
#   e1000-net.sh FRONT    FRONT: ours (load xsplit-pcifront first) or kernel
. /lib/xsplit/guest-lib.sh

if [ "$1" = ours ]; then
	insmod /lib/xsplit/xsplit-pcifront.ko || { echo "pcifront: insmod failed"; exit 1; }
fi
insmod /xsplit-guest/e1000.ko || { echo "e1000: insmod failed"; exit 1; }

dev=
n=0
while [ -z "$dev" ] && [ $n -lt 300 ]; do
	for d in /sys/class/net/*; do
		[ "$(cat $d/device/vendor 2>/dev/null)" = 0x8086 ] && dev=$(basename $d)
	done
	[ -n "$dev" ] || { sleep 0.1; n=$((n + 1)); }
done
[ -n "$dev" ] || { echo "no e1000 interface appeared"; dmesg | tail -20; exit 1; }
echo "nic $dev driver $(basename "$(readlink /sys/class/net/$dev/device/driver)")"

ip link set $dev up
printf '#!/bin/sh\n' >/tmp/udhcpc-nop.sh
chmod +x /tmp/udhcpc-nop.sh
lease=$(udhcpc -i $dev -n -q -t 10 -T 2 -s /tmp/udhcpc-nop.sh 2>&1 |
	grep -o 'lease of [0-9.]* obtained' | cut -d' ' -f3)
echo "dhcp ${lease:-none}"
if [ -n "$lease" ]; then
	ip addr add $lease/24 dev $dev
	echo "ping $(ping -c 5 -W 2 -s 1000 10.0.2.2 2>&1 | grep -o '[0-9]* packets received' | cut -d' ' -f1) received"
fi
echo "rx_packets $(cat /sys/class/net/$dev/statistics/rx_packets)"
echo "tx_packets $(cat /sys/class/net/$dev/statistics/tx_packets)"
echo "guest-trouble $(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace')"
