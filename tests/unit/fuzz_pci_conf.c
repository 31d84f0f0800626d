// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry for the request checker and the config space engine
 * together, built by `make fuzz`. The input is:
 *
 *   256 bytes   the device's config header and capability area
 *   1 byte      bit 0 permissive, 1 power management, 2 extended config
 *               space, 3 add a quirk, 4 flip the flags half way, 5 make
 *               every 7th hardware access fail, 6 the 256 bytes are
 *               XORed onto a realistic endpoint rather than taken as is
 *   7 bytes     BARs 0-5 and the ROM, see decode_bars()
 *   8 bytes     the quirk: offset (2), size (1), mask (4), unused (1)
 *   then        requests of 12 bytes: cmd, size (s8), offset (s16),
 *               value (4), address byte, info (3); an enable_msix is
 *               followed by its entries, 2 bytes each
 *
 * The address byte, when its bit 7 is clear, also says how to read size
 * and offset, since a raw 16-bit offset almost never lands on the one
 * register that matters and nothing in the engine compares an offset with
 * anything the fuzzer could learn from: bit 0 takes the offset relative to
 * a capability found at init (offset byte 1 picks which, byte 0 the
 * distance), bit 1 takes offset byte 0 alone (the header and capability
 * area), bit 2 makes the size 1, 2 or 4 and aligns the offset to it.
 *
 * Each request goes through xsplit_pci_op_copy() and xsplit_pci_op_check()
 * and, when it passes as a config access, to the engine. Besides ASan and
 * UBSan, the fake device traps on:
 * - any access that is unaligned or outside config space;
 * - any write to BAR or ROM bytes, the capabilities pointer, a kept
 *   capability's ID/next bytes, or the MSI or MSI-X capability;
 * - without permissive mode, any bit changed outside what the rules let
 *   through (command, status error bits, power state with power
 *   management, PCIe device control, quirks). A 0 written where writing a
 *   1 would clear or start something changes nothing on real hardware and
 *   is not counted.
 * and after each request on: a check-approved access the engine refuses
 * as malformed, a BAR that reads as anything but its address or size mask,
 * extended space that reads non-zero without a quirk, an MSI-X request
 * approved with out-of-range or repeated entries, and dropped_writes not
 * moving exactly with XSPLIT_PCICFG_DROPPED.
 */
#include <stdint.h>
#include <string.h>

#include <xsplit/pci_conf.h>
#include <xsplit/pci_op.h>

#define CFG_MAX		PCI_CFG_SPACE_EXP_SIZE
#define HDR_BYTES	256
#define SETUP_BYTES	(HDR_BYTES + 1 + XSPLIT_PCICFG_NR_BARS + 8)
#define REQ_BYTES	12

#define F_PERMISSIVE	0x01
#define F_POWER_MGMT	0x02
#define F_EXTENDED	0x04
#define F_QUIRK		0x08
#define F_FLIP		0x10
#define F_FAULTS	0x20
#define F_TEMPLATE	0x40

struct fake {
	u8 cfg[CFG_MAX];
	u8 locked[CFG_MAX];	/* no write may touch these bytes */
	u8 allowed[CFG_MAX];	/* bits that may change, not permissive */
	u8 act[CFG_MAX];	/* bits where writing 0 is a no-op */
	bool checking;		/* enforce allowed[]: not permissive */
	unsigned int accesses;
	bool faults;
};

static struct fake dev;
static struct xsplit_pcicfg cfg;
static struct { u32 off, size, mask; bool set; } quirk;

static int fake_fault(struct fake *f)
{
	return f->faults && ++f->accesses % 7 == 0 ? -5 : 0;
}

static int fake_read(void *ctx, u32 off, u32 size, u32 *val)
{
	struct fake *f = ctx;
	u32 i, v = 0;

	if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)) ||
	    off >= cfg.cfg_size || size > cfg.cfg_size - off)
		__builtin_trap();
	if (fake_fault(f))
		return -5;
	for (i = 0; i < size; i++)
		v |= (u32)f->cfg[off + i] << (8 * i);
	*val = v;
	return 0;
}

