#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test bed fails clearly and within bounds: every failure below must end
# with one "testbed: FAIL: <reason> (log: <path>)" line and the expected
# status, in the expected time, and never hang.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
TB=$TOP/scripts/testbed
T_PASS=0
T_FAIL=0
ok() { echo "ok - $*"; T_PASS=$((T_PASS + 1)); }
not_ok() { echo "not ok - $*"; T_FAIL=$((T_FAIL + 1)); }

# expect NAME STATUS REASON_REGEX MAX_SECONDS -- COMMAND...
expect() {
	local name=$1 want=$2 re=$3 max=$4 start rc err secs
	shift 5
	start=$(date +%s)
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	secs=$(( $(date +%s) - start ))
	err=$(grep '^testbed: FAIL' <<<"$err")
	if [ $rc -ne "$want" ]; then
		not_ok "$name: exit status $rc, expected $want ($err)"
	elif ! grep -qE "$re" <<<"$err"; then
		not_ok "$name: reason '$err' does not match /$re/"
	elif ! grep -qE '\(log: /[^)]+\)$' <<<"$err"; then
		not_ok "$name: no log path in '$err'"
	elif [ "$(wc -l <<<"$err")" -ne 1 ]; then
		not_ok "$name: more than one FAIL line"
	elif [ $secs -gt "$max" ]; then
		not_ok "$name: took ${secs}s, limit ${max}s"
	else
		ok "$name (${secs}s: $err)"
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect "missing FILE" 125 'no such file' 10 -- \
	"$TB" --no-build run "$tmp/does-not-exist.sh"

expect "failed build" 125 'build failed: .*KDIR=/nonexistent' 120 -- \
	env KDIR=/nonexistent "$TB" run "$TOP/tests/vm/bed.sh"

expect "hung boot (dom0 not ready in time)" 125 'not ready after 2s' 60 -- \
	env XSPLIT_BOOT_LIMIT=2 "$TB" --no-build run "$TOP/tests/vm/bed.sh"

# Each crash case exits at once if it could not even try, and is bounded by
# --timeout in case the crash goes unnoticed.
printf 'echo 1 >/proc/sys/kernel/sysrq || exit 3\necho c >/proc/sysrq-trigger\nsleep 600\n' >"$tmp/panic.sh"
expect "dom0 panic" 125 'crashed: .*(Kernel panic|sysrq)' 240 -- \
	"$TB" --no-build --timeout 180 run "$tmp/panic.sh"

printf 'insmod /xsplit/tests/kmod/xsplit-test-oops.ko || exit 3\nsleep 600\n' >"$tmp/oops.sh"
expect "dom0 oops (BUG in a module's init)" 125 'crashed: .*kernel BUG' 240 -- \
	"$TB" --no-build --timeout 180 run "$tmp/oops.sh"

printf 'echo started\nsleep 600\n' >"$tmp/hang.sh"
expect "a run that hangs hits --timeout" 124 'timed out after 40s' 120 -- \
	"$TB" --no-build --timeout 40 run "$tmp/hang.sh"

[ $((T_PASS + T_FAIL)) -gt 0 ] && [ $T_FAIL -eq 0 ]
