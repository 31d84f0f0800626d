#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every module loads and unloads in a real dom0 (pcifront in a real PV
# domU) and says nothing at warning level or above while doing so.

. /xsplit/tests/lib/vm.sh

for d in $OUR_DOM0_MODULES; do
	ko=$(ko_path $d)
	name=$(ko_name $d)
	dmesg_mark
	check "$d: insmod $(basename "$ko")" insmod "$ko"
	check "$d: listed in /sys/module" test -d /sys/module/$name
	check "$d: rmmod" rmmod $name
	check "$d: gone after rmmod" test ! -d /sys/module/$name
	warn=$(dmesg_warnings)
	check_eq "$d: no dmesg at warning level or above" "" "$warn"
	check "$d: modinfo has GPL license and a description" \
		sh -c "modinfo -F license $ko | grep -qx GPL && [ -n \"\$(modinfo -F description $ko)\" ]"
done

# Load and unload twice in a row: init and exit leave nothing behind.
check "all dom0 modules load together" load_ours
check "all dom0 modules unload together" unload_ours
check "and load again" load_ours
check "and unload again" unload_ours

cat >/tmp/guest.sh <<'EOF'
before=$(dmesg -r | wc -l)
insmod /lib/xsplit/xsplit-pcifront.ko && echo "insmod ok"
[ -d /sys/module/xsplit_pcifront ] && echo "loaded"
rmmod xsplit_pcifront && echo "rmmod ok"
[ ! -d /sys/module/xsplit_pcifront ] && echo "unloaded"
dmesg -r | tail -n +$((before + 1)) | grep -E '^<[0-4]>' |
	grep -v 'loading out-of-tree module taints kernel' | sed 's/^/warn: /'
EOF
# Without the kernel's xen-pcifront: the two refuse to share the device.
out=$($DOMU --no-load xen-pcifront /tmp/guest.sh)
echo "$out" | sed 's/^/  guest: /'
for w in "insmod ok" loaded "rmmod ok" unloaded; do
	check "pcifront in a PV domU: $w" grep -qx "$w" <<<"$out"
done
check_eq "pcifront in a PV domU: no dmesg at warning level or above" "" \
	"$(grep '^warn: ' <<<"$out")"

finish
