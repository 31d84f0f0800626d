// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h.
 *
 * Every config byte below 0x100 gets a rule at init, held as bit masks in
 * cfg->byte[] (see struct xsplit_pcicfg_byte); an access is then judged one
 * byte at a time, so 1, 2 and 4 byte accesses of the same bits always give
 * the same answer and no register needs width-specific code. Only quirks
 * can say anything about extended config space, and they are few, so that
 * part has no table.
 *
 * Two things are never done on the device:
 * - writing a byte none of whose bits the guest may change. Hardware
 *   accesses are split into naturally aligned pieces around such bytes
 *   rather than widened over them with a read-modify-write, so BARs and MSI
 *   address/data cannot be rewritten even with their own value.
 * - sizing a BAR. The sizes come from the kernel's resources.
 *
 * The device is read at init and its layout (BARs, capability chain,
 * capability lengths, the MSI-X table size) is fixed from then on: a device
 * that changes its capability list later changes nothing about what the
 * guest may do.
 *
 * Why each rule (the summary table is in pci_conf.h):
 *
 * - Identity and header layout are read-only to a guest on real hardware
 *   too; BIST is refused as well, since starting a self test takes the
 *   function away for up to two seconds behind dom0's back.
 * - Command: XSPLIT_PCICFG_GUEST_COMMAND is what a driver needs to run its
 *   own function. Special cycles, MWI, VGA palette snoop, stepping and fast
 *   back-to-back change how the function behaves on a bus it shares with
 *   others, so they stay as dom0 set them.
 * - Status: the error bits report this function's own errors and clearing
 *   them is how a driver acknowledges them. The capability-list bit follows
 *   the virtual chain so that "no capabilities" is coherent.
 * - Cache line size and latency timer are tuned for the platform by dom0;
 *   guests often write them, so they get a virtual copy instead of a
 *   refusal. The interrupt line never meant anything to the device.
 * - BARs and ROM: dom0 placed them and the guest's mappings were granted
 *   for exactly those addresses. A guest that moved one would make the
 *   device decode on top of someone else's memory or ports. Sizing probes
 *   are answered from the known size, any other write makes the register
 *   read its real address again. The ROM enable bit is virtual because on
 *   many devices the ROM shares a decoder with a BAR.
 * - Capabilities kept in the guest's chain are those its drivers need to
 *   run the function: Power Management (D-states), MSI and MSI-X
 *   (interrupts, set up through the enable_msi/enable_msix ops), PCI
 *   Express (device and link capabilities a driver tunes by) and
 *   vendor-specific ones (drivers find their own structures through them,
 *   virtio for one). Everything else is hidden: VPD (device hangs on
 *   malformed access are known), PCI-X and HyperTransport (bus and link
 *   configuration shared with others), Advanced Features (can start an
 *   FLR, which must go through the backend), Enhanced Allocation (BAR
 *   layout), bridge capabilities that make no sense on an endpoint, and any
 *   ID we do not know. Extended capabilities (AER, ACS, SR-IOV, resizable
 *   BAR, ...) are all hidden the same way: each controls error containment,
 *   isolation or resources, none is needed to drive the function, and
 *   extended config space reading 0 is how PCI Express says "none".
 * - Hidden capabilities read as 0 over their known length, which keeps a
 *   guest from finding them by scanning; where the length is not fixed by
 *   the spec only the header dword is hidden, since the bytes after it may
 *   be the device's own registers. Permissive mode does not open them: it
 *   is for registers we know nothing about, and these we chose to hide.
 * - Bytes no rule covers (reserved header bytes, device-specific registers
 *   between and after capabilities, vendor capability bodies) read from the
 *   device; writes are refused unless the administrator made the device
 *   permissive, for drivers that need their own registers.
 * - Power Management: the power state goes to the device only with
 *   XSPLIT_PCICFG_POWER_MGMT, as leaving D3hot may reset the function
 *   (No_Soft_Reset clear), after which dom0 must restore its state. PME
 *   enable/status belong to dom0, which handles PME.
 * - MSI: the guest never programs real addresses or data. Its interrupts
 *   are bound through the enable_msi op, for which dom0 and Xen program the
 *   device. Enable, multiple-message enable, address, data and mask bits
 *   are a virtual copy, so a guest's own MSI code sees what it wrote. The
 *   rest of the control register is the value at init, so the layout the
 *   guest sees is the one we judged.
 * - MSI-X: likewise for enable and function mask; the table size is the
 *   value at init for the same reason, and is what enable_msix requests are
 *   checked against. Table and PBA location are read-only on the device.
 * - PCI Express: read-only but for three device control fields that only
 *   shape this function's own requests: relaxed ordering, no snoop and max
 *   read request size (drivers tune these; the IOMMU keeps the requests in
 *   the guest's memory whatever their attributes). Max payload size must
 *   match the whole path, phantom functions would make the device use other
 *   functions' requester IDs, error reporting and aux power belong to dom0,
 *   and the FLR bit resets the function: none of these is the guest's.
 */

#include <xsplit/pci_conf.h>

/* End of the bytes cfg->byte[] describes, and of the header. */
#define CFG_BASE_END	((u32)PCI_CFG_SPACE_SIZE)
#define HDR_END		((u32)PCI_STD_HEADER_SIZEOF)
#define ROM_REG		PCI_ROM_ADDRESS

#define GUEST_STATUS_W1C	(PCI_STATUS_PARITY | \
				 PCI_STATUS_SIG_TARGET_ABORT | \
				 PCI_STATUS_REC_TARGET_ABORT | \
				 PCI_STATUS_REC_MASTER_ABORT | \
				 PCI_STATUS_SIG_SYSTEM_ERROR | \
				 PCI_STATUS_DETECTED_PARITY)

