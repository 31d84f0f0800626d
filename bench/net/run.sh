#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/net: iperf3 between dom0 and a PV domU whose vif is served by our
# xsplit-netback and by the kernel's in-tree xen-netback (one at a time,
# same boot, same guest, stock xen-netfront), and the same iperf3 over a
# veth pair between two network namespaces of dom0 as the limit: what
# dom0's own stack does without a guest in the way. Not a test: it prints
# figures.
#
#   scripts/testbed run bench/net/run.sh [SECONDS [PAIRS [A [B]]]]
#   (make bench-net; default 5 s per row, 2 pairs, A = ours, B = intree)
#
# Rows: TCP with 1 and 4 streams in each direction (Mbit/s received), and
# UDP with 64-byte datagrams in each direction, sent as fast as iperf3
# can (datagrams per second received). "g2d" is the guest sending (the
# frontend's transmit ring, the backend's NAPI), "d2g" dom0 sending (the
# frontend's receive ring).
#
# As in bench/blk, the comparison is made in pairs close in time, because
# the emulated machine's speed drifts by more than the backends differ:
# one guest stays up; between passes its vif is detached, the backend
# module swapped and the vif attached again; a first pass with each
# backend does not count (the emulator translates code the first time it
# runs); then PAIRS pairs in the order ABBA BAAB ... A row's A/B is the
# median of its pairs' ratios. The guest has one vCPU on one CPU and dom0
# one vCPU on the other.

. /xsplit/tests/lib/vm.sh
. /xsplit/bench/lib.sh

SECS=${1:-5}
PAIRS=${2:-2}
A=${3:-ours}
B=${4:-intree}
ROWS="tcp1-g2d tcp1-d2g tcp4-g2d tcp4-d2g udp64-g2d udp64-d2g"
BR=xsbr0
DOM0_IP=192.0.2.1
G_IP=192.0.2.2
MAC=00:16:3e:5a:03:01
out=/tmp/bench-net
mkdir -p $out

# The guest: an iperf3 server for the whole run; for each pass, wait for
# eth0 to come (dom0 attached a vif), give it the address, say so, and
# wait for it to go again.
cat >$out/guest.sh <<G
. /lib/xsplit/guest-lib.sh
iperf3 -s -D
echo "guest ready"
p=0
while [ \$p -lt \$1 ]; do
	p=\$((p + 1))
	wait_for /sys/class/net/eth0 600 || exit 1
	ip addr add $G_IP/24 dev eth0
	ip link set eth0 up
	echo "pass \$p up"
	while [ -e /sys/class/net/eth0 ]; do sleep 0.2; done
done
echo "guest done"
G

load() {
	case $1 in
	ours) insmod "$(ko_path netback)" ;;
	intree) modprobe xen-netback ;;
	*) echo "bench/net: unknown backend $1"; return 1 ;;
	esac
}
unload() {
	case $1 in
	ours) rmmod "$(ko_name netback)" ;;
	intree) modprobe -r xen-netback ;;
	esac
}

# measure ROW HOST: iperf3 against HOST; prints Mbit/s or datagrams/s
# received, or "-".
measure() {
	local row=$1 host=$2 args=() o
	case $row in
	tcp1-*) args=(-P 1) ;;
	tcp4-*) args=(-P 4) ;;
	udp64-*) args=(-u -l 64 -b 0) ;;
	esac
	case $row in *-g2d) args+=(-R) ;; esac
	o=$(timeout $((SECS + 30)) iperf3 -c "$host" -t "$SECS" -f m "${args[@]}" 2>&1)
	case $row in
	tcp*)
		awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") v = $(i - 1) }
		     END { print v == "" ? "-" : v }' <<<"$o" ;;
	udp*)
		awk -v s="$SECS" '/receiver/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, a, "/"); v = (a[2] - a[1]) / s } }
		     END { if (v == "") print "-"; else printf "%.0f\n", v }' <<<"$o" ;;
	esac
}

wait_line() { bench_wait_line "$1" "$conlog" 600; }

