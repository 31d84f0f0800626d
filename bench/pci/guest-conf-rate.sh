# SPDX-License-Identifier: GPL-2.0
# Guest side of bench/pci: read the passed-through function's whole config
# space through pcifront for SECONDS and report the rate.
#   guest-conf-rate.sh SECONDS
. /lib/xsplit/guest-lib.sh
wait_for /sys/bus/pci/devices/0000:00:00.0/config 60 || exit 1
cfg=/sys/bus/pci/devices/0000:00:00.0/config
secs=${1:-5}
# /proc/uptime has centiseconds: good enough over several seconds.
now() { cut -d' ' -f1 /proc/uptime | tr -d .; }
start=$(now)
end=$((start + secs * 100))
n=0
while [ $(now) -lt $end ]; do
	cat $cfg >/dev/null
	n=$((n + 1))
done
echo "passes $n centisec $(( $(now) - start ))"