/* Command bits PCI defines; the rest are reserved. */
#define COMMAND_DEFINED		0x07ffu

#define GUEST_DEVCTL		(PCI_EXP_DEVCTL_RELAX_EN | \
				 PCI_EXP_DEVCTL_NOSNOOP_EN | \
				 PCI_EXP_DEVCTL_READRQ)

/*
 * Bits in kept capabilities where writing a 1 does something (clears a
 * status, starts an FLR or a link retrain) rather than stores a 1. None of
 * them is passed on; they are listed so that a read-modify-write for a
 * neighbouring bit (a quirk's) writes them as 0, whatever the device
 * reads back.
 */
#define EXP_DEVSTA_W1C		(PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | \
				 PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD)
#define EXP_LNKSTA_W1C		(PCI_EXP_LNKSTA_LBMS | PCI_EXP_LNKSTA_LABS)
#define EXP_DEVCTL_ACT		PCI_EXP_DEVCTL_BCR_FLR
#define EXP_LNKCTL_ACT		PCI_EXP_LNKCTL_RL
#define EXP_SLTSTA_W1C		(PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PFD | \
				 PCI_EXP_SLTSTA_MRLSC | PCI_EXP_SLTSTA_PDC | \
				 PCI_EXP_SLTSTA_CC | PCI_EXP_SLTSTA_DLLSC)

/* Through Link Status 2: what a version 2 endpoint defines. */
#define EXP_V2_LEN		(PCI_EXP_LNKSTA2 + 2)

/* MSI message address bits 1:0 are hardwired to zero. */
#define MSI_ADDR_LO_WRITABLE	0xfffffffcu

#define MSI_GUEST_FLAGS		(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE)
#define MSIX_GUEST_FLAGS	(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)

/* Masks for one register of up to four bytes, bits as in the register. */
struct rule {
	u32 vmask;
	u32 vwmask;
	u32 val;
	u32 hwmask;
	u32 pmmask;
	u32 w1cmask;
	u32 dropmask;
};

static bool is_pow2(u64 x)
{
	return x && !(x & (x - 1));
}

/* Bits above @size bytes are cut off, in case a callback leaves junk. */
static int hw_read(const struct xsplit_pcicfg *cfg, u32 off, u32 size,
		   u32 *val)
{
	int ret;

	*val = 0;
	ret = cfg->hw.read(cfg->hw.ctx, off, size, val);
	if (size < 4)
		*val &= (1u << (8 * size)) - 1;
	return ret;
}

static bool access_ok(const struct xsplit_pcicfg *cfg, u32 off, u32 size)
{
	if (size != 1 && size != 2 && size != 4)
		return false;
	if (off & (size - 1))
		return false;
	return off < cfg->cfg_size && size <= cfg->cfg_size - off;
}

/* Give [off, off + len) to @kind with no rights at all: read-only. */
static void claim(struct xsplit_pcicfg *cfg, u32 off, u32 len, u8 kind)
{
	u32 i;

	/* Every mask 0: no rights at all until a rule adds some. */
	for (i = 0; i < len; i++)
		cfg->byte[off + i] = (struct xsplit_pcicfg_byte){ .kind = kind };
}

/* What we know nothing about may be anything, writable included. */
static void set_free(struct xsplit_pcicfg *cfg, u32 off, u32 len)
{
	u32 i;

	claim(cfg, off, len, XSPLIT_PCICFG_K_FREE);
	for (i = 0; i < len; i++) {
		cfg->byte[off + i].permmask = 0xff;
		cfg->byte[off + i].dropmask = 0xff;
	}
}

static void lock(struct xsplit_pcicfg *cfg, u32 off, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		cfg->byte[off + i].flags |= XSPLIT_PCICFG_B_LOCKED;
}

/* Add @r's rights to the @len (<= 4) bytes of a register at @off. */
static void add_rule(struct xsplit_pcicfg *cfg, u32 off, u32 len,
		     const struct rule *r)
{
	u32 i;

	for (i = 0; i < len; i++) {
		struct xsplit_pcicfg_byte *b = &cfg->byte[off + i];
		u32 sh = 8 * i;
		u8 vm = (u8)(r->vmask >> sh);

		b->vmask |= vm;
		b->vwmask |= (u8)(r->vwmask >> sh);
		b->val = (b->val & ~vm) | ((u8)(r->val >> sh) & vm);
		b->hwmask |= (u8)(r->hwmask >> sh);
		b->pmmask |= (u8)(r->pmmask >> sh);
		b->w1cmask |= (u8)(r->w1cmask >> sh);
		b->dropmask |= (u8)(r->dropmask >> sh);
	}
}

/* --- BARs ------------------------------------------------------------- */

