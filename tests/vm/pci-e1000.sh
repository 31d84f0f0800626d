#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The e1000 NIC given to a PV domU by xsplit-pciback and driven there by
# the guest's own e1000 driver, through xsplit-pcifront (the kernel's
# xen-pcifront gets the same DMA-heavy treatment with the nvme in
# tests/vm/pci-nvme.sh; one guest here keeps the suite short). Getting a DHCP lease from QEMU's user network and ping
# replies from its gateway takes DMA both ways (swiotlb-xen in the guest;
# the IOMMU in Xen), the NIC's INTx interrupt and its MMIO registers: the
# whole of "real I/O is direct".

. /xsplit/tests/lib/vm.sh

NIC=0000:00:06.0
GUEST=$XS/tests/vm/guest/e1000-net.sh
E1000=$(modinfo -n e1000)
guest_line() { echo "$1" | grep -m1 "^$2" ; }

nic_checks() {	# OUTPUT TAG
	check "$2: the guest's e1000 driver has the NIC" sh -c "echo '$1' | grep -q '^nic .* driver e1000$'"
	check_eq "$2: DHCP lease from QEMU's user network" "dhcp 10.0.2.15" "$(guest_line "$1" 'dhcp ')"
	check_eq "$2: 5 of 5 pings answered by the gateway" "ping 5 received" "$(guest_line "$1" 'ping ')"
	check_eq "$2: no warning or oops in the guest" "guest-trouble 0" "$(guest_line "$1" 'guest-trouble ')"
}

dmesg_mark
check "e1000.ko found for the guest" test -r "$E1000"
check "insmod xsplit-pciback" insmod "$(ko_path pciback)"
check "xl pci-assignable-add $NIC" xl pci-assignable-add $NIC

out=$($DOMU --no-load xen-pcifront --cfg "pci = ['$NIC']" --file "$E1000" --timeout 150 $GUEST ours)
echo "$out" | sed 's/^/  guest: /'
nic_checks "$out" "xsplit-pcifront"

check "xl pci-assignable-remove $NIC" xl pci-assignable-remove -r $NIC
check_eq "NIC back with dom0's e1000 driver" e1000 "$(basename "$(readlink /sys/bus/pci/devices/$NIC/driver)")"
check "rmmod xsplit-pciback" rmmod "$(ko_name pciback)"
check_eq "nothing at warning level or above" "" "$(dmesg_warnings)"
finish