static int fake_write(void *ctx, u32 off, u32 size, u32 val)
{
	struct fake *f = ctx;
	u32 i;

	if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)) ||
	    off >= cfg.cfg_size || size > cfg.cfg_size - off ||
	    (size < 4 && val >> (8 * size)))
		__builtin_trap();
	for (i = 0; i < size; i++) {
		u8 old = f->cfg[off + i], b = (u8)(val >> (8 * i));
		u8 changed = old ^ b;

		if (f->locked[off + i])
			__builtin_trap();
		changed &= ~(f->act[off + i] & ~b);
		if (f->checking && (changed & ~f->allowed[off + i]))
			__builtin_trap();
	}
	if (fake_fault(f))
		return -5;
	for (i = 0; i < size; i++)
		f->cfg[off + i] = (u8)(val >> (8 * i));
	return 0;
}

static void put(u8 *img, u32 off, u32 size, u32 val)
{
	u32 i;

	for (i = 0; i < size; i++)
		img[off + i] = (u8)(val >> (8 * i));
}

/*
 * Random headers seldom hold a capability chain worth the name, so most
 * of the engine's rules would be reached rarely. This endpoint has one of
 * each kind (PM, MSI, a hidden SATA, MSI-X, PCI Express, vendor-specific)
 * and mutations of it stay close to real devices.
 */
static void make_template(u8 *img)
{
	memset(img, 0, HDR_BYTES);
	put(img, PCI_VENDOR_ID, 4, 0x11e81234);
	put(img, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	put(img, PCI_CLASS_REVISION, 4, 0x00ff0010);
	put(img, PCI_CAPABILITY_LIST, 1, 0x40);
	put(img, PCI_INTERRUPT_LINE, 2, 0x010b);
	put(img, 0x40, 4, PCI_CAP_ID_PM | 0x50 << 8 | 0x0003u << 16);
	put(img, 0x44, 2, PCI_PM_CTRL_NO_SOFT_RESET);
	put(img, 0x50, 4, PCI_CAP_ID_MSI | 0x70 << 8 | 0x0184u << 16);
	put(img, 0x70, 4, PCI_CAP_ID_SATA | 0x78 << 8 | 0x0010u << 16);
	put(img, 0x78, 4, PCI_CAP_ID_MSIX | 0x90 << 8 | 0x000fu << 16);
	put(img, 0x80, 4, 0x800);
	put(img, 0x90, 4, PCI_CAP_ID_EXP | 0xd0 << 8 | 0x0002u << 16);
	put(img, 0x98, 2, 0x2810);
	put(img, 0xd0, 4, PCI_CAP_ID_VNDR | 0x10u << 16);
}

static const struct xsplit_pcicfg_hw fake_hw = {
	.read = fake_read, .write = fake_write, .ctx = &dev,
};

/*
 * Per BAR byte: bits 1:0 kind (none, 32-bit memory, 64-bit memory, I/O),
 * bit 2 prefetchable, bits 7:3 the size. For the ROM: bit 0 present, bits
 * 7:1 the size. Addresses are aligned to the size, and descriptions the
 * engine must reject do occur.
 */
static void decode_bars(const u8 *in, struct xsplit_pcicfg_bar *bars)
{
	u32 i, k, sh;

	memset(bars, 0, sizeof(*bars) * XSPLIT_PCICFG_NR_BARS);
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		k = in[i] & 3;
		sh = in[i] >> 3;
		if (k == 1) {
			bars[i].size = 1ull << (4 + sh % 28);
			bars[i].addr = (0xfe000000u - (i << 24)) &
				       ~(bars[i].size - 1);
		} else if (k == 2) {
			bars[i].size = 1ull << (4 + sh);
			bars[i].addr = (0x8000000000ull * (i + 1)) &
				       ~(bars[i].size - 1);
			bars[i].flags = XSPLIT_PCICFG_BAR_MEM64;
		} else if (k == 3) {
			bars[i].size = 1ull << (2 + sh % 8);
			bars[i].addr = (0xc000u + (i << 8)) &
				       ~(bars[i].size - 1);
			bars[i].flags = XSPLIT_PCICFG_BAR_IO;
			continue;
		} else {
			continue;
		}
		if (in[i] & 4)
			bars[i].flags |= XSPLIT_PCICFG_BAR_PREFETCH;
		if (k == 2 && i + 1 < PCI_STD_NUM_BARS)
			i++;	/* the upper half stays zero */
	}
	k = in[XSPLIT_PCICFG_ROM];
	if (k & 1) {
		bars[XSPLIT_PCICFG_ROM].size = 1ull << (11 + (k >> 1) % 21);
		bars[XSPLIT_PCICFG_ROM].addr = 0xfe000000u &
			~(bars[XSPLIT_PCICFG_ROM].size - 1);
	}
}

