#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hostile network frontend against xsplit-netback: a PV domU with eight
# vifs on one bridge runs tests/kmod/net-hostile.c instead of the kernel's
# xen-netfront and writes the netif rings by hand. vif 0, the victim, gets
# valid packets, packets refused for every reason the backend has, grants
# it cannot copy, extras it does not know, receive buffers it cannot fill
# and an event storm, and last a req_prod 1000 slots ahead, which must make
# the backend disable it. vif 1, the bystander, must go on working before
# and after, and receive the victim's frame intact. vif 2 sends bad_limit+1
# refused packets in one burst and vif 3 a slot chain of 64; vif 4 rewrites
# its slots while the backend reads them (it must judge one copy) and then
# runs its receive ring's req_prod 1000 ahead; vif 5 has a control ring
# and sends the control requests the backend must answer and refuse, a
# key in a grant nobody made, a burst of empty notifications, and then
# its control ring's req_prod 1000 ahead: the backend must disable vifs
# 2, 3, 4 and 5. vif 6 asks for multicast filtering and amends its list
# (adds, a repeat, refused adds of unicast, broadcast and a 65th group,
# a del of what is not there); in three rounds the guest asks dom0 (in
# its data/xsplit-net-hostile-mcast) to send it a frame to a listed
# group, one to an unlisted group and a broadcast, with the filter on,
# turned off at run time, and on again, and checks that only the
# unlisted group's frame is kept from it, and only while the filter is
# on. vif 7 has two queues (dom0 has two vCPUs, so the backend offers
# two) and a control ring, sets Toeplitz hashing up on it (all four hash
# types, the key of Microsoft's RSS verification suite, a table of 8
# entries over both queues) and asks dom0 (in data/xsplit-net-hostile-hash)
# for a fixed list of 26 frames: IPv4 and IPv6, TCP and UDP, IPv4 TCP
# fragments, frames that are not IP, each tagged with round and index,
# then an end frame; it checks that each comes once and intact, on the
# queue its hash names, with a hash extra of the right type and value
# (or none, if it is not hashed), and, with hashing turned off again,
# that the same list comes with no extra at all. The backend keeps its
# default bad_limit (64): the victim's and the racer's refusals stay below
# it in all, so that only the burst decides its vif's fate. The guest
# checks every answer. dom0 checks the counters the guest predicts for
# each vif, the carrier and log line of each disabled vif, the hash state
# the control rings left in debugfs and the multicast list and filter
# state, that both queues of the hash vif carried frames, the
# rate-limited refusal log, that it spends no CPU on the idle guest's
# vifs afterwards, that the vifs go with the guest,
# that the backend unloads and that nothing else was logged at warning
# level. Before it lets the guest go it prints the backend's and Xen's view
# of each vif's rings and event channel, for whoever has to find out why
# one went quiet.

. /xsplit/tests/lib/vm.sh

HOSTILE_KO=$XS/tests/kmod/xsplit-test-net-hostile.ko
GUEST=$XS/tests/vm/guest/net-hostile.sh
# Cases in tests/kmod/net-hostile.c (nh_cases[]): fewer tried means some
# never ran.
CASES=87
BR=xsbr0
DOM0_IP=192.0.2.1
MOD=$(ko_name netback)
VIFSPEC="bridge=$BR, script=$XS/scripts/hotplug/vif-bridge"
ROLES=(victim bystander budget chain racer ctrl mcast hash)
HANDLES="0 1 2 3 4 5 6 7"

# The mcast vif's groups (tests/kmod/net-hostile.c): A is on its list, X
# never is; C frames go to broadcast.
MCAST_A='\x01\x00\x5e\x5a\x02\x01'
MCAST_X='\x01\x00\x5e\x5a\x02\x03'
MCAST_C='\xff\xff\xff\xff\xff\xff'

