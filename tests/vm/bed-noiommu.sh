#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# testbed-options: --no-iommu
#
# The bed's other mode: no emulated IOMMU, so Xen runs without I/O
# virtualisation (the case where passthrough has no DMA isolation).

. /xsplit/tests/lib/vm.sh

check "Xen runs without I/O virtualisation" \
	sh -c "xl dmesg | grep -q 'I/O virtualisation disabled'"
check "no IOMMU was found" sh -c "! xl dmesg | grep -q 'I/O virtualisation enabled'"

cat >/tmp/guest.sh <<'EOF'
echo "alive $(uname -r)"
EOF
out=$($DOMU /tmp/guest.sh)
check_eq "a PV domU runs its script without an IOMMU" "alive $(uname -r)" "$out"

finish
