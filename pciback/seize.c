// SPDX-License-Identifier: GPL-2.0
/*
 * Taking PCI functions away from dom0 so that they can be passed through.
 *
 * The PCI driver is called "pciback" and offers the sysfs files stock libxl
 * uses (new_slot, remove_slot, slots, permissive, do_flr), so that
 * `xl pci-assignable-add/-remove/-list` work unchanged.  A function is
 * seized when it is in the slot list (hide= at load, or new_slot) or when
 * its driver_override names this driver.  On seizing it is quiesced: bus
 * mastering off, reset where the device offers a way, and its config state
 * saved; on release that state is restored.
 *
 * Locking: pcibk_lock guards the slot list, the list of seized devices and
 * each device's owner, and is never held while calling into the driver
 * core, which takes the device lock before calling probe/remove.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <xen/xen.h>
#include <xen/interface/physdev.h>
#include <asm/xen/hypercall.h>

#include "pciback.h"

struct pcibk_slot {
	struct list_head node;
	struct xsplit_bdf bdf;
};

static DEFINE_MUTEX(pcibk_lock);
static LIST_HEAD(pcibk_slots);
static LIST_HEAD(pcibk_devs);

static struct pci_driver pcibk_driver;

static void pcibk_bdf_of(const struct pci_dev *pdev, struct xsplit_bdf *bdf)
{
	bdf->domain = pci_domain_nr(pdev->bus);
	bdf->bus = pdev->bus->number;
	bdf->devfn = pdev->devfn;
}

static bool pcibk_bdf_equal(const struct xsplit_bdf *a,
			    const struct xsplit_bdf *b)
{
	return a->domain == b->domain && a->bus == b->bus &&
	       a->devfn == b->devfn;
}

/* sysfs hands us the user's line, usually with a newline at the end. */
static int pcibk_parse_bdf(const char *buf, size_t count,
			   struct xsplit_bdf *bdf)
{
	if (count && buf[count - 1] == '\n')
		count--;
	return xsplit_bdf_parse(buf, count, bdf);
}

static struct pcibk_slot *pcibk_slot_find(const struct xsplit_bdf *bdf)
{
	struct pcibk_slot *slot;

	lockdep_assert_held(&pcibk_lock);
	list_for_each_entry(slot, &pcibk_slots, node)
		if (pcibk_bdf_equal(&slot->bdf, bdf))
			return slot;
	return NULL;
}

/* Adding a slot twice is not an error: libxl checks, other tools may not. */
static int pcibk_slot_add(const struct xsplit_bdf *bdf)
{
	struct pcibk_slot *slot;
	int ret = 0;

	mutex_lock(&pcibk_lock);
	if (!pcibk_slot_find(bdf)) {
		slot = kzalloc(sizeof(*slot), GFP_KERNEL);
		if (slot) {
			slot->bdf = *bdf;
			list_add_tail(&slot->node, &pcibk_slots);
		} else {
			ret = -ENOMEM;
		}
	}
	mutex_unlock(&pcibk_lock);
	return ret;
}

static int pcibk_slot_add_cb(const struct xsplit_bdf *bdf, void *arg)
{
	return pcibk_slot_add(bdf);
}

int pcibk_slots_add_list(const char *list)
{
	int ret = xsplit_bdf_parse_list(list, strlen(list), pcibk_slot_add_cb,
					NULL);

	return ret < 0 ? ret : 0;
}

/*
 * hide= cannot take a function away from a driver that already has it; say
 * so instead of leaving the administrator to wonder.
 */
void pcibk_slots_report_bound(void)
{
	char name[XSPLIT_BDF_STR_SIZE];
	struct pcibk_slot *slot;
	struct pci_dev *pdev;

	mutex_lock(&pcibk_lock);
	list_for_each_entry(slot, &pcibk_slots, node) {
		xsplit_bdf_format(&slot->bdf, name, sizeof(name));
		pdev = pci_get_domain_bus_and_slot(slot->bdf.domain,
						   slot->bdf.bus,
						   slot->bdf.devfn);
		if (!pdev)
			pr_notice("hide: no PCI function %s\n", name);
		else if (pdev->dev.driver &&
			 pdev->dev.driver != &pcibk_driver.driver)
			pr_notice("hide: %s is bound to %s; unbind it (or use xl pci-assignable-add) to hand it over\n",
				  name, pdev->dev.driver->name);
		pci_dev_put(pdev);
	}
	mutex_unlock(&pcibk_lock);
}

