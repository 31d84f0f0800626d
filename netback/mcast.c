// SPDX-License-Identifier: GPL-2.0
/*
 * Multicast control (netif.h, "feature-multicast-control"): the frontend
 * keeps a list of the multicast groups it wants, with MCAST_ADD and
 * MCAST_DEL extras on its transmit ring, and while its
 * "request-multicast-control" is set we send it no frame to any other
 * group. We offer "feature-dynamic-multicast-control" as well: the key
 * is read at connect and watched while connected, so the guest may turn
 * the filter on and off at any time. The list itself is net_mcast.c's.
 *
 * Locking: the list is a fixed array of XNB_MCAST_MAX addresses under
 * mcast_lock, a spinlock. It is written by the queues' NAPI polls (an
 * operation may come on any queue, and polls of different queues run at
 * once on different CPUs) and read by the transmit path, only for a
 * frame to a group while the filter is on, and by debugfs. RCU would
 * spare those readers the lock, but it would take an allocation per
 * address on the guest's say-so and a grace period per change; a lookup
 * is at most 64 compares of 6 bytes, and the lock is contended only
 * while the guest changes its list. It is taken with interrupts off,
 * not only bottom halves: netpoll (netconsole over a bridge with the vif
 * in it) calls the transmit path with interrupts off, where re-enabling
 * bottom halves is not allowed, and may do so from an interrupt that
 * came while a poll on the same CPU held the lock.
 * mcast_filter is a plain flag: written by the watch (and connect and
 * disconnect), read unlocked; a frame that races a change may be judged
 * by the old setting, as it could have been a moment earlier.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_ether.h>

#include "netback.h"

static const char xnb_mcast_key[] = "request-multicast-control";

/* Once, at probe: no list, no filter. */
void xnb_mcast_init(struct xnb_vif *vif)
{
	spin_lock_init(&vif->mcast_lock);
	xsplit_net_mcast_init(&vif->mcast);
	vif->mcast_filter = false;
}

static void xnb_mcast_clear(struct xnb_vif *vif)
{
	unsigned long flags;

	spin_lock_irqsave(&vif->mcast_lock, flags);
	xsplit_net_mcast_init(&vif->mcast);
	spin_unlock_irqrestore(&vif->mcast_lock, flags);
}

/*
 * Whether the frontend asks for filtering now: the key set to a number
 * other than 0. Absent, 0 or not a number: off, and every frame goes.
 */
static bool xnb_mcast_requested(struct xnb_vif *vif)
{
	u32 v;

	return !xsplit_be_read_u32(vif->xdev, NULL, xnb_mcast_key, &v) && v;
}

/*
 * The frontend wrote (or removed) request-multicast-control. Runs in
 * the xenwatch thread and must not take vif->lock: disconnect holds it
 * while it waits for this callback to finish.
 */
static void xnb_mcast_changed(struct xenbus_watch *watch, const char *path,
			      const char *token)
{
	struct xnb_vif *vif = container_of(watch, struct xnb_vif, mcast_watch);
	bool on = xnb_mcast_requested(vif);

	if (on != READ_ONCE(vif->mcast_filter))
		netdev_dbg(vif->dev, "domain %d turns multicast filtering %s\n",
			   vif->xdev->otherend_id, on ? "on" : "off");
	WRITE_ONCE(vif->mcast_filter, on);
}

/*
 * At connect, before the queues: an empty list (a new frontend knows
 * nothing of the last one's), the key sampled, and watched from now on.
 * On failure the reason is on xenbus and nothing is left set up.
 */
int xnb_mcast_connect(struct xnb_vif *vif)
{
	struct xenbus_device *xdev = vif->xdev;
	int ret;

	xnb_mcast_clear(vif);
	WRITE_ONCE(vif->mcast_filter, xnb_mcast_requested(vif));
	ret = xenbus_watch_pathfmt(xdev, &vif->mcast_watch, NULL,
				   xnb_mcast_changed, "%s/%s", xdev->otherend,
				   xnb_mcast_key);
	if (ret) {
		WRITE_ONCE(vif->mcast_filter, false);
		return ret;
	}
	vif->mcast_watching = true;
	return 0;
}

/*
 * At disconnect, once no poll runs: the watch gone (and any callback of
 * it finished), the filter off and the list empty.
 */
void xnb_mcast_disconnect(struct xnb_vif *vif)
{
	if (vif->mcast_watching) {
		unregister_xenbus_watch(&vif->mcast_watch);
		kfree(vif->mcast_watch.node);
		vif->mcast_watch.node = NULL;
		vif->mcast_watching = false;
	}
	WRITE_ONCE(vif->mcast_filter, false);
	xnb_mcast_clear(vif);
}

/*
 * From a queue's poll: carry out the MCAST_ADD or MCAST_DEL that @pkt
 * carries, and count it. A refusal (no group, list full, nothing to
 * delete) leaves the list as it was; it is counted, not held against
 * the frontend: a del after a reconnect emptied the list is honest.
 * True if carried out.
 */
bool xnb_mcast_op(struct xnb_queue *q, const struct xsplit_net_tx_pkt *pkt)
{
	struct xnb_vif *vif = q->vif;
	enum xsplit_net_mcast_result res;
	unsigned long flags;

	spin_lock_irqsave(&vif->mcast_lock, flags);
	res = xsplit_net_mcast_apply(&vif->mcast, pkt->mcast_op,
				     pkt->mcast_addr);
	spin_unlock_irqrestore(&vif->mcast_lock, flags);
	if (res != XSPLIT_NET_MCAST_DONE) {
		q->stats.mcast_refused++;
		return false;
	}
	if (pkt->mcast_op == XEN_NETIF_EXTRA_TYPE_MCAST_ADD)
		q->stats.mcast_add++;
	else
		q->stats.mcast_del++;
	return true;
}

/*
 * From the transmit path: whether the guest wants @skb. Only a frame to
 * a group while the filter is on costs a lookup.
 */
bool xnb_mcast_wanted(struct xnb_vif *vif, const struct sk_buff *skb)
{
	unsigned long flags;
	bool pass;

	if (!READ_ONCE(vif->mcast_filter) || skb_headlen(skb) < ETH_ALEN ||
	    !xsplit_net_mcast_is_group(skb->data))
		return true;
	spin_lock_irqsave(&vif->mcast_lock, flags);
	pass = xsplit_net_mcast_pass(&vif->mcast, true, skb->data);
	spin_unlock_irqrestore(&vif->mcast_lock, flags);
	return pass;
}

/* For debugfs: a copy of the list, taken under the lock. */
void xnb_mcast_snapshot(struct xnb_vif *vif, struct xsplit_net_mcast *m)
{
	unsigned long flags;

	spin_lock_irqsave(&vif->mcast_lock, flags);
	*m = vif->mcast;
	spin_unlock_irqrestore(&vif->mcast_lock, flags);
}
