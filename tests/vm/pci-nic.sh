#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# testbed-options: --pcie
#
# NICs given to PV domUs by xsplit-pciback and driven there by the guests'
# own drivers, and PCIe error recovery relayed to the guest.
#
# Guest 1 (xsplit-pcifront) gets the e1000 (00:06.0, INTx) and the e1000e
# behind the PCIe root port (01:00.0, MSI). Each NIC gets a DHCP lease
# from its QEMU user network and ping replies from its gateway: DMA both
# ways (swiotlb-xen in the guest, the IOMMU in Xen), interrupts and MMIO,
# the whole of "real I/O is direct". Then dom0 injects an uncorrectable
# non-fatal error (completion timeout) into the e1000e with aer_inject.
# Dom0's AER core runs recovery; xsplit-pciback relays each step to the
# guest, whose e1000e driver stops (error_detected: NEED_RESET), resets
# (slot_reset: RECOVERED) and restarts (resume); the NIC pings again.
# Guest 2 runs the kernel's xen-pcifront against our backend: the same
# recovery with the other frontend. Guest 3 runs the hostile frontend of
# tests/kmod/pci-hostile.c in its AER-only mode: it announces no AER
# handler, then answers with garbage, then does not answer at all (within
# aer_timeout_ms), then is asked again while that request is still its. Each failed step is logged and counted, and
# dom0's AER core ends each recovery, failed or not.

. /xsplit/tests/lib/vm.sh

NIC=0000:00:06.0
NICE=0000:01:00.0
PORT=0000:00:08.0
GUEST=$XS/tests/vm/guest/nic-aer.sh
HOSTILE=$XS/tests/vm/guest/pci-hostile-aer.sh
HOSTILE_KO=$XS/tests/kmod/xsplit-test-pci-hostile.ko
E1000=$(modinfo -n e1000)
E1000E=$(modinfo -n e1000e)
DRV=/sys/bus/pci/drivers/pciback
guest_line() { echo "$1" | grep -m1 "^$2" ; }

