// SPDX-License-Identifier: GPL-2.0
/*
 * The xenbus "pci" backend: one per guest, carrying every function the
 * toolstack gives that guest.
 *
 * libxl writes, under our backend node, num_devs and for each N dev-N (the
 * host address), opts-N and state-N (1 Initialising: to add; 5 Closing:
 * to remove). We answer with vdev-N (the address the guest will use),
 * state-N = 3, and root_num/root-N (the root buses the guest must scan).
 * For a running guest libxl sets our state to Reconfiguring; pcifront
 * follows, we apply the change, go to Reconfigured, pcifront rescans and
 * connects, and we go back to Connected, which is what libxl waits for.
 * libxl renumbers the N of the remaining devices after a removal, so an
 * export is known by its host address, never by N.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/pci.h>
#include <xen/pci.h>
#include <xen/interface/io/pciif.h>
#include <xen/xenbus.h>
#include <xsplit/pci_opts.h>
#include <xsplit/vpci.h>

#include "pciback.h"

bool pcibk_passthrough;
module_param_named(passthrough, pcibk_passthrough, bool, 0444);
MODULE_PARM_DESC(passthrough,
		 "Guests see their functions at the host's addresses (1) rather than on one virtual bus 0000:00 (0, default)");

/* The most dev-N entries we look at: a virtual bus has 32 x 8 functions. */
#define PCIBK_MAX_DEVS		(XSPLIT_VPCI_SLOTS * 8)

static int pcibk_read_bdf(struct pcibk_xdev *px, const char *key,
			  struct xsplit_bdf *bdf)
{
	char *s = xenbus_read(XBT_NIL, px->xdev->nodename, key, NULL);
	int ret;

	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = xsplit_bdf_parse(s, strlen(s), bdf);
	kfree(s);
	return ret;
}

/* Absent opts-N is fine (older toolstacks): every option off. */
static int pcibk_read_opts(struct pcibk_xdev *px, unsigned int n,
			   struct xsplit_pci_opts *opts)
{
	char key[16], *s;
	int ret;

	snprintf(key, sizeof(key), "opts-%u", n);
	s = xenbus_read(XBT_NIL, px->xdev->nodename, key, NULL);
	if (IS_ERR(s)) {
		memset(opts, 0, sizeof(*opts));
		return PTR_ERR(s) == -ENOENT ? 0 : PTR_ERR(s);
	}
	ret = xsplit_pci_opts_parse(s, strlen(s), opts);
	if (ret)
		dev_warn(&px->xdev->dev, "%s \"%s\" is not a list of options\n",
			 key, s);
	kfree(s);
	return ret;
}

static struct pcibk_export *pcibk_export_of(struct pcibk_xdev *px,
					    const struct xsplit_bdf *phys)
{
	struct pcibk_export *ex;

	list_for_each_entry(ex, &px->exports, node)
		if (ex->phys.domain == phys->domain &&
		    ex->phys.bus == phys->bus && ex->phys.devfn == phys->devfn)
			return ex;
	return NULL;
}

/*
 * The virtual address the guest will see @ex at: the host's in passthrough
 * mode, else a slot of bus 0000:00, the one in vdevfn-N (@want_slot) if
 * the toolstack asked for one.
 */
static int pcibk_pick_vaddr(struct pcibk_xdev *px, struct pcibk_export *ex,
			    int want_slot)
{
	struct xsplit_vpci_ent *in_use;
	struct pcibk_export *cur;
	unsigned int n = 0;
	u8 vdevfn;
	int ret;

	if (pcibk_passthrough) {
		ex->vaddr = ex->phys;
		return 0;
	}
	in_use = kcalloc(PCIBK_MAX_DEVS, sizeof(*in_use), GFP_KERNEL);
	if (!in_use)
		return -ENOMEM;
	list_for_each_entry(cur, &px->exports, node) {
		in_use[n].phys = cur->phys;
		in_use[n].vdevfn = cur->vaddr.devfn;
		n++;
	}
	if (want_slot >= 0)
		ret = xsplit_vpci_place_at(in_use, n, &ex->phys, want_slot,
					   &vdevfn);
	else
		ret = xsplit_vpci_place(in_use, n, &ex->phys, &vdevfn);
	kfree(in_use);
	if (ret)
		return ret;
	ex->vaddr.domain = 0;
	ex->vaddr.bus = 0;
	ex->vaddr.devfn = vdevfn;
	return 0;
}

