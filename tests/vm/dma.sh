#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# testbed-options: --timeout 720
#
# xsplit-dma, the DMA-API for PV domains, in a real dom0 and a real domU:
#
# 1. dom0: the edu's DMA engine, driven by the test driver through our
#    ops, copies a single page, a buffer whose pfns are contiguous but
#    whose machine frames are not, a buffer above the mask the driver
#    set (bounced), and a coherent buffer (made contiguous by Xen), every
#    byte compared; then again in strict mode. Binding, unbinding and
#    rmmod refuse while they should.
# 2. dom0: the nvme controller bound to xsplit-dma before its driver
#    probes; fio verifies data from 512 B to 1 MiB blocks, and
#    xsplit-blkback serves a guest from that disk.
# 3. domU: the edu passed through (xsplit-pciback, the kernel's
#    xen-pcifront) and the same DMA test in the guest.
# 4. domU, the negative test: xsplit-dma told not to translate; the
#    test driver must see wrong data (or Xen an IOMMU fault).
# Xen's log must show no IOMMU fault except in step 4.

. /xsplit/tests/lib/vm.sh

EDU=0000:00:05.0
NVME=0000:00:07.0
SYS=/sys/kernel/xsplit-dma
EDUKO=$XS/tests/kmod/xsplit-test-edu.ko
DMAKO=$(ko_path dma-xen)
MOD=$(ko_name dma-xen)
HOTPLUG="script=$XS/scripts/hotplug/block"
# The bounce pool must lie below the narrow mask the dma-bounce case sets.
BITS=28

since_mark() { dmesg | tail -n +$((DMESG_MARK + 1)); }
iommu_faults() { xl dmesg | grep -cE '\[VT-D\]DMAR:\[DMA|fault addr' ; }
stat_of() { cat $SYS/devices/$1/$2; }
driver_of() { basename "$(readlink /sys/bus/pci/devices/$1/driver 2>/dev/null)"; }

# The test driver's DMA cases, from the text it logged (dmesg or a guest).
edu_dma_checks() {	# TEXT TAG
	local c
	for c in single straddle bounce coherent; do
		check "$2: dma-$c" has "$1" "xsplit-test-edu: dma-$c ok"
	done
	check "$2: no case failed" lacks "$1" "xsplit-test-edu: dma-[a-z-]* FAIL"
	check "$2: all cases ran" has "$1" "xsplit-test-edu: dma-done \([0-9]*\)/\1"
}

# dom0's edu run; leaves the test driver unbound and edu bound to us.
edu_run_dom0() {	# TAG
	dmesg_mark
	check "$1: test driver loaded" insmod $EDUKO dma_test=1 dma_bounce_bits=$BITS
	edu_dma_checks "$(since_mark)" "$1"
	check_eq "$1: the test driver drives the edu" xsplit-test-edu "$(driver_of $EDU)"
	check "$1: some buffers were bounced" test "$(stat_of $EDU bounces)" -gt 0
	check "$1: Xen exchanged memory for a coherent buffer" test "$(stat_of $EDU exchanges)" -gt 0
	check_eq "$1: no map refused" 0 "$(stat_of $EDU failures)"
	check_eq "$1: no bad unmap" 0 "$(stat_of $EDU bad_unmaps)"
	check_eq "$1: every map was unmapped" 0 "$(stat_of $EDU outstanding)"
	check "$1: unbind refused while the driver has the device" sh -c "! echo $EDU >$SYS/unbind"
	check "$1: test driver unbound" sh -c "echo $EDU >/sys/bus/pci/drivers/xsplit-test-edu/unbind"
	rmmod xsplit_test_edu
	check_eq "$1: no leak at the driver's unbind" 0 "$(stat_of $EDU leaks)"
}

xl dmesg -c >/dev/null
dmesg_mark
check "edu has no driver in dom0" test -z "$(driver_of $EDU)"

