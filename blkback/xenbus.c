// SPDX-License-Identifier: GPL-2.0
/*
 * The xenbus "vbd" backend: one per virtual disk the toolstack gives a
 * guest.
 *
 * libxl creates our node with "params", "mode" ("r" or "w") and
 * "device-type"; its hotplug script then writes "physical-device"
 * (major:minor in hex), which is when we open the disk. The frontend
 * publishes "ring-ref", "event-channel" and "protocol" and goes to
 * Initialised; we map the ring, tell it the disk's size and features and
 * go to Connected.
 *
 * We offer rings of up to 2^max_ring_page_order pages ("ring-page-order",
 * "ring-ref%u"), up to max_queues queues ("multi-queue-num-queues", each
 * queue's keys in "queue-N/"), indirect requests and, with
 * feature_persistent=1, persistent grants.
 * The ring may be in the native or the 32-bit x86 layout ("protocol").
 * Secure discard is offered where the device can erase securely.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <xen/interface/io/protocols.h>
#include <xen/xenbus.h>

#include "blkback.h"

static void xbb_close_bdev(struct xbb_vbd *vbd)
{
	if (vbd->bdev) {
		blkdev_put(vbd->bdev, vbd->mode);
		vbd->bdev = NULL;
	}
}

/* The disk properties the frontend is told, from the device itself. */
static void xbb_describe(struct xbb_vbd *vbd, bool readonly, bool cdrom)
{
	struct block_device *bdev = vbd->bdev;
	struct xsplit_blk_vbd *lim = &vbd->lim;

	lim->sectors = bdev_nr_sectors(bdev);
	lim->sector_size = bdev_logical_block_size(bdev);
	lim->readonly = readonly;
	/* No volatile cache: every write is stable, nothing to flush. */
	lim->flush = bdev_write_cache(bdev);
	lim->barrier = lim->flush;
	lim->discard = !readonly && bdev_max_discard_sectors(bdev);
	lim->secure_discard = lim->discard &&
			      bdev_max_secure_erase_sectors(bdev);
	lim->max_indirect_segs = xbb_max_indirect_segs;

	vbd->info = 0;
	if (readonly)
		vbd->info |= VDISK_READONLY;
	if (cdrom)
		vbd->info |= VDISK_CDROM;
	if (bdev->bd_disk->flags & GENHD_FL_REMOVABLE)
		vbd->info |= VDISK_REMOVABLE;
}

/* Open the disk the hotplug script named; 0 if it has not named one yet. */
static int xbb_open_bdev(struct xbb_vbd *vbd)
{
	struct xenbus_device *xdev = vbd->xdev;
	unsigned int major, minor;
	bool readonly, cdrom;
	struct block_device *bdev;
	char *s;
	int n;

	if (vbd->bdev)
		return 0;
	n = xenbus_scanf(XBT_NIL, xdev->nodename, "physical-device", "%x:%x",
			 &major, &minor);
	if (n != 2)
		return 0;	/* the watch fires again when it is written */
	if (MAJOR(MKDEV(major, minor)) != major ||
	    MINOR(MKDEV(major, minor)) != minor) {
		xenbus_dev_fatal(xdev, -EINVAL, "physical-device %x:%x out of range",
				 major, minor);
		return -EINVAL;
	}

	s = xenbus_read(XBT_NIL, xdev->nodename, "mode", NULL);
	/* Anything but an explicit "w" is read-only: fail safe. */
	readonly = IS_ERR(s) || !strchr(s, 'w');
	if (!IS_ERR(s))
		kfree(s);
	s = xenbus_read(XBT_NIL, xdev->nodename, "device-type", NULL);
	cdrom = !IS_ERR(s) && !strcmp(s, "cdrom");
	if (!IS_ERR(s))
		kfree(s);

	vbd->mode = readonly ? FMODE_READ : FMODE_READ | FMODE_WRITE;
	bdev = blkdev_get_by_dev(MKDEV(major, minor), vbd->mode, NULL);
	if (IS_ERR(bdev)) {
		xenbus_dev_fatal(xdev, PTR_ERR(bdev), "opening disk %x:%x",
				 major, minor);
		return PTR_ERR(bdev);
	}
	vbd->bdev = bdev;
	xbb_describe(vbd, readonly || bdev_read_only(bdev), cdrom);
	dev_info(&xdev->dev, "disk %pg (%llu sectors of 512 bytes%s) for domain %d\n",
		 bdev, vbd->lim.sectors, vbd->lim.readonly ? ", read-only" : "",
		 xdev->otherend_id);
	return 0;
}

