#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hostile PCI backend against xsplit-pcifront: dom0 runs
# tests/kmod/pci-hostile-back.c instead of a real pciback, in each of its
# modes, and a PV domU loads our frontend against it:
#   silent     ops are never answered: the frontend must time out once,
#              say so, count it, fail every later access at once, and
#              still let the guest run and finish;
#   garbage    a fake edu with impossible MSI answers: it must appear, and
#              its driver's MSI set-up must fail cleanly;
#   bad_roots  a malformed root-0: the frontend must refuse with a xenbus
#              error and create no bus;
#   aer        garbage's fake edu, bound to xsplit-test-edu, and then AER
#              requests from dom0: the frontend must run the driver's
#              error handlers and hand back what they returned, and answer
#              a request for a function it lacks or with an unknown command
#              with PCI_ERS_RESULT_NONE, warning, without calling anyone.
# In each mode dom0 then unbinds and unloads the backend under the guest,
# and the frontend must come apart and unload cleanly. No device is passed
# through: the "pci" device's xenstore nodes are written here by hand, as
# libxl would write them for pci=[...].

. /xsplit/tests/lib/vm.sh

BACK_KO=$XS/tests/kmod/xsplit-test-pci-hostile-back.ko
BACK_MOD=xsplit_test_pci_hostile_back
BACK_DRV=/sys/bus/xen-backend/drivers/xsplit-hostile-back
EDU_KO=$XS/tests/kmod/xsplit-test-edu.ko
GUEST=$XS/tests/vm/guest/pcifront-hostile-back.sh
# Must match the guest script's op_timeout_ms.
TIMEOUT_MS=300

