// SPDX-License-Identifier: GPL-2.0
/*
 * The netif control ring: how a frontend tells us to spread the packets
 * we send it over its queues by a Toeplitz hash of their headers (the
 * algorithm, the hash types, the key and the mapping table, netif.h
 * "Control ring"). We offer it with feature-ctrl-ring; a frontend that
 * wants it grants one ring page and offers an event channel before it
 * connects. The answers are net_ctrl.c's; this file moves them.
 *
 * The interrupt handler only looks whether requests wait: an empty
 * notification gets its spurious EOI there and then, as on the queues'
 * channels. A work item answers the requests: each is copied off the
 * ring once and judged as copied, a key or mapping table is
 * grant-copied into a page of ours before it is looked at, and the
 * state changes under hash_lock. Nothing the guest can still write is
 * read twice.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/slab.h>
#include <xen/events.h>
#include <xen/page.h>
#include <asm/xen/hypercall.h>
#include <xsplit/ring_check.h>

#include "netback.h"

/*
 * Requests one run of the work answers before it makes way for other
 * work: a frontend that keeps the ring full must not hold a worker.
 */
#define XNB_CTRL_BUDGET		64

static void xnb_ctrl_work(struct work_struct *work);

/* Once, at probe: no ring, hashing off. */
void xnb_ctrl_init(struct xnb_vif *vif)
{
	INIT_WORK(&vif->ctrl.work, xnb_ctrl_work);
	spin_lock_init(&vif->hash_lock);
	xsplit_net_hash_init(&vif->hash, 1);
}

static void xnb_ctrl_reset_hash(struct xnb_vif *vif, unsigned int nr_queues)
{
	spin_lock_bh(&vif->hash_lock);
	xsplit_net_hash_init(&vif->hash, nr_queues);
	spin_unlock_bh(&vif->hash_lock);
}

/*
 * Whether a notification brings the work anything. (req_cons is the
 * work's and may move under us only while a run that no event asked for
 * is going, see xnb_ctrl_connect(): a stale value then only schedules a
 * run that finds nothing.)
 */
static bool xnb_ctrl_has_work(struct xnb_vif *vif)
{
	struct xnb_ctrl *c = &vif->ctrl;

	if (READ_ONCE(c->broken) || READ_ONCE(vif->disabled))
		return false;
	return RING_HAS_UNCONSUMED_REQUESTS(&c->ring);
}

static irqreturn_t xnb_ctrl_interrupt(int irq, void *dev_id)
{
	struct xnb_vif *vif = dev_id;
	struct xnb_ctrl *c = &vif->ctrl;

	c->stats->ctrl_events++;
	if (!xnb_ctrl_has_work(vif)) {
		/* Xen then slows down a frontend that keeps doing this. */
		xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS);
		return IRQ_HANDLED;
	}
	WRITE_ONCE(c->eoi_owed, true);
	schedule_work(&c->work);
	return IRQ_HANDLED;
}

/* A key or mapping table: from the guest's grant into our page. */
static bool xnb_ctrl_copy_in(struct xnb_vif *vif,
			     const struct xsplit_net_ctrl_copy *copy)
{
	struct gnttab_copy op = {
		.source.u.ref = copy->gref,
		.source.domid = vif->xdev->otherend_id,
		.source.offset = copy->offset,
		.dest.u.gmfn = xen_page_to_gfn(vif->ctrl.page),
		.dest.domid = DOMID_SELF,
		.dest.offset = 0,
		.len = copy->len,
		.flags = GNTCOPY_source_gref,
	};

	/* A failed hypercall did nothing we can trust: as a bad grant. */
	if (HYPERVISOR_grant_table_op(GNTTABOP_copy, &op, 1))
		return false;
	return op.status == GNTST_okay;
}

/* The answer goes in the slot of the request it answers, now copied. */
static void xnb_ctrl_respond(struct xnb_ctrl *c,
			     const struct xsplit_net_ctrl_rsp *rsp)
{
	struct xen_netif_ctrl_response *slot;

	slot = RING_GET_RESPONSE(&c->ring, c->ring.rsp_prod_pvt);
	slot->id = rsp->id;
	slot->type = rsp->type;
	slot->status = rsp->status;
	slot->data = rsp->data;
	c->ring.rsp_prod_pvt++;
	c->stats->ctrl_requests++;
	if (rsp->status != XEN_NETIF_CTRL_STATUS_SUCCESS)
		c->stats->ctrl_refused++;
}