/*
 * The ring layout the frontend uses: 0 native (also when it says nothing),
 * 1 x86_32-abi; anything else is refused.
 */
static int xbb_read_protocol(struct xbb_vbd *vbd)
{
	struct xenbus_device *xdev = vbd->xdev;
	char *proto;
	int ret;

	proto = xenbus_read(XBT_NIL, xdev->otherend, "protocol", NULL);
	if (IS_ERR(proto))
		return 0;
	if (!strcmp(proto, XEN_IO_PROTO_ABI_NATIVE)) {
		ret = 0;
	} else if (!strcmp(proto, XEN_IO_PROTO_ABI_X86_32)) {
		ret = 1;
	} else {
		xenbus_dev_fatal(xdev, -EPROTONOSUPPORT,
				 "ring protocol %s not supported (only %s and %s)",
				 proto, XEN_IO_PROTO_ABI_NATIVE,
				 XEN_IO_PROTO_ABI_X86_32);
		ret = -EPROTONOSUPPORT;
	}
	kfree(proto);
	return ret;
}

/* What blkfront reads once it sees us Connected. */
static int xbb_write_disk_info(struct xbb_vbd *vbd)
{
	struct xenbus_device *xdev = vbd->xdev;
	const struct xsplit_blk_vbd *lim = &vbd->lim;
	struct xenbus_transaction xbt;
	int ret;

again:
	ret = xenbus_transaction_start(&xbt);
	if (ret)
		return ret;
	ret = xenbus_printf(xbt, xdev->nodename, "feature-flush-cache", "%d",
			    lim->flush);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "feature-barrier",
				    "%d", lim->barrier);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "feature-discard",
				    "%d", lim->discard);
	if (!ret && lim->discard)
		ret = xenbus_printf(xbt, xdev->nodename, "discard-granularity",
				    "%u", bdev_discard_granularity(vbd->bdev));
	if (!ret && lim->discard)
		ret = xenbus_printf(xbt, xdev->nodename, "discard-alignment",
				    "%u", bdev_discard_alignment(vbd->bdev));
	if (!ret && lim->discard)
		ret = xenbus_printf(xbt, xdev->nodename, "discard-secure",
				    "%d", lim->secure_discard);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "feature-persistent",
				    "%d", xbb_feature_persistent);
	if (!ret && lim->max_indirect_segs)
		ret = xenbus_printf(xbt, xdev->nodename,
				    "feature-max-indirect-segments", "%u",
				    lim->max_indirect_segs);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "sectors", "%llu",
				    lim->sectors);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "info", "%u",
				    vbd->info);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "sector-size", "%u",
				    lim->sector_size);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "physical-sector-size",
				    "%u", bdev_physical_block_size(vbd->bdev));
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		return ret;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	return ret;
}

/*
 * A new size for a connected frontend: "sectors", then "state" rewritten
 * with the value it already has, which fires the frontend's watch on our
 * state; blkfront then re-reads the size.
 */
void xbb_announce_size(struct xbb_vbd *vbd, u64 sectors)
{
	struct xenbus_device *xdev = vbd->xdev;
	struct xenbus_transaction xbt;
	int ret;

again:
	ret = xenbus_transaction_start(&xbt);
	if (ret)
		goto fail;
	ret = xenbus_printf(xbt, xdev->nodename, "sectors", "%llu", sectors);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "state", "%d",
				    xdev->state);
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		goto fail;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	if (!ret)
		return;
