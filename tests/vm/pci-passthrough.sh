#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PCI passthrough with xsplit-pciback and stock xl: the edu device given
# to a PV domU at creation (pci=[...]), used there by direct MMIO through
# the kernel's own xen-pcifront; then detached from the running guest,
# attached to it again, and given to a second guest after the first died.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
DRV=/sys/bus/pci/drivers/pciback
GUEST=$XS/tests/vm/guest/edu-mmio.sh
MOD=$(ko_name pciback)

backend_state() {	# DOMID -> the pci backend's xenbus state
	xenstore-read /local/domain/0/backend/pci/$1/0/state 2>/dev/null
}

dmesg_mark
check "insmod xsplit-pciback" insmod "$(ko_path pciback)"
check "xl pci-assignable-add $EDU" xl pci-assignable-add $EDU

# 1. At creation, virtual-slot mode: the guest sees the edu at 00:00.0.
out=$($DOMU --cfg "pci = ['$EDU']" --timeout 150 $GUEST)
echo "$out" | sed 's/^/  guest: /'
check_eq "guest saw the edu at the virtual slot" "edu at 0000:00:00.0" "$(echo "$out" | grep '^edu at')"
check_eq "guest read the edu's ID register by MMIO" "id 0x010000ED" "$(echo "$out" | grep '^id ')"
check_eq "the edu inverted a value for the guest" "inverse 0xEDCBA987" "$(echo "$out" | grep '^inverse ')"
check_eq "the edu computed 5! for the guest" "fact5 0x00000078" "$(echo "$out" | grep '^fact5 ')"
check "the guest's BAR0 is the real one" sh -c "echo '$out' | grep -q \"^bar0 $(head -n1 /sys/bus/pci/devices/$EDU/resource | cut -d' ' -f1)\$\""
check_eq "edu still held by pciback after the guest died" pciback "$(basename "$(readlink /sys/bus/pci/devices/$EDU/driver)")"

# 2. Hot-unplug and hot-plug on a running guest (Reconfiguring states).
name=$($DOMU --bg --cfg "pci = ['$EDU']" $GUEST WAIT_READY)
check "guest 2 reached READY with the edu" $DOMU --expect "$name" '^READY'
domid=$(xl domid "$name")
check_eq "backend connected" 4 "$(backend_state $domid)"
check "xl pci-detach" xl pci-detach "$name" $EDU
check "guest saw the edu removed" $DOMU --expect "$name" '^edu removed'
check_eq "backend connected again after the detach" 4 "$(backend_state $domid)"
check "xl pci-list is empty" sh -c "! xl pci-list $name | grep -q 05.0"
$DOMU --wait "$name" >/dev/null

# 3. Attach to a running guest that started without it.
cat >/tmp/late.sh <<'G'
. /lib/xsplit/guest-lib.sh
echo READY
wait_for /sys/bus/pci/devices/0000:00:00.0 60 || exit 1
sh /xsplit-guest/edu-mmio.sh
G
name=$($DOMU --bg --cfg "pci = []" --file $GUEST /tmp/late.sh)
check "guest 3 is up without a PCI device" $DOMU --expect "$name" '^READY'
check "xl pci-attach to the running guest" xl pci-attach "$name" $EDU
out=$($DOMU --wait "$name")
echo "$out" | sed 's/^/  guest: /'
check_eq "hot-plugged edu computed 5!" "fact5 0x00000078" "$(echo "$out" | grep '^fact5 ')"

check "rmmod xsplit-pciback" rmmod "$MOD"
check_eq "nothing at warning level or above" "" "$(dmesg_warnings)"
finish
