#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/pci: the PCI passthrough control plane, our pair (xsplit-pciback +
# xsplit-pcifront) against the kernel's in-tree pair (xen-pciback +
# xen-pcifront) in the same boot. Not a test: it prints figures.
#
#   scripts/testbed run bench/pci/run.sh [SECONDS]     (make bench-pci)
#
# Rows:
#   conf reads/s   config-space dword reads per second a domU's driver gets
#                  through the pair's frontend (tests/kmod/edu.c,
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

# measure FRONT: a guest with the edu, its conf read rate; then a second
# guest without it for attach/detach times. Sets RATE ATTACH DETACH.
# FRONT is ours (xsplit-pcifront) or kernel (xen-pcifront).
measure() {
	local out name t0 front=()
	[ "$1" = ours ] && front=(--no-load xen-pcifront)
	out=$($DOMU "${front[@]}" --cfg "pci = ['$EDU']" --file $TESTKO --timeout 200 $GUEST $((SECS * 1000)) "$1")
	RATE=$(rate_of "$out")
	cat >/tmp/idle.sh <<'G'
[ "$1" = ours ] && insmod /lib/xsplit/xsplit-pcifront.ko
echo READY
i=0; while [ ! -e /sys/bus/pci/devices/0000:00:00.0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo ATTACHED
i=0; while [ -e /sys/bus/pci/devices/0000:00:00.0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
sleep 5
G
	name=$($DOMU --bg "${front[@]}" --cfg 'passthrough = "enabled"' /tmp/idle.sh "$1")
	$DOMU --expect "$name" '^READY' || return 1
	t0=$(ms); xl pci-attach "$name" $EDU 2>/dev/null; $DOMU --expect "$name" '^ATTACHED'
	ATTACH=$(( $(ms) - t0 ))
	t0=$(ms); xl pci-detach "$name" $EDU 2>/dev/null; DETACH=$(( $(ms) - t0 ))
	$DOMU --wait "$name" >/dev/null
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

NATIVE=$(native_rate)

# with_ours / with_intree: one measurement with that backend loaded.
with_ours() {
	insmod "$(ko_path pciback)" || return 1
	xl pci-assignable-add $EDU || return 1
	measure ours || return 1
	xl pci-assignable-remove $EDU 2>/dev/null
	rmmod "$(ko_name pciback)"
}
with_intree() {
	modprobe xen-pciback || return 1
	xl pci-assignable-add $EDU || return 1
	measure kernel || return 1
	xl pci-assignable-remove $EDU 2>/dev/null
	rmmod xen-pciback
}

# Alternating rounds, so that drift in the machine hits both alike; the
# table shows the mean of the rounds, each round is printed too.
ROUNDS=${ROUNDS:-2}
mean() { awk '{ s += $1 } END { if (NR) printf "%d", s / NR }'; }
: >/tmp/bench-ours; : >/tmp/bench-intree
for r in $(seq $ROUNDS); do
	with_ours || exit 1
	echo "$RATE $ATTACH $DETACH" >>/tmp/bench-ours
	with_intree || exit 1
	echo "$RATE $ATTACH $DETACH" >>/tmp/bench-intree
	echo "round $r: ours $(tail -n1 /tmp/bench-ours) in-tree $(tail -n1 /tmp/bench-intree) (reads/s attach-ms detach-ms)"
done
col() { cut -d' ' -f$2 "$1" | mean; }
O_RATE=$(col /tmp/bench-ours 1) O_ATTACH=$(col /tmp/bench-ours 2) O_DETACH=$(col /tmp/bench-ours 3)
I_RATE=$(col /tmp/bench-intree 1) I_ATTACH=$(col /tmp/bench-intree 2) I_DETACH=$(col /tmp/bench-intree 3)

printf '\nbench/pci (%s s per rate, mean of %s alternating rounds; edu passed through to a PV domU; ours = xsplit-pciback + xsplit-pcifront, in-tree = xen-pciback + xen-pcifront)\n' "$SECS" "$ROUNDS"
printf '%-16s %10s %10s %10s %12s %12s\n' row ours in-tree native ours/in-tree ours/native
printf '%-16s %10s %10s %10s %12s %12s\n' "conf reads/s" $O_RATE $I_RATE $NATIVE "$(ratio $O_RATE $I_RATE)" "$(ratio $O_RATE $NATIVE)"
printf '%-16s %10s %10s %10s %12s %12s\n' "attach ms" $O_ATTACH $I_ATTACH - "$(ratio $I_ATTACH $O_ATTACH)" -
printf '%-16s %10s %10s %10s %12s %12s\n' "detach ms" $O_DETACH $I_DETACH - "$(ratio $I_DETACH $O_DETACH)" -
echo "(for the ms rows the ratio is in-tree/ours: above 1 means ours is faster)"
echo "ok - bench/pci ran"
