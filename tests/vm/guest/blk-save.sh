# SPDX-License-Identifier: GPL-2.0
# Guest side of the save/restore and destroy stages of tests/vm/blk.sh
# (busybox sh, stock xen-blkfront loaded here with a 16-page ring, without
# indirect requests or persistent grants, coreutils dd as /usr/bin/dd):
# random reads and writes on xvda (blk-rounds.sh), write a pattern, see
# the failing part of xvdc fail, look at the 4 KiB-sector, read-only and
# cdrom disks, wait out `xl save` / `xl restore` (dom0 attaches xvdb
# afterwards as the sign), read the pattern back and write another; then
# keep both disks busy until dom0 destroys the domain.
. /lib/xsplit/guest-lib.sh
. /lib/xsplit/blk-rounds.sh

# Started with --no-load xen-blkfront: a 16-page ring, no indirect requests;
# no persistent grants either, because dom0's backend does not offer them
# by default (blkfront would use them).
insmod "$(grep xen-blkfront /etc/frontends.list)" max_ring_page_order=4 \
	max_indirect_segments=0 ||
	{ echo "insmod xen-blkfront failed"; exit 1; }
wait_for /dev/xvda || exit 1
# The random reads and writes again, with all three features off.
rounds 65536 xvda
head -c 4194304 /dev/urandom >/tmp/p1
$DD if=/tmp/p1 of=/dev/xvda bs=1M oflag=direct 2>/dev/null || echo "write 1 failed"
echo "before save $(sha </tmp/p1)"
# xvdc: dom0 made 4 KiB blocks 2048-4095 of it fail (dm error target).
wait_for /dev/xvdc || exit 1
$DD if=/dev/xvdc of=/dev/null bs=4k count=1 skip=3072 iflag=direct 2>/dev/null &&
	echo "bad read succeeded" || echo "bad read failed"
$DD if=/dev/zero of=/dev/xvdc bs=4k count=1 seek=3072 oflag=direct 2>/dev/null &&
	echo "bad write succeeded" || echo "bad write failed"
$DD if=/dev/xvdc of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null &&
	echo "good read ok" || echo "good read failed"
# xvdd: a disk of 4 KiB logical sectors; xvde: read-only.
wait_for /dev/xvdd || exit 1
wait_for /dev/xvde || exit 1
echo "xvdd sectors $(cat /sys/block/xvdd/queue/logical_block_size) $(cat /sys/block/xvdd/queue/physical_block_size)"
head -c 65536 /dev/urandom >/tmp/p4k
$DD if=/tmp/p4k of=/dev/xvdd bs=64k seek=16 oflag=direct 2>/dev/null || echo "xvdd write failed"
echo "xvdd wrote $(sha </tmp/p4k)"
$DD if=/dev/xvdd of=/dev/null bs=512 count=1 iflag=direct 2>/dev/null &&
	echo "xvdd 512-byte read succeeded" || echo "xvdd 512-byte read refused"
echo "xvde ro $(cat /sys/block/xvde/ro)"
$DD if=/dev/zero of=/dev/xvde bs=4k count=1 oflag=direct 2>/dev/null &&
	echo "xvde write succeeded" || echo "xvde write refused"
echo "xvde read $($DD if=/dev/xvde bs=64k count=1 iflag=direct 2>/dev/null | sha)"
# xvdf: a cdrom on a removable dom0 disk.
wait_for /dev/xvdf || exit 1
echo "xvdf removable $(cat /sys/block/xvdf/removable) ro $(cat /sys/block/xvdf/ro)"
echo "xvdf read $($DD if=/dev/xvdf bs=64k count=1 iflag=direct 2>/dev/null | sha)"
echo SAVE-ME
wait_for /dev/xvdb 600 || exit 1
echo "after restore $($DD if=/dev/xvda bs=1M count=4 iflag=direct 2>/dev/null | sha)"
head -c 4194304 /dev/urandom >/tmp/p2
$DD if=/tmp/p2 of=/dev/xvda bs=1M seek=8 oflag=direct 2>/dev/null || echo "write 2 failed"
echo "after restore wrote $(sha </tmp/p2)"
# dom0 has limited xvda to 50 requests/s (xenstore) and 1 MiB/s (sysfs);
# xvdb has no limit. Times in seconds from /proc/uptime.
now() { cut -d' ' -f1 /proc/uptime; }
timed() {	# LABEL DD-ARGS...
	local t0 t1
	shift_label=$1
	shift
	t0=$(now)
	$DD "$@" iflag=direct of=/dev/null 2>/dev/null || echo "$shift_label: dd failed"
	t1=$(now)
	echo "$shift_label $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
}
timed "time xvda 100x4k" if=/dev/xvda bs=4k count=100
timed "time xvda 32x64k" if=/dev/xvda bs=64k count=32 skip=64
timed "time xvdb 100x4k" if=/dev/xvdb bs=4k count=100
# Busy until destroyed: reads and writes in flight on both disks.
for d in xvda xvdb; do
	(while :; do
		$DD if=/dev/$d of=/dev/null bs=64k count=256 iflag=direct 2>/dev/null
		$DD if=/dev/zero of=/dev/$d bs=64k seek=512 count=64 oflag=direct 2>/dev/null
	done) &
done
sleep 2
echo LOADED
while :; do sleep 1; done