# ---- 1. dom0: the edu's DMA through our ops -------------------------------
# Xen refuses an exchange for frames below 2^12 (one page of address
# space), so the pool cannot be made: the bind must fail, say why, and
# leave the pages as they were.
check "insmod xsplit-dma pool_bits=12" insmod $DMAKO pool_bits=12
dmesg_mark
check "bind refused when Xen will not exchange for the pool" sh -c "! echo $EDU >$SYS/bind"
check "the refusal says why" has "$(since_mark)" "no 2048 KiB of machine-contiguous memory below 2^12"
check "nothing bound after the refusal" test ! -e $SYS/devices/$EDU
check "rmmod after the refused bind" rmmod $MOD

check "insmod xsplit-dma pool_bits=$BITS" insmod $DMAKO pool_bits=$BITS
check_eq "PV dom0 translates through the P2M" p2m "$(cat $SYS/mode)"
check "bind of a malformed BDF refused" sh -c "! echo 0000:00:5.0x >$SYS/bind"
check "bind of a missing device refused" sh -c "! echo 0000:00:1f.7 >$SYS/bind"
check "bind the edu" sh -c "echo $EDU >$SYS/bind"
check "a second bind is refused" sh -c "! echo $EDU >$SYS/bind"
check "the bounce pool was made" has "$(cat $SYS/pool)" "^pages 512 used 0"
check "rmmod refused while a device is bound" sh -c "! rmmod $MOD"
edu_run_dom0 dom0

# Misuse: every call must get an error back, counted and logged, and
# leave nothing mapped.
dmesg_mark
before_fail=$(stat_of $EDU failures)
before_bad=$(stat_of $EDU bad_unmaps)
check "abuse: test driver loaded" insmod $EDUKO dma_abuse=1 dma_bounce_bits=$BITS
text=$(since_mark)
for c in size0 coherent-huge exhausted double-unmap stray-unmap; do
	check "abuse-$c answered with an error" has "$text" "xsplit-test-edu: abuse-$c ok"
done
check "abuse: the pool ran out at its size" has "$text" "abuse-exhausted ok 0x200"
check "abuse: size 0 refused, with a message naming the device" has "$text" "$EDU: xsplit-dma: refused to map 0 bytes"
check "abuse: huge coherent buffer refused" has "$text" "$EDU: xsplit-dma: no coherent buffer of 4194304 bytes"
check "abuse: exhausted pool reported" has "$text" "$EDU: xsplit-dma: bounce pool exhausted"
check "abuse: double unmap reported" has "$text" "$EDU: xsplit-dma: unmap of .*: nothing is mapped there"
check "abuse: unmap inside a mapping reported" has "$text" "$EDU: xsplit-dma: unmap of .*: not the start of a mapping"
check_eq "abuse: three refusals counted" 3 $(( $(stat_of $EDU failures) - before_fail ))
check_eq "abuse: two bad unmaps counted" 2 $(( $(stat_of $EDU bad_unmaps) - before_bad ))
check_eq "abuse: nothing left mapped" 0 "$(stat_of $EDU outstanding)"
check "abuse: pool empty again" has "$(cat $SYS/pool)" "^pages 512 used 0"
echo $EDU >/sys/bus/pci/drivers/xsplit-test-edu/unbind
rmmod xsplit_test_edu
check "unbind the edu" sh -c "echo $EDU >$SYS/unbind"
check "its stats went with it" test ! -e $SYS/devices/$EDU
check "rmmod xsplit-dma" rmmod $MOD

# The peer: the same driver on the kernel's swiotlb-xen, which the edu has
# again. (Its pool lies above 2^28, so only the cases without the narrow
# mask can pass there.)
dmesg_mark
insmod $EDUKO dma_test=1 dma_bounce_bits=$BITS
text=$(since_mark)
for c in single straddle; do
	check "swiotlb-xen: dma-$c" has "$text" "xsplit-test-edu: dma-$c ok"
done
echo $EDU >/sys/bus/pci/drivers/xsplit-test-edu/unbind
rmmod xsplit_test_edu