static bool pcibk_wanted(struct pci_dev *pdev)
{
	struct xsplit_bdf bdf;
	bool found;

	/* The core only offers us an overridden device if it names us. */
	if (pdev->driver_override)
		return true;

	pcibk_bdf_of(pdev, &bdf);
	mutex_lock(&pcibk_lock);
	found = pcibk_slot_find(&bdf);
	mutex_unlock(&pcibk_lock);
	return found;
}

static bool pcibk_msix_masked(struct pci_dev *pdev, u16 *ctl)
{
	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, ctl);
	return *ctl & PCI_MSIX_FLAGS_MASKALL;
}

/*
 * Xen will not assign a function whose MSI-X is masked as a whole, which
 * a failed MSI-X setup leaves it (Xen then keeps the bit set against our
 * writes). A real reset clears it, but not every reset method is real:
 * QEMU ignores D3hot->D0, the one the PCI core picks for an e1000e. When
 * the function is alone on its bus, a secondary bus reset is real.
 */
static void pcibk_msix_to_reset_state(struct pci_dev *pdev, bool dev_locked)
{
	u16 ctl;
	int ret;

	if (!pdev->msix_cap || pdev->msix_enabled ||
	    !pcibk_msix_masked(pdev, &ctl))
		return;
	/* pci_reset_bus() takes the device lock itself. */
	if (dev_locked || !list_is_singular(&pdev->bus->devices)) {
		ret = -EBUSY;
	} else {
		ret = pci_reset_bus(pdev);
		if (!ret && !pcibk_msix_masked(pdev, &ctl)) {
			dev_info(&pdev->dev, "reset left MSI-X masked: bus reset cleared it\n");
			return;
		}
	}
	dev_notice(&pdev->dev, "MSI-X control 0x%04x is still masked (%pe): Xen will refuse to assign it until it is reset\n",
		   ctl, ERR_PTR(ret));
}

/*
 * Stop what a previous owner may have left running and reset the function
 * where it has a reset method, so the guest starts from a known state and
 * dom0's driver cannot have DMA in flight into memory that changes hands.
 */
static void pcibk_quiesce(struct pci_dev *pdev, bool dev_locked)
{
	int ret;

	pci_clear_master(pdev);
	/* From probe/remove the driver core holds the device lock already. */
	ret = dev_locked ? pci_reset_function_locked(pdev) :
			   pci_reset_function(pdev);
	if (ret)
		dev_info(&pdev->dev, "cannot reset (%pe): bus mastering off only\n",
			 ERR_PTR(ret));
	else
		dev_info(&pdev->dev, "reset\n");
	pcibk_msix_to_reset_state(pdev, dev_locked);
}

/*
 * Tell Xen where the function's MSI-X table is before a guest can map its
 * BARs (@prepare), and that dom0 has it back (!@prepare). Only then can
 * Xen set MSI-X up on a guest's behalf: PHYSDEVOP_map_pirq for a function
 * another domain owns finds no table otherwise (-ENODATA). Xen also keeps
 * the table pages read-only to guests from here on.
 */
static void pcibk_msix_announce(struct pci_dev *pdev, bool prepare)
{
	struct physdev_pci_device ppdev = {
		.seg = pci_domain_nr(pdev->bus),
		.bus = pdev->bus->number,
		.devfn = pdev->devfn,
	};
	int ret;

	if (!pdev->msix_cap || !xen_initial_domain())
		return;
	ret = HYPERVISOR_physdev_op(prepare ? PHYSDEVOP_prepare_msix :
					      PHYSDEVOP_release_msix, &ppdev);
	if (ret && ret != -ENOSYS)
		dev_warn(&pdev->dev, "Xen refused to %s its MSI-X (%d)%s\n",
			 prepare ? "prepare" : "release", ret,
			 prepare ? ": guests will not get MSI-X" : "");
}

