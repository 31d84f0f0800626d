# SPDX-License-Identifier: GPL-2.0
# bench/blk's workload, run by sh in a domU (on its xvda) or in dom0 (on
# the backing device itself, the limit):
#   fio-rows.sh DEVICE SECONDS [ROW...]
# Runs the ROWs named (default all) and prints one "row NAME VALUE" line
# per row: IOPS for the 4 KiB rows, MB/s
# for the 1 MiB ones. All I/O is O_DIRECT through libaio on the first
# 256 MiB of DEVICE, which it overwrites.
dev=$1
secs=$2
shift 2
only=" $* "

# run NAME RW BS DEPTH: fio's terse line has read IOPS in field 8, read
# bandwidth (KiB/s) in 7, write IOPS in 49 and write bandwidth in 48.
run() {
	local line
	[ "$only" = "  " ] || case $only in *" $1 "*) ;; *) return 0 ;; esac
	line=$(fio --name="$1" --filename="$dev" --direct=1 --ioengine=libaio \
		--size=256M --runtime="$secs" --time_based --rw="$2" --bs="$3" \
		--iodepth="$4" --randrepeat=0 --minimal 2>/dev/null) || { echo "row $1 failed"; return; }
	case $2 in
	randread) echo "row $1 $(echo "$line" | cut -d';' -f8)" ;;
	randwrite) echo "row $1 $(echo "$line" | cut -d';' -f49)" ;;
	read) echo "row $1 $(( $(echo "$line" | cut -d';' -f7) / 1024 ))" ;;
	write) echo "row $1 $(( $(echo "$line" | cut -d';' -f48) / 1024 ))" ;;
	esac
}

run randread-4k-qd1 randread 4k 1
run randread-4k-qd32 randread 4k 32
run randwrite-4k-qd1 randwrite 4k 1
run randwrite-4k-qd32 randwrite 4k 32
run read-1m read 1m 8
run write-1m write 1m 8
