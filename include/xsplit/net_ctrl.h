/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend's half of the netif control ring (receive-side hashing), in
 * plain C so that the unit tests and a fuzzer run the very code the
 * backend runs.
 *
 * The backend copies each request off the shared ring once, into struct
 * xsplit_net_ctrl_req, and answers it in two steps:
 *
 *	v = xsplit_net_ctrl_judge(h, &req, &rsp, &copy);
 *	if (v == XSPLIT_NET_CTRL_COPY)
 *		grant-copy copy.len bytes from copy.gref at copy.offset into
 *		buf; if that fails, send rsp as judge filled it in
 *	if (v != XSPLIT_NET_CTRL_DONE)
 *		xsplit_net_ctrl_apply(h, &req, buf, copy.len, &rsp);
 *	put rsp on the ring
 *
 * The guest may rewrite both the ring slot and the granted page at any
 * time, so neither is read here: only the caller's copies.
 */
#ifndef XSPLIT_NET_CTRL_H
#define XSPLIT_NET_CTRL_H

#include <xsplit/plain.h>
#include <xsplit/netif.h>

/*
 * The longest key we keep: what RSS hardware uses for the four hash types
 * we offer (the IPv6+TCP input is 36 octets and needs 36 + 4 of key).
 */
#define XSPLIT_NET_HASH_KEY_MAX		40u
/* Entries in the mapping table; GET_HASH_MAPPING_SIZE says so. */
#define XSPLIT_NET_HASH_MAPPING_MAX	128u
/* Granted pages are 4 KiB whatever either domain's page size is. */
#define XSPLIT_NET_CTRL_PAGE_SIZE	4096u
/* The hash types we calculate, all four netif.h defines. */
#define XSPLIT_NET_HASH_TYPES_ALL			\
	(XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP | \
	 XEN_NETIF_CTRL_HASH_TYPE_IPV6 | XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)
/* The longest hash input: IPv6 addresses and TCP ports. */
#define XSPLIT_NET_HASH_INPUT_MAX	36u

/* One control ring request, as copied off the ring (same layout). */
struct xsplit_net_ctrl_req {
	u16 id;
	u16 type;
	u32 data[3];
};

/* One control ring response, to be put on the ring as it is. */
struct xsplit_net_ctrl_rsp {
	u16 id;
	u16 type;
	u32 status;
	u32 data;
};

/* Guest memory a request refers to, to be grant-copied before apply. */
struct xsplit_net_ctrl_copy {
	u32 gref;
	u32 offset;		/* offset + len never exceeds the 4 KiB page */
	u32 len;		/* 0: nothing to copy */
};

/* What the caller must do next with a judged request. */
enum xsplit_net_ctrl_verdict {
	XSPLIT_NET_CTRL_DONE,	/* send rsp as it is; the state is unchanged */
	XSPLIT_NET_CTRL_APPLY,	/* call apply, with no bytes */
	XSPLIT_NET_CTRL_COPY,	/* grant-copy, then call apply with the bytes */
};

/*
 * A vif's hashing state, as the frontend configured it. Every field is
 * kept within its bounds by the functions below, whatever the requests:
 * key_len <= XSPLIT_NET_HASH_KEY_MAX with key[] zero past key_len,
 * mapping_size <= XSPLIT_NET_HASH_MAPPING_MAX, every mapping[] entry (also
 * past mapping_size) below nr_queues, and nr_queues >= 1.
 */
struct xsplit_net_hash {
	u32 algorithm;		/* XEN_NETIF_CTRL_HASH_ALGORITHM_* */
	u32 flags;		/* XEN_NETIF_CTRL_HASH_TYPE_* */
	u8 key[XSPLIT_NET_HASH_KEY_MAX];
	u32 key_len;
	u32 mapping_size;	/* 0: queue = hash % nr_queues */
	u32 mapping[XSPLIT_NET_HASH_MAPPING_MAX];
	u32 nr_queues;
};

/*
 * The state of a newly connected vif with @nr_queues queues (0 is taken
 * as 1): no algorithm, no hash types, an empty key, no mapping table.
 */
void xsplit_net_hash_init(struct xsplit_net_hash *h, u32 nr_queues);

/*
 * Judge @req against @h without changing @h. Always fills *@rsp (id and
 * type echoed) and *@copy (len 0 unless COPY). With COPY, *@rsp is what to
 * send if the grant copy fails (INVALID_PARAMETER), and the copy stays
 * within one 4 KiB page.
 */
enum xsplit_net_ctrl_verdict
xsplit_net_ctrl_judge(const struct xsplit_net_hash *h,
		      const struct xsplit_net_ctrl_req *req,
		      struct xsplit_net_ctrl_rsp *rsp,
		      struct xsplit_net_ctrl_copy *copy);

/*
 * Carry out @req on @h with the @len bytes at @buf the grant copy brought
 * (none for APPLY), and fill *@rsp. @req is judged again first, so a call
 * out of turn (state changed since, or @len not what judge asked for)
 * changes nothing and answers as judge would, or INVALID_PARAMETER. A
 * mapping table is taken whole or not at all: one entry naming a queue
 * we do not have refuses it (INVALID_PARAMETER).
 */
void xsplit_net_ctrl_apply(struct xsplit_net_hash *h,
			   const struct xsplit_net_ctrl_req *req,
			   const void *buf, u32 len,
			   struct xsplit_net_ctrl_rsp *rsp);

/*
 * The Toeplitz hash of @len bytes at @data under the @keylen-byte key at
 * @key; key bits past @keylen count as zero. Reads nothing past either.
 */
u32 xsplit_net_toeplitz(const u8 *key, u32 keylen, const u8 *data, u32 len);

/* The header fields a hash is taken over, from the backend's parse. */
struct xsplit_net_flow {
	u8 l3;			/* 4, 6, or anything else: not hashed */
	bool tcp;		/* the ports are a TCP header's */
	u8 saddr[16];		/* network order; IPv4 in the first 4 */
	u8 daddr[16];
	u16 sport;		/* host order */
	u16 dport;
};

/*
 * The hash input for one XEN_NETIF_CTRL_HASH_TYPE_* (a single bit) as
 * netif.h lays it out: source and destination address, then source and
 * destination port for the TCP types, all in network order. Returns its
 * length (8, 12, 32 or 36), or 0 if @type does not fit @f (another l3, a
 * TCP type for a flow that is not TCP, not exactly one known bit).
 */
u32 xsplit_net_hash_input(const struct xsplit_net_flow *f, u32 type,
			  u8 buf[XSPLIT_NET_HASH_INPUT_MAX]);

struct xsplit_net_hash_result {
	u32 type;		/* the XEN_NETIF_CTRL_HASH_TYPE_* bit used */
	u32 hash;
	u32 queue;		/* below the state's nr_queues */
};

/*
 * Hash @f as @h asks: the TCP type of its l3 if that flag is set and @f
 * is TCP, else the address-only type if that flag is set. Returns false,
 * leaving *@res alone, when there is nothing to hash (no algorithm, no
 * matching flag, an l3 we do not hash): the backend then picks the queue
 * as it likes. The queue is mapping[hash % mapping_size], or hash %
 * nr_queues without a mapping table.
 */
bool xsplit_net_hash_pick(const struct xsplit_net_hash *h,
			  const struct xsplit_net_flow *f,
			  struct xsplit_net_hash_result *res);

#endif /* XSPLIT_NET_CTRL_H */
