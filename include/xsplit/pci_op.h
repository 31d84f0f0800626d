/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XSPLIT_PCI_OP_H
#define XSPLIT_PCI_OP_H

#include <xsplit/plain.h>
#include <xsplit/pciif.h>

/*
 * The backend's private copy of one request. pcifront may rewrite the
 * shared page at any moment, so the backend takes one copy and from then on
 * judges and acts on the copy alone; nothing here points back into shared
 * memory.
 */
struct xsplit_pci_op {
	u32 cmd;		/* XEN_PCI_OP_* */
	u32 domain;
	u32 bus;
	u32 devfn;
	s32 offset;		/* config space, conf_read/conf_write */
	s32 size;
	u32 value;		/* conf_write data; enable_msix vector count */
	u32 info;
	u32 nr_msix;		/* valid entries in msix_entry[] */
	u16 msix_entry[SH_INFO_MAX_VEC];	/* table slots asked for */
};

/*
 * Fill @op from @wire. @wire must already be private to the backend (a
 * memcpy of the shared page's op, taken once): this reads it with plain
 * loads, which the compiler may repeat or split, so on memory the guest can
 * still write the copy could disagree with itself.
 *
 * nr_msix is how many table slots pcifront asked for, min(value,
 * SH_INFO_MAX_VEC), for enable_msix and 0 for every other command. The
 * vector half of each wire entry is not copied: it is output only.
 */
void xsplit_pci_op_copy(struct xsplit_pci_op *op,
			const struct xen_pci_op *wire);

/*
 * Judge @op for a device whose config space is @cfg_size bytes (256 or
 * 4096) and whose guest-visible MSI-X table has @msix_table_size entries
 * (0: no MSI-X capability visible to the guest).
 *
 * Returns XEN_PCI_ERR_success or the XEN_PCI_ERR_* code to put in the
 * reply, never an errno. Checks run in this order and the first failure
 * wins:
 *
 * - domain > 0xffff, bus > 0xff or devfn > 0xff: dev_not_found. No such
 *   address can exist, which is what dev_not_found means for a real one.
 *   The address comes first because the backend finds the device before
 *   it looks at what is asked of it.
 * - a command other than conf_read, conf_write, enable_msi, disable_msi,
 *   enable_msix, disable_msix: not_implemented. This includes the aer_*
 *   commands (sent by the backend to the frontend, never the other way
 *   round) and enable_multi_msi.
 * - conf_read/conf_write: size other than 1, 2 or 4, a negative or
 *   unaligned offset, or one that reaches past @cfg_size: invalid_offset.
 * - enable_msix, the vector count being in @value as on the wire (both
 *   Linux's pcifront and pciback use value, not info; info is ignored):
 *   - @msix_table_size is 0: access_denied. The guest sees no MSI-X
 *     capability, so nothing it could ask for is allowed.
 *   - value is 0: op_failed. The request is well formed and points
 *     nowhere invalid, but enabling zero vectors cannot be done.
 *   - value above SH_INFO_MAX_VEC or above @msix_table_size:
 *     invalid_offset. The request reaches past the end of msix_entries[]
 *     or of the device's table: the same kind of error as a config offset
 *     past the end of config space.
 *   - nr_msix differs from value: op_failed. Cannot happen with an @op
 *     from xsplit_pci_op_copy(); it guards hand-built copies.
 *   - an entry >= @msix_table_size: invalid_offset, as above.
 *   - the same entry twice: op_failed. Every slot exists, the set just
 *     cannot be programmed (the PCI core refuses duplicates too).
 * - enable_msi, disable_msi, disable_msix: nothing beyond the address.
 *   For enable_msi neither value nor info is read: the protocol gives them
 *   no meaning on input (Linux's pcifront leaves both zero; only
 *   enable_multi_msi puts a count in info), and nothing derived from
 *   unchecked input can then go wrong.
 *
 * access_denied is otherwise left for the caller's own policy (MSI or
 * MSI-X hidden by the administrator, a device in the wrong state).
 */
int xsplit_pci_op_check(const struct xsplit_pci_op *op, u32 cfg_size,
			u32 msix_table_size);

/*
 * The results a driver's PCI error handler returns (pci_ers_result_t in
 * <linux/pci.h>). The AER ops carry them on the wire in aer_op.err, and
 * pciif.h does not spell them, so they are restated here; the backend
 * checks at build time that they match the kernel's.
 */
#define XSPLIT_PCI_ERS_NONE		1
#define XSPLIT_PCI_ERS_CAN_RECOVER	2
#define XSPLIT_PCI_ERS_NEED_RESET	3
#define XSPLIT_PCI_ERS_DISCONNECT	4
#define XSPLIT_PCI_ERS_RECOVERED	5

/*
 * Judge pcifront's answer @reply to the AER request @cmd the backend sent
 * (XEN_PCI_OP_aer_detected, _aer_mmio, _aer_slotreset, _aer_resume) and
 * return the result the backend gives its own AER core. *@bad is set when
 * @reply is not an answer the request allows; that answer is then
 * XSPLIT_PCI_ERS_DISCONNECT, since a frontend that cannot say how its
 * driver fared has not recovered the function.
 *
 * The answers allowed are the ones a driver's handler may give at that
 * step (Documentation/PCI/pci-error-recovery.rst), plus NONE, which
 * pcifront sends when the function has no driver or no handler:
 * - aer_detected: NONE, CAN_RECOVER, NEED_RESET, DISCONNECT;
 * - aer_mmio: those and RECOVERED;
 * - aer_slotreset: NONE, RECOVERED, DISCONNECT;
 * - aer_resume: anything (the handler returns nothing; the answer is
 *   NONE and *@bad stays false).
 * Any other @cmd is the backend's own mistake: DISCONNECT and *@bad.
 */
u32 xsplit_pci_aer_answer(u32 cmd, s32 reply, bool *bad);

#endif /* XSPLIT_PCI_OP_H */