/*
 * @end is one past the highest address the register can hold. Aligned
 * power-of-two sizes cannot wrap, so 64-bit BARs need no @end.
 */
static bool bar_fits(const struct xsplit_pcicfg_bar *b, u64 min, u64 max,
		     u64 end)
{
	if (!is_pow2(b->size) || b->size < min || b->size > max)
		return false;
	if (b->addr & (b->size - 1))
		return false;
	return !end || b->addr <= end - b->size;
}

#define REG32_END	(1ull << 32)
#define REG32_MAX	(1ull << 31)

static int setup_bar(struct xsplit_pcicfg *cfg, u32 i,
		     const struct xsplit_pcicfg_bar *b)
{
	struct xsplit_pcicfg_vbar *v = &cfg->bar[i];
	u64 mask = ~(b->size - 1);
	u32 fl = 0;

	if (b->flags & XSPLIT_PCICFG_BAR_IO) {
		if (b->flags != XSPLIT_PCICFG_BAR_IO ||
		    !bar_fits(b, 4, REG32_MAX, REG32_END))
			return -EINVAL;
		v->real = (u32)b->addr | PCI_BASE_ADDRESS_SPACE_IO;
		v->sized = (u32)mask | PCI_BASE_ADDRESS_SPACE_IO;
		v->probe = (u32)PCI_BASE_ADDRESS_IO_MASK;
		return 0;
	}

	if (b->flags & XSPLIT_PCICFG_BAR_PREFETCH)
		fl |= PCI_BASE_ADDRESS_MEM_PREFETCH;

	if (!(b->flags & XSPLIT_PCICFG_BAR_MEM64)) {
		if (!bar_fits(b, 16, REG32_MAX, REG32_END))
			return -EINVAL;
		v->real = (u32)b->addr | fl;
		v->sized = (u32)mask | fl;
		v->probe = (u32)PCI_BASE_ADDRESS_MEM_MASK;
		return 0;
	}

	if (i + 1 >= PCI_STD_NUM_BARS || !bar_fits(b, 16, 1ull << 63, 0))
		return -EINVAL;
	fl |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	v->real = (u32)b->addr | fl;
	v->sized = (u32)mask | fl;
	v->probe = (u32)PCI_BASE_ADDRESS_MEM_MASK;
	/* The upper half has no flag bits: every bit is address. */
	v[1].real = (u32)(b->addr >> 32);
	v[1].sized = (u32)(mask >> 32);
	v[1].probe = 0xffffffffu;
	return 0;
}

static int setup_rom(struct xsplit_pcicfg *cfg,
		     const struct xsplit_pcicfg_bar *b)
{
	struct xsplit_pcicfg_vbar *v = &cfg->bar[XSPLIT_PCICFG_ROM];

	if (!b->size)
		return 0;
	/* The ROM register holds bits 31:11 of a 32-bit memory address. */
	if (b->flags || !bar_fits(b, 2048, REG32_MAX, REG32_END))
		return -EINVAL;
	v->real = (u32)b->addr;
	v->sized = (u32)~(b->size - 1) & PCI_ROM_ADDRESS_MASK;
	v->probe = PCI_ROM_ADDRESS_MASK;
	return 0;
}

static int setup_bars(struct xsplit_pcicfg *cfg,
		      const struct xsplit_pcicfg_bar *bars)
{
	u32 known = XSPLIT_PCICFG_BAR_IO | XSPLIT_PCICFG_BAR_MEM64 |
		    XSPLIT_PCICFG_BAR_PREFETCH;
	bool upper = false;
	u32 i;
	int ret;

	for (i = 0; i < XSPLIT_PCICFG_NR_BARS; i++)
		if (bars[i].flags & ~known)
			return -EINVAL;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (upper) {
			/* Set up with the lower half; must not claim more. */
			if (bars[i].size || bars[i].flags)
				return -EINVAL;
			upper = false;
			continue;
		}
		if (!bars[i].size)
			continue;
		ret = setup_bar(cfg, i, &bars[i]);
		if (ret)
			return ret;
		upper = bars[i].flags & XSPLIT_PCICFG_BAR_MEM64;
	}
	return setup_rom(cfg, &bars[XSPLIT_PCICFG_ROM]);
}

/* The BAR whose register holds @off, which must be a K_BAR byte. */
static int bar_index(u32 off)
{
	if (off >= ROM_REG)
		return XSPLIT_PCICFG_ROM;
	return (int)((off - PCI_BASE_ADDRESS_0) / 4);
}

static u32 bar_reg(int idx)
{
	if (idx == XSPLIT_PCICFG_ROM)
		return ROM_REG;
	return PCI_BASE_ADDRESS_0 + 4 * (u32)idx;
}

static u32 bar_value(const struct xsplit_pcicfg *cfg, int idx)
{
	const struct xsplit_pcicfg_vbar *v = &cfg->bar[idx];
	const struct xsplit_pcicfg_byte *b = &cfg->byte[bar_reg(idx)];
	u32 last = b[0].val | (u32)b[1].val << 8 | (u32)b[2].val << 16 |
		   (u32)b[3].val << 24;
	u32 out;

	/*
	 * Decided on the guest's last write as a whole, so a probe written a
	 * byte or a word at a time works as one written at once.
	 */
	out = (last & v->probe) == v->probe ? v->sized : v->real;
	if (idx == XSPLIT_PCICFG_ROM && v->probe)
		out |= last & PCI_ROM_ADDRESS_ENABLE;
	return out;
}

