// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-test-pci-hostile-back: a test-only PCI backend for dom0 that
 * misbehaves towards the guest's PCI frontend, to show that
 * xsplit-pcifront survives a backend it cannot trust (a driver domain, or
 * a buggy dom0). It is the mirror of xsplit-test-pci-hostile, which does
 * the same to the backend from the guest's side.
 *
 * It registers the xenbus backend for device type "pci", the same as
 * xsplit-pciback and the kernel's xen-pciback: only one of the three can
 * serve the guests, so this one refuses to load while either of the
 * others is loaded (both register a PCI driver named "pciback"), and
 * neither of them should be loaded while this one is.
 *
 * The module parameter "mode" chooses what every guest that connects
 * while the module is loaded gets:
 *
 *  silent     the handshake done properly, one root bus 0000:00 offered,
 *             and then no op ever answered: the op stays active for good.
 *  garbage    ops answered, wrongly: a fake QEMU edu (1234:11e8) at
 *             0000:00:00.0 whose config space reads fine (one I/O BAR and
 *             an MSI capability, see hb_cfg), but enable_msi
 *             "succeeds" with PIRQ 0, enable_msix "succeeds" with the same
 *             PIRQ for every vector, and disable_msi/disable_msix fail
 *             with an error code the protocol does not define.
 *  bad_roots  the handshake, but root-0 is not a PCI bus address.
 *  aer        garbage's fake edu and answers, plus AER requests sent to
 *             the frontend on demand (see hb_aer_seq): writing 1 to the
 *             backend device's "aer_trigger" in sysfs sends them one after
 *             the other, waiting for each answer, and logs one line per
 *             request, "aer NAME result N" (N the pci_ers_result_t the
 *             guest's driver returned) or "aer NAME timeout". Only dom0
 *             can know when the guest's driver is bound, hence the
 *             trigger instead of sending at connect.
 *
 * xenbus holds a reference on this module for every device it drives, so
 * the module cannot be unloaded from under a connected guest: unbinding
 * the device (its driver's sysfs "unbind") runs the same remove path that
 * unloading would, and closes the backend under the guest.
 *
 * Nothing is passed through: there is no device behind any of it. The
 * test (tests/vm/pcifront-hostile-back.sh) writes the xenstore nodes of
 * a "pci" device by hand, as libxl would for pci=[...], and reads what
 * this module logs: one line when a guest connects and one when it goes
 * away, with the ops and event-channel kicks seen in between, and in mode
 * aer one line per AER request answered.
 */
#define pr_fmt(fmt) "xsplit-hostile-back: " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/interface/io/pciif.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xsplit/xenbus_be.h>

enum hb_mode {
	HB_SILENT,
	HB_GARBAGE,
	HB_BAD_ROOTS,
	HB_AER,
};

static const char *const hb_mode_names[] = {
	[HB_SILENT] = "silent",
	[HB_GARBAGE] = "garbage",
	[HB_BAD_ROOTS] = "bad_roots",
	[HB_AER] = "aer",
};

static char *mode = "silent";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode,
		 "What every guest connecting while loaded gets: silent (ops never answered), garbage (a fake edu with impossible MSI answers), bad_roots (a malformed root-0) or aer (garbage, plus AER requests when aer_trigger is written)");

static enum hb_mode hb_mode;

/* Not a XEN_PCI_ERR_* code: a frontend must not take it for success. */
#define HB_UNDEFINED_ERR	12345
/* A PIRQ that is valid on the wire, given to every MSI-X vector at once. */
#define HB_DUP_PIRQ		7

/*
 * The fake edu's only BAR: I/O ports, not memory. A PV guest may not map
 * memory it was not granted, so an MMIO BAR would make the edu driver's
 * ioremap fail or fault, whereas Xen answers the port reads of a domain
 * without I/O permission with all ones and drops its writes. That gets
 * the driver past mapping its BAR to the MSI set-up this module is for.
 */
#define HB_IO_BASE		0xc000
#define HB_IO_LEN		0x100

#define HB_MSI_CAP		0x40

/* How long the frontend has to answer one AER request. */
#define HB_AER_TIMEOUT_MS	5000

/* Not an AER command: the frontend must refuse it. */
#define HB_AER_BAD_CMD		0x55
/* A slot the guest has no function in: only 00.0 is offered. */
#define HB_AER_BAD_DEVFN	PCI_DEVFN(1, 0)

struct hb_aer_req {
	const char *name;	/* in the log line of the answer */
	u32 cmd;
	s32 err;		/* aer_detected: the channel state */
	u32 devfn;
};

/*
 * One recovery as dom0's AER core would drive it, with both of the channel
 * states a driver can recover from, then two requests the frontend must
 * answer PCI_ERS_RESULT_NONE without calling any driver.
 */
static const struct hb_aer_req hb_aer_seq[] = {
	{ "detected_normal", XEN_PCI_OP_aer_detected,
	  (__force s32)pci_channel_io_normal, 0 },
	{ "detected_frozen", XEN_PCI_OP_aer_detected,
	  (__force s32)pci_channel_io_frozen, 0 },
	{ "mmio", XEN_PCI_OP_aer_mmio, 0, 0 },
	{ "slotreset", XEN_PCI_OP_aer_slotreset, 0, 0 },
	{ "resume", XEN_PCI_OP_aer_resume, 0, 0 },
	{ "detected_bad_devfn", XEN_PCI_OP_aer_detected,
	  (__force s32)pci_channel_io_normal, HB_AER_BAD_DEVFN },
	{ "unknown_cmd", HB_AER_BAD_CMD, 0, 0 },
};

/*
 * Config space of a conventional PCI function (so the PCI core never
 * looks at extended space), little-endian like the real thing.
 */
static const u8 hb_cfg[PCI_CFG_SPACE_SIZE] = {
	[PCI_VENDOR_ID] = 0x34,
	[PCI_VENDOR_ID + 1] = 0x12,
	[PCI_DEVICE_ID] = 0xe8,
	[PCI_DEVICE_ID + 1] = 0x11,
	[PCI_STATUS] = PCI_STATUS_CAP_LIST,
	[PCI_REVISION_ID] = 0x10,
	/* Class 0x00ff00, as the edu: prog-if 0, subclass 0xff, base 0. */
	[PCI_CLASS_DEVICE] = 0xff,
	[PCI_BASE_ADDRESS_0] = (HB_IO_BASE & 0xff) | PCI_BASE_ADDRESS_SPACE_IO,
	[PCI_BASE_ADDRESS_0 + 1] = HB_IO_BASE >> 8,
	[PCI_SUBSYSTEM_VENDOR_ID] = 0xf4,
	[PCI_SUBSYSTEM_VENDOR_ID + 1] = 0x1a,
	[PCI_SUBSYSTEM_ID] = 0x00,
	[PCI_SUBSYSTEM_ID + 1] = 0x11,
	[PCI_CAPABILITY_LIST] = HB_MSI_CAP,
	/* One MSI vector, 32-bit address, no masking; end of the list. */
	[HB_MSI_CAP + PCI_CAP_LIST_ID] = PCI_CAP_ID_MSI,
	[HB_MSI_CAP + PCI_CAP_LIST_NEXT] = 0,
};

struct hb_dev {
	struct xenbus_device *xdev;
	struct mutex lock;		/* connect, disconnect, AER sequence */
	struct xsplit_be_chan ch;	/* the frontend's page and channel */
	grant_ref_t gref;
	evtchn_port_t port;

	/* Only the event handler touches these: it never runs twice at once. */
	bool bar0_sizing;		/* last BAR0 write was all ones */
	bool pending_seen;		/* the silent mode's unanswered op */

	atomic_t ops;			/* ops found active */
	/* Events; Xen raises one itself when the channel is bound. */
	atomic_t kicks;
	/*
	 * AER requests sent whose answer's event has not come in yet: that
	 * event is expected, not spurious, and must not slow the channel's
	 * EOIs down for the ops after it.
	 */
	atomic_t aer_kicks_due;
};

static struct xen_pci_sharedinfo *hb_sh(struct hb_dev *hb)
{
	return hb->ch.ring;
}

static unsigned long *hb_flags(struct hb_dev *hb)
{
	return (unsigned long *)&hb_sh(hb)->flags;
}

/* The fake edu's config read: @err and @value as the op wants them. */
static void hb_conf_read(struct hb_dev *hb, const struct xen_pci_op *op,
			 s32 *err, u32 *value)
{
	u32 off = op->offset, size = op->size;

	if (size != 1 && size != 2 && size != 4) {
		*err = XEN_PCI_ERR_invalid_offset;
		return;
	}
	if (off >= PCI_CFG_SPACE_SIZE || off + size > PCI_CFG_SPACE_SIZE ||
	    off & (size - 1)) {
		*err = XEN_PCI_ERR_invalid_offset;
		return;
	}
	*err = XEN_PCI_ERR_success;
	if (off == PCI_BASE_ADDRESS_0 && size == 4 && hb->bar0_sizing) {
		*value = ~(u32)(HB_IO_LEN - 1) | PCI_BASE_ADDRESS_SPACE_IO;
		return;
	}
	if (size == 1)
		*value = hb_cfg[off];
	else if (size == 2)
		*value = get_unaligned_le16(&hb_cfg[off]);
	else
		*value = get_unaligned_le32(&hb_cfg[off]);
}

/*
 * Writes succeed and change nothing, except that an all-ones write to
 * BAR0 makes the next read of it return the size mask, which is how the
 * PCI core learns the BAR's size.
 */
static void hb_conf_write(struct hb_dev *hb, const struct xen_pci_op *op)
{
	if (op->offset == PCI_BASE_ADDRESS_0)
		hb->bar0_sizing = op->size == 4 && op->value == ~0u;
}

static void hb_answer(struct hb_dev *hb)
{
	struct xen_pci_sharedinfo *sh = hb_sh(hb);
	struct xen_pci_op op;
	s32 err = XEN_PCI_ERR_success;
	u32 value = 0, i, nvec;

	/* Fields are read once, from our copy, after the flag. */
	rmb();
	memcpy(&op, &sh->op, offsetof(struct xen_pci_op, msix_entries));

	if (op.cmd != XEN_PCI_OP_conf_write &&
	    (op.domain || op.bus || op.devfn)) {
		err = XEN_PCI_ERR_dev_not_found;
		goto answer;
	}
	switch (op.cmd) {
	case XEN_PCI_OP_conf_read:
		hb_conf_read(hb, &op, &err, &value);
		break;
	case XEN_PCI_OP_conf_write:
		if (!op.domain && !op.bus && !op.devfn)
			hb_conf_write(hb, &op);
		break;
	case XEN_PCI_OP_enable_msi:
		/* "Success" with a PIRQ that cannot exist. */
		break;
	case XEN_PCI_OP_enable_msix:
		/* "Success" with every vector on one PIRQ. */
		nvec = min_t(u32, op.value, SH_INFO_MAX_VEC);
		for (i = 0; i < nvec; i++)
			WRITE_ONCE(sh->op.msix_entries[i].vector, HB_DUP_PIRQ);
		break;
	case XEN_PCI_OP_disable_msi:
	case XEN_PCI_OP_disable_msix:
		err = HB_UNDEFINED_ERR;
		break;
	default:
		err = XEN_PCI_ERR_not_implemented;
		break;
	}
answer:
	WRITE_ONCE(sh->op.err, err);
	WRITE_ONCE(sh->op.value, value);
	/* The frontend may read the answer the moment the bit is clear. */
	wmb();
	clear_bit(_XEN_PCIF_active, hb_flags(hb));
	notify_remote_via_irq(hb->ch.irq);
}

static irqreturn_t hb_event(int irq, void *dev_id)
{
	struct hb_dev *hb = dev_id;
	unsigned int eoi = XEN_EOI_FLAG_SPURIOUS;

	atomic_inc(&hb->kicks);
	if (test_bit(_XEN_PCIF_active, hb_flags(hb))) {
		eoi = 0;
		if (hb_mode == HB_GARBAGE || hb_mode == HB_AER) {
			atomic_inc(&hb->ops);
			hb_answer(hb);
		} else if (!hb->pending_seen) {
			/* Never answered, so every later kick finds the same op. */
			hb->pending_seen = true;
			atomic_inc(&hb->ops);
		}
	} else if (atomic_dec_if_positive(&hb->aer_kicks_due) >= 0) {
		eoi = 0;
	}
	xen_irq_lateeoi(irq, eoi);
	return IRQ_HANDLED;
}

/*
 * Send one AER request and wait for the frontend to clear the flag.
 * Returns false if it did not: the request is then still the frontend's,
 * and no other may be written over it.
 */
static bool hb_aer_send(struct hb_dev *hb, const struct hb_aer_req *req)
{
	struct xen_pcie_aer_op *aer = &hb_sh(hb)->aer_op;
	unsigned long deadline;

	WRITE_ONCE(aer->cmd, req->cmd);
	WRITE_ONCE(aer->err, req->err);
	WRITE_ONCE(aer->domain, 0);
	WRITE_ONCE(aer->bus, 0);
	WRITE_ONCE(aer->devfn, req->devfn);
	/* The frontend may read the request the moment the bit is set. */
	wmb();
	atomic_inc(&hb->aer_kicks_due);
	set_bit(_XEN_PCIB_active, hb_flags(hb));
	notify_remote_via_irq(hb->ch.irq);

	/*
	 * The frontend answers from a work item, and its driver's callback
	 * may sleep: poll from process context, not the event handler.
	 */
	deadline = jiffies + msecs_to_jiffies(HB_AER_TIMEOUT_MS);
	while (test_bit(_XEN_PCIB_active, hb_flags(hb))) {
		if (time_after(jiffies, deadline)) {
			pr_warn("aer %s timeout\n", req->name);
			return false;
		}
		usleep_range(1000, 1100);
	}
	/* No part of the answer may be read before the flag. */
	rmb();
	pr_info("aer %s result %d\n", req->name, READ_ONCE(aer->err));
	return true;
}

/* Called with hb->lock held, while connected. */
static int hb_aer_run_locked(struct hb_dev *hb)
{
	unsigned int i, answered = 0;
	int ret = 0;

	pr_info("domain %d: sending %zu AER requests\n",
		hb->xdev->otherend_id, ARRAY_SIZE(hb_aer_seq));
	for (i = 0; i < ARRAY_SIZE(hb_aer_seq); i++) {
		const struct hb_aer_req *req = &hb_aer_seq[i];

		/* A frontend that did not offer to handle AER gets none. */
		if (!test_bit(_XEN_PCIB_AERHANDLER, hb_flags(hb))) {
			pr_info("aer %s not sent: the frontend handles no AER\n",
				req->name);
			ret = -EOPNOTSUPP;
			continue;
		}
		/* Left over from a request that timed out earlier. */
		if (test_bit(_XEN_PCIB_active, hb_flags(hb))) {
			pr_warn("aer %s not sent: an earlier request is still active\n",
				req->name);
			ret = -EBUSY;
			break;
		}
		if (!hb_aer_send(hb, req)) {
			ret = -ETIMEDOUT;
			break;
		}
		answered++;
	}
	pr_info("domain %d: %u of %zu AER requests answered\n",
		hb->xdev->otherend_id, answered, ARRAY_SIZE(hb_aer_seq));
	return ret;
}

/*
 * Writing 1 runs the whole sequence and returns when it is over (at most
 * HB_AER_TIMEOUT_MS per request): the writer knows every answer is in the
 * log once its write returns. Meanwhile hb->lock keeps the page mapped, so
 * a guest that closes has its backend follow once the sequence is over.
 */
static ssize_t aer_trigger_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct xenbus_device *xdev = to_xenbus_device(dev);
	struct hb_dev *hb = dev_get_drvdata(dev);
	bool go;
	int ret;

	ret = kstrtobool(buf, &go);
	if (ret)
		return ret;
	if (!go)
		return count;
	if (hb_mode != HB_AER)
		return -EPERM;

	mutex_lock(&hb->lock);
	if (!hb->ch.ring ||
	    xenbus_read_driver_state(xdev->otherend) != XenbusStateConnected)
		ret = -ENOTCONN;
	else
		ret = hb_aer_run_locked(hb);
	mutex_unlock(&hb->lock);
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(aer_trigger);

static struct attribute *hb_attrs[] = {
	&dev_attr_aer_trigger.attr,
	NULL
};
ATTRIBUTE_GROUPS(hb);

static int hb_publish_roots(struct hb_dev *hb)
{
	const char *root = hb_mode == HB_BAD_ROOTS ? "zz:1" : "0000:00";
	struct xenbus_device *xdev = hb->xdev;
	struct xenbus_transaction xbt;
	int ret;

again:
	ret = xenbus_transaction_start(&xbt);
	if (ret)
		return ret;
	ret = xenbus_printf(xbt, xdev->nodename, "root_num", "%u", 1);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "root-0", "%s", root);
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		return ret;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	return ret;
}

