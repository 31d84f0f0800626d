#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test bed itself: a real Xen with I/O virtualisation, the devices later
# tests rely on, each served by dom0's own driver, and a kernel our modules
# were built for. Then (in the same boot) every module loads and unloads in
# the real dom0 (pcifront in a real PV domU) and says nothing at warning
# level or above while doing so.

. /xsplit/tests/lib/vm.sh

check "xl talks to Xen 4.17" sh -c "xl info | grep -qE '^xen_(major|minor)' && xl info | grep -q '^xen_minor *: 17'"
check "Xen runs with I/O virtualisation (emulated VT-d)" \
	sh -c "xl dmesg | grep -q 'I/O virtualisation enabled'"

pci_has() {	# VENDOR DEVICE -> BDF
	local d
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat $d/vendor)" = "$1" ] && [ "$(cat $d/device)" = "$2" ]; then
			basename $d
			return 0
		fi
	done
	return 1
}

driver_of() { basename "$(readlink /sys/bus/pci/devices/$1/driver 2>/dev/null)"; }

edu=$(pci_has 0x1234 0x11e8) && ok "edu device present at $edu" || not_ok "edu device missing"
e1000=$(pci_has 0x8086 0x100e) && ok "e1000 present at $e1000" || not_ok "e1000 missing"
nvme=$(pci_has 0x1b36 0x0010) && ok "nvme present at $nvme" || not_ok "nvme missing"
check_eq "e1000 is driven by dom0's e1000 driver" e1000 "$(driver_of "$e1000")"
check_eq "nvme is driven by dom0's nvme driver" nvme "$(driver_of "$nvme")"

disk=$(nvme_disk)
check_eq "nvme disk is the 512 MiB scratch file" 536870912 "$(blockdev --getsize64 "$disk" 2>/dev/null)"
check "nvme scratch disk starts zeroed" sh -c "cmp -s -n 1048576 $disk /dev/zero"

check_eq "modules were built for this kernel" "$(uname -r)" \
	"$(modinfo -F vermagic "$(ko_path blkback)" | cut -d' ' -f1)"
check "the checkout is writable from dom0" sh -c "touch $XSPLIT_RUN_DIR/w && rm $XSPLIT_RUN_DIR/w"

# ---- our modules load and unload ----

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
