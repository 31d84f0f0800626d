#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: runs in the test bed's dom0 (scripts/testbed run) and shows,
# step by step, what the project can do today.  It grows with each driver.
#
# Today: the Xen host and its devices; our five modules loading (see the
# README's status table), pciback taking the edu with stock xl; and a PV guest
# whose disk is served by our blkback and whose network by our netback, with
# splitctl showing both ends of each device and both backends' counters.

XS=/xsplit
DOMU=$XS/scripts/domu
. $XS/tests/lib/vm.sh

step() { printf '\n=== %s\n' "$*"; }
indent() { sed 's/^/    /'; }

step "The host: Xen under QEMU, Debian's kernel as PV dom0"
xl info | grep -E '^(host|release|xen_version|nr_cpus|total_memory|free_memory|xen_commandline)' | indent
xl dmesg | grep -E 'I/O virtualisation' | indent

step "dom0's PCI devices and the drivers serving them"
for d in /sys/bus/pci/devices/*; do
	drv=$(basename "$(readlink $d/driver 2>/dev/null)" 2>/dev/null)
	printf '%s  %s:%s  class %s  driver %s\n' "$(basename $d)" \
		"$(cut -c3- $d/vendor)" "$(cut -c3- $d/device)" \
		"$(cut -c3-6 $d/class)" "${drv:--}"
done | indent

step "Our modules"
dmesg_mark
for d in $OUR_DOM0_MODULES; do
	ko=$(ko_path $d)
	printf '%-22s %s\n' "$(basename $ko)" "$(modinfo -F description $ko)" | indent
	insmod $ko
done
dmesg -r | tail -n +$((DMESG_MARK + 1)) | grep xsplit | sed 's/^<[0-9]>//' | indent
lsmod | grep '^xsplit' | indent

step "Stock xl hands the edu device to our pciback"
xl pci-assignable-add 0000:00:05.0 2>&1 | indent
xl pci-assignable-list | indent
echo "0000:00:05.0 driver: $(basename "$(readlink /sys/bus/pci/devices/0000:00:05.0/driver)")" | indent
xl pci-assignable-remove 0000:00:05.0 2>&1 | indent

step "A PV guest: its disk on our xsplit-blkback, its network on our xsplit-netback"
ip link add xsbr0 type bridge
ip addr add 192.0.2.1/24 dev xsbr0
ip link set xsbr0 up
disk=$(nvme_disk)
printf 'hello from dom0, written to %s at %s\n' "$disk" "$(date -u +%T)" |
	dd of="$disk" conv=sync,fsync bs=512 status=none
echo "dom0 wrote a greeting to the first sector of $disk" | indent

cat >/tmp/demo-guest.sh <<'EOF'
. /lib/xsplit/guest-lib.sh
wait_for /dev/xvda && wait_for /sys/class/net/eth0 || exit 1
echo "kernel $(uname -r), frontends: $(lsmod | awk 'NR > 1 { print $1 }' | tr '\n' ' ')"
echo "disk xvda: $(( $(cat /sys/block/xvda/size) / 2048 )) MiB"
echo "first sector says: $(head -c 512 /dev/xvda | tr -d '\0')"
ip addr add 192.0.2.2/24 dev eth0
ip link set eth0 up
ping -c 3 -W 5 192.0.2.1 | tail -n 2
echo READY
n=0
while [ -e /sys/block/xvda ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
echo "xvda was detached by dom0; powering off"
EOF
name=$($DOMU --bg \
	--cfg "disk = ['format=raw, vdev=xvda, access=rw, script=$XS/scripts/hotplug/block, target=$disk']" \
	--cfg "vif = ['bridge=xsbr0, script=$XS/scripts/hotplug/vif-bridge']" \
	/tmp/demo-guest.sh)
echo "xl create: domain $name" | indent
$DOMU --expect "$name" '^READY' || exit 1

step "While the guest runs: xl list and splitctl status"
xl list | indent
$XS/scripts/splitctl/splitctl status | indent
vbd=/sys/bus/xen-backend/devices/vbd-$(xl domid "$name")-51712
echo "$(basename $vbd) driver: $(basename "$(readlink $vbd/driver)")" | indent
(cd $vbd/statistics && grep . *) | indent
vif=vif$(xl domid "$name").0
echo "$vif driver: $(ethtool -i $vif | awk '/^driver/ { print $2 }')" | indent
ethtool -S $vif | grep -v ': 0$' | indent

step "Detach the disk, collect what the guest printed"
xl block-detach "$name" xvda
$DOMU --wait "$name" | indent
rc=${PIPESTATUS[0]}

step "Clean up"
ip link del xsbr0
unload_ours && echo "our modules unloaded" | indent
exit "$rc"
