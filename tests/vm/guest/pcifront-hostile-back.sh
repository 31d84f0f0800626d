# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/vm/pcifront-hostile-back.sh (busybox sh in a PV domU
# started with --no-load xen-pcifront). dom0 runs the hostile PCI backend
# in mode MODE and writes this guest's "pci" device into xenstore by hand.
# Load xsplit-pcifront with a short op timeout, report what it made of the
# backend, print READY-TO-CLOSE, then wait for dom0 to take the backend
# away and unload everything. In mode aer, print READY-FOR-AER once
# xsplit-test-edu is bound and wait for dom0's AER requests first.
#   pcifront-hostile-back.sh MODE     (silent, garbage, bad_roots or aer)
. /lib/xsplit/guest-lib.sh

mode=$1
XB=/sys/bus/xen/devices/pci-0
FRONT_KO=/lib/xsplit/xsplit-pcifront.ko
EDU_KO=/xsplit-guest/xsplit-test-edu.ko
TIMEOUT_MS=300
# Must match the number of requests in tests/kmod/pci-hostile-back.c.
AER_REQUESTS=7

# Milliseconds since boot, to 10 ms (all /proc/uptime has).
now_ms() {
	local t
	t=$(cut -d' ' -f1 /proc/uptime)
	echo $(( ${t%.*} * 1000 + $(echo "${t#*.}" | sed 's/^0//') * 10 ))
}

# dmesg_wait REGEX SECONDS: wait for a kernel message.
dmesg_wait() {
	local n=0
	while ! dmesg | grep -qE "$1"; do
		[ $n -ge $(($2 * 20)) ] && return 1
		sleep 0.05
		n=$((n + 1))
	done
}

functions() {
	local d v n=0
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/vendor" ] || continue
		v=$(sed 's/^0x//' $d/vendor)
		echo "function $(basename $d) $v:$(sed 's/^0x//' $d/device) class $(cat $d/class)"
		n=$((n + 1))
	done
	echo "functions $n"
}

aer_results() {
	dmesg | grep -cE 'xsplit_pcifront pci-0: AER request [0-9]+ for .*: result -?[0-9]+$'
}

# The xenbus device appears once dom0 has written state 1 in our node.
wait_for $XB 90 || exit 1
echo "xenbus device pci-0 appeared"

mark=$(dmesg | wc -l)
t0=$(now_ms)
insmod $FRONT_KO op_timeout_ms=$TIMEOUT_MS || { echo "pcifront: insmod failed"; exit 1; }
# Connected, or given up with a xenbus error ("<errno> <what>").
if dmesg_wait 'xsplit_pcifront pci-0: (connected to backend|-?[0-9]+ )' 60; then
	t1=$(now_ms)
	echo "connect-ms $((t1 - t0))"
	if dmesg | grep -q 'xsplit_pcifront pci-0: connected to backend'; then
		echo "outcome connected"
	else
		echo "outcome failed"
	fi
else
	echo "outcome none within 60s"
fi
[ -r $XB/state ] && echo "front-state $(cat $XB/state)"
functions

case $mode in
silent)
	# A backend that is still sitting on an op must not make every
	# later config access wait for it again.
	t0=$(now_ms)
	echo 1 >/sys/bus/pci/rescan
	echo "rescan-ms $(($(now_ms) - t0))"
	functions | sed 's/^/after-rescan: /'
	;;
garbage)
	insmod $EDU_KO irq_mode=msi || echo "edu-test: insmod failed"
	dmesg | grep -o 'xsplit-test-edu: .*' | sed 's/^/edu-test: /'
	;;
aer)
	# The driver binds even though its MSI set-up fails against these
	# answers: its probe reports each step and succeeds regardless.
	insmod $EDU_KO irq_mode=msi || echo "edu-test: insmod failed"
	if [ -e /sys/bus/pci/drivers/xsplit-test-edu/0000:00:00.0 ]; then
		echo "edu-bound yes"
	else
		echo "edu-bound no"
	fi
	echo READY-FOR-AER
	# pcifront logs the result of every request before answering it.
	n=0
	while [ "$(aer_results)" -lt $AER_REQUESTS ]; do
		[ $n -ge 1200 ] && break
		sleep 0.05
		n=$((n + 1))
	done
	echo "aer-requests $(aer_results)"
	dmesg | grep -o 'xsplit-test-edu: .*' | sed 's/^/edu-test: /'
	# With their log levels: the refusals must be warnings.
	dmesg -r | grep 'xsplit_pcifront pci-0: AER request ' |
		sed 's/\[[^]]*\] //; s/^/aer-log: /'
	;;
esac
sed 's/^/stats: /' $XB/xsplit_stats 2>/dev/null
echo "alive $(now_ms)"
echo READY-TO-CLOSE

# dom0 unloads its backend, which closes it under us.
if dmesg_wait 'xsplit_pcifront pci-0: backend .* is closing' 90; then
	echo "backend-closed seen"
else
	echo "backend-closed not seen within 90s"
fi
# The frontend has removed its functions once it says so and goes Closed.
sleep 1
[ -r $XB/state ] && echo "front-state-after $(cat $XB/state)"
functions | sed 's/^/after-close: /'
sed 's/^/stats-final: /' $XB/xsplit_stats 2>/dev/null
if grep -q '^xsplit_test_edu ' /proc/modules; then
	rmmod xsplit_test_edu
	echo "rmmod-edu $?"
fi
# xenbus holds a reference on the module of a bound driver: unbind first.
echo pci-0 >/sys/bus/xen/drivers/xsplit_pcifront/unbind
echo "unbind-pcifront $?"
rmmod xsplit_pcifront
echo "rmmod-pcifront $?"
dmesg | tail -n +$((mark + 1)) | sed 's/^[^]]*] //; s/^/dmesg: /'
echo "guest-trouble $(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace')"
# xenbus_dev_error() from the frontend's own teardown would mean it freed
# something twice or in the wrong order.
echo "teardown-errors $(dmesg | grep -c 'xsplit_pcifront pci-0: [0-9]* freeing')"
