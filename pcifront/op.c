// SPDX-License-Identifier: GPL-2.0
/*
 * The shared page carries one op at a time. We write the op, set
 * _XEN_PCIF_active and kick the event channel; the backend answers in
 * place and clears the bit.
 *
 * Config space accessors run under the PCI core's raw pci_lock with
 * interrupts off, so waiting for the answer cannot sleep. Between looks at
 * the flag the vCPU yields to the hypervisor, which lets the backend's vCPU
 * run when the two share a physical CPU, and after op_timeout_ms we give
 * up and fail the access.
 *
 * A timed-out op stays with the backend: its active bit is left set, as
 * clearing it would let the late answer to the old op land on top of the
 * next one. Until the backend clears it, new ops fail at once instead of
 * waiting again.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/msi.h>
#include <asm/xen/hypercall.h>
#include <xen/events.h>
#include <xen/interface/sched.h>
#include <xsplit/pci_front.h>

#include "pcifront.h"

unsigned int pcifront_op_timeout_ms = 5000;
module_param_named(op_timeout_ms, pcifront_op_timeout_ms, uint, 0644);
MODULE_PARM_DESC(op_timeout_ms,
		 "Time the backend has to answer one config space or MSI request, in ms (100-10000, default 5000); interrupts stay off on that CPU meanwhile");

#define OP_TIMEOUT_MIN_MS	100
/* Well below the soft-lockup and RCU-stall detectors' 20 s. */
#define OP_TIMEOUT_MAX_MS	10000

/* Everything but msix_entries[]: all that a non-MSI-X op uses. */
#define OP_HEADER_LEN	offsetof(struct xen_pci_op, msix_entries)

static const char *const op_names[] = {
	[XEN_PCI_OP_conf_read] = "conf_read",
	[XEN_PCI_OP_conf_write] = "conf_write",
	[XEN_PCI_OP_enable_msi] = "enable_msi",
	[XEN_PCI_OP_disable_msi] = "disable_msi",
	[XEN_PCI_OP_enable_msix] = "enable_msix",
	[XEN_PCI_OP_disable_msix] = "disable_msix",
};

/*
 * The bit operations want an unsigned long. flags is the first word of a
 * page-aligned structure and x86 is little-endian, so bit n of the 32-bit
 * field is bit n of the long, and the backend sees the same bits.
 */
static unsigned long *sh_flags(struct pcifront_dev *pf)
{
	return (unsigned long *)&pf->sh->flags;
}

