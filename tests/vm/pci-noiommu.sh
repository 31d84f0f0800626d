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
# backend still seizes and releases the function cleanly there. Assigning
# without an IOMMU (and without DMA isolation) is left to splitctl's
# --allow-no-iommu, which does what xl does through libxenctrl directly.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
DRV=/sys/bus/pci/drivers/pciback

check "Xen runs without I/O virtualisation" \
	sh -c "xl dmesg | grep -q 'I/O virtualisation disabled'"
check "no IOMMU was found" sh -c "! xl dmesg | grep -q 'I/O virtualisation enabled'"
printf 'echo "alive $(uname -r)"\n' >/tmp/guest.sh
out=$($DOMU /tmp/guest.sh)
check_eq "a PV domU runs its script without an IOMMU" "alive $(uname -r)" "$out"

dmesg_mark
check "insmod xsplit-pciback hide=($EDU)" insmod "$(ko_path pciback)" "hide=($EDU)"
check_eq "edu seized without an IOMMU" pciback "$(basename "$(readlink /sys/bus/pci/devices/$EDU/driver)")"
out=$(xl pci-assignable-add $EDU 2>&1)
check "stock xl cannot quarantine it (no IOMMU)" sh -c "echo '$out' | grep -q 'failed to quarantine'"
out=$($DOMU --cfg "pci = ['$EDU']" /dev/null 2>&1)
check "stock xl refuses pci=[...] without an IOMMU" sh -c "echo '$out' | grep -q 'passthrough not supported on this platform'"
check "rmmod xsplit-pciback" rmmod "$(ko_name pciback)"
check_eq "edu released" "" "$(basename "$(readlink /sys/bus/pci/devices/$EDU/driver)")"
check_eq "nothing at warning level or above" "" "$(dmesg_warnings)"
finish
