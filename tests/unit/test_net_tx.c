// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/net_tx.h>

#include "unit.h"

#define PAGE	XSPLIT_NET_PAGE_SIZE
#define MORE	XSPLIT_NETTXF_MORE_DATA
#define XINFO	XSPLIT_NETTXF_EXTRA_INFO
#define EMORE	XEN_NETIF_EXTRA_FLAG_MORE
#define MTU_LEN	1514u
/* More slots than any test packet: room for the 64-slot limit and past. */
#define MAXS	80u

/* An extra overlays the first eight octets of a slot: gref, offset, flags. */
_Static_assert(offsetof(struct xsplit_net_txslot, offset) == 4 &&
	       offsetof(struct xsplit_net_txslot, flags) == 6 &&
	       offsetof(struct xsplit_net_txslot, id) == 8 &&
	       sizeof(struct xsplit_net_txslot) == 12,
	       "struct xsplit_net_txslot is not the ring's tx request layout");

static struct xsplit_net_tx_limits lim_plain(void)
{
	struct xsplit_net_tx_limits lim;

	memset(&lim, 0, sizeof(lim));
	lim.max_len = MTU_LEN;
	return lim;
}

static struct xsplit_net_tx_limits lim_full(void)
{
	struct xsplit_net_tx_limits lim = lim_plain();

	lim.gso_tcpv4 = true;
	lim.gso_tcpv6 = true;
	lim.mcast_ctrl = true;
	return lim;
}

static struct xsplit_net_txslot data(u16 offset, u16 size, u16 flags)
{
	struct xsplit_net_txslot s;

	memset(&s, 0, sizeof(s));
	s.gref = 0x1000 + size;
	s.offset = offset;
	s.flags = flags;
	s.id = 0x77;
	s.size = size;
	return s;
}

/*
 * An extra slot from its eight octets as netif.h draws them. The tx
 * padding after them (id and size) holds a pattern: it means nothing.
 */
static struct xsplit_net_txslot extra(const u8 b[8])
{
	struct xsplit_net_txslot s;

	memset(&s, 0x5a, sizeof(s));
	memcpy(&s, b, 8);
	return s;
}

static struct xsplit_net_txslot ext_gso(u8 flags, u16 size, u8 type,
					u16 features)
{
	u8 b[8] = { XEN_NETIF_EXTRA_TYPE_GSO, flags };

	memcpy(&b[2], &size, 2);
	b[4] = type;
	b[5] = 0;
	memcpy(&b[6], &features, 2);
	return extra(b);
}

static const u8 maddr[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

static struct xsplit_net_txslot ext_mcast(u8 type, u8 flags)
{
	u8 b[8] = { type, flags };

	memcpy(&b[2], maddr, 6);
	return extra(b);
}

/* Hash type, algorithm and value are the guest's business. */
static struct xsplit_net_txslot ext_hash(u8 flags)
{
	u8 b[8] = { XEN_NETIF_EXTRA_TYPE_HASH, flags, 2, 1, 0xde, 0xad,
		    0xbe, 0xef };

	return extra(b);
}

static struct xsplit_net_txslot ext_type(u8 type, u8 flags)
{
	u8 b[8] = { type, flags, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

	return extra(b);
}

/*
 * The checker sees an exact-size heap copy of the @avail slots it may
 * read, so that ASan catches a read past them.
 */
static enum xsplit_net_tx_err parse(const struct xsplit_net_txslot *s,
				    u32 avail, bool ring_full,
				    const struct xsplit_net_tx_limits *lim,
				    struct xsplit_net_tx_pkt *pkt)
{
	struct xsplit_net_txslot *copy;
	enum xsplit_net_tx_err err;

	copy = malloc(avail ? avail * sizeof(*copy) : 1);
	if (!copy)
		abort();
	if (avail)
		memcpy(copy, s, avail * sizeof(*copy));
	err = xsplit_net_tx_parse(copy, avail, ring_full, lim, pkt);
	free(copy);
	return err;
}

/*
 * The @n slots of one packet, followed on the ring by a slot that would
 * wreck the packet if it were taken for part of it: empty, asking for
 * extras and for more data. The ring is full, so nothing is waited for.
 */
static enum xsplit_net_tx_err check_n(const struct xsplit_net_txslot *s,
				      u32 n,
				      const struct xsplit_net_tx_limits *lim,
				      struct xsplit_net_tx_pkt *pkt)
{
	struct xsplit_net_txslot ring[MAXS + 1];

	if (n > MAXS)
		abort();
	memcpy(ring, s, n * sizeof(*s));
	ring[n] = data(0, 0, MORE | XINFO);
	memset(pkt, 0xa5, sizeof(*pkt));
	return parse(ring, n + 1, true, lim, pkt);
}

/* Accepted as a packet of exactly @n slots. */
static bool accepted(const struct xsplit_net_txslot *s, u32 n,
		     const struct xsplit_net_tx_limits *lim,
		     struct xsplit_net_tx_pkt *pkt)
{
	return check_n(s, n, lim, pkt) == XSPLIT_NET_TX_OK &&
	       pkt->nr_slots == n;
}

/* Refused for @why, with all @n slots to be answered. */
static bool refused(const struct xsplit_net_txslot *s, u32 n,
		    const struct xsplit_net_tx_limits *lim,
		    enum xsplit_net_tx_err why)
{
	struct xsplit_net_tx_pkt pkt;

	return check_n(s, n, lim, &pkt) == why && pkt.nr_slots == n;
}

#define ACCEPTED(s, lim, pkt)	accepted(s, ARRAY_SIZE(s), lim, pkt)
#define REFUSED(s, lim, why)	refused(s, ARRAY_SIZE(s), lim, why)

/* -- well-formed packets ------------------------------------------------ */

TEST(net_tx_one_slot)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = {
		data(0x100, 60, XSPLIT_NETTXF_CSUM_BLANK),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.nr_extras == 0);
	CHECK(p.nr_frags == 1);
	CHECK(p.len == 60);
	CHECK(p.first_len == 60);
	CHECK(p.flags == XSPLIT_NETTXF_CSUM_BLANK);
	CHECK(p.gso_type == XEN_NETIF_GSO_TYPE_NONE);
	CHECK(p.gso_size == 0);
	CHECK(p.mcast_op == 0);
	/* Full MTU at the very end of its page. */
	s[0] = data(PAGE - MTU_LEN, MTU_LEN, 0);
	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.len == MTU_LEN && p.first_len == MTU_LEN);
}