/* One request: copied once, judged, carried out, answered. */
static void xnb_ctrl_request(struct xnb_vif *vif, RING_IDX i)
{
	struct xnb_ctrl *c = &vif->ctrl;
	struct xsplit_net_ctrl_copy copy;
	struct xsplit_net_ctrl_req req;
	struct xsplit_net_ctrl_rsp rsp;
	enum xsplit_net_ctrl_verdict v;

	BUILD_BUG_ON(sizeof(req) != sizeof(struct xen_netif_ctrl_request));
	BUILD_BUG_ON(offsetof(struct xsplit_net_ctrl_req, data) !=
		     offsetof(struct xen_netif_ctrl_request, data));
	memcpy(&req, RING_GET_REQUEST(&c->ring, i), sizeof(req));
	/* This work is the only writer of the state: judge reads it unlocked. */
	v = xsplit_net_ctrl_judge(&vif->hash, &req, &rsp, &copy);
	/* The copy failed: rsp already says INVALID_PARAMETER. */
	if (v == XSPLIT_NET_CTRL_COPY && !xnb_ctrl_copy_in(vif, &copy))
		v = XSPLIT_NET_CTRL_DONE;
	if (v != XSPLIT_NET_CTRL_DONE) {
		spin_lock_bh(&vif->hash_lock);
		xsplit_net_ctrl_apply(&vif->hash, &req, page_address(c->page),
				      copy.len, &rsp);
		spin_unlock_bh(&vif->hash_lock);
	}
	xnb_ctrl_respond(c, &rsp);
}

/*
 * Answer at most *@budget of the requests the frontend has produced,
 * taking from the budget. False once the ring is not served any more.
 */
static bool xnb_ctrl_serve(struct xnb_vif *vif, unsigned int *budget)
{
	struct xnb_ctrl *c = &vif->ctrl;
	RING_IDX prod;
	u32 pending;

	if (c->broken || READ_ONCE(vif->disabled))
		return false;
	prod = READ_ONCE(c->ring.sring->req_prod);
	virt_rmb();	/* the requests are read after the index */
	if (xsplit_ring_pending(prod, c->ring.req_cons, XNB_CTRL_RING_SIZE,
				&pending)) {
		WRITE_ONCE(c->broken, true);
		xnb_vif_misbehaved(vif, "ctrl req_prod beyond the ring", true);
		return false;
	}
	for (; pending && *budget; pending--, (*budget)--) {
		xnb_ctrl_request(vif, c->ring.req_cons);
		WRITE_ONCE(c->ring.req_cons, c->ring.req_cons + 1);
	}
	return true;
}

static void xnb_ctrl_push(struct xnb_ctrl *c)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&c->ring, notify);
	if (notify)
		notify_remote_via_irq(c->chan.irq);
}

static void xnb_ctrl_work(struct work_struct *work)
{
	struct xnb_ctrl *c = container_of(work, struct xnb_ctrl, work);
	struct xnb_vif *vif = container_of(c, struct xnb_vif, ctrl);
	unsigned int budget = XNB_CTRL_BUDGET;
	bool served;
	int more = 0;

	do {
		served = xnb_ctrl_serve(vif, &budget);
		xnb_ctrl_push(c);
		if (!served)
			break;
		if (!budget) {
			/*
			 * More may wait: the next run looks. The channel's
			 * EOI waits for the run that finds the ring empty,
			 * so the frontend's notifications cannot add runs
			 * meanwhile.
			 */
			schedule_work(work);
			return;
		}
		/* Ask for an event at the next request, then look once more. */
		RING_FINAL_CHECK_FOR_REQUESTS(&c->ring, more);
	} while (more);
	/*
	 * Only a run an event asked for owes the EOI; one the watchdog or
	 * the connect asked for does not. A ring no longer served gets a
	 * spurious one: its events are worth slowing down.
	 */
	if (xchg(&c->eoi_owed, false))
		xen_irq_lateeoi(c->chan.irq, served ? 0 : XEN_EOI_FLAG_SPURIOUS);
}

/*
 * Requests on the ring, none taken since the watchdog's last look and no
 * run of the work queued: a notification went missing.
 */
static bool xnb_ctrl_stalled(struct xnb_vif *vif)
{
	struct xnb_ctrl *c = &vif->ctrl;
	RING_IDX cons = READ_ONCE(c->ring.req_cons);
	bool moved = cons != c->wd_cons;

	c->wd_cons = cons;
	if (moved || READ_ONCE(c->broken) || READ_ONCE(vif->disabled) ||
	    work_pending(&c->work))
		return false;
	return READ_ONCE(c->ring.sring->req_prod) != cons;
}

