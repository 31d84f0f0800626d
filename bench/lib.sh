# SPDX-License-Identifier: GPL-2.0
#
# What the benchmarks that compare two backends in ABBA pairs share
# (bench/blk, bench/net), sourced in dom0 after tests/lib/vm.sh. They set
# A, B, the order of the passes (order=(...), the first pass of each
# backend uncounted) and first/last, the passes that count.

# bench_order PAIRS: the passes, A B then ABBA pairs: A B, B A, A B, ...
bench_order() {
	local k
	order=("$A" "$B")
	for k in $(seq "$1"); do
		if [ $((k % 2)) = 1 ]; then order+=("$A" "$B"); else order+=("$B" "$A"); fi
	done
	first=3 last=$((2 + 2 * $1))
}

# bench_wait_line REGEX FILE SECONDS: until FILE (the guest's console)
# has a matching line. Polled once a second with grep alone: dom0's CPU
# is the backend's to use, not the waiting's.
bench_wait_line() {
	local n=0
	while ! tr -d '\r' <"$2" | grep -qE "$1"; do
		n=$((n + 1))
		[ $n -gt "$3" ] && { echo "bench: the guest never printed /$1/"; return 1; }
		sleep 1
	done
}

# bench_value FILE P ROW: what pass P measured for ROW, in lines
# "pass P <anything> ROW VALUE ...".
bench_value() { awk -v p="$2" -v r="$3" '$2 == p && $4 == r { print $5 }' "$1"; }

# The median of the numbers on stdin; "-" (a failed measurement) does not
# count, and with none left it is "-".
bench_median() {
	grep -v -e '^-$' -e '^$' | sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_ratio X Y: X/Y to two places, "-" if either is missing.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && a != "" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'
}

# bench_pairs FILE ROW: for ROW, each counted pair's A value, B value and
# A/B, in the arrays pair_a, pair_b and pair_q, and their medians in
# med_a, med_b and med_q (the ratio's median over the pairs' ratios, not
# a ratio of medians: each pair is close in time).
bench_pairs() {
	local p pa pb
	pair_a=() pair_b=() pair_q=()
	for p in $(seq $first 2 $last); do
		pa=$p pb=$((p + 1))
		[ "${order[$((p - 1))]}" = "$A" ] || { pa=$((p + 1)); pb=$p; }
		pair_a+=("$(bench_value "$1" $pa "$2")")
		pair_b+=("$(bench_value "$1" $pb "$2")")
		pair_q+=("$(bench_ratio "${pair_a[-1]:--}" "${pair_b[-1]:--}")")
	done
	med_a=$(printf '%s\n' "${pair_a[@]}" | bench_median)
	med_b=$(printf '%s\n' "${pair_b[@]}" | bench_median)
	med_q=$(printf '%s\n' "${pair_q[@]}" | bench_median)
}
