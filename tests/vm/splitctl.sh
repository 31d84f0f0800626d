#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# testbed-options: --timeout 720
#
# splitctl pci assign / detach against running PV guests, with Xen's VT-d
# on: the edu handed to guest A (virtual slot 3, MSI), used by the test
# driver there, taken back; fought over by A and B at the same moment
# (the lock lets one win, the other is refused); then given to B (INTx,
# through the PIRQ splitctl maps) and used again; the nvme, which has FLR,
# is reset when detached. Every refusal is checked
# for its exit status, its reason, and that xenstore, Xen's permissions of
# the guests and Xen's owner of the function did not change; failures
# injected at each step of assign (XSPLIT_FAIL_STEP) must leave the same
# state behind, the bind to pciback included.

. /xsplit/tests/lib/vm.sh

SPLITCTL=$XS/scripts/splitctl/splitctl
EDU=0000:00:05.0
NVME=0000:00:07.0
PCIBACK=/sys/bus/pci/drivers/pciback
GUEST=$XS/tests/vm/guest/splitctl-guest.sh
EDU_MMIO=$XS/tests/vm/guest/edu-mmio.sh
TESTKO=$XS/tests/kmod/xsplit-test-edu.ko

# Every process costs a fifth of a second under emulation: the helpers
# below use shell built-ins where they can.
driver_of() { local l; l=$(readlink /sys/bus/pci/devices/$1/driver) && echo "${l##*/}"; }

# xen_dump: XEN_LOG becomes Xen's log with fresh dumps of debug keys q
# (each domain's rangesets) and Q (PCI devices and their owners). A key
# asked for by sysctl is handled before the call returns.
# The count of dumps asked for is kept in a file: most callers run in a
# command substitution, whose variables die with it.
DUMPS=/tmp/splitctl-xen-dumps
xl dmesg | grep -c '==== PCI devices ====' >$DUMPS
xen_dump() {
	xl debug-keys qQ
	echo $(($(<$DUMPS) + 1)) >$DUMPS
	XEN_LOG=$(xl dmesg)
}

# xen_facts BDF DOMID...: from XEN_LOG's last dumps, Xen's owner of BDF
# ("d0", "d3", "DomIO:...") and, per domain, what Xen lets it reach (its
# Interrupts, I/O Memory and I/O Ports rangesets); an error line if the
# log does not hold the dump xen_dump asked for (the ring is 1 MiB).
xen_facts() {
	local bdf=$1
	shift
	awk -v b="$bdf" -v doms="$*" -v want="$(<$DUMPS)" '
		/==== PCI devices ====/ { dumps++ }
		$2 == b { owner = $4 }
		/Rangesets belonging to domain/ { d = $NF; sub(/:$/, "", d); cur = d; r[d] = ""; next }
		cur != "" && /Interrupts|I\/O Memory|I\/O Ports/ {
			l = $0; sub(/^\(XEN\) +/, "", l); r[cur] = r[cur] l "; " }
		/log-dirty/ { cur = "" }
		END {
			if (dumps != want) print "xen_facts: " dumps " dumps in the log, " want " asked for"
			print "xen owner: " owner
			n = split(doms, ds, " ")
			for (i = 1; i <= n; i++) print "d" ds[i] ": " r[ds[i]]
		}' <<<"$XEN_LOG"
}
perms() { xen_dump; xen_facts - "$@" | grep '^d'; }
xen_owner() { xen_dump; xen_facts "$1" | sed -n 's/^xen owner: //p'; }

# Everything a refusal or a rollback must leave as it was.
snapshot() {
	echo "driver: $(driver_of $EDU)"
	echo "slots: $(<$PCIBACK/slots)"
	xen_dump
	xen_facts $EDU "${DOMS[@]}"
	xenstore-ls -fp /local/domain |
		grep -E "^/local/domain/(0/backend|($(IFS='|'; echo "${DOMS[*]}"))/device)/"
}