/* From the vif's watchdog (queue.c), which counts in queue 0's stats. */
void xnb_ctrl_watchdog(struct xnb_vif *vif)
{
	struct xnb_ctrl *c = &vif->ctrl;

	if (!c->chan.ring || !xnb_ctrl_stalled(vif))
		return;
	c->stats->stall_kicks++;
	schedule_work(&c->work);
}

/*
 * One of the frontend's control ring keys: -ENOENT if it is absent,
 * -EINVAL if it is anything but a decimal number that fits in 32 bits.
 */
static int xnb_ctrl_read_key(struct xenbus_device *xdev, const char *key,
			     u32 *val)
{
	char *s = xenbus_read(XBT_NIL, xdev->otherend, key, NULL);
	int ret;

	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = kstrtou32(s, 10, val);
	kfree(s);
	return ret ? -EINVAL : 0;
}

/*
 * Both keys or neither (-ENOENT). A frontend that wrote only one meant
 * to have a control ring, and must not find itself connected without.
 */
static int xnb_ctrl_read_keys(struct xnb_vif *vif, grant_ref_t *ref,
			      evtchn_port_t *port)
{
	struct xenbus_device *xdev = vif->xdev;
	int ref_ret, port_ret;

	ref_ret = xnb_ctrl_read_key(xdev, "ctrl-ring-ref", ref);
	port_ret = xnb_ctrl_read_key(xdev, "event-channel-ctrl", port);
	if (ref_ret == -ENOENT && port_ret == -ENOENT)
		return -ENOENT;
	if (ref_ret) {
		xenbus_dev_fatal(xdev, ref_ret, "reading %s/ctrl-ring-ref",
				 xdev->otherend);
		return ref_ret;
	}
	if (port_ret) {
		xenbus_dev_fatal(xdev, port_ret, "reading %s/event-channel-ctrl",
				 xdev->otherend);
		return port_ret;
	}
	return 0;
}

/*
 * At connect, once the queues are: the hash state for @nr_queues queues,
 * and the control ring if the frontend gave one. Its counters go to
 * @q0's. On failure the reason is on xenbus and nothing is left set up.
 */
int xnb_ctrl_connect(struct xnb_vif *vif, struct xnb_queue *q0,
		     unsigned int nr_queues)
{
	struct xenbus_device *xdev = vif->xdev;
	struct xnb_ctrl *c = &vif->ctrl;
	evtchn_port_t port;
	grant_ref_t ref;
	int ret;

	xnb_ctrl_reset_hash(vif, nr_queues);
	ret = xnb_ctrl_read_keys(vif, &ref, &port);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;

	c->stats = &q0->stats;
	c->broken = false;
	c->eoi_owed = false;
	c->page = alloc_page(GFP_KERNEL);
	if (!c->page) {
		xenbus_dev_fatal(xdev, -ENOMEM, "allocating a page for the control ring");
		return -ENOMEM;
	}
	ret = xsplit_be_ring_map(xdev, &c->chan, &ref, 1);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "mapping ctrl-ring-ref %u", ref);
		goto fail;
	}
	BACK_RING_INIT(&c->ring, (struct xen_netif_ctrl_sring *)c->chan.ring,
		       XEN_PAGE_SIZE);
	c->wd_cons = c->ring.req_cons;
	snprintf(c->irq_name, sizeof(c->irq_name), "%s-ctrl", vif->dev->name);
	ret = xsplit_be_chan_bind(xdev, &c->chan, port, xnb_ctrl_interrupt,
				  c->irq_name, vif);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "binding event-channel-ctrl %u", port);
		goto fail;
	}
	/*
	 * Requests the frontend queued before we bound had their
	 * notification lost: look once, owing no EOI.
	 */
	schedule_work(&c->work);
	return 0;

fail:
	xnb_ctrl_disconnect(vif);
	return ret;
}

/*
 * The work EOIs and notifies through the channel's irq, and the handler
 * schedules the work: keep the handler out, wait for the work (even a
 * run that queued itself again), and only then unbind and unmap. Safe on
 * a vif that has no ring; hashing is off afterwards.
 */
void xnb_ctrl_disconnect(struct xnb_vif *vif)
{
	struct xnb_ctrl *c = &vif->ctrl;

	if (c->chan.irq)
		disable_irq(c->chan.irq);
	cancel_work_sync(&c->work);
	xsplit_be_chan_disconnect(vif->xdev, &c->chan, vif);
	if (c->page) {
		__free_page(c->page);
		c->page = NULL;
	}
	c->stats = NULL;
	xnb_ctrl_reset_hash(vif, 1);
}
