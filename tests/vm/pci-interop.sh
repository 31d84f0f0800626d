#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The PCI passthrough interop matrix, on the edu with MSI:
#   - xsplit-pciback in passthrough mode (passthrough=1), where the guest
#     sees the real address 0000:00:05.0, + the kernel's xen-pcifront;
#   - the kernel's xen-pciback + xsplit-pcifront;
#   - the in-tree pair (xen-pciback + xen-pcifront), the baseline the
#     same guest checks must pass against, which shows they test the
#     device and not our backend's quirks.
# xsplit-pciback + the kernel's xen-pcifront in virtual-slot mode is
# tests/vm/pci-passthrough.sh; xsplit-pciback + xsplit-pcifront is
# tests/vm/pci-front.sh (the edu with INTx and MSI, at creation and
# hot-plugged), tests/vm/pci-e1000.sh and tests/vm/pci-nvme.sh.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
GUEST=$XS/tests/vm/guest/edu-mmio.sh
OURS=$XS/tests/vm/guest/ours-front.sh
TESTKO=$XS/tests/kmod/xsplit-test-edu.ko
guest_line() { echo "$1" | grep -m1 "^$2" ; }

edu_checks() {	# OUTPUT TAG ADDRESS
	check_eq "$2: guest saw the edu at $3" "edu at $3" "$(guest_line "$1" 'edu at')"
	check_eq "$2: ID register by MMIO" "id 0x010000ED" "$(guest_line "$1" 'id ')"
	check_eq "$2: 5! by MMIO" "fact5 0x00000078" "$(guest_line "$1" 'fact5 ')"
	check "$2: MSI set up" sh -c "echo '$1' | grep -q 'irq-setup ok msi'"
	check "$2: MSI delivered" sh -c "echo '$1' | grep -q 'factorial-irq ok'"
}

# Our frontend's own checks, from what ours-front.sh shows of it.
front_checks() {	# OUTPUT TAG
	check "$2: xsplit-pcifront connected" has "$1" '^pcifront: .*connected to backend'
	check "$2: MSI through xsplit-pcifront's op" has "$1" '^pcifront-stats: enable_msi 1$'
	check "$2: no op timed out" has "$1" '^pcifront-stats: timeouts 0$'
	# xenbus_dev_error() lines read "pci-0: <errno> <what>".
	check "$2: no xenbus error from the frontend" lacks "$1" 'pci-0: [0-9][0-9]* '
	check_eq "$2: no warning or oops in the guest" "guest-trouble 0" "$(guest_line "$1" 'guest-trouble ')"
}

dmesg_mark
check "insmod xsplit-pciback passthrough=1" insmod "$(ko_path pciback)" passthrough=1
check "xl pci-assignable-add" xl pci-assignable-add $EDU
out=$($DOMU --cfg "pci = ['$EDU']" --file $TESTKO --timeout 150 $GUEST msi)
echo "$out" | sed 's/^/  guest: /'
edu_checks "$out" "ours passthrough mode" $EDU
check "xl pci-assignable-remove" xl pci-assignable-remove $EDU
check "rmmod xsplit-pciback" rmmod "$(ko_name pciback)"

check "modprobe in-tree xen-pciback" modprobe xen-pciback
check "xl pci-assignable-add (in-tree)" xl pci-assignable-add $EDU
out=$($DOMU --no-load xen-pcifront --cfg "pci = ['$EDU']" --file $GUEST --file $TESTKO --timeout 150 $OURS msi)
echo "$out" | sed 's/^/  guest: /'
edu_checks "$out" "in-tree back + ours" 0000:00:00.0
front_checks "$out" "in-tree back + ours"
out=$($DOMU --cfg "pci = ['$EDU']" --file $TESTKO --timeout 150 $GUEST msi)
echo "$out" | sed 's/^/  guest: /'
edu_checks "$out" "in-tree pair" 0000:00:00.0
xl pci-assignable-remove $EDU 2>/dev/null
check "rmmod xen-pciback" rmmod xen_pciback
finish
