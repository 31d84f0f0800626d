#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# testbed-options: --no-iommu
#
# The bed's other mode: no emulated IOMMU, so Xen runs without I/O
# virtualisation (the case where passthrough has no DMA isolation). A PV
# domU still runs there. Stock xl 4.17 will not pass a device
# through there at all: `xl pci-assignable-add` fails to quarantine the
# function (xc_assign_device to DOMID_IO) and `xl create` with pci=[...]
# stops with "passthrough not supported on this platform". This test pins
# that down, so that the day it changes we notice, and checks that our
# backend still seizes and releases the function cleanly there.
# splitctl refuses too, unless told --allow-no-iommu: then it gives the edu
# to a running guest, which uses it by MMIO and takes its INTx through the
# PIRQ splitctl mapped. (MSI does not work there: Xen refuses to map one
# for the guest, PHYSDEVOP_map_pirq failing with -ENODEV.)

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
DRV=/sys/bus/pci/drivers/pciback

check "Xen runs without I/O virtualisation" \
	sh -c "xl dmesg | grep -q 'I/O virtualisation disabled'"
check "no IOMMU was found" sh -c "! xl dmesg | grep -q 'I/O virtualisation enabled'"
dmesg_mark
check "insmod xsplit-pciback hide=($EDU)" insmod "$(ko_path pciback)" "hide=($EDU)"
check_eq "edu seized without an IOMMU" pciback "$(basename "$(readlink /sys/bus/pci/devices/$EDU/driver)")"
out=$(xl pci-assignable-add $EDU 2>&1)
check "stock xl cannot quarantine it (no IOMMU)" sh -c "echo '$out' | grep -q 'failed to quarantine'"
out=$($DOMU --cfg "pci = ['$EDU']" /dev/null 2>&1)
check "stock xl refuses pci=[...] without an IOMMU" sh -c "echo '$out' | grep -q 'passthrough not supported on this platform'"

SPLITCTL=$XS/scripts/splitctl/splitctl
name=$($DOMU --bg --file $XS/tests/vm/guest/edu-mmio.sh --file $XS/tests/kmod/xsplit-test-edu.ko \
	$XS/tests/vm/guest/splitctl-guest.sh 1 intx)
check "a PV domU runs without an IOMMU" $DOMU --timeout 150 --expect "$name" '^READY'
domid=$(xl domid "$name")
xs_state() { xenstore-ls -fp /local/domain/0/backend 2>/dev/null; xenstore-ls -fp /local/domain/$domid/device; }
before=$(xs_state)
out=$($SPLITCTL pci assign $EDU "$domid" --force 2>&1)
check_eq "splitctl refuses without an IOMMU: exit status 2" 2 "$?"
check "splitctl says why" has "$out" "no IOMMU on"
check_eq "and changed nothing in xenstore" "$before" "$(xs_state)"
check "splitctl assigns with --allow-no-iommu" $SPLITCTL pci assign $EDU "$domid" --allow-no-iommu --force
check "guest is done with the edu" $DOMU --timeout 120 --expect "$name" '^READY r1'
out=$(round_output "$name" 1)
echo "$out" | sed 's/^/  guest: /'
check_edu "$out" "no IOMMU" intx
check "splitctl detaches it" $SPLITCTL pci detach $EDU "$domid"
check "guest saw the edu removed" $DOMU --timeout 60 --expect "$name" '^edu removed r1'
xl destroy "$name"
check_eq "Xen freed the guest" 1 "$(domain_gone "$domid")"
check "rmmod xsplit-pciback" rmmod "$(ko_name pciback)"
check_eq "edu released" "" "$(basename "$(readlink /sys/bus/pci/devices/$EDU/driver)")"
check_eq "nothing at warning level or above" "" "$(dmesg_warnings)"
finish
