#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The emulated nvme controller passed through by xsplit-pciback and driven
# by the guest's own nvme driver: DMA both ways (data checked byte for
# byte), interrupts, and a function with FLR, so the reset between owners
# is a real one. The controller goes to a guest with
# xsplit-pcifront, then (reset) to a guest with the kernel's xen-pcifront,
# then back to dom0's nvme driver, and each owner reads what the one before
# it wrote.
#
# MSI-X: the guest's driver asks for it through enable_msix; dom0 maps the
# vectors into the guest, which Xen does only because pciback announced
# the function's MSI-X table when it seized it (PHYSDEVOP_prepare_msix).

. /xsplit/tests/lib/vm.sh

NVME=0000:00:07.0
GUEST=$XS/tests/vm/guest/nvme-data.sh
guest_line() { echo "$1" | grep -m1 "^$2" ; }
nvme_dev() { ls -d /sys/bus/pci/devices/$NVME/nvme/nvme*/nvme*n1 2>/dev/null | head -n 1 | xargs -r basename; }

# The guest has no modules.dep: give it nvme and what it needs, in order.
mods=$(mktemp -d)
modprobe -D nvme | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' >$mods/paths
while read -r p; do cp "$p" $mods/; basename "$p"; done <$mods/paths >$mods/order
FILES=()
for f in $mods/*.ko $mods/order; do FILES+=(--file "$f:/xsplit-guest/mods/$(basename $f)"); done

head -c 4M /dev/urandom >$mods/p1
head -c 4M /dev/urandom >$mods/p2
md5() { md5sum "$1" | cut -d' ' -f1; }

guest_checks() {	# OUTPUT TAG
	check_eq "$2: the guest's nvme driver has the controller" "nvme driver nvme" "$(guest_line "$1" 'nvme driver')"
	check "$2: the driver's queues have an interrupt" test "$(guest_line "$1" 'queue irqs' | cut -d' ' -f3)" -ge 1
	check "$2: the driver got MSI-X vectors" test "$(guest_line "$1" 'msix enabled' | cut -d' ' -f3)" -ge 1
	check_eq "$2: no warning or oops in the guest" "guest-trouble 0" "$(guest_line "$1" 'guest-trouble ')"
}

dmesg_mark
check "nvme modules for the guest ($(wc -l <$mods/order))" test -s $mods/order
check "insmod xsplit-pciback" insmod "$(ko_path pciback)"
check "xl pci-assignable-add $NVME" xl pci-assignable-add $NVME
check "the controller was reset when seized" sh -c "dmesg | grep -q 'pciback $NVME: reset$'"

out=$($DOMU --no-load xen-pcifront --cfg "pci = ['$NVME']" "${FILES[@]}" \
	--file $mods/p1:/xsplit-guest/pattern --timeout 200 $GUEST ours 0 0)
echo "$out" | sed 's/^/  guest: /'
guest_checks "$out" "xsplit-pcifront"
check_eq "xsplit-pcifront: 4 MiB written and read back by DMA" "md5 at 0M $(md5 $mods/p1)" "$(guest_line "$out" 'md5 at')"
resets=$(dmesg | grep -c "pciback $NVME: reset$")
check "the controller was reset when the guest died" test "$resets" -ge 2

out=$($DOMU --cfg "pci = ['$NVME']" "${FILES[@]}" \
	--file $mods/p2:/xsplit-guest/pattern --timeout 200 $GUEST kernel 4 0)
echo "$out" | sed 's/^/  guest: /'
guest_checks "$out" "kernel's xen-pcifront"
check_eq "second guest reads what the first wrote" "md5 at 0M $(md5 $mods/p1)" "$(guest_line "$out" 'md5 at')"

check "xl pci-assignable-remove -r" xl pci-assignable-remove -r $NVME
check_eq "controller back with dom0's nvme driver" nvme "$(basename "$(readlink /sys/bus/pci/devices/$NVME/driver)")"
for i in $(seq 50); do [ -n "$(nvme_dev)" ] && break; sleep 0.2; done
dev=/dev/$(nvme_dev)
# dom0 has no /dev/fd for <(...): read into files.
dd if=$dev of=$mods/r1 bs=1M count=4 iflag=direct 2>/dev/null
dd if=$dev of=$mods/r2 bs=1M skip=4 count=4 iflag=direct 2>/dev/null
check "dom0 reads the first guest's data" cmp $mods/p1 $mods/r1
check "dom0 reads the second guest's data" cmp $mods/p2 $mods/r2
rm -rf $mods
check "rmmod xsplit-pciback" rmmod "$(ko_name pciback)"
check_eq "nothing at warning level or above" "" "$(dmesg_warnings)"
finish