static bool op_wait_answered(struct pcifront_dev *pf, ktime_t deadline)
{
	while (test_bit(_XEN_PCIF_active, sh_flags(pf))) {
		if (ktime_after(ktime_get(), deadline))
			return false;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	return true;
}

static void op_count(struct pcifront_dev *pf, const struct xen_pci_op *op)
{
	struct pcifront_stats *st = &pf->stats;

	switch (op->cmd) {
	case XEN_PCI_OP_conf_read:
		st->conf_read++;
		break;
	case XEN_PCI_OP_conf_write:
		st->conf_write++;
		break;
	case XEN_PCI_OP_enable_msi:
		st->msi++;
		break;
	case XEN_PCI_OP_enable_msix:
		st->msix++;
		break;
	}
	/*
	 * A bus scan's probes of empty slots are answered dev_not_found, and
	 * codes outside the protocol are counted as bad replies instead.
	 */
	if (op->err && op->err != XEN_PCI_ERR_dev_not_found &&
	    xsplit_pci_err_to_errno(op->err) != -EPROTO)
		st->refused++;
}

static void op_log_failure(struct pcifront_dev *pf,
			   const struct xen_pci_op *op, int ret)
{
	const char *name = op->cmd < ARRAY_SIZE(op_names) ? op_names[op->cmd]
							   : "?";

	if (!__ratelimit(&pf->log_rs))
		return;
	if (ret == -ETIMEDOUT)
		dev_err(&pf->xdev->dev,
			"backend (domain %d) did not answer %s for %04x:%02x:%02x.%u within %u ms; PCI access fails until it does\n",
			pf->xdev->otherend_id, name, op->domain, op->bus,
			PCI_SLOT(op->devfn), PCI_FUNC(op->devfn),
			clamp(READ_ONCE(pcifront_op_timeout_ms),
			      OP_TIMEOUT_MIN_MS, OP_TIMEOUT_MAX_MS));
	else if (ret == -EBUSY)
		dev_err(&pf->xdev->dev,
			"%s for %04x:%02x:%02x.%u failed: the backend is still busy with an op that timed out\n",
			name, op->domain, op->bus, PCI_SLOT(op->devfn),
			PCI_FUNC(op->devfn));
}

/*
 * Send the first @len bytes of @op and read the answer back into them.
 * Returns 0 when the backend answered (op->err says how), -ENODEV when the
 * backend is going away, -EBUSY while an earlier op is still outstanding,
 * -ETIMEDOUT when it did not answer in time.
 */
static int pcifront_do_op(struct pcifront_dev *pf, struct xen_pci_op *op,
			  size_t len)
{
	unsigned int ms = clamp(READ_ONCE(pcifront_op_timeout_ms),
				OP_TIMEOUT_MIN_MS, OP_TIMEOUT_MAX_MS);
	unsigned long irqflags;
	int ret = 0;

	raw_spin_lock_irqsave(&pf->op_lock, irqflags);
	if (pf->backend_gone) {
		pf->stats.not_sent++;
		ret = -ENODEV;
	} else if (test_bit(_XEN_PCIF_active, sh_flags(pf))) {
		pf->stats.not_sent++;
		ret = -EBUSY;
	} else {
		memcpy(&pf->sh->op, op, len);
		/* The whole op must be there before the flag says it is. */
		wmb();
		set_bit(_XEN_PCIF_active, sh_flags(pf));
		notify_remote_via_evtchn(pf->evtchn);
		if (op_wait_answered(pf, ktime_add_ms(ktime_get(), ms))) {
			/* No part of the answer may be read before the flag. */
			rmb();
			memcpy(op, &pf->sh->op, len);
			op_count(pf, op);
		} else {
			pf->stats.timeouts++;
			ret = -ETIMEDOUT;
		}
	}
	raw_spin_unlock_irqrestore(&pf->op_lock, irqflags);

	if (ret)
		op_log_failure(pf, op, ret);
	/* An AER request may have come in while we were polling. */
	if (test_bit(_XEN_PCIB_active, sh_flags(pf)))
		schedule_work(&pf->aer_work);
	return ret;
}

/* An answer that broke the protocol: counted, and the caller fails. */
static int op_bad_reply(struct pcifront_dev *pf)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&pf->op_lock, irqflags);
	pf->stats.bad_replies++;
	raw_spin_unlock_irqrestore(&pf->op_lock, irqflags);
	return -EPROTO;
}

/* The errno of an answered op, counting answers outside the protocol. */
static int op_result(struct pcifront_dev *pf, const struct xen_pci_op *op)
{
	int ret = xsplit_pci_err_to_errno(op->err);

	return ret == -EPROTO ? op_bad_reply(pf) : ret;
}

static int errno_to_pcibios(int err)
{
	switch (err) {
	case 0:
		return PCIBIOS_SUCCESSFUL;
	case -EINVAL:
		return PCIBIOS_BAD_REGISTER_NUMBER;
	case -EOPNOTSUPP:
		return PCIBIOS_FUNC_NOT_SUPPORTED;
	case -EPERM:
	case -EIO:
	case -EPROTO:
		return PCIBIOS_SET_FAILED;
	}
	/* Not found, and every way of getting no answer at all. */
	return PCIBIOS_DEVICE_NOT_FOUND;
}

static void op_address(struct xen_pci_op *op, struct pci_bus *bus,
		       unsigned int devfn)
{
	op->domain = pci_domain_nr(bus);
	op->bus = bus->number;
	op->devfn = devfn;
}

/* Send a config space @op for @devfn on @bus: 0 or a negative errno. */
static int pcifront_conf_op(struct pci_bus *bus, unsigned int devfn,
			    struct xen_pci_op *op)
{
	struct pcifront_dev *pf = pcifront_of_bus(bus);
	int ret;

	op_address(op, bus, devfn);
	ret = pcifront_do_op(pf, op, OP_HEADER_LEN);
	return ret ? ret : op_result(pf, op);
}

static int pcifront_conf_read(struct pci_bus *bus, unsigned int devfn,
			      int where, int size, u32 *val)
{
	struct xen_pci_op op = {
		.cmd = XEN_PCI_OP_conf_read,
		.offset = where,
		.size = size,
	};
	int ret = pcifront_conf_op(bus, devfn, &op);

	if (!ret)
		*val = op.value;
	return errno_to_pcibios(ret);
}

static int pcifront_conf_write(struct pci_bus *bus, unsigned int devfn,
			       int where, int size, u32 val)
{
	struct xen_pci_op op = {
		.cmd = XEN_PCI_OP_conf_write,
		.offset = where,
		.size = size,
		.value = val,
	};

	return errno_to_pcibios(pcifront_conf_op(bus, devfn, &op));
}

