#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PCI passthrough with xsplit-pciback and stock xl: the edu device given
# to a PV domU at creation (pci=[...]), used there by direct MMIO through
# the kernel's own xen-pcifront, with its interrupt as MSI and as INTx;
# then detached from the running guest, attached to a running guest
# again, and given to one guest after another.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
GUEST=$XS/tests/vm/guest/edu-mmio.sh
TESTKO=$XS/tests/kmod/xsplit-test-edu.ko
MOD=$(ko_name pciback)

backend_dir() { echo /local/domain/0/backend/pci/$1/0; }

dmesg_mark
check "insmod xsplit-pciback" insmod "$(ko_path pciback)"
check "xl pci-assignable-add $EDU" xl pci-assignable-add $EDU

# 1. At creation, virtual-slot mode: the guest sees the edu at 00:00.0 and
#    gets its interrupt as MSI (through the enable_msi op).
out=$($DOMU --cfg "pci = ['$EDU']" --file $TESTKO --timeout 150 $GUEST msi)
echo "$out" | sed 's/^/  guest: /'
check_eq "guest saw the edu at the virtual slot" "edu at 0000:00:00.0" "$(guest_line "$out" 'edu at')"
check_eq "the guest's BAR0 is the real one" "bar0 $(head -n1 /sys/bus/pci/devices/$EDU/resource | cut -d' ' -f1)" "$(guest_line "$out" 'bar0 ')"
check_edu "$out" create msi
check_eq "edu still held by pciback after the guest died" pciback "$(basename "$(readlink /sys/bus/pci/devices/$EDU/driver)")"

# 2. The same with INTx, then hot-unplug from the running guest.
name=$($DOMU --bg --cfg "pci = ['$EDU']" --file $TESTKO $GUEST intx WAIT_READY)
check "guest 2 reached READY with the edu" $DOMU --expect "$name" '^READY'
domid=$(xl domid "$name")
check_eq "backend connected" 4 "$(xenstore-read $(backend_dir $domid)/state)"
check "xl pci-detach" xl pci-detach "$name" $EDU
check "guest saw the edu removed" $DOMU --expect "$name" '^edu removed'
check "xl pci-list is empty" sh -c "! xl pci-list $name | grep -q 05.0"
out=$($DOMU --wait "$name")
echo "$out" | sed 's/^/  guest: /'
check_edu "$out" intx intx

# 3. Attach to a running guest that started without the device.
cat >/tmp/late.sh <<'G'
. /lib/xsplit/guest-lib.sh
echo READY
wait_for /sys/bus/pci/devices/0000:00:00.0 60 || exit 1
sh /xsplit-guest/edu-mmio.sh msi
G
name=$($DOMU --bg --cfg 'passthrough = "enabled"' --file $GUEST --file $TESTKO /tmp/late.sh)
check "guest 3 is up without a PCI device" $DOMU --expect "$name" '^READY'
check "xl pci-attach to the running guest" xl pci-attach "$name" $EDU
domid=$(xl domid "$name")
out=$($DOMU --wait "$name")
echo "$out" | sed 's/^/  guest: /'
check_edu "$out" hotplug msi

check "rmmod xsplit-pciback" rmmod "$MOD"
check_eq "edu released on rmmod" "" "$(basename "$(readlink /sys/bus/pci/devices/$EDU/driver)")"
check_eq "nothing at warning level or above" "" "$(dmesg_warnings)"
finish
