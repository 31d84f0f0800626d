# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/vm/dma.sh: the edu passed through to this PV domU,
# given xsplit-dma's ops, and its DMA engine run by the test driver.
#   edu-dma.sh good|bad
#     good: the DMA self-test (xsplit-test-edu dma_test=1), then a driver
#           that leaks a mapping (dma_leak=1) under strict mode
#     bad:  xsplit-dma told not to translate (test_no_translate=1), and
#           the test driver's check that must notice (dma_expect_bad=1)
# Both files come with --file: /xsplit-guest/xsplit-dma.ko and
# /xsplit-guest/xsplit-test-edu.ko.
. /lib/xsplit/guest-lib.sh

EDU=0000:00:00.0
SYS=/sys/kernel/xsplit-dma
wait_for /sys/bus/pci/devices/$EDU 60 || exit 1

if [ "$1" = bad ]; then
	dma_args="pool_bits=28 test_no_translate=1"
	edu_args="dma_expect_bad=1"
else
	dma_args="pool_bits=28"
	edu_args="dma_test=1"
fi
insmod /xsplit-guest/xsplit-dma.ko $dma_args || { echo "xsplit-dma: insmod failed"; exit 1; }
echo "mode $(cat $SYS/mode)"
echo $EDU >$SYS/bind && echo "bound"
echo "pool $(cat $SYS/pool)"
insmod /xsplit-guest/xsplit-test-edu.ko $edu_args || echo "edu-test: insmod failed"
dmesg | grep -o 'xsplit-test-edu: dma.*' | sed 's/^/edu-dma: /'
for s in maps unmaps bounces exchanges contig failures bad_unmaps outstanding; do
	echo "stat $s $(cat $SYS/devices/$EDU/$s)"
done
echo $EDU >/sys/bus/pci/drivers/xsplit-test-edu/unbind
rmmod xsplit_test_edu
if [ "$1" = bad ]; then
	# By hand, no DMA API: the device reads 16 bytes from 0x3f00000000,
	# far from any RAM, which Xen's IOMMU must refuse and log. This
	# shows dom0's fault detector can see a fault at all.
	d=/sys/bus/pci/devices/$EDU
	echo 1 >$d/enable
	v=$(dd if=$d/config bs=1 skip=4 count=1 2>/dev/null | od -An -tu1)
	printf "\\$(printf %o $((v | 4)))" | dd of=$d/config bs=1 seek=4 count=1 conv=notrunc 2>/dev/null
	bar0=$(head -n 1 $d/resource | cut -d' ' -f1)
	devmem $((bar0 + 0x80)) 64 0x3f00000000
	devmem $((bar0 + 0x88)) 64 0x40000
	devmem $((bar0 + 0x90)) 64 16
	devmem $((bar0 + 0x98)) 64 1
	sleep 1
	echo "raw dma done $(devmem $((bar0 + 0x98)) 64)"
fi
echo $EDU >$SYS/unbind && echo "unbound"
rmmod xsplit_dma && echo "rmmod done"
if [ "$1" = good ]; then
	# A driver that leaks a mapping: strict mode lists it at the driver's
	# unbind, and xsplit-dma keeps the device (and itself) from then on.
	insmod /xsplit-guest/xsplit-dma.ko pool_bits=28 strict=1 "bind=($EDU)" &&
		[ -d $SYS/devices/$EDU ] && echo "bound at load"
	insmod /xsplit-guest/xsplit-test-edu.ko dma_leak=1
	dmesg | grep -o 'xsplit-test-edu: dma-leak .*' | sed 's/^/edu-dma: /'
	echo $EDU >/sys/bus/pci/drivers/xsplit-test-edu/unbind
	echo "leaks $(cat $SYS/devices/$EDU/leaks)"
	echo "leak listed $(dmesg | grep -c 'xsplit-dma: strict: leaked mapping')"
	echo $EDU >$SYS/unbind 2>/dev/null && echo "leaky unbind allowed" || echo "leaky unbind refused"
	rmmod xsplit_dma 2>/dev/null && echo "leaky rmmod allowed" || echo "leaky rmmod refused"
fi
echo "guest-trouble $(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace')"