# After a pass of ours: did the watchdog have to serve a ring whose
# notification went missing, or did a row fail? If so, what the channels
# looked like on both sides: ours in debugfs, and Xen's view of dom0's
# and the guest's ports between them (pending/masked).
ours_health() {
	local failed=$1 v k
	v=$(cd /sys/class/net && ls -d vif$domid.* 2>/dev/null | head -n 1)
	k=$(ethtool -S "$v" | awk '$1 == "stall_kicks:" { print $2 }')
	echo "  stall_kicks: ${k:--}"
	[ "${k:-0}" = 0 ] && [ "$failed" = 0 ] && return
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
	{
		ethtool -S "$v" | grep -v ': 0$'
		grep vif /proc/interrupts
		cat /sys/kernel/debug/xsplit-netback/$v/queue-*
		xl dmesg -c >/dev/null
		xl debug-keys e
		sleep 1
		xl dmesg | awk -v g="domain $domid:" -v g0="$domid" '
			/Event channel information for domain 0:/ { w = "dom0"; next }
			/Event channel information for domain/ { w = index($0, g) ? "guest" : ""; next }
			w == "dom0" && $0 ~ ("d=" g0 " ") { print w ": " $0 }
			w == "guest" && / d=0 / { print w ": " $0 }'
	} 2>&1 | sed 's/^/    /'
}

# pass P BACKEND: attach a vif served by BACKEND, run every row, detach.
pass() {
	local p=$1 be=$2 r v i failed
	load "$be" || return 1
	xl network-attach "$guest" mac=$MAC bridge=$BR \
		script=$XS/scripts/hotplug/vif-bridge || return 1
	wait_line "^pass $p up" || return 1
	for i in $(seq 60); do
		busybox ping -c 1 -W 2 $G_IP >/dev/null 2>&1 && break
	done
	failed=0
	for r in $ROWS; do
		v=$(measure $r $G_IP)
		echo "pass $p $be $r $v" >>$out/values
		echo "  $r: $v"
		[ "$v" = - ] && failed=1
	done
	[ "$be" = ours ] && ours_health $failed
	xl network-detach "$guest" "$(xl network-list "$guest" | awk 'NR == 2 { print $1 }')" ||
		return 1
	for i in $(seq 100); do
		ls /sys/class/net | grep -q "^vif$domid\." || break
		sleep 0.2
	done
	unload "$be"
}

modprobe -r xen-netback 2>/dev/null
ip link add $BR type bridge && ip addr add $DOM0_IP/24 dev $BR &&
	ip link set $BR up || exit 1

# The limit: the same rows over a veth pair, dom0 to a namespace.
ip netns add bnet && ip link add vb0 type veth peer name vb1 &&
	ip link set vb1 netns bnet && ip addr add 198.51.100.1/24 dev vb0 &&
	ip link set vb0 up && ip netns exec bnet ip addr add 198.51.100.2/24 dev vb1 &&
	ip netns exec bnet ip link set vb1 up && ip netns exec bnet ip link set lo up ||
	exit 1
ip netns exec bnet iperf3 -s -D
sleep 1
echo "measuring the limit (veth)"
: >$out/veth
for r in $ROWS; do
	# Served from the namespace, so that "g2d" is the far end sending.
	v=$(measure $r 198.51.100.2)
	echo "$r $v" >>$out/veth
	echo "  $r: $v"
done
pkill -f "iperf3 -s -D"
ip netns del bnet

bench_order "$PAIRS"
npass=${#order[@]}

guest=$($DOMU --bg --bin iperf3 --timeout 60 $out/guest.sh $npass) || exit 1
conlog=/var/log/xen/console/guest-$guest.log
domid=$(xl domid "$guest")
xl vcpu-set Domain-0 1 && xl vcpu-pin Domain-0 all 0 &&
	xl vcpu-pin "$guest" all 1 || exit 1
wait_line '^guest ready' || exit 1
: >$out/values
for p in $(seq $npass); do
	be=${order[$((p - 1))]}
	echo "pass $p: $be"
	pass $p "$be" || { echo "bench/net: pass $p failed"; xl destroy "$guest"; exit 1; }
done
$DOMU --timeout 60 --wait "$guest" >/dev/null

printf '\nbench/net (iperf3 %s s per row, %s ABBA pairs of passes in one guest; PV domU with stock xen-netfront, 1 vCPU, bridged in dom0; A = %s, B = %s (ours = xsplit-netback, intree = xen-netback); limit = a veth pair in dom0)\n' "$SECS" "$PAIRS" "$A" "$B"
printf '%-20s %9s %9s %9s %6s %8s %s\n' row A B limit A/B A/limit "(A/B of each pair)"
for r in $ROWS; do
	bench_pairs $out/values $r
	l=$(awk -v r=$r '$1 == r { print $2 }' $out/veth)
	unit=Mbit/s
	case $r in udp*) unit=pkt/s ;; esac
	printf '%-20s %9s %9s %9s %6s %8s (%s)\n' "$r $unit" "$med_a" "$med_b" "$l" \
		"$(bench_ratio "$med_q" 1)" "$(bench_ratio "$med_a" "$l")" "${pair_q[*]}"
done
echo "ok - bench/net ran"