struct pci_ops pcifront_bus_ops = {
	.read = pcifront_conf_read,
	.write = pcifront_conf_write,
};

/*
 * The arch code calls the MSI hooks for any PCI device; only those on
 * our buses have a backend to ask (children inherit a root's ops).
 */
static struct pcifront_dev *pcifront_of_pdev(struct pci_dev *dev)
{
	if (dev->bus->ops != &pcifront_bus_ops)
		return NULL;
	return pcifront_of_bus(dev->bus);
}

static int pcifront_enable_msi(struct pci_dev *dev, int vectors[])
{
	struct pcifront_dev *pf = pcifront_of_pdev(dev);
	struct xen_pci_op op = { .cmd = XEN_PCI_OP_enable_msi };
	int ret;

	if (!pf)
		return -ENODEV;
	op_address(&op, dev->bus, dev->devfn);
	ret = pcifront_do_op(pf, &op, OP_HEADER_LEN);
	if (!ret) {
		ret = xsplit_pci_msi_reply(&op);
		if (ret == -EPROTO)
			op_bad_reply(pf);
	}
	if (ret < 0) {
		dev_err_ratelimited(&dev->dev, "backend did not enable MSI (err %d, value %u): %d\n",
				    op.err, op.value, ret);
		return ret;
	}
	vectors[0] = ret;
	return 0;
}

static int pcifront_enable_msix(struct pci_dev *dev, int vectors[], int nvec)
{
	struct pcifront_dev *pf = pcifront_of_pdev(dev);
	struct xen_pci_op *op;
	struct msi_desc *desc;
	int i = 0, ret;

	if (!pf)
		return -ENODEV;
	if (nvec <= 0 || nvec > SH_INFO_MAX_VEC) {
		pci_err(dev, "MSI-X with %d vectors: the shared page carries 1 to %d\n",
			nvec, SH_INFO_MAX_VEC);
		return -EINVAL;
	}
	/* Too big for the stack: 128 entries. */
	op = kzalloc(sizeof(*op), GFP_KERNEL);
	if (!op)
		return -ENOMEM;
	op->cmd = XEN_PCI_OP_enable_msix;
	op->value = nvec;
	op_address(op, dev->bus, dev->devfn);

	/* The arch code binds vectors[] to these descriptors in this order. */
	msi_for_each_desc(desc, &dev->dev, MSI_DESC_NOTASSOCIATED) {
		if (i == nvec) {
			ret = -EINVAL;
			goto out;
		}
		op->msix_entries[i++].entry = desc->msi_index;
	}
	if (i != nvec) {
		ret = -EINVAL;
		goto out;
	}

	ret = pcifront_do_op(pf, op, sizeof(*op));
	if (!ret) {
		ret = xsplit_pci_msix_reply(op, nvec, vectors);
		if (ret == -EPROTO)
			op_bad_reply(pf);
	}
out:
	if (ret)
		dev_err_ratelimited(&dev->dev, "backend did not enable %d MSI-X vectors (err %d, value %u): %d\n",
				    nvec, op->err, op->value, ret);
	kfree(op);
	return ret;
}

static void pcifront_disable(struct pci_dev *dev, u32 cmd)
{
	struct pcifront_dev *pf = pcifront_of_pdev(dev);
	struct xen_pci_op op = { .cmd = cmd };
	int ret;

	if (!pf)
		return;
	op_address(&op, dev->bus, dev->devfn);
	ret = pcifront_do_op(pf, &op, OP_HEADER_LEN);
	if (!ret)
		ret = op_result(pf, &op);
	/* The guest forgets the vectors either way; the backend owns the rest. */
	if (ret && ret != -ENODEV)
		dev_warn_ratelimited(&dev->dev, "backend failed %s: %d\n",
				     op_names[cmd], ret);
}

static void pcifront_disable_msi(struct pci_dev *dev)
{
	pcifront_disable(dev, XEN_PCI_OP_disable_msi);
}

static void pcifront_disable_msix(struct pci_dev *dev)
{
	pcifront_disable(dev, XEN_PCI_OP_disable_msix);
}

struct xen_pci_frontend_ops pcifront_msi_ops = {
	.enable_msi = pcifront_enable_msi,
	.disable_msi = pcifront_disable_msi,
	.enable_msix = pcifront_enable_msix,
	.disable_msix = pcifront_disable_msix,
};

/*
 * AER: the backend relays an error dom0's AER core saw on one of our
 * functions, and we run the function's driver's recovery hook.
 */
