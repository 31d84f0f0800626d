// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-dma: a DMA-API implementation (struct dma_map_ops) for Xen domains.
 *
 * In a PV domain a device needs machine addresses: each page is translated
 * pfn -> mfn through the P2M, buffers that are not machine-contiguous or
 * lie above the device's mask are bounced through machine-contiguous
 * memory, and coherent buffers are made machine-contiguous by
 * XENMEM_exchange (ops.c, pool.c). In an auto-translated domain the bus
 * address is the pfn's.
 *
 * Devices are given these ops one by one, by PCI address, before a driver
 * probes them: /sys/kernel/xsplit-dma/bind, or the bind= parameter, which
 * also catches devices that appear later (a hot-plugged or pcifront
 * device). Unbinding gives a device back the ops it had. Counters per
 * device are in /sys/kernel/xsplit-dma/devices/<BDF>/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <xen/features.h>
#include <xen/xen.h>

#include <xsplit/bdf.h>
#include "xdma.h"

#define XDMA_BIND_MAX	16

static char *bind;
module_param(bind, charp, 0444);
MODULE_PARM_DESC(bind,
		 "PCI devices to give these ops, now or when they appear, e.g. (0000:00:05.0)(0000:00:07.0)");

static bool strict;
module_param(strict, bool, 0644);
MODULE_PARM_DESC(strict,
		 "Check every bus address and unmap, report leaks (applies to devices bound from now on)");

bool xdma_no_translate;
module_param_named(test_no_translate, xdma_no_translate, bool, 0644);
MODULE_PARM_DESC(test_no_translate,
		 "TEST ONLY: hand out pseudo-physical addresses (no pfn->mfn), to prove tests can fail");

enum xdma_mode xdma_mode;

static const char * const xdma_mode_names[] = {
	[XDMA_MODE_P2M] = "p2m",
	[XDMA_MODE_IDENTITY] = "identity",
};

static struct xsplit_bdf xdma_bind_list[XDMA_BIND_MAX];
static unsigned int xdma_bind_count;

static DEFINE_MUTEX(xdma_lock);		/* xdma_devs */
static LIST_HEAD(xdma_devs);
static struct kobject *xdma_kobj, *xdma_devices_kobj;

u64 xdma_stat(struct xdma_dev *xd, size_t offset)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *(u64 *)((char *)per_cpu_ptr(xd->stats, cpu) + offset);
	return sum;
}

s64 xdma_outstanding(struct xdma_dev *xd)
{
	return xdma_stat(xd, offsetof(struct xdma_stats, maps)) -
	       xdma_stat(xd, offsetof(struct xdma_stats, unmaps));
}

static bool xdma_is_bound(struct device *dev)
{
	return dev->dma_ops &&
	       dev->dma_ops->map_page == xdma_ops_template.map_page;
}

/* Per-device sysfs: one counter per file. */

struct xdma_stat_attr {
	struct attribute attr;
	size_t offset;
};

#define XDMA_STAT(field) \
	static struct xdma_stat_attr xdma_attr_##field = { \
		.attr = { .name = #field, .mode = 0444 }, \
		.offset = offsetof(struct xdma_stats, field), \
	}

XDMA_STAT(maps);
XDMA_STAT(unmaps);
XDMA_STAT(map_bytes);
XDMA_STAT(bounces);
XDMA_STAT(bounce_bytes);
XDMA_STAT(contig);
XDMA_STAT(exchanges);
XDMA_STAT(failures);
XDMA_STAT(bad_unmaps);
XDMA_STAT(strict_errors);

/* Not counters: offsets past the struct name them. */
enum {
	XDMA_ATTR_OUTSTANDING = sizeof(struct xdma_stats),
	XDMA_ATTR_LEAKS,
	XDMA_ATTR_STRICT,
};

static struct xdma_stat_attr xdma_attr_outstanding = {
	.attr = { .name = "outstanding", .mode = 0444 },
	.offset = XDMA_ATTR_OUTSTANDING,
};

static struct xdma_stat_attr xdma_attr_leaks = {
	.attr = { .name = "leaks", .mode = 0444 },
	.offset = XDMA_ATTR_LEAKS,
};

static struct xdma_stat_attr xdma_attr_strict = {
	.attr = { .name = "strict", .mode = 0444 },
	.offset = XDMA_ATTR_STRICT,
};