# unchanged NAME STATUS REGEX ARGS...: splitctl ARGS exits with STATUS and
# a message matching REGEX, and changes nothing. A snapshot takes seconds
# under emulation, so the one after a check is the next check's before:
# whatever changes the state in between must empty SNAP (a stale one can
# only make a check fail, never pass).
SNAP=
unchanged() {
	local name=$1 status=$2 re=$3 before after out rc
	shift 3
	before=${SNAP:-$(snapshot)}
	out=$("$SPLITCTL" "$@" 2>&1)
	rc=$?
	after=$(snapshot)
	SNAP=$after
	echo "$out" | sed 's/^/  splitctl: /'
	check_eq "$name: exit status $status" "$status" "$rc"
	check "$name: says why" has "$out" "$re"
	check_eq "$name: nothing changed" "$before" "$after"
}
refused() { local name=$1; shift; unchanged "$name" 2 "$@"; }

# use_round NAME N IRQ VSLOT TAG: guest NAME's round N found the edu at
# VSLOT and used it, its interrupt by IRQ.
use_round() {
	local out
	check "$5: guest is done with the edu" $DOMU --timeout 120 --expect "$1" "^READY r$2"
	out=$(round_output "$1" "$2")
	echo "$out" | sed "s/^/  $1: /"
	check_eq "$5: guest saw the edu at virtual slot $4" "edu at 0000:00:$4.0" "$(guest_line "$out" 'edu at')"
	check_edu "$out" "$5" "$3"
}

dmesg_mark
check "insmod xsplit-pciback" insmod "$(ko_path pciback)"
check_eq "edu starts with no driver" "" "$(driver_of $EDU)"
check "edu has no reset method (no reset file)" test ! -e /sys/bus/pci/devices/$EDU/reset

A=$($DOMU --bg --name xsplit-sa --cfg 'passthrough = "enabled"' --file $EDU_MMIO --file $TESTKO $GUEST 2 msi)
B=$($DOMU --bg --name xsplit-sb --cfg 'passthrough = "enabled"' --file $EDU_MMIO --file $TESTKO $GUEST 2 intx)
printf 'echo READY\nsleep 600\n' >/tmp/idle.sh
C=$($DOMU --bg --name xsplit-sc --cfg 'passthrough = "enabled"' --cfg 'on_poweroff = "preserve"' /tmp/idle.sh)
for g in $A $B $C; do check "guest $g is up" $DOMU --timeout 150 --expect $g '^READY'; done
DA=$(xl domid $A)
DB=$(xl domid $B)
DC=$(xl domid $C)
DOMS=("$DA" "$DB" "$DC")
t0=$SECONDS
snapshot >/dev/null
echo "# a snapshot takes $((SECONDS - t0)) s"

# 1. Refusals, before anyone has the edu.
refused "malformed BDF" "not a PCI address" pci assign 00:5.0 "$DA" --force
refused "unknown BDF" "no PCI function 0000:00:1e.7" pci assign 0000:00:1e.7 "$DA" --force
refused "no such domain" "no domain 4242" pci assign $EDU 4242 --force
refused "status of no such domain" "no domain 4242" status 4242
refused "dom0 as the guest" "domain 0" pci assign $EDU 0 --force
refused "in use by a dom0 driver" "in use by dom0's driver nvme" pci assign $NVME "$DA" --force
refused "no reset method without --force" "no way to reset" pci assign $EDU "$DA"
refused "unknown option" "unknown option" pci assign $EDU "$DA" --frce
# A BAR that shares a page cannot be made on this machine (SeaBIOS gives
# every memory BAR at least 4 KiB), so sysfs is a copy with the edu's BAR
# shrunk to 256 bytes and a neighbour in the rest of its page; xenstore,
# Xen and the guest are real.
fake=/tmp/fakesys
mkdir -p $fake/bus/pci/devices/$EDU $fake/bus/pci/devices/0000:00:09.0 $fake/bus/pci/drivers/pciback
Z="0x0000000000000000 0x0000000000000000 0x0000000000000000"
{ echo "0x00000000fea00000 0x00000000fea000ff 0x0000000000040200"; for i in $(seq 12); do echo "$Z"; done; } >$fake/bus/pci/devices/$EDU/resource
{ echo "0x00000000fea00800 0x00000000fea008ff 0x0000000000040200"; for i in $(seq 12); do echo "$Z"; done; } >$fake/bus/pci/devices/0000:00:09.0/resource
XSPLIT_SYSFS=$fake refused "BAR sharing a 4 KiB page" \
	"shares a 4 KiB page with 0000:00:09.0" pci assign $EDU "$DA" --force
