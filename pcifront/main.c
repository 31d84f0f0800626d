// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-pcifront: PCI passthrough frontend for PV guests.
 *
 * A PV guest has no PCI configuration mechanism of its own: it reaches the
 * config space of the functions passed through to it, and sets up their
 * MSI/MSI-X, only by asking the backend (xsplit-pciback or the kernel's
 * xen-pciback) over one shared page. Everything else (MMIO, I/O ports,
 * interrupts, DMA) is direct. This module is the xenbus frontend "pci":
 *
 *  - probe: share the page, allocate the event channel, publish
 *    pci-op-ref, event-channel and magic, go Initialised;
 *  - backend Connected: create the root buses listed in root-N and hand
 *    their functions to the PCI core, go Connected;
 *  - backend Reconfiguring (xl pci-detach): remove the functions whose
 *    state-N is Closing, go Reconfiguring;
 *  - backend Reconfigured (xl pci-attach): look for new functions and
 *    buses, go Connected;
 *  - backend Closing or Closed: remove everything, go Closed.
 *
 * Not done: reconnecting to a backend that comes back after Closed (the
 * toolstack recreates the device instead), and more than one PCI device
 * per guest (xl never creates a second).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <asm/xen/swiotlb-xen.h>
#include <xen/events.h>
#include <xen/xen.h>

#include "pcifront.h"

#if !IS_ENABLED(CONFIG_PCI_XEN) || !IS_ENABLED(CONFIG_PCI_MSI)
#error "xsplit-pcifront needs a kernel with CONFIG_PCI_XEN and CONFIG_PCI_MSI"
#endif

static int pcifront_publish(struct pcifront_dev *pf)
{
	struct xenbus_device *xdev = pf->xdev;
	struct xenbus_transaction xbt;
	const char *what;
	int ret;

again:
	ret = xenbus_transaction_start(&xbt);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "starting transaction");
		return ret;
	}
	what = "pci-op-ref";
	ret = xenbus_printf(xbt, xdev->nodename, what, "%u", pf->gref);
	if (!ret) {
		what = "event-channel";
		ret = xenbus_printf(xbt, xdev->nodename, what, "%u",
				    pf->evtchn);
	}
	if (!ret) {
		what = "magic";
		ret = xenbus_printf(xbt, xdev->nodename, what, "%s",
				    XEN_PCI_MAGIC);
	}
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		xenbus_dev_fatal(xdev, ret, "writing %s", what);
		return ret;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	if (ret)
		xenbus_dev_fatal(xdev, ret, "completing transaction");
	return ret;
}

static void pcifront_release_channel(struct pcifront_dev *pf)
{
	/* Unbinding closes the port too; free it only if it was never bound. */
	if (pf->irq > 0)
		unbind_from_irqhandler(pf->irq, pf);
	else if (pf->evtchn)
		xenbus_free_evtchn(pf->xdev, pf->evtchn);
	pf->irq = 0;
	pf->evtchn = 0;
	cancel_work_sync(&pf->aer_work);
	/* Frees the page once the backend has unmapped it. */
	if (pf->sh)
		xenbus_teardown_ring((void **)&pf->sh, 1, &pf->gref);
}

static int pcifront_setup_channel(struct pcifront_dev *pf)
{
	struct xenbus_device *xdev = pf->xdev;
	int ret;

	ret = xenbus_setup_ring(xdev, GFP_KERNEL, (void **)&pf->sh, 1,
				&pf->gref);
	if (ret)
		return ret;
	/* We handle the AER requests the backend relays. */
	set_bit(_XEN_PCIB_AERHANDLER, (unsigned long *)&pf->sh->flags);

	ret = xenbus_alloc_evtchn(xdev, &pf->evtchn);
	if (ret)
		return ret;
	ret = bind_evtchn_to_irqhandler(pf->evtchn, pcifront_event, 0,
					KBUILD_MODNAME, pf);
	if (ret < 0) {
		xenbus_dev_fatal(xdev, ret, "binding event channel %u",
				 pf->evtchn);
		return ret;
	}
	pf->irq = ret;
	return 0;
}

