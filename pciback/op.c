// SPDX-License-Identifier: GPL-2.0
/*
 * The one op slot of the shared xen_pci_sharedinfo page.
 *
 * pcifront writes an op, sets _XEN_PCIF_active and kicks the event
 * channel; we answer in process context (config accesses and MSI setup
 * sleep), write the result fields, clear the bit and kick back. The op is
 * copied out of the page once and only the copy is judged and acted on:
 * the guest may rewrite the page at any time. One op is in flight at a
 * time by construction (there is one slot), so a frontend that kicks
 * faster than we answer only produces spurious events, which the late-EOI
 * event channel turns into back-pressure rather than CPU time.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <xen/events.h>
#include <xen/interface/io/pciif.h>
#include <xsplit/pci_op.h>

#include "pciback.h"

static struct xen_pci_sharedinfo *pcibk_sh_info(struct pcibk_xdev *px)
{
	return px->chan.ring;
}

irqreturn_t pcibk_handle_event(int irq, void *dev_id)
{
	struct pcibk_xdev *px = dev_id;
	struct xen_pci_sharedinfo *sh = pcibk_sh_info(px);
	bool aer_answer = pcibk_aer_event(px);

	/* The EOI comes when the op is answered; until then no new event. */
	if (sh && test_bit(_XEN_PCIF_active, (unsigned long *)&sh->flags) &&
	    schedule_work(&px->op_work))
		return IRQ_HANDLED;

	if (!aer_answer)
		px->spurious_events++;
	xen_irq_lateeoi(irq, aer_answer ? 0 : XEN_EOI_FLAG_SPURIOUS);
	return IRQ_HANDLED;
}

static struct pcibk_export *pcibk_find_export(struct pcibk_xdev *px,
					      const struct xsplit_pci_op *op)
{
	struct pcibk_export *ex;

	list_for_each_entry(ex, &px->exports, node)
		if (ex->vaddr.domain == op->domain && ex->vaddr.bus == op->bus &&
		    ex->vaddr.devfn == op->devfn)
			return ex;
	return NULL;
}

static int pcibk_errno_to_pci_err(int err)
{
	switch (err) {
	case 0:
		return XEN_PCI_ERR_success;
	case -ENODEV:
		return XEN_PCI_ERR_dev_not_found;
	case -EINVAL:
	case -ERANGE:
		return XEN_PCI_ERR_invalid_offset;
	case -EPERM:
	case -EACCES:
		return XEN_PCI_ERR_access_denied;
	case -ENOSYS:
	case -EOPNOTSUPP:
		return XEN_PCI_ERR_not_implemented;
	default:
		return XEN_PCI_ERR_op_failed;
	}
}

static int pcibk_conf_read(struct pcibk_export *ex, struct xsplit_pci_op *op)
{
	u32 val = 0;
	int ret;

	ex->pd->stats.conf_reads++;
	ret = xsplit_pcicfg_read(ex->cfg, op->offset, op->size, &val);
	if (!ret)
		op->value = val;
	return ret;
}

static int pcibk_conf_write(struct pcibk_export *ex, struct xsplit_pci_op *op)
{
	struct pci_dev *pdev = ex->pd->pdev;
	int ret;

	ex->pd->stats.conf_writes++;
	ret = xsplit_pcicfg_write(ex->cfg, op->offset, op->size, op->value);
	if (ret == XSPLIT_PCICFG_DROPPED) {
		ex->pd->stats.dropped_writes++;
		if (__ratelimit(&ex->pd->owner->log_rs))
			pci_info(pdev, "domain %d: config write of %d byte(s) at 0x%x (0x%x) refused in part\n",
				 ex->pd->owner->xdev->otherend_id, op->size,
				 op->offset, op->value);
		/* Real hardware ignores writes to read-only bits, so must we. */
		return 0;
	}
	return ret;
}

/*
 * The guest never writes an MSI address or data itself: dom0 sets MSI up
 * and Xen maps the interrupt to a PIRQ of the guest, which is what we give
 * back for the guest to bind (the device was registered as the guest's, so
 * the PIRQ lives in the guest's space).
 */
static int pcibk_enable_msi(struct pcibk_export *ex, struct xsplit_pci_op *op)
{
	struct pci_dev *pdev = ex->pd->pdev;
	int ret, pirq;

	ex->pd->stats.msi_ops++;
	if (!ex->cfg->msi_cap)
		return -EPERM;
	if (pdev->msi_enabled || pdev->msix_enabled)
		return -EBUSY;
	ret = pci_enable_msi(pdev);
	if (ret)
		return ret;
	pirq = xen_pirq_from_irq(pdev->irq);
	if (pirq <= 0) {
		pci_disable_msi(pdev);
		return -EIO;
	}
	op->value = pirq;
	return 0;
}

/*
 * disable_msi and disable_msix both turn off whichever the function has:
 * a Linux 6.1 guest tears MSI-X down with disable_msi (its PCI core clears
 * msix_enabled before the arch hook looks at it), and taking that
 * literally would leave MSI-X on and refuse the guest's next enable.
 */
static int pcibk_disable_msi(struct pcibk_export *ex, struct xsplit_pci_op *op)
{
	struct pci_dev *pdev = ex->pd->pdev;

	ex->pd->stats.msi_ops++;
	if (pdev->msix_enabled)
		pci_disable_msix(pdev);
	if (pdev->msi_enabled)
		pci_disable_msi(pdev);
	/* Back on INTx: the guest may rebind the line's PIRQ. */
	op->value = pdev->irq > 0 ? pdev->irq : 0;
	return 0;
}

