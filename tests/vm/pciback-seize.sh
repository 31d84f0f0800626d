#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xsplit-pciback's PCI driver: seizing functions for passthrough the way
# stock xl expects (hide=, new_slot/remove_slot/slots, driver_override,
# permissive, do_flr), and `xl pci-assignable-add/-remove/-list` unchanged,
# taking the e1000 from dom0's own driver and giving it back.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
NIC=0000:00:06.0
DRV=/sys/bus/pci/drivers/pciback
KO=$(ko_path pciback)
MOD=$(ko_name pciback)

driver_of() { basename "$(readlink /sys/bus/pci/devices/$1/driver 2>/dev/null)"; }
sysfs_write() { echo "$2" >"$1" 2>/dev/null; }

check "in-tree xen-pciback is not loaded (ours provides pciback)" \
	sh -c "! grep -q '^xen_pciback ' /proc/modules"

# A malformed hide= list refuses the load as a whole, with a clear message.
dmesg_mark
check "insmod with a malformed hide= fails" sh -c "! insmod $KO 'hide=(0000:00:05.0)(junk)' 2>/dev/null"
check "... and says why" sh -c "dmesg | tail -n 5 | grep -q 'is not a list like'"

dmesg_mark
check "insmod hide=($EDU)" insmod "$KO" "hide=($EDU)"
check_eq "edu seized at load" pciback "$(driver_of $EDU)"
check "slots lists it" grep -qx "$EDU" $DRV/slots
check "the kernel log names the seized device" sh -c "dmesg | grep -q 'pciback $EDU: seized for passthrough'"

# new_slot / remove_slot: parsed strictly, idempotent, errors are errors.
check "new_slot rejects garbage" sh -c "! echo 0000:00:05 >$DRV/new_slot 2>/dev/null"
check "new_slot rejects an impossible device number" sh -c "! echo 0000:00:20.0 >$DRV/new_slot 2>/dev/null"
sysfs_write $DRV/new_slot 0000:00:09.0
sysfs_write $DRV/new_slot 00:09.0
check_eq "new_slot twice gives one slot" 1 "$(grep -c '^0000:00:09.0$' $DRV/slots)"
check "remove_slot" sysfs_write $DRV/remove_slot 0000:00:09.0
check "remove_slot of an unknown slot fails" sh -c "! echo 0000:00:09.0 >$DRV/remove_slot 2>/dev/null"

# permissive: only for seized functions.
check "permissive for a seized function" sysfs_write $DRV/permissive $EDU
check "permissive lists it" grep -qx "$EDU" $DRV/permissive
check "permissive for a function we do not hold fails" sh -c "! echo $NIC >$DRV/permissive 2>/dev/null"

# quirks: registers opened for a seized function's next guests.
check "quirks: add one for the edu" sysfs_write $DRV/quirks "$EDU-40:4:ffff"
check "quirks: listed" grep -qx "$EDU-40:4:ffff" $DRV/quirks
check "quirks: unaligned register refused" sh -c "! echo $EDU-41:4:ff >$DRV/quirks 2>/dev/null"
check "quirks: mask wider than the register refused" sh -c "! echo $EDU-40:1:1ff >$DRV/quirks 2>/dev/null"
check "quirks: garbage refused" sh -c "! echo $EDU-zz >$DRV/quirks 2>/dev/null"
check "quirks: a function we do not hold refused" sh -c "! echo $NIC-40:4:1 >$DRV/quirks 2>/dev/null"

# Per-function sysfs while held.
check_eq "xsplit_guest says no guest" none "$(cat /sys/bus/pci/devices/$EDU/xsplit_guest)"
check "xsplit_stats readable" grep -q '^conf_reads 0$' /sys/bus/pci/devices/$EDU/xsplit_stats

# do_flr: the edu has no reset method; the failure is reported, not hidden.
check "do_flr on the edu reports that it cannot reset" sh -c "! echo $EDU >$DRV/do_flr 2>/dev/null"
check "do_flr on a function we do not hold is refused" sh -c "! echo $NIC >$DRV/do_flr 2>/dev/null"

# Stock xl takes the e1000 away from dom0's driver and gives it back.
check_eq "e1000 starts with dom0's e1000 driver" e1000 "$(driver_of $NIC)"
check "xl pci-assignable-add $NIC" xl pci-assignable-add $NIC
check_eq "e1000 now held by pciback" pciback "$(driver_of $NIC)"
check "xl pci-assignable-list shows both" sh -c "xl pci-assignable-list | grep -q $NIC && xl pci-assignable-list | grep -q $EDU"
check "xl pci-assignable-remove -r $NIC" xl pci-assignable-remove -r $NIC
check_eq "e1000 back with dom0's e1000 driver" e1000 "$(driver_of $NIC)"
check "slot gone after assignable-remove" sh -c "! grep -qx $NIC $DRV/slots"

# driver_override: the kernel's own way to pick a driver.
sysfs_write /sys/bus/pci/devices/$EDU/driver/unbind $EDU
sysfs_write $DRV/remove_slot $EDU
check_eq "edu unbound" "" "$(driver_of $EDU)"
sysfs_write /sys/bus/pci/devices/$EDU/driver_override pciback
sysfs_write /sys/bus/pci/drivers_probe $EDU
check_eq "driver_override=pciback binds without a slot" pciback "$(driver_of $EDU)"

check "rmmod with a seized device" rmmod "$MOD"
check_eq "edu released on rmmod" "" "$(driver_of $EDU)"
check_eq "nothing at warning level or above" "" "$(dmesg_warnings)"

finish
