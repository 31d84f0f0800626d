// SPDX-License-Identifier: GPL-2.0
/*
 * The config space engine against a fake endpoint modelled on QEMU's edu
 * device, grown a 64-bit BAR, an I/O BAR, a ROM and a capability chain:
 *
 *   0x40 PM -> 0x50 MSI (64-bit, maskable) -> 0x70 SATA (hidden)
 *   -> 0x78 MSI-X (16 entries) -> 0x90 PCI Express v2 -> 0xd0 vendor
 *
 * with device-specific registers at 0x68, 0x84, 0xe0 and an AER header at
 * 0x100. Every hardware write is logged, so tests can say exactly what
 * reached the device.
 */
#include <stdlib.h>
#include <string.h>

#include <xsplit/pci_conf.h>

#include "unit.h"

#define BAR0_ADDR	0xfea00000u
#define BAR0_SIZE	0x100000u
#define BAR2_ADDR	0x80fe000000ull
#define BAR2_SIZE	0x10000u
#define BAR4_ADDR	0xc040u
#define BAR4_SIZE	0x20u
#define ROM_ADDR	0xfeb00000u
#define ROM_SIZE	0x40000u

#define PM	0x40
#define MSI	0x50
#define SATA	0x70
#define MSIX	0x78
#define EXP	0x90
#define VNDR	0xd0

#define LOG_MAX	64

struct hw_write {
	u32 off, size, val;
};

struct fake {
	u8 cfg[PCI_CFG_SPACE_EXP_SIZE];
	u8 w1c[PCI_CFG_SPACE_EXP_SIZE];	/* write-1-to-clear bits */
	struct hw_write log[LOG_MAX];
	unsigned int nlog;
	unsigned int reads;
	int read_err;
	int write_err;
	int reads_left;			/* then fail reads; <0: never */
};

static struct fake dev;
static struct xsplit_pcicfg cfg;
static struct xsplit_pcicfg_bar bars[XSPLIT_PCICFG_NR_BARS];

static int fake_read(void *ctx, u32 off, u32 size, u32 *val)
{
	struct fake *f = ctx;
	u32 i, v = 0;

	/* The engine must only ever make aligned, in-range accesses. */
	if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)) ||
	    off + size > sizeof(f->cfg))
		abort();
	if (f->read_err)
		return f->read_err;
	if (f->reads_left == 0)
		return -EIO;
	if (f->reads_left > 0)
		f->reads_left--;
	for (i = 0; i < size; i++)
		v |= (u32)f->cfg[off + i] << (8 * i);
	f->reads++;
	*val = v;
	return 0;
}

static int fake_write(void *ctx, u32 off, u32 size, u32 val)
{
	struct fake *f = ctx;
	u32 i;

	if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)) ||
	    off + size > sizeof(f->cfg) || (size < 4 && val >> (8 * size)))
		abort();
	if (f->write_err)
		return f->write_err;
	if (f->nlog == LOG_MAX)
		abort();
	f->log[f->nlog++] = (struct hw_write){ off, size, val };
	for (i = 0; i < size; i++) {
		u8 b = (u8)(val >> (8 * i));
		u8 w1c = f->w1c[off + i];

		f->cfg[off + i] = (f->cfg[off + i] & w1c & ~b) | (b & ~w1c);
	}
	return 0;
}

static const struct xsplit_pcicfg_hw fake_hw = {
	.read = fake_read, .write = fake_write, .ctx = &dev,
};

static void put(u32 off, u32 size, u32 val)
{
	u32 i;

	for (i = 0; i < size; i++)
		dev.cfg[off + i] = (u8)(val >> (8 * i));
}

static u32 get(u32 off, u32 size)
{
	u32 i, v = 0;

	for (i = 0; i < size; i++)
		v |= (u32)dev.cfg[off + i] << (8 * i);
	return v;
}

static void build_edu(void)
{
	u32 i;

	memset(&dev, 0, sizeof(dev));
	dev.reads_left = -1;

	put(PCI_VENDOR_ID, 2, 0x1234);
	put(PCI_DEVICE_ID, 2, 0x11e8);
	put(PCI_STATUS, 2, PCI_STATUS_CAP_LIST | PCI_STATUS_REC_MASTER_ABORT);
	put(PCI_CLASS_REVISION, 4, 0x00ff0010);
	put(PCI_CACHE_LINE_SIZE, 1, 0x08);
	put(PCI_LATENCY_TIMER, 1, 0x20);
	put(PCI_BIST, 1, PCI_BIST_CAPABLE);
	put(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR);
	put(PCI_BASE_ADDRESS_2, 4, (u32)BAR2_ADDR | 0xc);
	put(PCI_BASE_ADDRESS_3, 4, (u32)(BAR2_ADDR >> 32));
	put(PCI_BASE_ADDRESS_4, 4, BAR4_ADDR | 1);
	put(PCI_SUBSYSTEM_VENDOR_ID, 2, 0x1af4);
	put(PCI_SUBSYSTEM_ID, 2, 0x1100);
	put(PCI_ROM_ADDRESS, 4, ROM_ADDR);
	put(PCI_CAPABILITY_LIST, 1, PM);
	put(PCI_INTERRUPT_LINE, 1, 0x0b);
	put(PCI_INTERRUPT_PIN, 1, 0x01);

	put(PM, 2, PCI_CAP_ID_PM | MSI << 8);
	put(PM + PCI_PM_PMC, 2, 0x0003);
	put(PM + PCI_PM_CTRL, 2, PCI_PM_CTRL_NO_SOFT_RESET);

	put(MSI, 2, PCI_CAP_ID_MSI | SATA << 8);
	put(MSI + PCI_MSI_FLAGS, 2, 0x0184);	/* 64-bit, masks, 4 vectors */
	put(MSI + PCI_MSI_ADDRESS_LO, 4, 0xfee00000);	/* as dom0 set it */
	put(MSI + PCI_MSI_DATA_64, 2, 0x4021);
	put(MSI + PCI_MSI_PENDING_64, 4, 0x2);
	put(0x68, 4, 0xdeadbeef);
	put(0x6c, 4, 0x01020304);

	put(SATA, 2, PCI_CAP_ID_SATA | MSIX << 8);
	put(SATA + 2, 2, 0x0010);
	put(SATA + 4, 4, 0x00000024);

	put(MSIX, 2, PCI_CAP_ID_MSIX | EXP << 8);
	put(MSIX + PCI_MSIX_FLAGS, 2, 15);
	put(MSIX + PCI_MSIX_TABLE, 4, 0x00000000);
	put(MSIX + PCI_MSIX_PBA, 4, 0x00000800);
	put(0x84, 4, 0x11223344);
	put(0x88, 4, 0x12345678);

	put(EXP, 2, PCI_CAP_ID_EXP | VNDR << 8);
	put(EXP + PCI_EXP_FLAGS, 2, 0x0002);
	put(EXP + PCI_EXP_DEVCAP, 4, 0x10008fc0);
	put(EXP + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_READRQ_512B |
	    PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_RELAX_EN);
	put(EXP + PCI_EXP_DEVSTA, 2, PCI_EXP_DEVSTA_CED);
	put(EXP + PCI_EXP_LNKCAP, 4, 0x00400c11);
	put(EXP + PCI_EXP_LNKSTA, 2, 0x1011);

	put(VNDR, 2, PCI_CAP_ID_VNDR);
	put(VNDR + 2, 1, 0x10);
	for (i = 3; i < 0x10; i++)
		put(VNDR + i, 1, 0xa0 + i);
	put(0xe0, 4, 0xcafef00d);
	put(0xfc, 4, 0x89abcdef);

	put(0x100, 4, 0x14010001);	/* AER, version 1, next 0x140 */
	put(0x104, 4, 0x12345678);

	dev.w1c[PCI_STATUS + 1] = 0xf9;	/* status bits 8 and 11-15 */
	dev.w1c[PM + PCI_PM_CTRL + 1] = PCI_PM_CTRL_PME_STATUS >> 8;
	dev.w1c[EXP + PCI_EXP_DEVSTA] = 0x0f;

	memset(bars, 0, sizeof(bars));
	bars[0] = (struct xsplit_pcicfg_bar){ BAR0_ADDR, BAR0_SIZE, 0 };
	bars[2] = (struct xsplit_pcicfg_bar){
		BAR2_ADDR, BAR2_SIZE,
		XSPLIT_PCICFG_BAR_MEM64 | XSPLIT_PCICFG_BAR_PREFETCH,
	};
	bars[4] = (struct xsplit_pcicfg_bar){
		BAR4_ADDR, BAR4_SIZE, XSPLIT_PCICFG_BAR_IO,
	};
	bars[XSPLIT_PCICFG_ROM] = (struct xsplit_pcicfg_bar){
		ROM_ADDR, ROM_SIZE, 0,
	};
}

static int init_dev(u32 cfg_size, u32 flags)
{
	int ret = xsplit_pcicfg_init(&cfg, &fake_hw, bars, cfg_size, flags);

	dev.nlog = 0;
	dev.reads = 0;
	return ret;
}

/* The edu device as described, initialised with @flags. */
static int setup(u32 flags)
{
	build_edu();
	return init_dev(PCI_CFG_SPACE_EXP_SIZE, flags);
}

static u32 lanes(u32 size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static bool reads(u32 off, u32 size, u32 want)
{
	u32 v = ~want;

	return xsplit_pcicfg_read(&cfg, off, size, &v) == 0 && v == want;
}

/* [off, off + len) reads as @want at every aligned width inside it. */
static bool reads_as(u32 off, u32 len, u32 want)
{
	u32 w, o;

	for (w = 1; w <= len; w *= 2)
		for (o = 0; o < len; o += w)
			if (!reads(off + o, w, (want >> (8 * o)) & lanes(w)))
				return false;
	return true;
}

static int rd(u32 off, u32 size, u32 *val)
{
	return xsplit_pcicfg_read(&cfg, off, size, val);
}

static int wr(u32 off, u32 size, u32 val)
{
	return xsplit_pcicfg_write(&cfg, off, size, val);
}

static bool logged(unsigned int i, u32 off, u32 size, u32 val)
{
	return i < dev.nlog && dev.log[i].off == off &&
	       dev.log[i].size == size && dev.log[i].val == val;
}

/* No hardware byte in [off, off + len) differs from @snap. */
static bool same_hw(const u8 *snap, u32 off, u32 len)
{
	return memcmp(dev.cfg + off, snap + off, len) == 0;
}

/* Every way a guest can write to [off, off + len): one width at a time. */
static const u32 patterns[] = { 0xffffffffu, 0, 0xa5a5a5a5u, 0x5a5a5a5au,
				0x12345678u };

/* ---------------------------------------------------------------------- */

TEST(pcicfg_init_edu)
{
	static const u8 ids[] = { PCI_CAP_ID_PM, PCI_CAP_ID_MSI,
				  PCI_CAP_ID_SATA, PCI_CAP_ID_MSIX,
				  PCI_CAP_ID_EXP, PCI_CAP_ID_VNDR };
	static const u8 offs[] = { PM, MSI, SATA, MSIX, EXP, VNDR };
	static const u8 kept[] = { 1, 1, 0, 1, 1, 1 };
	static const u8 lens[] = { 8, 0x18, 8, 12, 0x34, 2 };
	u32 i;

	CHECK(setup(0) == 0);
	CHECK(cfg.nr_caps == ARRAY_SIZE(ids));
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		CHECK(cfg.caps[i].id == ids[i]);
		CHECK(cfg.caps[i].off == offs[i]);
		CHECK(cfg.caps[i].kept == kept[i]);
		CHECK(cfg.caps[i].len == lens[i]);
	}
	CHECK(cfg.pm_cap == PM && cfg.msi_cap == MSI && cfg.msix_cap == MSIX);
	CHECK(cfg.pcie_cap == EXP);
	CHECK(cfg.msi_64bit && cfg.msi_maskable);
	CHECK(cfg.msix_table_size == 16);
	CHECK(cfg.dropped_writes == 0);
	CHECK(cfg.cfg_size == PCI_CFG_SPACE_EXP_SIZE);
}