/*
 * Does writing @vb to BAR byte @off try to move the BAR? A sizing probe
 * and the real address are what a driver writes; judged per byte so that
 * probing or restoring a byte at a time is not mistaken for a move. Flag
 * bits are read-only and do not count.
 */
static bool moves_bar(const struct xsplit_pcicfg *cfg, u32 off, u8 vb)
{
	const struct xsplit_pcicfg_vbar *v = &cfg->bar[bar_index(off)];
	u32 sh = 8 * (off & 3);
	u8 probe = (u8)(v->probe >> sh);
	u8 real = (u8)(v->real >> sh);

	return (vb & probe) != probe && (vb & probe) != (real & probe);
}

/* --- the header ------------------------------------------------------- */

static void header_rules(struct xsplit_pcicfg *cfg, u32 cache_lat,
			 u32 irq_line)
{
	claim(cfg, 0, HDR_END, XSPLIT_PCICFG_K_HEADER);

	add_rule(cfg, PCI_COMMAND, 2, &(struct rule){
		.hwmask = XSPLIT_PCICFG_GUEST_COMMAND,
		.dropmask = COMMAND_DEFINED,
	});
	add_rule(cfg, PCI_STATUS, 2, &(struct rule){
		.vmask = PCI_STATUS_CAP_LIST,
		.hwmask = GUEST_STATUS_W1C,
		.w1cmask = GUEST_STATUS_W1C,
	});
	add_rule(cfg, PCI_CACHE_LINE_SIZE, 2, &(struct rule){
		.vmask = 0xffff, .vwmask = 0xffff, .val = cache_lat,
	});
	add_rule(cfg, PCI_BIST, 1, &(struct rule){
		.w1cmask = PCI_BIST_START, .dropmask = PCI_BIST_START,
	});

	claim(cfg, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_5 + 4 -
	      PCI_BASE_ADDRESS_0, XSPLIT_PCICFG_K_BAR);
	lock(cfg, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_5 + 4 -
	     PCI_BASE_ADDRESS_0);
	claim(cfg, ROM_REG, 4, XSPLIT_PCICFG_K_BAR);
	lock(cfg, ROM_REG, 4);

	/* Filled in once the chain is known. */
	add_rule(cfg, PCI_CAPABILITY_LIST, 1, &(struct rule){ .vmask = 0xff });
	lock(cfg, PCI_CAPABILITY_LIST, 1);
	set_free(cfg, PCI_CAPABILITY_LIST + 1,
		 PCI_INTERRUPT_LINE - PCI_CAPABILITY_LIST - 1);

	add_rule(cfg, PCI_INTERRUPT_LINE, 1, &(struct rule){
		.vmask = 0xff, .vwmask = 0xff, .val = irq_line,
	});
}

/* --- capabilities ----------------------------------------------------- */

static int walk_caps(struct xsplit_pcicfg *cfg, u32 pos)
{
	u32 seen[PCI_CFG_SPACE_SIZE / 32];
	u32 i, ent;
	int ret;

	for (i = 0; i < PCI_CFG_SPACE_SIZE / 32; i++)
		seen[i] = 0;

	/*
	 * Bits 1:0 of a capability pointer are reserved and software must
	 * mask them. A pointer into the header cannot be a capability and
	 * ends the list, as does a revisited slot (a loop) or an ID of 0xff
	 * (a function that stopped answering). Every slot can be visited once
	 * at most, so this ends whatever the device says.
	 */
	pos &= 0xfc;
	while (pos >= HDR_END && cfg->nr_caps < XSPLIT_PCICFG_MAX_CAPS) {
		if (seen[pos / 32] & (1u << (pos % 32)))
			break;
		seen[pos / 32] |= 1u << (pos % 32);

		ret = hw_read(cfg, pos, 2, &ent);
		if (ret)
			return ret;
		if ((ent & 0xff) == 0xff)
			break;

		cfg->caps[cfg->nr_caps].id = (u8)ent;
		cfg->caps[cfg->nr_caps].off = (u8)pos;
		cfg->nr_caps++;
		pos = (ent >> 8) & 0xfc;
	}
	return 0;
}

static bool all_free(const struct xsplit_pcicfg *cfg, u32 off, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (cfg->byte[off + i].kind != XSPLIT_PCICFG_K_FREE)
			return false;
	return true;
}

static u32 msi_len(u32 flags)
{
	if (flags & PCI_MSI_FLAGS_64BIT)
		return flags & PCI_MSI_FLAGS_MASKBIT ? PCI_MSI_PENDING_64 + 4 :
						       PCI_MSI_DATA_64 + 4;
	return flags & PCI_MSI_FLAGS_MASKBIT ? PCI_MSI_PENDING_32 + 4 :
					       PCI_MSI_DATA_32 + 4;
}

static u32 exp_len(u32 flags)
{
	if ((flags & PCI_EXP_FLAGS_VERS) >= 2)
		return EXP_V2_LEN;
	return PCI_CAP_EXP_ENDPOINT_SIZEOF_V1;
}