guest_line() { echo "$1" | grep -m1 "^$2" ; }
guest_count() { echo "$1" | grep -cE "$2" ; }
# check_out NAME REGEX, check_no_out NAME REGEX: whether a line of the
# guest's output ($out) matches, without echoing all of it on failure.
check_out() {
	if echo "$out" | grep -qE -- "$2"; then ok "$1"; else not_ok "$1: no line matches /$2/"; fi
}
check_no_out() {
	if echo "$out" | grep -qE -- "$2"; then
		not_ok "$1: $(echo "$out" | grep -m1 -E -- "$2")"
	else
		ok "$1"
	fi
}
# dmesg_wait REGEX SECONDS: wait for a line in dom0's log.
dmesg_wait() {
	local n=0
	until dmesg | grep -qE "$1"; do
		[ $n -ge $(($2 * 10)) ] && return 1
		sleep 0.1
		n=$((n + 1))
	done
}
# xs_wait PATH VALUE SECONDS: wait for a xenstore node to read VALUE.
xs_wait() {
	local n=0
	until [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; do
		[ $n -ge $(($3 * 10)) ] && return 1
		sleep 0.1
		n=$((n + 1))
	done
}
stat_of() {	# OUTPUT PREFIX NAME
	echo "$1" | sed -n "s/^$2: $3 //p" | head -n 1
}

# pci_nodes DOMID NAME: the nodes libxl writes for a guest's "pci" device,
# without any function in it (num_devs 0). The order matters: the backend
# is probed as soon as its state is 1 and needs its frontend's directory
# to exist by then, and the guest's xenbus takes the device only once the
# frontend's state is 1, so that is written last. Each directory gets its
# permissions before its nodes, which inherit them: the frontend's belongs
# to the guest (dom0 may read), the backend's to dom0 (the guest may read).
pci_nodes() {
	local d=$1 fe=/local/domain/$1/device/pci/0 be=/local/domain/0/backend/pci/$1/0

	xenstore-write $fe "" &&
		xenstore-chmod $fe n$d r0 &&
		xenstore-write $fe/backend $be $fe/backend-id 0 &&
		xenstore-write $be "" &&
		xenstore-chmod $be n0 r$d &&
		xenstore-write $be/frontend $fe $be/frontend-id $d $be/online 1 \
			$be/domain "$2" $be/num_devs 0 $be/state 1 &&
		xenstore-write $fe/state 1
}

# start_mode MODE [REGEX]: load the backend, start a guest, give it the
# device and wait until it has reported on the connection (prints a line
# matching REGEX, by default the one saying it waits for the close). Sets
# name, domid, fe.
start_mode() {
	local m=$1 ready=${2:-^READY-TO-CLOSE}

	dmesg_mark
	check "$m: insmod hostile backend" insmod "$BACK_KO" mode=$m
	name=$($DOMU --bg --no-load xen-pcifront --file $EDU_KO $GUEST $m)
	check "$m: guest created" test -n "$name"
	domid=$(xl domid "$name" 2>/dev/null)
	fe=/local/domain/$domid/device/pci/0
	check "$m: pci device written to xenstore" pci_nodes "$domid" "$name"
	check "$m: backend probed for domain $domid" \
		dmesg_wait "xsplit-hostile-back: domain $domid: probed " 10
	check "$m: guest reported on the connection" \
		$DOMU --timeout 90 --expect "$name" "$ready"
}

# end_mode MODE: unload the backend under the connected guest, collect the
# guest's output into $out and check what every mode must show.
end_mode() {
	local m=$1 summary rc

	# xenbus holds a reference on a backend's module for every device it
	# drives, so rmmod cannot take it from under a guest; unbinding runs
	# the same remove path, after which rmmod must work.
	check "$m: unbind the backend under the guest" \
		sh -c "echo pci-$domid-0 >$BACK_DRV/unbind"
	check "$m: rmmod hostile backend" rmmod $BACK_MOD
	summary=$(dmesg | grep -m1 "xsplit-hostile-back: domain $domid: disconnected (mode $m): ")
	echo "  dom0: ${summary:-no summary line}"
	check "$m: backend logged its summary on disconnect" test -n "$summary"
	ops=$(echo "$summary" | sed -n 's/.*: \([0-9]*\) ops seen, .*/\1/p')
	kicks=$(echo "$summary" | sed -n 's/.* \([0-9]*\) kicks$/\1/p')

	out=$($DOMU --timeout 120 --wait "$name")
	rc=$?
	echo "$out" | sed 's/^/  guest: /'
	xenstore-rm /local/domain/0/backend/pci/$domid 2>/dev/null
	check_eq "$m: guest script ended well" 0 "$rc"
	check_out "$m: guest still alive after the connection" '^alive [0-9]+$'
	check_out "$m: frontend saw the backend close" '^backend-closed seen$'
	check_eq "$m: no function left after the close" "after-close: functions 0" \
		"$(guest_line "$out" 'after-close: functions ')"
	check_eq "$m: unbind xsplit-pcifront in the guest" "unbind-pcifront 0" \
		"$(guest_line "$out" 'unbind-pcifront ')"
	check_eq "$m: rmmod xsplit-pcifront in the guest" "rmmod-pcifront 0" \
		"$(guest_line "$out" 'rmmod-pcifront ')"
	check_eq "$m: no warning, BUG or oops in the guest" "guest-trouble 0" \
		"$(guest_line "$out" 'guest-trouble ')"
	check_eq "$m: the frontend's teardown freed everything once" "teardown-errors 0" \
		"$(guest_line "$out" 'teardown-errors ')"
	check_eq "$m: nothing at warning level or above in dom0" "" "$(dmesg_warnings)"
}

# Only one "pci" backend can serve the guests.
check "insmod xsplit-pciback" insmod "$(ko_path pciback)"
check "hostile backend refuses to load beside it" \
	sh -c "! insmod $BACK_KO 2>/dev/null"
check "and says why" dmesg_wait 'xsplit-hostile-back: a PCI backend .* is loaded; unload it first' 1
check "rmmod xsplit-pciback" rmmod "$(ko_name pciback)"

# --- silent: the first op is never answered ------------------------------
start_mode silent
check "silent: backend connected" \
	dmesg_wait "xsplit-hostile-back: domain $domid: connected \\(mode silent\\)" 1
end_mode silent
check_eq "silent: frontend still connected (to an empty bus)" "outcome connected" \
	"$(guest_line "$out" 'outcome ')"
connect_ms=$(guest_line "$out" 'connect-ms ' | awk '{ print $2 }')
check "silent: connect took one timeout, not one per function (${connect_ms:-?} ms)" \
	test "${connect_ms:-99999}" -lt $((TIMEOUT_MS * 10))
timeout_re="xsplit_pcifront pci-0: backend \(domain 0\) did not answer"
timeout_re="$timeout_re conf_read for 0000:00:00\.0 within $TIMEOUT_MS ms"
check_eq "silent: one timeout logged, naming the backend domain and the op" 1 \
	"$(guest_count "$out" "^dmesg: $timeout_re")"
# Read after the rescan too: the ops that failed at once did not wait.
check_eq "silent: xsplit_stats counts the one timeout" 1 \
	"$(stat_of "$out" stats timeouts)"
t=$(stat_of "$out" stats not_sent)
check "silent: xsplit_stats counts the accesses that failed at once (${t:-none})" test "${t:-0}" -ge 100
check_eq "silent: no function appeared" "functions 0" "$(guest_line "$out" 'functions ')"
rescan_ms=$(guest_line "$out" 'rescan-ms ' | awk '{ print $2 }')
check "silent: a rescan after the timeout fails fast (${rescan_ms:-?} ms for 32 slots)" \
	test "${rescan_ms:-99999}" -lt $((TIMEOUT_MS * 10))
failed=$(guest_count "$out" '^dmesg: xsplit_pcifront pci-0: .*(did not answer|still busy)')
check "silent: later failures logged (${failed} lines)" test "$failed" -gt 1
# 256 devfns at connect and 32 slots in the rescan, in well under 5 s.
check "silent: failures rate-limited (${failed} lines for ~288 failed ops)" \
	test "$failed" -le 20
check "silent: backend saw the op (${ops:-?}) and its kick (${kicks:-?})" \
	test "${ops:-0}" -eq 1 -a "${kicks:-0}" -ge 1

# --- garbage: a fake edu, impossible MSI answers -------------------------
start_mode garbage
end_mode garbage
check_eq "garbage: frontend connected" "outcome connected" "$(guest_line "$out" 'outcome ')"
check_eq "garbage: the fake edu appeared at 0000:00:00.0" \
	"function 0000:00:00.0 1234:11e8 class 0x00ff00" \
	"$(guest_line "$out" 'function ')"
check_eq "garbage: and nothing else" "functions 1" "$(guest_line "$out" 'functions ')"
check_out "garbage: xsplit-test-edu bound and asked for MSI, which failed" \
	'^edu-test: xsplit-test-edu: irq-setup FAIL '
check_no_out "garbage: no interrupt was set up" 'irq-setup ok'
check_out "garbage: frontend refused enable_msi's PIRQ 0" \
	'^dmesg: .* backend did not enable MSI \(err 0, value 0\): -71$'
check_out "garbage: frontend refused disable_msi's undefined error" \
	'^dmesg: .* backend failed disable_msi: -71$'
t=$(stat_of "$out" stats enable_msi)
check "garbage: xsplit_stats counts the enable_msi (${t:-none})" test "${t:-0}" -ge 1
t=$(stat_of "$out" stats bad_replies)
check "garbage: xsplit_stats counts PIRQ 0 and the undefined error as bad replies (${t:-none})" test "${t:-0}" -ge 2
t=$(stat_of "$out" stats refused)
# 255 empty devfns answered dev_not_found: a bus scan, not a refusal.
check "garbage: the scan's empty slots are not counted as refused (${t:-none})" \
	test "${t:-999}" -lt 255
t=$(stat_of "$out" stats timeouts)
check_eq "garbage: no op timed out" 0 "${t:-none}"
check_eq "garbage: rmmod xsplit-test-edu in the guest" "rmmod-edu 0" \
	"$(guest_line "$out" 'rmmod-edu ')"
check "garbage: backend answered the scan and the driver (${ops:-?} ops)" \
	test "${ops:-0}" -gt 256

# --- bad_roots: root-0 is not a bus address ------------------------------
start_mode bad_roots
# xenbus_dev_fatal() writes under the domain's error/ tree, not in the
# device's own directory.
err_node=/local/domain/$domid/error/device/pci/0/error
err=$(xenstore-read $err_node 2>/dev/null)
echo "  dom0: $err_node: ${err:-absent}"
check_eq "bad_roots: frontend wrote a xenbus error naming root-0" \
	"22 reading root-0" "$err"
check "bad_roots: frontend closed" xs_wait $fe/state 6 10
check "bad_roots: backend followed it to Closed" \
	xs_wait /local/domain/0/backend/pci/$domid/0/state 6 10
end_mode bad_roots
check_eq "bad_roots: frontend refused to connect" "outcome failed" \
	"$(guest_line "$out" 'outcome ')"
check_out "bad_roots: its log names root-0" \
	'^dmesg: xsplit_pcifront pci-0: 22 reading root-0$'
check_eq "bad_roots: no function appeared" "functions 0" "$(guest_line "$out" 'functions ')"
check_no_out "bad_roots: no PCI bus was created" 'PCI bus .* from the backend'

# --- aer: AER requests relayed to the guest's driver ---------------------
# The results are enum pci_ers_result's values (include/linux/pci.h):
# NONE 1, CAN_RECOVER 2, NEED_RESET 3, DISCONNECT 4, RECOVERED 5.
# xsplit-test-edu's handlers return CAN_RECOVER for a normal channel,
# NEED_RESET for a frozen one and RECOVERED from mmio_enabled and
# slot_reset; resume returns nothing, which the frontend answers as NONE.
start_mode aer '^READY-FOR-AER'
check "aer: backend connected" \
	dmesg_wait "xsplit-hostile-back: domain $domid: connected \\(mode aer\\)" 1
# Returns once every request is answered or one timed out.
check "aer: dom0 sends the AER requests" \
	sh -c "echo 1 >/sys/bus/xen-backend/devices/pci-$domid-0/aer_trigger"
dmesg | grep -E 'xsplit-hostile-back: (aer |domain [0-9]+: .*AER)' | sed 's/^/  dom0: /'
aer_result() { dmesg | sed -n "s/.*xsplit-hostile-back: aer $1 //p" | tail -n 1; }
check_eq "aer: error_detected(io_normal) answered CAN_RECOVER" "result 2" \
	"$(aer_result detected_normal)"
check_eq "aer: error_detected(io_frozen) answered NEED_RESET" "result 3" \
	"$(aer_result detected_frozen)"
check_eq "aer: mmio_enabled answered RECOVERED" "result 5" "$(aer_result mmio)"
check_eq "aer: slot_reset answered RECOVERED" "result 5" "$(aer_result slotreset)"
check_eq "aer: resume answered NONE" "result 1" "$(aer_result resume)"
check_eq "aer: a request for devfn 0x08, which the guest lacks, answered NONE" \
	"result 1" "$(aer_result detected_bad_devfn)"
check_eq "aer: a request with unknown command 0x55 answered NONE" "result 1" \
	"$(aer_result unknown_cmd)"
check "aer: backend saw all 7 answered" \
	dmesg_wait "xsplit-hostile-back: domain $domid: 7 of 7 AER requests answered" 1
check "aer: guest reported on the requests" \
	$DOMU --timeout 120 --expect "$name" '^READY-TO-CLOSE'
end_mode aer
check_eq "aer: frontend connected" "outcome connected" "$(guest_line "$out" 'outcome ')"
check_eq "aer: the fake edu appeared at 0000:00:00.0" \
	"function 0000:00:00.0 1234:11e8 class 0x00ff00" \
	"$(guest_line "$out" 'function ')"
check_eq "aer: xsplit-test-edu bound to it" "edu-bound yes" \
	"$(guest_line "$out" 'edu-bound ')"
check_eq "aer: frontend logged a result for each of the 7 requests" \
	"aer-requests 7" "$(guest_line "$out" 'aer-requests ')"
# Once each, in order, and nothing for the two requests to refuse.
calls=$(echo "$out" | sed -n 's/^edu-test: xsplit-test-edu: aer //p' | paste -sd,)
check_eq "aer: the driver's handlers ran in order, once each" \
	"error_detected state 1,error_detected state 2,mmio_enabled,slot_reset,resume" \
	"$calls"
check_out "aer: frontend warned about the request for devfn 0x08" \
	'^aer-log: <4>xsplit_pcifront pci-0: AER request 6 for unknown function 0:0:8$'
check_out "aer: frontend warned about the unknown command 0x55" \
	'^aer-log: <[0-4]>xsplit_pcifront pci-0: AER request with unknown command 85$'
check_eq "aer: xsplit_stats counts the 7 requests" 7 "$(stat_of "$out" stats aer)"
check_eq "aer: no op timed out" 0 "$(stat_of "$out" stats timeouts)"
check_eq "aer: rmmod xsplit-test-edu in the guest" "rmmod-edu 0" \
	"$(guest_line "$out" 'rmmod-edu ')"

finish
