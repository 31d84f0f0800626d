#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Block backends in one boot, one at a time (never both for the vbd type):
#
# 1. The peer: the kernel's xen-blkback serves the nvme disk to the
#    kernel's xen-blkfront; data both ways, compared by checksum.
# 2. Ours, offering persistent grants (feature_persistent=1, so that most
#    requests are served zero copy from kept mappings): xsplit-blkback
#    serves three disks to one guest's stock
#    xen-blkfront, each backed by a different dom0 driver: the nvme disk,
#    a loop device on a tmpfs file and a brd ramdisk. blkfront runs with
#    its defaults (indirect requests, persistent grants, one-page rings)
#    on two queues (the guest has 2 vCPUs). The guest reads random ranges
#    dom0 filled and writes random ranges, half O_DIRECT and half through
#    its page cache; dom0 checks every range on the backing device, sees
#    the flush and the discard arrive there, detaches and re-attaches a
#    disk three times, grows it under the running guest, and cannot rmmod
#    our backend while a guest is connected.
# 3. Ours reloaded with its defaults (grant copy, no persistent grants):
#    a guest whose blkfront runs on one queue (1 vCPU) of a 16-page ring
#    without indirect requests or persistent grants does the same random
#    reads and writes (checked by dom0), sees a disk of 4 KiB sectors, a
#    read-only one and a cdrom on a removable dom0 disk (scsi_debug) as
#    such, gets I/O errors where its
#    backing device fails them (a dm error target), survives xl save /
#    xl restore with its data, runs slower on a disk under an I/O limit
#    (set through xenstore and sysfs) than on one without, has a disk
#    detached while it is busy on it (the other keeps working), and is
#    then destroyed with I/O in flight: every vbd and ring thread goes, and
#    the module unloads and reloads.

. /xsplit/tests/lib/vm.sh

MOD=$(ko_name blkback)
MiB=1048576
HOTPLUG="script=$XS/scripts/hotplug/block"
disk=$(nvme_disk)
check "nvme scratch disk present" test -b "$disk"

# check_rounds DISK BACKING LOG: blk-rounds.sh's reads match dom0's copy
# of what it filled DISK with, its writes are on the backing device.
check_rounds() {
	local d=$1 dev=$2 log=$3 bad=0 n=0 sec len sum want got
	while read -r _ _ sec len sum; do
		n=$((n + 1))
		want=$(dd if=/tmp/fill-$d bs=512 skip=$sec count=$len status=none | sha256sum | cut -d' ' -f1)
		[ "$want" = "$sum" ] || { echo "  $d read at $sec+$len: guest $sum, dom0 $want"; bad=$((bad + 1)); }
	done <<<"$(grep "^r $d " <<<"$log")"
	check_eq "$d: 8 random reads match what dom0 wrote" "8 0" "$n $bad"
	bad=0 n=0
	while read -r _ _ sec len sum; do
		n=$((n + 1))
		got=$(dd if="$dev" bs=512 skip=$sec count=$len iflag=direct status=none | sha256sum | cut -d' ' -f1)
		[ "$got" = "$sum" ] || { echo "  $d write at $sec+$len: guest $sum, disk $got"; bad=$((bad + 1)); }
	done <<<"$(grep "^w $d " <<<"$log")"
	check_eq "$d: 8 random writes are on the backing device" "8 0" "$n $bad"
}