static struct attribute *xdma_dev_attrs[] = {
	&xdma_attr_maps.attr, &xdma_attr_unmaps.attr,
	&xdma_attr_map_bytes.attr, &xdma_attr_bounces.attr,
	&xdma_attr_bounce_bytes.attr, &xdma_attr_contig.attr,
	&xdma_attr_exchanges.attr, &xdma_attr_failures.attr,
	&xdma_attr_bad_unmaps.attr, &xdma_attr_strict_errors.attr,
	&xdma_attr_outstanding.attr, &xdma_attr_leaks.attr,
	&xdma_attr_strict.attr,
	NULL,
};
ATTRIBUTE_GROUPS(xdma_dev);

static ssize_t xdma_dev_show(struct kobject *kobj, struct attribute *attr,
			     char *buf)
{
	struct xdma_dev *xd = container_of(kobj, struct xdma_dev, kobj);
	struct xdma_stat_attr *a = container_of(attr, struct xdma_stat_attr,
						attr);

	switch (a->offset) {
	case XDMA_ATTR_OUTSTANDING:
		return sysfs_emit(buf, "%lld\n", xdma_outstanding(xd));
	case XDMA_ATTR_LEAKS:
		return sysfs_emit(buf, "%llu\n", READ_ONCE(xd->leaks));
	case XDMA_ATTR_STRICT:
		return sysfs_emit(buf, "%d\n", xd->strict);
	default:
		return sysfs_emit(buf, "%llu\n", xdma_stat(xd, a->offset));
	}
}

static const struct sysfs_ops xdma_dev_sysfs_ops = {
	.show = xdma_dev_show,
};

static void xdma_dev_release(struct kobject *kobj)
{
	struct xdma_dev *xd = container_of(kobj, struct xdma_dev, kobj);

	xdma_strict_forget(xd);
	free_percpu(xd->stats);
	put_device(xd->dev);
	kfree(xd);
}

static struct kobj_type xdma_dev_ktype = {
	.release = xdma_dev_release,
	.sysfs_ops = &xdma_dev_sysfs_ops,
	.default_groups = xdma_dev_groups,
};

/* Binding */

static struct xdma_dev *xdma_find(struct device *dev)
{
	struct xdma_dev *xd;

	list_for_each_entry(xd, &xdma_devs, node)
		if (xd->dev == dev)
			return xd;
	return NULL;
}

static int xdma_bind_locked(struct xdma_dev *xd, struct device *dev)
{
	int rc;

	if (dev->driver) {
		dev_err(dev, "xsplit-dma: cannot bind: driver %s has it; unbind that first\n",
			dev->driver->name);
		return -EBUSY;
	}
	if (xdma_find(dev))
		return -EEXIST;
	/* rmmod must wait until no device has ops that live in this module. */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	rc = xdma_pool_get();
	if (rc)
		goto put_module;
	rc = kobject_add(&xd->kobj, xdma_devices_kobj, "%s", dev_name(dev));
	if (rc)
		goto put_pool;
	xd->saved_ops = dev->dma_ops;
	set_dma_ops(dev, &xd->ops);
	list_add(&xd->node, &xdma_devs);
	return 0;
put_pool:
	xdma_pool_put();
put_module:
	module_put(THIS_MODULE);
	return rc;
}

static int xdma_bind_dev(struct device *dev)
{
	struct xdma_dev *xd;
	int rc;

	xd = kzalloc(sizeof(*xd), GFP_KERNEL);
	if (!xd)
		return -ENOMEM;
	xd->stats = alloc_percpu(struct xdma_stats);
	if (!xd->stats) {
		kfree(xd);
		return -ENOMEM;
	}
	xd->ops = xdma_ops_template;
	if (xdma_mode != XDMA_MODE_P2M)
		xd->ops.get_required_mask = NULL;
	xd->dev = get_device(dev);
	xd->strict = READ_ONCE(strict);
	spin_lock_init(&xd->lock);
	xd->live = RB_ROOT;
	kobject_init(&xd->kobj, &xdma_dev_ktype);

	mutex_lock(&xdma_lock);
	device_lock(dev);
	rc = xdma_bind_locked(xd, dev);
	device_unlock(dev);
	mutex_unlock(&xdma_lock);
	if (rc) {
		kobject_put(&xd->kobj);
		return rc;
	}
	dev_info(dev, "xsplit-dma: bound (%s mode%s)\n", xdma_mode_names[xdma_mode],
		 xd->strict ? ", strict" : "");
	return 0;
}

