// SPDX-License-Identifier: GPL-2.0
/*
 * Packets from the guest: the frontend's transmit ring, served by the
 * queue's NAPI poll.
 *
 * Each pass copies the slots the frontend has produced off the ring once
 * (at most XSPLIT_NET_TX_FATAL_SLOTS), has net_tx.c judge them packet by
 * packet, and grant-copies the accepted packets' data into fresh skbs with
 * one hypercall for the whole batch. Nothing is mapped: once the copy is
 * done the guest cannot change what dom0's stack sees. Every slot taken
 * gets a response, a refused packet's data slots with an error. A
 * multicast operation a packet carries goes to mcast.c; netif.h's dummy
 * request, an operation with no data, is answered as soon as it is
 * carried out or refused.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/skbuff.h>
#include <xen/events.h>
#include <xen/page.h>
#include <asm/xen/hypercall.h>
#include <xsplit/ring_check.h>

#include "netback.h"

/* A packet up to this long goes in one linear buffer; longer, in pages. */
#define XNB_TX_LINEAR_MAX	1536u

static void xnb_tx_respond(struct xnb_queue *q, u16 id, s16 status)
{
	struct xen_netif_tx_response *rsp;

	rsp = RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);
	rsp->id = id;
	rsp->status = status;
	q->tx.rsp_prod_pvt++;
}

/* Extras are answered with RSP_NULL, in their own slots, like netfront expects. */
static void xnb_tx_respond_extras(struct xnb_queue *q, u32 nr_extras)
{
	struct xen_netif_tx_response *rsp;

	while (nr_extras--) {
		rsp = RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);
		rsp->status = XEN_NETIF_RSP_NULL;
		q->tx.rsp_prod_pvt++;
	}
}

/* Answer every slot of a refused packet, from the copies in q->slots. */
static void xnb_tx_refuse(struct xnb_queue *q, const struct xsplit_net_txslot *s,
			  const struct xsplit_net_tx_pkt *pkt)
{
	u32 i;

	xnb_tx_respond(q, s[0].id, XEN_NETIF_RSP_ERROR);
	xnb_tx_respond_extras(q, pkt->nr_extras);
	for (i = 1 + pkt->nr_extras; i < pkt->nr_slots; i++)
		xnb_tx_respond(q, s[i].id, XEN_NETIF_RSP_ERROR);
}

/*
 * netif.h's dummy request: a multicast operation and no data. Its one
 * data slot is answered with whether the operation was carried out.
 */
static void xnb_tx_dummy(struct xnb_queue *q, const struct xsplit_net_txslot *s,
			 const struct xsplit_net_tx_pkt *pkt)
{
	bool done = xnb_mcast_op(q, pkt);

	xnb_tx_respond(q, s[0].id, done ? XEN_NETIF_RSP_OKAY :
					  XEN_NETIF_RSP_ERROR);
	xnb_tx_respond_extras(q, pkt->nr_extras);
}

static void xnb_tx_push(struct xnb_queue *q)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, notify);
	if (notify)
		notify_remote_via_irq(q->tx_chan.irq);
}

/* An skb with room for @len bytes: linear if short, else headers + pages. */
static struct sk_buff *xnb_tx_alloc_skb(struct xnb_queue *q, u32 len)
{
	u32 linear = len <= XNB_TX_LINEAR_MAX ? len : XSPLIT_NET_TX_HDR_LEN;
	u32 rest = len - linear;
	struct sk_buff *skb;
	struct page *page;
	unsigned int i;

	skb = napi_alloc_skb(&q->napi, linear);
	if (!skb)
		return NULL;
	skb_put(skb, linear);
	for (i = 0; rest; i++) {
		u32 n = min_t(u32, rest, PAGE_SIZE);

		page = alloc_page(GFP_ATOMIC | __GFP_NOWARN);
		if (!page) {
			kfree_skb(skb);
			return NULL;
		}
		skb_add_rx_frag(skb, i, page, 0, n, PAGE_SIZE);
		rest -= n;
	}
	return skb;
}

/* Where the skb's byte @off lives: the linear part, then each frag. */
static void *xnb_skb_addr(struct sk_buff *skb, u32 off, u32 *room)
{
	unsigned int i;

	if (off < skb_headlen(skb)) {
		*room = skb_headlen(skb) - off;
		return skb->data + off;
	}
	off -= skb_headlen(skb);
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		skb_frag_t *f = &skb_shinfo(skb)->frags[i];

		if (off < skb_frag_size(f)) {
			*room = skb_frag_size(f) - off;
			return skb_frag_address(f) + off;
		}
		off -= skb_frag_size(f);
	}
	*room = 0;
	return NULL;
}