# ---- 1. the in-tree peer ------------------------------------------------
check "in-tree xen-blkback loaded" modprobe xen-blkback
head -c $((16 * MiB)) /dev/urandom >/tmp/to-guest
dd if=/tmp/to-guest of="$disk" bs=1M oflag=direct conv=fsync status=none
want_read=$(sha256sum </tmp/to-guest | cut -d' ' -f1)
cat >/tmp/peer.sh <<'EOF'
. /lib/xsplit/guest-lib.sh
wait_for /dev/xvda || exit 1
echo "size $(cat /sys/block/xvda/size)"
echo "read $(head -c 16777216 /dev/xvda | sha256sum | cut -d' ' -f1)"
head -c 8388608 /dev/urandom >/tmp/from-guest
dd if=/tmp/from-guest of=/dev/xvda bs=1048576 seek=32 conv=fsync 2>/dev/null
echo "wrote $(sha256sum </tmp/from-guest | cut -d' ' -f1)"
EOF
out=$($DOMU --cfg "disk = ['format=raw, vdev=xvda, access=rw, $HOTPLUG, target=$disk']" /tmp/peer.sh)
rc=$?
echo "$out" | sed 's/^/  peer guest: /'
check_eq "peer: guest script succeeded" 0 "$rc"
sectors=$(( $(blockdev --getsize64 "$disk") / 512 ))
check_eq "peer: guest sees the whole disk" "size $sectors" "$(grep '^size' <<<"$out")"
check_eq "peer: guest reads what dom0 wrote (sha256 of 16 MiB)" "read $want_read" "$(grep '^read' <<<"$out")"
got=$(dd if="$disk" bs=1M skip=32 count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)
check_eq "peer: dom0 reads what the guest wrote (sha256 of 8 MiB)" "$(grep '^wrote' <<<"$out")" "wrote $got"
check "in-tree xen-blkback unloads" modprobe -r xen-blkback

# ---- 2. ours, three backing drivers ------------------------------------
dmesg_mark
check "insmod xsplit-blkback feature_persistent=1" insmod "$(ko_path blkback)" feature_persistent=1
mkdir -p /run/xsplit-blk && mount -t tmpfs -o size=80m none /run/xsplit-blk
truncate -s 64M /run/xsplit-blk/loop.img
modprobe loop
loop=$(losetup -f --show /run/xsplit-blk/loop.img)
check "loop device on a tmpfs file" test -b "$loop"
[ -b "$loop" ] || finish
modprobe brd rd_nr=1 rd_size=65536
ram=/dev/ram0
check "brd ramdisk" test -b "$ram"
[ -b "$ram" ] || finish

declare -A backing=([xvda]=$disk [xvdb]=$ram [xvdc]=$loop)
for d in xvda xvdb xvdc; do
	head -c $((32 * MiB)) /dev/urandom >/tmp/fill-$d
	dd if=/tmp/fill-$d of="${backing[$d]}" bs=1M oflag=direct conv=fsync status=none
done
flushes_before=$(awk '{ print $16 }' /sys/block/$(basename "$disk")/stat)
discards_before=$(awk '{ print $12 }' /sys/block/$(basename "$disk")/stat)

spec() { echo "'format=raw, vdev=$1, access=rw, $HOTPLUG, target=${backing[$1]}'"; }
ROUNDS_LIB=$XS/tests/vm/guest/blk-rounds.sh:/lib/xsplit/blk-rounds.sh
name=$($DOMU --bg --timeout 400 --bin dd --file "$ROUNDS_LIB" --cfg "vcpus = 2" \
	--cfg "disk = [$(spec xvda), $(spec xvdb), $(spec xvdc)]" \
	$XS/tests/vm/guest/blk-data.sh xvda xvdb xvdc)
check "guest with three of our disks created" test -n "$name"
[ -n "$name" ] || finish
domid=$(xl domid "$name")
vbd_of() { echo /sys/bus/xen-backend/devices/vbd-$domid-$1; }
check "guest did its I/O (READY)" $DOMU --timeout 300 --expect "$name" '^READY'
ind=$(cat $(vbd_of 51712)/statistics/indirect_req)
check "blkfront's defaults: indirect requests served (${ind:-none})" test "${ind:-0}" -gt 0
for dev in 51712 51728 51744; do
	check "vbd $dev: 2 queues (2 vCPUs), each a one-page ring, persistent grants" \
		sh -c "dmesg | grep -q 'vbd-$domid-$dev: connected to domain $domid (2 queue(s), ring of 1 page(s), 32 slots, persistent grants)'"
	hits=$(cat $(vbd_of $dev)/statistics/persistent_hits)
	check "vbd $dev: data moved through kept mappings (${hits:-none} segments)" test "${hits:-0}" -gt 0
	zc=$(cat $(vbd_of $dev)/statistics/zero_copy_req)
	check "vbd $dev: requests served zero copy from the guest's pages (${zc:-none})" test "${zc:-0}" -gt 0