static void pcibk_free(struct pcibk_dev *pd)
{
	kfree(pd->saved);
	pci_dev_put(pd->pdev);
	kfree(pd);
}

/*
 * The state the next guest must find, kept outside the pci_dev: the core's
 * own saved state is overwritten by every reset.
 */
static int pcibk_save(struct pcibk_dev *pd)
{
	pci_save_state(pd->pdev);
	pd->saved = pci_store_saved_state(pd->pdev);
	return pd->saved ? 0 : -ENOMEM;
}

void pcibk_restore(struct pcibk_dev *pd)
{
	if (!pci_load_saved_state(pd->pdev, pd->saved))
		pci_restore_state(pd->pdev);
}

static int pcibk_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct pcibk_dev *pd;
	int ret;

	if (!pcibk_wanted(pdev))
		return -ENODEV;

	/* Bridges would hand the guest every function behind them. */
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		dev_notice(&pdev->dev, "not seized: header type %u is not an endpoint\n",
			   pdev->hdr_type);
		return -ENODEV;
	}

	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;
	pd->pdev = pci_dev_get(pdev);

	/*
	 * Enabling makes the platform route the function's INTx to its real
	 * GSI, which is the number libxl reads from sysfs and grants the
	 * guest; it stays enabled while we hold the function.
	 */
	ret = pci_enable_device(pdev);
	if (ret) {
		dev_notice(&pdev->dev, "not seized: cannot enable (%pe)\n",
			   ERR_PTR(ret));
		pcibk_free(pd);
		return ret;
	}
	/* Needs memory decoding on and MSI-X unused: dom0's driver is gone. */
	pcibk_msix_announce(pdev, true);
	pcibk_quiesce(pdev, true);
	ret = pcibk_save(pd);
	if (ret) {
		pcibk_msix_announce(pdev, false);
		pci_disable_device(pdev);
		pcibk_free(pd);
		return ret;
	}
	pci_set_drvdata(pdev, pd);

	mutex_lock(&pcibk_lock);
	list_add_tail(&pd->node, &pcibk_devs);
	mutex_unlock(&pcibk_lock);

	dev_info(&pdev->dev, "seized for passthrough\n");
	return 0;
}

static struct pcibk_dev *pcibk_dev_find(const struct xsplit_bdf *bdf)
{
	struct xsplit_bdf cur;
	struct pcibk_dev *pd;

	lockdep_assert_held(&pcibk_lock);
	list_for_each_entry(pd, &pcibk_devs, node) {
		pcibk_bdf_of(pd->pdev, &cur);
		if (pcibk_bdf_equal(&cur, bdf))
			return pd;
	}
	return NULL;
}

/*
 * Unbinding a function a guest still has cannot be refused (the driver
 * core does not ask); the guest keeps its mappings until the toolstack
 * detaches it, so the function is only reset when that happens, and its
 * pcibk_dev lives until then.
 */
static void pcibk_remove(struct pci_dev *pdev)
{
	struct pcibk_dev *pd = pci_get_drvdata(pdev);
	int domid = -1;

	mutex_lock(&pcibk_lock);
	list_del(&pd->node);
	if (pd->owner)
		domid = pd->owner->xdev->otherend_id;
	pd->removed = true;
	mutex_unlock(&pcibk_lock);
	pci_set_drvdata(pdev, NULL);

	/* From here the guest's release may free pd at any moment. */
	if (domid >= 0) {
		dev_warn(&pdev->dev, "unbound from pciback while domain %d has it: detach it from the guest\n",
			 domid);
		return;
	}
	/* Whatever a guest did, the next owner gets the state we found. */
	pcibk_quiesce(pdev, true);
	pcibk_restore(pd);
	pcibk_msix_announce(pdev, false);
	pci_disable_device(pdev);
	pcibk_free(pd);
	dev_info(&pdev->dev, "released\n");
}

/*
 * Give a seized function to @owner. -ENODEV if pciback does not hold it,
 * -EBUSY if a guest already has it.
 */
struct pcibk_dev *pcibk_claim(const struct xsplit_bdf *bdf,
			      struct pcibk_xdev *owner)
{
	struct pcibk_dev *pd;