TEST(net_tx_multi_slot)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = {
		data(0x40, 1500, MORE | XSPLIT_NETTXF_DATA_VALIDATED),
		data(0, 1000, MORE),
		data(0x800, 300, MORE),
		data(0xf00, 150, 0),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.nr_extras == 0);
	CHECK(p.nr_frags == 4);
	CHECK(p.len == 1500);
	CHECK(p.first_len == 1500 - 1000 - 300 - 150);
	CHECK(p.flags == (MORE | XSPLIT_NETTXF_DATA_VALIDATED));
	/* The smallest share the first slot can have. */
	s[0].size = 1000 + 300 + 150 + 1;
	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.first_len == 1);
}

/* The first slot's page check is on its share, not on the whole packet. */
TEST(net_tx_first_slot_page_is_its_share)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = {
		data(3000, 1500, MORE),
		data(0, 404, 0),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.first_len == 1096);
	s[1].size = 403;
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_OFFSET));
}

/* -- GSO ---------------------------------------------------------------- */

/* 60000 bytes: 4000 in each of 15 data slots, after a GSO extra. */
static u32 gso_packet(struct xsplit_net_txslot *s, u16 gso_size, u8 gso_type)
{
	u32 i, n = 0;

	s[n++] = data(96, 60000, MORE | XINFO | XSPLIT_NETTXF_CSUM_BLANK);
	s[n++] = ext_gso(0, gso_size, gso_type, 0);
	for (i = 1; i < 15; i++)
		s[n++] = data(0, 4000, i < 14 ? MORE : 0);
	return n;
}

/*
 * net_tx.h has both "unoffered extra" (bad_extra) and "unknown GSO type"
 * (bad_gso); a GSO type the backend did not offer fits either.
 */
static bool unoffered(const struct xsplit_net_txslot *s, u32 n,
		      const struct xsplit_net_tx_limits *lim)
{
	return refused(s, n, lim, XSPLIT_NET_TX_BAD_GSO) ||
	       refused(s, n, lim, XSPLIT_NET_TX_BAD_EXTRA);
}

TEST(net_tx_gso_tcpv4)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[MAXS];
	struct xsplit_net_tx_pkt p;
	u32 n = gso_packet(s, 1448, XEN_NETIF_GSO_TYPE_TCPV4);

	l.gso_tcpv4 = true;
	CHECK(accepted(s, n, &l, &p));
	CHECK(p.nr_extras == 1);
	CHECK(p.nr_frags == 15);
	CHECK(p.len == 60000);
	CHECK(p.first_len == 4000);
	CHECK(p.gso_type == XEN_NETIF_GSO_TYPE_TCPV4);
	CHECK(p.gso_size == 1448);
	CHECK(p.mcast_op == 0);

	/* Only what was offered: tcpv6 does not stand in for tcpv4. */
	l = lim_full();
	l.gso_tcpv4 = false;
	CHECK(unoffered(s, n, &l));
	l = lim_plain();
	CHECK(unoffered(s, n, &l));
}

