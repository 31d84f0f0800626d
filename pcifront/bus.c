// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's PCI buses: one root bus per root-N the backend publishes,
 * holding exactly the functions it exports.
 *
 * Every devfn of a root is probed, not just function 0 of each slot as a
 * normal bus scan does: the backend may export function 2 of a device
 * without function 0, in pass-through mode at its real address.
 *
 * The BARs keep the addresses dom0 gave them (the backend refuses to move
 * them), so each one is claimed as it is rather than assigned.
 */

#include <linux/ioport.h>
#include <linux/slab.h>
#include <xsplit/bdf.h>
#include <xsplit/pci_front.h>

#include "pcifront.h"

/*
 * Far more root buses or functions than any real export; numbers from the
 * backend above these are refused rather than looped over.
 */
#define PCIFRONT_MAX_ROOTS	64
#define PCIFRONT_MAX_DEVS	256

static void pcifront_claim_bars(struct pcifront_dev *pf, struct pci_dev *dev)
{
	int i;

	for (i = 0; i < PCI_NUM_RESOURCES; i++) {
		struct resource *r = &dev->resource[i];

		if (!r->flags || !r->start || r->parent)
			continue;
		if (pci_claim_resource(dev, i))
			dev_err(&pf->xdev->dev,
				"%s: BAR %d %pR collides with this guest's memory map; its driver cannot use it (e820_host=1 in the guest's config gives the guest the host's map)\n",
				pci_name(dev), i, r);
	}
}

/* Find the functions of @root not seen yet and let drivers have them. */
static unsigned int pcifront_scan_functions(struct pcifront_dev *pf,
					    struct pcifront_root *root)
{
	struct pci_bus *bus = root->bus;
	unsigned int devfn, found = 0;
	struct pci_dev *dev;

	for (devfn = 0; devfn < 256; devfn++) {
		dev = pci_get_slot(bus, devfn);
		if (dev) {
			pci_dev_put(dev);
			continue;
		}
		dev = pci_scan_single_device(bus, devfn);
		if (!dev)
			continue;
		dev_info(&pf->xdev->dev, "function %s from the backend\n",
			 pci_name(dev));
		pcifront_claim_bars(pf, dev);
		found++;
	}
	pci_bus_add_devices(bus);
	return found;
}

static struct pcifront_root *pcifront_find_root(struct pcifront_dev *pf,
						const struct xsplit_pci_root *r)
{
	struct pcifront_root *root;

	list_for_each_entry(root, &pf->roots, node)
		if (root->sd.domain == r->domain && root->bus->number == r->bus)
			return root;
	return NULL;
}

static int pcifront_add_root(struct pcifront_dev *pf,
			     const struct xsplit_pci_root *r)
{
	struct pcifront_root *root;
	struct pci_bus *bus;
	LIST_HEAD(windows);

	root = kzalloc(sizeof(*root), GFP_KERNEL);
	if (!root)
		return -ENOMEM;
	root->sd.domain = r->domain;
	/* The backend does not say which node the device is close to. */
	root->sd.node = NUMA_NO_NODE;
	root->pf = pf;
	root->busn.name = dev_name(&pf->xdev->dev);
	root->busn.start = r->bus;
	root->busn.end = 0xff;
	root->busn.flags = IORESOURCE_BUS;

	/* BARs lie wherever dom0 put them: the whole address space. */
	pci_add_resource(&windows, &ioport_resource);
	pci_add_resource(&windows, &iomem_resource);
	pci_add_resource(&windows, &root->busn);
	bus = pci_create_root_bus(&pf->xdev->dev, r->bus, &pcifront_bus_ops,
				  &root->sd, &windows);
	if (!bus) {
		pci_free_resource_list(&windows);
		kfree(root);
		dev_err(&pf->xdev->dev, "cannot create PCI bus %04x:%02x\n",
			r->domain, r->bus);
		return -ENOMEM;
	}
	root->bus = bus;
	list_add_tail(&root->node, &pf->roots);
	dev_info(&pf->xdev->dev, "PCI bus %04x:%02x from the backend\n",
		 r->domain, r->bus);
	pcifront_scan_functions(pf, root);
	return 0;
}

/* Read a backend node as a decimal count no larger than @max. */
static int pcifront_read_count(struct pcifront_dev *pf, const char *key,
			       unsigned int max, unsigned int *val)
{
	char *s;
	int ret;

	s = xenbus_read(XBT_NIL, pf->xdev->otherend, key, NULL);
	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = kstrtouint(s, 10, val);
	kfree(s);
	if (!ret && *val > max)
		ret = -E2BIG;
	return ret;
}