# The hash vif's frames (nh_hash_frames[] in tests/kmod/net-hostile.c, in
# the same order, the index being the place here): kind, source and
# destination address (IPv6 in 8 groups, none left out), source and
# destination port.
HASH_FRAMES=(
	"tcp4 66.9.149.187 161.142.100.80 2794 1766"
	"tcp4 199.92.111.2 65.69.140.83 14230 4739"
	"tcp4 24.19.198.95 12.22.207.184 12898 38024"
	"tcp4 38.27.205.30 209.142.163.6 48228 2217"
	"tcp4 153.39.163.191 202.188.127.2 44251 1303"
	"tcp4 198.51.100.7 198.51.100.1 40001 80"
	"tcp4 198.51.100.7 198.51.100.1 40002 80"
	"tcp4 198.51.100.7 198.51.100.1 40003 80"
	"tcp4 198.51.100.7 198.51.100.1 40004 80"
	"tcp4 198.51.100.7 198.51.100.1 40005 80"
	"tcp4 198.51.100.7 198.51.100.1 40006 80"
	"tcp4 198.51.100.7 198.51.100.1 40007 80"
	"udp4 66.9.149.187 161.142.100.80 2794 1766"
	"udp4 199.92.111.2 65.69.140.83 14230 4739"
	"udp4 24.19.198.95 12.22.207.184 12898 38024"
	"udp4 38.27.205.30 209.142.163.6 48228 2217"
	"tcp4-first-fragment 153.39.163.191 202.188.127.2 44251 1303"
	"tcp4-later-fragment 66.9.149.187 161.142.100.80 2794 1766"
	"tcp6 3ffe:2501:200:1fff:0:0:0:7 3ffe:2501:200:3:0:0:0:1 2794 1766"
	"tcp6 3ffe:501:8:0:260:97ff:fe40:efab ff02:0:0:0:0:0:0:1 14230 4739"
	"tcp6 3ffe:1900:4545:3:200:f8ff:fe21:67cf fe80:0:0:0:200:f8ff:fe21:67cf 44251 38024"
	"tcp6 2001:db8:0:0:0:0:0:7 2001:db8:0:0:0:0:0:1 40001 80"
	"udp6 3ffe:2501:200:1fff:0:0:0:7 3ffe:2501:200:3:0:0:0:1 2794 1766"
	"udp6 3ffe:501:8:0:260:97ff:fe40:efab ff02:0:0:0:0:0:0:1 14230 4739"
	"not-ip - - 0 0"
	"not-ip - - 0 0"
)
# Each is this long, and the frame that ends a round has this index.
HASH_LEN=96
HASH_END=255

# counter TEXT NAME: one counter from saved ethtool -S output.
counter() { awk -v n="$2:" '$1 == n { print $2 }' <<<"$1"; }
# softirq_over SECONDS: dom0's time in softirq context (all CPUs, 1/100 s)
# over that long. Without IRQ time accounting this is the share of ticks
# that found a CPU serving softirqs, ksoftirqd included: a NAPI poll that
# reschedules itself for ever shows as a whole CPU.
softirq_over() {
	local a b
	a=$(awk '$1 == "cpu" { print $8 }' /proc/stat)
	sleep "$1"
	b=$(awk '$1 == "cpu" { print $8 }' /proc/stat)
	echo $((b - a))
}

# mcast_send VIF DEST ROUND LETTER: a 60-byte frame written straight onto
# the vif (to the guest), not through the bridge, whose multicast
# snooping is no part of the test: DEST, a made-up source, our
# ethertype, then "XNHM", the round and the letter the guest looks for.
mcast_send() {
	local f=/tmp/net-hostile-mcast-frame
	{
		printf "$2"'\x02\x00\x00\x5a\x0d\x00\x88\xb5XNHM'
		printf "\\x0$3"
		printf '%s' "$4"
		head -c 40 /dev/zero
	} >$f && socat -u OPEN:$f INTERFACE:$1
}
# await_round KEY R FILE REGEX WHAT: until the guest writes round R to
# KEY (400 s at most) and then the backend's debugfs FILE has a line
# matching REGEX (10 s at most); else says which did not come.
await_round() {
	local n=0
	until [ "$(xenstore-read $1 2>/dev/null)" = $2 ]; do
		n=$((n + 1))
		[ $n -le 2000 ] || { echo "round $2: never asked for"; return 1; }
		sleep 0.2
	done
	n=0
	until grep -q "$4" $3 2>/dev/null; do
		n=$((n + 1))
		[ $n -le 100 ] || { echo "round $2: $5"; return 1; }
		sleep 0.1
	done
}
# mcast_rounds DOMID: the guest's three rounds. For each, wait until it
# writes the round to data/xsplit-net-hostile-mcast and the backend's
# debugfs shows the filter as the round needs it (on, off, on again),
# then send A (listed group), B (unlisted group) and, last, C
# (broadcast), which ends the round for the guest: one queue, in order.
mcast_rounds() {
	local vif=vif$1.6 key=/local/domain/$1/data/xsplit-net-hostile-mcast
	local dbg=/sys/kernel/debug/xsplit-netback/vif$1.6/mcast
	local r want

	for r in 1 2 3; do
		want=on
		[ $r = 2 ] && want=off
		await_round $key $r $dbg "^filter: $want\$" "filter never $want" || return 1
		mcast_send $vif "$MCAST_A" $r A && mcast_send $vif "$MCAST_X" $r B ||
			{ echo "round $r: sending A and B failed"; return 1; }
		sleep 0.3
		mcast_send $vif "$MCAST_C" $r C || { echo "round $r: sending C failed"; return 1; }
		echo "round $r: filter $want, A B C sent"
	done
}