static int pcifront_probe(struct xenbus_device *xdev,
			  const struct xenbus_device_id *id)
{
	struct pcifront_dev *pf;
	int ret;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	pf->xdev = xdev;
	raw_spin_lock_init(&pf->op_lock);
	mutex_init(&pf->bus_lock);
	INIT_LIST_HEAD(&pf->roots);
	INIT_WORK(&pf->aer_work, pcifront_aer_work);
	ratelimit_default_init(&pf->log_rs);
	dev_set_drvdata(&xdev->dev, pf);

	ret = pcifront_setup_channel(pf);
	if (!ret)
		ret = pcifront_publish(pf);
	if (!ret)
		ret = xenbus_switch_state(xdev, XenbusStateInitialised);
	if (ret) {
		pcifront_release_channel(pf);
		dev_set_drvdata(&xdev->dev, NULL);
		kfree(pf);
	}
	return ret;
}

static unsigned int pcifront_count_functions(struct pcifront_dev *pf)
{
	struct pcifront_root *root;
	struct pci_dev *dev;
	unsigned int n = 0;

	list_for_each_entry(root, &pf->roots, node)
		list_for_each_entry(dev, &root->bus->devices, bus_list)
			n++;
	return n;
}

static void pcifront_connect(struct pcifront_dev *pf)
{
	struct xenbus_device *xdev = pf->xdev;
	int ret;

	/*
	 * DMA from a passed-through function needs machine addresses, which
	 * only swiotlb-xen hands out; a PV guest gets it at boot only when
	 * told to, so set it up now if nobody did.
	 */
	ret = pci_xen_swiotlb_init_late();
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "setting up swiotlb-xen for DMA");
		return;
	}

	mutex_lock(&pf->bus_lock);
	ret = pcifront_scan_roots(pf);
	if (!ret) {
		dev_info(&xdev->dev, "connected to backend %s (domain %d): %u function(s)\n",
			 xdev->otherend, xdev->otherend_id,
			 pcifront_count_functions(pf));
		xenbus_switch_state(xdev, XenbusStateConnected);
	}
	mutex_unlock(&pf->bus_lock);
}

static void pcifront_detach(struct pcifront_dev *pf)
{
	mutex_lock(&pf->bus_lock);
	if (!pcifront_detach_closing(pf))
		xenbus_switch_state(pf->xdev, XenbusStateReconfiguring);
	mutex_unlock(&pf->bus_lock);
}

static void pcifront_attach(struct pcifront_dev *pf)
{
	mutex_lock(&pf->bus_lock);
	if (!pcifront_scan_roots(pf))
		xenbus_switch_state(pf->xdev, XenbusStateConnected);
	mutex_unlock(&pf->bus_lock);
}

static void pcifront_set_backend_gone(struct pcifront_dev *pf, bool gone)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&pf->op_lock, flags);
	pf->backend_gone = gone;
	raw_spin_unlock_irqrestore(&pf->op_lock, flags);
}

static void pcifront_disconnect(struct pcifront_dev *pf)
{
	/*
	 * Drivers see their functions removed as in a surprise hot-unplug;
	 * what they say to the device on the way out goes nowhere, so do not
	 * make them wait op_timeout_ms for every word of it.
	 */
	pcifront_set_backend_gone(pf, true);
	mutex_lock(&pf->bus_lock);
	pcifront_free_roots(pf);
	mutex_unlock(&pf->bus_lock);
}

static void pcifront_backend_changed(struct xenbus_device *xdev,
				     enum xenbus_state be_state)
{
	struct pcifront_dev *pf = dev_get_drvdata(&xdev->dev);

