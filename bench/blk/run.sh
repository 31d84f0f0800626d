#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/blk: fio in a PV domU on a disk served by our xsplit-blkback and by
# the kernel's in-tree xen-blkback (one at a time, same boot, same guest,
# same nvme backing disk, stock xen-blkfront with its defaults), and the
# same fio in dom0 on the nvme itself as the limit. Not a test: it prints
# figures.
#
#   scripts/testbed run bench/blk/run.sh [SECONDS [PAIRS [A [B [ROWS]]]]]
#   (make bench-blk; default 5 s per row, 4 pairs, A = ours, B = intree,
#   every row; ROWS: some of the row names below, comma-separated)
#
# A and B name the backends compared: "ours" or "intree", each optionally
# with module parameters after a colon, e.g. ours:feature_persistent=1;
# "ours@FILE" loads that build of ours instead (a path in /xsplit), to
# measure a change against the build before it.
#
# Rows (bench/blk/fio-rows.sh): 4 KiB random read and write at queue depth
# 1 and 32 (IOPS), 1 MiB sequential read and write at depth 8 (MB/s).
#
# Under emulation the machine's speed drifts over minutes by more than the
# backends differ, so the comparison is made in pairs close in time:
#
# - One guest stays up for the whole run. Between passes its disk is
#   detached, the backend swapped and the disk attached again; each pass
#   runs every row once.
# - The guest has one CPU to itself and dom0 one vCPU on the other, so
#   that Xen cannot place them differently from one pass to the next.
# - A first pass with each backend does not count: the emulator translates
#   code the first time it runs, and the first pass would pay for it.
# - Then PAIRS pairs of passes, A and B back to back, in the order ABBA
#   BAAB ..., so that a steady drift favours neither. A row's A/B is the
#   median of its pairs' ratios; A and B are the medians of their passes.
#
# Last, the ceiling: the 1 MiB read row with each backend serving a
# null_blk device (no device time at all), against native: what the
# guest's path allows at best.

. /xsplit/tests/lib/vm.sh
. /xsplit/bench/lib.sh

SECS=${1:-5}
PAIRS=${2:-4}
A=${3:-ours}
B=${4:-intree}
ROWS="randread-4k-qd1 randread-4k-qd32 randwrite-4k-qd1 randwrite-4k-qd32 read-1m write-1m"
[ -n "${5:-}" ] && ROWS=$(echo "$5" | tr , ' ')
FIO=$XS/bench/blk/fio-rows.sh
HOTPLUG="script=$XS/scripts/hotplug/block"
disk=$(nvme_disk)
[ -b "$disk" ] || { echo "bench/blk: no nvme disk"; exit 1; }
out=/tmp/bench-blk
mkdir -p $out

# The guest: for each pass (an argument SECONDS:ROWS, ROWS comma-separated),
# wait for xvda, run the rows on it, say so, and wait for dom0 to take
# xvda away again.
cat >$out/guest.sh <<'G'
. /lib/xsplit/guest-lib.sh
echo "guest ready"
p=0
for a in "$@"; do
	p=$((p + 1))
	wait_for /dev/xvda 600 || exit 1
	echo "pass $p attached at $(cut -d' ' -f1 /proc/uptime)"
	sh /xsplit-guest/fio-rows.sh /dev/xvda "${a%%:*}" $(echo "${a#*:}" | tr , ' ') | sed "s/^/pass $p /"
	echo "pass $p done at $(cut -d' ' -f1 /proc/uptime)"
	while [ -e /dev/xvda ]; do sleep 0.1; done
done
G

# load SPEC, unload SPEC: SPEC as A and B above.
load() {
	local params=
	case $1 in *:*) params=$(echo "${1#*:}" | tr , ' ') ;; esac
	case $1 in
	ours@*) insmod "$(echo "${1#ours@}" | cut -d: -f1)" $params ;;
	ours*) insmod "$(ko_path blkback)" $params ;;
	intree*) modprobe xen-blkback $params ;;
	*) echo "bench/blk: unknown backend $1"; return 1 ;;
	esac
}
unload() {
	case $1 in
	ours*) rmmod "$(ko_name blkback)" ;;
	intree*) modprobe -r xen-blkback ;;
	esac
}

wait_line() { bench_wait_line "$1" "$conlog" $((600 + 20 * SECS)); }

# Xen's count of CPU seconds a domain has used (xl list's Time(s)).
cpu_s() { xl list "$1" | awk 'NR == 2 { print $6 }'; }

# pass P BACKEND TARGET: pass P of the guest's on TARGET through BACKEND;
# the wall seconds and the CPU seconds dom0 and the guest used go to
# $out/cpu.
pass() {
	local p=$1 be=$2 target=$3 d0 g0 t0 vbd=/sys/bus/xen-backend/devices/vbd-$domid-51712
	load "$be" || return 1
	d0=$(cpu_s Domain-0) g0=$(cpu_s "$guest") t0=$SECONDS
	xl block-attach "$guest" "format=raw, vdev=xvda, access=rw, $HOTPLUG, target=$target" || return 1
	wait_line "^pass $p done" || return 1
	echo "pass $p $be $(awk -v a="$(cpu_s Domain-0)" -v b="$d0" 'BEGIN { print a - b }') $(awk -v a="$(cpu_s "$guest")" -v b="$g0" 'BEGIN { print a - b }') $((SECONDS - t0))" >>$out/cpu
	xl block-detach "$guest" xvda || return 1
	for _ in $(seq 100); do [ -e $vbd ] || break; sleep 0.1; done
	unload "$be"
}