static void mark(u8 *map, u32 off, u32 len, u8 bits)
{
	u32 i;

	for (i = 0; i < len && off + i < CFG_MAX; i++)
		map[off + i] |= bits;
}

static void allow16(u32 off, u32 mask)
{
	mark(dev.allowed, off, 1, (u8)mask);
	mark(dev.allowed, off + 1, 1, (u8)(mask >> 8));
}

static void act16(u32 off, u32 mask)
{
	mark(dev.act, off, 1, (u8)mask);
	mark(dev.act, off + 1, 1, (u8)(mask >> 8));
}

static u32 msi_len(void)
{
	u32 len = cfg.msi_64bit ? PCI_MSI_DATA_64 + 4 : PCI_MSI_DATA_32 + 4;

	return cfg.msi_maskable ? len + 8 : len;
}

/*
 * What the rules promise, stated independently of the engine except for
 * where the capabilities turned out to be.
 */
static void build_oracle(u32 flags)
{
	u32 i;

	memset(dev.locked, 0, sizeof(dev.locked));
	memset(dev.allowed, 0, sizeof(dev.allowed));
	memset(dev.act, 0, sizeof(dev.act));

	mark(dev.locked, PCI_BASE_ADDRESS_0, 24, 1);
	mark(dev.locked, PCI_ROM_ADDRESS, 4, 1);
	mark(dev.locked, PCI_CAPABILITY_LIST, 1, 1);
	for (i = 0; i < cfg.nr_caps; i++)
		if (cfg.caps[i].kept)
			mark(dev.locked, cfg.caps[i].off, 2, 1);
	if (cfg.msi_cap)
		mark(dev.locked, cfg.msi_cap, msi_len(), 1);
	if (cfg.msix_cap)
		mark(dev.locked, cfg.msix_cap, PCI_CAP_MSIX_SIZEOF, 1);

	allow16(PCI_COMMAND, XSPLIT_PCICFG_GUEST_COMMAND);
	allow16(PCI_STATUS, 0xf900);
	act16(PCI_STATUS, 0xf900);
	mark(dev.act, PCI_BIST, 1, PCI_BIST_START);
	if (cfg.pm_cap) {
		if (flags & F_POWER_MGMT)
			allow16(cfg.pm_cap + PCI_PM_CTRL,
				PCI_PM_CTRL_STATE_MASK);
		act16(cfg.pm_cap + PCI_PM_CTRL, PCI_PM_CTRL_PME_STATUS);
	}
	if (cfg.pcie_cap) {
		u32 p = cfg.pcie_cap;

		allow16(p + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_RELAX_EN |
			PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ);
		act16(p + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_BCR_FLR);
		act16(p + PCI_EXP_DEVSTA, 0x000f);
		act16(p + PCI_EXP_LNKCTL, PCI_EXP_LNKCTL_RL);
		act16(p + PCI_EXP_LNKSTA, 0xc000);
		act16(p + PCI_EXP_SLTSTA, 0x011f);
		act16(p + PCI_EXP_RTSTA + 2, 0x0001);
	}
	for (i = 0; quirk.set && i < quirk.size; i++)
		mark(dev.allowed, quirk.off + i, 1,
		     (u8)(quirk.mask >> (8 * i)));
	dev.checking = !(flags & F_PERMISSIVE);
}