static void pcibk_unexport(struct pcibk_xdev *px, struct pcibk_export *ex)
{
	struct pci_dev *pdev = ex->pd->pdev;
	const struct pcibk_stats *st = &ex->pd->stats;

	list_del(&ex->node);
	pcibk_op_teardown(ex);
	xen_unregister_device_domain_owner(pdev);
	pcibk_conf_detach(ex);
	pci_info(pdev, "taken back from domain %d (%llu config reads, %llu writes, %llu refused in part, %llu bad ops)\n",
		 px->xdev->otherend_id, st->conf_reads, st->conf_writes,
		 st->dropped_writes, st->bad_ops);
	pcibk_release(ex->pd);
	kfree(ex);
}

static const char *pcibk_claim_hint(int err)
{
	if (err == -ENODEV)
		return "not held by pciback (xl pci-assignable-add it first)";
	if (err == -EBUSY)
		return "already given to another domain";
	return "cannot be claimed";
}

/*
 * vdevfn-N, hex as libxl writes it: the slot the administrator asked for
 * (xl's vslot=, splitctl's --vslot). Absent is -1. Passthrough mode keeps
 * the host's addresses, so there it is ignored.
 */
static int pcibk_read_want_slot(struct pcibk_xdev *px, unsigned int n,
				int *slot)
{
	unsigned int devfn;
	char key[16];
	int ret;

	*slot = -1;
	snprintf(key, sizeof(key), "vdevfn-%u", n);
	if (pcibk_passthrough ||
	    !xenbus_exists(XBT_NIL, px->xdev->nodename, key))
		return 0;
	ret = xenbus_scanf(XBT_NIL, px->xdev->nodename, key, "%x", &devfn);
	if (ret != 1 || devfn > 0xff)
		return -EINVAL;
	*slot = devfn >> 3;
	return 0;
}

/* Give the function of dev-N to the guest and answer with vdev-N. */
static int pcibk_export(struct pcibk_xdev *px, unsigned int n,
			const struct xsplit_bdf *phys)
{
	struct xenbus_device *xdev = px->xdev;
	struct xsplit_pci_opts opts;
	struct pcibk_export *ex;
	struct pcibk_dev *pd;
	char key[16], name[XSPLIT_BDF_STR_SIZE];
	int want_slot = -1;
	int ret;

	xsplit_bdf_format(phys, name, sizeof(name));
	ret = pcibk_read_opts(px, n, &opts);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "opts-%u of %s", n, name);
		return ret;
	}

	ex = kzalloc(sizeof(*ex), GFP_KERNEL);
	if (!ex)
		return -ENOMEM;
	ex->phys = *phys;

	pd = pcibk_claim(phys, px);
	if (IS_ERR(pd)) {
		ret = PTR_ERR(pd);
		xenbus_dev_fatal(xdev, ret, "PCI function %s %s", name,
				 pcibk_claim_hint(ret));
		kfree(ex);
		return ret;
	}
	ex->pd = pd;
	if (opts.permissive || pd->permissive)
		ex->flags |= XSPLIT_PCICFG_PERMISSIVE;
	if (opts.power_mgmt)
		ex->flags |= XSPLIT_PCICFG_POWER_MGMT;

	ret = pcibk_check_bar_pages(pd->pdev);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "%s shares a page with another device", name);
		goto release;
	}
	ret = pcibk_read_want_slot(px, n, &want_slot);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "vdevfn-%u of %s is not a devfn",
				 n, name);
		goto release;
	}
	ret = pcibk_pick_vaddr(px, ex, want_slot);
	if (ret) {
		if (want_slot >= 0)
			xenbus_dev_fatal(xdev, ret, "virtual slot %d for %s",
					 want_slot, name);
		else
			xenbus_dev_fatal(xdev, ret,
					 "no virtual slot left for %s", name);
		goto release;
	}
	ret = pcibk_conf_attach(ex);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "config space of %s", name);
		goto release;
	}

	/* Dom0's MSI setup for the function then maps PIRQs into the guest. */
	if (xen_register_device_domain_owner(pd->pdev, xdev->otherend_id)) {
		pci_warn(pd->pdev, "was registered to domain %d, now %d\n",
			 xen_find_device_domain_owner(pd->pdev),
			 xdev->otherend_id);
		xen_unregister_device_domain_owner(pd->pdev);
		xen_register_device_domain_owner(pd->pdev, xdev->otherend_id);
	}
	list_add_tail(&ex->node, &px->exports);
	pd->vaddr = ex->vaddr;
	memset(&pd->stats, 0, sizeof(pd->stats));

	/* The frontend parses vdev-N with %x; the two-digit function is usage. */
	snprintf(key, sizeof(key), "vdev-%u", n);
	ret = xenbus_printf(XBT_NIL, xdev->nodename, key, "%04x:%02x:%02x.%02x",
			    ex->vaddr.domain, ex->vaddr.bus,
			    PCI_SLOT(ex->vaddr.devfn), PCI_FUNC(ex->vaddr.devfn));
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "writing %s", key);
		pcibk_unexport(px, ex);
		return ret;
	}
	pci_info(pd->pdev, "given to domain %d as %04x:%02x:%02x.%u%s%s\n",
		 xdev->otherend_id, ex->vaddr.domain, ex->vaddr.bus,
		 PCI_SLOT(ex->vaddr.devfn), PCI_FUNC(ex->vaddr.devfn),
		 ex->flags & XSPLIT_PCICFG_PERMISSIVE ? ", permissive" : "",
		 ex->flags & XSPLIT_PCICFG_POWER_MGMT ? ", power_mgmt" : "");
	return 0;