	mutex_lock(&pcibk_lock);
	pd = pcibk_dev_find(bdf);
	if (!pd)
		pd = ERR_PTR(-ENODEV);
	else if (pd->owner)
		pd = ERR_PTR(-EBUSY);
	else
		pd->owner = owner;
	mutex_unlock(&pcibk_lock);
	return pd;
}

/* The connection that has @pd's function, held; NULL if none has it. */
struct pcibk_xdev *pcibk_owner_get(struct pcibk_dev *pd)
{
	struct pcibk_xdev *px;

	mutex_lock(&pcibk_lock);
	px = pd->owner;
	if (px)
		kref_get(&px->ref);
	mutex_unlock(&pcibk_lock);
	return px;
}

/*
 * Take a function back from its guest: whatever the guest left running
 * is stopped and the function reset and restored, ready for the next one.
 */
void pcibk_release(struct pcibk_dev *pd)
{
	struct pci_dev *pdev = pd->pdev;
	bool removed;

	pcibk_quiesce(pdev, false);
	pcibk_restore(pd);

	mutex_lock(&pcibk_lock);
	pd->owner = NULL;
	removed = pd->removed;
	mutex_unlock(&pcibk_lock);

	if (removed) {
		pcibk_msix_announce(pdev, false);
		pci_disable_device(pdev);
		pcibk_free(pd);
	}
}

static ssize_t new_slot_store(struct device_driver *drv, const char *buf,
			      size_t count)
{
	struct xsplit_bdf bdf;
	int ret;

	ret = pcibk_parse_bdf(buf, count, &bdf);
	if (!ret)
		ret = pcibk_slot_add(&bdf);
	return ret ?: count;
}
static DRIVER_ATTR_WO(new_slot);

static ssize_t remove_slot_store(struct device_driver *drv, const char *buf,
				 size_t count)
{
	struct pcibk_slot *slot;
	struct xsplit_bdf bdf;
	int ret;

	ret = pcibk_parse_bdf(buf, count, &bdf);
	if (ret)
		return ret;

	mutex_lock(&pcibk_lock);
	slot = pcibk_slot_find(&bdf);
	if (slot) {
		list_del(&slot->node);
		kfree(slot);
	}
	mutex_unlock(&pcibk_lock);
	return slot ? count : -ENOENT;
}
static DRIVER_ATTR_WO(remove_slot);

static ssize_t slots_show(struct device_driver *drv, char *buf)
{
	char name[XSPLIT_BDF_STR_SIZE];
	struct pcibk_slot *slot;
	ssize_t len = 0;

	mutex_lock(&pcibk_lock);
	list_for_each_entry(slot, &pcibk_slots, node) {
		xsplit_bdf_format(&slot->bdf, name, sizeof(name));
		len += sysfs_emit_at(buf, len, "%s\n", name);
	}
	mutex_unlock(&pcibk_lock);
	return len;
}
static DRIVER_ATTR_RO(slots);

/*
 * Writing a seized function's address lets its guest write config space
 * the backend does not know to be safe.  Only the administrator can do it,
 * and the kernel log keeps a record.
 */
static ssize_t permissive_store(struct device_driver *drv, const char *buf,
				size_t count)
{
	struct pcibk_dev *pd;
	struct xsplit_bdf bdf;
	int ret;

	ret = pcibk_parse_bdf(buf, count, &bdf);
	if (ret)
		return ret;

	mutex_lock(&pcibk_lock);
	pd = pcibk_dev_find(&bdf);
	if (pd && !pd->permissive) {
		pd->permissive = true;
		dev_notice(&pd->pdev->dev, "permissive: its guest's config writes will not be filtered\n");
	}
	mutex_unlock(&pcibk_lock);
	return pd ? count : -ENODEV;
}

static ssize_t permissive_show(struct device_driver *drv, char *buf)
{
	struct pcibk_dev *pd;
	ssize_t len = 0;

	mutex_lock(&pcibk_lock);
	list_for_each_entry(pd, &pcibk_devs, node)
		if (pd->permissive)
			len += sysfs_emit_at(buf, len, "%s\n",
					     pci_name(pd->pdev));
	mutex_unlock(&pcibk_lock);
	return len;
}
static DRIVER_ATTR_RW(permissive);

