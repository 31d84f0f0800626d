// SPDX-License-Identifier: GPL-2.0
/*
 * Packets to the guest: dom0's stack transmits on the vif, the packet
 * waits on its queue's list, and the queue's thread grant-copies it into
 * pages the frontend posted on its receive ring.
 *
 * Data is packed densely: each guest page is filled from offset 0 to the
 * end before the next one is used, so a packet takes the fewest slots
 * (a 64 KiB GSO packet 17, under netfront's limit of 18). netfront finds
 * a response in the slot of the request it answers, so responses are
 * written in request order and an extra info slot takes its own request.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/skbuff.h>
#include <xen/events.h>
#include <xen/page.h>
#include <asm/xen/hypercall.h>
#include <xsplit/ring_check.h>

#include "netback.h"

/* XNB_RX_QUEUE_MAX: see netback.h. */

static bool xnb_rx_gso_ok(const struct xnb_queue *q, const struct sk_buff *skb)
{
	unsigned int type = skb_shinfo(skb)->gso_type;

	if (!skb_is_gso(skb))
		return false;
	if (type & SKB_GSO_TCPV4)
		return q->vif->fe.gso_tcpv4;
	if (type & SKB_GSO_TCPV6)
		return q->vif->fe.gso_tcpv6;
	return false;
}

/*
 * The frontend's hash of a packet to the guest, taken when dom0 hands it
 * to us: the control ring may change the hash state while it waits.
 */
struct xnb_rx_cb {
	u32 hash;
	u8 type;		/* _XEN_NETIF_CTRL_HASH_TYPE_*, a bit number */
	bool hashed;
};

static struct xnb_rx_cb *xnb_rx_cb(const struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct xnb_rx_cb) > sizeof(skb->cb));
	return (struct xnb_rx_cb *)skb->cb;
}

static void xnb_rx_take_hash(struct xnb_vif *vif, struct sk_buff *skb)
{
	struct xnb_rx_cb *cb = xnb_rx_cb(skb);
	struct xsplit_net_hash_result res;

	cb->hashed = xnb_hash_skb(vif, skb, &res);
	if (cb->hashed) {
		cb->hash = res.hash;
		cb->type = __ffs(res.type);
	}
}

/* Extra info slots @skb takes after its first: GSO, then the hash. */
static unsigned int xnb_rx_extras(const struct xnb_queue *q,
				  const struct sk_buff *skb)
{
	return xnb_rx_gso_ok(q, skb) + xnb_rx_cb(skb)->hashed;
}

/* Ring slots @skb takes: its data in whole pages, and its extras. */
static unsigned int xnb_rx_slots(const struct xnb_queue *q,
				 const struct sk_buff *skb)
{
	return DIV_ROUND_UP(skb->len, XEN_PAGE_SIZE) + xnb_rx_extras(q, skb);
}