# bind= at load, strict mode; then the device leaves and comes back.
check "insmod xsplit-dma strict=1 bind=($EDU)" insmod $DMAKO pool_bits=$BITS strict=1 "bind=($EDU)"
check "the edu was bound at load" test -d $SYS/devices/$EDU
check_eq "strict mode on for it" 1 "$(stat_of $EDU strict)"
edu_run_dom0 dom0-strict
check_eq "dom0-strict: strict mode found nothing" 0 "$(stat_of $EDU strict_errors)"
# Strict mode must catch addresses that are not this domain's: with the
# test-only switch, every streaming map hands out a pfn, and is refused
# before the device could use it.
echo 1 >/sys/module/$MOD/parameters/test_no_translate
dmesg_mark
insmod $EDUKO dma_expect_bad=1
echo 0 >/sys/module/$MOD/parameters/test_no_translate
check "strict: untranslated addresses refused" test "$(stat_of $EDU strict_errors)" -gt 0
check "strict: the refusal names the device" has "$(since_mark)" "$EDU: xsplit-dma: strict: bus address .* is not this domain's memory"
echo $EDU >/sys/bus/pci/drivers/xsplit-test-edu/unbind
rmmod xsplit_test_edu
echo 1 >/sys/bus/pci/devices/$EDU/remove
check "a removed device is unbound with it" test ! -e $SYS/devices/$EDU
echo 1 >/sys/bus/pci/rescan
check "bind= catches the device when it comes back" test -d $SYS/devices/$EDU
check "unbind the edu (strict)" sh -c "echo $EDU >$SYS/unbind"
check_eq "no IOMMU fault in Xen's log after dom0's runs" 0 "$(iommu_faults)"

