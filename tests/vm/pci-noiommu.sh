#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# testbed-options: --no-iommu
#
# Passthrough on a host whose Xen has no IOMMU: stock xl goes on without
# xc_assign_device (it tolerates ENOSYS for PV guests) and the guest still
# drives the edu directly. There is no DMA isolation at all on such a host.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
guest_line() { echo "$1" | grep -m1 "^$2" ; }

check "Xen runs without I/O virtualisation" sh -c "! xl dmesg | grep -q 'I/O virtualisation enabled'"
check "insmod xsplit-pciback" insmod "$(ko_path pciback)"
check "xl pci-assignable-add" xl pci-assignable-add $EDU
out=$($DOMU --cfg "pci = ['$EDU']" --file $XS/tests/kmod/xsplit-test-edu.ko \
	--timeout 150 $XS/tests/vm/guest/edu-mmio.sh msi)
echo "$out" | sed 's/^/  guest: /'
check_eq "ID register by MMIO" "id 0x010000ED" "$(guest_line "$out" 'id ')"
check_eq "5! by MMIO" "fact5 0x00000078" "$(guest_line "$out" 'fact5 ')"
check "MSI delivered" sh -c "echo '$out' | grep -q 'factorial-irq ok'"
check "rmmod xsplit-pciback" rmmod "$(ko_name pciback)"
finish