done
log=$(tr -d '\r' <"/var/log/xen/console/guest-$name.log")
for d in xvda xvdb xvdc; do
	sysd=/sys/bus/xen-backend/devices/vbd-$domid-$(case $d in xvda) echo 51712;; xvdb) echo 51728;; xvdc) echo 51744;; esac)
	check "$d: backend device $(basename $sysd) bound to us" \
		sh -c "readlink $sysd/driver | grep -q xsplit-blkback"
	sectors=$(( $(blockdev --getsize64 "${backing[$d]}") / 512 ))
	check_eq "$d: guest sees the whole disk" "size $d $sectors" "$(grep "^size $d " <<<"$log")"
	check_rounds "$d" "${backing[$d]}" "$log"
	for s in rd_req wr_req; do
		v=$(cat $sysd/statistics/$s 2>/dev/null)
		check "$d: statistics/$s counted (${v:-none})" test "${v:-0}" -gt 0
	done
	check_eq "$d: nothing refused" 0 "$(cat $sysd/statistics/bad_req)"
	check_eq "$d: no I/O errors" 0 "$(cat $sysd/statistics/io_errors)"
done
nvme_vbd=/sys/bus/xen-backend/devices/vbd-$domid-51712
check "xvda: guest sees a write-back cache" grep -qx "cache xvda write back" <<<"$log"
check "xvda: the guest's flushes were counted" test "$(cat $nvme_vbd/statistics/flush_req)" -gt 0
check "nvme: flushes reached the backing device" \
	test "$(awk '{ print $16 }' /sys/block/$(basename "$disk")/stat)" -gt "$flushes_before"
check "xvda: the guest discarded" grep -qx "discarded xvda" <<<"$log"
check "xvda: the discard was counted" test "$(cat $nvme_vbd/statistics/discard_req)" -gt 0
check "nvme: the discard reached the backing device" \
	test "$(awk '{ print $12 }' /sys/block/$(basename "$disk")/stat)" -gt "$discards_before"
check "xvdc: the guest discarded" grep -qx "discarded xvdc" <<<"$log"
zero=$(head -c $MiB /dev/zero | sha256sum | cut -d' ' -f1)
check_eq "loop: the discarded MiB reads back as zeros" "$zero" \
	"$(dd if="$loop" bs=1M skip=40 count=1 iflag=direct status=none | sha256sum | cut -d' ' -f1)"

check "rmmod refused while a guest is connected" sh -c "! rmmod $MOD 2>/dev/null"

# Detach and re-attach xvdc (loop) three times; the guest reads it back.
want=$(head -c $MiB /tmp/fill-xvdc | sha256sum | cut -d' ' -f1)
for c in 1 2 3; do
	check "cycle $c: xl block-detach xvdc" xl block-detach "$name" xvdc
	check "cycle $c: guest saw xvdc go" $DOMU --timeout 60 --expect "$name" "^gone $c[[:space:]]*\$"
	check "cycle $c: xl block-attach xvdc" xl block-attach "$name" "format=raw, vdev=xvdc, access=rw, $HOTPLUG, target=$loop"
	check "cycle $c: guest reads xvdc back" $DOMU --timeout 60 --expect "$name" "^back $c $want[[:space:]]*\$"
done

# Online resize: grow the loop file by 8 MiB while the guest runs.
check "guest ready for the resize" $DOMU --timeout 30 --expect "$name" '^size before resize 131072'
truncate -s 72M /run/xsplit-blk/loop.img
check "losetup -c sees the loop file grow" losetup -c "$loop"
check "guest sees xvdc grow to 72 MiB" $DOMU --timeout 60 --expect "$name" "^resized 147456[[:space:]]*\$"
check "blkback logged the resize" sh -c "dmesg | grep -q 'vbd-$domid-51744: disk loop[0-9]* resized from 131072 to 147456 sectors'"

out=$($DOMU --wait "$name")
rc=$?
echo "$out" | grep -v '^[rw] ' | sed 's/^/  guest: /'
check_eq "guest script succeeded" 0 "$rc"
check_eq "guest kernel logged no trouble" "guest-trouble 0" "$(grep '^guest-trouble' <<<"$out")"
check "guest gone: every vbd disconnected" \
	sh -c "test \$(dmesg | grep -c 'xsplit-blkback vbd-$domid-.*: disconnected from domain $domid') -ge 6"