# aer_inject BDF UNCOR COR: one error report through /dev/aer_inject, whose
# record is struct aer_error_inj (bus, dev, fn, pad, then u32 uncorrectable
# and correctable status, four header log words and the PCI domain).
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
aer_inject() {
	local bus=$((16#${1:5:2})) dev=$((16#${1:8:2})) fn=${1:11:1}
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x00' $bus $dev $fn)$(le32 $2)$(le32 $3)$(le32 0)$(le32 0)$(le32 0)$(le32 0)$(le32 $((16#${1:0:4})))" |
		dd of=/dev/aer_inject bs=32 count=1 iflag=fullblock status=none
}

# The dom0 lines of one recovery: AER core and our backend, since MARK.
since() { dmesg | tail -n +$(($1 + 1)); }
wait_recovery() {	# MARK: until the AER core says how it ended
	local i
	for i in $(seq 300); do
		since "$1" | grep -q 'AER: device recovery' && return 0
		sleep 0.2
	done
	return 1
}

# What dom0's AER core logs about an injected error is expected; anything
# else at warning level or above is not.
AER_LINES='AER: |PCIe Bus Error|error status/mask|CmpltTO|aer_inject'

# in_log REGEX: in the dom0 lines of the recovery under check (not `has`,
# which would print the whole log on a failure).
in_log() { printf '%s\n' "$log" | grep -q -- "$1"; }

recovery_checks() {	# OUT TAG DOMID MARK
	local log
	log=$(since "$4" | grep -E "$AER_LINES|$NICE|$PORT")
	echo "$log" | sed 's/^/  dom0: /'
	check "$2: dom0's AER core reports the recovery successful" in_log 'AER: device recovery successful'
	check "$2: error_detected relayed, the driver asked for a reset" in_log "$NICE: PCIe error: domain $3 ran error_detected, result 3$"
	check "$2: slot_reset relayed, the driver recovered" in_log "$NICE: PCIe error: domain $3 ran slot_reset, result 5$"
	check "$2: resume relayed" in_log "$NICE: PCIe error: domain $3 ran resume"
	check_eq "$2: the guest's e1000e came back" "recovered yes" "$(guest_line "$1" 'recovered ')"
	check_eq "$2: the guest's e1000e runs on MSI-X" "e1000e irq msix" "$(guest_line "$1" 'e1000e irq ')"
	check_eq "$2: e1000e pings after recovery" "after e1000e ping 3 received" "$(guest_line "$1" 'after e1000e ping ')"
	check_eq "$2: pciback counted 3 relayed steps, none failed" "3 0" \
		"$(awk '/^aer_relayed/ {r=$2} /^aer_failed/ {f=$2} END {print r, f}' $DRV/$NICE/xsplit_stats)"
	check_eq "$2: no warning or oops in the guest" "guest-trouble 0" "$(guest_line "$1" 'guest-trouble ')"
}

dmesg_mark
check "e1000.ko and e1000e.ko found for the guest" test -r "$E1000" -a -r "$E1000E"
check "the root port has AER" test -e /sys/bus/pci_express/devices/$PORT:pcie002
check "modprobe aer_inject" modprobe aer_inject
check "insmod xsplit-pciback" insmod "$(ko_path pciback)"
check "xl pci-assignable-add $NIC" xl pci-assignable-add $NIC
check "xl pci-assignable-add $NICE" xl pci-assignable-add $NICE

# guest_through_error TAG DOMU-ARGS...: start a guest running $GUEST,
# inject a non-fatal completion timeout into $NICE when it is ready, and
# collect its output ($out), domain ID ($domid) and dmesg mark ($mark).
guest_through_error() {
	local tag=$1 gname
	shift
	gname=$($DOMU --bg --timeout 240 "$@")
	check "$tag: guest is ready for the error" $DOMU --timeout 240 --expect "$gname" '^ready-for-error'
	domid=$(xl domid "$gname")
	mark=$(dmesg | wc -l)
	check "$tag: inject a non-fatal completion timeout into $NICE" aer_inject $NICE 0x4000 0
	check "$tag: dom0's AER core finished recovery" wait_recovery $mark
	out=$($DOMU --timeout 120 --wait "$gname")
	echo "$out" | sed 's/^/  guest: /'
}

# 1. Ours + ours, both NICs.
guest_through_error ours --no-load xen-pcifront --cfg "pci = ['$NIC', '$NICE']" \
	--file "$E1000" --file "$E1000E" $GUEST ours
check "ours: the guest's e1000 driver has its NIC" has "$out" '^before e1000 dhcp 10\.0\.2\.'
check_eq "ours: e1000 pings" "before e1000 ping 3 received" "$(guest_line "$out" 'before e1000 ping ')"
check "ours: the guest's e1000e driver has its NIC" has "$out" '^before e1000e dhcp 10\.0\.2\.'
check_eq "ours: e1000e pings" "before e1000e ping 3 received" "$(guest_line "$out" 'before e1000e ping ')"
recovery_checks "$out" "ours" $domid $mark
check_eq "ours: xsplit-pcifront relayed the 3 steps to its driver" "front-aer 3" "$(guest_line "$out" 'front-aer ')"

# 2. Ours + the kernel's xen-pcifront, the e1000e alone.
guest_through_error xen-pcifront --cfg "pci = ['$NICE']" --file "$E1000E" $GUEST kernel
check_eq "xen-pcifront: e1000e pings" "before e1000e ping 3 received" "$(guest_line "$out" 'before e1000e ping ')"
recovery_checks "$out" "xen-pcifront" $domid $mark

# inject_and_log TAG: one more error and the dom0 lines of its recovery.
inject_and_log() {
	local mark
	mark=$(dmesg | wc -l)
	check "$1: error injected" aer_inject $NICE 0x4000 0
	check "$1: dom0's AER core finished recovery" wait_recovery $mark
	log=$(since "$mark" | grep -E "$AER_LINES|$NICE|$PORT")
	echo "$log" | sed 's/^/  dom0: /'
}
aer_stats() { awk '/^aer_relayed/ {r=$2} /^aer_failed/ {f=$2} END {print r, f}' $DRV/$NICE/xsplit_stats; }

# 3. The hostile frontend, told through xenstore how to answer: first
#    with no AER handler announced (nothing is relayed and dom0 recovers on
#    its own), then with garbage, then not at all, then asked again while
#    that request is still unanswered.
check "pciback aer_timeout_ms=1000" sh -c "echo 1000 >/sys/module/$(ko_name pciback)/parameters/aer_timeout_ms"
name=$($DOMU --bg --no-load xen-pcifront --cfg "pci = ['$NICE']" --file $HOSTILE_KO $HOSTILE)
check "hostile guest connected, no AER handler" $DOMU --expect "$name" '^xsplit-hostile: aer answer now none'
domid=$(xl domid "$name")
hname=$name	# check() has a local $name of its own
aer_answer() {	# VALUE: set it and wait until the guest has it
	xenstore-write /local/domain/$domid/device/pci/0/aer-answer "$1" &&
		$DOMU --expect "$hname" "^xsplit-hostile: aer answer now $1[[:space:]]*$"
}

inject_and_log "no handler"
check "no handler: error_detected not relayed, said so" in_log "$NICE: PCIe error: domain $domid's frontend cannot handle errors; error_detected not relayed"
check "no handler: dom0 still recovers" in_log 'AER: device recovery successful'
check_eq "no handler: 3 steps counted as failed" "0 3" "$(aer_stats)"

check "hostile guest answers 77 from now" aer_answer 77
inject_and_log "garbage"
check "garbage: the answer is refused" in_log "$NICE: PCIe error: domain $domid answered error_detected with 77, which that step does not allow: recovery failed"
check "garbage: dom0's recovery fails, and ends" in_log 'AER: device recovery failed'

check "hostile guest does not answer from now" aer_answer 0
inject_and_log "silence"
check "silence: the wait ends after aer_timeout_ms" in_log "$NICE: PCIe error: domain $domid did not answer error_detected (-ETIMEDOUT): recovery failed"
check "silence: dom0's recovery fails, and ends" in_log 'AER: device recovery failed'
check "the hostile guest saw both requests" $DOMU --expect "$name" '^xsplit-hostile: aer request 2 '

inject_and_log "still unanswered"
check "still unanswered: no second request on the page" in_log "$NICE: PCIe error: domain $domid did not answer error_detected (-EBUSY): recovery failed"
check_eq "hostile: 6 steps counted as failed, none relayed" "0 6" "$(aer_stats)"
# libxl complains that the hostile frontend never closes: expected.
xl destroy "$name" 2>/dev/null

check "xl pci-assignable-remove $NIC" xl pci-assignable-remove -r $NIC
check "xl pci-assignable-remove $NICE" xl pci-assignable-remove -r $NICE
check_eq "e1000 back with dom0's driver" e1000 "$(basename "$(readlink /sys/bus/pci/devices/$NIC/driver)")"
check_eq "e1000e back with dom0's driver" e1000e "$(basename "$(readlink /sys/bus/pci/devices/$NICE/driver)")"
check "rmmod xsplit-pciback" rmmod "$(ko_name pciback)"
check "rmmod aer_inject" rmmod aer_inject
check_eq "nothing at warning level or above but the AER core's report" "" \
	"$(dmesg_warnings | grep -vE "$AER_LINES" | grep -v "pciback $NICE: PCIe error: domain ")"
finish
