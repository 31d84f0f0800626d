// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h.
 *
 * Everything in a request is chosen by the guest. These checks are the
 * whole of what the rest of the backend may assume about one: an offset
 * that passed them is inside config space and naturally aligned, an MSI-X
 * request names distinct, existing table slots.
 */

#include <xsplit/pci_op.h>
#include <xsplit/pci_regs.h>

#define MAX_DOMAIN	0xffffu
#define MAX_BUS		0xffu
#define MAX_DEVFN	0xffu

void xsplit_pci_op_copy(struct xsplit_pci_op *op,
			const struct xen_pci_op *wire)
{
	u32 i, n = 0;

	op->cmd = wire->cmd;
	op->domain = wire->domain;
	op->bus = wire->bus;
	op->devfn = wire->devfn;
	op->offset = wire->offset;
	op->size = wire->size;
	op->value = wire->value;
	op->info = wire->info;

	if (op->cmd == XEN_PCI_OP_enable_msix)
		n = op->value < SH_INFO_MAX_VEC ? op->value : SH_INFO_MAX_VEC;
	op->nr_msix = n;
	for (i = 0; i < SH_INFO_MAX_VEC; i++)
		op->msix_entry[i] = i < n ? wire->msix_entries[i].entry : 0;
}

static int check_conf(const struct xsplit_pci_op *op, u32 cfg_size)
{
	u32 off, size;

	/* Nothing can lie past extended config space, whatever we are told. */
	if (cfg_size > PCI_CFG_SPACE_EXP_SIZE)
		cfg_size = PCI_CFG_SPACE_EXP_SIZE;

	if (op->size != 1 && op->size != 2 && op->size != 4)
		return XEN_PCI_ERR_invalid_offset;
	if (op->offset < 0)
		return XEN_PCI_ERR_invalid_offset;

	off = (u32)op->offset;
	size = (u32)op->size;
	/*
	 * Natural alignment keeps every access inside one dword, which the
	 * config space engine relies on and real config cycles require.
	 */
	if (off & (size - 1))
		return XEN_PCI_ERR_invalid_offset;
	if (size > cfg_size || off > cfg_size - size)
		return XEN_PCI_ERR_invalid_offset;
	return XEN_PCI_ERR_success;
}

static int check_msix(const struct xsplit_pci_op *op, u32 table_size)
{
	u32 i, j;

	if (!table_size)
		return XEN_PCI_ERR_access_denied;
	if (!op->value)
		return XEN_PCI_ERR_op_failed;
	if (op->value > SH_INFO_MAX_VEC || op->value > table_size)
		return XEN_PCI_ERR_invalid_offset;
	if (op->nr_msix != op->value)
		return XEN_PCI_ERR_op_failed;

	for (i = 0; i < op->nr_msix; i++)
		if (op->msix_entry[i] >= table_size)
			return XEN_PCI_ERR_invalid_offset;

	/* At most SH_INFO_MAX_VEC^2 / 2 compares; no table on the stack. */
	for (i = 1; i < op->nr_msix; i++)
		for (j = 0; j < i; j++)
			if (op->msix_entry[i] == op->msix_entry[j])
				return XEN_PCI_ERR_op_failed;
	return XEN_PCI_ERR_success;
}

int xsplit_pci_op_check(const struct xsplit_pci_op *op, u32 cfg_size,
			u32 msix_table_size)
{
	if (op->domain > MAX_DOMAIN || op->bus > MAX_BUS ||
	    op->devfn > MAX_DEVFN)
		return XEN_PCI_ERR_dev_not_found;

	switch (op->cmd) {
	case XEN_PCI_OP_conf_read:
	case XEN_PCI_OP_conf_write:
		return check_conf(op, cfg_size);
	case XEN_PCI_OP_enable_msix:
		return check_msix(op, msix_table_size);
	case XEN_PCI_OP_enable_msi:
	case XEN_PCI_OP_disable_msi:
	case XEN_PCI_OP_disable_msix:
		return XEN_PCI_ERR_success;
	default:
		return XEN_PCI_ERR_not_implemented;
	}
}

/* Bit n set: result n is an answer the step allows. */
#define ERS(r)	(1u << XSPLIT_PCI_ERS_##r)
#define AER_DETECTED_OK	(ERS(NONE) | ERS(CAN_RECOVER) | ERS(NEED_RESET) | \
			 ERS(DISCONNECT))
#define AER_MMIO_OK	(AER_DETECTED_OK | ERS(RECOVERED))
#define AER_RESET_OK	(ERS(NONE) | ERS(RECOVERED) | ERS(DISCONNECT))

u32 xsplit_pci_aer_answer(u32 cmd, s32 reply, bool *bad)
{
	u32 allowed;

	*bad = false;
	switch (cmd) {
	case XEN_PCI_OP_aer_detected:
		allowed = AER_DETECTED_OK;
		break;
	case XEN_PCI_OP_aer_mmio:
		allowed = AER_MMIO_OK;
		break;
	case XEN_PCI_OP_aer_slotreset:
		allowed = AER_RESET_OK;
		break;
	case XEN_PCI_OP_aer_resume:
		return XSPLIT_PCI_ERS_NONE;
	default:
		allowed = 0;
		break;
	}
	if (reply > 0 && reply < 32 && (allowed & (1u << reply)))
		return (u32)reply;
	*bad = true;
	return XSPLIT_PCI_ERS_DISCONNECT;
}