/*
 * Grant copies for one data slot into the skb from byte @at on: pieces
 * that stay within one 4 KiB frame on our side. Returns the op count.
 */
static unsigned int xnb_tx_copy_slot(struct xnb_queue *q, struct gnttab_copy *op,
				     struct sk_buff *skb, u32 at, u32 gref,
				     u32 offset, u32 size)
{
	unsigned int n = 0;

	while (size) {
		u32 room, len;
		void *dst = xnb_skb_addr(skb, at, &room);

		len = min3(size, room,
			   (u32)(XEN_PAGE_SIZE - xen_offset_in_page(dst)));
		op[n].source.u.ref = gref;
		op[n].source.domid = q->vif->xdev->otherend_id;
		op[n].source.offset = offset;
		op[n].dest.u.gmfn = virt_to_gfn(dst);
		op[n].dest.domid = DOMID_SELF;
		op[n].dest.offset = xen_offset_in_page(dst);
		op[n].len = len;
		op[n].flags = GNTCOPY_source_gref;
		n++;
		at += len;
		offset += len;
		size -= len;
	}
	return n;
}

/* Set up an accepted packet's skb and copies; false if out of memory. */
static bool xnb_tx_prepare(struct xnb_queue *q, struct xnb_tx_pend *p,
			   const struct xsplit_net_txslot *s, unsigned int first_op)
{
	const struct xsplit_net_tx_pkt *pkt = &p->pkt;
	struct gnttab_copy *op = &q->tx_copy[first_op];
	u32 i, at, n = 0;

	p->skb = xnb_tx_alloc_skb(q, pkt->len);
	if (!p->skb)
		return false;
	p->first_op = first_op;
	p->ids[0] = s[0].id;
	n += xnb_tx_copy_slot(q, op, p->skb, 0, s[0].gref, s[0].offset,
			      pkt->first_len);
	at = pkt->first_len;
	for (i = 1 + pkt->nr_extras; i < pkt->nr_slots; i++) {
		p->ids[i - pkt->nr_extras] = s[i].id;
		n += xnb_tx_copy_slot(q, op + n, p->skb, at, s[i].gref,
				      s[i].offset, s[i].size);
		at += s[i].size;
	}
	p->nr_ops = n;
	return true;
}

/* Hand a copied packet to dom0's stack with what the guest said of it. */
static void xnb_tx_deliver(struct xnb_queue *q, struct xnb_tx_pend *p)
{
	const struct xsplit_net_tx_pkt *pkt = &p->pkt;
	struct net_device *dev = q->vif->dev;
	struct sk_buff *skb = p->skb;
	bool gso = pkt->gso_type != XEN_NETIF_GSO_TYPE_NONE;

	skb->protocol = eth_type_trans(skb, dev);
	skb_reset_network_header(skb);
	skb_record_rx_queue(skb, q->id);

	if ((pkt->flags & XEN_NETTXF_csum_blank) || gso) {
		/*
		 * netfront leaves the pseudo-header sum in the checksum field
		 * of a csum_blank packet; others may not for GSO, so then it
		 * is recomputed.
		 */
		skb->ip_summed = CHECKSUM_PARTIAL;
		if (skb_checksum_setup(skb, !(pkt->flags & XEN_NETTXF_csum_blank))) {
			q->stats.drop_bad_csum++;
			xnb_vif_misbehaved(q->vif, "unusable headers for the checksum offload", false);
			kfree_skb(skb);
			return;
		}
		q->stats.from_guest_csum_blank++;
	} else if (pkt->flags & XEN_NETTXF_data_validated) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}

	if (gso) {
		struct skb_shared_info *sh = skb_shinfo(skb);

		sh->gso_size = pkt->gso_size;
		/* DODGY: the stack re-checks a guest's GSO before using it. */
		sh->gso_type = SKB_GSO_DODGY |
			       (pkt->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 ?
				SKB_GSO_TCPV4 : SKB_GSO_TCPV6);
		sh->gso_segs = 0;
		q->stats.from_guest_gso++;
	}

	q->stats.from_guest_packets++;
	q->stats.from_guest_bytes += pkt->len;
	netif_receive_skb(skb);
}