# ---- 3. xl save / xl restore, then destroyed in the middle of I/O ------
check "rmmod xsplit-blkback" rmmod $MOD
check "insmod xsplit-blkback with its defaults" insmod "$(ko_path blkback)"
spec1="'format=raw, vdev=xvda, access=rw, $HOTPLUG, target=$disk'"
# xvdc: 32 MiB of the loop device whose middle 8 MiB fail every I/O.
printf '%s\n' "0 16384 linear $loop 0" "16384 16384 error" \
	"32768 32768 linear $loop 32768" >/tmp/bad.table
check "dm device with a failing range" dmsetup create xsplit-bad /tmp/bad.table
# No udev in the bed's dom0: devtmpfs has the dm-N node, not /dev/mapper.
bad=/dev/$(dmsetup info -c --noheadings -o blkdevname xsplit-bad)
check "its block device $bad" test -b "$bad"
spec3="'format=raw, vdev=xvdc, access=rw, $HOTPLUG, target=$bad'"
# xvdd: a loop device of 4 KiB logical sectors; xvde: read-only.
truncate -s 16M /run/xsplit-blk/4k.img
loop4k=$(losetup -f --show --sector-size 4096 /run/xsplit-blk/4k.img)
head -c $MiB /dev/urandom >/run/xsplit-blk/ro.img
loopro=$(losetup -f --show -r /run/xsplit-blk/ro.img)
check "a 4 KiB-sector loop device and a read-only one" test -b "$loop4k" -a -b "$loopro"
spec4="'format=raw, vdev=xvdd, access=rw, $HOTPLUG, target=$loop4k'"
spec5="'format=raw, vdev=xvde, access=ro, $HOTPLUG, target=$loopro'"
# xvdf: a cdrom backed by a removable disk (scsi_debug; no udev loads sd).
modprobe sd_mod
modprobe scsi_debug dev_size_mb=8 removable=1
sdbg=$(ls /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block 2>/dev/null | head -n 1)
check "a removable scsi_debug disk (${sdbg:-none})" test -b "/dev/$sdbg" -a "$(cat /sys/block/$sdbg/removable 2>/dev/null)" = 1
[ -n "$sdbg" ] || finish
head -c 65536 /dev/urandom >/tmp/fill-xvdf
dd if=/tmp/fill-xvdf of=/dev/$sdbg bs=64k oflag=direct status=none
spec6="'format=raw, vdev=xvdf, access=ro, devtype=cdrom, $HOTPLUG, target=/dev/$sdbg'"
name=$($DOMU --bg --timeout 600 --bin dd --file "$ROUNDS_LIB" --no-load xen-blkfront \
	--cfg "disk = [$spec1, $spec3, $spec4, $spec5, $spec6]" $XS/tests/vm/guest/blk-save.sh)
check "save guest created" test -n "$name"
[ -n "$name" ] || finish
check "guest wrote its first pattern" $DOMU --timeout 120 --expect "$name" '^SAVE-ME'
# Their progress lines are only worth reading when they fail.
domid=$(xl domid "$name")
check "blkfront with max_ring_page_order=4: a 16-page ring" \
	sh -c "dmesg | grep -q 'vbd-$domid-51712: connected to domain $domid (1 queue(s), ring of 16 page(s), 512 slots)$'"
log=$(tr -d '\r' <"/var/log/xen/console/guest-$name.log")
# Checked now: the guest overwrites part of xvda's writes after the restore.
check_rounds xvda "$disk" "$log"
for l in "bad read failed" "bad write failed" "good read ok"; do
	check "backing device errors: $l" grep -qx "$l" <<<"$log"
done
check "the device's errors were counted" \
	test "$(cat /sys/bus/xen-backend/devices/vbd-$domid-51744/statistics/io_errors)" -ge 2
check "and logged naming the vbd and the domain" \
	sh -c "dmesg | grep -q 'vbd-$domid-51744: domain $domid: request [0-9]* (op [01], sector 24576): I/O error -5'"