release:
	pcibk_release(pd);
	kfree(ex);
	return ret;
}

/* Root buses the frontend must scan: appended, never renumbered. */
static int pcibk_publish_roots(struct pcibk_xdev *px)
{
	const char *node = px->xdev->nodename;
	struct pcibk_export *ex;
	unsigned int nr, i, d, b;
	char key[16];
	bool found;
	int ret;

	nr = xenbus_read_unsigned(node, "root_num", 0);
	list_for_each_entry(ex, &px->exports, node) {
		found = false;
		for (i = 0; i < nr && !found; i++) {
			snprintf(key, sizeof(key), "root-%u", i);
			if (xenbus_scanf(XBT_NIL, node, key, "%x:%x", &d, &b) == 2)
				found = d == ex->vaddr.domain && b == ex->vaddr.bus;
		}
		if (found)
			continue;
		snprintf(key, sizeof(key), "root-%u", nr);
		ret = xenbus_printf(XBT_NIL, node, key, "%04x:%02x",
				    ex->vaddr.domain, ex->vaddr.bus);
		if (!ret)
			ret = xenbus_printf(XBT_NIL, node, "root_num", "%u",
					    nr + 1);
		if (ret)
			return ret;
		nr++;
	}
	return 0;
}

static int pcibk_set_substate(struct pcibk_xdev *px, unsigned int n,
			      enum xenbus_state state)
{
	char key[16];

	snprintf(key, sizeof(key), "state-%u", n);
	return xenbus_printf(XBT_NIL, px->xdev->nodename, key, "%d", state);
}

/*
 * Bring our exports in line with what the toolstack wrote: add what is
 * Initialising, remove what is Closing. Safe to repeat: libxl may add
 * devices of a new guest in several transactions, so this runs again
 * when the frontend connects.
 */
static int pcibk_sync_devices(struct pcibk_xdev *px)
{
	struct xenbus_device *xdev = px->xdev;
	struct xsplit_bdf phys;
	struct pcibk_export *ex;
	unsigned int num, n, sub;
	char key[16];
	int ret;

	lockdep_assert_held(&px->lock);
	ret = xenbus_scanf(XBT_NIL, xdev->nodename, "num_devs", "%u", &num);
	if (ret != 1) {
		xenbus_dev_fatal(xdev, ret < 0 ? ret : -EINVAL, "reading num_devs");
		return ret < 0 ? ret : -EINVAL;
	}
	if (num > PCIBK_MAX_DEVS) {
		xenbus_dev_fatal(xdev, -E2BIG, "num_devs %u is above %u", num,
				 PCIBK_MAX_DEVS);
		return -E2BIG;
	}

	for (n = 0; n < num; n++) {
		snprintf(key, sizeof(key), "state-%u", n);
		sub = xenbus_read_unsigned(xdev->nodename, key,
					   XenbusStateInitialising);
		snprintf(key, sizeof(key), "dev-%u", n);
		ret = pcibk_read_bdf(px, key, &phys);
		if (ret) {
			xenbus_dev_fatal(xdev, ret, "%s is not a PCI address", key);
			return ret;
		}
		ex = pcibk_export_of(px, &phys);

		switch (sub) {
		case XenbusStateInitialising:
			if (!ex) {
				ret = pcibk_export(px, n, &phys);
				if (ret)
					return ret;
			}
			ret = pcibk_set_substate(px, n, XenbusStateInitialised);
			if (ret)
				return ret;
			break;
		case XenbusStateClosing:
			/* Left as is: libxl deletes the entry when we are done. */
			if (ex)
				pcibk_unexport(px, ex);
			break;
		default:
			break;
		}
	}
	return pcibk_publish_roots(px);
}