/*
 * @removed: the device is going away; its state goes whatever is left,
 * which is then reported as leaked.
 */
static int xdma_unbind_dev(struct device *dev, bool removed)
{
	struct xdma_dev *xd;
	s64 left = 0;
	int rc = 0;

	mutex_lock(&xdma_lock);
	xd = xdma_find(dev);
	if (!xd) {
		mutex_unlock(&xdma_lock);
		return -ENOENT;
	}
	if (!removed)
		device_lock(dev);
	left = xdma_outstanding(xd);
	if (!removed && dev->driver) {
		dev_err(dev, "xsplit-dma: cannot unbind: driver %s still has it\n",
			dev->driver->name);
		rc = -EBUSY;
	} else if (!removed && left) {
		dev_err(dev, "xsplit-dma: cannot unbind: %lld mapping(s) outstanding\n",
			left);
		rc = -EBUSY;
	} else {
		set_dma_ops(dev, xd->saved_ops);
		list_del(&xd->node);
	}
	if (!removed)
		device_unlock(dev);
	mutex_unlock(&xdma_lock);
	if (rc)
		return rc;
	if (left)
		dev_warn(dev, "xsplit-dma: removed with %lld mapping(s) outstanding\n",
			 left);
	dev_info(dev, "xsplit-dma: unbound\n");
	kobject_del(&xd->kobj);
	kobject_put(&xd->kobj);
	xdma_pool_put();
	module_put(THIS_MODULE);
	return 0;
}

/* At a driver's unbind, whatever it still has mapped has leaked. */
static void xdma_driver_gone(struct device *dev)
{
	struct xdma_dev *xd = xdma_of(dev);
	s64 left = xdma_outstanding(xd);

	if (left <= 0)
		return;
	WRITE_ONCE(xd->leaks, xd->leaks + left);
	dev_warn(dev, "xsplit-dma: driver left %lld mapping(s) behind\n", left);
	if (xd->strict)
		xdma_strict_report_leaks(xd);
}

static bool xdma_listed(struct device *dev)
{
	struct pci_dev *pdev;
	unsigned int i;

	if (!dev_is_pci(dev))
		return false;
	pdev = to_pci_dev(dev);
	for (i = 0; i < xdma_bind_count; i++)
		if (xdma_bind_list[i].domain == pci_domain_nr(pdev->bus) &&
		    xdma_bind_list[i].bus == pdev->bus->number &&
		    xdma_bind_list[i].devfn == pdev->devfn)
			return true;
	return false;
}

static int xdma_bus_notify(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct device *dev = data;
	int rc;

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		/* Before the driver core looks for a driver for it. */
		if (xdma_listed(dev)) {
			rc = xdma_bind_dev(dev);
			if (rc)
				dev_err(dev, "xsplit-dma: bind at arrival failed (%d)\n", rc);
		}
		break;
	case BUS_NOTIFY_UNBOUND_DRIVER:
		if (xdma_is_bound(dev))
			xdma_driver_gone(dev);
		break;
	case BUS_NOTIFY_REMOVED_DEVICE:
		if (xdma_is_bound(dev))
			xdma_unbind_dev(dev, true);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block xdma_nb = {
	.notifier_call = xdma_bus_notify,
};

/* The PCI device a written "dddd:bb:dd.f" names, with a reference. */
static struct pci_dev *xdma_parse_dev(const char *buf, size_t count)
{
	const char *nl = memchr(buf, '\n', count);
	struct xsplit_bdf bdf;

	/* A trailing newline from echo is not part of the address. */
	if (nl)
		count = nl - buf;
	if (xsplit_bdf_parse(buf, count, &bdf))
		return ERR_PTR(-EINVAL);
	return pci_get_domain_bus_and_slot(bdf.domain, bdf.bus, bdf.devfn) ?:
	       ERR_PTR(-ENODEV);
}

static ssize_t bind_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct pci_dev *pdev = xdma_parse_dev(buf, count);
	int rc;

	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	rc = xdma_bind_dev(&pdev->dev);
	pci_dev_put(pdev);
	return rc ? rc : count;
}

