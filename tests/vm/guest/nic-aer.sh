# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/vm/pci-aer.sh: the domU's own NIC drivers drive the
# NICs dom0 passed through, and the e1000e recovers from a PCIe error dom0
# injects while the guest runs.
#   nic-aer.sh FRONT    FRONT: ours (load xsplit-pcifront first) or kernel
# Loads every NIC driver in /xsplit-guest (e1000.ko, e1000e.ko); each NIC
# gets a DHCP lease from its own QEMU user network and pings the gateway,
# one NIC at a time (both networks are 10.0.2.0/24). Then it prints
# "ready-for-error" and waits for the e1000e to come back from recovery
# (e1000e prints "Link is Up" again after its resume handler) before
# pinging through it again.
. /lib/xsplit/guest-lib.sh

if [ "$1" = ours ]; then
	insmod /lib/xsplit/xsplit-pcifront.ko || { echo "pcifront: insmod failed"; exit 1; }
fi
for ko in e1000 e1000e; do
	[ -e /xsplit-guest/$ko.ko ] || continue
	insmod /xsplit-guest/$ko.ko || { echo "$ko: insmod failed"; exit 1; }
done

# nic_of DRIVER: the interface DRIVER drives, once it has appeared.
nic_of() {
	local n=0 d
	while [ $n -lt 300 ]; do
		for d in /sys/class/net/*; do
			[ "$(basename "$(readlink $d/device/driver 2>/dev/null)")" = "$1" ] &&
				{ basename $d; return 0; }
		done
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

printf '#!/bin/sh\n' >/tmp/udhcpc-nop.sh
chmod +x /tmp/udhcpc-nop.sh

# ping_via DRIVER TAG: lease an address on DRIVER's NIC, ping, give the
# address back. The e1000e stays up: its resume handler only brings the
# link back on an interface that is up.
ping_via() {
	local dev lease
	dev=$(nic_of "$1") || { echo "$2 $1: no interface"; return; }
	ip link set $dev up
	lease=$(udhcpc -i $dev -n -q -t 10 -T 2 -s /tmp/udhcpc-nop.sh 2>&1 |
		grep -o 'lease of [0-9.]* obtained' | cut -d' ' -f3)
	echo "$2 $1 dhcp ${lease:-none}"
	[ -n "$lease" ] || return
	ip addr add $lease/24 dev $dev
	echo "$2 $1 ping $(ping -c 3 -W 2 -s 1000 10.0.2.2 2>&1 |
		grep -o '[0-9]* packets received' | cut -d' ' -f1) received"
	ip addr flush dev $dev
	[ "$1" = e1000e ] || ip link set $dev down
}

# irq_mode DRIVER: msix when the e1000e has its per-queue MSI-X vectors
# (named DEV-rx-0 ...), msi for its one MSI vector, else intx.
irq_mode() {
	local dev
	dev=$(nic_of "$1")
	if grep -q " $dev-rx-0\$" /proc/interrupts; then
		echo msix
	elif grep -q "msi .* $dev\$" /proc/interrupts; then
		echo msi
	else
		echo intx
	fi
}

links_up() { dmesg | grep -c 'e1000e.*Link is Up'; }

for drv in e1000 e1000e; do
	[ -e /xsplit-guest/$drv.ko ] && ping_via $drv before
done
echo "e1000e irq $(irq_mode e1000e)"
up=$(links_up)
echo "ready-for-error"

# The link comes up once more when the driver's resume handler ran.
n=0
while [ "$(links_up)" -le "$up" ] && [ $n -lt 900 ]; do
	sleep 0.1
	n=$((n + 1))
done
[ "$(links_up)" -gt "$up" ] && echo "recovered yes" || echo "recovered no"
ping_via e1000e after

f=/sys/bus/xen/devices/pci-0/xsplit_stats
[ -e $f ] && echo "front-aer $(grep '^aer ' $f | cut -d' ' -f2)"
dmesg | grep -i 'aer\|error' | sed 's/^/dmesg: /'
grep -i 'msi\|eth' /proc/interrupts | sed 's/^/interrupts: /'
echo "guest-trouble $(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace')"