/* InitWait, and the toolstack has written the devices: set them up. */
static void pcibk_setup(struct pcibk_xdev *px)
{
	mutex_lock(&px->lock);
	if (xenbus_read_driver_state(px->xdev->nodename) == XenbusStateInitWait &&
	    xenbus_exists(XBT_NIL, px->xdev->nodename, "num_devs") &&
	    !pcibk_sync_devices(px))
		xenbus_switch_state(px->xdev, XenbusStateInitialised);
	mutex_unlock(&px->lock);
}

/* Both ends Initialised: map the shared page and bind the event channel. */
static void pcibk_connect(struct pcibk_xdev *px)
{
	struct xenbus_device *xdev = px->xdev;
	evtchn_port_t port;
	grant_ref_t ref;
	char *magic;
	int ret;

	mutex_lock(&px->lock);
	if (xenbus_read_driver_state(xdev->nodename) != XenbusStateInitialised ||
	    xenbus_read_driver_state(xdev->otherend) != XenbusStateInitialised ||
	    px->chan.ring)
		goto out;

	magic = xenbus_read(XBT_NIL, xdev->otherend, "magic", NULL);
	if (IS_ERR(magic) || strcmp(magic, XEN_PCI_MAGIC)) {
		xenbus_dev_fatal(xdev, -EPROTO, "frontend magic \"%s\", we speak \"%s\"",
				 IS_ERR(magic) ? "" : magic, XEN_PCI_MAGIC);
		if (!IS_ERR(magic))
			kfree(magic);
		goto out;
	}
	kfree(magic);

	ret = xsplit_be_read_frontend(xdev, "pci-op-ref", 1, &ref, &port);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "reading pci-op-ref and event-channel");
		goto out;
	}
	/* Devices libxl added after we set up. */
	if (pcibk_sync_devices(px))
		goto out;
	if (xsplit_be_chan_connect(xdev, &px->chan, &ref, 1, port,
				   pcibk_handle_event, "xsplit-pciback", px))
		goto out;
	pcibk_aer_connected(px);
	xenbus_switch_state(xdev, XenbusStateConnected);
	dev_info(&xdev->dev, "connected to domain %d\n", xdev->otherend_id);
out:
	mutex_unlock(&px->lock);
}

/* Stop answering ops; the exports stay until the device goes away. */
static void pcibk_disconnect(struct pcibk_xdev *px)
{
	/*
	 * Not under px->lock: a relay runs under the function's device
	 * lock, which detach takes while holding px->lock.
	 */
	pcibk_aer_disconnect(px);
	mutex_lock(&px->lock);
	if (px->chan.ring)
		dev_info(&px->xdev->dev, "disconnected from domain %d: %llu ops, %llu refused, %llu events without an op\n",
			 px->xdev->otherend_id, px->ops, px->bad_ops,
			 px->spurious_events);
	xsplit_be_chan_disconnect(px->xdev, &px->chan, px);
	mutex_unlock(&px->lock);
	/* An op already queued finds no page and does nothing. */
	flush_work(&px->op_work);
}

/* The frontend followed our Reconfiguring: apply libxl's change. */
static void pcibk_reconfigure(struct pcibk_xdev *px)
{
	mutex_lock(&px->lock);
	if (xenbus_read_driver_state(px->xdev->nodename) ==
	    XenbusStateReconfiguring && !pcibk_sync_devices(px))
		xenbus_switch_state(px->xdev, XenbusStateReconfigured);
	mutex_unlock(&px->lock);
}