/*
 * Bytes a kept capability's rules cover; 0 if the ID is not one we keep,
 * or is one we keep only once and already have. @flags: its register at
 * PCI_CAP_FLAGS.
 */
static u32 kept_len(const struct xsplit_pcicfg *cfg, u8 id, u32 flags)
{
	switch (id) {
	case PCI_CAP_ID_PM:
		return cfg->pm_cap ? 0 : PCI_PM_SIZEOF;
	case PCI_CAP_ID_MSI:
		return cfg->msi_cap ? 0 : msi_len(flags);
	case PCI_CAP_ID_EXP:
		return cfg->pcie_cap ? 0 : exp_len(flags);
	case PCI_CAP_ID_MSIX:
		return cfg->msix_cap ? 0 : PCI_CAP_MSIX_SIZEOF;
	case PCI_CAP_ID_VNDR:
		/* The body is the device's own business: left free. */
		return PCI_CAP_FLAGS;
	default:
		return 0;
	}
}

/* Length the spec fixes for a capability we hide; else the header dword. */
static u32 hidden_len(u8 id)
{
	switch (id) {
	case PCI_CAP_ID_AGP:
		return PCI_AGP_SIZEOF;
	case PCI_CAP_ID_VPD:
		return PCI_CAP_VPD_SIZEOF;
	case PCI_CAP_ID_PCIX:
		return PCI_CAP_PCIX_SIZEOF_V0;
	case PCI_CAP_ID_SSVID:
		return PCI_SSVID_DEVICE_ID + 2;
	case PCI_CAP_ID_SATA:
		return PCI_SATA_SIZEOF_SHORT;
	case PCI_CAP_ID_AF:
		return PCI_CAP_AF_SIZEOF;
	default:
		return PCI_CAP_SIZEOF;
	}
}

static void pm_rules(struct xsplit_pcicfg *cfg, u32 pos)
{
	add_rule(cfg, pos + PCI_PM_CTRL, 2, &(struct rule){
		.pmmask = PCI_PM_CTRL_STATE_MASK,
		.w1cmask = PCI_PM_CTRL_PME_STATUS,
		.dropmask = PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE |
			    PCI_PM_CTRL_DATA_SEL_MASK | PCI_PM_CTRL_PME_STATUS,
	});
	cfg->pm_cap = (u8)pos;
}

static void msi_rules(struct xsplit_pcicfg *cfg, u32 pos, u32 flags,
		      u32 len)
{
	u32 data;

	add_rule(cfg, pos + PCI_MSI_FLAGS, 2, &(struct rule){
		.vmask = 0xffff, .vwmask = MSI_GUEST_FLAGS,
		.val = flags & ~MSI_GUEST_FLAGS,
	});
	add_rule(cfg, pos + PCI_MSI_ADDRESS_LO, 4, &(struct rule){
		.vmask = 0xffffffffu, .vwmask = MSI_ADDR_LO_WRITABLE,
	});
	if (flags & PCI_MSI_FLAGS_64BIT) {
		add_rule(cfg, pos + PCI_MSI_ADDRESS_HI, 4, &(struct rule){
			.vmask = 0xffffffffu, .vwmask = 0xffffffffu,
		});
		data = PCI_MSI_DATA_64;
	} else {
		data = PCI_MSI_DATA_32;
	}
	/* With the extended message data half of the dword. */
	add_rule(cfg, pos + data, 4, &(struct rule){
		.vmask = 0xffffffffu, .vwmask = 0xffffffffu,
	});
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		add_rule(cfg, pos + data + 4, 4, &(struct rule){
			.vmask = 0xffffffffu, .vwmask = 0xffffffffu,
		});

	lock(cfg, pos, len);
	cfg->msi_cap = (u8)pos;
	cfg->msi_64bit = !!(flags & PCI_MSI_FLAGS_64BIT);
	cfg->msi_maskable = !!(flags & PCI_MSI_FLAGS_MASKBIT);
}

static void msix_rules(struct xsplit_pcicfg *cfg, u32 pos, u32 flags,
		       u32 len)
{
	add_rule(cfg, pos + PCI_MSIX_FLAGS, 2, &(struct rule){
		.vmask = 0xffff, .vwmask = MSIX_GUEST_FLAGS,
		.val = flags & ~MSIX_GUEST_FLAGS,
	});
	lock(cfg, pos, len);
	cfg->msix_cap = (u8)pos;
	cfg->msix_table_size = (u16)((flags & PCI_MSIX_FLAGS_QSIZE) + 1);
}

