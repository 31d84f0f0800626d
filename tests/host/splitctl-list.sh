#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `splitctl pci list` against a fake sysfs tree (XSPLIT_SYSFS), with no Xen
# and no xenstore: the listing must still work, owners coming only from
# xsplit-pciback's xsplit_guest, and bad input must exit 2.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SPLITCTL=$TOP/scripts/splitctl/splitctl
T_PASS=0
T_FAIL=0
ok() { echo "ok - $*"; T_PASS=$((T_PASS + 1)); }
not_ok() { echo "not ok - $*"; T_FAIL=$((T_FAIL + 1)); }

check_eq() {	# NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}

# check_line NAME TEXT LINE: TEXT has LINE as one whole line.
check_line() {
	if printf '%s\n' "$2" | grep -qxF -- "$3"; then
		ok "$1"
	else
		not_ok "$1: no line '$3' in: $(printf '%s' "$2" | tr '\n' '|')"
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A fresh build: tests/run builds everything first, a direct run may not.
if ! make -C "$TOP" -s tool >"$tmp/build.log" 2>&1; then
	not_ok "make tool: $(tail -n 5 "$tmp/build.log" | tr '\n' '|')"
	exit 1
fi

# Make sure libxenstore finds no xenstored even on a Xen host, so that the
# owner can only come from xsplit_guest.
export XENSTORED_PATH=$tmp/no-xenstored
export XSPLIT_SYSFS=$tmp/sys

sys=$tmp/sys
devs=$sys/bus/pci/devices
mkdir -p "$devs" "$sys/bus/pci/drivers/pciback" "$sys/bus/pci/drivers/e1000"

# fake_fn BDF DRIVER|- LINE...: a function with a resource file of the
# given lines, padded with empty ones to the kernel's 13.
fake_fn() {
	local bdf=$1 drv=$2 i
	shift 2
	mkdir -p "$devs/$bdf"
	[ "$drv" = - ] || ln -s "../../../bus/pci/drivers/$drv" "$devs/$bdf/driver"
	{
		for l in "$@"; do echo "$l"; done
		for ((i = $#; i < 13; i++)); do
			echo "0x0000000000000000 0x0000000000000000 0x0000000000000000"
		done
	} >"$devs/$bdf/resource"
}

Z="0x0000000000000000 0x0000000000000000 0x0000000000000000"

# pciback: a 32-bit BAR0 and a 64-bit prefetchable BAR2 (which takes the
# BAR3 slot too), and xsplit-pciback's record of a guest.
fake_fn 0000:00:05.0 pciback \
	"0x00000000fea00000 0x00000000feafffff 0x0000000000040200" \
	"$Z" \
	"0x0000000800000000 0x0000000800003fff 0x000000000014220c"
echo "domain 3 as 0000:00:00.0" >"$devs/0000:00:05.0/xsplit_guest"

# e1000: a memory and an I/O BAR, and a ROM in the page of 07.0's BAR0.
fake_fn 0000:00:06.0 e1000 \
	"0x00000000feb80000 0x00000000feb9ffff 0x0000000000040200" \
	"0x000000000000c000 0x000000000000c03f 0x0000000000040101" \
	"$Z" "$Z" "$Z" "$Z" \
	"0x00000000febf0800 0x00000000febf0fff 0x0000000000046200"

# No driver: one 256-byte BAR.
fake_fn 0000:00:07.0 - \
	"0x00000000febf0000 0x00000000febf00ff 0x0000000000040200"

# Something that is not a function's address is skipped, not listed.
mkdir -p "$devs/not-a-bdf"

out=$("$SPLITCTL" pci list 2>"$tmp/err")
rc=$?
err=$(cat "$tmp/err")
check_eq "pci list: exit status 0 without Xen" 0 "$rc"
if printf '%s\n' "$out" | grep -qE '^iommu: (on|off|unknown)( \(.*\))?$'; then
	ok "pci list: an iommu line"
else
	not_ok "pci list: no iommu line in: $(printf '%s' "$out" | tr '\n' '|')"
fi
if printf '%s\n' "$out" | grep -q '^owners: unknown (cannot open xenstore: '; then
	ok "pci list: says owners are unknown without xenstore"
else
	not_ok "pci list: no 'owners: unknown' line in: $(printf '%s' "$out" | tr '\n' '|')"
fi
check_line "pci list: pciback function, owner from xsplit_guest" "$out" \
	"0000:00:05.0 driver=pciback assignable=yes owner=3"
check_line "pci list: 32-bit BAR0" "$out" \
	"  BAR0 mem 0xfea00000 size 0x100000"
check_line "pci list: 64-bit prefetchable BAR2" "$out" \
	"  BAR2 mem 64-bit prefetchable 0x800000000 size 0x4000"
check_line "pci list: e1000 function, owner unknown" "$out" \
	"0000:00:06.0 driver=e1000 assignable=no owner=unknown"
check_line "pci list: e1000 memory BAR" "$out" \
	"  BAR0 mem 0xfeb80000 size 0x20000"
check_line "pci list: e1000 I/O BAR" "$out" \
	"  BAR1 io 0xc000 size 0x40"
check_line "pci list: e1000 ROM shares a page with 07.0" "$out" \
	"  ROM mem 0xfebf0800 size 0x800 shares a 4 KiB page with 0000:00:07.0"
check_line "pci list: function without a driver" "$out" \
	"0000:00:07.0 driver=- assignable=no owner=unknown"
check_line "pci list: its BAR shares a page with 06.0's ROM" "$out" \
	"  BAR0 mem 0xfebf0000 size 0x100 shares a 4 KiB page with 0000:00:06.0"
check_eq "pci list: three functions, in address order" \
	"0000:00:05.0 0000:00:06.0 0000:00:07.0" \
	"$(printf '%s\n' "$out" | grep -oE '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]' | tr '\n' ' ' | sed 's/ $//')"
check_eq "pci list: empty BAR slots are not shown" 6 \
	"$(printf '%s\n' "$out" | grep -c '^  \(BAR\|ROM\)')"
check_line "pci list: a directory that is no address is named on stderr" "$err" \
	"splitctl: skipping $devs/not-a-bdf: not a PCI address"

# A malformed resource file: the function is listed, its BARs unknown.
cp "$devs/0000:00:07.0/resource" "$tmp/resource.good"
printf '0x1000 0x1fff\n' >"$devs/0000:00:07.0/resource"
out=$("$SPLITCTL" pci list 2>"$tmp/err")
rc=$?
check_eq "malformed resource file: still exit status 0" 0 "$rc"
check_line "malformed resource file: BARs unknown" "$out" "  BARs unknown"
check_line "malformed resource file: named on stderr" "$(cat "$tmp/err")" \
	"splitctl: 0000:00:07.0: $devs/0000:00:07.0/resource is malformed"
cp "$tmp/resource.good" "$devs/0000:00:07.0/resource"

# A malformed xsplit_guest (e.g. from a newer module): owner unknown.
echo "domain three" >"$devs/0000:00:05.0/xsplit_guest"
out=$("$SPLITCTL" pci list 2>"$tmp/err")
check_line "malformed xsplit_guest: owner unknown" "$out" \
	"0000:00:05.0 driver=pciback assignable=yes owner=unknown"
echo "none" >"$devs/0000:00:05.0/xsplit_guest"
out=$("$SPLITCTL" pci list 2>"$tmp/err")
check_line "xsplit_guest 'none': no owner" "$out" \
	"0000:00:05.0 driver=pciback assignable=yes owner=-"
echo "domain 3 as 0000:00:00.0" >"$devs/0000:00:05.0/xsplit_guest"

# expect_status NAME STATUS STDERR_REGEX -- COMMAND...: also that nothing
# went to stdout.
expect_status() {
	local name=$1 want=$2 re=$3 out rc
	shift 4
	out=$("$@" 2>"$tmp/err")
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name: exit status $rc, expected $want ($(cat "$tmp/err"))"
	elif ! grep -qE -- "$re" "$tmp/err"; then
		not_ok "$name: stderr '$(cat "$tmp/err")' does not match /$re/"
	elif [ -n "$out" ]; then
		not_ok "$name: printed '$out' on stdout"
	else
		ok "$name"
	fi
}

expect_status "pci list with an argument: 2" 2 "takes no arguments" -- \
	"$SPLITCTL" pci list 0000:00:05.0
expect_status "unknown pci subcommand: 2" 2 "unknown pci subcommand" -- \
	"$SPLITCTL" pci frobnicate
expect_status "pci assign: not implemented, 2" 2 "not implemented yet" -- \
	"$SPLITCTL" pci assign 0000:00:05.0 3
expect_status "pci detach: not implemented, 2" 2 "not implemented yet" -- \
	"$SPLITCTL" pci detach 0000:00:05.0
expect_status "empty XSPLIT_SYSFS: 2" 2 "XSPLIT_SYSFS is set but empty" -- \
	env XSPLIT_SYSFS= "$SPLITCTL" pci list
expect_status "no PCI devices directory: 1" 1 "cannot list $tmp/nowhere/bus/pci/devices: No such file" -- \
	env XSPLIT_SYSFS="$tmp/nowhere" "$SPLITCTL" pci list
expect_status "status with a malformed domid: 2" 2 "invalid domain id" -- \
	"$SPLITCTL" status 1x
expect_status "status without xenstore: 1" 1 "cannot open xenstore" -- \
	"$SPLITCTL" status

[ $((T_PASS + T_FAIL)) -gt 0 ] && [ $T_FAIL -eq 0 ]