/*
 * "DDDD:BB:DD.F-REG:SIZE:MASK" (hex): let the guests of a seized function
 * write (and read from the device) the MASK bits of the SIZE-byte register
 * at REG, for drivers that need a register the config rules refuse. Takes
 * effect for the next guest the function is given to; the engine refuses
 * quirks over BARs and MSI/MSI-X (logged at that point).
 */
static int pcibk_parse_quirk(const char *buf, size_t count,
			     struct xsplit_bdf *bdf,
			     struct xsplit_pcicfg_quirk *q)
{
	const char *dash = memchr(buf, '-', count);
	unsigned int reg, size, mask;
	char tail[40];
	size_t n;

	if (!dash || xsplit_bdf_parse(buf, dash - buf, bdf))
		return -EINVAL;
	n = count - (dash + 1 - buf);
	if (n && dash[n] == '\n')
		n--;
	if (!n || n >= sizeof(tail))
		return -EINVAL;
	memcpy(tail, dash + 1, n);
	tail[n] = 0;
	if (sscanf(tail, "%x:%x:%x", &reg, &size, &mask) != 3)
		return -EINVAL;
	if ((size != 1 && size != 2 && size != 4) || reg & (size - 1) ||
	    reg >= PCI_CFG_SPACE_EXP_SIZE || !mask ||
	    (size < 4 && mask >> (8 * size)))
		return -EINVAL;
	q->off = reg;
	q->size = size;
	q->mask = mask;
	return 0;
}

static ssize_t quirks_store(struct device_driver *drv, const char *buf,
			    size_t count)
{
	struct xsplit_pcicfg_quirk q;
	struct pcibk_dev *pd;
	struct xsplit_bdf bdf;
	int ret;

	ret = pcibk_parse_quirk(buf, count, &bdf, &q);
	if (ret)
		return ret;

	mutex_lock(&pcibk_lock);
	pd = pcibk_dev_find(&bdf);
	if (!pd)
		ret = -ENODEV;
	else if (pd->nr_quirks == XSPLIT_PCICFG_MAX_QUIRKS)
		ret = -ENOSPC;
	else
		pd->quirks[pd->nr_quirks++] = q;
	mutex_unlock(&pcibk_lock);
	if (!ret)
		dev_notice(&pd->pdev->dev, "quirk: guests may write mask 0x%x of the %u-byte register at 0x%x\n",
			   q.mask, q.size, q.off);
	return ret ?: count;
}

static ssize_t quirks_show(struct device_driver *drv, char *buf)
{
	struct pcibk_dev *pd;
	ssize_t len = 0;
	unsigned int i;

	mutex_lock(&pcibk_lock);
	list_for_each_entry(pd, &pcibk_devs, node)
		for (i = 0; i < pd->nr_quirks; i++)
			len += sysfs_emit_at(buf, len, "%s-%x:%x:%x\n",
					     pci_name(pd->pdev),
					     pd->quirks[i].off,
					     pd->quirks[i].size,
					     pd->quirks[i].mask);
	mutex_unlock(&pcibk_lock);
	return len;
}
static DRIVER_ATTR_RW(quirks);

/* The function's quirks as they are now, for its next guest. */
unsigned int pcibk_quirks_copy(struct pcibk_dev *pd,
			       struct xsplit_pcicfg_quirk *out)
{
	unsigned int n;

	mutex_lock(&pcibk_lock);
	n = pd->nr_quirks;
	memcpy(out, pd->quirks, n * sizeof(*out));
	mutex_unlock(&pcibk_lock);
	return n;
}

/*
 * libxl resets a function through this file before giving it to a guest.
 * The reset runs under the device lock, and only while the function is
 * still ours: a concurrent unbind must not let us reset another driver's
 * device.
 */
