# SPDX-License-Identifier: GPL-2.0
#
# Helpers for test-bed tests (tests/vm/*.sh), which run as root in a real
# dom0 under scripts/testbed.  Source it: `. /xsplit/tests/lib/vm.sh`.
#
# A test reports each check as a TAP-like line, "ok - NAME" or
# "not ok - NAME: why", which tests/run counts, and ends with `finish`.

XS=/xsplit
DOMU=$XS/scripts/domu
T_PASS=0
T_FAIL=0

ok() { echo "ok - $*"; T_PASS=$((T_PASS + 1)); }
not_ok() { echo "not ok - $*"; T_FAIL=$((T_FAIL + 1)); }

# check NAME CMD...: one check from a command's exit status.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name: '$*' failed"; fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}

# has TEXT REGEX / lacks TEXT REGEX: for checks on captured output, which
# may hold any quote character (no sh -c "echo '...'" around it).
has() { printf '%s\n' "$1" | grep -q -- "$2"; }
lacks() { ! has "$@"; }

# A test with no check at all, or any failed one, fails.
finish() {
	[ $((T_PASS + T_FAIL)) -gt 0 ] || not_ok "$(basename "$0"): no checks ran"
	[ $T_FAIL -eq 0 ]
	exit
}

# Our modules, by directory.  pcifront is a guest module and is not here.
OUR_DOM0_MODULES="pciback blkback netback dma-xen"

ko_path() {	# DIR -> the module built there
	ls $XS/$1/xsplit-*.ko 2>/dev/null | head -n 1
}

ko_name() {	# DIR -> the module's name as lsmod shows it
	basename "$(ko_path "$1")" .ko | tr - _
}

# load_ours [DIR...]: our dom0 modules but those in DIR... (e.g. netback
# when the kernel's own xen-netback is to serve the vifs: never both).
load_ours() {
	local d
	for d in $OUR_DOM0_MODULES; do
		[[ " $* " == *" $d "* ]] && continue
		insmod "$(ko_path $d)" || return 1
	done
}

# unload_ours: every one of them that is loaded.
unload_ours() {
	local d
	for d in $OUR_DOM0_MODULES; do
		[ -d "/sys/module/$(ko_name $d)" ] || continue
		rmmod "$(ko_name $d)" || return 1
	done
}

# dmesg_mark; ...; dmesg_warnings: kernel messages at warning level or
# above logged since the mark.  The kernel's own one-time notice that an
# out-of-tree module taints it is expected for any module built with M= and
# is left out, and so is "hrtimer: interrupt took N ns", which the kernel
# prints once when the emulator on a loaded host stalled a vCPU.
# domain_gone DOMID: 1 once Xen has no such domain (within 20 s), else 0.
# A domain whose pages dom0 still maps cannot be freed: it stays, dying.
domain_gone() {
	local i
	for i in $(seq 40); do
		xl list | awk -v d="$1" 'NR > 1 && $2 == d { f = 1 } END { exit !f }' ||
			{ echo 1; return; }
		sleep 0.5
	done
	echo 0
}
dmesg_mark() { DMESG_MARK=$(dmesg -r | wc -l); }
dmesg_warnings() {
	dmesg -r | tail -n +$((DMESG_MARK + 1)) | grep -E '^<[0-4]>' |
		grep -v -e 'loading out-of-tree module taints kernel' \
			-e 'hrtimer: interrupt took [0-9]* ns'
}

# The nvme scratch disk scripts/testbed gives the machine.
nvme_disk() {
	local d
	for d in /sys/block/nvme*n1; do
		[ -e "$d" ] && { echo /dev/$(basename $d); return 0; }
	done
	return 1
}

# guest_line OUTPUT PREFIX: the first line of a guest's output with PREFIX.
guest_line() { echo "$1" | grep -m1 "^$2" ; }

# check_edu OUTPUT TAG [IRQ]: the edu's own checks, from the output of
# tests/vm/guest/edu-mmio.sh: MMIO always, the interrupt steps when the
# guest loaded the test driver.
check_edu() {
	check_eq "$2: guest read the edu's ID register" "id 0x010000ED" "$(guest_line "$1" 'id ')"
	check_eq "$2: the edu inverted a value" "inverse 0xEDCBA987" "$(guest_line "$1" 'inverse ')"
	check_eq "$2: the edu computed 5!" "fact5 0x00000078" "$(guest_line "$1" 'fact5 ')"
	[ -n "${3:-}" ] || return 0
	check "$2: test driver set up $3" sh -c "echo '$1' | grep -q 'edu-test: xsplit-test-edu: irq-setup ok $3'"
	for step in irq-raise factorial-irq; do
		check "$2: $step by $3" sh -c "echo '$1' | grep -q 'edu-test: xsplit-test-edu: $step ok'"
	done
}

# round_output NAME N: what guest NAME, running
# tests/vm/guest/splitctl-guest.sh, printed in its round N so far.
round_output() {
	sed -n "/^ROUND $2\r*\$/,/^ROUND $2 END/p" \
		/var/log/xen/console/guest-$1.log | tr -d '\r'
}