TEST(net_tx_gso_tcpv6)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[MAXS];
	struct xsplit_net_tx_pkt p;
	u32 n = gso_packet(s, 1428, XEN_NETIF_GSO_TYPE_TCPV6);

	l.gso_tcpv6 = true;
	CHECK(accepted(s, n, &l, &p));
	CHECK(p.gso_type == XEN_NETIF_GSO_TYPE_TCPV6);
	CHECK(p.gso_size == 1428);

	l = lim_full();
	l.gso_tcpv6 = false;
	CHECK(unoffered(s, n, &l));
}

TEST(net_tx_gso_zero_size)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[MAXS];
	u32 n;

	n = gso_packet(s, 0, XEN_NETIF_GSO_TYPE_TCPV4);
	CHECK(refused(s, n, &l, XSPLIT_NET_TX_BAD_GSO));
	n = gso_packet(s, 0, XEN_NETIF_GSO_TYPE_TCPV6);
	CHECK(refused(s, n, &l, XSPLIT_NET_TX_BAD_GSO));
}

TEST(net_tx_gso_unknown_type)
{
	static const u8 types[] = { XEN_NETIF_GSO_TYPE_NONE, 3, 4, 0x81, 0xff };
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[MAXS];
	unsigned int i;
	u32 n;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		n = gso_packet(s, 1448, types[i]);
		CHECK(refused(s, n, &l, XSPLIT_NET_TX_BAD_GSO));
	}
	/* Even a packet that would fit without GSO. */
	s[0].size = 1000;
	s[2] = data(0, 500, 0);
	CHECK(refused(s, 3, &l, XSPLIT_NET_TX_BAD_GSO));
}

/* GSO is what lets a packet be longer than max_len; features are opaque. */
TEST(net_tx_gso_small_packet_and_features)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[] = {
		data(0, 200, XINFO),
		ext_gso(0, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0xffff),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.nr_frags == 1 && p.nr_extras == 1);
	CHECK(p.first_len == 200);
	CHECK(p.gso_size == 1448);
}

/* -- other extras ------------------------------------------------------- */

TEST(net_tx_mcast_needs_ctrl)
{
	static const u8 ops[] = { XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
				  XEN_NETIF_EXTRA_TYPE_MCAST_DEL };
	struct xsplit_net_tx_limits l;
	struct xsplit_net_txslot s[2];
	struct xsplit_net_tx_pkt p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		s[0] = data(0, 60, XINFO);
		s[1] = ext_mcast(ops[i], 0);
		l = lim_full();
		CHECK(ACCEPTED(s, &l, &p));
		CHECK(p.nr_extras == 1);
		CHECK(p.mcast_op == ops[i]);
		CHECK(memcmp(p.mcast_addr, maddr, 6) == 0);
		CHECK(p.gso_type == XEN_NETIF_GSO_TYPE_NONE);

		l.mcast_ctrl = false;
		CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_EXTRA));
	}
}

/* One packet carries one multicast operation: add and del would clash. */
TEST(net_tx_mcast_add_and_del)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[] = {
		data(0, 60, XINFO),
		ext_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, EMORE),
		ext_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_DEL, 0),
	};

	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_EXTRA));
}

/*
 * netif.h's dummy request: the operation on a first slot of size 0 and
 * nothing else. Accepted as a packet of length 0, which the backend only
 * answers.
 */
TEST(net_tx_mcast_dummy)
{
	static const u8 ops[] = { XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
				  XEN_NETIF_EXTRA_TYPE_MCAST_DEL };
	struct xsplit_net_tx_limits l;
	struct xsplit_net_txslot s[2];
	struct xsplit_net_tx_pkt p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		/* As a frontend fills it: no grant, no offset. */
		s[0] = data(0, 0, XINFO);
		s[0].gref = 0;
		s[1] = ext_mcast(ops[i], 0);
		l = lim_full();
		CHECK(ACCEPTED(s, &l, &p));
		CHECK(p.len == 0 && p.first_len == 0);
		CHECK(p.nr_frags == 1 && p.nr_extras == 1);
		CHECK(p.mcast_op == ops[i]);
		CHECK(memcmp(p.mcast_addr, maddr, 6) == 0);
		/* Not offered: an empty slot with an unoffered extra. */
		l.mcast_ctrl = false;
		CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_EXTRA));
	}
}

