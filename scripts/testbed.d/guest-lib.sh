# SPDX-License-Identifier: GPL-2.0
# Helpers for guest scripts run by scripts/domu: `. /lib/xsplit/guest-lib.sh`

# wait_for PATH [SECONDS]: wait until PATH exists (a frontend's device
# appears asynchronously after the xenbus handshake).
wait_for() {
	local n=0 limit=${2:-30}
	while [ ! -e "$1" ]; do
		n=$((n + 1))
		[ $n -gt $((limit * 10)) ] && { echo "guest: $1 did not appear in ${limit}s"; return 1; }
		sleep 0.1
	done
}
