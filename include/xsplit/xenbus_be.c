// SPDX-License-Identifier: GPL-2.0
/*
 * Shared backend plumbing, kernel only: see xenbus_be.h.
 */

#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <xen/events.h>
#include <xen/xenbus.h>

#include <xsplit/xenbus_be.h>

int xsplit_be_read_frontend_dir(struct xenbus_device *xdev, const char *dir,
				const char *ref_key, unsigned int nr_refs,
				grant_ref_t *refs, evtchn_port_t *port)
{
	char key[48];
	const char *sep = dir ? "/" : "";
	unsigned int i;
	int n;

	if (!dir)
		dir = "";
	if (!nr_refs || nr_refs > XSPLIT_BE_MAX_REFS)
		return -EINVAL;

	for (i = 0; i < nr_refs; i++) {
		if (nr_refs == 1)
			snprintf(key, sizeof(key), "%s%s%s", dir, sep, ref_key);
		else
			snprintf(key, sizeof(key), "%s%s%s%u", dir, sep, ref_key, i);
		n = xenbus_scanf(XBT_NIL, xdev->otherend, key, "%u", &refs[i]);
		if (n != 1)
			return n < 0 ? n : -EINVAL;
	}
	snprintf(key, sizeof(key), "%s%sevent-channel", dir, sep);
	n = xenbus_scanf(XBT_NIL, xdev->otherend, key, "%u", port);
	if (n != 1)
		return n < 0 ? n : -EINVAL;
	return 0;
}

int xsplit_be_read_frontend(struct xenbus_device *xdev, const char *ref_key,
			    unsigned int nr_refs, grant_ref_t *refs,
			    evtchn_port_t *port)
{
	return xsplit_be_read_frontend_dir(xdev, NULL, ref_key, nr_refs, refs,
					   port);
}

int xsplit_be_ring_map(struct xenbus_device *xdev, struct xsplit_be_chan *ch,
		       const grant_ref_t *refs, unsigned int nr_refs)
{
	/* xenbus_map_ring_valloc() takes a non-const array. */
	grant_ref_t copy[XSPLIT_BE_MAX_REFS];
	void *ring;
	int ret;

	if (WARN_ON(ch->ring))
		return -EBUSY;
	if (!nr_refs || nr_refs > XSPLIT_BE_MAX_REFS)
		return -EINVAL;
	memcpy(copy, refs, nr_refs * sizeof(*refs));

	ret = xenbus_map_ring_valloc(xdev, copy, nr_refs, &ring);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "mapping %u page(s) granted by domain %d",
				 nr_refs, xdev->otherend_id);
		return ret;
	}
	ch->ring = ring;
	return 0;
}

int xsplit_be_chan_bind(struct xenbus_device *xdev, struct xsplit_be_chan *ch,
			evtchn_port_t port, irq_handler_t handler,
			const char *name, void *dev_id)
{
	int irq;

	if (WARN_ON(ch->irq))
		return -EBUSY;
	/*
	 * Off until ch->irq is stored: Xen raises an event at bind, so the
	 * handler, and the poll or thread it starts, could otherwise run
	 * before we know the irq, and they EOI and notify through ch->irq.
	 * With irq 0 there, an early EOI went to no channel (ours stayed
	 * masked for good) and so did an early notification (the frontend,
	 * told of nothing, never looked at its ring again).
	 */
	irq = bind_interdomain_evtchn_to_irqhandler_lateeoi(xdev, port, handler,
							    IRQF_NO_AUTOEN,
							    name, dev_id);
	if (irq < 0) {
		xenbus_dev_fatal(xdev, irq, "binding event channel %u of domain %d",
				 port, xdev->otherend_id);
		return irq;
	}
	WRITE_ONCE(ch->irq, irq);
	/* The event raised at bind is still pending: it comes now. */
	enable_irq(irq);
	return 0;
}

int xsplit_be_chan_connect(struct xenbus_device *xdev,
			   struct xsplit_be_chan *ch, const grant_ref_t *refs,
			   unsigned int nr_refs, evtchn_port_t port,
			   irq_handler_t handler, const char *name,
			   void *dev_id)
{
	int ret;

	if (WARN_ON(ch->irq))
		return -EBUSY;
	/* The handler may run as soon as the port is bound: ring first. */
	ret = xsplit_be_ring_map(xdev, ch, refs, nr_refs);
	if (ret)
		return ret;
	ret = xsplit_be_chan_bind(xdev, ch, port, handler, name, dev_id);
	if (ret) {
		xenbus_unmap_ring_vfree(xdev, ch->ring);
		ch->ring = NULL;
	}
	return ret;
}

int xsplit_be_read_u32(struct xenbus_device *xdev, const char *dir,
		       const char *key, u32 *val)
{
	char path[64];
	int n;

	if (dir)
		snprintf(path, sizeof(path), "%s/%s", dir, key);
	else
		snprintf(path, sizeof(path), "%s", key);
	n = xenbus_scanf(XBT_NIL, xdev->otherend, path, "%u", val);
	if (n != 1)
		return n < 0 ? n : -EINVAL;
	return 0;
}

void xsplit_be_chan_disconnect(struct xenbus_device *xdev,
			       struct xsplit_be_chan *ch, void *dev_id)
{
	/* The handler must be gone before the pages it reads are. */
	if (ch->irq) {
		unbind_from_irqhandler(ch->irq, dev_id);
		ch->irq = 0;
	}
	if (ch->ring) {
		xenbus_unmap_ring_vfree(xdev, ch->ring);
		ch->ring = NULL;
	}
}

bool xsplit_be_follow_close(struct xenbus_device *xdev,
			    enum xenbus_state fe_state)
{
	switch (fe_state) {
	case XenbusStateClosing:
		xenbus_switch_state(xdev, XenbusStateClosing);
		return false;
	case XenbusStateClosed:
		xenbus_switch_state(xdev, XenbusStateClosed);
		/* Still online: the toolstack may reconnect a new frontend. */
		return !xenbus_dev_is_online(xdev);
	case XenbusStateUnknown:
		return true;
	default:
		return false;
	}
}