static void pcibk_be_watch(struct xenbus_watch *watch, const char *path,
			   const char *token)
{
	struct pcibk_xdev *px = container_of(watch, struct pcibk_xdev, be_watch);

	pcibk_setup(px);
	pcibk_connect(px);
}

static void pcibk_frontend_changed(struct xenbus_device *xdev,
				   enum xenbus_state fe_state)
{
	struct pcibk_xdev *px = dev_get_drvdata(&xdev->dev);

	switch (fe_state) {
	case XenbusStateInitialised:
		pcibk_connect(px);
		break;
	case XenbusStateReconfiguring:
		pcibk_reconfigure(px);
		break;
	case XenbusStateConnected:
		/* pcifront rescanned after Reconfigured: done. */
		if (xenbus_read_driver_state(xdev->nodename) ==
		    XenbusStateReconfigured)
			xenbus_switch_state(xdev, XenbusStateConnected);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
	case XenbusStateUnknown:
		pcibk_disconnect(px);
		if (xsplit_be_follow_close(xdev, fe_state))
			device_unregister(&xdev->dev);
		break;
	default:
		break;
	}
}

static int pcibk_xb_probe(struct xenbus_device *xdev,
		       const struct xenbus_device_id *id)
{
	struct pcibk_xdev *px;
	int ret;

	px = kzalloc(sizeof(*px), GFP_KERNEL);
	if (!px)
		return -ENOMEM;
	px->xdev = xdev;
	kref_init(&px->ref);
	mutex_init(&px->lock);
	mutex_init(&px->aer_lock);
	init_waitqueue_head(&px->aer_wq);
	INIT_LIST_HEAD(&px->exports);
	INIT_WORK(&px->op_work, pcibk_do_op);
	ratelimit_default_init(&px->log_rs);
	/* Suppressed lines are counted in sysfs, not announced as warnings. */
	ratelimit_set_flags(&px->log_rs, RATELIMIT_MSG_ON_RELEASE);
	dev_set_drvdata(&xdev->dev, px);

	ret = xenbus_switch_state(xdev, XenbusStateInitWait);
	if (ret)
		goto fail;
	ret = xenbus_watch_pathfmt(xdev, &px->be_watch, NULL, pcibk_be_watch,
				   "%s", xdev->nodename);
	if (ret)
		goto fail;
	px->be_watching = true;
	/* A watch fires once when set, which runs the set-up if it is due. */
	return 0;

fail:
	dev_set_drvdata(&xdev->dev, NULL);
	kfree(px);
	return ret;
}

static void pcibk_xb_remove(struct xenbus_device *xdev)
{
	struct pcibk_xdev *px = dev_get_drvdata(&xdev->dev);
	struct pcibk_export *ex, *next;

	if (px->be_watching) {
		unregister_xenbus_watch(&px->be_watch);
		kfree(px->be_watch.node);
	}
	pcibk_disconnect(px);

	mutex_lock(&px->lock);
	list_for_each_entry_safe(ex, next, &px->exports, node)
		pcibk_unexport(px, ex);
	mutex_unlock(&px->lock);

	dev_set_drvdata(&xdev->dev, NULL);
	pcibk_xdev_put(px);
}

static void pcibk_xdev_free(struct kref *ref)
{
	kfree(container_of(ref, struct pcibk_xdev, ref));
}

void pcibk_xdev_put(struct pcibk_xdev *px)
{
	kref_put(&px->ref, pcibk_xdev_free);
}

static const struct xenbus_device_id pcibk_xenbus_ids[] = {
	{ "pci" },
	{ "" }
};

static struct xenbus_driver pcibk_xenbus_driver = {
	.name = "xsplit-pciback",
	.ids = pcibk_xenbus_ids,
	.probe = pcibk_xb_probe,
	.remove = pcibk_xb_remove,
	.otherend_changed = pcibk_frontend_changed,
};

int pcibk_xenbus_register(void)
{
	return xenbus_register_backend(&pcibk_xenbus_driver);
}

void pcibk_xenbus_unregister(void)
{
	xenbus_unregister_driver(&pcibk_xenbus_driver);
}
