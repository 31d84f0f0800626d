# SPDX-License-Identifier: GPL-2.0
#
# The test bed targets.  Both do their own set-up: scripts/deps installs
# what is missing (Debian packages) and asks for nothing when all is there.
#
#   make check     unit tests, tooling tests and every test-bed test;
#                  the last line is "N passed, N failed"
#   make demo      boot the test bed and show our modules serving a guest
#   make testbed-shell   an interactive dom0 in the test bed
#   make bench-pci       bench/pci: ours against the in-tree xen-pciback
#   make bench-blk       bench/blk: fio on ours, the in-tree xen-blkback and dom0
#   make bench-dma       bench/dma: DMA map+unmap on xsplit-dma, swiotlb-xen, identity ops
#   make bench-net       bench/net: iperf3 on ours, the in-tree xen-netback and a veth pair

.PHONY: check demo deps testbed-shell bench-pci bench-blk bench-dma bench-net

deps:
	$(TOP)/scripts/deps

check: deps
	$(TOP)/tests/run $(TESTS)

demo: deps
	$(TOP)/scripts/testbed run $(TOP)/scripts/demo.sh

testbed-shell: deps
	$(TOP)/scripts/testbed shell

bench-pci: deps
	$(MAKE) -C $(TOP) -s
	$(TOP)/scripts/testbed --no-build --timeout 1200 run $(TOP)/bench/pci/run.sh

bench-blk: deps
	$(MAKE) -C $(TOP) -s
	$(TOP)/scripts/testbed --no-build --timeout 2700 run $(TOP)/bench/blk/run.sh

bench-dma: deps
	$(MAKE) -C $(TOP) -s
	$(TOP)/scripts/testbed --no-build --timeout 1200 run $(TOP)/bench/dma/run.sh

bench-net: deps
	$(MAKE) -C $(TOP) -s
	$(TOP)/scripts/testbed --no-build --timeout 1800 run $(TOP)/bench/net/run.sh