/* Only a slot that names no bytes at all is a dummy. */
TEST(net_tx_mcast_dummy_only_when_empty)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[] = {
		data(0, 13, XINFO),
		ext_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0),
	};
	struct xsplit_net_txslot t[] = {
		data(0, 0, XINFO | MORE),
		ext_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0),
		data(0, 60, 0),
	};
	struct xsplit_net_txslot u[] = {
		data(0, 0, XINFO),
		ext_hash(0),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_RUNT));
	s[0].size = 1;
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_RUNT));
	/* Data after an empty first slot: a packet of 0 bytes, no dummy. */
	CHECK(REFUSED(t, &l, XSPLIT_NET_TX_RUNT));
	/* Any other extra on an empty slot leaves a packet of 0 bytes. */
	CHECK(REFUSED(u, &l, XSPLIT_NET_TX_RUNT));
	/* A dummy may carry a hash hint too; the offset is still checked. */
	{
		struct xsplit_net_txslot d[] = {
			data(PAGE, 0, XINFO),
			ext_hash(EMORE),
			ext_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_DEL, 0),
		};

		CHECK(ACCEPTED(d, &l, &p));
		CHECK(p.len == 0 && p.nr_extras == 2);
		CHECK(p.mcast_op == XEN_NETIF_EXTRA_TYPE_MCAST_DEL);
		d[0].offset = PAGE + 1;
		CHECK(REFUSED(d, &l, XSPLIT_NET_TX_BAD_OFFSET));
	}
	/* Two operations make no dummy either. */
	{
		struct xsplit_net_txslot d[] = {
			data(0, 0, XINFO),
			ext_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, EMORE),
			ext_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_DEL, 0),
		};

		CHECK(REFUSED(d, &l, XSPLIT_NET_TX_BAD_EXTRA));
	}
}

TEST(net_tx_hash_extra)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = {
		data(0, 60, XINFO),
		ext_hash(0),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.nr_extras == 1);
	CHECK(p.nr_frags == 1);
	CHECK(p.gso_type == XEN_NETIF_GSO_TYPE_NONE);
	CHECK(p.mcast_op == 0);
	l = lim_full();
	CHECK(ACCEPTED(s, &l, &p));
}

/*
 * A refused extra still leaves nr_slots covering the packet's data slots
 * after it, so that every one of them gets its response.
 */
TEST(net_tx_extra_repeated)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[] = {
		data(0, 1000, XINFO | MORE),
		ext_gso(EMORE, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0),
		ext_gso(0, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0),
		data(0, 400, MORE),
		data(0, 300, 0),
	};

	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_EXTRA));
	s[1] = ext_hash(EMORE);
	s[2] = ext_hash(0);
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_EXTRA));
	s[1] = ext_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, EMORE);
	s[2] = ext_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0);
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_EXTRA));
	/* Not adjacent: hash, gso, hash. */
	{
		struct xsplit_net_txslot t[] = {
			data(0, 1000, XINFO | MORE),
			ext_hash(EMORE),
			ext_gso(EMORE, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0),
			ext_hash(0),
			data(0, 400, 0),
		};

		CHECK(REFUSED(t, &l, XSPLIT_NET_TX_BAD_EXTRA));
	}
}

TEST(net_tx_extra_type_zero)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[] = {
		data(0, 1000, XINFO | MORE),
		ext_type(XEN_NETIF_EXTRA_TYPE_NONE, 0),
		data(0, 400, MORE),
		data(0, 300, 0),
	};

	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_EXTRA));
	/* In the middle of a chain too. */
	s[1] = ext_type(XEN_NETIF_EXTRA_TYPE_NONE, EMORE);
	{
		struct xsplit_net_txslot t[] = {
			s[0], s[1], ext_hash(0), s[2], s[3],
		};

		CHECK(REFUSED(t, &l, XSPLIT_NET_TX_BAD_EXTRA));
	}
}

/*
 * 5 is XDP in the kernel's netif.h, an rx-only extra; the rest are
 * unknown to both copies, including types too large for a bit mask.
 */
TEST(net_tx_extra_type_unknown)
{
	static const u8 types[] = { 5, 6, 7, 31, 32, 33, 63, 64, 0x80, 0xff };
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[] = {
		data(0, 1000, XINFO | MORE),
		ext_hash(EMORE),
		ext_type(0, 0),
		data(0, 400, 0),
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		s[2] = ext_type(types[i], 0);
		CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_EXTRA));
	}
}

TEST(net_tx_extra_chain)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[] = {
		data(100, 3000, XINFO | MORE | XSPLIT_NETTXF_CSUM_BLANK),
		ext_gso(EMORE, 1400, XEN_NETIF_GSO_TYPE_TCPV6, 0),
		ext_hash(EMORE),
		ext_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_DEL, 0),
		data(0, 1000, MORE),
		data(0, 1000, 0),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.nr_extras == 3);
	CHECK(p.nr_frags == 3);
	CHECK(p.len == 3000);
	CHECK(p.first_len == 1000);
	CHECK(p.gso_type == XEN_NETIF_GSO_TYPE_TCPV6);
	CHECK(p.gso_size == 1400);
	CHECK(p.mcast_op == XEN_NETIF_EXTRA_TYPE_MCAST_DEL);
	CHECK(memcmp(p.mcast_addr, maddr, 6) == 0);
}

