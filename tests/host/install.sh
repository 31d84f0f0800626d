#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install` into a staging directory (DESTDIR): the five modules under
# /lib/modules/<the modules' release>/extra/xsplit with depmod's index, splitctl
# under PREFIX/sbin, and none of the test modules of tests/kmod.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
T_PASS=0
T_FAIL=0
ok() { echo "ok - $*"; T_PASS=$((T_PASS + 1)); }
not_ok() { echo "not ok - $*"; T_FAIL=$((T_FAIL + 1)); }
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name: '$*' failed"; fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! make -C "$TOP" -s install DESTDIR="$tmp/root" PREFIX=/usr >"$tmp/log" 2>&1; then
	not_ok "make install DESTDIR=...: $(tail -n 5 "$tmp/log" | tr '\n' '|')"
	exit 1
fi
ok "make install DESTDIR=... PREFIX=/usr"

krel=$(modinfo -F vermagic "$TOP/pciback/xsplit-pciback.ko" | cut -d' ' -f1)
dir=$tmp/root/lib/modules/$krel/extra/xsplit
for m in xsplit-pciback xsplit-pcifront xsplit-blkback xsplit-netback xsplit-dma; do
	check "$m.ko installed for $krel" cmp -s "$dir/$m.ko" "$(ls "$TOP"/*/$m.ko)"
	check "depmod indexed $m" grep -q "^extra/xsplit/$m.ko:" "$tmp/root/lib/modules/$krel/modules.dep"
done
check "no test module installed" sh -c "! find '$tmp/root' -name 'xsplit-test-*' | grep -q ."
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi; }
check_eq "nothing else under the modules directory" 5 "$(find "$tmp/root/lib/modules/$krel" -name '*.ko' | wc -l)"
if [ -e /usr/include/xenctrl.h ]; then
	check "splitctl installed in PREFIX/sbin" test -x "$tmp/root/usr/sbin/splitctl"
	check "the installed splitctl runs" sh -c "'$tmp/root/usr/sbin/splitctl' help | grep -q 'pci assign BDF DOMID'"
fi

[ $T_FAIL -eq 0 ] && [ $T_PASS -gt 0 ]