static pci_ers_result_t aer_call_driver(struct pci_dev *dev,
					const struct xen_pcie_aer_op *req)
{
	const struct pci_error_handlers *eh;
	pci_ers_result_t res = PCI_ERS_RESULT_NONE;

	device_lock(&dev->dev);
	eh = dev->driver ? dev->driver->err_handler : NULL;
	if (!eh)
		goto out;
	switch (req->cmd) {
	case XEN_PCI_OP_aer_detected:
		if (eh->error_detected)
			res = eh->error_detected(dev,
						 (__force pci_channel_state_t)req->err);
		break;
	case XEN_PCI_OP_aer_mmio:
		if (eh->mmio_enabled)
			res = eh->mmio_enabled(dev);
		break;
	case XEN_PCI_OP_aer_slotreset:
		if (eh->slot_reset)
			res = eh->slot_reset(dev);
		break;
	case XEN_PCI_OP_aer_resume:
		if (eh->resume)
			eh->resume(dev);
		break;
	}
out:
	device_unlock(&dev->dev);
	return res;
}

/* A command the protocol defines, with the arguments it allows. */
static bool aer_request_valid(struct pcifront_dev *pf,
			      const struct xen_pcie_aer_op *req)
{
	switch (req->cmd) {
	case XEN_PCI_OP_aer_detected:
		/* err carries the channel state: normal, frozen or failed. */
		if (req->err >= (__force s32)pci_channel_io_normal &&
		    req->err <= (__force s32)pci_channel_io_perm_failure)
			return true;
		dev_warn_ratelimited(&pf->xdev->dev,
				     "AER error_detected request with unknown channel state %d\n",
				     req->err);
		return false;
	case XEN_PCI_OP_aer_mmio:
	case XEN_PCI_OP_aer_slotreset:
	case XEN_PCI_OP_aer_resume:
		return true;
	}
	dev_warn_ratelimited(&pf->xdev->dev, "AER request with unknown command %u\n",
			     req->cmd);
	return false;
}

static pci_ers_result_t aer_handle(struct pcifront_dev *pf,
				   const struct xen_pcie_aer_op *req)
{
	pci_ers_result_t res = PCI_ERS_RESULT_NONE;
	struct pci_dev *dev;

	if (!aer_request_valid(pf, req))
		return res;
	if (req->domain > 0xffff || req->bus > 0xff || req->devfn > 0xff)
		goto bad;
	dev = pci_get_domain_bus_and_slot(req->domain, req->bus, req->devfn);
	if (!dev)
		goto bad;
	if (pcifront_of_pdev(dev) == pf)
		res = aer_call_driver(dev, req);
	else
		dev_warn_ratelimited(&pf->xdev->dev,
				     "AER request %u for %s, which is not ours\n",
				     req->cmd, pci_name(dev));
	pci_dev_put(dev);
	return res;
bad:
	dev_warn_ratelimited(&pf->xdev->dev,
			     "AER request %u for unknown function %x:%x:%x\n",
			     req->cmd, req->domain, req->bus, req->devfn);
	return res;
}

void pcifront_aer_work(struct work_struct *work)
{
	struct pcifront_dev *pf = container_of(work, struct pcifront_dev,
					       aer_work);
	struct xen_pcie_aer_op req;
	pci_ers_result_t res;
	unsigned long irqflags;

	if (!test_bit(_XEN_PCIB_active, sh_flags(pf)))
		return;
	/* The request's fields are read once, after the flag. */
	rmb();
	memcpy(&req, &pf->sh->aer_op, sizeof(req));

	res = aer_handle(pf, &req);
	dev_info_ratelimited(&pf->xdev->dev,
			     "AER request %u for %04x:%02x:%02x.%u: result %u\n",
			     req.cmd, req.domain, req.bus, PCI_SLOT(req.devfn),
			     PCI_FUNC(req.devfn), (__force unsigned int)res);

	raw_spin_lock_irqsave(&pf->op_lock, irqflags);
	pf->stats.aer++;
	raw_spin_unlock_irqrestore(&pf->op_lock, irqflags);

	pf->sh->aer_op.err = (__force int)res;
	/* The result must be there before the flag says it is. */
	wmb();
	clear_bit(_XEN_PCIB_active, sh_flags(pf));
	notify_remote_via_evtchn(pf->evtchn);
}

irqreturn_t pcifront_event(int irq, void *dev_id)
{
	struct pcifront_dev *pf = dev_id;

	/* Op answers are polled for; only AER requests need the event. */
	if (test_bit(_XEN_PCIB_active, sh_flags(pf)))
		schedule_work(&pf->aer_work);
	return IRQ_HANDLED;
}