unchanged "detach of what the domain does not have" 0 "nothing to do" \
	pci detach $EDU "$DA"

# 2. To A, in virtual slot 3; the guest's test driver takes its MSI.
SNAP=
out=$($SPLITCTL --json pci assign $EDU "$DA" --vslot 3 --force)
check_eq "assign to A: exit status 0" 0 "$?"
echo "  splitctl: $out"
check "assign to A: JSON says done at 0000:00:03" has "$out" '"result":"done","exit":0.*"vdev":"0000:00:03.0'
check "assign to A: JSON lists the steps" has "$out" '"steps":\["bind","iomem","ioport","map_pirq","irq_permission","assign_device","xenstore","wait"\]'
check_eq "edu bound to pciback" pciback "$(driver_of $EDU)"
use_round "$A" 1 msi 03 "A round 1"
check_eq "Xen has the edu in A" "d$DA" "$(xen_owner $EDU)"
p=$(perms "$DA")
echo "  Xen: $p"
check "A may map the edu's BAR (fea00-feaff)" has "$p" 'I/O Memory { fea00-feaff }'
irq=$(cat /sys/bus/pci/devices/$EDU/irq)
check "A may use the edu's INTx as pirq $irq" has "$p" "Interrupts { $irq }"
check "xl pci-list shows it in A at 03.0" sh -c "xl pci-list $A | grep -q '^03.0 *$EDU'"
check "splitctl pci list shows A as the owner" \
	sh -c "$SPLITCTL pci list | grep -q '^$EDU driver=pciback assignable=yes owner=$DA\$'"
check "splitctl status shows A's pci pair connected" \
	sh -c "$SPLITCTL status $DA | grep -q '^pci domid=$DA devid=0 backend=4(Connected) .*frontend-state=4(Connected)'"

# 3. Again to A: nothing to do. To B, or off B: refused.
unchanged "assign to A again" 0 "already assigned to domain $DA: nothing to do" \
	pci assign $EDU "$DA" --vslot 3 --force
refused "assign to B while A has it" "assigned to domain $DA" pci assign $EDU "$DB" --force
refused "detach from B while A has it" "assigned to domain $DA, not $DB" pci detach $EDU "$DB"

# 4. Back from A.
SNAP=
out=$($SPLITCTL --json pci detach $EDU "$DA")
check_eq "detach from A: exit status 0" 0 "$?"
echo "  splitctl: $out"
# No reset step: the edu has no reset method.
check "detach from A: unplugged and revoked" has "$out" '"steps":\["xenstore","deassign_device","irq","resources"\]'
check "A saw the edu removed" $DOMU --timeout 60 --expect "$A" '^edu removed r1'
check "A's pci pair is gone from xenstore" sh -c "! xenstore-exists /local/domain/0/backend/pci/$DA"
check "and so is its frontend" sh -c "! xenstore-exists /local/domain/$DA/device/pci"
p=$(perms "$DA")
check_eq "A may reach nothing of it any more" "d$DA: Interrupts { }; I/O Memory { }; I/O Ports  { }; " "$p"
check "Xen took the edu from A" sh -c "[ '$(xen_owner $EDU)' != 'd$DA' ]"
check_eq "pciback still holds the edu" pciback "$(driver_of $EDU)"
unchanged "detach again" 0 "nothing to do" pci detach $EDU "$DA"

# 5. A failure at each step of assign leaves everything as it was. The
#    function is first given back to no driver, so that the bind is
#    undone too.
echo $EDU >$PCIBACK/unbind
echo $EDU >$PCIBACK/remove_slot
SNAP=
for step in bind iomem ioport map_pirq irq_permission assign_device xenstore wait; do
	XSPLIT_FAIL_STEP=$step unchanged "failure injected at $step" 1 \
		"step $step failed: injected" pci assign $EDU "$DC" --force
done
check_eq "edu has no driver again" "" "$(driver_of $EDU)"
# The backend exports it and pcifront connects before the failure.
XSPLIT_FAIL_STEP=connected unchanged "failure once the guest has it" 1 \
	"step connected failed: injected" pci assign $EDU "$DC" --force