/*
 * Whether data follows is the first slot's more_data alone: an extra's
 * octets 6-7 sit where a request's flags would and must not be read so.
 */
TEST(net_tx_extra_flags_octets_are_not_nettxf)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[] = {
		data(0, 1000, XINFO),
		ext_gso(0, 1448, XEN_NETIF_GSO_TYPE_TCPV4,
			MORE | XINFO),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.nr_frags == 1);
	CHECK(p.first_len == 1000);
	/* And the other way round: data follows an extra with no such bit. */
	{
		struct xsplit_net_txslot t[] = {
			data(0, 1000, XINFO | MORE),
			ext_gso(0, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0),
			data(0, 600, 0),
		};

		CHECK(ACCEPTED(t, &l, &p));
		CHECK(p.nr_frags == 2);
		CHECK(p.first_len == 400);
	}
}

/* -- data slots --------------------------------------------------------- */

TEST(net_tx_bad_offset_first)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = { data(PAGE - 100, 100, 0) };
	struct xsplit_net_tx_pkt p;

	CHECK(ACCEPTED(s, &l, &p));
	s[0] = data(PAGE - 100, 101, 0);
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_OFFSET));
	s[0] = data(PAGE, 60, 0);
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_OFFSET));
	s[0] = data(0xffff, 60, 0);
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_OFFSET));
}

TEST(net_tx_bad_offset_later)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = {
		data(0, 1400, MORE),
		data(0, 500, MORE),
		data(PAGE - 300, 300, 0),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(ACCEPTED(s, &l, &p));
	s[2] = data(PAGE - 299, 300, 0);
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_OFFSET));
	s[2] = data(0xffff, 300, 0);
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_OFFSET));
	/* A whole page is fine; a byte more is not. */
	s[0].size = PAGE + 600;
	s[2] = data(0, PAGE, 0);
	l.max_len = 0xffff;
	CHECK(ACCEPTED(s, &l, &p));
	s[0].size++;
	s[2] = data(0, PAGE + 1, 0);
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_OFFSET));
	s[0].size--;
	s[2] = data(1, PAGE, 0);
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_OFFSET));
}

TEST(net_tx_zero_len_later_slot)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = {
		data(0, 1000, MORE),
		data(0, 0, MORE),
		data(0, 500, 0),
	};

	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_ZERO_LEN));
	/* Last, and behind extras. */
	{
		struct xsplit_net_txslot t[] = {
			data(0, 1000, MORE | XINFO),
			ext_hash(0),
			data(0, 500, MORE),
			data(0, 0, 0),
		};

		CHECK(REFUSED(t, &l, XSPLIT_NET_TX_ZERO_LEN));
	}
}

TEST(net_tx_runt)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = { data(0, XSPLIT_NET_ETH_HLEN, 0) };
	struct xsplit_net_tx_pkt p;
	struct xsplit_net_txslot t[] = {
		data(0, 13, MORE),
		data(0, 6, 0),
	};

	CHECK(ACCEPTED(s, &l, &p));
	s[0].size = XSPLIT_NET_ETH_HLEN - 1;
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_RUNT));
	s[0].size = 1;
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_RUNT));
	CHECK(REFUSED(t, &l, XSPLIT_NET_TX_RUNT));
	/* Nothing at all is shorter than an Ethernet header too. */
	s[0].size = 0;
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_RUNT));
}

TEST(net_tx_oversize)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[] = {
		data(0, MTU_LEN + 1, MORE),
		data(0, 1000, 0),
	};
	struct xsplit_net_tx_pkt p;

	/* GSO offered is not GSO used. */
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_OVERSIZE));
	s[0].size = MTU_LEN;
	CHECK(ACCEPTED(s, &l, &p));
	{
		struct xsplit_net_txslot t[] = {
			data(0, MTU_LEN + 1, MORE | XINFO),
			ext_gso(0, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0),
			data(0, 1000, 0),
		};

		CHECK(ACCEPTED(t, &l, &p));
		CHECK(p.len == MTU_LEN + 1);
		/* Other extras do not make a long packet right. */
		t[1] = ext_hash(0);
		CHECK(REFUSED(t, &l, XSPLIT_NET_TX_OVERSIZE));
	}
	/* The longest a slot can say needs no GSO if max_len allows it. */
	{
		struct xsplit_net_txslot t[MAXS];
		u32 i;

		l = lim_plain();
		l.max_len = 0xffff;
		t[0] = data(1, 0xffff, MORE);
		for (i = 1; i < 16; i++)
			t[i] = data(0, PAGE, i < 15 ? MORE : 0);
		CHECK(accepted(t, 16, &l, &p));
		CHECK(p.len == 0xffff && p.first_len == PAGE - 1);
		l.max_len--;
		CHECK(refused(t, 16, &l, XSPLIT_NET_TX_OVERSIZE));
	}
}