bad_domid=$domid
check_eq "xvdd: the guest sees 4 KiB logical and physical sectors" "xvdd sectors 4096 4096" \
	"$(grep '^xvdd sectors' <<<"$log")"
got=$(dd if="$loop4k" bs=64k skip=16 count=1 iflag=direct status=none | sha256sum | cut -d' ' -f1)
check_eq "xvdd: dom0 reads what the guest wrote in 4 KiB sectors" "$(grep '^xvdd wrote' <<<"$log")" "xvdd wrote $got"
check "xvdd: a 512-byte read is refused" grep -qx "xvdd 512-byte read refused" <<<"$log"
check_eq "xvde: read-only in the backend's info" 4 \
	"$(xenstore-read /local/domain/0/backend/vbd/$domid/51776/info)"
check "xvde: the guest sees a read-only disk" grep -qx "xvde ro 1" <<<"$log"
check "xvde: a write is refused" grep -qx "xvde write refused" <<<"$log"
check_eq "xvde: and reads work" "xvde read $(head -c 65536 /run/xsplit-blk/ro.img | sha256sum | cut -d' ' -f1)" \
	"$(grep '^xvde read' <<<"$log")"
check_eq "xvdf: cdrom, removable and read-only in the backend's info (1|2|4)" 7 \
	"$(xenstore-read /local/domain/0/backend/vbd/$domid/51792/info)"
check_eq "xvdf: the guest sees a removable read-only disk" "xvdf removable 1 ro 1" \
	"$(grep '^xvdf removable' <<<"$log")"
check_eq "xvdf: and reads it" "xvdf read $(sha256sum </tmp/fill-xvdf | cut -d' ' -f1)" \
	"$(grep '^xvdf read' <<<"$log")"
