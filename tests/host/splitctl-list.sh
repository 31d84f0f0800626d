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

# jget FILE EXPR: EXPR (Python, over the document d) as JSON, or
# "invalid" if FILE is not one valid JSON document.
jget() {
	python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError:
    print("invalid")
    sys.exit(0)
print(json.dumps(eval(sys.argv[2])))' "$1" "$2" 2>&1
}

"$SPLITCTL" --json pci list >"$tmp/list.json" 2>"$tmp/err"
rc=$?
check_eq "pci list --json: exit status 0 without Xen" 0 "$rc"
check_eq "pci list --json: one valid JSON document" true \
	"$(jget "$tmp/list.json" 'isinstance(d, dict)')"
check_eq "pci list --json: iommu is on, off or unknown" true \
	"$(jget "$tmp/list.json" 'd["iommu"] in ("on", "off", "unknown")')"
check_eq "pci list --json: xenstore not used" false \
	"$(jget "$tmp/list.json" 'd["xenstore"]')"
check_eq "pci list --json: the three functions" \
	'["0000:00:05.0", "0000:00:06.0", "0000:00:07.0"]' \
	"$(jget "$tmp/list.json" '[f["bdf"] for f in d["functions"]]')"
check_eq "pci list --json: drivers" '["pciback", "e1000", null]' \
	"$(jget "$tmp/list.json" '[f["driver"] for f in d["functions"]]')"
check_eq "pci list --json: assignable" '[true, false, false]' \
	"$(jget "$tmp/list.json" '[f["assignable"] for f in d["functions"]]')"
check_eq "pci list --json: owners" '[3, null, null]' \
	"$(jget "$tmp/list.json" '[f["owner"] for f in d["functions"]]')"
check_eq "pci list --json: owner sources" '["xsplit_guest", "unknown", "unknown"]' \
	"$(jget "$tmp/list.json" '[f["owner_source"] for f in d["functions"]]')"
check_eq "pci list --json: pciback function's BARs" \
	'[[0, "mem", false, false, 4271898624, 1048576, null], [2, "mem", true, true, 34359738368, 16384, null]]' \
	"$(jget "$tmp/list.json" '[[b["bar"], b["type"], b["64bit"], b["prefetchable"], b["start"], b["size"], b["shares_page_with"]] for b in d["functions"][0]["bars"]]')"
check_eq "pci list --json: e1000's BARs" '[[0, "mem"], [1, "io"]]' \
	"$(jget "$tmp/list.json" '[[b["bar"], b["type"]] for b in d["functions"][1]["bars"]]')"
check_eq "pci list --json: e1000's ROM shares a page with 07.0" \
	'[4273932288, 2048, "0000:00:07.0"]' \
	"$(jget "$tmp/list.json" '[d["functions"][1]["rom"][k] for k in ("start", "size", "shares_page_with")]')"
check_eq "pci list --json: no ROM is null" null \
	"$(jget "$tmp/list.json" 'd["functions"][0]["rom"]')"
check_line "pci list --json: why owners are unknown, on stderr" "$(cat "$tmp/err")" \
	"splitctl: owners unknown: cannot open xenstore: No such file or directory"

# --json anywhere on the line.
"$SPLITCTL" pci list --json >"$tmp/list2.json" 2>/dev/null
check_eq "pci list --json: --json after the command" true \
	"$(jget "$tmp/list2.json" 'len(d["functions"]) == 3')"

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
# assign and detach judge their arguments before they touch anything;
# their refusals of real functions and domains are tested in the bed
# (tests/vm/splitctl.sh).
expect_status "pci assign, malformed BDF: 2" 2 "'00:5.0' is not a PCI address" -- \
	"$SPLITCTL" pci assign 00:5.0 3
expect_status "pci assign to dom0: 2" 2 "domain 0 is where the backend runs" -- \
	"$SPLITCTL" pci assign 0000:00:05.0 0
expect_status "pci assign, vslot out of range: 2" 2 "vslot wants a slot 0 to 31" -- \
	"$SPLITCTL" pci assign 0000:00:05.0 3 --vslot 32
expect_status "pci detach without a domain: 2" 2 "wants BDF DOMID" -- \
	"$SPLITCTL" pci detach 0000:00:05.0
expect_status "pci detach takes no --force: 2" 2 "detach takes no option '--force'" -- \
	"$SPLITCTL" pci detach 0000:00:05.0 3 --force
expect_status "pci assign without Xen: 1, the step named" 1 \
	"step open failed: the hypervisor interface" -- "$SPLITCTL" pci assign 0000:00:05.0 3
expect_status "empty XSPLIT_SYSFS: 2" 2 "XSPLIT_SYSFS is set but empty" -- \
	env XSPLIT_SYSFS= "$SPLITCTL" pci list