TEST(net_tx_bad_size)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = {
		data(0, 1000, MORE),
		data(0, 600, MORE),
		data(0, 400, 0),
	};
	struct xsplit_net_tx_pkt p;

	/* The rest take it all: nothing left for the first slot. */
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_SIZE));
	s[2].size = 401;
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_SIZE));
	s[0].size = 100;
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_BAD_SIZE));
	s[0].size = 1002;
	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.first_len == 1);
}

/* -- slot counts -------------------------------------------------------- */

/* A packet of @nfrag data slots of 50 bytes each. */
static u32 frag_packet(struct xsplit_net_txslot *s, u32 nfrag)
{
	u32 i;

	s[0] = data(0, 50 * nfrag, nfrag > 1 ? MORE : 0);
	for (i = 1; i < nfrag; i++)
		s[i] = data(i * 8, 50, i + 1 < nfrag ? MORE : 0);
	return nfrag;
}

TEST(net_tx_max_slots)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[MAXS];
	struct xsplit_net_tx_pkt p;
	u32 n;

	n = frag_packet(s, XSPLIT_NET_TX_MAX_SLOTS);
	CHECK(n == 18);
	CHECK(accepted(s, n, &l, &p));
	CHECK(p.nr_frags == 18);
	CHECK(p.first_len == 50);
	n = frag_packet(s, XSPLIT_NET_TX_MAX_SLOTS + 1);
	CHECK(refused(s, n, &l, XSPLIT_NET_TX_TOO_MANY_SLOTS));
}

/* The limit is on data slots: extras come on top of it. */
TEST(net_tx_max_slots_with_extras)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[MAXS];
	struct xsplit_net_tx_pkt p;
	u32 i, n = 0;

	s[n++] = data(0, 50 * 18, MORE | XINFO);
	s[n++] = ext_hash(EMORE);
	s[n++] = ext_mcast(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0);
	for (i = 1; i < 18; i++)
		s[n++] = data(0, 50, i < 17 ? MORE : 0);
	CHECK(accepted(s, n, &l, &p));
	CHECK(p.nr_slots == 20);
	CHECK(p.nr_extras == 2);
	CHECK(p.nr_frags == 18);
	s[0].size += 50;
	s[n - 1].flags = MORE;
	s[n++] = data(0, 50, 0);
	CHECK(refused(s, n, &l, XSPLIT_NET_TX_TOO_MANY_SLOTS));
	CHECK(n == 21);
}

/*
 * The longest chain that is still a packet (net_tx.h: a chain *longer*
 * than XSPLIT_NET_TX_FATAL_SLOTS is not): refused, every slot answered.
 */
TEST(net_tx_fatal_slots_boundary)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[MAXS];
	u32 n;

	/* Long enough not to be oversize as well: one reason only. */
	l.max_len = 0xffff;
	n = frag_packet(s, XSPLIT_NET_TX_FATAL_SLOTS);
	CHECK(refused(s, n, &l, XSPLIT_NET_TX_TOO_MANY_SLOTS));
	CHECK(n == 64);
}

TEST(net_tx_fatal_long_chain)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[MAXS];
	struct xsplit_net_tx_pkt p;
	u32 i, n;

	/* One slot past the limit, all of it there to read. */
	n = frag_packet(s, XSPLIT_NET_TX_FATAL_SLOTS + 1);
	CHECK(check_n(s, n, &l, &p) == XSPLIT_NET_TX_FATAL);
	CHECK(parse(s, n, false, &l, &p) == XSPLIT_NET_TX_FATAL);
	/* Known to be too long as soon as 64 slots are in, ring full or not. */
	CHECK(parse(s, XSPLIT_NET_TX_FATAL_SLOTS, false, &l, &p) ==
	      XSPLIT_NET_TX_FATAL);
	/* Never ending, with more on the ring than the limit. */
	for (i = 0; i < MAXS; i++)
		s[i] = data(0, 50, MORE);
	CHECK(parse(s, MAXS, false, &l, &p) == XSPLIT_NET_TX_FATAL);
	CHECK(parse(s, MAXS, true, &l, &p) == XSPLIT_NET_TX_FATAL);
	/* The same made of extras. */
	s[0] = data(0, 50, XINFO);
	for (i = 1; i < MAXS; i++)
		s[i] = ext_hash(EMORE);
	CHECK(parse(s, MAXS, false, &l, &p) == XSPLIT_NET_TX_FATAL);
	CHECK(parse(s, XSPLIT_NET_TX_FATAL_SLOTS, false, &l, &p) ==
	      XSPLIT_NET_TX_FATAL);
	/* 63 extras and a first slot are still a (refused) packet. */
	s[XSPLIT_NET_TX_FATAL_SLOTS - 1] = ext_hash(0);
	CHECK(refused(s, XSPLIT_NET_TX_FATAL_SLOTS, &l,
		      XSPLIT_NET_TX_BAD_EXTRA));
}