/* Copy the batch in, answer every packet, deliver the good ones. */
static void xnb_tx_finish(struct xnb_queue *q, unsigned int nr_pend,
			  unsigned int nr_ops)
{
	bool failed_all = false;
	unsigned int i, j;

	if (nr_ops && HYPERVISOR_grant_table_op(GNTTABOP_copy, q->tx_copy,
						nr_ops)) {
		/* The hypercall itself failed: nothing it did can be trusted. */
		failed_all = true;
	}

	for (i = 0; i < nr_pend; i++) {
		struct xnb_tx_pend *p = &q->tx_pend[i];
		const struct xsplit_net_tx_pkt *pkt = &p->pkt;
		s16 status = XEN_NETIF_RSP_OKAY;

		for (j = 0; j < p->nr_ops; j++)
			if (failed_all ||
			    q->tx_copy[p->first_op + j].status != GNTST_okay)
				status = XEN_NETIF_RSP_ERROR;

		xnb_tx_respond(q, p->ids[0], status);
		xnb_tx_respond_extras(q, pkt->nr_extras);
		for (j = 1; j < pkt->nr_frags; j++)
			xnb_tx_respond(q, p->ids[j], status);

		if (status != XEN_NETIF_RSP_OKAY) {
			q->stats.drop_bad_gref++;
			xnb_vif_misbehaved(q->vif, "grant copy from the guest failed", false);
			kfree_skb(p->skb);
			continue;
		}
		/*
		 * An operation on a packet with data goes with the packet:
		 * carried out once its data is in. The answer is about the
		 * data; a refused operation is only counted.
		 */
		if (pkt->mcast_op)
			xnb_mcast_op(q, pkt);
		xnb_tx_deliver(q, p);
	}
	xnb_tx_push(q);
}

static void xnb_tx_limits(struct xnb_queue *q, struct xsplit_net_tx_limits *lim)
{
	struct xnb_vif *vif = q->vif;

	lim->max_len = READ_ONCE(vif->dev->mtu) + VLAN_ETH_HLEN;
	lim->gso_tcpv4 = true;
	lim->gso_tcpv6 = true;
	/* Offered at probe: feature-multicast-control (mcast.c). */
	lim->mcast_ctrl = true;
}

/*
 * One batch: judge up to @budget packets and copy the accepted ones.
 * Returns the packets taken (refused ones count), or -1 if the ring is
 * now stopped for good.
 */
/*
 * The vif's "rate": may a packet of @len bytes go now? If not, the queue
 * stops taking packets and its timer polls again when credit is back
 * (events are not asked for meanwhile: they would only wake us early).
 */
static bool xnb_tx_credit(struct xnb_queue *q, u32 len)
{
	struct xnb_vif *vif = q->vif;
	u64 now = div_u64(ktime_get_ns(), NSEC_PER_USEC);
	u64 wait;
	bool ok;

	if (!vif->rate_limited)
		return true;
	spin_lock(&vif->credit_lock);
	ok = xsplit_net_credit_take(&vif->credit, len, now, &wait);
	spin_unlock(&vif->credit_lock);
	if (ok)
		return true;
	q->tx_throttled = true;
	q->stats.rate_waits++;
	/* At least a tick away, at most a second: the poll then asks again. */
	mod_timer(&q->credit_timer,
		  jiffies + clamp_t(unsigned long,
				    usecs_to_jiffies(min_t(u64, wait, USEC_PER_SEC)),
				    1, HZ));
	return false;
}

void xnb_credit_timer(struct timer_list *t)
{
	struct xnb_queue *q = from_timer(q, t, credit_timer);

	napi_schedule(&q->napi);
}

