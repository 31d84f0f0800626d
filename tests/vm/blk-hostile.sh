#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hostile block frontend against the block backend: a PV domU with three
# disks runs tests/kmod/blk-hostile.c instead of the kernel's xen-blkfront.
# It speaks blkif itself: valid and malformed requests, requests rewritten
# while the backend reads them, an event storm, a full ring, and last a
# producer index that makes the backend give up the first disk, while the
# second must go on working. The third, xvdc, speaks protocol x86_32-abi:
# its ring is laid out as a 32-bit guest's, and most of the same cases run
# on it in that layout (named abi32-*). The fourth, xvdd, negotiates
# persistent grants and reuses them as blkfront does; the data, grant,
# indirect and ring cases run on it (named persist-*), with dom0 keeping
# at most 24 grants mapped per ring, so that both the zero-copy path and
# the copying one serve it. The guest checks every answer; dom0
# must survive it all, log the refusals rate-limited, hold exactly the data
# the guest was allowed to write, and unload the backend afterwards.
#
#   tests/vm/blk-hostile.sh [ours|intree]
#
# ours (the default) is xsplit-blkback. intree is the kernel's xen-blkback,
# the reference the guest module was developed against: its answers differ
# in places, and the guest module then judges with intree=1. The test bed
# passes no environment into dom0, so it is chosen by the argument:
#   scripts/testbed run tests/vm/blk-hostile.sh intree
# (XSPLIT_BLK_BACKEND=intree works where the environment does reach.)

. /xsplit/tests/lib/vm.sh

BACKEND=${1:-${XSPLIT_BLK_BACKEND:-ours}}
HOSTILE_KO=$XS/tests/kmod/xsplit-test-blk-hostile.ko
GUEST=$XS/tests/vm/guest/blk-hostile.sh
# Cases in tests/kmod/blk-hostile.c with four disks (105 on xvda and xvdb,
# 88 on xvdc's 32-bit ring, 42 on xvdd with persistent grants): fewer
# means some never ran.
MIN_CASES=235
SIZE_MB=64
SECTORS=$((SIZE_MB * 2048))
# Device numbers of xvda to xvdd: the guest's pattern words carry them.
# xvdc is the disk on the 32-bit ring, xvdd the one with persistent grants.
DEVID_A=51712
DEVID_B=51728
DEVID_C=51744
DEVID_D=51760
IMG=/tmp/xsplit-blk-hostile-a.img
IMG_C=/tmp/xsplit-blk-hostile-c.img
IMG_D=/tmp/xsplit-blk-hostile-d.img

case $BACKEND in
ours|intree) ;;
*) echo "blk-hostile: backend must be ours or intree, not '$BACKEND'" >&2; exit 2 ;;
esac
echo "backend: $BACKEND"

# pattern DEVID: a disk's content before the guest starts. Each 512-byte
# sector holds 64 copies of the little-endian word DEVID << 40 | sector.
pattern() {
	perl -e 'my ($id, $n) = @ARGV; binmode STDOUT;
		for my $s (0 .. $n - 1) { print pack("Q<", $id << 40 | $s) x 64 }' \
		"$1" $SECTORS
}

# verify DEV DEVID NAME LOG: "SECTORS BAD FIRST-BAD OWN" for the disk as
# it is now. Sectors the guest said it wrote ("wrote NAME FIRST COUNT" in
# LOG) must hold the complement of the pattern word, sectors it asked to
# discard may hold anything, every other sector the pattern.
verify() {
	dd if="$1" bs=1M iflag=direct status=none | perl -e '
		my ($id, $name, $log) = @ARGV;
		my (%own, %skip);
		open(my $fh, "<", $log) or die "$log: $!";
		while (<$fh>) {
			next unless /xsplit-blk-hostile: (wrote|discarded) (\S+) (\d+) (\d+)$/;
			next unless $2 eq $name;
			my $set = $1 eq "wrote" ? \%own : \%skip;
			$set->{$_} = 1 for $3 .. $3 + $4 - 1;
		}
		binmode STDIN;
		my ($s, $bad, $first, $buf) = (0, 0, "-", "");
		while (read(STDIN, $buf, 512) == 512) {
			my $w = $id << 40 | $s;
			$w = ~$w if $own{$s};
			if (!$skip{$s} && $buf ne pack("Q<", $w) x 64) {
				$first = $s if !$bad++;
			}
			$s++;
		}
		printf "%d %d %s %d\n", $s, $bad, $first, scalar(keys %own);
	' "$2" "$3" "$4"
}

dmesg_mark
if [ "$BACKEND" = ours ]; then
	# Persistent grants offered: xvdd's cases need them.
	check "insmod xsplit-blkback feature_persistent=1" insmod "$(ko_path blkback)" feature_persistent=1
else
	check "modprobe xen-blkback" modprobe xen-blkback
fi