# ---- 2. dom0: nvme through our ops, under fio and blkback -----------------
check_eq "nvme driver has the controller" nvme "$(driver_of $NVME)"
echo $NVME >/sys/bus/pci/drivers/nvme/unbind
check "bind the nvme controller (strict)" sh -c "echo $NVME >$SYS/bind"
check "nvme driver probes it again" sh -c "echo $NVME >/sys/bus/pci/drivers/nvme/bind"
disk=
for _ in $(seq 100); do disk=$(nvme_disk) && break; sleep 0.1; done
check "nvme disk is back ($disk)" test -b "$disk"
# Random writes read back and checked; each size about 512 I/Os or 8 MiB.
for run in 512:256k 4k:2m 64k:8m 1m:8m; do
	bs=${run%:*}
	check "fio verify, bs=$bs" fio --name=v$bs --filename="$disk" --direct=1 \
		--ioengine=libaio --iodepth=8 --rw=randwrite --bs=$bs \
		--size=${run#*:} --offset=$((64 << 20)) --verify=crc32c \
		--verify_fatal=1 --do_verify=1 --verify_state_save=0 --output=/tmp/fio-$bs.log
done
check "nvme: maps went through our ops" test "$(stat_of $NVME maps)" -gt 0
check_eq "nvme: no map refused" 0 "$(stat_of $NVME failures)"
check_eq "nvme: strict mode found nothing" 0 "$(stat_of $NVME strict_errors)"

check "insmod xsplit-blkback" insmod "$(ko_path blkback)"
head -c $((8 << 20)) /dev/urandom >/tmp/to-guest
dd if=/tmp/to-guest of="$disk" bs=1M oflag=direct conv=fsync status=none
cat >/tmp/nvme-guest.sh <<'G'
. /lib/xsplit/guest-lib.sh
wait_for /dev/xvda || exit 1
echo "read $(head -c 8388608 /dev/xvda | sha256sum | cut -d' ' -f1)"
head -c 8388608 /dev/urandom >/tmp/from-guest
dd if=/tmp/from-guest of=/dev/xvda bs=1048576 seek=16 conv=fsync 2>/dev/null
echo "wrote $(sha256sum </tmp/from-guest | cut -d' ' -f1)"
G
out=$($DOMU --cfg "disk = ['format=raw, vdev=xvda, access=rw, $HOTPLUG, target=$disk']" /tmp/nvme-guest.sh)
echo "$out" | sed 's/^/  blk guest: /'
check_eq "guest reads what dom0 wrote to the nvme (sha256 of 8 MiB)" \
	"read $(sha256sum </tmp/to-guest | cut -d' ' -f1)" "$(grep '^read' <<<"$out")"
got=$(dd if="$disk" bs=1M skip=16 count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)
check_eq "dom0 reads what the guest wrote (sha256 of 8 MiB)" "$(grep '^wrote' <<<"$out")" "wrote $got"
check "rmmod xsplit-blkback" rmmod "$(ko_name blkback)"
check_eq "nvme: strict mode still found nothing" 0 "$(stat_of $NVME strict_errors)"

echo $NVME >/sys/bus/pci/drivers/nvme/unbind
check_eq "nvme: the driver left nothing mapped" 0 "$(stat_of $NVME outstanding)"
check "unbind the nvme controller" sh -c "echo $NVME >$SYS/unbind"
echo $NVME >/sys/bus/pci/drivers/nvme/bind
check "rmmod xsplit-dma (strict)" rmmod $MOD
check_eq "no IOMMU fault in Xen's log after the nvme runs" 0 "$(iommu_faults)"

# ---- 3. domU: the edu passed through, DMA through our ops in the guest ----
check "insmod xsplit-pciback" insmod "$(ko_path pciback)"
check "xl pci-assignable-add $EDU" xl pci-assignable-add $EDU
GFILES=(--file "$DMAKO:/xsplit-guest/xsplit-dma.ko" --file "$EDUKO:/xsplit-guest/xsplit-test-edu.ko")
out=$($DOMU --cfg "pci = ['$EDU']" "${GFILES[@]}" --timeout 150 $XS/tests/vm/guest/edu-dma.sh good)
echo "$out" | sed 's/^/  guest: /'
check_eq "domU: xsplit-dma translates through the P2M" "mode p2m" "$(grep -m1 '^mode' <<<"$out")"
check "domU: edu bound to xsplit-dma" has "$out" "^bound"
edu_dma_checks "$out" domU
check "domU: some buffers were bounced" lacks "$out" "^stat bounces 0"
check "domU: Xen exchanged memory for a coherent buffer" lacks "$out" "^stat exchanges 0"
check "domU: no map refused" has "$out" "^stat failures 0"
check "domU: every map was unmapped" has "$out" "^stat outstanding 0"
check "domU: unbound and unloaded" has "$out" "^rmmod done"
check "domU: no warning or oops in the guest" has "$out" "^guest-trouble 0"
check "domU: bind= bound the pcifront device at load" has "$out" "^bound at load"
check "domU: the leaking driver mapped its page" has "$out" "xsplit-test-edu: dma-leak ok"
check "domU: the leak was counted at the driver's unbind" has "$out" "^leaks 1$"
check "domU: strict mode listed the leaked mapping" has "$out" "^leak listed 1$"
check "domU: unbind refused while a mapping is outstanding" has "$out" "^leaky unbind refused"
check "domU: rmmod refused while a device is bound" has "$out" "^leaky rmmod refused"
check_eq "no IOMMU fault in Xen's log after the domU run" 0 "$(iommu_faults)"

# ---- 4. domU: without translation the test must fail ------------------------
out=$($DOMU --cfg "pci = ['$EDU']" "${GFILES[@]}" --timeout 150 $XS/tests/vm/guest/edu-dma.sh bad)
echo "$out" | sed 's/^/  bad guest: /'
xlog=$(xl dmesg)
faults=$(grep -E '\[VT-D\]DMAR:\[DMA|fault addr' <<<"$xlog" | grep -vc 'fault addr 3f00000000')
echo "# IOMMU faults in Xen's log from the untranslated mappings: $faults"
grep -E '\[VT-D\]DMAR:\[DMA' <<<"$xlog" | head -n 4 | sed 's/^/#   /'
check "negative: the edu check saw wrong data or Xen an IOMMU fault" \
	sh -c "[ $(grep -c 'dma-bad-detected ok' <<<"$out") -gt 0 ] || [ $faults -gt 0 ]"
check "negative: the guest's DMA far outside its memory ran" has "$out" "^raw dma done 0x0*$"
check "negative: Xen logged that as an IOMMU fault (the detector works)" \
	has "$xlog" "DMAR:\[DMA Read\] Request device \[0000:00:05.0\] fault addr 3f00000000"

check "rmmod xsplit-pciback" rmmod "$(ko_name pciback)"
check_eq "dom0: no kernel warning or oops" "" "$(dmesg | grep -E 'WARNING:|BUG:|Oops')"
finish
