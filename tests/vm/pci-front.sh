#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xsplit-pcifront's life cycle in a PV domU, against xsplit-pciback, with
# stock xl: hot-unplug of the edu from a running guest (its INTx driver
# unbound, the function removed), hot-plug into a running guest that had
# no PCI device at all (MSI), unbinding and unloading the frontend under
# a bound driver with MSI enabled,
# refusing to load next to the kernel's xen-pcifront, and the permissive
# option of pci=[...] reaching the backend through opts-N (guests 1, 3).
# Creation-time attach and the interop cells are in tests/vm/pci-interop.sh.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
EDU_SH=$XS/tests/vm/guest/edu-mmio.sh
OURS=$XS/tests/vm/guest/ours-front.sh
TESTKO=$XS/tests/kmod/xsplit-test-edu.ko
FRONT="--no-load xen-pcifront --file $EDU_SH --file $OURS --file $TESTKO"
guest_line() { echo "$1" | grep -m1 "^$2" ; }

edu_checks() {	# OUTPUT TAG IRQ
	check_eq "$2: ID register by MMIO" "id 0x010000ED" "$(guest_line "$1" 'id ')"
	check_eq "$2: 5! by MMIO" "fact5 0x00000078" "$(guest_line "$1" 'fact5 ')"
	check "$2: $3 set up" has "$1" "irq-setup ok $3"
	check "$2: $3 delivered" has "$1" 'factorial-irq ok'
	check_eq "$2: no warning or oops in the guest" "guest-trouble 0" "$(guest_line "$1" 'guest-trouble ')"
}

dmesg_mark
check "insmod xsplit-pciback" insmod "$(ko_path pciback)"
check "xl pci-assignable-add $EDU" xl pci-assignable-add $EDU

# The backend's count of refused config writes for a guest, which it logs
# when it has the function back.
refused_by() {	# DOMID
	local i n
	for i in $(seq 50); do
		n=$(dmesg | sed -n "s/.*taken back from domain $1 (.* \([0-9]*\) refused in part.*/\1/p" | tail -n 1)
		[ -n "$n" ] && break
		sleep 0.2
	done
	echo "$n"
}

# 1. Hot-unplug: the backend goes Reconfiguring, the frontend removes the
#    function whose state-N is Closing and answers Reconfiguring. The
#    guest has no permissive option: a config write no rule allows is
#    refused and counted.
name=$($DOMU --bg $FRONT --cfg "pci = ['$EDU']" $OURS intx WAIT_READY cfgwrite)
check "guest 1 reached READY with the edu" $DOMU --expect "$name" '^READY'
domid=$(xl domid "$name")
check "xl pci-detach" xl pci-detach "$name" $EDU
check "guest 1 saw the edu removed" $DOMU --expect "$name" '^edu removed'
check "xl pci-list is empty" sh -c "! xl pci-list $name | grep -q 05.0"
out=$($DOMU --wait "$name")
echo "$out" | sed 's/^/  guest: /'
edu_checks "$out" "before detach" intx
check "frontend logged the removal" has "$out" "function 0000:00:00.0 taken away by the backend"
check "permissive=0: the guest wrote config byte 0x38" has "$out" '^cfgwrite done'
check "permissive=0: the write was refused and counted" test "$(refused_by $domid)" -ge 1

# 2. Hot-plug into a running guest that started without a PCI device: the
#    xenbus device only appears now, and the frontend was loaded before.
name=$($DOMU --bg $FRONT --file $XS/tests/vm/guest/front-late.sh \
	--cfg 'passthrough = "enabled"' $XS/tests/vm/guest/front-late.sh)
check "guest 2 is up without a PCI device" $DOMU --expect "$name" '^READY'
check "xl pci-attach to the running guest" xl pci-attach "$name" $EDU
out=$($DOMU --wait "$name")
echo "$out" | sed 's/^/  guest: /'
check_eq "hot-plugged edu at the virtual slot" "edu at 0000:00:00.0" "$(guest_line "$out" 'edu at')"
edu_checks "$out" "hot-plug" msi

# 3. rmmod under a bound driver with MSI enabled. permissive=1 in
#    pci=[...] reaches the backend (libxl writes both opts-N and pciback's
#    sysfs permissive, which lasts, as with xen-pciback, until the
#    function stops being assignable: hence after the permissive=0 guest),
#    and the same write is passed on.
name=$($DOMU --bg $FRONT --file $XS/tests/vm/guest/front-rmmod.sh \
	--cfg "pci = ['$EDU,permissive=1']" $XS/tests/vm/guest/front-rmmod.sh)
domid=$(xl domid "$name")
out=$($DOMU --wait "$name")
echo "$out" | sed 's/^/  guest: /'
check_eq "test driver bound before rmmod" "bound xsplit-test-edu" "$(guest_line "$out" 'bound ')"
check "MSI in use before rmmod" has "$out" '^msi irq present'
check "unbind the xenbus device under a bound driver" has "$out" '^unbind ok'
check "the driver was unbound and released its MSI" has "$out" '^driver released its msi'
check "then rmmod xsplit_pcifront" has "$out" '^rmmod ok'
check "the edu is gone with the frontend" has "$out" '^edu gone'
check "no MSI irq or driver left behind" lacks "$out" 'left behind'
check_eq "no warning or oops in guest 3" "guest-trouble 0" "$(guest_line "$out" 'guest-trouble ')"
check "the backend saw the frontend go" sh -c "dmesg | grep -q 'disconnected from domain $domid:'"
check "permissive=1: the guest wrote config byte 0x38" has "$out" '^cfgwrite done'
check_eq "permissive=1: nothing refused" 0 "$(refused_by $domid)"

# 4. Two frontends cannot share the one xenbus device and MSI hook.
out=$($DOMU $XS/tests/vm/guest/front-refuse.sh)
echo "$out" | sed 's/^/  guest: /'
check_eq "refused next to the kernel's xen-pcifront" "insmod refused" "$(guest_line "$out" 'insmod ')"
check "and said why" has "$out" 'another PCI frontend'

check "xl pci-assignable-remove" xl pci-assignable-remove $EDU
check "rmmod xsplit-pciback" rmmod "$(ko_name pciback)"
check_eq "nothing at warning level or above" "" "$(dmesg_warnings)"
finish
