# SPDX-License-Identifier: GPL-2.0
# bench/blk's workload, run by sh in a domU (on its xvda) or in dom0 (on
# the backing device itself, the limit):
#   fio-rows.sh DEVICE SECONDS [ROW...]
# Runs the ROWs named (default all) and prints one "row NAME VALUE" line
# per row: IOPS for the 4 KiB rows, MB/s
# for the 1 MiB ones, then the seconds the row took in all (fio's start
# included), the interrupts the disk raised meanwhile (in a guest: the
# backend's notifications; "-" in dom0) and how busy the CPUs were (%). All I/O is O_DIRECT through libaio on the first
# 256 MiB of DEVICE, which it overwrites.
dev=$1
secs=$2
shift 2
only=" $* "

# run NAME RW BS DEPTH: fio's terse line has read IOPS in field 8, read
# bandwidth (KiB/s) in 7, write IOPS in 49 and write bandwidth in 48.
# Interrupts of the guest's blkif event channels so far, or "-".
irqs() {
	awk '/blkif/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; f = 1 }
	     END { if (f) print n; else print "-" }' /proc/interrupts
}

# CPU time so far: "busy total" in ticks (idle, iowait and steal are not
# busy).
ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

run() {
	local line v t0 i0 c0
	[ "$only" = "  " ] || case $only in *" $1 "*) ;; *) return 0 ;; esac
	t0=$(cut -d' ' -f1 /proc/uptime) i0=$(irqs) c0=$(ticks)
	line=$(fio --name="$1" --filename="$dev" --direct=1 --ioengine=libaio \
		--size=256M --runtime="$secs" --time_based --rw="$2" --bs="$3" \
		--iodepth="$4" --randrepeat=0 --minimal 2>/dev/null) || { echo "row $1 failed"; return; }
	case $2 in
	randread) v=$(echo "$line" | cut -d';' -f8) ;;
	randwrite) v=$(echo "$line" | cut -d';' -f49) ;;
	read) v=$(( $(echo "$line" | cut -d';' -f7) / 1024 )) ;;
	write) v=$(( $(echo "$line" | cut -d';' -f48) / 1024 )) ;;
	esac
	echo "row $1 $v $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }') $(awk -v a="$i0" -v b="$(irqs)" 'BEGIN { if (a == "-") print "-"; else print b - a }') $(echo "$c0 $(ticks)" | awk '{ if ($4 > $2) printf "%d", 100 * ($3 - $1) / ($4 - $2); else print "-" }')"
}

run randread-4k-qd1 randread 4k 1
run randread-4k-qd32 randread 4k 32
run randwrite-4k-qd1 randwrite 4k 1
run randwrite-4k-qd32 randwrite 4k 32
run read-1m read 1m 8
run write-1m write 1m 8
