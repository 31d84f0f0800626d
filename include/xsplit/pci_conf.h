/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Config space policy for a PCI function passed through to a PV guest.
 *
 * The guest drives its device directly (MMIO, ports, interrupts, DMA behind
 * the IOMMU); config space is the one part that goes through the backend,
 * and it is where a guest could move BARs over someone else's memory,
 * program real MSI addresses, reset the function behind dom0's back or
 * reconfigure the fabric the device sits on. This engine decides, for every
 * bit of every config access, whether it reaches the device, is kept in a
 * virtual copy, or is refused. It sees hardware only through callbacks so
 * that the same code runs in the kernel and against fake devices in tests.
 *
 * Policy, byte by byte (the rationale for each rule is in pci_conf.c).
 * "virtual": reads and writes go to a copy kept here, never to the device.
 *
 *   identity, class, header type, CIS, subsystem, interrupt pin,
 *   MIN_GNT/MAX_LAT              hardware, read-only
 *   BIST                         hardware, starting a self test refused
 *   command                      XSPLIT_PCICFG_GUEST_COMMAND bits to
 *                                hardware, the rest keeps the hardware value
 *   status                       error bits are write-1-to-clear through to
 *                                hardware; capability-list bit virtual
 *   cache line, latency timer    virtual
 *   BARs 0-5, expansion ROM      virtual: real address, or the size mask
 *                                after a sizing probe; never written
 *   capabilities pointer         virtual: first kept capability, or 0
 *   interrupt line               virtual (the kernel stores the PIRQ here)
 *   reserved header bytes        hardware; writes only when permissive
 *   kept capabilities            PM, MSI, vendor-specific, PCI Express,
 *                                MSI-X; ID and next bytes virtual; bodies
 *                                per capability, see pci_conf.c
 *   hidden capabilities          read as 0, writes refused, even permissive
 *   other bytes below 0x100      hardware; writes only when permissive
 *   extended config space        read as 0, writes refused, even permissive
 *   quirks                       listed bits go to hardware (and are read
 *                                from it), whatever the rule above says
 *
 * Locking is the caller's: one access at a time per device.
 */
#ifndef XSPLIT_PCI_CONF_H
#define XSPLIT_PCI_CONF_H

#include <xsplit/plain.h>
#include <xsplit/pci_regs.h>

/* How the engine reaches the real device; 0 or a negative errno. */
struct xsplit_pcicfg_hw {
	int (*read)(void *ctx, u32 off, u32 size, u32 *val);
	int (*write)(void *ctx, u32 off, u32 size, u32 val);
	void *ctx;
};

/* BARs 0-5, then the expansion ROM. */
#define XSPLIT_PCICFG_NR_BARS		7
#define XSPLIT_PCICFG_ROM		6

/* xsplit_pcicfg_bar.flags */
#define XSPLIT_PCICFG_BAR_IO		0x1	/* I/O space; else memory */
#define XSPLIT_PCICFG_BAR_MEM64		0x2	/* this BAR and the next */
#define XSPLIT_PCICFG_BAR_PREFETCH	0x4

/*
 * One BAR as the kernel knows it from the pci_dev's resources: the engine
 * never sizes BARs on the device, a sizing probe is a write it must not
 * pass on. @addr is the bus address the device decodes, which in a PV dom0
 * is also the machine address the guest maps. @size is a power of two, or
 * 0 for a BAR that is not implemented; the upper half of a 64-bit BAR is
 * given as size 0.
 */
struct xsplit_pcicfg_bar {
	u64 addr;
	u64 size;
	u32 flags;
};

/* xsplit_pcicfg_init() and xsplit_pcicfg_set_flags() flags */
#define XSPLIT_PCICFG_PERMISSIVE	0x1	/* pass bytes no rule covers */
#define XSPLIT_PCICFG_POWER_MGMT	0x2	/* guest sets the power state */
#define XSPLIT_PCICFG_FLAGS		(XSPLIT_PCICFG_PERMISSIVE | \
					 XSPLIT_PCICFG_POWER_MGMT)

/* Returned by xsplit_pcicfg_write() when the guest was refused something. */
#define XSPLIT_PCICFG_DROPPED		1

