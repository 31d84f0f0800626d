# SPDX-License-Identifier: GPL-2.0
# Sourced by the guest sides of tests/vm/blk.sh (busybox sh, coreutils dd
# copied in as /usr/bin/dd for O_DIRECT).
#   rounds FIRST_WRITE_SECTOR DISK...: for each disk, ROUNDS random reads
#   of its first 32 MiB (which dom0 filled and kept a copy of) and ROUNDS
#   random non-overlapping writes from FIRST_WRITE_SECTOR on, half
#   O_DIRECT and half through the page cache; then sync and drop caches.
# Prints "r DISK SECTOR COUNT SHA" and "w DISK SECTOR COUNT SHA" lines for
# dom0 to check on the backing devices, in 512-byte sectors.
DD=/usr/bin/dd
ROUNDS=8

sha() { sha256sum | cut -d' ' -f1; }

rounds() {
	local base=$1 d i len sec fl
	shift
	for d in "$@"; do
		i=0
		while [ $i -lt $ROUNDS ]; do
			len=$((RANDOM % 2048 + 1))
			sec=$((RANDOM * 2 % (65536 - len)))
			if [ $((i % 2)) -eq 0 ]; then fl=direct,skip_bytes; else fl=skip_bytes; fi
			echo "r $d $sec $len $($DD if=/dev/$d bs=$((len * 512)) skip=$((sec * 512)) \
				count=1 iflag=$fl 2>/dev/null | sha)"
			i=$((i + 1))
		done
		# Slot i of 1 MiB from the base on: writes never overlap.
		i=0
		while [ $i -lt $ROUNDS ]; do
			len=$((RANDOM % 1024 + 1))
			sec=$((base + i * 2048 + RANDOM % 1024))
			head -c $((len * 512)) /dev/urandom >/tmp/w
			if [ $((i % 2)) -eq 0 ]; then fl=direct,seek_bytes; else fl=seek_bytes; fi
			$DD if=/tmp/w of=/dev/$d bs=$((len * 512)) seek=$((sec * 512)) count=1 \
				oflag=$fl conv=notrunc 2>/dev/null || echo "write failed $d $sec $len"
			echo "w $d $sec $len $(sha </tmp/w)"
			i=$((i + 1))
		done
	done
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