static int pcibk_enable_msix(struct pcibk_export *ex, struct xsplit_pci_op *op,
			     u32 *vector)
{
	struct pci_dev *pdev = ex->pd->pdev;
	struct msix_entry *ent;
	u32 i, n = op->nr_msix;
	int ret = 0, pirq;

	ex->pd->stats.msi_ops++;
	if (pdev->msi_enabled || pdev->msix_enabled)
		return -EBUSY;

	ent = kcalloc(n, sizeof(*ent), GFP_KERNEL);
	if (!ent)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ent[i].entry = op->msix_entry[i];

	ret = pci_enable_msix_range(pdev, ent, n, n);
	if (ret < 0)
		goto out;
	ret = 0;
	for (i = 0; i < n; i++) {
		pirq = xen_pirq_from_irq(ent[i].vector);
		if (pirq <= 0) {
			pci_disable_msix(pdev);
			ret = -EIO;
			goto out;
		}
		vector[i] = pirq;
	}
out:
	if (ret && __ratelimit(&ex->pd->owner->log_rs))
		pci_info(pdev, "domain %d: %u MSI-X vector(s) not enabled: %pe\n",
			 ex->pd->owner->xdev->otherend_id, n, ERR_PTR(ret));
	kfree(ent);
	return ret;
}

/* Returns a XEN_PCI_ERR_* code; fills op->value and @vector. */
static int pcibk_dispatch(struct pcibk_xdev *px, struct xsplit_pci_op *op,
			  u32 *vector)
{
	struct pcibk_export *ex = pcibk_find_export(px, op);
	int err;

	/*
	 * The device is found before anything asked of it is judged, as the
	 * checker does for impossible addresses: a guest learns nothing about
	 * functions it was not given.
	 */
	if (!ex)
		return XEN_PCI_ERR_dev_not_found;
	err = xsplit_pci_op_check(op, ex->cfg->cfg_size,
				  ex->cfg->msix_table_size);
	if (err != XEN_PCI_ERR_success) {
		ex->pd->stats.bad_ops++;
		return err;
	}

	switch (op->cmd) {
	case XEN_PCI_OP_conf_read:
		err = pcibk_conf_read(ex, op);
		break;
	case XEN_PCI_OP_conf_write:
		err = pcibk_conf_write(ex, op);
		break;
	case XEN_PCI_OP_enable_msi:
		err = pcibk_enable_msi(ex, op);
		break;
	case XEN_PCI_OP_enable_msix:
		err = pcibk_enable_msix(ex, op, vector);
		break;
	default:	/* disable_msi, disable_msix: the checker let no other by */
		err = pcibk_disable_msi(ex, op);
		break;
	}
	if (err)
		ex->pd->stats.bad_ops++;
	return pcibk_errno_to_pci_err(err);
}

static void pcibk_log_bad_op(struct pcibk_xdev *px,
			     const struct xsplit_pci_op *op, int err)
{
	if (!__ratelimit(&px->log_rs))
		return;
	dev_info(&px->xdev->dev,
		 "domain %d: op %u on %04x:%02x:%02x.%u (offset %d size %d value 0x%x) refused: error %d\n",
		 px->xdev->otherend_id, op->cmd, op->domain, op->bus,
		 PCI_SLOT(op->devfn & 0xff), PCI_FUNC(op->devfn & 0xff),
		 op->offset, op->size, op->value, err);
}

void pcibk_do_op(struct work_struct *work)
{
	struct pcibk_xdev *px = container_of(work, struct pcibk_xdev, op_work);
	struct xen_pci_sharedinfo *sh;
	struct xen_pci_op wire;
	struct xsplit_pci_op op;
	u32 vector[SH_INFO_MAX_VEC];
	u32 i;
	int err;

	mutex_lock(&px->lock);
	sh = pcibk_sh_info(px);
	if (!sh || !px->chan.irq)
		goto unlock;

	/* Once, whole; everything after looks at the copy only. */
	memcpy(&wire, &sh->op, sizeof(wire));
	barrier();
	xsplit_pci_op_copy(&op, &wire);

	err = pcibk_dispatch(px, &op, vector);
	px->ops++;
	if (err != XEN_PCI_ERR_success) {
		px->bad_ops++;
		if (err != XEN_PCI_ERR_dev_not_found ||
		    op.cmd != XEN_PCI_OP_conf_read)
			pcibk_log_bad_op(px, &op, err);
	}

	/* Only the fields the protocol answers in. */
	WRITE_ONCE(sh->op.err, err);
	if (op.cmd == XEN_PCI_OP_enable_msix && !err) {
		for (i = 0; i < op.nr_msix; i++)
			WRITE_ONCE(sh->op.msix_entries[i].vector, vector[i]);
		/* pcifront takes a non-zero value as a failure here. */
		op.value = 0;
	}
	WRITE_ONCE(sh->op.value, err ? 0 : op.value);
	/* The answer must be visible before the slot is free again. */
	wmb();
	clear_bit(_XEN_PCIF_active, (unsigned long *)&sh->flags);
	notify_remote_via_irq(px->chan.irq);
	xen_irq_lateeoi(px->chan.irq, 0);
unlock:
	mutex_unlock(&px->lock);
}

/*
 * What a guest set up through ops, undone before its function is reset:
 * MSI and MSI-X are dom0's to tear down, the guest cannot.
 */
void pcibk_op_teardown(struct pcibk_export *ex)
{
	struct pci_dev *pdev = ex->pd->pdev;

	if (pdev->msix_enabled)
		pci_disable_msix(pdev);
	if (pdev->msi_enabled)
		pci_disable_msi(pdev);
}