/* Called with hb->lock held. */
static void hb_disconnect_locked(struct hb_dev *hb)
{
	if (!hb->ch.ring)
		return;
	xsplit_be_chan_disconnect(hb->xdev, &hb->ch, hb);
	pr_info("domain %d: disconnected (mode %s): %d ops seen, %d kicks\n",
		hb->xdev->otherend_id, hb_mode_names[hb_mode],
		atomic_read(&hb->ops), atomic_read(&hb->kicks));
}

static void hb_disconnect(struct hb_dev *hb)
{
	mutex_lock(&hb->lock);
	hb_disconnect_locked(hb);
	mutex_unlock(&hb->lock);
}

static void hb_connect(struct hb_dev *hb)
{
	struct xenbus_device *xdev = hb->xdev;
	char *magic;
	int ret;

	mutex_lock(&hb->lock);
	if (hb->ch.ring)
		goto out;

	magic = xenbus_read(XBT_NIL, xdev->otherend, "magic", NULL);
	if (IS_ERR(magic)) {
		xenbus_dev_fatal(xdev, PTR_ERR(magic), "reading magic");
		goto out;
	}
	ret = strcmp(magic, XEN_PCI_MAGIC) ? -EPROTO : 0;
	kfree(magic);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "frontend speaks another protocol");
		goto out;
	}
	ret = xsplit_be_read_frontend(xdev, "pci-op-ref", 1, &hb->gref,
				      &hb->port);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "reading pci-op-ref and event-channel");
		goto out;
	}

	/* The handler uses these as soon as the channel is bound. */
	hb->bar0_sizing = false;
	hb->pending_seen = false;
	atomic_set(&hb->ops, 0);
	atomic_set(&hb->kicks, 0);
	atomic_set(&hb->aer_kicks_due, 0);
	if (xsplit_be_chan_connect(xdev, &hb->ch, &hb->gref, 1, hb->port,
				   hb_event, "xsplit-hostile-back", hb))
		goto out;	/* reported on xenbus by the call */

	ret = hb_publish_roots(hb);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "writing root_num and root-0");
		goto undo;
	}
	ret = xenbus_switch_state(xdev, XenbusStateConnected);
	if (ret)
		goto undo;
	pr_info("domain %d: connected (mode %s): grant %u, event channel %u\n",
		xdev->otherend_id, hb_mode_names[hb_mode], hb->gref, hb->port);
	goto out;