/* -- headers ------------------------------------------------------------ */

TEST(net_tx_hdr_split)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = {
		data(0, 1000, MORE),
		data(0, 32, MORE),
		data(0, 32, MORE),
		data(0, 872, 0),
	};
	struct xsplit_net_tx_pkt p;

	/* 64 + 32 + 32: the first 128 bytes in three slots. */
	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.first_len == 64);
	/* 64 + 32 + 31: the 128th byte is in the fourth. */
	s[2].size = 31;
	s[3].size = 873;
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_HDR_SPLIT));
	/* 32 + 32 + 32 + 32. */
	s[1].size = 32;
	s[2].size = 32;
	s[3].size = 904;
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_HDR_SPLIT));
}

/* Extras between the first slot and the rest are not header slots. */
TEST(net_tx_hdr_split_skips_extras)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[] = {
		data(0, 1000, MORE | XINFO),
		ext_hash(EMORE),
		ext_gso(0, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0),
		data(0, 32, MORE),
		data(0, 32, MORE),
		data(0, 872, 0),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.first_len == 64);
	s[3].size = 31;
	s[5].size = 873;
	CHECK(REFUSED(s, &l, XSPLIT_NET_TX_HDR_SPLIT));
}

/* A packet shorter than the header length: all of it is headers. */
TEST(net_tx_hdr_split_short_packet)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = {
		data(0, 100, MORE),
		data(0, 30, MORE),
		data(0, 30, 0),
	};
	struct xsplit_net_txslot t[] = {
		data(0, 60, MORE),
		data(0, 15, MORE),
		data(0, 15, MORE),
		data(0, 15, 0),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(ACCEPTED(s, &l, &p));
	CHECK(p.first_len == 40);
	CHECK(REFUSED(t, &l, XSPLIT_NET_TX_HDR_SPLIT));
}

/* -- unfinished packets ------------------------------------------------- */

/* @avail of @s's slots are in: INCOMPLETE and *pkt untouched, or FATAL. */
static bool unfinished(const struct xsplit_net_txslot *s, u32 avail,
		       const struct xsplit_net_tx_limits *lim)
{
	struct xsplit_net_tx_pkt p, q;

	memset(&p, 0xa5, sizeof(p));
	memset(&q, 0xa5, sizeof(q));
	if (parse(s, avail, false, lim, &p) != XSPLIT_NET_TX_INCOMPLETE)
		return false;
	if (memcmp(&p, &q, sizeof(p)))
		return false;
	return parse(s, avail, true, lim, &p) == XSPLIT_NET_TX_FATAL;
}

TEST(net_tx_incomplete_data)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = {
		data(0, 1000, MORE),
		data(0, 300, MORE),
		data(0, 300, 0),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(unfinished(s, 1, &l));
	CHECK(unfinished(s, 2, &l));
	CHECK(parse(s, 3, false, &l, &p) == XSPLIT_NET_TX_OK);
	CHECK(p.nr_slots == 3);
	CHECK(parse(s, 3, true, &l, &p) == XSPLIT_NET_TX_OK);
}

TEST(net_tx_incomplete_extras)
{
	struct xsplit_net_tx_limits l = lim_full();
	struct xsplit_net_txslot s[] = {
		data(0, 1000, MORE | XINFO),
		ext_hash(EMORE),
		ext_gso(0, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0),
		data(0, 600, 0),
	};
	struct xsplit_net_tx_pkt p;

	CHECK(unfinished(s, 1, &l));
	CHECK(unfinished(s, 2, &l));
	CHECK(unfinished(s, 3, &l));
	CHECK(parse(s, 4, false, &l, &p) == XSPLIT_NET_TX_OK);
	CHECK(p.nr_slots == 4);
	/* Even a packet that is refused once whole is waited for. */
	s[1] = ext_type(0, EMORE);
	CHECK(unfinished(s, 2, &l));
	CHECK(unfinished(s, 3, &l));
}

/* -- names and decoding ------------------------------------------------- */