/* Init only reads. */
TEST(pcicfg_init_never_writes)
{
	u8 snap[sizeof(dev.cfg)];

	build_edu();
	memcpy(snap, dev.cfg, sizeof(snap));
	CHECK(xsplit_pcicfg_init(&cfg, &fake_hw, bars, PCI_CFG_SPACE_EXP_SIZE,
				 XSPLIT_PCICFG_FLAGS) == 0);
	CHECK(dev.nlog == 0);
	CHECK(same_hw(snap, 0, sizeof(snap)));
}

TEST(pcicfg_init_refuses_bridges)
{
	static const u8 types[] = { PCI_HEADER_TYPE_BRIDGE,
				    PCI_HEADER_TYPE_CARDBUS, 0x03, 0x7f,
				    0x80 | PCI_HEADER_TYPE_BRIDGE };
	u32 i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		build_edu();
		put(PCI_HEADER_TYPE, 1, types[i]);
		CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == -EOPNOTSUPP);
	}
	/* A multi-function endpoint is still an endpoint. */
	build_edu();
	put(PCI_HEADER_TYPE, 1, 0x80);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(reads(PCI_HEADER_TYPE, 1, 0x80));
}

TEST(pcicfg_init_no_device)
{
	build_edu();
	memset(dev.cfg, 0xff, sizeof(dev.cfg));
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == -ENODEV);
}

TEST(pcicfg_init_bad_args)
{
	struct xsplit_pcicfg_hw hw = fake_hw;

	build_edu();
	CHECK(init_dev(0, 0) == -EINVAL);
	CHECK(init_dev(255, 0) == -EINVAL);
	CHECK(init_dev(512, 0) == -EINVAL);
	CHECK(init_dev(8192, 0) == -EINVAL);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0x4) == -EINVAL);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0x80000000u) == -EINVAL);
	hw.read = NULL;
	CHECK(xsplit_pcicfg_init(&cfg, &hw, bars, 256, 0) == -EINVAL);
	hw = fake_hw;
	hw.write = NULL;
	CHECK(xsplit_pcicfg_init(&cfg, &hw, bars, 256, 0) == -EINVAL);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, XSPLIT_PCICFG_FLAGS) == 0);
}

/* Each a BAR description the kernel could never have produced. */
TEST(pcicfg_init_bad_bars)
{
	static const struct {
		u32 slot;
		struct xsplit_pcicfg_bar bar;
	} bad[] = {
		{ 0, { 0xfea00000, 3, 0 } },			/* not 2^n */
		{ 0, { 0xfea00000, 0x180000, 0 } },
		{ 0, { 0xfea00000, 8, 0 } },			/* < 16 */
		{ 0, { 0xfea80000, 0x100000, 0 } },		/* unaligned */
		{ 0, { 0x100000000ull, 0x100000, 0 } },	/* > 32 bits */
		{ 0, { 0, 1ull << 32, 0 } },			/* 4G, 32-bit */
		{ 0, { 0xc040, 2, XSPLIT_PCICFG_BAR_IO } },	/* < 4 */
		{ 0, { 0xc042, 4, XSPLIT_PCICFG_BAR_IO } },
		{ 0, { 0x100000000ull, 4, XSPLIT_PCICFG_BAR_IO } },
		{ 0, { 0xc040, 0x20,
		       XSPLIT_PCICFG_BAR_IO | XSPLIT_PCICFG_BAR_MEM64 } },
		{ 0, { 0xc040, 0x20,
		       XSPLIT_PCICFG_BAR_IO | XSPLIT_PCICFG_BAR_PREFETCH } },
		{ 0, { 0xfea00000, 0x100000, 0x8 } },		/* bad flag */
		{ 5, { 0xfea00000, 0x100000, XSPLIT_PCICFG_BAR_MEM64 } },
		{ 2, { 0x80000000000ull, 0x10, XSPLIT_PCICFG_BAR_MEM64 } },
		{ 0, { 1ull << 62, 1ull << 63, XSPLIT_PCICFG_BAR_MEM64 } },
		{ XSPLIT_PCICFG_ROM, { 0xfeb00000, 0x400, 0 } },	/* 1K */
		{ XSPLIT_PCICFG_ROM, { 0xfeb00000, 0x40000,
				       XSPLIT_PCICFG_BAR_PREFETCH } },
		{ XSPLIT_PCICFG_ROM, { 0x1feb00000ull, 0x40000, 0 } },
		{ XSPLIT_PCICFG_ROM, { 0xfeb00000, 0x40000,
				       XSPLIT_PCICFG_BAR_IO } },
	};
	u32 i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		build_edu();
		if (bad[i].slot == 2 && bad[i].bar.size == 0x10) {
			/* Good lower half, then an upper half with a size. */
			bars[3] = bad[i].bar;
		} else {
			bars[bad[i].slot] = bad[i].bar;
			if (bad[i].slot == 0)
				bars[1] = (struct xsplit_pcicfg_bar){ 0 };
		}
		CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == -EINVAL);
	}
}

TEST(pcicfg_init_extreme_bars)
{
	build_edu();
	bars[0] = (struct xsplit_pcicfg_bar){ 0x80000000u, 1ull << 31, 0 };
	bars[2] = (struct xsplit_pcicfg_bar){ 1ull << 63, 1ull << 63,
					      XSPLIT_PCICFG_BAR_MEM64 };
	bars[4] = (struct xsplit_pcicfg_bar){ 0xfffffffcu, 4,
					      XSPLIT_PCICFG_BAR_IO };
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(reads(PCI_BASE_ADDRESS_0, 4, 0x80000000u));
	CHECK(wr(PCI_BASE_ADDRESS_0, 4, 0xffffffffu) == 0);
	CHECK(reads(PCI_BASE_ADDRESS_0, 4, 0x80000000u));
	CHECK(wr(PCI_BASE_ADDRESS_2, 4, 0xffffffffu) == 0);
	CHECK(wr(PCI_BASE_ADDRESS_3, 4, 0xffffffffu) == 0);
	CHECK(reads(PCI_BASE_ADDRESS_2, 4, 0x4));
	CHECK(reads(PCI_BASE_ADDRESS_3, 4, 0x80000000u));
	CHECK(reads(PCI_BASE_ADDRESS_4, 4, 0xfffffffdu));
}

/* Any failed read during init fails init with the device's error. */
TEST(pcicfg_init_read_errors)
{
	unsigned int total, n;

	build_edu();
	CHECK(init_dev(PCI_CFG_SPACE_EXP_SIZE, 0) == 0);
	build_edu();
	CHECK(xsplit_pcicfg_init(&cfg, &fake_hw, bars, 4096, 0) == 0);
	total = dev.reads;
	CHECK(total > 5);
	for (n = 0; n < total; n++) {
		build_edu();
		dev.reads_left = (int)n;
		CHECK(init_dev(PCI_CFG_SPACE_EXP_SIZE, 0) == -EIO);
	}
	build_edu();
	dev.read_err = -ENXIO;
	CHECK(init_dev(PCI_CFG_SPACE_EXP_SIZE, 0) == -ENXIO);
}

TEST(pcicfg_identity_reads)
{
	CHECK(setup(0) == 0);
	CHECK(reads_as(PCI_VENDOR_ID, 4, 0x11e81234));
	CHECK(reads_as(PCI_CLASS_REVISION, 4, 0x00ff0010));
	CHECK(reads_as(PCI_CARDBUS_CIS, 4, 0));
	CHECK(reads_as(PCI_SUBSYSTEM_VENDOR_ID, 4, 0x11001af4));
	CHECK(reads_as(PCI_INTERRUPT_LINE, 4, 0x0000010b));
	CHECK(reads(PCI_HEADER_TYPE, 1, 0));
	CHECK(reads(PCI_BIST, 1, PCI_BIST_CAPABLE));
	CHECK(dev.nlog == 0);
}

/* Read-only on real hardware: written at every width, nothing happens. */
TEST(pcicfg_identity_writes_ignored)
{
	static const u32 regs[] = { PCI_VENDOR_ID, PCI_CLASS_REVISION,
				    PCI_CARDBUS_CIS, PCI_SUBSYSTEM_VENDOR_ID };
	u8 snap[sizeof(dev.cfg)];
	u32 r, w, o, p;

	CHECK(setup(0) == 0);
	memcpy(snap, dev.cfg, sizeof(snap));
	for (r = 0; r < ARRAY_SIZE(regs); r++)
		for (w = 1; w <= 4; w *= 2)
			for (o = 0; o < 4; o += w)
				for (p = 0; p < ARRAY_SIZE(patterns); p++)
					CHECK(wr(regs[r] + o, w, patterns[p] &
						 lanes(w)) == 0);
	CHECK(wr(PCI_HEADER_TYPE, 1, 0x01) == 0);
	CHECK(wr(PCI_INTERRUPT_PIN, 1, 0xff) == 0);
	CHECK(wr(PCI_MIN_GNT, 2, 0xffff) == 0);
	CHECK(dev.nlog == 0);
	CHECK(cfg.dropped_writes == 0);
	CHECK(same_hw(snap, 0, sizeof(snap)));
	CHECK(reads_as(PCI_VENDOR_ID, 4, 0x11e81234));
	CHECK(reads(PCI_HEADER_TYPE, 1, 0));
}