check "xl save" sh -c "xl save $name /tmp/xsplit-save.img >/tmp/xl-save.log 2>&1 || { cat /tmp/xl-save.log; false; }"
check "xl restore" sh -c "xl restore /tmp/xsplit-save.img >/tmp/xl-save.log 2>&1 || { cat /tmp/xl-save.log; false; }"
rm -f /tmp/xsplit-save.img
domid=$(xl domid "$name")
# I/O limits on xvda: requests/s through xenstore, bytes/s through sysfs.
vbd=/sys/bus/xen-backend/devices/vbd-$domid-51712
check "limit-iops 50 through xenstore" xenstore-write /local/domain/0/backend/vbd/$domid/51712/limit-iops 50
check "limits/bytes_per_sec 1 MiB/s through sysfs" sh -c "echo 1048576 >$vbd/limits/bytes_per_sec"
n=0
while [ "$(cat $vbd/limits/iops)" != 50 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
check_eq "limits/iops shows the xenstore value" 50 "$(cat $vbd/limits/iops)"
check "xl block-attach after restore" xl block-attach "$name" "format=raw, vdev=xvdb, access=rw, $HOTPLUG, target=$ram"
check "guest carries on after restore" $DOMU --timeout 120 --expect "$name" '^LOADED'
log=$(tr -d '\r' <"/var/log/xen/console/guest-$name.log")
p1=$(sed -n 's/^before save //p' <<<"$log")
check_eq "restored guest reads what it wrote before the save" "after restore $p1" "$(grep '^after restore [0-9a-f]' <<<"$log")"
got=$(dd if="$disk" bs=1M skip=8 count=4 iflag=direct status=none | sha256sum | cut -d' ' -f1)
check_eq "dom0 reads what the restored guest wrote" "$(grep '^after restore wrote' <<<"$log")" "after restore wrote $got"
secs() { sed -n "s/^time $1 //p" <<<"$log"; }
t_iops=$(secs "xvda 100x4k") t_bytes=$(secs "xvda 32x64k") t_free=$(secs "xvdb 100x4k")
echo "  limited: 100 x 4 KiB in ${t_iops}s, 2 MiB in ${t_bytes}s; unlimited: 100 x 4 KiB in ${t_free}s"
# 50/s with a burst of 5: 100 requests take about 1.9 s; 2 MiB at 1 MiB/s
# with a burst of 0.1 s take about 1.9 s.
check "50 requests/s: 100 reads took at least 1.5 s (${t_iops:-?})" awk -v t="${t_iops:-0}" 'BEGIN { exit !(t >= 1.5) }'
check "1 MiB/s: 2 MiB took at least 1.5 s (${t_bytes:-?})" awk -v t="${t_bytes:-0}" 'BEGIN { exit !(t >= 1.5) }'
check "the unlimited disk was faster (${t_free:-?} s)" awk -v a="${t_free:-99}" -v b="${t_iops:-0}" 'BEGIN { exit !(a < b) }'
check "xvda counted throttled requests" test "$(cat $vbd/statistics/throttled)" -gt 0
check_eq "xvdb was never throttled" 0 "$(cat /sys/bus/xen-backend/devices/vbd-$domid-51728/statistics/throttled)"
check "limits lifted through sysfs" sh -c "echo 0 >$vbd/limits/iops && echo 0 >$vbd/limits/bytes_per_sec"
check_eq "no limit left" "0 0" "$(cat $vbd/limits/iops) $(cat $vbd/limits/bytes_per_sec)"
check "restored guest reconnected with a 16-page ring" \
	sh -c "dmesg | grep -q 'vbd-$domid-51712: connected to domain $domid (1 queue(s), ring of 16 page(s), 512 slots)$'"
check_eq "max_indirect_segments=0: no indirect request" 0 \
	"$(cat /sys/bus/xen-backend/devices/vbd-$domid-51712/statistics/indirect_req)"
check_eq "not offered by default: no persistent grant used" 0 \
	"$(cat /sys/bus/xen-backend/devices/vbd-$domid-51712/statistics/persistent_hits)"
check_eq "not offered by default: nothing served zero copy" 0 \
	"$(cat /sys/bus/xen-backend/devices/vbd-$domid-51712/statistics/zero_copy_req)"
check "restored guest's disk served by us" \
	sh -c "readlink /sys/bus/xen-backend/devices/vbd-$domid-51712/driver | grep -q xsplit-blkback"
# Hot-unplug under load: blkfront fails what is queued and lets go.
check "xl block-detach of xvdb with I/O in flight" timeout 60 xl block-detach "$name" xvdb
check "xvdb's vbd is gone" sh -c "! test -e /sys/bus/xen-backend/devices/vbd-$domid-51728"
rd1=$(cat /sys/bus/xen-backend/devices/vbd-$domid-51712/statistics/rd_req)
sleep 2
rd2=$(cat /sys/bus/xen-backend/devices/vbd-$domid-51712/statistics/rd_req)
check "xvda goes on serving the guest ($rd1 then $rd2 reads)" test "$rd2" -gt "$rd1"
check "xl destroy with I/O in flight on xvda" xl destroy "$name"
n=0
while ls /sys/bus/xen-backend/devices/ | grep -q "^vbd-$domid-" && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
check "every vbd of the destroyed guest is gone" sh -c "! ls /sys/bus/xen-backend/devices/ | grep -q '^vbd-$domid-'"
check "no ring thread left behind" sh -c "! ps -e -o comm | grep -q '^xsblk-'"

# The failing range's errors are the only warnings expected, and the
# notices device-mapper and scsi_debug (and its first "reset") print when
# they load.
check_eq "no other dmesg at warning level or above" "" \
	"$(dmesg_warnings | grep -v -e "vbd-$bad_domid-51744: domain $bad_domid: request [0-9]* (op [01], sector 24576): I/O error -5" \
		-e 'device-mapper: core: CONFIG_IMA_DISABLE_HTABLE is disabled' \
		-e 'scsi_debug: trim poll_queues to 0' -e "sd [0-9:]*: Power-on or device reset occurred")"
dmsetup remove xsplit-bad
losetup -d "$loop4k" "$loopro"
rmmod scsi_debug
check "rmmod xsplit-blkback once no guest is connected" rmmod $MOD
check "and insmod again" insmod "$(ko_path blkback)"
check "and rmmod again" rmmod $MOD
losetup -d "$loop"
umount /run/xsplit-blk
rmmod brd
finish