expect_status "no PCI devices directory: 1" 1 "cannot list $tmp/nowhere/bus/pci/devices: No such file" -- \
	env XSPLIT_SYSFS="$tmp/nowhere" "$SPLITCTL" pci list
expect_status "status with a malformed domid: 2" 2 "invalid domain id" -- \
	"$SPLITCTL" status 1x
expect_status "status without xenstore: 1" 1 "cannot open xenstore" -- \
	"$SPLITCTL" status
expect_status "status --json without xenstore: 1, nothing on stdout" 1 \
	"cannot open xenstore" -- "$SPLITCTL" status --json
out=$("$SPLITCTL" --json pci assign 0000:00:05 3 2>/dev/null)
check_eq "pci assign --json, malformed BDF: exit 2 and a JSON refusal" \
	'2 "refused" 2 True' "$? $(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["result"]), d["exit"], "not a PCI address" in d["reason"])')"

# The rest reads xenstore through tests/host/fake-xenstore.c, preloaded in
# place of libxenstore: a directory tree, values in .value files.
if ! gcc -O1 -Wall -Wextra -Werror -shared -fPIC -o "$tmp/fake-xenstore.so" \
	"$TOP/tests/host/fake-xenstore.c" 2>"$tmp/build.log"; then
	not_ok "build fake-xenstore.so: $(tr '\n' '|' <"$tmp/build.log")"
	exit 1
fi
xs=$tmp/xs
export FAKE_XENSTORE=$xs
xsw() {	# PATH VALUE (printf format, so that tests can write any byte)
	mkdir -p "$xs$1"
	# shellcheck disable=SC2059
	printf "$2" >"$xs$1/.value"
}
fx() { LD_PRELOAD=$tmp/fake-xenstore.so "$SPLITCTL" "$@"; }

B=/local/domain/0/backend
xsw /local/domain/0/name Domain-0
xsw /local/domain/3/name pci-guest
xsw /local/domain/5/name guest
xsw $B/vbd/5/51712/state 4
xsw $B/vbd/5/51712/frontend /local/domain/5/device/vbd/51712
xsw /local/domain/5/device/vbd/51712/state 4
# Hostile strings where a guest or a broken toolstack could put them.
xsw $B/vif/5/0/state 2
xsw $B/vif/5/0/frontend '/local/domain/5/device/vif/0"\\\n\033[31m\377\302\233'
xsw $B/pci/3/0/state 4
xsw $B/pci/3/0/frontend /local/domain/3/device/pci/0
xsw /local/domain/3/device/pci/0/state '4\033[2J'
xsw $B/pci/3/0/num_devs 2
xsw $B/pci/3/0/dev-0 0000:00:05.0
xsw $B/pci/3/0/dev-1 '0000:00:06.0/../x'

stats=$sys/bus/xen-backend/devices/vbd-5-51712/statistics
mkdir -p "$stats"
echo 10 >"$stats/rd_req"
echo 3 >"$stats/wr_req"
echo 0 >"$stats/inflight"
echo "not a number" >"$stats/bogus"
printf 'conf_reads 120\nconf_writes 7\ndropped_writes 0\nmsi_ops 2\nbad_ops 0\naer_relayed 0\naer_failed 0\n' \
	>"$devs/0000:00:05.0/xsplit_stats"

out=$(fx status 2>"$tmp/err")
rc=$?
err=$(cat "$tmp/err")
check_eq "status: exit status 0" 0 "$rc"
check_line "status: vbd with both ends" "$out" \
	"vbd domid=5 devid=51712 backend=4(Connected) frontend=/local/domain/5/device/vbd/51712 frontend-state=4(Connected)"
check_line "status: vbd statistics, by name" "$out" \
	"  statistics: inflight=0 rd_req=10 wr_req=3"
check_line "status: a counter file that is no number is named on stderr" "$err" \
	"splitctl: skipping $stats/bogus: not a counter"
check_line "status: hostile frontend path printed as printable ASCII" "$out" \
	'vif domid=5 devid=0 backend=2(InitWait) frontend=/local/domain/5/device/vif/0"\??[31m??? frontend-state=-'
check_line "status: pci device, frontend state junk is invalid" "$out" \
	"pci domid=3 devid=0 backend=4(Connected) frontend=/local/domain/3/device/pci/0 frontend-state=?(invalid)"
check_line "status: pci function with xsplit-pciback's counters" "$out" \
	"  function 0000:00:05.0 statistics: conf_reads=120 conf_writes=7 dropped_writes=0 msi_ops=2 bad_ops=0 aer_relayed=0 aer_failed=0"
check_line "status: a dev-N that is no address is named on stderr" "$err" \
	"splitctl: ignoring $B/pci/3/0/dev-1: not a PCI address"
check_eq "status: no terminal control bytes on stdout" 0 \
	"$(printf '%s' "$out" | LC_ALL=C grep -c '[^[:print:]]')"