static void exp_rules(struct xsplit_pcicfg *cfg, u32 pos, u32 len)
{
	add_rule(cfg, pos + PCI_EXP_DEVCTL, 2, &(struct rule){
		.hwmask = GUEST_DEVCTL, .w1cmask = EXP_DEVCTL_ACT,
		.dropmask = 0xffff,
	});
	add_rule(cfg, pos + PCI_EXP_DEVSTA, 2, &(struct rule){
		.w1cmask = EXP_DEVSTA_W1C, .dropmask = EXP_DEVSTA_W1C,
	});
	add_rule(cfg, pos + PCI_EXP_LNKCTL, 2, &(struct rule){
		.w1cmask = EXP_LNKCTL_ACT, .dropmask = 0xffff,
	});
	add_rule(cfg, pos + PCI_EXP_LNKSTA, 2, &(struct rule){
		.w1cmask = EXP_LNKSTA_W1C, .dropmask = EXP_LNKSTA_W1C,
	});
	if (len > PCI_EXP_RTSTA) {
		add_rule(cfg, pos + PCI_EXP_SLTSTA, 2, &(struct rule){
			.w1cmask = EXP_SLTSTA_W1C,
		});
		add_rule(cfg, pos + PCI_EXP_RTSTA, 4, &(struct rule){
			.w1cmask = PCI_EXP_RTSTA_PME,
		});
		add_rule(cfg, pos + PCI_EXP_DEVCTL2, 2, &(struct rule){
			.dropmask = 0xffff,
		});
		add_rule(cfg, pos + PCI_EXP_LNKCTL2, 2, &(struct rule){
			.dropmask = 0xffff,
		});
	}
	cfg->pcie_cap = (u8)pos;
}

/*
 * Give capability @c its rules if it is one we keep and it fits; c->kept
 * says whether it did. Errors are the device's, from reading it.
 */
static int keep_cap(struct xsplit_pcicfg *cfg, struct xsplit_pcicfg_cap *c)
{
	u32 pos = c->off, flags, len;
	int ret;

	ret = hw_read(cfg, pos + PCI_CAP_FLAGS, 2, &flags);
	if (ret)
		return ret;
	len = kept_len(cfg, c->id, flags);
	/*
	 * One that runs out of config space or into one kept before it can
	 * only come from a broken or hostile device. Hiding it keeps every
	 * byte under exactly one rule.
	 */
	if (!len || pos + len > CFG_BASE_END || !all_free(cfg, pos, len))
		return 0;

	claim(cfg, pos, len, XSPLIT_PCICFG_K_CAP);
	add_rule(cfg, pos, 2, &(struct rule){ .vmask = 0xffff, .val = c->id });
	lock(cfg, pos, 2);

	switch (c->id) {
	case PCI_CAP_ID_PM:
		pm_rules(cfg, pos);
		break;
	case PCI_CAP_ID_MSI:
		msi_rules(cfg, pos, flags, len);
		break;
	case PCI_CAP_ID_MSIX:
		msix_rules(cfg, pos, flags, len);
		break;
	case PCI_CAP_ID_EXP:
		exp_rules(cfg, pos, len);
		break;
	}
	c->kept = 1;
	c->len = (u8)len;
	return 0;
}

static void hide_cap(struct xsplit_pcicfg *cfg, struct xsplit_pcicfg_cap *c)
{
	u32 len = hidden_len(c->id), i;

	if (len > CFG_BASE_END - c->off)
		len = CFG_BASE_END - c->off;
	/* Never over a kept capability: hiding must not take its rules. */
	for (i = 0; i < len; i++) {
		if (cfg->byte[c->off + i].kind != XSPLIT_PCICFG_K_FREE)
			continue;
		claim(cfg, c->off + i, 1, XSPLIT_PCICFG_K_HIDDEN);
		cfg->byte[c->off + i].zmask = 0xff;
		cfg->byte[c->off + i].dropmask = 0xff;
	}
	c->len = (u8)len;
}