# ip4_bytes ADDR, ip6_bytes ADDR: an address's bytes, in decimal.
ip4_bytes() {
	local IFS=.
	echo $1
}
ip6_bytes() {
	local IFS=: g out=
	for g in $1; do
		out+="$((16#$g >> 8)) $((16#$g & 255)) "
	done
	echo "$out"
}
# hash_frame ROUND INDEX KIND SRC DST SPORT DPORT: the frame, as
# nh_hash_build() in the guest builds it to compare: to the hash vif's
# MAC from a made-up one; IPv4 (DF, or a fragment: MF or 1480 bytes in;
# with its checksum) or IPv6 headers; TCP (ports, data offset 5) or UDP;
# or our ethertype for a frame that is not IP; then byte k = 3k + INDEX
# up to the tag at the end: "XNHH", ROUND, INDEX, 0, 0.
hash_frame() {
	local round=$1 idx=$2 kind=$3 sport=$6 dport=$7
	local -a f=(0x00 0x16 0x3e 0x5a 0x02 0x07 0x02 0x00 0x00 0x5a 0x0e 0x07)
	local -a ip
	local proto=6 frag=0x4000 sum=0 k

	case $kind in
	udp*) proto=17 ;;
	esac
	case $kind in
	tcp4-first-fragment) frag=0x2000 ;;
	tcp4-later-fragment) frag=185 ;;
	esac
	case $kind in
	tcp4* | udp4)
		ip=(0x45 0 0 $((HASH_LEN - 14)) 0 0 $((frag >> 8))
		    $((frag & 255)) 64 $proto 0 0 $(ip4_bytes $4) $(ip4_bytes $5))
		for k in 0 2 4 6 8 10 12 14 16 18; do
			sum=$((sum + (ip[k] << 8) + ip[k + 1]))
		done
		sum=$(((sum & 0xffff) + (sum >> 16)))
		sum=$((~((sum & 0xffff) + (sum >> 16)) & 0xffff))
		ip[10]=$((sum >> 8))
		ip[11]=$((sum & 255))
		f+=(0x08 0x00 "${ip[@]}") ;;
	tcp6 | udp6)
		f+=(0x86 0xdd 0x60 0 0 0 0 $((HASH_LEN - 54)) $proto 64
		    $(ip6_bytes $4) $(ip6_bytes $5)) ;;
	*)
		f+=(0x88 0xb5) ;;
	esac
	case $kind in
	tcp*)
		f+=($((sport >> 8)) $((sport & 255)) $((dport >> 8))
		    $((dport & 255)) 0 0 0 1 0 0 0 0 0x50 0x18 0x20 0 0 0 0 0) ;;
	udp*)
		f+=($((sport >> 8)) $((sport & 255)) $((dport >> 8))
		    $((dport & 255)) 0 $((HASH_LEN - ${#f[@]})) 0 0) ;;
	esac
	for ((k = ${#f[@]}; k < HASH_LEN - 8; k++)); do
		f+=($(((k * 3 + idx) & 255)))
	done
	f+=(0x58 0x4e 0x48 0x48 $round $idx 0 0)
	printf "$(printf '\\x%02x' "${f[@]}")"
}
# hash_send VIF ROUND INDEX KIND SRC DST SPORT DPORT: that frame written
# straight onto the vif (to the guest), as mcast_send does.
hash_send() {
	local f=/tmp/net-hostile-hash-frame
	hash_frame "${@:2}" >$f && socat -u OPEN:$f INTERFACE:$1
}
# hash_rounds DOMID: the hash vif's two rounds. For each, wait until the
# guest writes the round to data/xsplit-net-hostile-hash and the
# backend's debugfs shows the hashing the round needs (Toeplitz, then
# none), then send the list and, last, the end frame. The backend picks
# each frame's queue, so the guest waits a little for frames on the other
# queue after the end frame.
hash_rounds() {
	local vif=vif$1.7 key=/local/domain/$1/data/xsplit-net-hostile-hash
	local dbg=/sys/kernel/debug/xsplit-netback/vif$1.7/ctrl
	local r want i

	for r in 1 2; do
		want=toeplitz
		[ $r = 2 ] && want=none
		await_round $key $r $dbg "^hash: algorithm $want " "hashing never $want" || return 1
		for i in "${!HASH_FRAMES[@]}"; do
			hash_send $vif $r $i ${HASH_FRAMES[$i]} ||
				{ echo "round $r: sending frame $i failed"; return 1; }
		done
		sleep 0.3
		hash_send $vif $r $HASH_END not-ip - - 0 0 ||
			{ echo "round $r: sending the end frame failed"; return 1; }
		echo "round $r: hashing $want, ${#HASH_FRAMES[@]} frames and the end sent"
	done
}

dmesg_mark
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
check "our dom0 modules loaded" load_ours
check "bridge $BR" sh -c "ip link add $BR type bridge &&
	ip addr add $DOM0_IP/24 dev $BR && ip link set $BR up"
limit=$(cat /sys/module/$MOD/parameters/bad_limit)
idle_base=$(softirq_over 3)
check "xsplit-netback's bad_limit is known (${limit:-none})" test -n "$limit"

vifs=
for h in $HANDLES; do
	vifs+="${vifs:+, }'mac=00:16:3e:5a:02:0$h, $VIFSPEC'"
done
# In the background: dom0 reads the counters while the guest holds its vifs.
name=$($DOMU --bg --timeout 500 --no-load xen-netfront --cfg "vif = [$vifs]" \
	--file $HOSTILE_KO $GUEST bad_limit=${limit:-64} hold=120)
check "hostile guest created" test -n "$name"
[ -n "$name" ] || finish
domid=$(xl domid "$name")
mcast_rounds $domid >/tmp/net-hostile-mcast.log 2>&1 &
mcast_pid=$!
hash_rounds $domid >/tmp/net-hostile-hash.log 2>&1 &
hash_pid=$!

check "hostile guest went through its cases" \
	$DOMU --timeout 450 --expect "$name" '^xsplit-net-hostile: done '
# The rounds come before "done": a helper still waiting waits for nothing.
kill $mcast_pid $hash_pid 2>/dev/null
wait $mcast_pid
mcast_rc=$?
wait $hash_pid
hash_rc=$?
sed 's/^/# mcast: /' /tmp/net-hostile-mcast.log
check_eq "dom0 sent the mcast vif its frames in all 3 rounds" 0 "$mcast_rc"
sed 's/^/# hash: /' /tmp/net-hostile-hash.log
check_eq "dom0 sent the hash vif its frames in both rounds" 0 "$hash_rc"
declare -A stats carrier
for h in $HANDLES; do
	v=vif$domid.$h
	stats[$h]=$(ethtool -S $v 2>/dev/null)
	carrier[$h]=$(cat /sys/class/net/$v/carrier 2>/dev/null)
	mtu=$(cat /sys/class/net/$v/mtu 2>/dev/null)
	# The guest's oversize cases assume MTU 1500.
	check_eq "$v (${ROLES[$h]}) has MTU 1500" 1500 "$mtu"
	echo "== ethtool -S $v (${ROLES[$h]}), totals not 0"
	grep -v -e '^ *q[0-9]*_' -e ': 0$' -e '^NIC' <<<"${stats[$h]}" | sed 's/^/#/'
done
# Feature fallback: the module offers scatter-gather and checksum
# offload, and neither GSO type nor IPv6 checksum offload, so dom0 must
# segment and checksum IPv6 itself for its vifs (bystander: connected).
k=$(ethtool -k vif$domid.1 2>/dev/null)
check "bystander vif$domid.1: scatter-gather on (the frontend offers it)" \
	has "$k" '^scatter-gather: on'
for f in tx-tcp-segmentation tx-tcp6-segmentation tx-checksum-ipv6; do
	check "bystander vif$domid.1: $f off (the frontend does not offer it)" \
		has "$k" "^[[:space:]]*$f: off"
done
check "bystander vif$domid.1: tx-checksum-ip-generic or tx-checksum-ipv4 on" \
	has "$k" '^[[:space:]]*tx-checksum-ip\(v4\|-generic\): on'
# The guest is idle now, holding its vifs, four of them disabled: the
# backend must not spend dom0's CPUs on them (a disabled vif whose ring
# still holds requests must not be polled again and again). A fifth of
# one CPU at most, however slow the host.
idle=$(softirq_over 3)
check "dom0 idle beside the idle guest: ${idle}/100 s in softirq over 3 s (before the guest: ${idle_base}/100 s)" \
	test "$idle" -lt 60

# For whoever has to find out why a vif went quiet: the backend's view of
# each queue, the interrupts, and Xen's view of the event channels
# between dom0 and the guest (port, [pending/masked/...], remote).
for h in $HANDLES; do
	for f in /sys/kernel/debug/xsplit-netback/vif$domid.$h/*; do
		[ -r "$f" ] && sed "s|^|# vif$domid.$h $(basename $f): |" "$f"
	done
done
grep -E "vif$domid\.[0-9]" /proc/interrupts | sed 's/^/# /'
# What the ctrl vif's frontend set up, and its ring stopped for good;
# the mcast vif's list and filter; the hashing the hash vif left.
ctrl_dbg=$(cat /sys/kernel/debug/xsplit-netback/vif$domid.5/ctrl 2>/dev/null)
mcast_dbg=$(cat /sys/kernel/debug/xsplit-netback/vif$domid.6/mcast 2>/dev/null)
hash_dbg=$(cat /sys/kernel/debug/xsplit-netback/vif$domid.7/ctrl 2>/dev/null)
if xl debug-keys e >/dev/null 2>&1; then
	xl dmesg | awk '/Event channel information for domain 0:/ { d0 = 1; next }
		/Event channel information for domain/ { d0 = 0 }
		d0' | grep -E "d=$domid " | tail -n 20 | sed 's/^/# xen dom0 evtchn: /'
fi
xenstore-write /local/domain/$domid/data/xsplit-net-hostile release
out=$($DOMU --timeout 60 --wait "$name")
rc=$?
echo "$out" | sed 's/^/  guest: /'
check_eq "hostile guest script ended well" 0 "$rc"
check "the guest was released by dom0" has "$out" '^xsplit-net-hostile: released'

# One check per case, named after it (a here-string: dom0 has no /dev/fd).
while read -r _ _ case verdict rest; do
	[ -n "$case" ] || continue
	check_eq "hostile case $case" ok "$verdict${rest:+ $rest}"
done <<<"$(echo "$out" | grep '^xsplit-net-hostile: case ')"
plan=$(echo "$out" | grep -m1 '^xsplit-net-hostile: plan ' | awk '{ print $3 }')
done_line=$(echo "$out" | grep -m1 '^xsplit-net-hostile: done ')
tried=$(echo "$done_line" | awk '{ print $3 }')
passed=$(echo "$done_line" | awk '{ print $5 }')
check "guest finished its run" test -n "$done_line"
check_eq "the module plans the $CASES cases this test knows" "$CASES" "$plan"
check_eq "every case tried" "$CASES" "$tried"
check_eq "every case passed" "$tried" "$passed"
check_eq "one ok line per case" "$CASES" \
	"$(echo "$out" | grep -c '^xsplit-net-hostile: case [^ ]* ok$')"

# The counters, as the guest predicts them from what it sent.
nexp=0
while read -r _ _ vif cname min max; do
	[ -n "$cname" ] || continue
	h=${vif#vif}
	got=$(counter "${stats[$h]}" "$cname")
	nexp=$((nexp + 1))
	if [ "$max" = - ]; then
		check "ethtool -S vif$domid.$h: $cname ${got:-missing} >= $min" \
			test "${got:-x}" -ge "$min" 2>/dev/null
	elif [ "$min" = "$max" ]; then
		check_eq "ethtool -S vif$domid.$h: $cname" "$min" "$got"
	else
		check "ethtool -S vif$domid.$h: $cname ${got:-missing} in $min..$max" \
			sh -c "[ '${got:-x}' -ge $min ] && [ '${got:-x}' -le $max ]" 2>/dev/null
	fi
done <<<"$(echo "$out" | grep '^xsplit-net-hostile: expect ')"
check "the guest predicted counters for all eight vifs ($nexp)" test $nexp -ge 208
# The same, independently of the guest's arithmetic: every reason the
# victim was refused for counted, the burst and the chain where they went.
for c in drop_bad_offset drop_too_many_slots drop_hdr_split drop_zero_len \
	 drop_runt drop_oversize drop_bad_size drop_bad_extra drop_bad_gso \
	 drop_bad_gref drop_bad_csum to_guest_drop_bad_gref spurious_events \
	 from_guest_packets from_guest_gso; do
	got=$(counter "${stats[0]}" $c)
	check "victim vif$domid.0 counted $c (${got:-missing})" test "${got:-0}" -gt 0
done
check_eq "budget vif$domid.2 counted bad_limit+1 runts" $((${limit:-64} + 1)) \
	"$(counter "${stats[2]}" drop_runt)"
check_eq "chain vif$domid.3 counted one fatal chain" 1 "$(counter "${stats[3]}" drop_fatal)"
check "bystander vif$domid.1 received frames" \
	test "$(counter "${stats[1]}" to_guest_packets)" -gt 0 2>/dev/null
for c in ctrl_requests ctrl_refused ctrl_events; do
	got=$(counter "${stats[5]}" $c)
	check "ctrl vif$domid.5 counted $c (${got:-missing})" test "${got:-0}" -gt 0
done
# The state the requests that succeeded left: Toeplitz, the four hash
# types, the 40-byte key, a table of 4 entries for the vif's one queue.
check "ctrl vif$domid.5 hash state in debugfs" has "$ctrl_dbg" \
	'^hash: algorithm toeplitz flags 0xf key 40 bytes mapping 4 entries over 1 queue(s)$'
check "ctrl vif$domid.5 control ring stopped in debugfs" has "$ctrl_dbg" '^ring: .* broken$'
for c in mcast_add mcast_del mcast_refused to_guest_drop_mcast; do
	got=$(counter "${stats[6]}" $c)
	check "mcast vif$domid.6 counted $c (${got:-missing})" test "${got:-0}" -gt 0
done
# What the operations left: group A and the 63 that filled the list (the
# last 01:00:5e:5a:03:3e), not the group deleted, nor the 65th refused.
check "mcast vif$domid.6 filter on in debugfs" has "$mcast_dbg" '^filter: on$'
check "mcast vif$domid.6 list full in debugfs" has "$mcast_dbg" '^groups: 64 of 64$'
check "mcast vif$domid.6 lists group A" has "$mcast_dbg" '^01:00:5e:5a:02:01$'
check "mcast vif$domid.6 lists the 64th group" has "$mcast_dbg" '^01:00:5e:5a:03:3e$'
check "mcast vif$domid.6 lists not the deleted group" lacks "$mcast_dbg" '^01:00:5e:5a:02:02$'
check "mcast vif$domid.6 lists not the refused 65th" lacks "$mcast_dbg" '^01:00:5e:5a:03:3f$'
# Both queues of the hash vif carried frames to the guest (round 1 puts
# some on each), and its hashing is as the guest left it: off again, the
# four types, the key and the table of 8 kept, over both queues.
for q in 0 1; do
	got=$(counter "${stats[7]}" q${q}_to_guest_packets)
	check "hash vif$domid.7 queue $q counted to_guest_packets (${got:-missing})" \
		test "${got:-0}" -gt 0
done
check "hash vif$domid.7 hash state in debugfs" has "$hash_dbg" \
	'^hash: algorithm none flags 0xf key 40 bytes mapping 8 entries over 2 queue(s)$'
check "hash vif$domid.7 control ring still served" lacks "$hash_dbg" '^ring: .* broken$'

# Carrier: off where the backend disabled the vif, on for the bystander.
check_eq "victim vif$domid.0 carrier off" 0 "${carrier[0]}"
check_eq "bystander vif$domid.1 carrier on" 1 "${carrier[1]}"
check_eq "budget vif$domid.2 carrier off" 0 "${carrier[2]}"
check_eq "chain vif$domid.3 carrier off" 0 "${carrier[3]}"
check_eq "racer vif$domid.4 carrier off" 0 "${carrier[4]}"
check_eq "ctrl vif$domid.5 carrier off" 0 "${carrier[5]}"
check_eq "mcast vif$domid.6 carrier on" 1 "${carrier[6]}"
check_eq "hash vif$domid.7 carrier on" 1 "${carrier[7]}"

log=$(dmesg | tail -n +$((DMESG_MARK + 1)))
echo "$log" | grep -E "vif$domid\.[0-9]+: " | grep -vE ': domain [0-9]+: ' |
	sed 's/^/  dom0: /'
echo "$log" | grep -E "vif$domid\.[0-9]+: domain $domid: " | head -n 12 |
	sed 's/^/  dom0: /'
check "victim disabled: domain $domid broke the ring protocol" \
	has "$log" "vif$domid\.0: disabled: domain $domid broke the ring protocol (tx req_prod beyond the ring)"
check "budget vif disabled: domain $domid keeps sending bad packets" \
	has "$log" "vif$domid\.2: disabled: domain $domid keeps sending bad packets (runt)"
check "chain vif disabled: domain $domid broke the ring protocol" \
	has "$log" "vif$domid\.3: disabled: domain $domid broke the ring protocol (tx slot chain that never ends)"
check "racer vif disabled: domain $domid broke the ring protocol" \
	has "$log" "vif$domid\.4: disabled: domain $domid broke the ring protocol (rx req_prod beyond the ring)"
check "ctrl vif disabled: domain $domid broke the ring protocol" \
	has "$log" "vif$domid\.5: disabled: domain $domid broke the ring protocol (ctrl req_prod beyond the ring)"
check "bystander vif$domid.1 never disabled" lacks "$log" "vif$domid\.1: disabled"
check "mcast vif$domid.6 never disabled" lacks "$log" "vif$domid\.6: disabled"
check "hash vif$domid.7 never disabled" lacks "$log" "vif$domid\.7: disabled"
check "hash vif$domid.7 connected with 2 queues" has "$log" \
	"vif$domid\.7: connected to domain $domid (2 queue(s), "
check_eq "each vif but the bystander, mcast and hash disabled once" 5 \
	"$(grep -c "vif$domid\.[0-9]: disabled: " <<<"$log")"
# Refusals are logged naming the vif and the domain, rate-limited.
refused=0
for h in $HANDLES; do
	for c in drop_bad_offset drop_too_many_slots drop_hdr_split drop_zero_len \
		 drop_runt drop_oversize drop_bad_size drop_bad_extra drop_bad_gso \
		 drop_bad_gref drop_bad_csum to_guest_drop_bad_gref; do
		refused=$((refused + $(counter "${stats[$h]}" $c)))
	done
done
logged=$(dmesg -r | tail -n +$((DMESG_MARK + 1)) | grep -E '^<4>' |
	grep -cE "vif$domid\.[0-9]: domain $domid: [a-z]")
check "refusals logged naming vif and domain $domid ($logged lines)" test "$logged" -gt 0
check "refusals rate-limited ($logged logged of $refused refused)" test "$logged" -lt "$refused"

# The vifs go with the guest (scripts/domu destroyed it).
gone=0
for _ in $(seq 100); do
	ls -d /sys/class/net/vif$domid.* >/dev/null 2>&1 || { gone=1; break; }
	sleep 0.2
done
check_eq "vif$domid.0-7 removed with the guest" 1 "$gone"
# Mapped rings of the vifs, disabled ones too, would keep it dying.
check_eq "the hostile guest freed by Xen: nothing of it left mapped" 1 "$(domain_gone $domid)"
unload() {
	local i
	for i in $(seq 20); do
		rmmod $MOD 2>/dev/null && return 0
		sleep 0.5
	done
	return 1
}
check "xsplit-netback unloads after the hostile guest" unload
ip link del $BR
check "our other dom0 modules unload" unload_ours

# What the backend may say at warning level about this guest: refusals and
# the five vifs it disabled, each line naming the vif and the domain.
# Anything else fails.
noise() {
	grep -vE "vif$domid\.[0-7]: (domain $domid: |disabled: domain $domid )"
}
check_eq "nothing else at warning level or above" "" "$(dmesg_warnings | noise)"
finish