fail:
	dev_warn(&xdev->dev, "cannot announce the new size to domain %d: %d\n",
		 xdev->otherend_id, ret);
}

static void xbb_disconnect_rings(struct xbb_vbd *vbd)
{
	unsigned int i;

	for (i = 0; i < vbd->nr_rings; i++)
		xbb_ring_disconnect(vbd, vbd->rings[i]);
	kfree(vbd->rings);
	vbd->rings = NULL;
	vbd->nr_rings = 0;
}

/* Map every queue's ring: its refs and port, in queue-N/ when several. */
static int xbb_connect_rings(struct xbb_vbd *vbd, unsigned int nr_queues,
			     unsigned int order, bool persistent, bool abi32)
{
	grant_ref_t refs[1 << XBB_MAX_RING_ORDER];
	struct xenbus_device *xdev = vbd->xdev;
	struct xbb_ring *ring;
	evtchn_port_t port;
	char dir[16];
	int ret;

	vbd->rings = kcalloc(nr_queues, sizeof(*vbd->rings), GFP_KERNEL);
	if (!vbd->rings)
		return -ENOMEM;
	while (vbd->nr_rings < nr_queues) {
		snprintf(dir, sizeof(dir), "queue-%u", vbd->nr_rings);
		ret = xsplit_be_read_frontend_dir(xdev, nr_queues > 1 ? dir : NULL,
						  "ring-ref", 1 << order, refs,
						  &port);
		if (ret) {
			xenbus_dev_fatal(xdev, ret, "reading the ring-ref of %u page(s) and event-channel of %s%s%s",
					 1 << order, xdev->otherend,
					 nr_queues > 1 ? "/" : "",
					 nr_queues > 1 ? dir : "");
			goto fail;
		}
		ring = xbb_ring_connect(vbd, vbd->nr_rings, refs, 1 << order,
					port, persistent, abi32);
		if (IS_ERR(ring)) {
			ret = PTR_ERR(ring);
			goto fail;
		}
		vbd->rings[vbd->nr_rings++] = ring;
	}
	return 0;

fail:
	xbb_disconnect_rings(vbd);
	return ret;
}

/* Connect once the disk is open and the frontend has offered its rings. */
static void xbb_connect(struct xbb_vbd *vbd)
{
	struct xenbus_device *xdev = vbd->xdev;
	enum xenbus_state fe_state;
	unsigned int order, nr_queues, fe_persistent;
	bool persistent;
	int abi32, ret;

	mutex_lock(&vbd->lock);
	if (vbd->rings || !vbd->bdev || xdev->state != XenbusStateInitWait)
		goto out;
	fe_state = xenbus_read_driver_state(xdev->otherend);
	if (fe_state != XenbusStateInitialised &&
	    fe_state != XenbusStateConnected)
		goto out;

	abi32 = xbb_read_protocol(vbd);
	if (abi32 < 0)
		goto out;
	/* Absent: a one-page ring, published as plain "ring-ref". */
	if (xenbus_scanf(XBT_NIL, xdev->otherend, "ring-page-order", "%u",
			 &order) != 1)
		order = 0;
	if (order > xbb_max_ring_order) {
		xenbus_dev_fatal(xdev, -EINVAL, "ring-page-order %u above our max-ring-page-order %u",
				 order, xbb_max_ring_order);
		goto out;
	}
	/* Absent: one queue, its keys in the frontend's own directory. */
	if (xenbus_scanf(XBT_NIL, xdev->otherend, "multi-queue-num-queues",
			 "%u", &nr_queues) != 1)
		nr_queues = 1;
	if (!nr_queues || nr_queues > xbb_max_queues) {
		xenbus_dev_fatal(xdev, -EINVAL, "multi-queue-num-queues %u not in 1..%u",
				 nr_queues, xbb_max_queues);
		goto out;
	}
	/* Both ends must offer it; blkfront reads ours once we connect. */
	if (xenbus_scanf(XBT_NIL, xdev->otherend, "feature-persistent", "%u",
			 &fe_persistent) != 1)
		fe_persistent = 0;
	persistent = xbb_feature_persistent && fe_persistent == 1;
	if (xbb_connect_rings(vbd, nr_queues, order, persistent, abi32))
		goto out;
	ret = xbb_write_disk_info(vbd);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "writing disk information");
		xbb_disconnect_rings(vbd);
		goto out;
	}
	/*
	 * rmmod would cut a running guest off its disk: refuse it for as
	 * long as a frontend is connected. Destroying the guest or
	 * detaching the disk disconnects and drops this again.
	 */
	__module_get(THIS_MODULE);
	xenbus_switch_state(xdev, XenbusStateConnected);
	dev_info(&xdev->dev, "connected to domain %d (%u queue(s), ring of %u page(s), %u slots%s%s)\n",
		 xdev->otherend_id, nr_queues, 1 << order,
		 vbd->rings[0]->size, persistent ? ", persistent grants" : "",
		 abi32 ? ", x86_32 layout" : "");
