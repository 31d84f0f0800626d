#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Baseline: a PV domU with a vif served by the kernel's in-tree
# xen-netback to the kernel's xen-netfront, bridged in dom0, while our
# other modules are loaded (not xsplit-netback: one vif backend at a time).
# The guest pings dom0 across the bridge.
#
# The addresses are TEST-NET-1 (RFC 5737) on a bridge that exists only
# inside the emulated machine; nothing is routed anywhere else.

. /xsplit/tests/lib/vm.sh

BR=xsbr0
DOM0_IP=192.0.2.1
GUEST_IP=192.0.2.2
MAC=00:16:3e:5a:00:01

check "our dom0 modules but netback loaded" load_ours netback
check "in-tree xen-netback loaded" modprobe xen-netback
check "the kernel's xen-netback is the vif backend" test -d /sys/bus/xen-backend/drivers/vif
check "bridge $BR created" sh -c "ip link add $BR type bridge && ip addr add $DOM0_IP/24 dev $BR && ip link set $BR up"

cat >/tmp/guest.sh <<EOF
. /lib/xsplit/guest-lib.sh
wait_for /sys/class/net/eth0 || exit 1
echo "mac \$(cat /sys/class/net/eth0/address)"
ip addr add $GUEST_IP/24 dev eth0
ip link set eth0 up
ping -c 3 -W 5 $DOM0_IP | grep -E 'packets transmitted'
EOF
out=$($DOMU --cfg "vif = ['bridge=$BR, mac=$MAC, script=$XS/scripts/hotplug/vif-bridge']" /tmp/guest.sh)
rc=$?
echo "$out" | sed 's/^/  guest: /'
check_eq "guest ping of dom0 succeeded" 0 "$rc"
check_eq "guest has the configured MAC" "mac $MAC" "$(grep '^mac' <<<"$out")"
check "3 of 3 pings answered" grep -q '3 packets transmitted, 3 packets received' <<<"$out"

ip link del $BR
check "in-tree xen-netback unloads" modprobe -r xen-netback
check "our dom0 modules unload" unload_ours
finish
