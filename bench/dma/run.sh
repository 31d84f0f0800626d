#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/dma: what one streaming DMA mapping costs in a PV dom0, under our
# xsplit-dma, under the kernel's swiotlb-xen and under identity ops (the
# floor: ops that return the pseudo-physical address and do nothing else,
# so what any ops costs just to be called), on the same device in the
# same boot. Not a test: it prints figures.
#
#   scripts/testbed run bench/dma/run.sh [ITERS [ROUNDS]]     (make bench-dma)
#   (default 20000 map+unmap pairs a measurement, 5 rounds)
#
# The work is done by tests/kmod/dma-bench.c, loaded once with the edu
# (00:05.0, which has no driver in dom0) bound to xsplit-dma. It swaps the
# device's ops itself, the three ops of a row back to back in every round,
# so that drift in the emulated machine's speed hits all three alike.
#
# Rows, in ns per map+unmap pair (DMA_TO_DEVICE):
#   1page          one page, dma_map_page
#   3pages         12 KiB whose machine frames follow each other, one map
#   3pages-split   12 KiB whose machine frames do not: every layer bounces it
#   sg64k          a scatter list of 16 separate pages, dma_map_sg
# and the bounce rate: the per cent of mappings (of sg entries for sg64k)
# whose bus address is not the buffer's own machine address, from 256
# untimed maps per row, ops and round.
#
# The module times with the TSC: dom0's ktime (Xen's pvclock, kept
# monotonic across vCPUs) stands still for milliseconds under emulation.
# A column's ns is the median of the rounds; a ratio is the median of the
# rounds' ratios (each round's ours/identity is printed after the row).
# Targets: ours within 1.1x of identity for the contiguous single mappings
# (1page, 3pages), and no slower than swiotlb-xen on any row (ours/swiotlb-xen
# at most 1.00). Under emulation only the ratios mean anything.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
ITERS=${1:-20000}
ROUNDS=${2:-5}
SYS=/sys/kernel/xsplit-dma
BENCHKO=$XS/tests/kmod/xsplit-test-dma-bench.ko
ROWS="1page 3pages 3pages-split sg64k"
OPS="ours swiotlb-xen identity"
out=/tmp/bench-dma
mkdir -p $out

[ -e /sys/bus/pci/devices/$EDU ] || { echo "bench/dma: no device $EDU"; exit 1; }
# xsplit-dma refuses a device with a driver, and so does the bench module.
[ -e /sys/bus/pci/devices/$EDU/driver ] &&
	{ echo "bench/dma: $EDU has a driver ($(basename "$(readlink /sys/bus/pci/devices/$EDU/driver)"))"; exit 1; }
[ -e "$BENCHKO" ] || { echo "bench/dma: $BENCHKO not built"; exit 1; }

# Whatever happened, leave dom0 as it was: bench module out, edu unbound,
# xsplit-dma out. Each step is a no-op when its state is already gone.
cleanup() {
	grep -q '^xsplit_test_dma_bench ' /proc/modules && rmmod xsplit_test_dma_bench
	[ -e $SYS/devices/$EDU ] && echo $EDU >$SYS/unbind
	grep -q "^$(ko_name dma-xen) " /proc/modules && rmmod "$(ko_name dma-xen)"
}
trap cleanup EXIT

insmod "$(ko_path dma-xen)" || exit 1
echo $EDU >$SYS/bind || { echo "bench/dma: binding $EDU to xsplit-dma failed"; exit 1; }

mark=$(dmesg | wc -l)
t0=$SECONDS
echo "measuring: $ITERS pairs a measurement, $ROUNDS rounds of 4 rows x 3 ops"
# The module does all its work in its init and stays loaded idle.
insmod $BENCHKO bdf=$EDU iters=$ITERS rounds=$ROUNDS ||
	{ echo "bench/dma: the bench module failed:"; dmesg | tail -n +$((mark + 1)); exit 1; }
rmmod xsplit_test_dma_bench
dmesg | tail -n +$((mark + 1)) | sed -n 's/^.*xsplit-dma-bench: //p' >$out/log
echo "measured in $((SECONDS - t0)) s"
grep -q '^done$' $out/log || { echo "bench/dma: no 'done' from the module:"; cat $out/log; exit 1; }

# What xsplit-dma itself counted over the whole run, for the record.
stats=""
for f in maps unmaps bounces contig failures bad_unmaps outstanding; do
	stats="$stats $f $(cat $SYS/devices/$EDU/$f)"
done
echo "xsplit-dma counters for $EDU:$stats"
echo $EDU >$SYS/unbind || { echo "bench/dma: unbinding $EDU failed"; exit 1; }
rmmod "$(ko_name dma-xen)" || exit 1
trap - EXIT

# The module's own lines that are not figures: which code each ops is, and
# anything that failed.
grep -v -e '^round [0-9]* ops [^ ]* row [^ ]* ns ' -e '^done$' $out/log

# NS[R,OPS,ROW] and BOUNCED[R,OPS,ROW]: one measurement; unset if it failed.
declare -A NS BOUNCED
while read -r _ r _ o _ w k v _ b; do
	[ "$k" = ns ] || continue
	NS[$r,$o,$w]=$v BOUNCED[$r,$o,$w]=$b
done <$out/log	# dom0 has no /dev/fd: no process substitution
ns() { echo "${NS[$1,$2,$3]:--}"; }
bounced() { echo "${BOUNCED[$1,$2,$3]:--}"; }
median() {
	grep -v -- '^-$' | sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# median1: the same, to one decimal like the module's figures.
median1() { median | awk '{ if ($1 == "-") print; else printf "%.1f\n", $1 }'; }
# ratio_median Q...: the median of the ratios given, as a ratio.
ratio_median() { printf '%s\n' "$@" | median | awk '{ if ($1 == "-") print; else printf "%.2f\n", $1 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }

printf '\nbench/dma (%s map+unmap pairs a measurement, median of %s interleaved rounds; edu 00:05.0 in a PV dom0; ours = xsplit-dma, swiotlb-xen = the kernel'"'"'s default ops, identity = ops doing nothing (the floor))\n' "$ITERS" "$ROUNDS"
printf '%-13s %8s %12s %9s %8s %13s %9s %12s %s\n' row ours swiotlb-xen identity ours/id ours/swiotlb bounce% bounce% "(ours/id of each round)"
printf '%-13s %8s %12s %9s %8s %13s %9s %12s\n' "" ns ns ns "" "" ours swiotlb-xen
for w in $ROWS; do
	med=() qi=() qs=()
	for o in $OPS; do
		med+=("$(for r in $(seq $ROUNDS); do ns $r $o $w; done | median1)")
	done
	for r in $(seq $ROUNDS); do
		qi+=("$(ratio "$(ns $r ours $w)" "$(ns $r identity $w)")")
		qs+=("$(ratio "$(ns $r ours $w)" "$(ns $r swiotlb-xen $w)")")
	done
	bo=$(for r in $(seq $ROUNDS); do bounced $r ours $w; done | median1)
	bs=$(for r in $(seq $ROUNDS); do bounced $r swiotlb-xen $w; done | median1)
	printf '%-13s %8s %12s %9s %8s %13s %9s %12s (%s)\n' $w "${med[0]}" "${med[1]}" "${med[2]}" \
		"$(ratio_median "${qi[@]}")" "$(ratio_median "${qs[@]}")" \
		"$bo" "$bs" "${qi[*]}"
done
echo "(targets: ours/id at most 1.10 on 1page and 3pages; ours/swiotlb at most 1.00 on every row)"
echo "ok - bench/dma ran"