out:
	mutex_unlock(&vbd->lock);
}

static void xbb_disconnect(struct xbb_vbd *vbd)
{
	const struct xbb_stats *st = &vbd->stats;

	mutex_lock(&vbd->lock);
	if (vbd->rings) {
		xbb_disconnect_rings(vbd);
		dev_info(&vbd->xdev->dev, "disconnected from domain %d: %llu reads, %llu writes, %llu flushes, %llu discards, %llu refused, %llu I/O errors\n",
			 vbd->xdev->otherend_id, st->rd_req, st->wr_req,
			 st->flush_req + st->barrier_req, st->discard_req,
			 st->bad_req, st->io_errors);
		module_put(THIS_MODULE);
	}
	mutex_unlock(&vbd->lock);
}

static void xbb_pdev_changed(struct xenbus_watch *watch, const char *path,
			     const char *token)
{
	struct xbb_vbd *vbd = container_of(watch, struct xbb_vbd, pdev_watch);

	mutex_lock(&vbd->lock);
	xbb_open_bdev(vbd);
	mutex_unlock(&vbd->lock);
	xbb_connect(vbd);
}

static void xbb_frontend_changed(struct xenbus_device *xdev,
				 enum xenbus_state fe_state)
{
	struct xbb_vbd *vbd = dev_get_drvdata(&xdev->dev);

	switch (fe_state) {
	case XenbusStateInitialising:
		/* A new frontend (guest reboot, restore) after we closed. */
		if (xdev->state == XenbusStateClosed) {
			dev_info(&xdev->dev, "domain %d reconnects\n",
				 xdev->otherend_id);
			xenbus_switch_state(xdev, XenbusStateInitWait);
		}
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		xbb_connect(vbd);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
	case XenbusStateUnknown:
		xbb_disconnect(vbd);
		if (xsplit_be_follow_close(xdev, fe_state))
			device_unregister(&xdev->dev);
		break;
	default:
		break;
	}
}

/* A counter: the rings since disconnected plus the live ones. */
static u64 xbb_stat(struct xbb_vbd *vbd, size_t offset)
{
	u64 sum;
	unsigned int i;

	mutex_lock(&vbd->lock);
	sum = *(u64 *)((char *)&vbd->stats + offset);
	for (i = 0; i < vbd->nr_rings; i++)
		sum += READ_ONCE(*(u64 *)((char *)&vbd->rings[i]->stats + offset));
	mutex_unlock(&vbd->lock);
	return sum;
}