static u32 get_le(const u8 *p, u32 n)
{
	u32 v = 0, i;

	for (i = 0; i < n; i++)
		v |= (u32)p[i] << (8 * i);
	return v;
}

static void check_bar_read(u32 off, u32 size, u32 val)
{
	const struct xsplit_pcicfg_vbar *v;
	u32 idx;

	if (size != 4)
		return;
	if (off >= PCI_BASE_ADDRESS_0 && off <= PCI_BASE_ADDRESS_5)
		idx = (off - PCI_BASE_ADDRESS_0) / 4;
	else if (off == PCI_ROM_ADDRESS)
		idx = XSPLIT_PCICFG_ROM;
	else
		return;
	v = &cfg.bar[idx];
	if (idx == XSPLIT_PCICFG_ROM)
		val &= ~PCI_ROM_ADDRESS_ENABLE;
	if (val != v->real && val != v->sized)
		__builtin_trap();
}

static void check_msix(const struct xsplit_pci_op *op)
{
	u32 i, j;

	if (op->value == 0 || op->value > SH_INFO_MAX_VEC ||
	    op->value > cfg.msix_table_size || op->nr_msix != op->value)
		__builtin_trap();
	for (i = 0; i < op->nr_msix; i++) {
		if (op->msix_entry[i] >= cfg.msix_table_size)
			__builtin_trap();
		for (j = 0; j < i; j++)
			if (op->msix_entry[i] == op->msix_entry[j])
				__builtin_trap();
	}
}

static void run_request(const struct xen_pci_op *wire, bool ext_quirk)
{
	struct xsplit_pci_op op;
	u64 before = cfg.dropped_writes;
	u32 val = 0;
	int err, ret;

	xsplit_pci_op_copy(&op, wire);
	err = xsplit_pci_op_check(&op, cfg.cfg_size, cfg.msix_table_size);
	if (err != XEN_PCI_ERR_success)
		return;

	switch (op.cmd) {
	case XEN_PCI_OP_conf_read:
		ret = xsplit_pcicfg_read(&cfg, (u32)op.offset, (u32)op.size,
					 &val);
		if (ret == -EINVAL)
			__builtin_trap();
		if (ret)
			return;
		check_bar_read((u32)op.offset, (u32)op.size, val);
		if (op.offset >= PCI_CFG_SPACE_SIZE && !ext_quirk && val)
			__builtin_trap();
		break;
	case XEN_PCI_OP_conf_write:
		ret = xsplit_pcicfg_write(&cfg, (u32)op.offset, (u32)op.size,
					  op.value);
		if (ret == -EINVAL)
			__builtin_trap();
		if ((ret == XSPLIT_PCICFG_DROPPED) !=
		    (cfg.dropped_writes == before + 1))
			__builtin_trap();
		if (ret != XSPLIT_PCICFG_DROPPED &&
		    cfg.dropped_writes != before)
			__builtin_trap();
		break;
	case XEN_PCI_OP_enable_msix:
		check_msix(&op);
		break;
	}
}

