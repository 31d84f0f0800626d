# SPDX-License-Identifier: GPL-2.0
#
# xsplit: user-facing entry point. Modules are built by kbuild from the
# Kbuild files; everything else (tool, unit tests, fuzzer) is plain make.
#
#   make [all]        modules, plus the tool if the Xen headers are present
#   make modules      kernel modules (W=1 and C=1 are passed to kbuild)
#   make tool         scripts/splitctl/splitctl
#   make unit         build and run tests/unit
#   make fuzz         build the libFuzzer targets (needs clang)
#   make install      the five modules and the tool (DESTDIR, PREFIX)
#   make clean

ifneq ($(KERNELRELEASE),)
# kbuild reads ./Kbuild in preference to this file; should it ever end up
# here instead, give it the same rules rather than the user-facing ones.
include $(dir $(lastword $(MAKEFILE_LIST)))Kbuild
else

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# Same as `KDIR ?= $(shell scripts/kdir)`, except that the lookup runs only
# when a target needs a kernel tree (so `make unit` works without one) and at
# most once (so a failed lookup complains once, not per use).
ifeq ($(origin KDIR),undefined)
KDIR = $(eval KDIR := $$(shell $(TOP)/scripts/kdir))$(KDIR)
endif

TOOL_CC ?= gcc
TOOL_CFLAGS ?= -O2 -Wall -Wextra -Werror
TOOL := $(TOP)/scripts/splitctl/splitctl
# splitctl's own parsers and JSON writer do no I/O, so the unit tests
# build them too; it reuses the shared BDF parser and BAR-page check.
SPLITCTL_LIB_SRC := $(TOP)/scripts/splitctl/parse.c $(TOP)/scripts/splitctl/json.c \
		    $(TOP)/scripts/splitctl/verdict.c
SPLITCTL_HDR := $(TOP)/scripts/splitctl/parse.h $(TOP)/scripts/splitctl/json.h \
		$(TOP)/scripts/splitctl/verdict.h $(TOP)/scripts/splitctl/splitctl.h
TOOL_SRC := $(TOP)/scripts/splitctl/splitctl.c $(TOP)/scripts/splitctl/pci_assign.c \
	    $(SPLITCTL_LIB_SRC) \
	    $(TOP)/include/xsplit/bdf.c $(TOP)/include/xsplit/bar_page.c

UNIT_CC ?= gcc
UNIT_CFLAGS ?= -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	       -fno-sanitize-recover=all -fno-omit-frame-pointer
# Failure lines then name tests/unit/foo.c rather than an absolute path.
UNIT_CFLAGS += -fmacro-prefix-map=$(TOP)/=
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined
UNIT_DIR := $(TOP)/build/unit
SHARED_SRC := $(TOP)/include/xsplit/ring_check.c $(TOP)/include/xsplit/bdf.c \
	      $(TOP)/include/xsplit/pci_op.c $(TOP)/include/xsplit/pci_conf.c \
	      $(TOP)/include/xsplit/vpci.c $(TOP)/include/xsplit/pci_opts.c \
	      $(TOP)/include/xsplit/bar_page.c $(TOP)/include/xsplit/pci_front.c \
	      $(TOP)/include/xsplit/blk_req.c $(TOP)/include/xsplit/dma_pool.c \
	      $(TOP)/include/xsplit/net_tx.c $(TOP)/include/xsplit/net_ctrl.c \
	      $(TOP)/include/xsplit/net_credit.c $(TOP)/include/xsplit/net_mcast.c
