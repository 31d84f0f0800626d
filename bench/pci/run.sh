#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/pci: the PCI passthrough control plane, ours against the kernel's
# in-tree xen-pciback in the same boot. Not a test: it prints figures.
#
#   scripts/testbed run bench/pci/run.sh [SECONDS]     (make bench-pci)
#
# Rows:
#   conf reads/s   config-space dword reads per second a domU's driver gets
#                  through the kernel's xen-pcifront (tests/kmod/edu.c,
#                  conf_bench_ms: a tight pci_read_config_dword loop)
#   attach ms      `xl pci-attach` of the edu to a running guest
#   detach ms      `xl pci-detach` of it
# The limit for conf reads is the same loop in dom0 on the real function.
# Under emulation only the ratios mean anything.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
SECS=${1:-5}
GUEST=$XS/bench/pci/guest-conf-rate.sh

ms() { date +%s%3N; }

TESTKO=$XS/tests/kmod/xsplit-test-edu.ko

# rate_of TEXT: reads per second from the driver's conf-bench line.
rate_of() {
	echo "$1" | sed -n 's/.*conf-bench \([0-9]*\) reads in \([0-9]*\) ms.*/\1 \2/p' |
		awk '{ if ($2 > 0) printf "%d", $1 * 1000 / $2 }'
}

native_rate() {
	local out
	insmod $TESTKO conf_bench_ms=$((SECS * 1000)) irq_mode=intx || return 1
	out=$(dmesg | grep 'conf-bench' | tail -n 1)
	rmmod xsplit_test_edu
	rate_of "$out"
}

# measure NAME: a guest with the edu, its conf read rate; then a second
# guest without it for attach/detach times. Sets RATE ATTACH DETACH.
measure() {
	local out name t0
	out=$($DOMU --cfg "pci = ['$EDU']" --file $TESTKO --timeout 200 $GUEST $((SECS * 1000)))
	RATE=$(rate_of "$out")
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