static ssize_t unbind_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	struct pci_dev *pdev = xdma_parse_dev(buf, count);
	int rc;

	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	rc = xdma_unbind_dev(&pdev->dev, false);
	pci_dev_put(pdev);
	return rc ? rc : count;
}

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", xdma_mode_names[xdma_mode]);
}

static ssize_t pool_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct xdma_pool_info p;

	xdma_pool_info(&p);
	return sysfs_emit(buf, "pages %u used %u peak %u segments %u bits %u\n",
			  p.pages, p.used, p.peak, p.segments, p.bits);
}

static struct kobj_attribute bind_attr = __ATTR_WO(bind);
static struct kobj_attribute unbind_attr = __ATTR_WO(unbind);
static struct kobj_attribute mode_attr = __ATTR_RO(mode);
static struct kobj_attribute pool_attr = __ATTR_RO(pool);

static struct attribute *xdma_attrs[] = {
	&bind_attr.attr, &unbind_attr.attr, &mode_attr.attr, &pool_attr.attr,
	NULL,
};

static const struct attribute_group xdma_group = {
	.attrs = xdma_attrs,
};

static int xdma_add_to_list(const struct xsplit_bdf *bdf, void *ctx)
{
	if (xdma_bind_count == XDMA_BIND_MAX)
		return -E2BIG;
	xdma_bind_list[xdma_bind_count++] = *bdf;
	return 0;
}

/* Devices named by bind= that exist already: bind them now. */
static void xdma_bind_present(void)
{
	struct pci_dev *pdev;
	unsigned int i;
	int rc;

	for (i = 0; i < xdma_bind_count; i++) {
		pdev = pci_get_domain_bus_and_slot(xdma_bind_list[i].domain,
						   xdma_bind_list[i].bus,
						   xdma_bind_list[i].devfn);
		if (!pdev)
			continue;	/* bound when it appears */
		if (!xdma_is_bound(&pdev->dev)) {
			rc = xdma_bind_dev(&pdev->dev);
			if (rc)
				pci_err(pdev, "xsplit-dma: bind= failed (%d)\n", rc);
		}
		pci_dev_put(pdev);
	}
}

static int __init xsplit_dma_init(void)
{
	int rc;

	if (!xen_domain())
		return -ENODEV;
	xdma_mode = xen_pv_domain() &&
		    !xen_feature(XENFEAT_auto_translated_physmap) ?
		    XDMA_MODE_P2M : XDMA_MODE_IDENTITY;
	if (bind) {
		rc = xsplit_bdf_parse_list(bind, strlen(bind), xdma_add_to_list,
					   NULL);
		if (rc < 0) {
			pr_err("bind=%s: not a list like (0000:00:05.0)(0000:00:07.0) of at most %d (%d)\n",
			       bind, XDMA_BIND_MAX, rc);
			return rc;
		}
	}
	xdma_kobj = kobject_create_and_add("xsplit-dma", kernel_kobj);
	if (!xdma_kobj)
		return -ENOMEM;
	rc = sysfs_create_group(xdma_kobj, &xdma_group);
	if (rc)
		goto put_kobj;
	xdma_devices_kobj = kobject_create_and_add("devices", xdma_kobj);
	if (!xdma_devices_kobj) {
		rc = -ENOMEM;
		goto put_kobj;
	}
	rc = bus_register_notifier(&pci_bus_type, &xdma_nb);
	if (rc)
		goto put_devices;
	xdma_bind_present();
	pr_info("loaded: %s mode%s\n", xdma_mode_names[xdma_mode],
		xdma_no_translate ? " (TEST ONLY: no translation)" : "");
	return 0;
put_devices:
	kobject_put(xdma_devices_kobj);
put_kobj:
	kobject_put(xdma_kobj);
	return rc;
}

/* Only reached with no device bound: each holds a module reference. */
static void __exit xsplit_dma_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &xdma_nb);
	kobject_put(xdma_devices_kobj);
	kobject_put(xdma_kobj);
	pr_info("unloaded\n");
}

module_init(xsplit_dma_init);
module_exit(xsplit_dma_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("xsplit developers");
MODULE_DESCRIPTION("DMA-API for Xen domains: pfn to mfn bus addresses, bouncing, exchanged coherent memory");
