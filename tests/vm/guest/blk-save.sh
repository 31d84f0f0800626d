# SPDX-License-Identifier: GPL-2.0
# Guest side of the save/restore and destroy stages of tests/vm/blk.sh
# (busybox sh, stock xen-blkfront loaded here with a 16-page ring and no
# indirect requests, coreutils dd as /usr/bin/dd):
# write a pattern, wait out `xl save` / `xl restore` (dom0 attaches xvdb
# afterwards as the sign), read the pattern back and write another; then
# keep both disks busy until dom0 destroys the domain.
. /lib/xsplit/guest-lib.sh
DD=/usr/bin/dd
sha() { sha256sum | cut -d' ' -f1; }

# Started with --no-load xen-blkfront: a 16-page ring, no indirect requests.
insmod "$(grep xen-blkfront /etc/frontends.list)" max_ring_page_order=4 \
	max_indirect_segments=0 || { echo "insmod xen-blkfront failed"; exit 1; }
wait_for /dev/xvda || exit 1
head -c 4194304 /dev/urandom >/tmp/p1
$DD if=/tmp/p1 of=/dev/xvda bs=1M oflag=direct 2>/dev/null || echo "write 1 failed"
echo "before save $(sha </tmp/p1)"
echo SAVE-ME
wait_for /dev/xvdb 600 || exit 1
echo "after restore $($DD if=/dev/xvda bs=1M count=4 iflag=direct 2>/dev/null | sha)"
head -c 4194304 /dev/urandom >/tmp/p2
$DD if=/tmp/p2 of=/dev/xvda bs=1M seek=8 oflag=direct 2>/dev/null || echo "write 2 failed"
echo "after restore wrote $(sha </tmp/p2)"
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