static int build_chain(struct xsplit_pcicfg *cfg)
{
	struct xsplit_pcicfg_byte *link = &cfg->byte[PCI_CAPABILITY_LIST];
	u32 i;
	int ret;

	for (i = 0; i < cfg->nr_caps; i++) {
		ret = keep_cap(cfg, &cfg->caps[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < cfg->nr_caps; i++)
		if (!cfg->caps[i].kept)
			hide_cap(cfg, &cfg->caps[i]);

	/* Each kept capability's next byte skips whatever is hidden. */
	for (i = 0; i < cfg->nr_caps; i++) {
		if (!cfg->caps[i].kept)
			continue;
		link->val = cfg->caps[i].off;
		link = &cfg->byte[cfg->caps[i].off + PCI_CAP_LIST_NEXT];
	}
	link->val = 0;

	if (cfg->byte[PCI_CAPABILITY_LIST].val)
		cfg->byte[PCI_STATUS].val |= PCI_STATUS_CAP_LIST;
	return 0;
}

/* --- the API ---------------------------------------------------------- */

int xsplit_pcicfg_init(struct xsplit_pcicfg *cfg,
		       const struct xsplit_pcicfg_hw *hw,
		       const struct xsplit_pcicfg_bar *bars, u32 cfg_size,
		       u32 flags)
{
	u32 id, status, cache_lat, hdr, cap_ptr, irq_line;
	u8 *p = (u8 *)cfg;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(*cfg); i++)
		p[i] = 0;

	if (cfg_size != PCI_CFG_SPACE_SIZE &&
	    cfg_size != PCI_CFG_SPACE_EXP_SIZE)
		return -EINVAL;
	if (flags & ~XSPLIT_PCICFG_FLAGS)
		return -EINVAL;
	if (!hw->read || !hw->write)
		return -EINVAL;

	cfg->hw = *hw;
	cfg->cfg_size = cfg_size;
	cfg->flags = flags;

	ret = setup_bars(cfg, bars);
	if (ret)
		return ret;

	ret = hw_read(cfg, PCI_VENDOR_ID, 2, &id);
	if (ret)
		return ret;
	if (id == 0xffff)
		return -ENODEV;

	ret = hw_read(cfg, PCI_HEADER_TYPE, 1, &hdr);
	if (ret)
		return ret;
	if ((hdr & PCI_HEADER_TYPE_MASK) != PCI_HEADER_TYPE_NORMAL)
		return -EOPNOTSUPP;

	ret = hw_read(cfg, PCI_STATUS, 2, &status);
	if (!ret)
		ret = hw_read(cfg, PCI_CACHE_LINE_SIZE, 2, &cache_lat);
	if (!ret)
		ret = hw_read(cfg, PCI_CAPABILITY_LIST, 1, &cap_ptr);
	if (!ret)
		ret = hw_read(cfg, PCI_INTERRUPT_LINE, 1, &irq_line);
	if (ret)
		return ret;

	header_rules(cfg, cache_lat, irq_line);
	set_free(cfg, HDR_END, CFG_BASE_END - HDR_END);

	/* Without the status bit, the pointer means nothing. */
	if (status & PCI_STATUS_CAP_LIST) {
		ret = walk_caps(cfg, cap_ptr);
		if (ret)
			return ret;
	}
	return build_chain(cfg);
}

/* The rule for any config byte: above 0x100 only quirks say anything. */
static void byte_rule(const struct xsplit_pcicfg *cfg, u32 off,
		      struct xsplit_pcicfg_byte *b)
{
	u32 i;

	if (off < CFG_BASE_END) {
		*b = cfg->byte[off];
		return;
	}

	*b = (struct xsplit_pcicfg_byte){
		.zmask = 0xff,
		.dropmask = 0xff,
		.kind = XSPLIT_PCICFG_K_HIDDEN,
	};
	for (i = 0; i < cfg->nr_quirks; i++) {
		const struct xsplit_pcicfg_quirk *q = &cfg->quirks[i];
		u8 m;

		if (off - q->off >= q->size)
			continue;
		m = (u8)(q->mask >> (8 * (off - q->off)));
		b->zmask &= ~m;
		b->hwmask |= m;
	}
}

/* Does reading the byte need the device? */
static bool reads_hw(const struct xsplit_pcicfg_byte *b)
{
	return b->kind != XSPLIT_PCICFG_K_BAR && (b->vmask | b->zmask) != 0xff;
}

static u8 guest_byte(const struct xsplit_pcicfg *cfg, u32 off,
		     const struct xsplit_pcicfg_byte *b, u8 hw)
{
	int idx;

	if (b->kind == XSPLIT_PCICFG_K_BAR) {
		idx = bar_index(off);
		return (u8)(bar_value(cfg, idx) >> (8 * (off & 3)));
	}
	return (hw & ~(b->vmask | b->zmask)) | (b->val & b->vmask);
}

/* Widest naturally aligned piece at byte @i of the run selected in @sel. */
static u32 piece(u32 off, u32 size, u32 sel, u32 i)
{
	if (!((off + i) & 3) && size - i >= 4 && ((sel >> i) & 0xf) == 0xf)
		return 4;
	if (!((off + i) & 1) && size - i >= 2 && ((sel >> i) & 0x3) == 0x3)
		return 2;
	return 1;
}

/*
 * Step to the next run of bytes selected in @sel at or after *@i, and
 * the widest aligned piece of it; false when none is left.
 */
static bool next_piece(u32 off, u32 size, u32 sel, u32 *i, u32 *n)
{
	while (*i < size && !(sel & (1u << *i)))
		(*i)++;
	if (*i >= size)
		return false;
	*n = piece(off, size, sel, *i);
	return true;
}

/* Read only the bytes of [off, off + size) selected in @sel. */
static int hw_read_sel(const struct xsplit_pcicfg *cfg, u32 off, u32 size,
		       u32 sel, u8 *buf)
{
	u32 i, j, n, v;
	int ret;

	for (i = 0; next_piece(off, size, sel, &i, &n); i += n) {
		ret = hw_read(cfg, off + i, n, &v);
		if (ret)
			return ret;
		for (j = 0; j < n; j++)
			buf[i + j] = (u8)(v >> (8 * j));
	}
	return 0;
}

/* Write only the bytes of [off, off + size) selected in @sel. */
static int hw_write_sel(const struct xsplit_pcicfg *cfg, u32 off, u32 size,
			u32 sel, const u8 *buf)
{
	u32 i, j, n, v;
	int ret;

	for (i = 0; next_piece(off, size, sel, &i, &n); i += n) {
		v = 0;
		for (j = 0; j < n; j++)
			v |= (u32)buf[i + j] << (8 * j);
		ret = cfg->hw.write(cfg->hw.ctx, off + i, n, v);
		if (ret)
			return ret;
	}
	return 0;
}

int xsplit_pcicfg_read(const struct xsplit_pcicfg *cfg, u32 off, u32 size,
		       u32 *val)
{
	struct xsplit_pcicfg_byte r[4];
	u8 hw[4] = { 0 };
	u32 i, sel = 0, v = 0;
	int ret;

	if (!access_ok(cfg, off, size))
		return -EINVAL;

	for (i = 0; i < size; i++) {
		byte_rule(cfg, off + i, &r[i]);
		if (reads_hw(&r[i]))
			sel |= 1u << i;
	}
	ret = hw_read_sel(cfg, off, size, sel, hw);
	if (ret)
		return ret;

	for (i = 0; i < size; i++)
		v |= (u32)guest_byte(cfg, off + i, &r[i], hw[i]) << (8 * i);
	*val = v;
	return 0;
}

int xsplit_pcicfg_write(struct xsplit_pcicfg *cfg, u32 off, u32 size,
			u32 val)
{
	struct xsplit_pcicfg_byte r[4];
	u8 hw[4] = { 0 }, out[4] = { 0 }, pass[4] = { 0 }, next[4];
	u32 i, need = 0, wsel = 0;
	u8 dropped = 0;
	int ret;

	if (!access_ok(cfg, off, size))
		return -EINVAL;

	for (i = 0; i < size; i++) {
		byte_rule(cfg, off + i, &r[i]);
		if (r[i].kind == XSPLIT_PCICFG_K_BAR)
			continue;
		pass[i] = r[i].hwmask;
		if (cfg->flags & XSPLIT_PCICFG_PERMISSIVE)
			pass[i] |= r[i].permmask;
		if (cfg->flags & XSPLIT_PCICFG_POWER_MGMT)
			pass[i] |= r[i].pmmask;
		if (pass[i] || reads_hw(&r[i]))
			need |= 1u << i;
	}
	/* For the bits kept in a read-modify-write, and to see what changes. */
	ret = hw_read_sel(cfg, off, size, need, hw);
	if (ret)
		return ret;

	for (i = 0; i < size; i++) {
		u8 vb = (u8)(val >> (8 * i));
		u8 cur, tried;

		if (r[i].kind == XSPLIT_PCICFG_K_BAR) {
			dropped |= moves_bar(cfg, off + i, vb);
			next[i] = vb;
			continue;
		}
		/*
		 * Writing back what was read is not an attempt at anything,
		 * except where a 1 acts: there any 1 is one (a 0 does nothing,
		 * whatever the bit reads).
		 */
		cur = guest_byte(cfg, off + i, &r[i], hw[i]);
		tried = ((vb ^ cur) & ~r[i].w1cmask) | (vb & r[i].w1cmask);
		dropped |= tried & r[i].dropmask & ~(r[i].vwmask | pass[i]);
		next[i] = (r[i].val & ~r[i].vwmask) | (vb & r[i].vwmask);

		/* Zeros to write-1-to-clear bits alone would do nothing. */
		if (!(pass[i] & ~r[i].w1cmask) && !(vb & pass[i]))
			continue;
		out[i] = (vb & pass[i]) | (hw[i] & ~pass[i] & ~r[i].w1cmask);
		wsel |= 1u << i;
	}

	ret = hw_write_sel(cfg, off, size, wsel, out);
	if (ret)
		return ret;

	for (i = 0; i < size && off + i < CFG_BASE_END; i++)
		cfg->byte[off + i].val = next[i];

	if (dropped) {
		cfg->dropped_writes++;
		return XSPLIT_PCICFG_DROPPED;
	}
	return 0;
}

int xsplit_pcicfg_add_quirk(struct xsplit_pcicfg *cfg, u32 off, u32 size,
			    u32 mask)
{
	struct xsplit_pcicfg_quirk *q;
	u32 i, j;

	if (!access_ok(cfg, off, size) || !mask)
		return -EINVAL;
	if (size < 4 && mask >> (8 * size))
		return -EINVAL;
	if (cfg->nr_quirks == XSPLIT_PCICFG_MAX_QUIRKS)
		return -ENOSPC;

	/* Only the bytes the mask reaches: a field may share a dword. */
	for (i = 0; i < size; i++) {
		if (!(u8)(mask >> (8 * i)))
			continue;
		if (off + i < CFG_BASE_END &&
		    (cfg->byte[off + i].flags & XSPLIT_PCICFG_B_LOCKED))
			return -EPERM;
		for (j = 0; j < cfg->nr_quirks; j++) {
			q = &cfg->quirks[j];
			if (off + i - q->off < q->size &&
			    (u8)(q->mask >> (8 * (off + i - q->off))))
				return -EEXIST;
		}
	}

	q = &cfg->quirks[cfg->nr_quirks++];
	q->off = (u16)off;
	q->size = (u8)size;
	q->mask = mask;

	for (i = 0; i < size && off + i < CFG_BASE_END; i++) {
		struct xsplit_pcicfg_byte *b = &cfg->byte[off + i];
		u8 m = (u8)(mask >> (8 * i));

		if (!m)
			continue;
		b->hwmask |= m;
		b->vmask &= ~m;
		b->vwmask &= ~m;
		b->zmask &= ~m;
		b->flags |= XSPLIT_PCICFG_B_QUIRK;
	}
	return 0;
}

int xsplit_pcicfg_set_flags(struct xsplit_pcicfg *cfg, u32 flags)
{
	if (flags & ~XSPLIT_PCICFG_FLAGS)
		return -EINVAL;
	cfg->flags = flags;
	return 0;
}

void xsplit_pcicfg_set_irq_line(struct xsplit_pcicfg *cfg, u8 line)
{
	cfg->byte[PCI_INTERRUPT_LINE].val = line;
}