undo:
	hb_disconnect_locked(hb);
out:
	mutex_unlock(&hb->lock);
}

static void hb_frontend_changed(struct xenbus_device *xdev,
				enum xenbus_state fe_state)
{
	struct hb_dev *hb = dev_get_drvdata(&xdev->dev);

	switch (fe_state) {
	case XenbusStateInitialised:
		hb_connect(hb);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		hb_disconnect(hb);
		xenbus_switch_state(xdev, XenbusStateClosed);
		break;
	case XenbusStateUnknown:
		/*
		 * Also what the frontend's state reads as before the test
		 * has written it: only a guest that was there can be gone.
		 */
		hb_disconnect(hb);
		break;
	default:
		break;
	}
}

static int hb_probe(struct xenbus_device *xdev,
		    const struct xenbus_device_id *id)
{
	struct hb_dev *hb;
	int ret;

	hb = kzalloc(sizeof(*hb), GFP_KERNEL);
	if (!hb)
		return -ENOMEM;
	hb->xdev = xdev;
	mutex_init(&hb->lock);
	dev_set_drvdata(&xdev->dev, hb);

	ret = xenbus_switch_state(xdev, XenbusStateInitWait);
	if (ret) {
		dev_set_drvdata(&xdev->dev, NULL);
		kfree(hb);
		return ret;
	}
	pr_info("domain %d: probed %s (mode %s)\n", xdev->otherend_id,
		xdev->nodename, hb_mode_names[hb_mode]);
	return 0;
}