/*
 * Command register bits the guest controls. They only decide whether this
 * function decodes its own resources, masters DMA (confined by the IOMMU),
 * signals INTx, and reports parity/system errors.
 */
#define XSPLIT_PCICFG_GUEST_COMMAND	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | \
					 PCI_COMMAND_MASTER | \
					 PCI_COMMAND_PARITY | \
					 PCI_COMMAND_SERR | \
					 PCI_COMMAND_INTX_DISABLE)

/*
 * Capability slots are dword aligned and live in 0x40..0xff, so a chain
 * can visit at most this many before it repeats itself.
 */
#define XSPLIT_PCICFG_MAX_CAPS		((PCI_CFG_SPACE_SIZE - \
					  PCI_STD_HEADER_SIZEOF) / 4)
#define XSPLIT_PCICFG_MAX_QUIRKS	16

/* One capability found in the device's chain, in chain order. */
struct xsplit_pcicfg_cap {
	u8 id;
	u8 off;
	u8 len;		/* bytes given a rule (kept) or hidden */
	u8 kept;	/* in the guest's chain */
};

struct xsplit_pcicfg_quirk {
	u16 off;
	u8 size;
	u32 mask;
};

/* xsplit_pcicfg_byte.kind: which rule owns the byte. */
enum {
	XSPLIT_PCICFG_K_FREE,		/* no rule: device specific */
	XSPLIT_PCICFG_K_HEADER,
	XSPLIT_PCICFG_K_BAR,
	XSPLIT_PCICFG_K_CAP,		/* a kept capability */
	XSPLIT_PCICFG_K_HIDDEN,		/* a hidden capability */
};

/* xsplit_pcicfg_byte.flags */
#define XSPLIT_PCICFG_B_LOCKED		0x1	/* no quirk may cover it */
#define XSPLIT_PCICFG_B_QUIRK		0x2	/* a quirk covers it */

/*
 * The rule for one config byte, as bit masks. Every bit reads from exactly
 * one of: val (vmask), zero (zmask), hardware (neither). A guest write to a
 * bit stores it in val (vwmask), passes it to hardware (hwmask, or pmmask /
 * permmask when the device flag allows), or goes nowhere. Going nowhere
 * counts as a dropped write only for dropmask bits, those software could
 * change on real hardware: writing a read-only bit does nothing there
 * either, and drivers do it all the time (a status word holding just the
 * bits to clear, a whole dword around the register they mean).
 */
struct xsplit_pcicfg_byte {
	u8 val;		/* virtual bits; for BAR bytes the guest's last write */
	u8 vmask;
	u8 vwmask;
	u8 zmask;
	u8 hwmask;
	u8 pmmask;	/* with XSPLIT_PCICFG_POWER_MGMT */
	u8 permmask;	/* with XSPLIT_PCICFG_PERMISSIVE */
	u8 w1cmask;	/* a 1 acts (clears, resets): written 0 unless passed */
	u8 dropmask;
	u8 kind;	/* XSPLIT_PCICFG_K_* */
	u8 flags;	/* XSPLIT_PCICFG_B_* */
};

/* A BAR register as the guest sees it, fixed at init. */
struct xsplit_pcicfg_vbar {
	u32 real;	/* what it reads normally */
	u32 sized;	/* what it reads after a sizing probe */
	u32 probe;	/* bits that must all be written as 1 to probe */
};

/*
 * Per-device state, about 3 KiB: allocate it, do not put it on a kernel
 * stack. The fields above @bar may be read by the caller; the MSI/MSI-X
 * offsets are what the kernel needs to set interrupts up, and are 0 when
 * the device has no such capability or it is hidden.
 */
struct xsplit_pcicfg {
	struct xsplit_pcicfg_hw hw;
	u32 cfg_size;
	u32 flags;		/* XSPLIT_PCICFG_PERMISSIVE, ..._POWER_MGMT */
	u64 dropped_writes;	/* writes refused at least one bit */

	u8 pm_cap;
	u8 msi_cap;
	u8 msix_cap;
	u8 pcie_cap;
	u8 msi_64bit;
	u8 msi_maskable;
	u16 msix_table_size;	/* 1..2048; 0 without MSI-X */