SHARED_HDR := $(wildcard $(TOP)/include/xsplit/*.h)
UNIT_SRC := $(TOP)/tests/unit/unit.c $(wildcard $(TOP)/tests/unit/test_*.c)

HAVE_XEN_HEADERS := $(and $(wildcard /usr/include/xenctrl.h),$(wildcard /usr/include/xenstore.h))

# Command-line W= and C= reach the kbuild sub-make through MAKEFLAGS anyway;
# naming them here documents that they are meant to be used.
KBUILD_ARGS = -C $(KDIR) M=$(TOP) $(if $(W),W=$(W)) $(if $(C),C=$(C))

.PHONY: all modules tool unit fuzz clean need-kdir install

all: modules $(if $(HAVE_XEN_HEADERS),tool)

need-kdir:
	@if [ -z "$(KDIR)" ]; then \
		echo "xsplit: no kernel build dir found; pass KDIR=/path/to/kernel/build" >&2; \
		exit 1; \
	fi
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "xsplit: KDIR=$(KDIR) is not a kernel build dir (no Makefile)" >&2; \
		exit 1; \
	fi

modules: need-kdir
	$(MAKE) $(KBUILD_ARGS) modules

tool: $(TOOL)

$(TOOL): $(TOOL_SRC) $(SPLITCTL_HDR) $(SHARED_HDR)
	$(TOOL_CC) $(TOOL_CFLAGS) -I $(TOP)/include -o $@ $(TOOL_SRC) \
		-lxenctrl -lxenstore

$(UNIT_DIR)/unit: $(UNIT_SRC) $(SHARED_SRC) $(SHARED_HDR) $(TOP)/tests/unit/unit.h \
		  $(SPLITCTL_LIB_SRC) $(SPLITCTL_HDR)
	@mkdir -p $(UNIT_DIR)
	$(UNIT_CC) $(UNIT_CFLAGS) -I $(TOP)/include -I $(TOP)/scripts/splitctl \
		-o $@ $(UNIT_SRC) $(SHARED_SRC) $(SPLITCTL_LIB_SRC)

unit: $(UNIT_DIR)/unit
	$(UNIT_DIR)/unit

FUZZ_FOUND := $(shell command -v $(FUZZ_CC) 2>/dev/null)

fuzz:
ifneq ($(FUZZ_FOUND),)
	@mkdir -p $(UNIT_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I $(TOP)/include -o $(UNIT_DIR)/fuzz_bdf \
		$(TOP)/tests/unit/fuzz_bdf.c $(TOP)/include/xsplit/bdf.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I $(TOP)/include -o $(UNIT_DIR)/fuzz_pci_conf \
		$(TOP)/tests/unit/fuzz_pci_conf.c $(TOP)/include/xsplit/pci_op.c \
		$(TOP)/include/xsplit/pci_conf.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I $(TOP)/include -o $(UNIT_DIR)/fuzz_pci_front \
		$(TOP)/tests/unit/fuzz_pci_front.c $(TOP)/include/xsplit/pci_front.c \
		$(TOP)/include/xsplit/bdf.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I $(TOP)/include -o $(UNIT_DIR)/fuzz_blk_req \
		$(TOP)/tests/unit/fuzz_blk_req.c $(TOP)/include/xsplit/blk_req.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I $(TOP)/include -o $(UNIT_DIR)/fuzz_dma_pool \
		$(TOP)/tests/unit/fuzz_dma_pool.c $(TOP)/include/xsplit/dma_pool.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I $(TOP)/include -o $(UNIT_DIR)/fuzz_net_tx \
		$(TOP)/tests/unit/fuzz_net_tx.c $(TOP)/include/xsplit/net_tx.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I $(TOP)/include -o $(UNIT_DIR)/fuzz_net_ctrl \
		$(TOP)/tests/unit/fuzz_net_ctrl.c $(TOP)/include/xsplit/net_ctrl.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I $(TOP)/include -o $(UNIT_DIR)/fuzz_net_credit \
		$(TOP)/tests/unit/fuzz_net_credit.c $(TOP)/include/xsplit/net_credit.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I $(TOP)/include -o $(UNIT_DIR)/fuzz_net_mcast \
		$(TOP)/tests/unit/fuzz_net_mcast.c $(TOP)/include/xsplit/net_mcast.c
	@echo "fuzz: built; run $(UNIT_DIR)/fuzz_bdf -max_total_time=60"
	@echo "fuzz: built; run $(UNIT_DIR)/fuzz_pci_conf -max_total_time=60"
	@echo "fuzz: built; run $(UNIT_DIR)/fuzz_pci_front -max_total_time=60"
	@echo "fuzz: built; run $(UNIT_DIR)/fuzz_blk_req -max_total_time=60"
	@echo "fuzz: built; run $(UNIT_DIR)/fuzz_dma_pool -max_total_time=60"
	@echo "fuzz: built; run $(UNIT_DIR)/fuzz_net_tx -max_total_time=60"
	@echo "fuzz: built; run $(UNIT_DIR)/fuzz_net_ctrl -max_total_time=60"
	@echo "fuzz: built; run $(UNIT_DIR)/fuzz_net_credit -max_total_time=60"
	@echo "fuzz: built; run $(UNIT_DIR)/fuzz_net_mcast -max_total_time=60"
else
	@echo "fuzz: $(FUZZ_CC) not found, skipped"
endif

# What we ship; the test modules in tests/kmod (one of them oopses on
# purpose) are never installed, so kbuild's modules_install is not used.
PRODUCT_MODULES := pciback/xsplit-pciback.ko pcifront/xsplit-pcifront.ko \
		   blkback/xsplit-blkback.ko netback/xsplit-netback.ko \
		   dma-xen/xsplit-dma.ko
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
INSTALL_MOD_DIR ?= extra/xsplit

# Into /lib/modules/<release>/$(INSTALL_MOD_DIR), the release being the
# one the modules were built for (their vermagic: Debian's kernel.release
# file names the upstream version instead), then depmod for it (under
# DESTDIR if given); splitctl into SBINDIR.
install: all
	@krel=$$(modinfo -F vermagic $(TOP)/pciback/xsplit-pciback.ko | cut -d' ' -f1) && \
	[ -n "$$krel" ] || { echo "install: cannot read the modules' vermagic" >&2; exit 1; }; \
	dir=$(DESTDIR)/lib/modules/$$krel/$(INSTALL_MOD_DIR); \
	for m in $(PRODUCT_MODULES); do \
		echo "install $$m -> $$dir"; \
		install -D -m 0644 $(TOP)/$$m $$dir/$$(basename $$m) || exit 1; \
	done; \
	if [ -n "$(DESTDIR)" ]; then depmod -b $(DESTDIR) $$krel; \
	else depmod $$krel; fi
ifneq ($(HAVE_XEN_HEADERS),)
	install -D -m 0755 $(TOOL) $(DESTDIR)$(SBINDIR)/splitctl
else
	@echo "install: no libxen-dev, so no splitctl to install"
endif

# The kbuild half needs a kernel tree; without one there is nothing it could
# have built, so skipping it is correct rather than a shortcut.
clean:
	@if [ -n "$(KDIR)" ] && [ -f "$(KDIR)/Makefile" ]; then \
		echo "$(MAKE) -C $(KDIR) M=$(TOP) clean"; \
		$(MAKE) -C $(KDIR) M=$(TOP) clean; \
	else \
		echo "clean: no kernel build dir, skipping kbuild clean"; \
	fi
	rm -f $(TOOL)
	rm -rf $(UNIT_DIR)

# -- test bed and check targets below (owned by scripts/testbed) --
-include mk/check.mk

endif
