// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h and net_tx.h.
 *
 * A packet is its first slot (whose size is the whole packet's length),
 * then any extra info slots, then the rest of its data slots, each one
 * announced by XEN_NETTXF_more_data on the data slot before it. Nothing in
 * a slot is trusted: sizes, offsets and flags all come from the frontend.
 * Refusals are recorded but the walk goes on to the packet's end, so that
 * the backend answers every slot and the ring stays in step.
 */

#include <xsplit/net_tx.h>

static const char *const err_names[XSPLIT_NET_TX_NR_ERRS] = {
	[XSPLIT_NET_TX_OK] = "ok",
	[XSPLIT_NET_TX_INCOMPLETE] = "incomplete",
	[XSPLIT_NET_TX_BAD_OFFSET] = "bad_offset",
	[XSPLIT_NET_TX_TOO_MANY_SLOTS] = "too_many_slots",
	[XSPLIT_NET_TX_HDR_SPLIT] = "hdr_split",
	[XSPLIT_NET_TX_ZERO_LEN] = "zero_len",
	[XSPLIT_NET_TX_RUNT] = "runt",
	[XSPLIT_NET_TX_OVERSIZE] = "oversize",
	[XSPLIT_NET_TX_BAD_SIZE] = "bad_size",
	[XSPLIT_NET_TX_BAD_EXTRA] = "bad_extra",
	[XSPLIT_NET_TX_BAD_GSO] = "bad_gso",
	[XSPLIT_NET_TX_FATAL] = "fatal",
};

const char *xsplit_net_tx_err_name(enum xsplit_net_tx_err err)
{
	if ((unsigned int)err >= XSPLIT_NET_TX_NR_ERRS)
		return "unknown";
	return err_names[err];
}

void xsplit_net_extra_decode(const struct xsplit_net_txslot *slot,
			     struct xsplit_net_extra *ex)
{
	u8 b[8];
	unsigned int i;

	/* gref, offset, flags: the first eight bytes, in memory order. */
	for (i = 0; i < 4; i++)
		b[i] = ((const u8 *)&slot->gref)[i];
	b[4] = ((const u8 *)&slot->offset)[0];
	b[5] = ((const u8 *)&slot->offset)[1];
	b[6] = ((const u8 *)&slot->flags)[0];
	b[7] = ((const u8 *)&slot->flags)[1];

	ex->type = b[0];
	ex->flags = b[1];
	((u8 *)&ex->gso_size)[0] = b[2];
	((u8 *)&ex->gso_size)[1] = b[3];
	ex->gso_type = b[4];
	((u8 *)&ex->gso_features)[0] = b[6];
	((u8 *)&ex->gso_features)[1] = b[7];
	for (i = 0; i < 6; i++)
		ex->addr[i] = b[2 + i];
}

/* Keep the first reason found: later ones are usually its consequences. */
static void note(enum xsplit_net_tx_err *err, enum xsplit_net_tx_err why)
{
	if (*err == XSPLIT_NET_TX_OK)
		*err = why;
}

static void take_extra(const struct xsplit_net_extra *ex,
		       const struct xsplit_net_tx_limits *lim,
		       struct xsplit_net_tx_pkt *pkt, u32 *seen,
		       enum xsplit_net_tx_err *err)
{
	if (ex->type == 0 || ex->type >= 8 * sizeof(*seen) ||
	    (*seen & (1u << ex->type))) {
		note(err, XSPLIT_NET_TX_BAD_EXTRA);
		return;
	}
	*seen |= 1u << ex->type;

	switch (ex->type) {
	case XEN_NETIF_EXTRA_TYPE_GSO:
		if ((ex->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 && lim->gso_tcpv4) ||
		    (ex->gso_type == XEN_NETIF_GSO_TYPE_TCPV6 && lim->gso_tcpv6)) {
			if (!ex->gso_size) {
				note(err, XSPLIT_NET_TX_BAD_GSO);
				return;
			}
			pkt->gso_type = ex->gso_type;
			pkt->gso_size = ex->gso_size;
		} else {
			note(err, XSPLIT_NET_TX_BAD_GSO);
		}
		return;
	case XEN_NETIF_EXTRA_TYPE_MCAST_ADD:
	case XEN_NETIF_EXTRA_TYPE_MCAST_DEL:
		/* Only one of the two per packet: they would contradict. */
		if (!lim->mcast_ctrl || pkt->mcast_op) {
			note(err, XSPLIT_NET_TX_BAD_EXTRA);
			return;
		}
		pkt->mcast_op = ex->type;
		for (unsigned int i = 0; i < 6; i++)
			pkt->mcast_addr[i] = ex->addr[i];
		return;
	case XEN_NETIF_EXTRA_TYPE_HASH:
		/* A hint about the guest's own hashing; nothing to check. */
		return;
	default:
		note(err, XSPLIT_NET_TX_BAD_EXTRA);
		return;
	}
}

/* A data slot other than the first: its bytes must stay in its page. */
static void check_frag(const struct xsplit_net_txslot *s,
		       enum xsplit_net_tx_err *err)
{
	if (!s->size)
		note(err, XSPLIT_NET_TX_ZERO_LEN);
	else if ((u32)s->offset + s->size > XSPLIT_NET_PAGE_SIZE)
		note(err, XSPLIT_NET_TX_BAD_OFFSET);
}

/* How many data slots the first XSPLIT_NET_TX_HDR_LEN bytes occupy. */
static u32 header_slots(const struct xsplit_net_txslot *slots,
			const struct xsplit_net_tx_pkt *pkt)
{
	u32 want = pkt->len < XSPLIT_NET_TX_HDR_LEN ? pkt->len :
						      XSPLIT_NET_TX_HDR_LEN;
	u32 have = pkt->first_len, n = 1, i = 1 + pkt->nr_extras;

	while (have < want && i < pkt->nr_slots) {
		have += slots[i++].size;
		n++;
	}
	return n;
}

/*
 * netif.h's "dummy transmit request" that carries a multicast operation:
 * a first slot of size 0 with the extra and no data slot after it. It
 * names no bytes at all, so it is neither a runt nor short of data.
 */
static bool is_dummy(const struct xsplit_net_tx_pkt *p)
{
	return p->mcast_op && p->nr_frags == 1 && p->len == 0;
}

enum xsplit_net_tx_err xsplit_net_tx_parse(const struct xsplit_net_txslot *slots,
					   u32 avail, bool ring_full,
					   const struct xsplit_net_tx_limits *lim,
					   struct xsplit_net_tx_pkt *pkt)
{
	enum xsplit_net_tx_err err = XSPLIT_NET_TX_OK;
	struct xsplit_net_tx_pkt p = { 0 };
	struct xsplit_net_extra ex;
	u32 i = 1, seen = 0, rest = 0;
	bool dummy;
	u16 more;

	if (!avail)
		return XSPLIT_NET_TX_INCOMPLETE;
	more = slots[0].flags;
	p.flags = slots[0].flags;
	p.len = slots[0].size;
	p.gso_type = XEN_NETIF_GSO_TYPE_NONE;

	if (slots[0].flags & XSPLIT_NETTXF_EXTRA_INFO) {
		do {
			if (i >= XSPLIT_NET_TX_FATAL_SLOTS)
				return XSPLIT_NET_TX_FATAL;
			if (i >= avail)
				return ring_full ? XSPLIT_NET_TX_FATAL :
						   XSPLIT_NET_TX_INCOMPLETE;
			xsplit_net_extra_decode(&slots[i++], &ex);
			take_extra(&ex, lim, &p, &seen, &err);
		} while (ex.flags & XEN_NETIF_EXTRA_FLAG_MORE);
	}
	p.nr_extras = i - 1;

	p.nr_frags = 1;
	while (more & XSPLIT_NETTXF_MORE_DATA) {
		if (i >= XSPLIT_NET_TX_FATAL_SLOTS)
			return XSPLIT_NET_TX_FATAL;
		if (i >= avail)
			return ring_full ? XSPLIT_NET_TX_FATAL :
					   XSPLIT_NET_TX_INCOMPLETE;
		check_frag(&slots[i], &err);
		rest += slots[i].size;
		more = slots[i++].flags;
		p.nr_frags++;
	}
	p.nr_slots = i;
	dummy = is_dummy(&p);

	if (p.len < XSPLIT_NET_ETH_HLEN && !dummy)
		note(&err, XSPLIT_NET_TX_RUNT);
	/* The first slot's share is what the others leave of the total. */
	if (rest >= p.len && !dummy)
		note(&err, XSPLIT_NET_TX_BAD_SIZE);
	else
		p.first_len = p.len - rest;
	if ((u32)slots[0].offset + p.first_len > XSPLIT_NET_PAGE_SIZE)
		note(&err, XSPLIT_NET_TX_BAD_OFFSET);
	if (p.nr_frags > XSPLIT_NET_TX_MAX_SLOTS)
		note(&err, XSPLIT_NET_TX_TOO_MANY_SLOTS);
	if (p.len > lim->max_len && p.gso_type == XEN_NETIF_GSO_TYPE_NONE)
		note(&err, XSPLIT_NET_TX_OVERSIZE);
	if (err == XSPLIT_NET_TX_OK &&
	    header_slots(slots, &p) > XSPLIT_NET_TX_HDR_SLOTS)
		note(&err, XSPLIT_NET_TX_HDR_SPLIT);

	if (err != XSPLIT_NET_TX_OK) {
		pkt->nr_slots = p.nr_slots;
		pkt->nr_extras = p.nr_extras;
		return err;
	}
	*pkt = p;
	return XSPLIT_NET_TX_OK;
}