fx status --json >"$tmp/status.json" 2>/dev/null
rc=$?
check_eq "status --json: exit status 0" 0 "$rc"
check_eq "status --json: one valid JSON array" true \
	"$(jget "$tmp/status.json" 'isinstance(d, list)')"
check_eq "status --json: ASCII only" 0 \
	"$(LC_ALL=C grep -c '[^ -~]' "$tmp/status.json")"
check_eq "status --json: devices" '[["vbd", 5, 51712], ["vif", 5, 0], ["pci", 3, 0]]' \
	"$(jget "$tmp/status.json" '[[x["type"], x["domid"], x["devid"]] for x in d]')"
check_eq "status --json: vbd ends" \
	'["/local/domain/0/backend/vbd/5/51712", 4, "Connected", "/local/domain/5/device/vbd/51712", 4, "Connected"]' \
	"$(jget "$tmp/status.json" '[d[0][k] for k in ("backend", "backend_state", "backend_state_name", "frontend", "frontend_state", "frontend_state_name")]')"
check_eq "status --json: vbd statistics" '{"inflight": 0, "rd_req": 10, "wr_req": 3}' \
	"$(jget "$tmp/status.json" 'd[0]["statistics"]')"
check_eq "status --json: hostile frontend path decoded as written" \
	'"/local/domain/5/device/vif/0\"\\\n\u001b[31m\ufffd\u009b"' \
	"$(jget "$tmp/status.json" 'd[1]["frontend"]')"
check_eq "status --json: missing frontend state is null" '[null, null]' \
	"$(jget "$tmp/status.json" '[d[1]["frontend_state"], d[1]["frontend_state_name"]]')"
check_eq "status --json: no statistics is null" null \
	"$(jget "$tmp/status.json" 'd[1]["statistics"]')"
check_eq "status --json: junk frontend state" '[null, "invalid"]' \
	"$(jget "$tmp/status.json" '[d[2]["frontend_state"], d[2]["frontend_state_name"]]')"
check_eq "status --json: pci functions" \
	'[[0, "0000:00:05.0", 120, 7]]' \
	"$(jget "$tmp/status.json" '[[f["dev"], f["bdf"], f["statistics"]["conf_reads"], f["statistics"]["conf_writes"]] for f in d[2]["functions"]]')"

out=$(fx status 5 2>/dev/null)
check_eq "status 5: only domain 5's devices" "vbd vif" \
	"$(printf '%s\n' "$out" | grep -oE '^(vbd|vif|pci) ' | tr -d ' ' | tr '\n' ' ' | sed 's/ $//')"
fx status --json 3 >"$tmp/status3.json" 2>/dev/null
check_eq "status --json 3: only domain 3's pci device" '["pci"]' \
	"$(jget "$tmp/status3.json" '[x["type"] for x in d]')"
expect_status "status for a domain that does not exist: 2" 2 \
	"no domain 9 \(no /local/domain/9 in xenstore\)" -- fx status 9
expect_status "status --json for a domain that does not exist: 2" 2 \
	"no domain 9" -- fx status --json 9
expect_status "status with a domid beyond Xen's: 2" 2 "invalid domain id" -- \
	fx status 32752

# pci list: the owner now comes from xenstore, checked against xsplit_guest.
out=$(fx pci list 2>"$tmp/err")
check_line "pci list with xenstore: owners from xenstore" "$out" "owners: from xenstore"
check_line "pci list with xenstore: owner of 05.0" "$out" \
	"0000:00:05.0 driver=pciback assignable=yes owner=3"
check_line "pci list with xenstore: nobody has 06.0" "$out" \
	"0000:00:06.0 driver=e1000 assignable=no owner=-"
check_eq "pci list with xenstore: nothing on stderr but the bad dev-1" \
	"splitctl: ignoring $B/pci/3/0/dev-1: not a PCI address" \
	"$(grep -v 'not-a-bdf' "$tmp/err")"
fx --json pci list >"$tmp/list3.json" 2>/dev/null
check_eq "pci list --json with xenstore: owners" \
	'[true, [3, "xenstore"], [null, "xenstore"]]' \
	"$(jget "$tmp/list3.json" '[d["xenstore"]] + [[f["owner"], f["owner_source"]] for f in d["functions"][:2]]')"
echo "domain 4 as 0000:00:00.0" >"$devs/0000:00:05.0/xsplit_guest"
out=$(fx pci list 2>"$tmp/err")
check_line "pci list: xenstore wins over xsplit_guest" "$out" \
	"0000:00:05.0 driver=pciback assignable=yes owner=3"
check_line "pci list: the disagreement is named on stderr" "$(cat "$tmp/err")" \
	"splitctl: 0000:00:05.0: owner: xenstore says domain 3, xsplit_guest says domain 4; showing xenstore's"

[ $((T_PASS + T_FAIL)) -gt 0 ] && [ $T_FAIL -eq 0 ]