TEST(net_tx_err_names)
{
	static const char *const names[] = {
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
	unsigned int i;

	/* A new reason must get its name here as well as in net_tx.c. */
	CHECK(ARRAY_SIZE(names) == XSPLIT_NET_TX_NR_ERRS);
	for (i = 0; i < XSPLIT_NET_TX_NR_ERRS; i++) {
		const char *n = xsplit_net_tx_err_name(i);

		CHECK(names[i] && n);
		CHECK(strcmp(n, names[i]) == 0);
	}
	CHECK(strcmp(xsplit_net_tx_err_name(XSPLIT_NET_TX_NR_ERRS),
		     "unknown") == 0);
	CHECK(strcmp(xsplit_net_tx_err_name(1000), "unknown") == 0);
	CHECK(strcmp(xsplit_net_tx_err_name((enum xsplit_net_tx_err)-1),
		     "unknown") == 0);
}

TEST(net_extra_decode_gso)
{
	u8 b[8] = { XEN_NETIF_EXTRA_TYPE_GSO, EMORE, 0, 0,
		    XEN_NETIF_GSO_TYPE_TCPV6, 0x99, 0, 0 };
	u16 size = 0x05a8, features = 0x8001;
	struct xsplit_net_txslot s;
	struct xsplit_net_extra ex;

	memcpy(&b[2], &size, 2);
	memcpy(&b[6], &features, 2);
	s = extra(b);
	memset(&ex, 0xa5, sizeof(ex));
	xsplit_net_extra_decode(&s, &ex);
	CHECK(ex.type == XEN_NETIF_EXTRA_TYPE_GSO);
	CHECK(ex.flags == EMORE);
	CHECK(ex.gso_size == 0x05a8);
	CHECK(ex.gso_type == XEN_NETIF_GSO_TYPE_TCPV6);
	CHECK(ex.gso_features == 0x8001);
}

TEST(net_extra_decode_mcast)
{
	u8 b[8] = { XEN_NETIF_EXTRA_TYPE_MCAST_DEL, 0,
		    0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	struct xsplit_net_txslot s = extra(b);
	struct xsplit_net_extra ex;

	memset(&ex, 0xa5, sizeof(ex));
	xsplit_net_extra_decode(&s, &ex);
	CHECK(ex.type == XEN_NETIF_EXTRA_TYPE_MCAST_DEL);
	CHECK(ex.flags == 0);
	CHECK(memcmp(ex.addr, &b[2], 6) == 0);
}

/* The octets above are where Xen's own struct puts its fields. */
TEST(net_extra_decode_matches_netif_h)
{
	struct netif_extra_info xi;
	struct xsplit_net_txslot s;
	struct xsplit_net_extra ex;

	CHECK(sizeof(xi) == 8);
	memset(&xi, 0, sizeof(xi));
	xi.type = XEN_NETIF_EXTRA_TYPE_GSO;
	xi.flags = EMORE;
	xi.u.gso.size = 9000;
	xi.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
	xi.u.gso.features = 1;
	memset(&s, 0, sizeof(s));
	memcpy(&s, &xi, sizeof(xi));
	xsplit_net_extra_decode(&s, &ex);
	CHECK(ex.type == xi.type && ex.flags == xi.flags);
	CHECK(ex.gso_size == 9000 && ex.gso_type == XEN_NETIF_GSO_TYPE_TCPV4);
	CHECK(ex.gso_features == 1);

	memset(&xi, 0, sizeof(xi));
	xi.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD;
	memcpy(xi.u.mcast.addr, maddr, 6);
	memcpy(&s, &xi, sizeof(xi));
	xsplit_net_extra_decode(&s, &ex);
	CHECK(ex.type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD && ex.flags == 0);
	CHECK(memcmp(ex.addr, maddr, 6) == 0);
}

/*
 * Last in the file: a checker that reads slots[0] before looking at
 * avail trips ASan here, which ends the whole run.
 */
TEST(net_tx_avail_zero)
{
	struct xsplit_net_tx_limits l = lim_plain();
	struct xsplit_net_txslot s[] = { data(0, 60, 0) };
	struct xsplit_net_tx_pkt p, q;

	memset(&p, 0xa5, sizeof(p));
	memset(&q, 0xa5, sizeof(q));
	CHECK(parse(s, 0, false, &l, &p) == XSPLIT_NET_TX_INCOMPLETE);
	CHECK(memcmp(&p, &q, sizeof(p)) == 0);
	/* Nothing there is nothing to refuse, full ring or not. */
	CHECK(parse(s, 0, true, &l, &p) == XSPLIT_NET_TX_INCOMPLETE);
	CHECK(memcmp(&p, &q, sizeof(p)) == 0);
}