TEST(pcicfg_command_guest_bits)
{
	CHECK(setup(0) == 0);
	CHECK(reads_as(PCI_COMMAND, 2, 0));

	CHECK(wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		 PCI_COMMAND_IO) == 0);
	CHECK(dev.nlog == 1 && logged(0, PCI_COMMAND, 2, 0x0007));
	CHECK(reads_as(PCI_COMMAND, 2, 0x0007));

	dev.nlog = 0;
	CHECK(wr(PCI_COMMAND, 2, XSPLIT_PCICFG_GUEST_COMMAND) == 0);
	CHECK(dev.nlog == 1 && logged(0, PCI_COMMAND, 2, 0x0547));
	CHECK(get(PCI_COMMAND, 2) == 0x0547);

	/* Byte writes reach only their own byte. */
	dev.nlog = 0;
	CHECK(wr(PCI_COMMAND, 1, 0x02) == 0);
	CHECK(dev.nlog == 1 && logged(0, PCI_COMMAND, 1, 0x02));
	CHECK(wr(PCI_COMMAND + 1, 1, 0x00) == 0);
	CHECK(dev.nlog == 2 && logged(1, PCI_COMMAND + 1, 1, 0x00));
	CHECK(get(PCI_COMMAND, 2) == 0x0002);
	CHECK(cfg.dropped_writes == 0);
}

TEST(pcicfg_command_other_bits)
{
	static const u16 refused[] = { PCI_COMMAND_SPECIAL,
				       PCI_COMMAND_INVALIDATE,
				       PCI_COMMAND_VGA_PALETTE,
				       PCI_COMMAND_WAIT,
				       PCI_COMMAND_FAST_BACK };
	u32 i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		CHECK(setup(0) == 0);
		CHECK(wr(PCI_COMMAND, 2, refused[i] | PCI_COMMAND_MEMORY) ==
		      XSPLIT_PCICFG_DROPPED);
		CHECK(dev.nlog == 1 &&
		      logged(0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY));
		CHECK(cfg.dropped_writes == 1);
		/* The same bit as a byte write: nothing else in the byte. */
		if (refused[i] < 0x100) {
			CHECK(wr(PCI_COMMAND, 1, refused[i]) ==
			      XSPLIT_PCICFG_DROPPED);
			CHECK(dev.nlog == 2 && logged(1, PCI_COMMAND, 1, 0));
		} else {
			CHECK(wr(PCI_COMMAND + 1, 1, refused[i] >> 8) ==
			      XSPLIT_PCICFG_DROPPED);
			CHECK(dev.nlog == 2 &&
			      logged(1, PCI_COMMAND + 1, 1, 0));
		}
		CHECK(cfg.dropped_writes == 2);
	}

	/* Bits dom0 set survive the guest's writes. */
	CHECK(setup(0) == 0);
	put(PCI_COMMAND, 2, PCI_COMMAND_INVALIDATE | PCI_COMMAND_FAST_BACK);
	CHECK(wr(PCI_COMMAND, 2, PCI_COMMAND_INVALIDATE |
		 PCI_COMMAND_FAST_BACK | PCI_COMMAND_MASTER) == 0);
	CHECK(logged(0, PCI_COMMAND, 2, 0x0214));
	/* Clearing one counts as refused, and it stays set. */
	CHECK(wr(PCI_COMMAND, 2, PCI_COMMAND_MASTER) ==
	      XSPLIT_PCICFG_DROPPED);
	CHECK(dev.nlog == 2 && logged(1, PCI_COMMAND, 2, 0x0214));

	/* Reserved bits 11-15 are read-only: ignored, not refused. */
	CHECK(setup(0) == 0);
	CHECK(wr(PCI_COMMAND, 2, 0xf802) == 0);
	CHECK(dev.nlog == 1 && logged(0, PCI_COMMAND, 2, 0x0002));
}

TEST(pcicfg_status)
{
	CHECK(setup(0) == 0);
	CHECK(reads_as(PCI_STATUS, 2, 0x2010));

	/* The clearing idiom: the bit to clear, zeros elsewhere. */
	CHECK(wr(PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT) == 0);
	CHECK(dev.nlog == 1 && logged(0, PCI_STATUS + 1, 1, 0x20));
	CHECK(reads_as(PCI_STATUS, 2, 0x0010));
	CHECK(get(PCI_STATUS, 2) == 0x0010);

	/*
	 * All ones clears all error bits and changes nothing else: the
	 * DEVSEL bits in the same byte are written as the device reads them.
	 */
	put(PCI_STATUS, 2, 0xffff);
	dev.nlog = 0;
	CHECK(wr(PCI_STATUS, 2, 0xffff) == 0);
	CHECK(dev.nlog == 1 && logged(0, PCI_STATUS + 1, 1, 0xff));
	CHECK(get(PCI_STATUS, 2) == 0x06ff);
	put(PCI_STATUS, 2, 0xffff);
	CHECK(wr(PCI_STATUS + 1, 1, PCI_STATUS_SIG_SYSTEM_ERROR >> 8) == 0);
	CHECK(dev.nlog == 2 && logged(1, PCI_STATUS + 1, 1, 0x46));
	CHECK(get(PCI_STATUS, 2) == 0xbfff);

	/* Zeros to the error bits do nothing, so are not written at all. */
	dev.nlog = 0;
	CHECK(wr(PCI_STATUS, 2, 0) == 0);
	CHECK(wr(PCI_STATUS + 1, 1, 0) == 0);
	CHECK(dev.nlog == 0);

	/* A dword write splits around the read-only status low byte. */
	CHECK(setup(0) == 0);
	CHECK(wr(PCI_COMMAND, 4, 0x20000006) == 0);
	CHECK(dev.nlog == 2);
	CHECK(logged(0, PCI_COMMAND, 2, 0x0006));
	CHECK(logged(1, PCI_STATUS + 1, 1, 0x20));
	CHECK(cfg.dropped_writes == 0);
}

/* The capability-list bit says what the virtual chain says. */
TEST(pcicfg_status_cap_list_virtual)
{
	CHECK(setup(0) == 0);
	put(PCI_STATUS, 1, 0);		/* device changes its mind later */
	CHECK(reads(PCI_STATUS, 1, PCI_STATUS_CAP_LIST));

	/* A chain of nothing but hidden capabilities. */
	build_edu();
	put(PCI_CAPABILITY_LIST, 1, SATA);
	put(SATA + 1, 1, 0);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(cfg.nr_caps == 1 && !cfg.caps[0].kept);
	CHECK(reads(PCI_STATUS, 2, 0x2000));
	CHECK(reads(PCI_CAPABILITY_LIST, 1, 0));
}

TEST(pcicfg_cache_line_latency_virtual)
{
	CHECK(setup(0) == 0);
	CHECK(reads_as(PCI_CACHE_LINE_SIZE, 2, 0x2008));
	CHECK(wr(PCI_CACHE_LINE_SIZE, 1, 0x10) == 0);
	CHECK(wr(PCI_LATENCY_TIMER, 1, 0xff) == 0);
	CHECK(reads_as(PCI_CACHE_LINE_SIZE, 2, 0xff10));
	CHECK(wr(PCI_CACHE_LINE_SIZE, 2, 0x4020) == 0);
	CHECK(reads_as(PCI_CACHE_LINE_SIZE, 2, 0x4020));
	CHECK(dev.nlog == 0);
	CHECK(get(PCI_CACHE_LINE_SIZE, 2) == 0x2008);

	/* Dword: stored, header type ignored, BIST start refused. */
	CHECK(wr(PCI_CACHE_LINE_SIZE, 4, 0xffffffffu) ==
	      XSPLIT_PCICFG_DROPPED);
	CHECK(reads_as(PCI_CACHE_LINE_SIZE, 4, 0x8000ffff));
	CHECK(wr(PCI_CACHE_LINE_SIZE, 4, 0x80000810) == 0);
	CHECK(reads_as(PCI_CACHE_LINE_SIZE, 4, 0x80000810));
	CHECK(dev.nlog == 0);
	CHECK(get(PCI_BIST, 1) == PCI_BIST_CAPABLE);
	CHECK(cfg.dropped_writes == 1);
}

TEST(pcicfg_bar32_sizing)
{
	CHECK(setup(0) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR));

	CHECK(wr(PCI_BASE_ADDRESS_0, 4, 0xffffffffu) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_0, 4, ~(BAR0_SIZE - 1)));
	CHECK(wr(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR));

	/* The flag bits of a probe do not matter, they are read-only. */
	CHECK(wr(PCI_BASE_ADDRESS_0, 4, 0xfffffff0u) == 0);
	CHECK(reads(PCI_BASE_ADDRESS_0, 4, 0xfff00000u));
	CHECK(wr(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR | 0xf) == 0);
	CHECK(reads(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR));

	/* A byte at a time: a probe only once all four bytes are ones. */
	CHECK(wr(PCI_BASE_ADDRESS_0, 1, 0xff) == 0);
	CHECK(wr(PCI_BASE_ADDRESS_0 + 1, 1, 0xff) == 0);
	CHECK(reads(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR));
	CHECK(wr(PCI_BASE_ADDRESS_0 + 2, 1, 0xff) == 0);
	CHECK(wr(PCI_BASE_ADDRESS_0 + 3, 1, 0xff) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_0, 4, 0xfff00000u));
	CHECK(wr(PCI_BASE_ADDRESS_0, 2, BAR0_ADDR & 0xffff) == 0);
	CHECK(wr(PCI_BASE_ADDRESS_0 + 2, 2, BAR0_ADDR >> 16) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR));

	CHECK(dev.nlog == 0);
	CHECK(cfg.dropped_writes == 0);
	CHECK(get(PCI_BASE_ADDRESS_0, 4) == BAR0_ADDR);
}

TEST(pcicfg_bar_cannot_move)
{
	CHECK(setup(XSPLIT_PCICFG_PERMISSIVE) == 0);
	CHECK(wr(PCI_BASE_ADDRESS_0, 4, 0xe0000000u) ==
	      XSPLIT_PCICFG_DROPPED);
	CHECK(reads_as(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR));
	CHECK(wr(PCI_BASE_ADDRESS_0, 4, 0) == XSPLIT_PCICFG_DROPPED);
	CHECK(reads_as(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR));
	CHECK(wr(PCI_BASE_ADDRESS_0 + 3, 1, 0xfd) == XSPLIT_PCICFG_DROPPED);
	CHECK(reads_as(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR));
	CHECK(wr(PCI_BASE_ADDRESS_3, 4, 1) == XSPLIT_PCICFG_DROPPED);
	CHECK(reads(PCI_BASE_ADDRESS_3, 4, (u32)(BAR2_ADDR >> 32)));
	CHECK(wr(PCI_ROM_ADDRESS, 4, 0xfec00000u) == XSPLIT_PCICFG_DROPPED);
	CHECK(reads(PCI_ROM_ADDRESS, 4, ROM_ADDR));
	CHECK(cfg.dropped_writes == 5);
	CHECK(dev.nlog == 0);
}

