#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hostile PCI frontend against xsplit-pciback: a PV domU given the edu
# runs tests/kmod/pci-hostile.c instead of the kernel's xen-pcifront, which
# sends malformed ops, races the backend over the shared page and floods
# its event channel, checking every answer. dom0 must survive all of it,
# log the refusals rate-limited, and give the device to a normal guest
# afterwards as if nothing had happened.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
HOSTILE_KO=$XS/tests/kmod/xsplit-test-pci-hostile.ko
GUEST=$XS/tests/vm/guest/pci-hostile.sh
EDU_GUEST=$XS/tests/vm/guest/edu-mmio.sh
MOD=$(ko_name pciback)
# Cases in tests/kmod/pci-hostile.c: fewer tried means some never ran.
MIN_CASES=76

guest_line() { echo "$1" | grep -m1 "^$2" ; }
stat_of() { sed -n "s/^$1 //p" /sys/bus/pci/devices/$EDU/xsplit_stats 2>/dev/null; }

dmesg_mark
check "insmod xsplit-pciback" insmod "$(ko_path pciback)"
check "xl pci-assignable-add $EDU" xl pci-assignable-add $EDU

# In the background only to learn the domain ID the backend logs.
name=$($DOMU --bg --no-load xen-pcifront --cfg "pci = ['$EDU']" \
	--file $HOSTILE_KO $GUEST)
check "hostile guest created" test -n "$name"
domid=$(xl domid "$name")
out=$($DOMU --timeout 200 --wait "$name")
rc=$?
echo "$out" | sed 's/^/  guest: /'
check_eq "hostile guest script ended well" 0 "$rc"
check "pciback connected to the hostile guest" \
	sh -c "dmesg | grep -q 'connected to domain $domid\$'"

# One check per case, named after it (a here-string: dom0 has no /dev/fd).
while read -r _ _ case verdict rest; do
	[ -n "$case" ] || continue
	check_eq "hostile case $case" ok "$verdict${rest:+ $rest}"
done <<<"$(echo "$out" | grep '^xsplit-hostile: case ')"
done_line=$(guest_line "$out" 'xsplit-hostile: done ')
tried=$(echo "$done_line" | awk '{ print $3 }')
passed=$(echo "$done_line" | awk '{ print $5 }')
check "guest finished its run" test -n "$done_line"
check "at least $MIN_CASES cases tried (tried ${tried:-none})" \
	test "${tried:-0}" -ge $MIN_CASES
check_eq "every case passed" "$tried" "$passed"
check_eq "one ok line per case" "$tried" \
	"$(echo "$out" | grep -c '^xsplit-hostile: case [^ ]* ok$')"

# The refusals, logged with the guest's domain and rate-limited: a guest
# must not be able to flood dom0's log with them.
refused=$(guest_line "$out" 'xsplit-hostile: refused ' | awk '{ print $3 }')
logged=$(dmesg | grep -cE "domain $domid: op [0-9]+ on [0-9a-f:.]+ \(offset .*\) refused: error -[0-9]$")
check "pciback logged refused ops of domain $domid" test "$logged" -gt 0
check "pciback logged refused config writes of domain $domid" \
	sh -c "dmesg | grep -qE 'domain $domid: config write of [124] byte\(s\) at 0x[0-9a-f]+ \(0x[0-9a-f]+\) refused in part$'"
check "refusals rate-limited ($logged logged of ${refused:-?} refused)" \
	test "$logged" -lt "${refused:-0}"
# Its accounting: what it logged on taking the device back, and what
# sysfs still shows for the function's last guest.
# The backend goes away with the domain, a moment after xl destroy.
for _ in $(seq 100); do
	taken=$(dmesg | grep -m1 "$EDU: taken back from domain $domid ")
	[ -n "$taken" ] && break
	sleep 0.1
done
bad_ops=$(echo "$taken" | sed -n 's/.* \([0-9]*\) bad ops)$/\1/p')
dropped=$(echo "$taken" | sed -n 's/.* \([0-9]*\) refused in part, .*/\1/p')
check "pciback counted the bad ops (${bad_ops:-none})" test "${bad_ops:-0}" -gt 0
check "pciback counted the refused writes (${dropped:-none})" \
	test "${dropped:-0}" -gt 0
disc=$(dmesg | grep -m1 "pci-$domid-0: disconnected from domain $domid: ")
spurious=$(echo "$disc" | sed -n 's/.*refused, \([0-9]*\) events without an op$/\1/p')
check "the connection's totals were logged on disconnect" test -n "$disc"
check "the event storm was counted (${spurious:-none} events without an op)" \
	test "${spurious:-0}" -gt 0
check "xsplit_stats of the edu is there" test -r /sys/bus/pci/devices/$EDU/xsplit_stats
check_eq "xsplit_stats shows the bad ops" "${bad_ops:-none}" "$(stat_of bad_ops)"
check_eq "xsplit_stats shows the refused writes" "${dropped:-none}" \
	"$(stat_of dropped_writes)"
check_eq "edu still held by pciback after the hostile guest" pciback \
	"$(basename "$(readlink /sys/bus/pci/devices/$EDU/driver)")"

# The same device, a normal guest with the kernel's pcifront.
out=$($DOMU --cfg "pci = ['$EDU']" --timeout 150 $EDU_GUEST)
echo "$out" | sed 's/^/  guest: /'
check_eq "normal guest saw the edu at the virtual slot" "edu at 0000:00:00.0" \
	"$(guest_line "$out" 'edu at')"
check_eq "normal guest read the edu's ID register" "id 0x010000ED" \
	"$(guest_line "$out" 'id ')"
check_eq "normal guest had the edu compute 5!" "fact5 0x00000078" \
	"$(guest_line "$out" 'fact5 ')"

check "rmmod xsplit-pciback" rmmod "$MOD"
check_eq "nothing at warning level or above" "" "$(dmesg_warnings)"
finish