static int xnb_tx_batch(struct xnb_queue *q, int budget)
{
	struct xsplit_net_tx_limits lim;
	unsigned int nr_pend = 0, nr_ops = 0;
	u32 pending, avail, off = 0, k;
	RING_IDX prod, cons = q->tx.req_cons;
	bool ring_full;
	int taken = 0;

	q->tx_waiting = false;
	q->tx_throttled = false;
	prod = READ_ONCE(q->tx.sring->req_prod);
	virt_rmb();	/* the slots are read after the index */
	if (xsplit_ring_pending(prod, cons, XNB_TX_RING_SIZE, &pending)) {
		xnb_vif_misbehaved(q->vif, "tx req_prod beyond the ring", true);
		q->tx_broken = true;
		return -1;
	}
	if (!pending) {
		q->tx_empty_polls++;
		q->tx_empty_prod = prod;
		return 0;
	}
	avail = min_t(u32, pending, XSPLIT_NET_TX_FATAL_SLOTS);
	for (k = 0; k < avail; k++)
		memcpy(&q->slots[k], RING_GET_REQUEST(&q->tx, cons + k),
		       sizeof(q->slots[k]));
	/*
	 * A chain reaches XSPLIT_NET_TX_FATAL_SLOTS long before it could fill
	 * the ring, so an unfinished packet is always waited for.
	 */
	BUILD_BUG_ON(XSPLIT_NET_TX_FATAL_SLOTS >= XNB_TX_RING_SIZE);
	ring_full = false;
	xnb_tx_limits(q, &lim);

	while (taken < budget && nr_pend < XNB_TX_BATCH && off < avail &&
	       nr_ops + XNB_TX_OPS_PER_PKT <= XNB_TX_COPY_OPS) {
		struct xnb_tx_pend *p = &q->tx_pend[nr_pend];
		const struct xsplit_net_txslot *s = &q->slots[off];
		enum xsplit_net_tx_err err;

		err = xsplit_net_tx_parse(s, avail - off, ring_full, &lim,
					  &p->pkt);
		if (err == XSPLIT_NET_TX_INCOMPLETE) {
			/*
			 * Cut by our window: the next batch copies from this
			 * packet on. Cut by the frontend, which has not
			 * produced the rest: wait for it by event, not in a
			 * loop (see xnb_tx_poll).
			 */
			if (avail == pending) {
				q->tx_wait_prod = prod;
				q->tx_waiting = true;
			}
			break;
		}
		if (err == XSPLIT_NET_TX_OK && !xnb_tx_credit(q, p->pkt.len))
			break;
		if (err == XSPLIT_NET_TX_FATAL) {
			q->stats.drop_reason[err]++;
			xnb_vif_misbehaved(q->vif, "tx slot chain that never ends", true);
			q->tx_broken = true;
			break;
		}
		off += p->pkt.nr_slots;
		q->tx.req_cons += p->pkt.nr_slots;
		taken++;
		if (err != XSPLIT_NET_TX_OK) {
			q->stats.drop_reason[err]++;
			xnb_tx_refuse(q, s, &p->pkt);
			if (xnb_vif_misbehaved(q->vif, xsplit_net_tx_err_name(err), false)) {
				q->tx_broken = true;
				break;
			}
			continue;
		}
		/* Nothing to copy: answered now, like a refusal. */
		if (!p->pkt.len) {
			xnb_tx_dummy(q, s, &p->pkt);
			continue;
		}
		if (!xnb_tx_prepare(q, p, s, nr_ops)) {
			q->stats.drop_no_mem++;
			xnb_tx_refuse(q, s, &p->pkt);
			continue;
		}
		nr_ops += p->nr_ops;
		nr_pend++;
	}
	xnb_tx_finish(q, nr_pend, nr_ops);
	return q->tx_broken ? -1 : taken;
}

int xnb_tx_poll(struct napi_struct *napi, int budget)
{
	struct xnb_queue *q = container_of(napi, struct xnb_queue, napi);
	int done = 0, n;
	int more;

	q->tx_polls++;
	while (done < budget && !q->tx_broken && !READ_ONCE(q->vif->disabled)) {
		n = xnb_tx_batch(q, budget - done);
		if (n > 0)
			done += n;
		if (n <= 0 || q->tx_throttled)
			break;
	}
	if (done || q->tx_throttled)
		xnb_eoi_work(q, XNB_EOI_TX);
	if (done >= budget)
		return budget;
	if (!napi_complete_done(napi, done))
		return done;
	if (q->tx_broken || READ_ONCE(q->vif->disabled)) {
		/*
		 * Nothing more is read from this ring: rescheduling for the
		 * requests left on it would spin this CPU for the guest.
		 */
	} else if (q->tx_throttled) {
		/* The credit timer polls again. */
	} else if (q->tx_waiting) {
		/*
		 * A packet's slots are not all there yet: unconsumed requests
		 * exist, so the usual final check would poll again at once,
		 * for as long as the frontend likes. Ask for an event when
		 * req_prod moves instead. (tx_waiting stays set until the
		 * next batch, for the watchdog.)
		 */
		q->tx.sring->req_event = q->tx_wait_prod + 1;
		virt_mb();
		if (READ_ONCE(q->tx.sring->req_prod) != q->tx_wait_prod) {
			napi_schedule(napi);
			return done;
		}
	} else {
		/* Ask for an event at the next request, then look once more. */
		RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
		if (more) {
			napi_schedule(napi);
			return done;
		}
	}
	xnb_eoi_done(q, XNB_EOI_TX);
	return done;
}