/* The sequence Linux uses: low probe, high probe, restore both. */
TEST(pcicfg_bar64_sizing)
{
	u32 lo = (u32)BAR2_ADDR | PCI_BASE_ADDRESS_MEM_TYPE_64 |
		 PCI_BASE_ADDRESS_MEM_PREFETCH;

	CHECK(setup(0) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_2, 4, lo));
	CHECK(reads_as(PCI_BASE_ADDRESS_3, 4, (u32)(BAR2_ADDR >> 32)));

	CHECK(wr(PCI_BASE_ADDRESS_2, 4, 0xffffffffu) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_2, 4, 0xffff000cu));
	CHECK(reads_as(PCI_BASE_ADDRESS_3, 4, (u32)(BAR2_ADDR >> 32)));
	CHECK(wr(PCI_BASE_ADDRESS_3, 4, 0xffffffffu) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_3, 4, 0xffffffffu));
	CHECK(wr(PCI_BASE_ADDRESS_2, 4, lo) == 0);
	CHECK(wr(PCI_BASE_ADDRESS_3, 4, (u32)(BAR2_ADDR >> 32)) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_2, 4, lo));
	CHECK(reads_as(PCI_BASE_ADDRESS_3, 4, (u32)(BAR2_ADDR >> 32)));

	/* Only the upper half probed. */
	CHECK(wr(PCI_BASE_ADDRESS_3, 4, 0xffffffffu) == 0);
	CHECK(reads(PCI_BASE_ADDRESS_2, 4, lo));
	CHECK(reads(PCI_BASE_ADDRESS_3, 4, 0xffffffffu));

	CHECK(dev.nlog == 0);
	CHECK(cfg.dropped_writes == 0);

	/* A BAR of 8 GiB: all of the size is in the upper half. */
	build_edu();
	bars[2] = (struct xsplit_pcicfg_bar){ 0x400000000ull, 0x200000000ull,
					      XSPLIT_PCICFG_BAR_MEM64 };
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(reads(PCI_BASE_ADDRESS_2, 4, 0x4));
	CHECK(reads(PCI_BASE_ADDRESS_3, 4, 0x4));
	CHECK(wr(PCI_BASE_ADDRESS_2, 4, 0xffffffffu) == 0);
	CHECK(wr(PCI_BASE_ADDRESS_3, 4, 0xffffffffu) == 0);
	CHECK(reads(PCI_BASE_ADDRESS_2, 4, 0x4));
	CHECK(reads(PCI_BASE_ADDRESS_3, 4, 0xfffffffeu));
	CHECK(dev.nlog == 0);
}

TEST(pcicfg_io_bar_sizing)
{
	CHECK(setup(0) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_4, 4, BAR4_ADDR | 1));
	CHECK(wr(PCI_BASE_ADDRESS_4, 4, 0xffffffffu) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_4, 4, 0xffffffe1u));
	CHECK(wr(PCI_BASE_ADDRESS_4, 4, BAR4_ADDR) == 0);
	CHECK(reads_as(PCI_BASE_ADDRESS_4, 4, BAR4_ADDR | 1));
	/* Word at a time. */
	CHECK(wr(PCI_BASE_ADDRESS_4, 2, 0xffff) == 0);
	CHECK(reads(PCI_BASE_ADDRESS_4, 4, BAR4_ADDR | 1));
	CHECK(wr(PCI_BASE_ADDRESS_4 + 2, 2, 0xffff) == 0);
	CHECK(reads(PCI_BASE_ADDRESS_4, 4, 0xffffffe1u));
	CHECK(dev.nlog == 0);
}

TEST(pcicfg_rom_sizing_and_enable)
{
	u32 mask = ~(ROM_SIZE - 1);

	CHECK(setup(0) == 0);
	CHECK(reads_as(PCI_ROM_ADDRESS, 4, ROM_ADDR));
	/* Linux probes with the enable bit clear. */
	CHECK(wr(PCI_ROM_ADDRESS, 4, ~PCI_ROM_ADDRESS_ENABLE) == 0);
	CHECK(reads_as(PCI_ROM_ADDRESS, 4, mask));
	CHECK(wr(PCI_ROM_ADDRESS, 4, 0xffffffffu) == 0);
	CHECK(reads_as(PCI_ROM_ADDRESS, 4, mask | PCI_ROM_ADDRESS_ENABLE));
	CHECK(wr(PCI_ROM_ADDRESS, 4, ROM_ADDR) == 0);
	CHECK(reads_as(PCI_ROM_ADDRESS, 4, ROM_ADDR));

	/* Enable is the guest's own; reserved bits read 0. */
	CHECK(wr(PCI_ROM_ADDRESS, 4, ROM_ADDR | PCI_ROM_ADDRESS_ENABLE) == 0);
	CHECK(reads_as(PCI_ROM_ADDRESS, 4, ROM_ADDR | PCI_ROM_ADDRESS_ENABLE));
	CHECK(wr(PCI_ROM_ADDRESS, 1, 0xff) == 0);
	CHECK(reads_as(PCI_ROM_ADDRESS, 4, ROM_ADDR | PCI_ROM_ADDRESS_ENABLE));
	CHECK(wr(PCI_ROM_ADDRESS, 1, 0) == 0);
	CHECK(reads_as(PCI_ROM_ADDRESS, 4, ROM_ADDR));

	CHECK(dev.nlog == 0);
	CHECK(cfg.dropped_writes == 0);
	CHECK(get(PCI_ROM_ADDRESS, 4) == ROM_ADDR);
}

TEST(pcicfg_unimplemented_bars)
{
	static const u32 regs[] = { PCI_BASE_ADDRESS_1, PCI_BASE_ADDRESS_5 };
	u32 i, p;

	CHECK(setup(0) == 0);
	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		for (p = 0; p < ARRAY_SIZE(patterns); p++) {
			CHECK(wr(regs[i], 4, patterns[p]) == 0);
			CHECK(reads_as(regs[i], 4, 0));
		}
	}
	/* No ROM: reads 0, cannot be enabled. */
	build_edu();
	bars[XSPLIT_PCICFG_ROM] = (struct xsplit_pcicfg_bar){ 0 };
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(wr(PCI_ROM_ADDRESS, 4, 0xffffffffu) == 0);
	CHECK(reads_as(PCI_ROM_ADDRESS, 4, 0));
	CHECK(wr(PCI_ROM_ADDRESS, 4, 1) == 0);
	CHECK(reads_as(PCI_ROM_ADDRESS, 4, 0));
	CHECK(dev.nlog == 0);
	CHECK(cfg.dropped_writes == 0);
}

/* Whatever is written, at whatever width, the BARs never reach hardware. */
TEST(pcicfg_bars_never_written)
{
	u8 snap[sizeof(dev.cfg)];
	u32 flags, off, w, p;

	for (flags = 0; flags <= XSPLIT_PCICFG_FLAGS; flags++) {
		CHECK(setup(flags) == 0);
		memcpy(snap, dev.cfg, sizeof(snap));
		for (off = PCI_BASE_ADDRESS_0; off < PCI_ROM_ADDRESS + 4;
		     off++) {
			if (off >= PCI_CARDBUS_CIS && off < PCI_ROM_ADDRESS)
				continue;
			for (w = 1; w <= 4; w *= 2) {
				if (off & (w - 1))
					continue;
				for (p = 0; p < ARRAY_SIZE(patterns); p++)
					CHECK(wr(off, w, patterns[p] &
						 lanes(w)) >= 0);
			}
		}
		CHECK(dev.nlog == 0);
		CHECK(same_hw(snap, PCI_BASE_ADDRESS_0, 0x18));
		CHECK(same_hw(snap, PCI_ROM_ADDRESS, 4));
	}
}

/* Walk the chain as a guest would, a byte at a time. */
TEST(pcicfg_cap_chain)
{
	static const u8 want[][2] = {
		{ PM, PCI_CAP_ID_PM }, { MSI, PCI_CAP_ID_MSI },
		{ MSIX, PCI_CAP_ID_MSIX }, { EXP, PCI_CAP_ID_EXP },
		{ VNDR, PCI_CAP_ID_VNDR },
	};
	u32 pos, id, i = 0;

	CHECK(setup(0) == 0);
	CHECK(xsplit_pcicfg_read(&cfg, PCI_CAPABILITY_LIST, 1, &pos) == 0);
	while (pos) {
		CHECK(i < ARRAY_SIZE(want));
		CHECK(pos == want[i][0]);
		CHECK(xsplit_pcicfg_read(&cfg, pos, 1, &id) == 0);
		CHECK(id == want[i][1]);
		CHECK(xsplit_pcicfg_read(&cfg, pos + 1, 1, &pos) == 0);
		i++;
	}
	CHECK(i == ARRAY_SIZE(want));

	/* Wider reads see the same chain. */
	CHECK(reads(PM, 2, PCI_CAP_ID_PM | MSI << 8));
	CHECK(reads(MSI, 4, PCI_CAP_ID_MSI | MSIX << 8 | 0x0184u << 16));
	CHECK(reads(MSIX, 4, PCI_CAP_ID_MSIX | EXP << 8 | 15u << 16));
	CHECK(reads(VNDR, 4, PCI_CAP_ID_VNDR | 0x10u << 16 | 0xa3u << 24));
	CHECK(dev.nlog == 0);
}

TEST(pcicfg_hidden_cap)
{
	u32 flags;

	for (flags = 0; flags <= XSPLIT_PCICFG_FLAGS; flags++) {
		CHECK(setup(flags) == 0);
		CHECK(reads_as(SATA, 4, 0));
		CHECK(reads_as(SATA + 4, 4, 0));
		/* Not even permissive mode writes to it. */
		CHECK(wr(SATA + 4, 4, 0xffffffffu) == XSPLIT_PCICFG_DROPPED);
		CHECK(wr(SATA, 2, 0x7812) == XSPLIT_PCICFG_DROPPED);
		CHECK(wr(SATA + 4, 1, 0) == 0);	/* no change: not counted */
		CHECK(dev.nlog == 0);
		CHECK(cfg.dropped_writes == 2);
		CHECK(get(SATA + 4, 4) == 0x24);
		/* After it, the device's own registers again. */
		CHECK(reads(0x68, 4, 0xdeadbeef));
	}
}

