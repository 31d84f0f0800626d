#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tests/vm/net.sh, run by scripts/domu with the kernel's
# xen-netfront: net-data.sh MY_IP DOM0_IP. Every line it prints that the
# test reads starts with a fixed word; dom0 paces the steps that need it
# by connecting to TCP port 5003 ("go on").

. /lib/xsplit/guest-lib.sh
me=$1
dom0=$2

wait_go() { nc -l -p 5003 </dev/null >/dev/null; }
# (busybox 1.35's wget crashes with -T: no read timeout here.)
sha() { sha256sum "$1" | cut -d' ' -f1; }
received() { grep -o '[0-9]* packets received' | cut -d' ' -f1; }

wait_for /sys/class/net/eth0 || exit 1
echo "mac $(cat /sys/class/net/eth0/address)"
echo "queues $(ls -d /sys/class/net/eth0/queues/tx-* | wc -l)"
ip addr add $me/24 dev eth0
ip link set eth0 up
echo "ping $(ping -c 3 -W 5 $dom0 | received)"
# 8000 bytes: IP fragments both ways.
echo "bigping $(ping -c 2 -W 5 -s 8000 $dom0 | received)"

# dom0 to the guest over TCP, one big file, then many small flows at once
# (several flows so that every queue gets some).
wget -q -O /tmp/down http://$dom0:8080/blob && echo "down $(sha /tmp/down)"
i=0
while [ $i -lt 12 ]; do
	wget -q -O /tmp/small$i http://$dom0:8080/small &
	i=$((i + 1))
done
wait
echo "small $(cat /tmp/small* | sha256sum | cut -d' ' -f1)"

# The guest to dom0 over TCP: dom0 fetches from our httpd.
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/up bs=64k count=64 2>/dev/null
head -c 20000 /dev/urandom >/tmp/www/small
httpd -p 8080 -h /tmp/www
echo "up-ready $(sha /tmp/www/up) $(sha /tmp/www/small)"
wait_go

# UDP from dom0, 8 KiB datagrams (IP fragments on the wire).
socat -u UDP-RECV:5004 CREATE:/tmp/udp &
udp=$!
echo "udp-ready"
wait_go
sleep 1
kill $udp
echo "udp $(sha /tmp/udp)"

# Out through the bridge and dom0's e1000 to QEMU's user network.
printf '#!/bin/sh\n' >/tmp/udhcpc-nop.sh
chmod +x /tmp/udhcpc-nop.sh
lease=$(udhcpc -i eth0 -n -q -t 5 -T 2 -s /tmp/udhcpc-nop.sh 2>&1 |
	grep -o 'lease of [0-9.]* obtained' | cut -d' ' -f3)
echo "dhcp ${lease:-none}"
if [ -n "$lease" ]; then
	ip addr add $lease/24 dev eth0
	echo "gateway $(ping -c 3 -W 3 10.0.2.2 | received)"
fi
echo "DONE"
wait_go

# Again without segmentation offload on our side (dom0 turns it off on
# the vif): the stack segments, the data must not change.
ethtool -K eth0 tso off gso off >/dev/null 2>&1
echo "offload $(ethtool -k eth0 | grep '^tcp-segmentation-offload' | cut -d' ' -f2)"
wget -q -O /tmp/down2 http://$dom0:8080/blob && echo "down2 $(sha /tmp/down2)"
echo "up2-ready"
wait_go

# dom0 saves and restores this domain meanwhile: netfront reconnects.
echo "restore-ready"
wait_go
wget -q -O /tmp/down3 http://$dom0:8080/blob && echo "down3 $(sha /tmp/down3)"
echo "ping3 $(ping -c 3 -W 5 $dom0 | received)"

echo "END"
wait_go