netdev_tx_t xnb_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct xnb_vif *vif = ((struct xnb_priv *)netdev_priv(dev))->vif;
	unsigned int qi = skb_get_queue_mapping(skb);
	struct xnb_queue *q;
	int queued;

	/* The queues stop before they go away: this only races a stop. */
	if (unlikely(!READ_ONCE(vif->connected) || qi >= vif->nr_queues)) {
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	q = &vif->queues[qi];
	if (unlikely(READ_ONCE(vif->disabled))) {
		q->stats.to_guest_drop_down++;
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	if (!xnb_mcast_wanted(vif, skb)) {
		q->stats.to_guest_drop_mcast++;
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	if (unlikely(DIV_ROUND_UP(skb->len, XEN_PAGE_SIZE) >
		     (vif->fe.sg ? XEN_NETIF_NR_SLOTS_MIN : 1) ||
		     (skb_is_gso(skb) && !xnb_rx_gso_ok(q, skb)))) {
		q->stats.to_guest_drop_too_big++;
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	xnb_rx_take_hash(vif, skb);
	/*
	 * Counted before it is queued: once it is, the thread may send and
	 * free it (and subtract its length) before we could read skb->len.
	 */
	queued = atomic_add_return(skb->len, &q->rx_queued_bytes);
	skb_queue_tail(&q->rx_queue, skb);
	if (queued > XNB_RX_QUEUE_MAX) {
		struct netdev_queue *txq = netdev_get_tx_queue(dev, qi);

		netif_tx_stop_queue(txq);
		q->stats.queue_stopped++;
		/*
		 * The thread may have drained the list between our count and
		 * the stop, and looked for a stopped queue before there was
		 * one: nobody would wake it. Look again ourselves.
		 */
		smp_mb__after_atomic();
		if (atomic_read(&q->rx_queued_bytes) < XNB_RX_QUEUE_MAX / 2)
			netif_tx_wake_queue(txq);
	}
	wake_up(&q->rx_wq);
	return NETDEV_TX_OK;
}

/* Requests the frontend has posted and we have not used; -1 if it lies. */
static int xnb_rx_posted(struct xnb_queue *q, u32 *avail)
{
	RING_IDX prod = READ_ONCE(q->rx.sring->req_prod);

	virt_rmb();	/* the requests are read after the index */
	return xsplit_ring_pending(prod, q->rx.req_cons, XNB_RX_RING_SIZE,
				   avail);
}

/* The copy state of one packet: where the next byte goes in the guest. */
struct xnb_rx_cursor {
	struct xnb_queue *q;
	struct xnb_rx_pend *p;
	struct gnttab_copy *op;
	unsigned int max_ops;
	unsigned int slot;	/* data slot being filled */
	u32 used;		/* bytes in it */
	grant_ref_t grefs[XEN_NETIF_NR_SLOTS_MIN];
};

/* Queue copies of @len bytes at @src; false if the op budget ran out. */
static bool xnb_rx_copy_from(struct xnb_rx_cursor *c, const void *src, u32 len)
{
	struct xnb_rx_pend *p = c->p;

	while (len) {
		struct gnttab_copy *op;
		u32 n;

		if (c->used == XEN_PAGE_SIZE) {
			c->slot++;
			c->used = 0;
		}
		if (p->nr_ops == c->max_ops || c->slot >= p->nr_data)
			return false;
		n = min3(len, (u32)(XEN_PAGE_SIZE - xen_offset_in_page(src)),
			 (u32)(XEN_PAGE_SIZE - c->used));
		op = &c->op[p->nr_ops++];
		op->source.u.gmfn = virt_to_gfn(src);
		op->source.domid = DOMID_SELF;
		op->source.offset = xen_offset_in_page(src);
		op->dest.u.ref = c->grefs[c->slot];
		op->dest.domid = c->q->vif->xdev->otherend_id;
		op->dest.offset = c->used;
		op->len = n;
		op->flags = GNTCOPY_dest_gref;
		c->used += n;
		src += n;
		len -= n;
	}
	return true;
}

/*
 * Take the requests for @skb (copying each one off the ring once) and
 * queue its copies. False if it needs more copies than we allow.
 */
static bool xnb_rx_prepare(struct xnb_queue *q, struct xnb_rx_pend *p,
			   struct sk_buff *skb, unsigned int first_op,
			   unsigned int max_ops)
{
	struct xnb_rx_cursor c = {
		.q = q, .p = p, .op = &q->rx_copy[first_op], .max_ops = max_ops,
	};
	struct xen_netif_rx_request req;
	RING_IDX idx = q->rx.req_cons;
	unsigned int k, i, extras;

	p->skb = skb;
	p->first_op = first_op;
	p->nr_ops = 0;
	p->first_slot = idx;
	p->gso_extra = xnb_rx_gso_ok(q, skb);
	p->hash_extra = xnb_rx_cb(skb)->hashed;
	extras = p->gso_extra + p->hash_extra;
	p->nr_data = DIV_ROUND_UP(skb->len, XEN_PAGE_SIZE);
	for (k = 0; k < p->nr_data + extras; k++) {
		memcpy(&req, RING_GET_REQUEST(&q->rx, idx + k), sizeof(req));
		/* An extra's slot is consumed; its request carries nothing. */
		if (k >= 1 && k <= extras)
			continue;
		i = k ? k - extras : 0;
		p->ids[i] = req.id;
		c.grefs[i] = req.gref;
	}
	q->rx.req_cons = idx + k;

	if (!xnb_rx_copy_from(&c, skb->data, skb_headlen(skb)))
		return false;
	for (k = 0; k < skb_shinfo(skb)->nr_frags; k++) {
		const skb_frag_t *f = &skb_shinfo(skb)->frags[k];

		if (!xnb_rx_copy_from(&c, skb_frag_address(f), skb_frag_size(f)))
			return false;
	}
	return true;
}

/* The extra info slots after a packet's first response, GSO first. */
static void xnb_rx_put_extras(struct xnb_queue *q, const struct xnb_rx_pend *p)
{
	const struct sk_buff *skb = p->skb;
	struct xen_netif_extra_info *ex;
	RING_IDX slot = p->first_slot + 1;

	if (p->gso_extra) {
		ex = (struct xen_netif_extra_info *)RING_GET_RESPONSE(&q->rx, slot++);
		memset(ex, 0, sizeof(*ex));
		ex->type = XEN_NETIF_EXTRA_TYPE_GSO;
		if (p->hash_extra)
			ex->flags = XEN_NETIF_EXTRA_FLAG_MORE;
		ex->u.gso.size = skb_shinfo(skb)->gso_size;
		ex->u.gso.type = skb_shinfo(skb)->gso_type & SKB_GSO_TCPV6 ?
				 XEN_NETIF_GSO_TYPE_TCPV6 :
				 XEN_NETIF_GSO_TYPE_TCPV4;
	}
	if (p->hash_extra) {
		const struct xnb_rx_cb *cb = xnb_rx_cb(skb);
		__le32 value = cpu_to_le32(cb->hash);

		ex = (struct xen_netif_extra_info *)RING_GET_RESPONSE(&q->rx, slot);
		memset(ex, 0, sizeof(*ex));
		ex->type = XEN_NETIF_EXTRA_TYPE_HASH;
		ex->u.hash.type = cb->type;
		ex->u.hash.algorithm = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
		/* netif.h: least significant octet first. */
		memcpy(ex->u.hash.value, &value, sizeof(value));
	}
}

static void xnb_rx_respond(struct xnb_queue *q, struct xnb_rx_pend *p,
			   bool ok)
{
	unsigned int extras = p->gso_extra + p->hash_extra;
	struct sk_buff *skb = p->skb;
	struct xen_netif_rx_response *rsp;
	u32 left = skb->len;
	unsigned int k;

	for (k = 0; k < p->nr_data; k++) {
		u32 size = min_t(u32, left, XEN_PAGE_SIZE);
		u16 flags = 0;

		if (k + 1 < p->nr_data)
			flags |= XEN_NETRXF_more_data;
		if (k == 0) {
			if (skb->ip_summed == CHECKSUM_PARTIAL)
				flags |= XEN_NETRXF_csum_blank |
					 XEN_NETRXF_data_validated;
			else if (skb->ip_summed == CHECKSUM_UNNECESSARY)
				flags |= XEN_NETRXF_data_validated;
			if (extras)
				flags |= XEN_NETRXF_extra_info;
		}
		rsp = RING_GET_RESPONSE(&q->rx, p->first_slot + k +
					(k ? extras : 0));
		rsp->id = p->ids[k];
		rsp->offset = 0;
		rsp->flags = flags;
		rsp->status = ok ? size : XEN_NETIF_RSP_ERROR;
		left -= size;
	}
	xnb_rx_put_extras(q, p);
	q->rx.rsp_prod_pvt = p->first_slot + p->nr_data + extras;
}

/* Copy a batch to the guest and answer it; false if there was none. */
static bool xnb_rx_batch(struct xnb_queue *q, u32 avail)
{
	unsigned int nr = 0, nr_ops = 0, i, j;
	bool failed_all = false;
	int notify;

	while (nr < XNB_RX_BATCH && nr_ops + XNB_RX_OPS_PER_PKT <= XNB_RX_COPY_OPS) {
		struct xnb_rx_pend *p = &q->rx_pend[nr];
		struct sk_buff *skb;
		unsigned int need;

		spin_lock_bh(&q->rx_queue.lock);
		skb = skb_peek(&q->rx_queue);
		need = skb ? xnb_rx_slots(q, skb) : 0;
		if (skb && need <= avail)
			__skb_unlink(skb, &q->rx_queue);
		spin_unlock_bh(&q->rx_queue.lock);
		if (!skb)
			break;
		if (need > avail) {
			WRITE_ONCE(q->rx_need, need);
			/* Count each wait once, not each look while waiting. */
			if (!q->rx_waiting)
				q->stats.rx_ring_full++;
			q->rx_waiting = true;
			break;
		}
		q->rx_waiting = false;
		atomic_sub(skb->len, &q->rx_queued_bytes);
		avail -= need;
		if (!xnb_rx_prepare(q, p, skb, nr_ops, XNB_RX_OPS_PER_PKT)) {
			/* Slots taken: answer them with an error. */
			q->stats.to_guest_drop_too_big++;
			p->nr_ops = 0;
			xnb_rx_respond(q, p, false);
			kfree_skb(skb);
			continue;
		}
		nr_ops += p->nr_ops;
		nr++;
	}
	if (!nr)
		return false;

	if (nr_ops && HYPERVISOR_grant_table_op(GNTTABOP_copy, q->rx_copy,
						nr_ops))
		failed_all = true;
	for (i = 0; i < nr; i++) {
		struct xnb_rx_pend *p = &q->rx_pend[i];
		bool ok = !failed_all;

		for (j = 0; j < p->nr_ops && ok; j++)
			ok = q->rx_copy[p->first_op + j].status == GNTST_okay;
		xnb_rx_respond(q, p, ok);
		if (ok) {
			q->stats.to_guest_packets++;
			q->stats.to_guest_bytes += p->skb->len;
			q->stats.to_guest_gso += p->gso_extra;
			q->stats.to_guest_hash += p->hash_extra;
			consume_skb(p->skb);
		} else {
			q->stats.to_guest_drop_bad_gref++;
			xnb_vif_misbehaved(q->vif, "grant copy to the guest failed", false);
			kfree_skb(p->skb);
		}
	}
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
	if (notify)
		notify_remote_via_irq(q->rx_chan.irq ? q->rx_chan.irq :
				      q->tx_chan.irq);
	return true;
}

/* Move what the ring has room for; true if anything moved. */
static bool xnb_rx_action(struct xnb_queue *q)
{
	bool took = false;
	u32 avail;

	for (;;) {
		if (q->rx_broken || READ_ONCE(q->vif->disabled))
			return took;
		if (xnb_rx_posted(q, &avail)) {
			xnb_vif_misbehaved(q->vif, "rx req_prod beyond the ring", true);
			q->rx_broken = true;
			return took;
		}
		WRITE_ONCE(q->rx_need, 0);
		if (!xnb_rx_batch(q, avail))
			break;
		took = true;
	}
	if (READ_ONCE(q->rx_need)) {
		/* Ask to be told when enough buffers are there. */
		q->rx.sring->req_event = q->rx.req_cons + q->rx_need;
		virt_mb();
	}
	return took;
}

/* Work for the thread: a packet the ring has room for, or an event. */
static bool xnb_rx_ready(struct xnb_queue *q)
{
	u32 avail;

	if (READ_ONCE(q->rx_kicked))
		return true;
	if (skb_queue_empty_lockless(&q->rx_queue) || q->rx_broken ||
	    READ_ONCE(q->vif->disabled))
		return false;
	if (xnb_rx_posted(q, &avail))
		return true;	/* let the thread find and report it */
	return avail && avail >= READ_ONCE(q->rx_need);
}

void xnb_rx_purge(struct xnb_queue *q)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&q->rx_queue))) {
		q->stats.to_guest_drop_purged++;
		kfree_skb(skb);
	}
	atomic_set(&q->rx_queued_bytes, 0);
}

int xnb_rx_thread(void *arg)
{
	struct xnb_queue *q = arg;
	struct net_device *dev = q->vif->dev;

	while (!kthread_should_stop()) {
		bool kicked, took;

		wait_event_interruptible(q->rx_wq, xnb_rx_ready(q) ||
					 kthread_should_stop());
		kicked = xchg(&q->rx_kicked, false);
		took = xnb_rx_action(q);
		if (kicked) {
			RING_IDX prod = READ_ONCE(q->rx.sring->req_prod);

			/* Buffers posted are work even with nothing to send. */
			if (took || prod != q->rx_seen_prod)
				xnb_eoi_work(q, XNB_EOI_RX);
			q->rx_seen_prod = prod;
			xnb_eoi_done(q, XNB_EOI_RX);
		}
		/* Pairs with the stop-then-look-again in xnb_start_xmit(). */
		smp_mb();
		if (atomic_read(&q->rx_queued_bytes) < XNB_RX_QUEUE_MAX / 2 &&
		    netif_tx_queue_stopped(netdev_get_tx_queue(dev, q->id)))
			netif_tx_wake_queue(netdev_get_tx_queue(dev, q->id));
		cond_resched();
	}
	return 0;
}