	switch (be_state) {
	case XenbusStateConnected:
		if (xdev->state == XenbusStateInitialised)
			pcifront_connect(pf);
		break;
	case XenbusStateReconfiguring:
		if (xdev->state == XenbusStateConnected)
			pcifront_detach(pf);
		break;
	case XenbusStateReconfigured:
		if (xdev->state == XenbusStateReconfiguring)
			pcifront_attach(pf);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		if (xdev->state == XenbusStateClosed)
			break;
		dev_info(&xdev->dev, "backend %s is closing; removing its functions\n",
			 xdev->otherend);
		pcifront_disconnect(pf);
		xenbus_frontend_closed(xdev);
		break;
	default:
		break;
	}
}

static void pcifront_remove(struct xenbus_device *xdev)
{
	struct pcifront_dev *pf = dev_get_drvdata(&xdev->dev);

	/* Drivers may still talk to a live backend on their way out. */
	mutex_lock(&pf->bus_lock);
	pcifront_free_roots(pf);
	mutex_unlock(&pf->bus_lock);
	pcifront_set_backend_gone(pf, true);
	pcifront_release_channel(pf);
	dev_set_drvdata(&xdev->dev, NULL);
	kfree(pf);
}

static ssize_t xsplit_stats_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct pcifront_dev *pf = dev_get_drvdata(dev);
	struct pcifront_stats st;
	unsigned long flags;

	if (!pf)
		return -ENODEV;
	raw_spin_lock_irqsave(&pf->op_lock, flags);
	st = pf->stats;
	raw_spin_unlock_irqrestore(&pf->op_lock, flags);
	return sysfs_emit(buf,
			  "conf_read %llu\nconf_write %llu\nenable_msi %llu\nenable_msix %llu\nrefused %llu\nbad_replies %llu\ntimeouts %llu\nnot_sent %llu\naer %llu\n",
			  st.conf_read, st.conf_write, st.msi, st.msix,
			  st.refused, st.bad_replies, st.timeouts,
			  st.not_sent, st.aer);
}
static DEVICE_ATTR_RO(xsplit_stats);

static struct attribute *pcifront_attrs[] = {
	&dev_attr_xsplit_stats.attr,
	NULL
};
ATTRIBUTE_GROUPS(pcifront);

static const struct xenbus_device_id pcifront_ids[] = {
	{ "pci" },
	{ "" }
};

static struct xenbus_driver pcifront_driver = {
	.name = KBUILD_MODNAME,
	.ids = pcifront_ids,
	.probe = pcifront_probe,
	.remove = pcifront_remove,
	.otherend_changed = pcifront_backend_changed,
	.driver.dev_groups = pcifront_groups,
};

static int __init xsplit_pcifront_init(void)
{
	int ret;

	/* HVM and PVH guests see passed-through devices on emulated buses. */
	if (!xen_pv_domain() || xen_initial_domain())
		return -ENODEV;

	/*
	 * The arch code has one slot for the frontend that sets up MSI, and
	 * the kernel's xen-pcifront fills it when loaded: two frontends
	 * would fight over the same xenbus device as well.
	 */
	if (xen_pci_frontend) {
		pr_err("another PCI frontend (the kernel's xen-pcifront?) is loaded; unload it first\n");
		return -EBUSY;
	}
	xen_pci_frontend = &pcifront_msi_ops;

	ret = xenbus_register_frontend(&pcifront_driver);
	if (ret) {
		xen_pci_frontend = NULL;
		return ret;
	}
	pr_info("loaded; config/MSI op timeout %u ms\n", pcifront_op_timeout_ms);
	return 0;
}

static void __exit xsplit_pcifront_exit(void)
{
	xenbus_unregister_driver(&pcifront_driver);
	/* xen-pcifront takes the hook without asking: leave it theirs then. */
	if (xen_pci_frontend == &pcifront_msi_ops)
		xen_pci_frontend = NULL;
}

module_init(xsplit_pcifront_init);
module_exit(xsplit_pcifront_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("xsplit developers");
MODULE_DESCRIPTION("Xen PCI passthrough frontend for PV guests");
MODULE_ALIAS("xen:pci");