/* The chain is fixed at init: the device cannot rewrite what we judged. */
TEST(pcicfg_cap_headers_virtual)
{
	CHECK(setup(XSPLIT_PCICFG_PERMISSIVE) == 0);
	CHECK(wr(PM + 1, 1, SATA) == 0);
	CHECK(wr(MSI, 2, 0) == 0);
	CHECK(wr(PCI_CAPABILITY_LIST, 1, SATA) == 0);
	CHECK(dev.nlog == 0);
	CHECK(reads(PM, 2, PCI_CAP_ID_PM | MSI << 8));
	CHECK(reads(PCI_CAPABILITY_LIST, 1, PM));

	put(PM, 2, 0xffff);
	put(MSI, 2, PCI_CAP_ID_EXP);
	put(PCI_CAPABILITY_LIST, 1, 0);
	CHECK(reads(PM, 2, PCI_CAP_ID_PM | MSI << 8));
	CHECK(reads(MSI, 2, PCI_CAP_ID_MSI | MSIX << 8));
	CHECK(reads(PCI_CAPABILITY_LIST, 1, PM));
	CHECK(cfg.dropped_writes == 0);
}

TEST(pcicfg_pm_power_state)
{
	u32 ctl = PM + PCI_PM_CTRL;

	CHECK(setup(0) == 0);
	CHECK(reads_as(ctl, 2, PCI_PM_CTRL_NO_SOFT_RESET));
	CHECK(wr(ctl, 2, 3) == XSPLIT_PCICFG_DROPPED);
	CHECK(wr(ctl, 1, 3) == XSPLIT_PCICFG_DROPPED);
	CHECK(dev.nlog == 0);
	CHECK(reads(ctl, 2, PCI_PM_CTRL_NO_SOFT_RESET));

	CHECK(xsplit_pcicfg_set_flags(&cfg, XSPLIT_PCICFG_POWER_MGMT) == 0);
	CHECK(wr(ctl, 2, 3) == 0);
	CHECK(dev.nlog == 1 && logged(0, ctl, 1, 0x0b));
	CHECK(reads(ctl, 2, 0x000b));
	CHECK(wr(ctl, 4, 0) == 0);
	CHECK(dev.nlog == 2 && logged(1, ctl, 1, 0x08));
	CHECK(cfg.dropped_writes == 2);
}

/* PME belongs to dom0, power state or not. */
TEST(pcicfg_pm_pme)
{
	u32 ctl = PM + PCI_PM_CTRL;

	CHECK(setup(XSPLIT_PCICFG_POWER_MGMT) == 0);
	CHECK(wr(ctl, 2, PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_NO_SOFT_RESET) ==
	      XSPLIT_PCICFG_DROPPED);
	/* The state byte is still written; the PME byte is not. */
	CHECK(dev.nlog == 1 && logged(0, ctl, 1, 0x08));
	CHECK(get(ctl, 2) == PCI_PM_CTRL_NO_SOFT_RESET);

	put(ctl, 2, PCI_PM_CTRL_PME_STATUS | PCI_PM_CTRL_NO_SOFT_RESET);
	CHECK(reads(ctl, 2, 0x8008));
	dev.nlog = 0;
	CHECK(wr(ctl + 1, 1, 0x80) == XSPLIT_PCICFG_DROPPED);
	CHECK(dev.nlog == 0);
	CHECK(get(ctl, 2) == 0x8008);
	CHECK(cfg.dropped_writes == 2);
}

TEST(pcicfg_msi_virtual)
{
	u8 snap[sizeof(dev.cfg)];
	u32 flags = MSI + PCI_MSI_FLAGS, i;

	CHECK(setup(0) == 0);
	memcpy(snap, dev.cfg, sizeof(snap));
	CHECK(reads_as(flags, 2, 0x0184));

	CHECK(wr(flags, 2, 0x0185) == 0);
	CHECK(reads_as(flags, 2, 0x0185));
	CHECK(wr(flags, 2, 0x01a5) == 0);		/* 4 vectors enabled */
	CHECK(reads_as(flags, 2, 0x01a5));
	/* Capabilities are read-only: still 64-bit, maskable, 4 vectors. */
	CHECK(wr(flags, 2, 0xfe00) == 0);
	CHECK(reads_as(flags, 2, 0x0184));
	CHECK(wr(flags, 1, 0x01) == 0);
	CHECK(reads_as(flags, 2, 0x0185));

	/* Address and data start blank, not as dom0 programmed them. */
	CHECK(reads_as(MSI + PCI_MSI_ADDRESS_LO, 4, 0));
	CHECK(reads_as(MSI + PCI_MSI_DATA_64, 4, 0));
	CHECK(wr(MSI + PCI_MSI_ADDRESS_LO, 4, 0xfee0100cu) == 0);
	CHECK(reads_as(MSI + PCI_MSI_ADDRESS_LO, 4, 0xfee0100cu));
	CHECK(wr(MSI + PCI_MSI_ADDRESS_LO, 4, 0xffffffffu) == 0);
	CHECK(reads_as(MSI + PCI_MSI_ADDRESS_LO, 4, 0xfffffffcu));
	for (i = 0; i < 4; i++)
		CHECK(wr(MSI + PCI_MSI_ADDRESS_HI + i, 1, 0x10 + i) == 0);
	CHECK(reads_as(MSI + PCI_MSI_ADDRESS_HI, 4, 0x13121110));
	CHECK(wr(MSI + PCI_MSI_DATA_64, 2, 0x4041) == 0);
	CHECK(wr(MSI + PCI_MSI_DATA_64 + 2, 2, 0xbeef) == 0);
	CHECK(reads_as(MSI + PCI_MSI_DATA_64, 4, 0xbeef4041));
	CHECK(wr(MSI + PCI_MSI_MASK_64, 4, 0x5) == 0);
	CHECK(reads_as(MSI + PCI_MSI_MASK_64, 4, 0x5));
	/* Pending bits are the device's, and read-only. */
	CHECK(reads_as(MSI + PCI_MSI_PENDING_64, 4, 0x2));
	CHECK(wr(MSI + PCI_MSI_PENDING_64, 4, 0) == 0);

	CHECK(dev.nlog == 0);
	CHECK(cfg.dropped_writes == 0);
	CHECK(same_hw(snap, MSI, 0x18));
}

TEST(pcicfg_msi_32bit_layout)
{
	build_edu();
	put(MSI + PCI_MSI_FLAGS, 2, 0);		/* 32-bit, no masking */
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, XSPLIT_PCICFG_PERMISSIVE) == 0);
	CHECK(cfg.msi_cap == MSI && !cfg.msi_64bit && !cfg.msi_maskable);
	CHECK(cfg.caps[1].len == 0x0c);
	CHECK(wr(MSI + PCI_MSI_ADDRESS_LO, 4, 0xfee00000u) == 0);
	CHECK(wr(MSI + PCI_MSI_DATA_32, 4, 0x12344321) == 0);
	CHECK(reads(MSI + PCI_MSI_DATA_32, 4, 0x12344321));
	CHECK(dev.nlog == 0);
	/* Past the capability: device registers, open when permissive. */
	CHECK(reads(MSI + 0x0c, 4, 0x4021));
	CHECK(wr(MSI + 0x0c, 4, 0x11) == 0);
	CHECK(dev.nlog == 1 && logged(0, MSI + 0x0c, 4, 0x11));
}

TEST(pcicfg_msix_virtual)
{
	u8 snap[sizeof(dev.cfg)];
	u32 flags = MSIX + PCI_MSIX_FLAGS;

	CHECK(setup(XSPLIT_PCICFG_PERMISSIVE) == 0);
	memcpy(snap, dev.cfg, sizeof(snap));
	CHECK(reads_as(flags, 2, 15));
	CHECK(wr(flags, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) ==
	      0);
	CHECK(reads_as(flags, 2, 0xc00f));
	CHECK(wr(flags + 1, 1, 0x80) == 0);
	CHECK(reads_as(flags, 2, 0x800f));
	CHECK(wr(flags, 2, 0x07ff) == 0);	/* table size is read-only */
	CHECK(reads_as(flags, 2, 0x000f));
	CHECK(reads_as(MSIX + PCI_MSIX_TABLE, 4, 0));
	CHECK(reads_as(MSIX + PCI_MSIX_PBA, 4, 0x800));
	CHECK(wr(MSIX + PCI_MSIX_TABLE, 4, 0x1000) == 0);
	CHECK(wr(MSIX + PCI_MSIX_PBA, 4, 0x1000) == 0);
	CHECK(reads_as(MSIX + PCI_MSIX_PBA, 4, 0x800));
	CHECK(dev.nlog == 0);
	CHECK(cfg.dropped_writes == 0);
	CHECK(same_hw(snap, MSIX, 12));

	/* What the guest sees is what enable_msix is judged against. */
	put(flags, 2, 0x07ff);
	CHECK(reads_as(flags, 2, 0x000f));
	CHECK(cfg.msix_table_size == 16);
}

TEST(pcicfg_pcie_devctl)
{
	u32 ctl = EXP + PCI_EXP_DEVCTL;

	CHECK(setup(0) == 0);
	CHECK(reads_as(ctl, 2, 0x2810));
	/* Max read request 4096, no snoop on, relaxed ordering off. */
	CHECK(wr(ctl, 2, 0x5800) == 0);
	CHECK(dev.nlog == 1 && logged(0, ctl, 2, 0x5800));
	CHECK(reads(ctl, 2, 0x5800));

	/* Payload size, extended tag, phantom functions, aux power, error
	 * reporting and FLR are refused; the allowed bits still go. */
	dev.nlog = 0;
	CHECK(wr(ctl, 2, 0x28a0) == XSPLIT_PCICFG_DROPPED);
	CHECK(logged(0, ctl, 2, 0x2800));
	CHECK(wr(ctl, 2, 0x2b00) == XSPLIT_PCICFG_DROPPED);
	CHECK(logged(1, ctl, 2, 0x2800));
	CHECK(wr(ctl, 2, 0x280f) == XSPLIT_PCICFG_DROPPED);
	CHECK(logged(2, ctl, 2, 0x2800));
	CHECK(wr(ctl, 2, 0xa800) == XSPLIT_PCICFG_DROPPED);
	CHECK(logged(3, ctl, 2, 0x2800));
	CHECK(wr(ctl + 1, 1, 0x84) == XSPLIT_PCICFG_DROPPED);
	CHECK(dev.nlog == 5 && logged(4, ctl + 1, 1, 0x00));
	CHECK(cfg.dropped_writes == 5);

	/*
	 * A device reading back its FLR bit as 1 is never written a 1; the
	 * guest writing back that 1 asked for an FLR, as far as we can tell.
	 */
	put(ctl, 2, 0xa810);
	dev.nlog = 0;
	CHECK(wr(ctl, 2, 0x2810) == 0);
	CHECK(dev.nlog == 1 && logged(0, ctl, 2, 0x2810));
	CHECK(wr(ctl, 2, 0xa810) == XSPLIT_PCICFG_DROPPED);
	CHECK(dev.nlog == 2 && logged(1, ctl, 2, 0x2810));

	/* The dword also holding device status writes only the control. */
	put(ctl, 2, 0x2810);
	dev.nlog = 0;
	CHECK(wr(ctl, 4, 0x00002810) == 0);
	CHECK(dev.nlog == 1 && logged(0, ctl, 2, 0x2810));
}

