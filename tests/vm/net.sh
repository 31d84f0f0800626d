#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# testbed-options: --timeout 720
#
# xsplit-netback serving the kernel's xen-netfront in PV guests started by
# stock xl, bridged in dom0 with dom0's own e1000. Checked: ping both
# ways, TCP both ways with and without segmentation offload and UDP, all
# by sha256 of what arrived; two queues both used; the guest leaving
# through the e1000 to QEMU's user network; a second guest under a rate
# limit (rate=), its vif detached under load and attached again with
# one shared event channel per queue, then the guest destroyed
# mid-transfer; xl save / xl restore of the first guest with traffic
# afterwards; counters in ethtool -S and sysfs; rmmod refused while
# connected; nothing left: Xen counts no grant of a detached vif still
# mapped and frees every guest that goes, and dom0 holds no ring mapping
# more than it did before the guests.
#
# A watchdog in the backend would serve rings whose notification went
# missing; the test checks it never had to (stall_kicks 0).
#
# Addresses: TEST-NET-1 (RFC 5737) on a bridge inside the emulated
# machine, and QEMU's user network (10.0.2.0/24) behind the e1000.

. /xsplit/tests/lib/vm.sh

BR=xsbr0
DOM0_IP=192.0.2.1
G1_IP=192.0.2.2
G2_IP=192.0.2.3
MAC1=00:16:3e:5a:01:01
MAC2=00:16:3e:5a:01:02
MOD=xsplit_netback
VIFSPEC="bridge=$BR, script=$XS/scripts/hotplug/vif-bridge"
sha() { sha256sum "$1" | cut -d' ' -f1; }
go() { busybox nc "$1" 5003 </dev/null >/dev/null; }
# stat VIF NAME: one ethtool -S counter.
stat() { ethtool -S "$1" | awk -v n="$2:" '$1 == n { print $2 }'; }
# vif_gone VIF: 1 once dom0 has no such net_device (within 10 s), else 0.
vif_gone() {
	local i
	for i in $(seq 50); do
		[ -e /sys/class/net/$1 ] || { echo 1; return; }
		sleep 0.2
	done
	echo 0
}
# pins DOMID: entries of the domain's grant table that are mapped now, as
# Xen itself counts them (its 'g' debug key prints each active entry),
# leaving out the 8 reserved ones (xenstored and xenconsoled map the
# guest's store and console pages through refs 0 and 1). The guests have
# no disk, so the rest are the vif rings we map. Empties Xen's console
# ring first, so that only this dump is read; keeps it in /tmp/pins.txt.
pins() {
	xl dmesg -c >/dev/null
	xl debug-keys g
	sleep 1
	xl dmesg >/tmp/pins.txt
	awk -v d="remote d$1 " '
		/grant-table for remote d/ { on = index($0, d) > 0; next }
		on && /\[0x[0-9a-f]+\]/ && !/\[0x00[0-7]\]/ { n++ }
		END { print n + 0 }' /tmp/pins.txt
}
# pins_dump DOMID: that dump's lines for the domain, for the log.
pins_dump() {
	awk -v d="remote d$1 " '/grant-table for remote d/ { on = index($0, d) > 0 }
		on' /tmp/pins.txt | head -n 20 | sed 's/^/# /'
}
# pins_settle DOMID WANT: pins, asked up to 5 times until it is WANT (an
# unmap may trail the net_device's going by a moment); the last answer.
pins_settle() {
	local i n
	for i in 1 2 3 4 5; do
		n=$(pins $1)
		[ "$n" = "$2" ] && break
	done
	echo "$n"
}
# rings_mapped: dom0's mappings of guests' ring pages (vmalloc areas).
rings_mapped() { grep -c xenbus_map_ring /proc/vmallocinfo; }