echo "measuring native (dom0 on $disk)"
sh $FIO "$disk" "$SECS" $ROWS >$out/native-rows

# The passes: backend, target and the guest's argument for each.
rows=$(echo $ROWS | tr ' ' ,)
bench_order "$PAIRS"
target=() args=()
for k in "${!order[@]}"; do
	# The uncounted first passes run each row for a second only.
	target+=("$disk")
	if [ $k -lt 2 ]; then args+=("1:$rows"); else args+=("$SECS:$rows"); fi
done
null=0
if case " $ROWS " in *" read-1m "*) true ;; *) false ;; esac &&
   modprobe null_blk nr_devices=1 gb=1 2>/dev/null && [ -b /dev/nullb0 ]; then
	null=1
	order+=("$A" "$B") target+=(/dev/nullb0 /dev/nullb0)
	args+=("$SECS:read-1m" "$SECS:read-1m")
fi
npass=${#order[@]}

guest=$($DOMU --bg --bin fio --file $FIO --timeout 60 $out/guest.sh "${args[@]}") || exit 1
conlog=/var/log/xen/console/guest-$guest.log
domid=$(xl domid "$guest")
xl vcpu-set Domain-0 1 && xl vcpu-pin Domain-0 all 0 &&
	xl vcpu-pin "$guest" all 1 || exit 1
wait_line '^guest ready' || exit 1
: >$out/cpu
for p in $(seq $npass); do
	be=${order[$((p - 1))]}
	echo "pass $p: $be on ${target[$((p - 1))]}, ${args[$((p - 1))]%%:*} s a row"
	pass $p "$be" "${target[$((p - 1))]}" ||
		{ echo "bench/blk: pass $p failed"; $DOMU --timeout 5 --wait "$guest"; exit 1; }
done
guest_out=$($DOMU --timeout 60 --wait "$guest") || { echo "$guest_out"; exit 1; }
echo "$guest_out" | grep '^pass [0-9]* row ' >$out/guest-rows
[ $null = 1 ] && modprobe -r null_blk

value() { bench_value $out/guest-rows "$1" "$2"; }

for p in $(seq $npass); do
	echo "pass $p ${order[$((p - 1))]}: $(for r in $ROWS; do printf '%s ' "$(value $p $r)"; done)($(awk -v p=$p '$2 == p && $3 == "row" { printf "%s ", $6 }' $out/guest-rows)s; irqs $(awk -v p=$p '$2 == p && $3 == "row" { printf "%s ", $7 }' $out/guest-rows); busy % $(awk -v p=$p '$2 == p && $3 == "row" { printf "%s ", $8 }' $out/guest-rows))"
done

printf '\nbench/blk (fio %s s per row, %s ABBA pairs of passes in one guest; nvme disk of the test bed; PV domU with stock xen-blkfront; A = %s, B = %s (ours = xsplit-blkback, intree = xen-blkback); native = fio in dom0 on the nvme)\n' "$SECS" "$PAIRS" "$A" "$B"
printf '%-22s %8s %8s %8s %8s %8s %s\n' row A B native A/B A/native "(A/B of each pair)"
for r in $ROWS; do
	bench_pairs $out/guest-rows $r
	n=$(awk -v r=$r '$2 == r { print $3 }' $out/native-rows)
	unit=IOPS
	case $r in *-1m) unit=MB/s ;; esac
	printf '%-22s %8s %8s %8s %8s %8s (%s)\n' "$r $unit" "$med_a" "$med_b" "$n" \
		"$(bench_ratio "$med_q" 1)" "$(bench_ratio "$med_a" "$n")" "${pair_q[*]}"
done
for be in "$A" "$B"; do
	awk -v b="$be" -v f=$first -v l=$last '$3 == b && $2 >= f && $2 <= l { d += $4; g += $5; w += $6; n++ } END { if (n) printf "per pass, %s: %.0f s, CPU seconds dom0 %.1f, guest %.1f\n", b, w / n, d / n, g / n }' $out/cpu
done

if [ $null = 1 ]; then
	n=$(awk '$2 == "read-1m" { print $3 }' $out/native-rows)
	ca=$(value $((npass - 1)) read-1m) cb=$(value $npass read-1m)
	printf '\nceiling: read-1m from null_blk (no device time): A %s MB/s, B %s MB/s; native on the nvme %s MB/s (A %s of it)\n' \
		"${ca:--}" "${cb:--}" "$n" "$(bench_ratio "${ca:--}" "$n")"
else
	echo "no read-1m row or no null_blk: no ceiling measured"
fi
echo "ok - bench/blk ran"