# xvda: a loop device on a file in dom0's tmpfs (write cache and discard:
# the backend can advertise flush and discard). xvdb: a brd ramdisk (no
# write cache, no discard), or a second loop device if there is no brd.
# xvdc and xvdd: loop devices on files of their own, like xvda.
pattern $DEVID_A >$IMG
check "modprobe loop" modprobe loop
disk_a=$(losetup -f --show $IMG)
check "loop device for xvda" test -b "$disk_a"
if modprobe brd rd_nr=1 rd_size=$((SIZE_MB * 1024)) 2>/dev/null &&
   [ -b /dev/ram0 ]; then
	disk_b=/dev/ram0
	pattern $DEVID_B | dd of=$disk_b bs=1M oflag=direct status=none
else
	echo "no brd: xvdb is a second loop device"
	pattern $DEVID_B >$IMG.b
	disk_b=$(losetup -f --show $IMG.b)
fi
check "backing device for xvdb" test -b "$disk_b"
pattern $DEVID_C >$IMG_C
disk_c=$(losetup -f --show $IMG_C)
check "loop device for xvdc" test -b "$disk_c"
pattern $DEVID_D >$IMG_D
disk_d=$(losetup -f --show $IMG_D)
check "loop device for xvdd" test -b "$disk_d"
check_eq "xvda holds its pattern" "$SECTORS 0 - 0" \
	"$(verify "$disk_a" $DEVID_A xvda /dev/null)"
check_eq "xvdb holds its pattern" "$SECTORS 0 - 0" \
	"$(verify "$disk_b" $DEVID_B xvdb /dev/null)"
check_eq "xvdc holds its pattern" "$SECTORS 0 - 0" \
	"$(verify "$disk_c" $DEVID_C xvdc /dev/null)"
check_eq "xvdd holds its pattern" "$SECTORS 0 - 0" \
	"$(verify "$disk_d" $DEVID_D xvdd /dev/null)"
# Few kept grants: xvdd's later pages are copied, alone or beside kept ones.
if [ "$BACKEND" = ours ]; then
	pgnt=/sys/module/$(ko_name blkback)/parameters/max_persistent_grants
else
	pgnt=/sys/module/xen_blkback/parameters/max_persistent_grants
fi
pgnt_was=$(cat $pgnt)
check "at most 24 persistent grants per ring" sh -c "echo 24 >$pgnt"

spec() {	# VDEV TARGET
	echo "'format=raw, vdev=$1, access=rw, script=$XS/scripts/hotplug/block, target=$2'"
}
params="ndevs=4 abi32=$DEVID_C persist=$DEVID_D"
[ "$BACKEND" = intree ] && params="$params intree=1"
# In the background only to learn the domain ID the backend logs.
name=$($DOMU --bg --no-load xen-blkfront \
	--cfg "disk = [$(spec xvda "$disk_a"), $(spec xvdb "$disk_b"), $(spec xvdc "$disk_c"), $(spec xvdd "$disk_d")]" \
	--file $HOSTILE_KO $GUEST $params)
check "hostile guest created" test -n "$name"
domid=$(xl domid "$name")
# xvdd's counters while it lasts: the vbd goes with the guest.
stats_d=/sys/bus/xen-backend/devices/vbd-$domid-$DEVID_D/statistics
rm -f /tmp/blk-hostile-d.stats
(while :; do
	# Both or neither: the vbd may go between the two reads.
	zc=$(cat $stats_d/zero_copy_req 2>/dev/null) &&
		hits=$(cat $stats_d/persistent_hits 2>/dev/null) &&
		echo "$zc $hits" >/tmp/blk-hostile-d.stats.new &&
		mv /tmp/blk-hostile-d.stats.new /tmp/blk-hostile-d.stats
	sleep 1
done) &
poller=$!
out=$($DOMU --timeout 300 --wait "$name")
rc=$?
kill $poller
wait $poller 2>/dev/null
echo "$out" | sed 's/^/  guest: /'
check_eq "hostile guest script ended well" 0 "$rc"

# One check per case, named after it (a here-string: dom0 has no /dev/fd).
while read -r _ _ case verdict rest; do
	[ -n "$case" ] || continue
	check_eq "hostile case $case" ok "$verdict${rest:+ $rest}"
done <<<"$(echo "$out" | grep '^xsplit-blk-hostile: case ')"
done_line=$(echo "$out" | grep -m1 '^xsplit-blk-hostile: done ')
tried=$(echo "$done_line" | awk '{ print $3 }')
passed=$(echo "$done_line" | awk '{ print $5 }')
check "guest finished its run" test -n "$done_line"
check "at least $MIN_CASES cases tried (tried ${tried:-none})" \
	test "${tried:-0}" -ge $MIN_CASES
check_eq "every case passed" "$tried" "$passed"
check_eq "one ok line per case" "$tried" \
	"$(echo "$out" | grep -c '^xsplit-blk-hostile: case [^ ]* ok$')"

# The guest is gone (scripts/domu destroyed it): the disks hold what it
# was allowed to write, where it wrote it, and nothing else changed.
echo "$out" >/tmp/blk-hostile-guest.log
res_a=$(verify "$disk_a" $DEVID_A xvda /tmp/blk-hostile-guest.log)
res_b=$(verify "$disk_b" $DEVID_B xvdb /tmp/blk-hostile-guest.log)
res_c=$(verify "$disk_c" $DEVID_C xvdc /tmp/blk-hostile-guest.log)
res_d=$(verify "$disk_d" $DEVID_D xvdd /tmp/blk-hostile-guest.log)
echo "  data: xvda $res_a, xvdb $res_b, xvdc $res_c, xvdd $res_d (sectors, bad, first bad, written by the guest)"
check_eq "xvda: the guest's writes and only those (sectors, bad, first bad)" \
	"$SECTORS 0 -" "$(echo "$res_a" | cut -d' ' -f1-3)"