TEST(pcicfg_pcie_rest_read_only)
{
	u32 flags;

	for (flags = 0; flags <= XSPLIT_PCICFG_FLAGS; flags++) {
		CHECK(setup(flags) == 0);
		CHECK(reads_as(EXP + PCI_EXP_DEVCAP, 4, 0x10008fc0));
		CHECK(reads_as(EXP + PCI_EXP_LNKCAP, 4, 0x00400c11));
		CHECK(wr(EXP + PCI_EXP_FLAGS, 2, 0xffff) == 0);
		CHECK(wr(EXP + PCI_EXP_DEVCAP, 4, 0) == 0);
		CHECK(wr(EXP + PCI_EXP_LNKCAP, 4, 0) == 0);
		/* Clearing device status, link control: refused. */
		CHECK(wr(EXP + PCI_EXP_DEVSTA, 2, PCI_EXP_DEVSTA_CED) ==
		      XSPLIT_PCICFG_DROPPED);
		CHECK(wr(EXP + PCI_EXP_LNKCTL, 2, PCI_EXP_LNKCTL_LD) ==
		      XSPLIT_PCICFG_DROPPED);
		CHECK(wr(EXP + PCI_EXP_LNKCTL, 2, PCI_EXP_LNKCTL_RL) ==
		      XSPLIT_PCICFG_DROPPED);
		CHECK(wr(EXP + PCI_EXP_DEVCTL2, 2, 0x000f) ==
		      XSPLIT_PCICFG_DROPPED);
		CHECK(dev.nlog == 0);
		CHECK(get(EXP + PCI_EXP_DEVSTA, 2) == PCI_EXP_DEVSTA_CED);
		CHECK(cfg.dropped_writes == 4);
	}
}

TEST(pcicfg_vendor_cap)
{
	CHECK(setup(0) == 0);
	CHECK(reads(VNDR + 4, 4, 0xa7a6a5a4));
	CHECK(wr(VNDR + 4, 4, 0x11111111) == XSPLIT_PCICFG_DROPPED);
	CHECK(dev.nlog == 0);

	CHECK(xsplit_pcicfg_set_flags(&cfg, XSPLIT_PCICFG_PERMISSIVE) == 0);
	CHECK(wr(VNDR + 4, 4, 0x11111111) == 0);
	CHECK(dev.nlog == 1 && logged(0, VNDR + 4, 4, 0x11111111));
	/* The header stays ours; the length byte on is the device's. */
	CHECK(wr(VNDR, 4, 0xffffffffu) == 0);
	CHECK(dev.nlog == 2 && logged(1, VNDR + 2, 2, 0xffff));
	CHECK(reads(VNDR, 2, PCI_CAP_ID_VNDR));
}

TEST(pcicfg_device_specific_bytes)
{
	CHECK(setup(0) == 0);
	CHECK(reads_as(0x68, 4, 0xdeadbeef));
	CHECK(reads_as(0xe0, 4, 0xcafef00d));
	CHECK(reads_as(0xfc, 4, 0x89abcdef));
	CHECK(wr(0x68, 4, 0) == XSPLIT_PCICFG_DROPPED);
	CHECK(wr(0xff, 1, 0) == XSPLIT_PCICFG_DROPPED);
	CHECK(wr(0x68, 4, 0xdeadbeef) == 0);	/* no change */
	CHECK(dev.nlog == 0);
	CHECK(cfg.dropped_writes == 2);

	CHECK(xsplit_pcicfg_set_flags(&cfg, XSPLIT_PCICFG_PERMISSIVE) == 0);
	CHECK(wr(0x68, 4, 0) == 0);
	CHECK(wr(0x6b, 1, 0x55) == 0);
	CHECK(wr(0xe2, 2, 0x1234) == 0);
	CHECK(dev.nlog == 3);
	CHECK(logged(0, 0x68, 4, 0));
	CHECK(logged(1, 0x6b, 1, 0x55));
	CHECK(logged(2, 0xe2, 2, 0x1234));
	CHECK(reads(0x68, 4, 0x55000000));
	CHECK(cfg.dropped_writes == 2);
}

/* Reserved header bytes 0x35-0x3b sit beside the capabilities pointer. */
TEST(pcicfg_reserved_header_bytes)
{
	CHECK(setup(0) == 0);
	CHECK(wr(PCI_CAPABILITY_LIST, 4, 0xffffffffu) ==
	      XSPLIT_PCICFG_DROPPED);
	CHECK(dev.nlog == 0);

	CHECK(xsplit_pcicfg_set_flags(&cfg, XSPLIT_PCICFG_PERMISSIVE) == 0);
	CHECK(wr(PCI_CAPABILITY_LIST, 4, 0xffffffffu) == 0);
	CHECK(dev.nlog == 2);
	CHECK(logged(0, 0x35, 1, 0xff));
	CHECK(logged(1, 0x36, 2, 0xffff));
	CHECK(reads(PCI_CAPABILITY_LIST, 4, 0xffffff00u | PM));
	CHECK(get(PCI_CAPABILITY_LIST, 1) == PM);
}

/*
 * Permissive mode opens only bytes no rule covers: all-ones and zeros at
 * every offset and width leave every rule-covered byte as it was, except
 * for bits the rules themselves pass.
 */
TEST(pcicfg_permissive_sweep)
{
	u8 snap[sizeof(dev.cfg)];
	u32 off, w, p;

	CHECK(setup(XSPLIT_PCICFG_PERMISSIVE) == 0);
	memcpy(snap, dev.cfg, sizeof(snap));
	for (off = 0; off < 0x110; off++) {
		for (w = 1; w <= 4; w *= 2) {
			if (off & (w - 1))
				continue;
			for (p = 0; p < 2; p++) {
				CHECK(wr(off, w, patterns[p] & lanes(w)) >= 0);
				dev.nlog = 0;
			}
		}
	}
	CHECK(same_hw(snap, 0, PCI_COMMAND));
	CHECK((get(PCI_COMMAND, 2) & ~XSPLIT_PCICFG_GUEST_COMMAND) == 0);
	CHECK(same_hw(snap, PCI_STATUS, 1));
	CHECK(same_hw(snap, PCI_CLASS_REVISION, 0x35 - PCI_CLASS_REVISION));
	CHECK(same_hw(snap, PCI_INTERRUPT_LINE, 4));
	CHECK(same_hw(snap, PM, PCI_PM_CTRL));
	CHECK(get(PM + PCI_PM_CTRL, 2) == PCI_PM_CTRL_NO_SOFT_RESET);
	CHECK(same_hw(snap, PM + PCI_PM_CTRL + 2, 2));
	CHECK(same_hw(snap, MSI, 0x18));
	CHECK(same_hw(snap, SATA, 8));
	CHECK(same_hw(snap, MSIX, 12));
	CHECK(same_hw(snap, EXP, PCI_EXP_DEVCTL));
	CHECK(same_hw(snap, EXP + PCI_EXP_DEVSTA, 0x34 - PCI_EXP_DEVSTA));
	CHECK(same_hw(snap, VNDR, 2));
	CHECK(same_hw(snap, 0x100, 0x10));
	/* And the free bytes did change, so the sweep did reach them. */
	CHECK(!same_hw(snap, 0x68, 4));
}

TEST(pcicfg_extended_space)
{
	u32 flags;

	for (flags = 0; flags <= XSPLIT_PCICFG_FLAGS; flags++) {
		CHECK(setup(flags) == 0);
		CHECK(reads_as(0x100, 4, 0));
		CHECK(reads_as(0x104, 4, 0));
		CHECK(reads_as(0xffc, 4, 0));
		CHECK(dev.reads == 0);	/* not even read */
		CHECK(wr(0x100, 4, 0x14010001) == XSPLIT_PCICFG_DROPPED);
		CHECK(wr(0xfff, 1, 1) == XSPLIT_PCICFG_DROPPED);
		CHECK(wr(0x104, 4, 0) == 0);
		CHECK(dev.nlog == 0);
		CHECK(get(0x100, 4) == 0x14010001);
	}

	/* A conventional device has no extended space at all. */
	build_edu();
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(xsplit_pcicfg_read(&cfg, 0x100, 4, &flags) == -EINVAL);
	CHECK(wr(0x100, 1, 0) == -EINVAL);
	CHECK(reads(0xfc, 4, 0x89abcdef));
}

TEST(pcicfg_bad_access)
{
	static const u32 bad[][2] = {
		{ 0x01, 2 }, { 0x02, 4 }, { 0x01, 4 }, { 0x03, 2 },
		{ 0x00, 0 }, { 0x00, 3 }, { 0x00, 8 }, { 0x1000, 1 },
		{ 0xffe, 4 }, { 0xffffffffu, 1 }, { 0xfffffffcu, 4 },
	};
	u32 i, v;

	CHECK(setup(XSPLIT_PCICFG_FLAGS) == 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(xsplit_pcicfg_read(&cfg, bad[i][0], bad[i][1], &v) ==
		      -EINVAL);
		CHECK(wr(bad[i][0], bad[i][1], 0) == -EINVAL);
	}
	CHECK(dev.reads == 0 && dev.nlog == 0);
	CHECK(cfg.dropped_writes == 0);
}

TEST(pcicfg_interrupt_line)
{
	CHECK(setup(0) == 0);
	CHECK(reads(PCI_INTERRUPT_LINE, 1, 0x0b));
	xsplit_pcicfg_set_irq_line(&cfg, 0x24);
	CHECK(reads(PCI_INTERRUPT_LINE, 1, 0x24));
	CHECK(wr(PCI_INTERRUPT_LINE, 1, 0x0a) == 0);
	CHECK(reads(PCI_INTERRUPT_LINE, 2, 0x010a));
	CHECK(dev.nlog == 0);
	CHECK(get(PCI_INTERRUPT_LINE, 1) == 0x0b);
}

TEST(pcicfg_set_flags)
{
	CHECK(setup(XSPLIT_PCICFG_PERMISSIVE) == 0);
	CHECK(xsplit_pcicfg_set_flags(&cfg, 0x4) == -EINVAL);
	CHECK(cfg.flags == XSPLIT_PCICFG_PERMISSIVE);
	CHECK(xsplit_pcicfg_set_flags(&cfg, 0) == 0);
	CHECK(wr(0x68, 4, 0) == XSPLIT_PCICFG_DROPPED);
	CHECK(dev.nlog == 0);
}

