/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Judging one packet a netfront put on its transmit ring, in plain C so
 * that the unit tests and a fuzzer run the very code the backend runs.
 *
 * The backend copies every slot it looks at off the shared ring exactly
 * once (into struct xsplit_net_txslot) and hands the copies here; from
 * then on only the copies and the parsed packet are used.
 */
#ifndef XSPLIT_NET_TX_H
#define XSPLIT_NET_TX_H

#include <xsplit/plain.h>
#include <xsplit/netif.h>

/* Grant pages are 4 KiB whatever either domain's page size is. */
#define XSPLIT_NET_PAGE_SIZE		4096u
/*
 * Data slots one packet may use: the protocol's minimum every backend must
 * accept (XEN_NETIF_NR_SLOTS_MIN, 18), which is also all we accept.
 */
#define XSPLIT_NET_TX_MAX_SLOTS		XEN_NETIF_NR_SLOTS_MIN
/*
 * A chain longer than this many slots is not a packet at all: the backend
 * stops reading and disables the vif instead of dropping it.
 */
#define XSPLIT_NET_TX_FATAL_SLOTS	64u
/*
 * The first XSPLIT_NET_TX_HDR_LEN bytes of a packet (its headers) must lie
 * in at most XSPLIT_NET_TX_HDR_SLOTS data slots. netfront sends an skb's
 * linear part in one slot, or two where it crosses a page; headers cut
 * into many tiny slots only make the backend do work (XSA-423, XSA-432).
 */
#define XSPLIT_NET_TX_HDR_LEN		128u
#define XSPLIT_NET_TX_HDR_SLOTS		3u
/* Shortest packet: an Ethernet header. */
#define XSPLIT_NET_ETH_HLEN		14u

/* One transmit ring slot, as copied off the ring (same layout). */
struct xsplit_net_txslot {
	u32 gref;
	u16 offset;
	u16 flags;
	u16 id;
	u16 size;
};

/* What the backend offered and the frontend may therefore use. */
struct xsplit_net_tx_limits {
	u32 max_len;		/* longest packet without GSO: MTU + headers */
	bool gso_tcpv4;		/* feature-gso-tcpv4 */
	bool gso_tcpv6;		/* feature-gso-tcpv6 */
	bool mcast_ctrl;	/* feature-multicast-control */
};

/* Why a packet was refused; each has its own counter. */
enum xsplit_net_tx_err {
	XSPLIT_NET_TX_OK = 0,
	XSPLIT_NET_TX_INCOMPLETE,	/* not a refusal: more slots to come */
	XSPLIT_NET_TX_BAD_OFFSET,	/* offset + size runs off the page */
	XSPLIT_NET_TX_TOO_MANY_SLOTS,	/* > XSPLIT_NET_TX_MAX_SLOTS */
	XSPLIT_NET_TX_HDR_SPLIT,	/* headers in too many slots */
	XSPLIT_NET_TX_ZERO_LEN,		/* an empty data slot */
	XSPLIT_NET_TX_RUNT,		/* shorter than an Ethernet header */
	XSPLIT_NET_TX_OVERSIZE,		/* longer than max_len without GSO */
	XSPLIT_NET_TX_BAD_SIZE,		/* slot sizes disagree with the total */
	XSPLIT_NET_TX_BAD_EXTRA,	/* unknown, repeated, unoffered, add+del */
	XSPLIT_NET_TX_BAD_GSO,		/* unknown or unoffered type, zero size */
	XSPLIT_NET_TX_FATAL,		/* not a packet: disable the vif */
	XSPLIT_NET_TX_NR_ERRS
};

/* A packet as the backend will build it, filled in only on success. */
struct xsplit_net_tx_pkt {
	/*
	 * Ring slots the packet took, extras included: each gets a response
	 * (an extra's is XEN_NETIF_RSP_NULL). Also set on a refusal other
	 * than INCOMPLETE and FATAL, so that the backend answers them all.
	 */
	u32 nr_slots;
	/* Extras follow the first slot: data slots are 0 and 1+nr_extras.. */
	u32 nr_extras;
	u32 nr_frags;		/* data slots, the first one included */
	/*
	 * The packet: the first slot's size. 0 only for netif.h's dummy
	 * request, a multicast operation (mcast_op) on one empty slot:
	 * nothing to copy or deliver, only the operation to carry out.
	 */
	u32 len;
	u32 first_len;		/* of which the first slot holds */
	u16 flags;		/* the first slot's XEN_NETTXF_* */
	u8 gso_type;		/* XEN_NETIF_GSO_TYPE_*, NONE without GSO */
	u16 gso_size;
	u8 mcast_op;		/* XEN_NETIF_EXTRA_TYPE_MCAST_ADD/DEL, or 0 */
	u8 mcast_addr[6];
};

/*
 * Parse the packet that starts at slots[0], of which @avail slots have been
 * copied (all the frontend has produced, up to what fits in the array).
 * @ring_full means that the frontend cannot produce more before we consume
 * these, so a packet still unfinished after @avail slots is refused
 * (FATAL) rather than waited for (INCOMPLETE).
 *
 * Returns XSPLIT_NET_TX_OK with *pkt filled, INCOMPLETE (touch nothing,
 * come back with more slots), FATAL (touch nothing), or another reason,
 * with only pkt->nr_slots and pkt->nr_extras set: the slots to consume and
 * answer, of which slots 1..nr_extras are extras.
 */
enum xsplit_net_tx_err xsplit_net_tx_parse(const struct xsplit_net_txslot *slots,
					   u32 avail, bool ring_full,
					   const struct xsplit_net_tx_limits *lim,
					   struct xsplit_net_tx_pkt *pkt);

/* The counter name of a reason, e.g. "bad_offset"; "ok" for OK. */
const char *xsplit_net_tx_err_name(enum xsplit_net_tx_err err);

/*
 * An extra info slot decoded from its copy: the layout overlays the first
 * eight bytes of a tx slot in native byte order.
 */
struct xsplit_net_extra {
	u8 type;
	u8 flags;
	u16 gso_size;
	u8 gso_type;
	u16 gso_features;
	u8 addr[6];		/* multicast */
};

void xsplit_net_extra_decode(const struct xsplit_net_txslot *slot,
			     struct xsplit_net_extra *ex);

#endif /* XSPLIT_NET_TX_H */
