#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/pci: the PCI passthrough control plane, ours against the kernel's
# in-tree xen-pciback in the same boot. Not a test: it prints figures.
#
#   scripts/testbed run bench/pci/run.sh [SECONDS]     (make bench-pci)
#
# Rows:
#   conf reads/s   config-space dword reads a domU gets through pcifront
#                  (the kernel's xen-pcifront) per second: `cat config` of
#                  a 256-byte config space is 64 dword round trips
#   attach ms      `xl pci-attach` of the edu to a running guest
#   detach ms      `xl pci-detach` of it
# The limit for conf reads is dom0 reading the same config space natively.
# Under emulation only the ratios mean anything.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
SECS=${1:-5}
GUEST=$XS/bench/pci/guest-conf-rate.sh
DWORDS=64

ms() { date +%s%3N; }

native_rate() {
	local end=$(( $(ms) + SECS * 1000 )) n=0 start=$(ms)
	while [ $(ms) -lt $end ]; do
		cat /sys/bus/pci/devices/$EDU/config >/dev/null
		n=$((n + 1))
	done
	echo $(( n * DWORDS * 1000 / ($(ms) - start) ))
}

# measure NAME: a guest with the edu, its conf read rate; then a second
# guest without it for attach/detach times. Sets RATE ATTACH DETACH.
measure() {
	local out name t0
	out=$($DOMU --cfg "pci = ['$EDU']" --timeout 200 $GUEST "$SECS" | grep '^passes')
	set -- $out
	RATE=$(( $2 * DWORDS * 100 / $4 ))
	cat >/tmp/idle.sh <<'G'
echo READY
i=0; while [ ! -e /sys/bus/pci/devices/0000:00:00.0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo ATTACHED
i=0; while [ -e /sys/bus/pci/devices/0000:00:00.0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
sleep 5
G
	name=$($DOMU --bg --cfg 'passthrough = "enabled"' /tmp/idle.sh)
	$DOMU --expect "$name" '^READY' || return 1
	t0=$(ms); xl pci-attach "$name" $EDU 2>/dev/null; $DOMU --expect "$name" '^ATTACHED'
	ATTACH=$(( $(ms) - t0 ))
	t0=$(ms); xl pci-detach "$name" $EDU 2>/dev/null; DETACH=$(( $(ms) - t0 ))
	$DOMU --wait "$name" >/dev/null
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

NATIVE=$(native_rate)

insmod "$(ko_path pciback)" || exit 1
xl pci-assignable-add $EDU || exit 1
measure || exit 1
O_RATE=$RATE O_ATTACH=$ATTACH O_DETACH=$DETACH
xl pci-assignable-remove $EDU 2>/dev/null
rmmod "$(ko_name pciback)" || exit 1

modprobe xen-pciback || exit 1
xl pci-assignable-add $EDU || exit 1
measure || exit 1
I_RATE=$RATE I_ATTACH=$ATTACH I_DETACH=$DETACH
xl pci-assignable-remove $EDU 2>/dev/null
rmmod xen-pciback

printf '\nbench/pci (%s s per rate; edu passed through to a PV domU with xen-pcifront)\n' "$SECS"
printf '%-16s %10s %10s %10s %12s %12s\n' row ours in-tree native ours/in-tree ours/native
printf '%-16s %10s %10s %10s %12s %12s\n' "conf reads/s" $O_RATE $I_RATE $NATIVE "$(ratio $O_RATE $I_RATE)" "$(ratio $O_RATE $NATIVE)"
printf '%-16s %10s %10s %10s %12s %12s\n' "attach ms" $O_ATTACH $I_ATTACH - "$(ratio $I_ATTACH $O_ATTACH)" -
printf '%-16s %10s %10s %10s %12s %12s\n' "detach ms" $O_DETACH $I_DETACH - "$(ratio $I_DETACH $O_DETACH)" -
echo "(for the ms rows the ratio is in-tree/ours: above 1 means ours is faster)"
echo "ok - bench/pci ran"
