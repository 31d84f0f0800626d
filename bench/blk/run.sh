#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/blk: fio in a PV domU on a disk served by our xsplit-blkback and by
# the kernel's in-tree xen-blkback (one at a time, same boot, same nvme
# backing disk, stock xen-blkfront with its defaults), and the same fio in
# dom0 on the nvme itself as the limit. Not a test: it prints figures.
#
#   scripts/testbed run bench/blk/run.sh [SECONDS [ROUNDS]]  (make bench-blk;
#   default 5 s, 3 rounds)
#
# Rows (bench/blk/fio-rows.sh): 4 KiB random read and write at queue depth
# 1 and 32 (IOPS), 1 MiB sequential read and write at depth 8 (MB/s).
# Rounds alternate between the backends so that drift in the machine hits
# both alike; the table shows the median. Under emulation only the ratios
# mean anything. Last, the ceiling: the 1 MiB read row once more, with our
# backend serving a null_blk device (no device time at all), against
# native: what the guest's path alone allows.

. /xsplit/tests/lib/vm.sh

SECS=${1:-5}
ROUNDS=${2:-3}
ROWS="randread-4k-qd1 randread-4k-qd32 randwrite-4k-qd1 randwrite-4k-qd32 read-1m write-1m"
FIO=$XS/bench/blk/fio-rows.sh
disk=$(nvme_disk)
[ -b "$disk" ] || { echo "bench/blk: no nvme disk"; exit 1; }

# measure LABEL [TARGET [ROW...]]: one guest on the loaded backend, its
# disk TARGET (default the nvme); its rows go to /tmp/bench-blk-LABEL, one
# line per round.
measure() {
	local out label=$1 target=${2:-$disk}
	shift; [ $# -gt 0 ] && shift
	# fio takes some 20 s to start under emulation, each of 6 rows.
	out=$($DOMU --bin fio --file $FIO --timeout $((300 + 12 * SECS)) \
		--cfg "disk = ['format=raw, vdev=xvda, access=rw, script=$XS/scripts/hotplug/block, target=$target']" \
		/tmp/bench-blk-guest.sh "$SECS" "$@") || { echo "$out"; return 1; }
	echo "$out" | grep '^row ' >/tmp/bench-blk-last
	echo "$(for r in $ROWS; do awk -v r=$r '$2 == r { print $3 }' /tmp/bench-blk-last; done)" |
		tr '\n' ' ' >>/tmp/bench-blk-$label
	echo >>/tmp/bench-blk-$label
}
cat >/tmp/bench-blk-guest.sh <<'G'
. /lib/xsplit/guest-lib.sh
wait_for /dev/xvda || exit 1
sh /xsplit-guest/fio-rows.sh /dev/xvda "$@"
G

with_ours() {
	echo "measuring ours"
	insmod "$(ko_path blkback)" || return 1
	measure ours || return 1
	rmmod "$(ko_name blkback)"
}
with_intree() {
	echo "measuring in-tree"
	modprobe xen-blkback || return 1
	measure intree || return 1
	modprobe -r xen-blkback
}

: >/tmp/bench-blk-ours; : >/tmp/bench-blk-intree
echo "measuring native (dom0 on $disk)"
sh $FIO "$disk" "$SECS" >/tmp/bench-blk-native-rows
native=$(for r in $ROWS; do awk -v r=$r '$2 == r { print $3 }' /tmp/bench-blk-native-rows; done | tr '\n' ' ')
for r in $(seq $ROUNDS); do
	with_ours || exit 1
	with_intree || exit 1
	echo "round $r: ours $(tail -n1 /tmp/bench-blk-ours)| in-tree $(tail -n1 /tmp/bench-blk-intree)"
done
echo "native: $native"

# The median of the rounds: one round that a busy host slowed down does
# not move it (with 2 rounds it is their mean).
median_col() {
	awk -v c=$2 '{ print $c }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR % 2) printf "%d", v[(NR + 1) / 2]; else if (NR) printf "%d", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

printf '\nbench/blk (fio %s s per row, median of %s alternating rounds; nvme disk of the test bed; PV domU with stock xen-blkfront; ours = xsplit-blkback, in-tree = xen-blkback, native = fio in dom0 on the nvme)\n' "$SECS" "$ROUNDS"
printf '%-18s %10s %10s %10s %12s %12s\n' row ours in-tree native ours/in-tree ours/native
i=0
for r in $ROWS; do
	i=$((i + 1))
	o=$(median_col /tmp/bench-blk-ours $i)
	t=$(median_col /tmp/bench-blk-intree $i)
	n=$(echo "$native" | cut -d' ' -f$i)
	unit=IOPS
	case $r in *-1m) unit=MB/s ;; esac
	printf '%-18s %10s %10s %10s %12s %12s\n' "$r $unit" "$o" "$t" "$n" "$(ratio "$o" "$t")" "$(ratio "$o" "$n")"
done

# The ceiling: null_blk completes at once and moves no data.
if modprobe null_blk nr_devices=1 gb=1 2>/dev/null && [ -b /dev/nullb0 ]; then
	: >/tmp/bench-blk-null
	insmod "$(ko_path blkback)" &&
		ROWS=read-1m measure null /dev/nullb0 read-1m
	rmmod "$(ko_name blkback)"
	modprobe -r null_blk
	c=$(awk '{ print $1; exit }' /tmp/bench-blk-null)
	n=$(echo "$native" | cut -d' ' -f5)
	printf '\nceiling: read-1m through ours from null_blk (no device time) %s MB/s = %s of native %s MB/s\n' \
		"${c:--}" "$(ratio "${c:-0}" "$n")" "$n"
else
	echo "no null_blk: no ceiling measured"
fi
echo "ok - bench/blk ran"
