# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/vm/blk.sh (busybox sh, the kernel's xen-blkfront,
# coreutils dd copied in as /usr/bin/dd for O_DIRECT).
#   blk-data.sh DISK... : for each disk, the random reads and writes of
#   blk-rounds.sh (writes from 32 MiB on) with blkfront's defaults
#   (indirect requests, persistent grants, one-page ring); then a flush
#   and, where offered, a discard; then follow dom0
#   detaching and re-attaching the last disk three times, and growing it.
. /lib/xsplit/guest-lib.sh
. /lib/xsplit/blk-rounds.sh

for d in "$@"; do
	wait_for /dev/$d || exit 1
done

for d in "$@"; do
	echo "size $d $(cat /sys/block/$d/size)"
done
# blkfront's defaults: one-page ring, indirect requests for large I/O.
rounds 65536 "$@"
for d in "$@"; do
	# fsync on the device: with a write-back cache this is a flush.
	$DD if=/dev/null of=/dev/$d conv=fsync,notrunc 2>/dev/null
	echo "cache $d $(cat /sys/block/$d/queue/write_cache)"
	if [ "$(cat /sys/block/$d/queue/discard_max_bytes)" -gt 0 ]; then
		blkdiscard -o $((40 << 20)) -l $((1 << 20)) /dev/$d && echo "discarded $d"
	fi
done
echo 3 >/proc/sys/vm/drop_caches
echo READY

# The last disk: dom0 detaches and re-attaches it three times.
eval last=\${$#}
c=1
while [ $c -le 3 ]; do
	n=0
	while [ -e /sys/block/$last ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
	[ -e /sys/block/$last ] && { echo "$last was not detached"; exit 1; }
	echo "gone $c"
	# Back when sysfs says so: the old /dev node can outlive the disk
	# for a moment (devtmpfs removes it later), and a read then fails.
	wait_for /sys/block/$last 60 || exit 1
	wait_for /dev/$last 60 || exit 1
	echo "back $c $($DD if=/dev/$last bs=1M count=1 iflag=direct 2>/dev/null | sha)"
	c=$((c + 1))
done
# Then dom0 grows its backing file: the new size must show up here.
s0=$(cat /sys/block/$last/size)
echo "size before resize $s0"
n=0
while [ "$(cat /sys/block/$last/size)" = "$s0" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
echo "resized $(cat /sys/block/$last/size)"
echo "guest-trouble $(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace|I/O error')"