static int pcifront_read_root(struct pcifront_dev *pf, unsigned int i,
			      struct xsplit_pci_root *r)
{
	char key[16];
	char *s;
	int ret;

	snprintf(key, sizeof(key), "root-%u", i);
	s = xenbus_read(XBT_NIL, pf->xdev->otherend, key, NULL);
	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = xsplit_pci_root_parse(s, strlen(s), r);
	kfree(s);
	return ret;
}

/*
 * Create the root buses the backend lists that we do not have yet and
 * look for new functions on the others: at connect time and after the
 * backend has added functions at run time. Called with bus_lock held.
 */
int pcifront_scan_roots(struct pcifront_dev *pf)
{
	struct xsplit_pci_root r = { 0, 0 };
	struct pcifront_root *root;
	unsigned int i, nr;
	int ret;

	ret = pcifront_read_count(pf, "root_num", PCIFRONT_MAX_ROOTS, &nr);
	if (ret == -ENOENT) {
		/* Backends from before root_num export one bus, 0000:00. */
		nr = 0;
		ret = 0;
	}
	if (ret) {
		xenbus_dev_fatal(pf->xdev, ret, "reading root_num");
		return ret;
	}

	pci_lock_rescan_remove();
	for (i = 0; i < (nr ? nr : 1); i++) {
		if (nr) {
			ret = pcifront_read_root(pf, i, &r);
			if (ret) {
				xenbus_dev_fatal(pf->xdev, ret,
						 "reading root-%u", i);
				break;
			}
		}
		root = pcifront_find_root(pf, &r);
		if (root)
			pcifront_scan_functions(pf, root);
		else
			ret = pcifront_add_root(pf, &r);
		if (ret) {
			xenbus_dev_fatal(pf->xdev, ret, "adding PCI bus %04x:%02x",
					 r.domain, r.bus);
			break;
		}
	}
	pci_unlock_rescan_remove();
	return ret;
}

/* Remove function @i of the backend's list if it is being taken away. */
static int pcifront_detach_one(struct pcifront_dev *pf, unsigned int i)
{
	const char *be = pf->xdev->otherend;
	struct xsplit_bdf bdf;
	struct pci_dev *dev;
	char key[16];
	char *s;
	int ret;

	snprintf(key, sizeof(key), "state-%u", i);
	if (xenbus_read_unsigned(be, key, XenbusStateUnknown) !=
	    XenbusStateClosing)
		return 0;

	snprintf(key, sizeof(key), "vdev-%u", i);
	s = xenbus_read(XBT_NIL, be, key, NULL);
	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = xsplit_pci_vdev_parse(s, strlen(s), &bdf);
	kfree(s);
	if (ret)
		return ret;

	dev = pci_get_domain_bus_and_slot(bdf.domain, bdf.bus, bdf.devfn);
	if (!dev)
		return 0;	/* never found, or already gone */
	if (dev->bus->ops == &pcifront_bus_ops &&
	    pcifront_of_bus(dev->bus) == pf) {
		dev_info(&pf->xdev->dev, "function %s taken away by the backend\n",
			 pci_name(dev));
		pci_stop_and_remove_bus_device_locked(dev);
	}
	pci_dev_put(dev);
	return 0;
}

/*
 * The backend is taking functions away (state-N = Closing): unbind their
 * drivers and remove them. Called with bus_lock held.
 */
int pcifront_detach_closing(struct pcifront_dev *pf)
{
	unsigned int i, nr;
	int ret;

	ret = pcifront_read_count(pf, "num_devs", PCIFRONT_MAX_DEVS, &nr);
	if (ret) {
		xenbus_dev_fatal(pf->xdev, ret, "reading num_devs");
		return ret;
	}
	for (i = 0; i < nr; i++) {
		ret = pcifront_detach_one(pf, i);
		if (ret) {
			xenbus_dev_fatal(pf->xdev, ret, "reading vdev-%u", i);
			return ret;
		}
	}
	return 0;
}

/* Remove every function and bus. Called with bus_lock held. */
void pcifront_free_roots(struct pcifront_dev *pf)
{
	struct pcifront_root *root, *tmp;

	pci_lock_rescan_remove();
	list_for_each_entry_safe(root, tmp, &pf->roots, node) {
		struct pci_host_bridge *hb = to_pci_host_bridge(root->bus->bridge);

		pci_stop_root_bus(root->bus);
		pci_remove_root_bus(root->bus);
		/* The reference pci_create_root_bus() left us with. */
		pci_free_host_bridge(hb);
		list_del(&root->node);
		kfree(root);
	}
	pci_unlock_rescan_remove();
}