check "xvda: the guest's writes are there" test "$(echo "$res_a" | cut -d' ' -f4)" -gt 0
check_eq "xvdb: the guest's writes and only those (sectors, bad, first bad)" \
	"$SECTORS 0 -" "$(echo "$res_b" | cut -d' ' -f1-3)"
check "xvdb: the guest's writes are there" test "$(echo "$res_b" | cut -d' ' -f4)" -gt 0
check_eq "xvdc: the guest's writes and only those (sectors, bad, first bad)" \
	"$SECTORS 0 -" "$(echo "$res_c" | cut -d' ' -f1-3)"
check "xvdc: the guest's writes are there" test "$(echo "$res_c" | cut -d' ' -f4)" -gt 0
check_eq "xvdd: the guest's writes and only those (sectors, bad, first bad)" \
	"$SECTORS 0 -" "$(echo "$res_d" | cut -d' ' -f1-3)"
check "xvdd: the guest's writes are there" test "$(echo "$res_d" | cut -d' ' -f4)" -gt 0
if [ "$BACKEND" = ours ]; then
	read -r zc hits _ </tmp/blk-hostile-d.stats 2>/dev/null
	check "xvdd: requests served zero copy (${zc:-none})" test "${zc:-0}" -gt 0
	check "xvdd: segments through kept mappings (${hits:-none})" test "${hits:-0}" -gt 0
fi
echo "$pgnt_was" >$pgnt

# The backend's story, its first refusals and how the ring ended.
backend_lines=$(dmesg | grep -E "domain $domid([^0-9]|\$)|vbd-$domid-|xen-blkback")
{
	echo "$backend_lines" | grep -v refused | head -n 20
	echo "$backend_lines" | grep refused | head -n 10
	echo "$backend_lines" | grep -E 'disconnect|bogus|vbd-[0-9]+-[0-9]+: -?[0-9]+ ' | head -n 10
} | awk '!seen[$0]++' | sed 's/^/  dom0: /'
# The refusals, logged naming the vbd and the guest's domain, and
# rate-limited. The in-tree backend logs its refusals at debug level only,
# so there they are not checked.
refused=$(echo "$out" | grep -m1 '^xsplit-blk-hostile: refused ' | awk '{ print $3 }')
logged=$(dmesg -r | tail -n +$((DMESG_MARK + 1)) | grep -E '^<[0-4]>' |
	grep -cE "vbd-$domid-[0-9]+: domain $domid: request [0-9]+ \(op [0-9]+, [0-9]+ segments, sector [0-9]+\) refused: [a-z]")
if [ "$BACKEND" = ours ]; then
	check "backend logged refusals naming vbd and domain $domid" test "$logged" -gt 0
	check "refusals rate-limited ($logged logged of ${refused:-?} refused)" \
		test "$logged" -lt "${refused:-0}"
	check "the ring was disconnected with a message naming the domain" \
		sh -c "dmesg | grep -q 'vbd-$domid-$DEVID_A: domain $domid: request producer index out of range; ring disconnected'"
else
	echo "  (refusal log not checked: xen-blkback logs refusals at debug level; $logged lines, ${refused:-?} refused)"
fi

# The backend goes away with the domain, a moment after xl destroy.
for _ in $(seq 100); do
	xenstore-exists /local/domain/0/backend/vbd/$domid 2>/dev/null || break
	sleep 0.1
done
unload() {
	local i
	for i in $(seq 20); do
		if [ "$BACKEND" = ours ]; then
			rmmod "$(ko_name blkback)" 2>/dev/null && return 0
		else
			modprobe -r xen-blkback 2>/dev/null && return 0
		fi
		sleep 0.5
	done
	return 1
}
check "the backend unloads after the hostile guest" unload

# What the backend is allowed to say at warning level: its refusals and
# its giving up the ring, naming the domain or the guest's device (and,
# in-tree, its two unnamed warnings). Anything else fails.
noise() {
	if [ "$BACKEND" = ours ]; then
		grep -vE "domain $domid([^0-9]|\$)|vbd-$domid-[0-9]+: "
	else
		grep -vE 'xen-blkback: (Frontend provided bogus ring requests|access denied: DISCARD)'
	fi
}
check_eq "nothing else at warning level or above" "" "$(dmesg_warnings | noise)"

losetup -d "$disk_a"
losetup -d "$disk_c" "$disk_d"
[ "$disk_b" = /dev/ram0 ] && rmmod brd 2>/dev/null
[ "$disk_b" != /dev/ram0 ] && losetup -d "$disk_b"
rm -f $IMG $IMG.b $IMG_C $IMG_D /tmp/blk-hostile-guest.log /tmp/blk-hostile-d.stats*
finish