	u8 nr_caps;
	struct xsplit_pcicfg_cap caps[XSPLIT_PCICFG_MAX_CAPS];
	u8 nr_quirks;
	struct xsplit_pcicfg_quirk quirks[XSPLIT_PCICFG_MAX_QUIRKS];

	struct xsplit_pcicfg_vbar bar[XSPLIT_PCICFG_NR_BARS];
	struct xsplit_pcicfg_byte byte[PCI_CFG_SPACE_SIZE];
};

/*
 * Read the device's header and capability chain through @hw (never
 * writing) and build the rules. @bars: BARs 0-5 and the ROM, see struct
 * xsplit_pcicfg_bar. @cfg_size: 256, or 4096 for a device with extended
 * config space. @flags: XSPLIT_PCICFG_FLAGS bits.
 *
 * Returns 0; -EINVAL for bad arguments or BAR descriptions (size not a
 * power of two or too small for its kind, address unaligned or out of
 * reach of the register, a 64-bit BAR in slot 5, an upper half with a size
 * of its own); -ENODEV if the vendor ID reads as 0xffff (nothing there);
 * -EOPNOTSUPP for any header type but 0 (bridges are not passed through);
 * or the error of a failed @hw read. After an error @cfg must not be used.
 */
int xsplit_pcicfg_init(struct xsplit_pcicfg *cfg,
		       const struct xsplit_pcicfg_hw *hw,
		       const struct xsplit_pcicfg_bar *bars, u32 cfg_size,
		       u32 flags);

/*
 * A guest access, already validated by xsplit_pci_op_check() (naturally
 * aligned, 1, 2 or 4 bytes, inside cfg_size): anything else gets -EINVAL
 * without touching hardware. Values are little endian, the byte at @off in
 * bits 7:0.
 *
 * read returns 0 or a failed @hw read's error.
 *
 * write returns 0; XSPLIT_PCICFG_DROPPED if the guest tried to change a
 * writable bit that the rules neither store nor pass on, or to move a BAR
 * (write something other than a sizing probe or its real address), in
 * which case dropped_writes has gone up by one; or a failed @hw access's
 * error, in which case the write may have been partly done, as it may on
 * real hardware. A dropped write is still a success for the guest: Xen's
 * backends have always ignored such writes silently, and drivers
 * routinely write back whole registers or probe for writable bits, which
 * must not fail. DROPPED lets the caller tell the administrator,
 * rate-limited.
 *
 * Only bytes holding bits the guest may change are written to the device,
 * each run of them in naturally aligned pieces. Within such a byte, the
 * other bits are written as the device reads them, except w1cmask bits,
 * which are written as 0.
 */
int xsplit_pcicfg_read(const struct xsplit_pcicfg *cfg, u32 off, u32 size,
		       u32 *val);
int xsplit_pcicfg_write(struct xsplit_pcicfg *cfg, u32 off, u32 size,
			u32 val);

/*
 * Let guest writes to the @mask bits of the @size-byte field at @off reach
 * hardware (and reads of them come from it), for devices whose drivers
 * need a register the rules refuse. Returns 0; -EINVAL for a bad field
 * (size not 1, 2 or 4, unaligned, outside cfg_size, @mask 0 or wider than
 * the field); -ENOSPC when XSPLIT_PCICFG_MAX_QUIRKS are in place; -EPERM
 * if @mask reaches a byte of a BAR, the ROM, the capabilities pointer, a
 * kept capability's ID or next byte, or the MSI or MSI-X capability (their
 * addresses, data and enables must only ever be set by dom0); -EEXIST if
 * it reaches a byte an earlier quirk's mask reaches.
 */
int xsplit_pcicfg_add_quirk(struct xsplit_pcicfg *cfg, u32 off, u32 size,
			    u32 mask);

/* Change the device flags between accesses. 0 or -EINVAL. */
int xsplit_pcicfg_set_flags(struct xsplit_pcicfg *cfg, u32 flags);

/*
 * Set what the guest reads as its interrupt line. A PV guest's pcifront
 * takes that byte as the PIRQ to bind INTx to, so the kernel stores the
 * PIRQ here once it has one; until then the guest reads the hardware value
 * found at init.
 */
void xsplit_pcicfg_set_irq_line(struct xsplit_pcicfg *cfg, u8 line);

#endif /* XSPLIT_PCI_CONF_H */