/* See the address byte above. */
static void steer(struct xen_pci_op *wire, const u8 *p)
{
	static const s32 sizes[] = { 1, 2, 4, 4 };
	u8 how = p[8];

	if ((how & 1) && cfg.nr_caps)
		wire->offset = cfg.caps[p[3] % cfg.nr_caps].off + (p[2] & 0x3f);
	else if (how & 2)
		wire->offset = p[2];
	if (how & 4) {
		wire->size = sizes[p[1] & 3];
		wire->offset &= ~(wire->size - 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xsplit_pcicfg_bar bars[XSPLIT_PCICFG_NR_BARS];
	const u8 *p = data, *end = data + size;
	u8 snap_bars[0x28], snap_rom[4];
	bool ext_quirk = false;
	u32 flags, i, cfg_size, nreq = 0;
	struct xen_pci_op wire;

	if (size < SETUP_BYTES)
		return 0;

	memset(&dev, 0, sizeof(dev));
	flags = p[HDR_BYTES];
	if (flags & F_TEMPLATE)
		make_template(dev.cfg);
	for (i = 0; i < HDR_BYTES; i++)
		dev.cfg[i] ^= p[i];
	/* Extended space has content; the guest must never see it. */
	for (i = HDR_BYTES; i < CFG_MAX; i++)
		dev.cfg[i] = (u8)(0xa5 ^ i ^ (i >> 8));
	p += HDR_BYTES + 1;
	decode_bars(p, bars);
	p += XSPLIT_PCICFG_NR_BARS;

	cfg_size = flags & F_EXTENDED ? PCI_CFG_SPACE_EXP_SIZE :
					PCI_CFG_SPACE_SIZE;
	quirk.set = false;
	if (xsplit_pcicfg_init(&cfg, &fake_hw, bars, cfg_size,
			       flags & (F_PERMISSIVE | F_POWER_MGMT)))
		return 0;
	if (cfg.nr_caps > XSPLIT_PCICFG_MAX_CAPS)
		__builtin_trap();
	build_oracle(flags);

	if (flags & F_QUIRK) {
		u32 qoff = get_le(p, 2) % CFG_MAX, qsize = p[2] & 7;
		u32 qmask = get_le(p + 3, 4);

		if (xsplit_pcicfg_add_quirk(&cfg, qoff, qsize, qmask) == 0) {
			/* Never over anything the rules protect. */
			for (i = 0; i < qsize; i++)
				if ((u8)(qmask >> (8 * i)) &&
				    dev.locked[qoff + i])
					__builtin_trap();
			quirk.off = qoff;
			quirk.size = qsize;
			quirk.mask = qmask;
			quirk.set = true;
			build_oracle(flags);
			ext_quirk = qoff >= PCI_CFG_SPACE_SIZE;
		}
	}
	p += 8;

	memcpy(snap_bars, dev.cfg, sizeof(snap_bars));
	memcpy(snap_rom, dev.cfg + PCI_ROM_ADDRESS, sizeof(snap_rom));
	dev.faults = flags & F_FAULTS;

	while (end - p >= REQ_BYTES) {
		memset(&wire, 0, sizeof(wire));
		wire.cmd = p[0] % 12;
		wire.size = (s8)p[1];
		wire.offset = (s16)get_le(p + 2, 2);
		wire.value = get_le(p + 4, 4);
		/* Mostly device 0000:00:00.0; sometimes an impossible one. */
		if (p[8] & 0x80) {
			wire.domain = (u32)p[8] << 24;
			wire.bus = p[8] & 0x40 ? 0x100 : 0;
			wire.devfn = p[8] & 0x20 ? 0x100 : 0;
		} else {
			steer(&wire, p);
		}
		wire.info = get_le(p + 9, 3);
		p += REQ_BYTES;

		if (wire.cmd == XEN_PCI_OP_enable_msix) {
			u32 n = wire.value;

			/* Mostly counts that fit, some that do not. */
			if (!(wire.info & 1))
				wire.value = n = n % (SH_INFO_MAX_VEC + 2);
			for (i = 0; i < SH_INFO_MAX_VEC && i < n &&
			     end - p >= 2; i++, p += 2)
				wire.msix_entries[i].entry = (u16)get_le(p, 2);
		}

		if ((flags & F_FLIP) && ++nreq == 8) {
			flags ^= F_PERMISSIVE | F_POWER_MGMT;
			if (xsplit_pcicfg_set_flags(&cfg, flags &
					(F_PERMISSIVE | F_POWER_MGMT)))
				__builtin_trap();
			build_oracle(flags);
		}

		run_request(&wire, ext_quirk);

		if (memcmp(snap_bars + PCI_BASE_ADDRESS_0,
			   dev.cfg + PCI_BASE_ADDRESS_0,
			   sizeof(snap_bars) - PCI_BASE_ADDRESS_0) ||
		    memcmp(snap_rom, dev.cfg + PCI_ROM_ADDRESS,
			   sizeof(snap_rom)))
			__builtin_trap();
	}
	return 0;
}