# diag VIF...: what the backend sees, after the first failed check.
diag_done=0
diag() {
	[ $T_FAIL -gt 0 ] && [ $diag_done = 0 ] || return 0
	diag_done=1
	{
		for v in "$@"; do
			echo "== ethtool -S $v (non-zero)"; ethtool -S $v | grep -v ': 0$'
			for f in /sys/kernel/debug/xsplit-netback/$v/*; do
				echo "== $f"; cat $f
			done
		done
		echo "== interrupts"; grep vif /proc/interrupts
		echo "== dmesg"; dmesg | grep -E "vif|xsplit" | tail -n 20
		echo "== guest 1"; tr -d '\r' <"$conlog" | tail -n 30
	} | sed 's/^/# /'
}

dmesg_mark
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
check "our dom0 modules loaded" load_ours
rings0=$(rings_mapped)
nic=$(ls /sys/bus/pci/devices/0000:00:06.0/net 2>/dev/null | head -n 1)
check "dom0's e1000 has a net device (${nic:-none})" test -n "$nic"
check "bridge $BR with dom0's e1000 in it" sh -c "ip link add $BR type bridge &&
	ip addr add $DOM0_IP/24 dev $BR && ip link set $BR up &&
	ip link set $nic master $BR && ip link set $nic up"

mkdir -p /tmp/www
head -c $((4 << 20)) /dev/urandom >/tmp/www/blob
head -c 30000 /dev/urandom >/tmp/www/small
head -c 48000 /dev/urandom >/tmp/udpblob
busybox httpd -p $DOM0_IP:8080 -h /tmp/www

name=$($DOMU --bg --timeout 400 --cfg "vcpus = 2" --bin socat --bin ethtool \
	--cfg "vif = ['mac=$MAC1, $VIFSPEC']" \
	$XS/tests/vm/guest/net-data.sh $G1_IP $DOM0_IP)
check "guest 1 created" test -n "$name"
[ -n "$name" ] || finish
domid=$(xl domid "$name")
vif=vif$domid.0
conlog=/var/log/xen/console/guest-$name.log
line() { tr -d '\r' <"$conlog" | grep "^$1 " | tail -n 1; }

check "guest 1 moved its data (up-ready)" $DOMU --timeout 300 --expect "$name" '^up-ready'
check "backend vif-$domid-0 bound to xsplit-netback" \
	sh -c "readlink /sys/bus/xen-backend/devices/vif-$domid-0/driver | grep -q xsplit-netback"
check "$vif is in $BR" test -e /sys/class/net/$BR/brif/$vif
check "connected with 2 queues, split event channels, SG and GSO" \
	sh -c "dmesg | grep -q '$vif: connected to domain $domid (2 queue(s), split event channels, sg, gso-tcpv4, gso-tcpv6)'"
check_eq "dom0 maps guest 1's rings, 2 per queue, as vmalloc areas" $((rings0 + 4)) "$(rings_mapped)"
check_eq "guest has the configured MAC" "mac $MAC1" "$(line mac)"
check_eq "guest's netfront uses 2 queues" "queues 2" "$(line queues)"
check_eq "guest pinged dom0: 3 of 3" "ping 3" "$(line ping)"
check_eq "guest pinged dom0 with 8000 bytes (fragments): 2 of 2" "bigping 2" "$(line bigping)"
# Without a working path the rest only times out: say what we see, stop.
if [ "$(line ping)" != "ping 3" ]; then
	{
		echo "== ethtool -S $vif (non-zero)"; ethtool -S $vif | grep -v ': 0$'
		for f in /sys/kernel/debug/xsplit-netback/$vif/*; do
			echo "== $f"; cat $f
		done
		echo "== xenstore frontend"; xenstore-ls /local/domain/$domid/device/vif
		echo "== interrupts"; grep vif /proc/interrupts
		echo "== bridge"; bridge link
		echo "== ip -s link $vif"; ip -s link show $vif
		echo "== dmesg"; dmesg | grep -E "vif|xsplit"
		echo "== guest console"; tr -d '\r' <"$conlog" | tail -n 30
	} | sed 's/^/# /'
	xl destroy "$name"
	finish
fi
check "dom0 pings the guest: 3 of 3" sh -c "busybox ping -c 3 -W 5 $G1_IP | grep -q ' 3 packets received'"
check_eq "dom0 to guest over TCP: 4 MiB intact" "down $(sha /tmp/www/blob)" "$(line down)"
small12=$(for i in $(seq 12); do cat /tmp/www/small; done | sha256sum | cut -d' ' -f1)
check_eq "dom0 to guest: 12 parallel flows intact" "small $small12" "$(line small)"

read -r _ up_sha small_sha <<<"$(line up-ready)"
wget -q -T 20 -t 2 -O /tmp/up http://$G1_IP:8080/up
check_eq "guest to dom0 over TCP: 4 MiB intact" "$up_sha" "$(sha /tmp/up)"
ok_small=0
for i in $(seq 12); do
	wget -q -T 20 -t 2 -O /tmp/gsmall$i http://$G1_IP:8080/small &
done
wait
for i in $(seq 12); do
	[ "$(sha /tmp/gsmall$i)" = "$small_sha" ] && ok_small=$((ok_small + 1))
done
check_eq "guest to dom0: 12 parallel flows intact" 12 "$ok_small"
diag $vif

gso_in=$(stat $vif from_guest_gso)
gso_out=$(stat $vif to_guest_gso)
check "GSO packets from the guest (${gso_in:-none})" test "${gso_in:-0}" -gt 0
check "GSO packets to the guest (${gso_out:-none})" test "${gso_out:-0}" -gt 0
for q in 0 1; do
	n=$(( $(stat $vif q${q}_from_guest_packets) + $(stat $vif q${q}_to_guest_packets) ))
	check "queue $q carried packets ($n)" test "$n" -gt 0
done

go $G1_IP
check "guest listens for UDP" $DOMU --timeout 60 --expect "$name" '^udp-ready'
check "dom0 sends 48000 bytes of UDP" socat -u -b 8192 FILE:/tmp/udpblob UDP-SENDTO:$G1_IP:5004
go $G1_IP
check "guest got the UDP data" $DOMU --timeout 60 --expect "$name" '^udp '
check_eq "UDP from dom0 intact" "udp $(sha /tmp/udpblob)" "$(line udp)"

check "guest 1 reached QEMU's user network (DONE)" $DOMU --timeout 90 --expect "$name" '^DONE'
check "guest leased an address through dom0's e1000 ($(line dhcp))" \
	sh -c "tr -d '\r' <$conlog | grep -q '^dhcp 10\.0\.2\.'"
check_eq "guest pinged QEMU's gateway through the e1000: 3 of 3" "gateway 3" "$(line gateway)"

# A second guest on the bridge, its vif limited to 64 KiB/s from the
# guest: talks to the first, serves a file under its limit, loses its vif
# mid-download and gets it back, then is destroyed mid-download.
cat >/tmp/g2.sh <<G2
. /lib/xsplit/guest-lib.sh
received() { grep -o '[0-9]* packets received' | cut -d' ' -f1; }
up() {
	wait_for /sys/class/net/eth0 \${1:-30} || exit 1
	ip addr add $G2_IP/24 dev eth0
	ip link set eth0 up
}
up
echo "g2ping \$(ping -c 3 -W 5 $G1_IP | received)"
wget -q -O /tmp/small http://$G1_IP:8080/small && echo "g2small \$(sha256sum /tmp/small | cut -d' ' -f1)"
mkdir -p /tmp/www
head -c 262144 /dev/urandom >/tmp/www/r
httpd -p 8080 -h /tmp/www
echo "g2serve \$(sha256sum /tmp/www/r | cut -d' ' -f1)"
# (busybox wget has no timeout: the downloads go on in the background,
# and what is stuck when eth0 goes is killed.)
( while :; do wget -q -O /dev/null http://$DOM0_IP:8080/blob; done ) &
busy=\$!
echo "g2busy"
while [ -e /sys/class/net/eth0 ]; do sleep 0.2; done
kill \$busy
killall wget 2>/dev/null
echo "g2detached"
up 120
echo "g2back \$(ping -c 3 -W 5 $DOM0_IP | received)"
while :; do wget -q -O /dev/null http://$DOM0_IP:8080/blob; done
G2
name2=$($DOMU --bg --timeout 300 --cfg "vif = ['mac=$MAC2, rate=64KB/s, $VIFSPEC']" /tmp/g2.sh)
check "guest 2 created" test -n "$name2"
domid2=$(xl domid "$name2" 2>/dev/null)
check "guest 2 is busy downloading" $DOMU --timeout 200 --expect "$name2" '^g2busy'
log2=$(tr -d '\r' </var/log/xen/console/guest-$name2.log)
check_eq "guest 2 pinged guest 1 across the bridge: 3 of 3" "g2ping 3" "$(grep '^g2ping ' <<<"$log2")"
check_eq "guest 2 fetched a file from guest 1 intact" "g2small $small_sha" "$(grep '^g2small ' <<<"$log2")"
if [ "$(grep '^g2ping ' <<<"$log2")" != "g2ping 3" ]; then
	{
		for v in vif$domid2.0 $vif; do
			echo "== ethtool -S $v (non-zero)"; ethtool -S $v | grep -v ': 0$'
			for f in /sys/kernel/debug/xsplit-netback/$v/*; do
				echo "== $f"; cat $f
			done
		done
		echo "== xenstore backend"; xenstore-ls /local/domain/0/backend/vif/$domid2
		echo "== xenstore frontend"; xenstore-ls /local/domain/$domid2/device/vif
		echo "== interrupts"; grep vif /proc/interrupts
		echo "== guest 2"; tail -n 30 <<<"$log2"
	} | sed 's/^/# /'
fi

# The rate limit: 256 KiB from guest 2 at 64 KB/s take about 4 s; at
# least 3/4 of what the rate xl wrote allows (one period may go at once).
vif2=vif$domid2.0
rate=$(dmesg | sed -n "s/.*$vif2: domain $domid2 may send \([0-9]*\) bytes per \([0-9]*\) us.*/\1 \2/p" | tail -n 1)
check "guest 2's backend took its rate (${rate:-none})" test -n "$rate"
read -r rbytes rusec <<<"${rate:-1 0}"
min_ms=$((262144 * (rusec / 1000) / rbytes * 3 / 4))
t0=$(date +%s%N)
wget -q -T 30 -t 1 -O /tmp/g2r http://$G2_IP:8080/r
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "guest 2's file under the limit intact" "$(grep '^g2serve ' <<<"$log2")" "g2serve $(sha /tmp/g2r)"
check "256 KiB under the limit took ${ms} ms, at least $min_ms" \
	test "$min_ms" -gt 1000 -a "$ms" -ge "$min_ms"
check "the limit held guest 2 back (rate_waits $(stat $vif2 rate_waits))" \
	test "$(stat $vif2 rate_waits)" -gt 0

# Detach under load, attach again: the guest's netfront reconnects.
check "xl network-detach of guest 2's busy vif" xl network-detach "$name2" 0
check_eq "$vif2 removed after the detach" 1 "$(vif_gone $vif2)"
check_eq "no grant of guest 2 left mapped after the detach (Xen's count)" 0 "$(pins_settle $domid2 0)"
pins_dump $domid2
# The new vif without split channels: netfront then shares one per queue.
echo 0 >/sys/module/$MOD/parameters/split_event_channels
check "guest 2 saw its eth0 go" $DOMU --timeout 60 --expect "$name2" '^g2detached'
check "xl network-attach to guest 2" xl network-attach "$name2" mac=$MAC2 bridge=$BR \
	script=$XS/scripts/hotplug/vif-bridge
check "guest 2 back on the network" $DOMU --timeout 90 --expect "$name2" '^g2back '
log2=$(tr -d '\r' </var/log/xen/console/guest-$name2.log)
check_eq "guest 2 pinged dom0 after the attach: 3 of 3" "g2back 3" "$(grep '^g2back ' <<<"$log2")"
vif2=$(cd /sys/class/net && ls -d vif$domid2.* 2>/dev/null | head -n 1)
check "the new vif ($vif2) is ours and in $BR" \
	sh -c "test -e /sys/class/net/$BR/brif/$vif2 && ethtool -i $vif2 | grep -q 'driver: xsplit'"
echo 1 >/sys/module/$MOD/parameters/split_event_channels
check "the new vif shares one event channel per queue" \
	sh -c "dmesg | grep -q '$vif2: connected to domain $domid2 ([0-9]* queue(s), shared event channels'"
nq=$(xenstore-read /local/domain/$domid2/device/vif/${vif2##*.}/multi-queue-num-queues 2>/dev/null || echo 1)
check_eq "guest 2's rings mapped again, 2 per queue (Xen's count)" $((2 * nq)) "$(pins_settle $domid2 $((2 * nq)))"
pins_dump $domid2
sleep 2
check "guest 2 destroyed mid-transfer" xl destroy "$name2"
check_eq "$vif2 removed after the destroy" 1 "$(vif_gone $vif2)"
check_eq "guest 2 freed by Xen: nothing of it left mapped" 1 "$(domain_gone $domid2)"
check "guest 1 still answers" sh -c "busybox ping -c 3 -W 5 $G1_IP | grep -q ' 3 packets received'"

# Segmentation offload off on the vif (to the guest) and in the guest.
# (Counted from here: guest 2's fetch from guest 1 was GSO too.)
gso_in=$(stat $vif from_guest_gso)
gso_out=$(stat $vif to_guest_gso)
check "ethtool -K $vif tso off gso off" ethtool -K $vif tso off gso off
go $G1_IP
check "guest 1 repeated the transfers (up2-ready)" $DOMU --timeout 120 --expect "$name" '^up2-ready'
check_eq "guest turned its TSO off" "offload off" "$(line offload)"
check_eq "without GSO, dom0 to guest: 4 MiB intact" "down2 $(sha /tmp/www/blob)" "$(line down2)"
check_eq "without GSO: no new GSO packet to the guest" "$gso_out" "$(stat $vif to_guest_gso)"
wget -q -T 20 -t 2 -O /tmp/up2 http://$G1_IP:8080/up
check_eq "without GSO, guest to dom0: 4 MiB intact" "$up_sha" "$(sha /tmp/up2)"
check_eq "without GSO: no new GSO packet from the guest" "$gso_in" "$(stat $vif from_guest_gso)"
ethtool -K $vif tso on gso on >/dev/null

# Counters.
for s in from_guest_packets from_guest_bytes to_guest_packets to_guest_bytes \
	 from_guest_csum_blank tx_events rx_events; do
	v=$(stat $vif $s)
	check "ethtool -S $vif: $s counted (${v:-none})" test "${v:-0}" -gt 0
done
for s in drop_bad_offset drop_too_many_slots drop_hdr_split drop_bad_gref \
	 drop_bad_csum to_guest_drop_bad_gref to_guest_drop_too_big; do
	check_eq "ethtool -S $vif: $s is 0" 0 "$(stat $vif $s)"
done
sysfs=/sys/bus/xen-backend/devices/vif-$domid-0/statistics
check "sysfs statistics/ has from_guest_packets" test "$(cat $sysfs/from_guest_packets)" -gt 0
check "ip -s link counts the guest's packets" \
	test "$(cat /sys/class/net/$vif/statistics/rx_packets)" -gt 0

kicks=$(stat $vif stall_kicks)
check_eq "no lost notification: the watchdog never stepped in" 0 "$kicks"
check "rmmod refused while a guest is connected" sh -c "! rmmod $MOD 2>/dev/null"
ethtool -S $vif | grep -v ': 0$' | sed 's/^/# /'
# Where notifications go: dom0's view of each channel, Xen's view of both
# domains' ports (pending/masked), the ring indices.
{
	grep vif /proc/interrupts
	for f in events spurious_events jiffies_eoi_delayed spurious_threshold; do
		echo "$f $(cat /sys/bus/xen-backend/devices/vif-$domid-0/$f 2>/dev/null)"
	done
	cat /sys/kernel/debug/xsplit-netback/$vif/*
	if [ "${kicks:-0}" != 0 ]; then
		xl debug-keys e
		xl dmesg | tail -n 120 | grep -E "Event channel|port|^\(XEN\) +[0-9]+ \[" | tail -n 80
	fi
} 2>&1 | sed 's/^/# /'

# xl save / xl restore: the restored guest's netfront connects to a new
# vif, and traffic goes on.
go $G1_IP
check "guest 1 waits to be saved" $DOMU --timeout 60 --expect "$name" '^restore-ready'
check "xl save of guest 1" sh -c "xl save $name /tmp/net-save.img >/tmp/xl-save.log 2>&1 || { cat /tmp/xl-save.log; false; }"
check_eq "$vif removed with the saved domain" 1 "$(vif_gone $vif)"
check_eq "the saved domain freed by Xen" 1 "$(domain_gone $domid)"
check "xl restore of guest 1" sh -c "xl restore /tmp/net-save.img >/tmp/xl-save.log 2>&1 || { cat /tmp/xl-save.log; false; }"
rm -f /tmp/net-save.img
domid=$(xl domid "$name" 2>/dev/null)
vif=vif$domid.0
up=0
for i in $(seq 150); do
	dmesg | grep -q "$vif: connected to domain $domid " && { up=1; break; }
	sleep 0.4
done
check_eq "restored guest connected to $vif" 1 "$up"
check "$vif is in $BR" test -e /sys/class/net/$BR/brif/$vif
go $G1_IP
check "restored guest fetched 4 MiB (down3)" $DOMU --timeout 120 --expect "$name" '^ping3 '
check_eq "restored guest: 4 MiB from dom0 intact" "down3 $(sha /tmp/www/blob)" "$(line down3)"
check_eq "restored guest pinged dom0: 3 of 3" "ping3 3" "$(line ping3)"
go $G1_IP
check "guest 1 at its end" $DOMU --timeout 60 --expect "$name" '^END'
go $G1_IP
out=$($DOMU --timeout 60 --wait "$name")
check_eq "guest 1 ended cleanly" 0 "$?"
check_eq "$vif removed with guest 1" 1 "$(vif_gone $vif)"
check_eq "guest 1 freed by Xen" 1 "$(domain_gone $domid)"
check_eq "dom0 maps no ring pages it did not map before the guests" "$rings0" "$(rings_mapped)"

pkill -f "busybox httpd -p $DOM0_IP:8080"
ip link set $nic nomaster
ip link del $BR
check "our dom0 modules unload" unload_ours
warn=$(dmesg_warnings)
check_eq "no kernel warnings" "" "$warn"
finish