#define XBB_STAT_ATTR(field)						\
static ssize_t field##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%llu\n",				\
			  xbb_stat(dev_get_drvdata(dev),		\
				   offsetof(struct xbb_stats, field)));	\
}									\
static DEVICE_ATTR_RO(field)

XBB_STAT_ATTR(rd_req);
XBB_STAT_ATTR(wr_req);
XBB_STAT_ATTR(flush_req);
XBB_STAT_ATTR(barrier_req);
XBB_STAT_ATTR(discard_req);
XBB_STAT_ATTR(indirect_req);
XBB_STAT_ATTR(rd_sect);
XBB_STAT_ATTR(wr_sect);
XBB_STAT_ATTR(discard_sect);
XBB_STAT_ATTR(bad_req);
XBB_STAT_ATTR(io_errors);
XBB_STAT_ATTR(oo_req);
XBB_STAT_ATTR(events);
XBB_STAT_ATTR(throttled);
XBB_STAT_ATTR(persistent_hits);
XBB_STAT_ATTR(zero_copy_req);

static ssize_t inflight_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct xbb_vbd *vbd = dev_get_drvdata(dev);
	unsigned int i, n = 0;

	/* Rings only go away under the lock. */
	mutex_lock(&vbd->lock);
	for (i = 0; i < vbd->nr_rings; i++)
		n += READ_ONCE(vbd->rings[i]->inflight);
	mutex_unlock(&vbd->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(inflight);

static struct attribute *xbb_stat_attrs[] = {
	&dev_attr_rd_req.attr,
	&dev_attr_wr_req.attr,
	&dev_attr_flush_req.attr,
	&dev_attr_barrier_req.attr,
	&dev_attr_discard_req.attr,
	&dev_attr_indirect_req.attr,
	&dev_attr_rd_sect.attr,
	&dev_attr_wr_sect.attr,
	&dev_attr_discard_sect.attr,
	&dev_attr_bad_req.attr,
	&dev_attr_io_errors.attr,
	&dev_attr_oo_req.attr,
	&dev_attr_events.attr,
	&dev_attr_throttled.attr,
	&dev_attr_persistent_hits.attr,
	&dev_attr_zero_copy_req.attr,
	&dev_attr_inflight.attr,
	NULL
};

static const struct attribute_group xbb_stat_group = {
	.name = "statistics",
	.attrs = xbb_stat_attrs,
};

static ssize_t xbb_limit_show(struct device *dev, char *buf, bool bytes)
{
	struct xbb_vbd *vbd = dev_get_drvdata(dev);
	u64 v;

	spin_lock(&vbd->limit.lock);
	v = bytes ? vbd->limit.bps : vbd->limit.iops;
	spin_unlock(&vbd->limit.lock);
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t xbb_limit_store(struct device *dev, const char *buf,
			       size_t count, bool bytes)
{
	struct xbb_vbd *vbd = dev_get_drvdata(dev);
	u64 v, iops, bps;
	int ret;

	ret = kstrtou64(buf, 0, &v);
	if (ret)
		return ret;
	spin_lock(&vbd->limit.lock);
	iops = bytes ? vbd->limit.iops : v;
	bps = bytes ? v : vbd->limit.bps;
	spin_unlock(&vbd->limit.lock);
	ret = xbb_limit_set(vbd, iops, bps);
	if (ret)
		return ret;
	dev_info(dev, "I/O limit set: %llu requests/s, %llu bytes/s (0: none)\n",
		 iops, bps);
	return count;
}

static ssize_t iops_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return xbb_limit_show(dev, buf, false);
}

static ssize_t iops_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	return xbb_limit_store(dev, buf, count, false);
}
static DEVICE_ATTR_RW(iops);

static ssize_t bytes_per_sec_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return xbb_limit_show(dev, buf, true);
}

static ssize_t bytes_per_sec_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	return xbb_limit_store(dev, buf, count, true);
}
static DEVICE_ATTR_RW(bytes_per_sec);