TEST(pcicfg_quirk_device_register)
{
	CHECK(setup(0) == 0);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x68, 4, 0x0000ff00) == 0);
	CHECK(wr(0x68, 4, 0) == XSPLIT_PCICFG_DROPPED);
	CHECK(dev.nlog == 1 && logged(0, 0x69, 1, 0x00));
	CHECK(get(0x68, 4) == 0xdead00ef);
	CHECK(wr(0x68, 4, 0xdead12ef) == 0);
	CHECK(dev.nlog == 2 && logged(1, 0x69, 1, 0x12));

	/* Partial bits of a byte: the rest keep the device's value. */
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0xe0, 1, 0x0f) == 0);
	CHECK(wr(0xe0, 1, 0xf0) == XSPLIT_PCICFG_DROPPED);
	CHECK(dev.nlog == 3 && logged(2, 0xe0, 1, 0x00));
	put(0xe0, 1, 0xa0);
	CHECK(wr(0xe0, 1, 0xa5) == 0);
	CHECK(dev.nlog == 4 && logged(3, 0xe0, 1, 0xa5));
	CHECK(cfg.dropped_writes == 2);
}

/* A quirk makes its bits the device's: readable and writable. */
TEST(pcicfg_quirk_over_rules)
{
	CHECK(setup(0) == 0);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, SATA + 4, 4, 0xffffffffu) == 0);
	CHECK(reads(SATA + 4, 4, 0x24));
	CHECK(reads(SATA, 4, 0));
	CHECK(wr(SATA + 4, 4, 0x30) == 0);
	CHECK(dev.nlog == 1 && logged(0, SATA + 4, 4, 0x30));

	CHECK(xsplit_pcicfg_add_quirk(&cfg, PCI_CACHE_LINE_SIZE, 1, 0xff) ==
	      0);
	CHECK(reads(PCI_CACHE_LINE_SIZE, 1, 0x08));
	CHECK(wr(PCI_CACHE_LINE_SIZE, 1, 0x10) == 0);
	CHECK(dev.nlog == 2 && logged(1, PCI_CACHE_LINE_SIZE, 1, 0x10));
	CHECK(reads(PCI_LATENCY_TIMER, 1, 0x20));

	CHECK(xsplit_pcicfg_add_quirk(&cfg, PCI_COMMAND, 2,
				      PCI_COMMAND_INVALIDATE) == 0);
	CHECK(wr(PCI_COMMAND, 2, 0x0016) == 0);
	CHECK(dev.nlog == 3 && logged(2, PCI_COMMAND, 2, 0x0016));

	/* PME enable via a quirk: the RMW must not clear PME status. */
	put(PM + PCI_PM_CTRL, 2, 0x8008);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, PM + PCI_PM_CTRL, 2,
				      PCI_PM_CTRL_PME_ENABLE) == 0);
	CHECK(wr(PM + PCI_PM_CTRL, 2, 0x0108) == 0);
	CHECK(dev.nlog == 4 && logged(3, PM + PCI_PM_CTRL + 1, 1, 0x01));
	CHECK(get(PM + PCI_PM_CTRL, 2) == 0x8108);

	/* In extended space, over the hidden AER header. */
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x104, 4, 0x0000ffff) == 0);
	CHECK(reads(0x104, 4, 0x5678));
	CHECK(reads(0x100, 4, 0));
	CHECK(wr(0x104, 4, 0xffffffffu) == XSPLIT_PCICFG_DROPPED);
	CHECK(dev.nlog == 5 && logged(4, 0x104, 2, 0xffff));
	CHECK(get(0x104, 4) == 0x1234ffff);
}

TEST(pcicfg_quirk_protected)
{
	static const u32 bad[][3] = {
		{ PCI_BASE_ADDRESS_0, 4, 0xfffffff0u },
		{ PCI_BASE_ADDRESS_0 + 3, 1, 0x80 },
		{ PCI_BASE_ADDRESS_5, 2, 1 },
		{ PCI_ROM_ADDRESS, 4, PCI_ROM_ADDRESS_ENABLE },
		{ PCI_CAPABILITY_LIST, 1, 0xff },
		{ PCI_CAPABILITY_LIST, 4, 0x1 },
		{ PM, 2, 0xff00 },
		{ EXP, 1, 0xff },
		{ VNDR + 1, 1, 0x01 },
		{ MSI + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE },
		{ MSI + PCI_MSI_ADDRESS_LO, 4, 0xffffffffu },
		{ MSI + PCI_MSI_ADDRESS_HI, 4, 0x1 },
		{ MSI + PCI_MSI_DATA_64, 2, 0xffff },
		{ MSI + PCI_MSI_MASK_64, 4, 1 },
		{ MSI + PCI_MSI_PENDING_64, 4, 1 },
		{ MSIX + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE },
		{ MSIX + PCI_MSIX_TABLE, 4, 0xfffffff8u },
		{ MSIX + PCI_MSIX_PBA, 4, 7 },
	};
	u32 i;

	CHECK(setup(0) == 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(xsplit_pcicfg_add_quirk(&cfg, bad[i][0], bad[i][1],
					      bad[i][2]) == -EPERM);
	CHECK(cfg.nr_quirks == 0);
	/* A field sharing a dword with a protected byte is fine. */
	CHECK(xsplit_pcicfg_add_quirk(&cfg, PCI_CAPABILITY_LIST, 4,
				      0xff000000u) == 0);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, PM + PCI_PM_PMC, 2, 0x1) == 0);
}

TEST(pcicfg_quirk_bad_and_overlap)
{
	u32 i;

	CHECK(setup(0) == 0);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x68, 3, 0xff) == -EINVAL);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x69, 2, 0xff) == -EINVAL);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x6a, 4, 0xff) == -EINVAL);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x68, 4, 0) == -EINVAL);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x68, 1, 0x100) == -EINVAL);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x68, 2, 0x10000) == -EINVAL);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x1000, 1, 1) == -EINVAL);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0xffc, 4, 1) == 0);

	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x68, 4, 0x0000ff00) == 0);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x69, 1, 0x01) == -EEXIST);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x68, 2, 0x0100) == -EEXIST);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x68, 1, 0xff) == 0);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x6a, 2, 0xffff) == 0);
	CHECK(cfg.nr_quirks == 4);

	for (i = cfg.nr_quirks; i < XSPLIT_PCICFG_MAX_QUIRKS; i++)
		CHECK(xsplit_pcicfg_add_quirk(&cfg, 0xe0 + i, 1, 1) == 0);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0xf8, 1, 1) == -ENOSPC);

	build_edu();
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(xsplit_pcicfg_add_quirk(&cfg, 0x100, 1, 1) == -EINVAL);
}

TEST(pcicfg_dropped_counter)
{
	CHECK(setup(0) == 0);
	/* One refused write counts once, however many bits it tried. */
	CHECK(wr(0x68, 4, 0) == XSPLIT_PCICFG_DROPPED);
	CHECK(cfg.dropped_writes == 1);
	/* Stored and passed writes do not count; nor writes of no change. */
	CHECK(wr(PCI_CACHE_LINE_SIZE, 1, 0x40) == 0);
	CHECK(wr(PCI_COMMAND, 2, 0x0006) == 0);
	CHECK(wr(PCI_BASE_ADDRESS_0, 4, 0xffffffffu) == 0);
	CHECK(wr(0x68, 4, 0xdeadbeef) == 0);
	CHECK(wr(SATA, 4, 0) == 0);
	CHECK(cfg.dropped_writes == 1);
	CHECK(wr(SATA, 1, 1) == XSPLIT_PCICFG_DROPPED);
	CHECK(wr(0x100, 2, 1) == XSPLIT_PCICFG_DROPPED);
	CHECK(cfg.dropped_writes == 3);
}

TEST(pcicfg_access_errors)
{
	u32 v;

	CHECK(setup(XSPLIT_PCICFG_PERMISSIVE) == 0);
	dev.read_err = -EIO;
	CHECK(xsplit_pcicfg_read(&cfg, PCI_VENDOR_ID, 4, &v) == -EIO);
	CHECK(wr(PCI_COMMAND, 2, 6) == -EIO);
	CHECK(wr(0x68, 4, 0) == -EIO);
	/* Fully virtual registers never need the device. */
	CHECK(reads(PCI_BASE_ADDRESS_0, 4, BAR0_ADDR));
	CHECK(wr(PCI_BASE_ADDRESS_0, 4, 0xffffffffu) == 0);
	CHECK(reads(MSI + PCI_MSI_ADDRESS_LO, 4, 0));
	CHECK(reads(SATA, 4, 0));
	CHECK(reads(0x200, 4, 0));
	dev.read_err = 0;
	dev.write_err = -ENODEV;
	CHECK(wr(PCI_COMMAND, 2, 6) == -ENODEV);
	CHECK(wr(0x68, 4, 0) == -ENODEV);
	CHECK(cfg.dropped_writes == 0);
	dev.write_err = 0;
	CHECK(wr(0x68, 4, 0) == 0);
}

/*
 * Byte granularity: for every offset, a dword read is the four byte reads
 * and the two word reads, before and after a storm of writes.
 */
TEST(pcicfg_width_consistency)
{
	u32 flags, round, off, d, w0, w1, b[4], i;

	for (flags = 0; flags <= XSPLIT_PCICFG_FLAGS; flags++) {
		CHECK(setup(flags) == 0);
		for (round = 0; round < 2; round++) {
			for (off = 0; off < 0x110; off += 4) {
				CHECK(rd(off, 4, &d) == 0);
				CHECK(rd(off, 2, &w0) == 0);
				CHECK(rd(off + 2, 2, &w1) == 0);
				for (i = 0; i < 4; i++)
					CHECK(rd(off + i, 1, &b[i]) == 0);
				CHECK(d == (w0 | w1 << 16));
				CHECK(d == (b[0] | b[1] << 8 | b[2] << 16 |
					    b[3] << 24));
			}
			for (off = 0; off < 0x110; off++) {
				CHECK(wr(off, 1, 0xa5 ^ off) >= 0);
				dev.nlog = 0;
			}
		}
	}
}

/* --- hostile and broken devices ---------------------------------------- */

/* Walk the guest's chain; false if it is not a sane list of kept caps. */
static bool guest_chain_sane(void)
{
	u32 pos, id, steps = 0, i;

	if (xsplit_pcicfg_read(&cfg, PCI_CAPABILITY_LIST, 1, &pos))
		return false;
	while (pos) {
		bool found = false;

		if (++steps > XSPLIT_PCICFG_MAX_CAPS || pos < 0x40 || pos & 3)
			return false;
		for (i = 0; i < cfg.nr_caps; i++)
			if (cfg.caps[i].off == pos && cfg.caps[i].kept)
				found = true;
		if (!found)
			return false;
		if (xsplit_pcicfg_read(&cfg, pos, 1, &id) ||
		    xsplit_pcicfg_read(&cfg, pos + 1, 1, &pos))
			return false;
	}
	return true;
}