static ssize_t do_flr_store(struct device_driver *drv, const char *buf,
			    size_t count)
{
	struct pci_dev *pdev;
	struct xsplit_bdf bdf;
	int ret;

	ret = pcibk_parse_bdf(buf, count, &bdf);
	if (ret)
		return ret;

	pdev = pci_get_domain_bus_and_slot(bdf.domain, bdf.bus, bdf.devfn);
	if (!pdev)
		return -ENODEV;

	device_lock(&pdev->dev);
	if (pdev->dev.driver == &pcibk_driver.driver)
		ret = pci_reset_function_locked(pdev);
	else
		ret = -EPERM;
	device_unlock(&pdev->dev);

	if (ret)
		dev_info(&pdev->dev, "do_flr: reset failed (%pe)\n", ERR_PTR(ret));
	pci_dev_put(pdev);
	return ret ?: count;
}
static DRIVER_ATTR_WO(do_flr);

/*
 * Per function, under /sys/bus/pci/devices/BDF/ while pciback holds it:
 * which guest has it and what that guest has done with it.
 */
static ssize_t xsplit_guest_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct pcibk_dev *pd = dev_get_drvdata(dev);
	ssize_t len;

	mutex_lock(&pcibk_lock);
	if (pd->owner)
		len = sysfs_emit(buf, "domain %d as %04x:%02x:%02x.%u\n",
				 pd->owner->xdev->otherend_id, pd->vaddr.domain,
				 pd->vaddr.bus, PCI_SLOT(pd->vaddr.devfn),
				 PCI_FUNC(pd->vaddr.devfn));
	else
		len = sysfs_emit(buf, "none\n");
	mutex_unlock(&pcibk_lock);
	return len;
}
static DEVICE_ATTR_RO(xsplit_guest);

static ssize_t xsplit_stats_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct pcibk_dev *pd = dev_get_drvdata(dev);
	const struct pcibk_stats *st = &pd->stats;

	/* Counters of a live guest move under us; each is read once. */
	return sysfs_emit(buf, "conf_reads %llu\nconf_writes %llu\ndropped_writes %llu\nmsi_ops %llu\nbad_ops %llu\naer_relayed %llu\naer_failed %llu\n",
			  READ_ONCE(st->conf_reads), READ_ONCE(st->conf_writes),
			  READ_ONCE(st->dropped_writes), READ_ONCE(st->msi_ops),
			  READ_ONCE(st->bad_ops), READ_ONCE(st->aer_relayed),
			  READ_ONCE(st->aer_failed));
}
static DEVICE_ATTR_RO(xsplit_stats);

static struct attribute *pcibk_dev_attrs[] = {
	&dev_attr_xsplit_guest.attr,
	&dev_attr_xsplit_stats.attr,
	NULL,
};
ATTRIBUTE_GROUPS(pcibk_dev);

static struct attribute *pcibk_attrs[] = {
	&driver_attr_new_slot.attr,
	&driver_attr_remove_slot.attr,
	&driver_attr_slots.attr,
	&driver_attr_permissive.attr,
	&driver_attr_do_flr.attr,
	&driver_attr_quirks.attr,
	NULL,
};
ATTRIBUTE_GROUPS(pcibk);

/*
 * Match everything and decide in probe: which functions are wanted is a
 * run-time list, not a table.  No MODULE_DEVICE_TABLE, so loading this
 * module is never triggered by a device appearing.
 */
static const struct pci_device_id pcibk_ids[] = {
	{ PCI_DEVICE(PCI_ANY_ID, PCI_ANY_ID) },
	{ }
};

static struct pci_driver pcibk_driver = {
	.name = PCIBK_DRIVER_NAME,
	.id_table = pcibk_ids,
	.probe = pcibk_probe,
	.remove = pcibk_remove,
	.err_handler = &pcibk_err_handlers,
	.groups = pcibk_groups,
	.dev_groups = pcibk_dev_groups,
};

int pcibk_driver_register(void)
{
	return pci_register_driver(&pcibk_driver);
}

/* Unregistering releases every seized function through remove. */
void pcibk_driver_unregister(void)
{
	pci_unregister_driver(&pcibk_driver);
}

void pcibk_slots_free(void)
{
	struct pcibk_slot *slot, *next;

	mutex_lock(&pcibk_lock);
	list_for_each_entry_safe(slot, next, &pcibk_slots, node) {
		list_del(&slot->node);
		kfree(slot);
	}
	mutex_unlock(&pcibk_lock);
}