static struct attribute *xbb_limit_attrs[] = {
	&dev_attr_iops.attr,
	&dev_attr_bytes_per_sec.attr,
	NULL
};

static const struct attribute_group xbb_limit_group = {
	.name = "limits",
	.attrs = xbb_limit_attrs,
};

static const struct attribute_group *xbb_groups[] = {
	&xbb_stat_group,
	&xbb_limit_group,
	NULL
};

static int xbb_probe(struct xenbus_device *xdev,
		     const struct xenbus_device_id *id)
{
	struct xbb_vbd *vbd;
	int ret;

	vbd = kzalloc(sizeof(*vbd), GFP_KERNEL);
	if (!vbd)
		return -ENOMEM;
	vbd->xdev = xdev;
	mutex_init(&vbd->lock);
	ratelimit_default_init(&vbd->log_rs);
	/* Suppressed lines are counted in sysfs, not announced as warnings. */
	ratelimit_set_flags(&vbd->log_rs, RATELIMIT_MSG_ON_RELEASE);
	dev_set_drvdata(&xdev->dev, vbd);

	xbb_limit_init(&vbd->limit);
	ret = sysfs_create_groups(&xdev->dev.kobj, xbb_groups);
	if (ret)
		goto fail;
	/* blkfront reads these when it sees InitWait: write them first. */
	ret = xenbus_printf(XBT_NIL, xdev->nodename, "max-ring-page-order",
			    "%u", xbb_max_ring_order);
	if (!ret)
		ret = xenbus_printf(XBT_NIL, xdev->nodename,
				    "multi-queue-max-queues", "%u",
				    xbb_max_queues);
	if (ret)
		goto fail_sysfs;
	ret = xenbus_switch_state(xdev, XenbusStateInitWait);
	if (ret)
		goto fail_sysfs;
	ret = xenbus_watch_pathfmt(xdev, &vbd->pdev_watch, NULL,
				   xbb_pdev_changed, "%s/%s", xdev->nodename,
				   "physical-device");
	if (ret)
		goto fail_sysfs;
	vbd->watching = true;
	/* Watches fire once when set: that opens a disk already named. */
	ret = xbb_limit_watch(vbd);
	if (ret)
		goto fail_watch;
	vbd->limit_watching = true;
	return 0;

fail_watch:
	unregister_xenbus_watch(&vbd->pdev_watch);
	kfree(vbd->pdev_watch.node);
fail_sysfs:
	sysfs_remove_groups(&xdev->dev.kobj, xbb_groups);
fail:
	dev_set_drvdata(&xdev->dev, NULL);
	kfree(vbd);
	return ret;
}

static void xbb_remove(struct xenbus_device *xdev)
{
	struct xbb_vbd *vbd = dev_get_drvdata(&xdev->dev);

	if (vbd->watching) {
		unregister_xenbus_watch(&vbd->pdev_watch);
		kfree(vbd->pdev_watch.node);
	}
	if (vbd->limit_watching) {
		unregister_xenbus_watch(&vbd->limit_watch);
		kfree(vbd->limit_watch.node);
	}
	xbb_disconnect(vbd);
	sysfs_remove_groups(&xdev->dev.kobj, xbb_groups);
	mutex_lock(&vbd->lock);
	xbb_close_bdev(vbd);
	mutex_unlock(&vbd->lock);
	dev_set_drvdata(&xdev->dev, NULL);
	kfree(vbd);
}

static const struct xenbus_device_id xbb_ids[] = {
	{ "vbd" },
	{ "" }
};

static struct xenbus_driver xbb_driver = {
	.name = "xsplit-blkback",
	.ids = xbb_ids,
	.probe = xbb_probe,
	.remove = xbb_remove,
	.otherend_changed = xbb_frontend_changed,
};

int xbb_xenbus_register(void)
{
	return xenbus_register_backend(&xbb_driver);
}

void xbb_xenbus_unregister(void)
{
	xenbus_unregister_driver(&xbb_driver);
}