/* Kept capabilities lie in 0x40..0xff and never overlap. */
static bool kept_disjoint(void)
{
	u32 i, j;

	for (i = 0; i < cfg.nr_caps; i++) {
		const struct xsplit_pcicfg_cap *a = &cfg.caps[i];

		if (!a->kept)
			continue;
		if (a->off < 0x40 || a->off + a->len > 0x100)
			return false;
		for (j = 0; j < i; j++) {
			const struct xsplit_pcicfg_cap *b = &cfg.caps[j];

			if (b->kept && a->off < b->off + b->len &&
			    b->off < a->off + a->len)
				return false;
		}
	}
	return true;
}

TEST(pcicfg_evil_self_loop)
{
	build_edu();
	put(PM + 1, 1, PM);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(cfg.nr_caps == 1);
	CHECK(reads(PM, 2, PCI_CAP_ID_PM));
	CHECK(guest_chain_sane());
}

TEST(pcicfg_evil_loop)
{
	build_edu();
	put(MSIX + 1, 1, MSI);		/* PM MSI SATA MSIX -> MSI ... */
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(cfg.nr_caps == 4);
	CHECK(cfg.msix_cap == MSIX && cfg.pcie_cap == 0);
	CHECK(reads(MSIX + 1, 1, 0));
	CHECK(guest_chain_sane());
}

TEST(pcicfg_evil_pointer_into_header)
{
	static const u8 ptrs[] = { 0x04, 0x10, 0x30, 0x34, 0x3c, 0x3f };
	u32 i;

	for (i = 0; i < ARRAY_SIZE(ptrs); i++) {
		build_edu();
		put(MSI + 1, 1, ptrs[i]);
		CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
		CHECK(cfg.nr_caps == 2);
		CHECK(reads(MSI + 1, 1, 0));
		CHECK(guest_chain_sane());

		build_edu();
		put(PCI_CAPABILITY_LIST, 1, ptrs[i]);
		CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
		CHECK(cfg.nr_caps == 0);
		CHECK(reads(PCI_CAPABILITY_LIST, 1, 0));
		CHECK(reads(PCI_STATUS, 1, 0));
		/* Nothing hidden then: the bytes read as the device's. */
		CHECK(reads(SATA + 4, 4, 0x24));
	}
}

/* Bits 1:0 of a pointer are reserved: masked, as the spec says. */
TEST(pcicfg_evil_misaligned_pointers)
{
	build_edu();
	put(PCI_CAPABILITY_LIST, 1, PM | 3);
	put(PM + 1, 1, MSI | 1);
	put(MSI + 1, 1, SATA | 2);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(cfg.nr_caps == 6);
	CHECK(reads(PCI_CAPABILITY_LIST, 1, PM));
	CHECK(reads(PM + 1, 1, MSI));
	CHECK(reads(MSI + 1, 1, MSIX));
	CHECK(guest_chain_sane());
}

/* Capabilities that run past 0xff are hidden, clipped to config space. */
TEST(pcicfg_evil_past_end)
{
	build_edu();
	put(VNDR + 1, 1, 0xfc);
	put(0xfc, 2, PCI_CAP_ID_MSIX);
	put(MSIX, 2, PCI_CAP_ID_VNDR | EXP << 8);	/* no MSI-X there */
	CHECK(init_dev(PCI_CFG_SPACE_EXP_SIZE, 0) == 0);
	CHECK(cfg.nr_caps == 7);
	CHECK(!cfg.caps[6].kept && cfg.caps[6].len == 4);
	CHECK(cfg.msix_cap == 0 && cfg.msix_table_size == 0);
	CHECK(reads(0xfc, 4, 0));
	CHECK(reads(0x100, 4, 0));
	CHECK(guest_chain_sane());

	build_edu();
	put(VNDR + 1, 1, 0xf0);
	put(0xf0, 2, PCI_CAP_ID_MSI);
	put(0xf2, 2, 0x0184);			/* 0x18 bytes: no room */
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(cfg.msi_cap == MSI);
	CHECK(!cfg.caps[6].kept);
	CHECK(kept_disjoint() && guest_chain_sane());
}

/*
 * Hidden capabilities read as 0 over the length the spec gives them, and
 * only that: the byte after is the device's again. Unknown IDs hide their
 * header dword only.
 */
TEST(pcicfg_hidden_lengths)
{
	static const struct {
		u8 id, len;
	} caps[] = {
		{ PCI_CAP_ID_AGP, 12 }, { PCI_CAP_ID_VPD, 8 },
		{ PCI_CAP_ID_PCIX, 8 }, { PCI_CAP_ID_SSVID, 8 },
		{ PCI_CAP_ID_SATA, 8 }, { PCI_CAP_ID_AF, 6 },
		{ PCI_CAP_ID_HT, 4 }, { PCI_CAP_ID_EA, 4 }, { 0x00, 4 },
		{ 0x16, 4 }, { 0xfe, 4 },
	};
	u32 i, b;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		build_edu();
		put(VNDR + 1, 1, 0xe0);
		put(0xe0, 2, caps[i].id);
		for (b = 2; b < 0x20; b++)
			put(0xe0 + b, 1, 0x80 | b);
		CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
		CHECK(cfg.nr_caps == 7 && !cfg.caps[6].kept);
		CHECK(cfg.caps[6].len == caps[i].len);
		for (b = 0; b < 0x20; b++)
			CHECK(reads(0xe0 + b, 1,
				    b < caps[i].len ? 0 : 0x80 | b));
	}

	/* Near the end of config space, cut short rather than overrun. */
	build_edu();
	put(VNDR + 1, 1, 0xf8);
	put(0xf8, 2, PCI_CAP_ID_AGP);
	CHECK(init_dev(PCI_CFG_SPACE_EXP_SIZE, 0) == 0);
	CHECK(cfg.caps[6].len == 8);
	CHECK(reads(0xf8, 4, 0) && reads(0xfc, 4, 0));
	CHECK(reads(0xf4, 4, get(0xf4, 4)));
}

TEST(pcicfg_evil_overlaps)
{
	/* MSI inside PM: the second comer is hidden, PM keeps its rules. */
	build_edu();
	put(PM + 1, 1, PM + 4);
	put(PM + 4, 2, PCI_CAP_ID_MSI | SATA << 8);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, XSPLIT_PCICFG_POWER_MGMT) == 0);
	CHECK(cfg.msi_cap == 0);
	CHECK(cfg.nr_caps == 6 && !cfg.caps[1].kept);
	CHECK(kept_disjoint() && guest_chain_sane());
	CHECK(reads(PM + 1, 1, MSIX));
	/* Its bytes are PM's control register, under PM's rules. */
	CHECK(wr(PM + PCI_PM_CTRL, 1, 3) == 0);
	CHECK(dev.nlog == 1 && logged(0, PM + PCI_PM_CTRL, 1, 0x07));

	/* PCIe whose length runs into MSI-X: MSI-X is kept, PCIe goes. */
	build_edu();
	put(PM + 1, 1, MSIX);
	put(MSIX + 1, 1, 0x80);
	put(0x80, 2, PCI_CAP_ID_EXP | VNDR << 8);
	put(0x82, 2, 0x0002);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(cfg.msix_cap == MSIX && cfg.pcie_cap == 0);
	CHECK(kept_disjoint() && guest_chain_sane());

	/* Two MSI capabilities: the first is the one dom0's PCI core uses. */
	build_edu();
	put(VNDR + 1, 1, 0xe0);
	put(0xe0, 4, PCI_CAP_ID_MSI | 0x0080u << 16);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(cfg.msi_cap == MSI);
	CHECK(cfg.nr_caps == 7 && !cfg.caps[6].kept);
	CHECK(reads(VNDR + 1, 1, 0));
	CHECK(reads(0xe0, 4, 0));
}

TEST(pcicfg_evil_id_ff_ends_list)
{
	build_edu();
	put(SATA, 1, 0xff);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(cfg.nr_caps == 2);
	CHECK(cfg.msix_cap == 0);
	CHECK(reads(MSI + 1, 1, 0));
}

/* Every dword slot a capability, each pointing at the next, then back. */
TEST(pcicfg_evil_full_chain)
{
	u32 pos;

	build_edu();
	for (pos = 0x40; pos < 0x100; pos += 4)
		put(pos, 4, PCI_CAP_ID_DBG | ((pos + 4) & 0xff) << 8);
	put(0xfc, 2, PCI_CAP_ID_DBG | 0x40 << 8);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, XSPLIT_PCICFG_PERMISSIVE) == 0);
	CHECK(cfg.nr_caps == XSPLIT_PCICFG_MAX_CAPS);
	CHECK(reads(PCI_CAPABILITY_LIST, 1, 0));
	for (pos = 0x40; pos < 0x100; pos += 4) {
		CHECK(reads(pos, 4, 0));
		CHECK(wr(pos, 4, 0xffffffffu) == XSPLIT_PCICFG_DROPPED);
	}
	CHECK(dev.nlog == 0);

	/* Same, with a kept one among them. */
	put(0x80, 4, PCI_CAP_ID_PM | 0x84 << 8);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(cfg.nr_caps == XSPLIT_PCICFG_MAX_CAPS);
	CHECK(cfg.pm_cap == 0x80);
	CHECK(reads(PCI_CAPABILITY_LIST, 1, 0x80));
	CHECK(reads(0x81, 1, 0));
	CHECK(guest_chain_sane() && kept_disjoint());
}

/* Every value of one next pointer, and of the first pointer. */
TEST(pcicfg_evil_every_pointer)
{
	u32 v;

	for (v = 0; v < 0x100; v++) {
		build_edu();
		put(MSI + 1, 1, v);
		CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
		CHECK(cfg.nr_caps <= XSPLIT_PCICFG_MAX_CAPS);
		CHECK(kept_disjoint() && guest_chain_sane());
		CHECK(cfg.msi_cap == MSI);

		build_edu();
		put(PCI_CAPABILITY_LIST, 1, v);
		CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
		CHECK(kept_disjoint() && guest_chain_sane());
	}
}

/* Without the status bit, the pointer is not looked at. */
TEST(pcicfg_no_cap_list_bit)
{
	build_edu();
	put(PCI_STATUS, 2, 0);
	CHECK(init_dev(PCI_CFG_SPACE_SIZE, 0) == 0);
	CHECK(cfg.nr_caps == 0);
	CHECK(cfg.msi_cap == 0 && cfg.msix_cap == 0);
	CHECK(reads(PCI_CAPABILITY_LIST, 1, 0));
	CHECK(reads(PCI_STATUS, 2, 0));
	CHECK(reads(PM, 2, PCI_CAP_ID_PM | MSI << 8));
}