# 6. A and B at once: one wins, the other is told who has it.
$SPLITCTL pci assign $EDU "$DA" --vslot 3 --force >/tmp/sa.out 2>&1 &
pa=$!
$SPLITCTL pci assign $EDU "$DB" --force >/tmp/sb.out 2>&1 &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
sed 's/^/  A: /' /tmp/sa.out
sed 's/^/  B: /' /tmp/sb.out
check_eq "one of two concurrent assigns wins, the other is refused" "0 2" \
	"$(printf '%s\n' $ra $rb | sort | tr '\n' ' ' | sed 's/ $//')"
if [ $ra -eq 0 ]; then
	check "the loser names the winner" grep -q "assigned to domain $DA" /tmp/sb.out
	use_round "$A" 2 msi 03 "A round 2 (won the race)"
	check "detach from A" $SPLITCTL pci detach $EDU "$DA"
	rb_round=1
else
	check "the loser names the winner" grep -q "assigned to domain $DB" /tmp/sa.out
	use_round "$B" 1 intx 00 "B round 1 (won the race)"
	check "detach from B" $SPLITCTL pci detach $EDU "$DB"
	rb_round=2
fi

# 7. To B, the second guest: INTx through the PIRQ splitctl mapped, and
#    config space writes pciback does not know let through.
check "assign to B, permissive" $SPLITCTL pci assign $EDU "$DB" --force --permissive
check "opts-0 says permissive=1" has "$(xenstore-read /local/domain/0/backend/pci/$DB/0/opts-0)" 'permissive=1'
check "pciback gave it to B as permissive" \
	sh -c "dmesg | grep -q 'pciback $EDU: given to domain $DB as .*, permissive'"
use_round "$B" $rb_round intx 00 "B round $rb_round"
p=$(perms "$DB")
check "B may use the edu's INTx" has "$p" "Interrupts { $irq }"
check "detach from B" $SPLITCTL pci detach $EDU "$DB"
check "B saw the edu removed" $DOMU --timeout 60 --expect "$B" "^edu removed r$rb_round"
check_eq "B may reach nothing of it any more" "d$DB: Interrupts { }; I/O Memory { }; I/O Ports  { }; " "$(perms "$DB")"

# 8. A function with a reset method: detach resets the nvme by FLR
#    through pciback's do_flr, and no --force is needed to assign it.
#    dom0's nvme driver lets go of it first and gets it back after.
echo $NVME >/sys/bus/pci/drivers/nvme/unbind
out=$($SPLITCTL --json pci assign $NVME "$DC")
check_eq "assign the nvme to C without --force: exit status 0" 0 "$?"
echo "  splitctl: $out"
out=$($SPLITCTL --json pci detach $NVME "$DC")
check_eq "detach the nvme from C: exit status 0" 0 "$?"
echo "  splitctl: $out"
check "detach reset the nvme through do_flr" has "$out" '"result":"done".*"steps":\[.*"reset"\]'
# Xen keeps a function a guest had in quarantine (DomIO): dom0's driver
# could not map its MSIs. xl takes it out, and off pciback.
check "xl pci-assignable-remove takes the nvme out of quarantine" xl pci-assignable-remove $NVME
echo $NVME >/sys/bus/pci/drivers_probe
check_eq "the nvme is back with dom0's nvme driver" nvme "$(driver_of $NVME)"

# 9. A domain that has shut down is no target (kept by on_poweroff =
#    "preserve"; sysrq o powers the guest off without asking its init).
xl sysrq "$C" o
for i in $(seq 50); do
	xl list "$C" 2>/dev/null | awk 'NR == 2 { exit !($5 ~ /s/) }' && break
	sleep 0.2
done
check "C is shut down, preserved" sh -c "xl list $C | awk 'NR == 2 { exit !(\$5 ~ /s/) }'"
SNAP=
refused "assign to a shut-down domain" "domain $DC is shut down" pci assign $EDU "$DC" --force

for g in $A $B $C; do xl destroy "$g" >/dev/null 2>&1; done
for d in "$DA" "$DB" "$DC"; do check_eq "Xen freed domain $d" 1 "$(domain_gone "$d")"; done
check "rmmod xsplit-pciback" rmmod "$(ko_name pciback)"
check_eq "edu released on rmmod" "" "$(driver_of $EDU)"
check_eq "nothing at warning level or above" "" "$(dmesg_warnings)"
finish