static void hb_remove(struct xenbus_device *xdev)
{
	struct hb_dev *hb = dev_get_drvdata(&xdev->dev);

	/*
	 * An unbind (or the device going away) while a guest is connected:
	 * tell its frontend we are gone, so that it lets go of its functions
	 * and its page.
	 */
	hb_disconnect(hb);
	xenbus_switch_state(xdev, XenbusStateClosed);
	dev_set_drvdata(&xdev->dev, NULL);
	kfree(hb);
}

static const struct xenbus_device_id hb_ids[] = {
	{ "pci" },
	{ "" }
};

static struct xenbus_driver hb_driver = {
	.name = "xsplit-hostile-back",
	.ids = hb_ids,
	.probe = hb_probe,
	.remove = hb_remove,
	.otherend_changed = hb_frontend_changed,
	.driver.dev_groups = hb_groups,
};

static int __init hb_init(void)
{
	int m;

	if (!xen_domain())
		return -ENODEV;
	m = match_string(hb_mode_names, ARRAY_SIZE(hb_mode_names), mode);
	if (m < 0) {
		pr_err("unknown mode \"%s\": silent, garbage, bad_roots or aer\n",
		       mode);
		return -EINVAL;
	}
	hb_mode = m;
	/*
	 * xsplit-pciback and xen-pciback both register a PCI driver of this
	 * name along with their "pci" backend, which would then compete with
	 * ours for the guests' devices.
	 */
	if (driver_find("pciback", &pci_bus_type)) {
		pr_err("a PCI backend (xsplit-pciback or xen-pciback) is loaded; unload it first\n");
		return -EBUSY;
	}
	pr_info("loaded, mode %s\n", hb_mode_names[hb_mode]);
	return xenbus_register_backend(&hb_driver);
}
module_init(hb_init);

static void __exit hb_exit(void)
{
	xenbus_unregister_driver(&hb_driver);
}
module_exit(hb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xsplit test bed: hostile PCI backend that misbehaves towards the guest's pcifront (test use only)");
