#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Baseline: a PV domU whose disk is the nvme scratch disk, served by the
# kernel's in-tree xen-blkback to the kernel's xen-blkfront, while our
# modules are loaded.  Data goes both ways and is compared by checksum;
# splitctl shows the connected device; xl block-detach takes it away.

. /xsplit/tests/lib/vm.sh

check "our dom0 modules loaded" load_ours
check "in-tree xen-blkback loaded" modprobe xen-blkback
disk=$(nvme_disk)
check "nvme scratch disk present" test -b "$disk"

MiB=1048576
# dom0 writes 16 MiB of random data at offset 0 for the guest to read.
head -c $((16 * MiB)) /dev/urandom >/tmp/to-guest
dd if=/tmp/to-guest of="$disk" bs=1M oflag=direct conv=fsync status=none
want_read=$(sha256sum </tmp/to-guest | cut -d' ' -f1)

cat >/tmp/guest.sh <<'EOF'
. /lib/xsplit/guest-lib.sh
wait_for /dev/xvda || exit 1
echo "size $(cat /sys/block/xvda/size)"
echo "read $(head -c 16777216 /dev/xvda | sha256sum | cut -d' ' -f1)"
# The guest's own pattern, 8 MiB at offset 32 MiB, for dom0 to check.
head -c 8388608 /dev/urandom >/tmp/from-guest
dd if=/tmp/from-guest of=/dev/xvda bs=1048576 seek=32 conv=fsync 2>/dev/null
echo "wrote $(sha256sum </tmp/from-guest | cut -d' ' -f1)"
echo READY
# dom0 looks at the connected device, then detaches it.
n=0
while [ -e /sys/block/xvda ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
[ -e /sys/block/xvda ] || echo "detached"
EOF
name=$($DOMU --bg --cfg "disk = ['format=raw, vdev=xvda, access=rw, script=$XS/scripts/hotplug/block, target=$disk']" /tmp/guest.sh)
check "guest reached its READY line" $DOMU --expect "$name" '^READY'
domid=$(xl domid "$name")
status=$($XS/scripts/splitctl/splitctl status "$domid")
echo "$status" | sed 's/^/  splitctl: /'
check "splitctl status shows the vbd connected on both ends" \
	grep -qE "^vbd domid=$domid devid=51712 backend=4\(Connected\) frontend=/local/domain/$domid/device/vbd/51712 frontend-state=4\(Connected\)$" <<<"$status"
check "xl block-detach of the in-tree backend's disk" xl block-detach "$name" xvda
out=$($DOMU --wait "$name")
rc=$?
echo "$out" | sed 's/^/  guest: /'
check_eq "guest script succeeded" 0 "$rc"
check "guest saw its disk go away" grep -qx detached <<<"$out"

sectors=$(( $(blockdev --getsize64 "$disk") / 512 ))
check_eq "guest sees the whole disk" "size $sectors" "$(grep '^size' <<<"$out")"
check_eq "guest reads what dom0 wrote (sha256 of 16 MiB)" "read $want_read" "$(grep '^read' <<<"$out")"
got=$(dd if="$disk" bs=1M skip=32 count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)
check_eq "dom0 reads what the guest wrote (sha256 of 8 MiB)" "$(grep '^wrote' <<<"$out")" "wrote $got"

check "in-tree xen-blkback unloads" modprobe -r xen-blkback
check "our dom0 modules unload" unload_ours
finish
