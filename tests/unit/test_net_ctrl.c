// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/net_ctrl.h>

#include "unit.h"

#define ALG_NONE	XEN_NETIF_CTRL_HASH_ALGORITHM_NONE
#define ALG_TOEPLITZ	XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ
#define T_IPV4		XEN_NETIF_CTRL_HASH_TYPE_IPV4
#define T_IPV4_TCP	XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP
#define T_IPV6		XEN_NETIF_CTRL_HASH_TYPE_IPV6
#define T_IPV6_TCP	XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP
#define OK		XEN_NETIF_CTRL_STATUS_SUCCESS
#define NOT_SUPP	XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED
#define INVAL		XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER
#define OVERFLOW	XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW
#define GET_FLAGS	XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS
#define SET_FLAGS	XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS
#define SET_KEY		XEN_NETIF_CTRL_TYPE_SET_HASH_KEY
#define GET_MAP_SIZE	XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE
#define SET_MAP_SIZE	XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE
#define SET_MAP		XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING
#define SET_ALG		XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM
#define PAGE		XSPLIT_NET_CTRL_PAGE_SIZE
/* Not a status: the harness below found the checker misbehaving. */
#define HARNESS_BAD	0xbadu

/* Same layout as the ring's: the backend copies slots as they are. */
_Static_assert(sizeof(struct xsplit_net_ctrl_req) ==
	       sizeof(struct xen_netif_ctrl_request) &&
	       offsetof(struct xsplit_net_ctrl_req, type) ==
	       offsetof(struct xen_netif_ctrl_request, type) &&
	       offsetof(struct xsplit_net_ctrl_req, data) ==
	       offsetof(struct xen_netif_ctrl_request, data),
	       "struct xsplit_net_ctrl_req is not the ring's request layout");
_Static_assert(sizeof(struct xsplit_net_ctrl_rsp) ==
	       sizeof(struct xen_netif_ctrl_response) &&
	       offsetof(struct xsplit_net_ctrl_rsp, type) ==
	       offsetof(struct xen_netif_ctrl_response, type) &&
	       offsetof(struct xsplit_net_ctrl_rsp, status) ==
	       offsetof(struct xen_netif_ctrl_response, status) &&
	       offsetof(struct xsplit_net_ctrl_rsp, data) ==
	       offsetof(struct xen_netif_ctrl_response, data),
	       "struct xsplit_net_ctrl_rsp is not the ring's response layout");

/* The Microsoft RSS verification suite's key. */
static const u8 ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

struct v4_vector {
	u8 src[4], dst[4];
	u16 sport, dport;
	u32 addr_hash, tcp_hash;
};

/* The suite's IPv4 examples, source first as the hash input has it. */
static const struct v4_vector v4_vectors[] = {
	{ { 66, 9, 149, 187 }, { 161, 142, 100, 80 }, 2794, 1766,
	  0x323e8fc2, 0x51ccc178 },
	{ { 199, 92, 111, 2 }, { 65, 69, 140, 83 }, 14230, 4739,
	  0xd718262a, 0xc626b0ea },
	{ { 24, 19, 198, 95 }, { 12, 22, 207, 184 }, 12898, 38024,
	  0xd2d0a5de, 0x5c2b394a },
	{ { 38, 27, 205, 30 }, { 209, 142, 163, 6 }, 48228, 2217,
	  0x82989176, 0xafc7327f },
	{ { 153, 39, 163, 191 }, { 202, 188, 127, 2 }, 44251, 1303,
	  0x5d1809c5, 0x10e828a2 },
};

struct v6_vector {
	u8 src[16], dst[16];
	u16 sport, dport;
	u32 addr_hash, tcp_hash;
};

static const struct v6_vector v6_vectors[] = {
	/* 3ffe:2501:200:1fff::7 -> 3ffe:2501:200:3::1 */
	{ { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff,
	    0, 0, 0, 0, 0, 0, 0, 0x07 },
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03,
	    0, 0, 0, 0, 0, 0, 0, 0x01 },
	  2794, 1766, 0x2cc18cd5, 0x40207d3d },
	/* 3ffe:501:8::260:97ff:fe40:efab -> ff02::1 */
	{ { 0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0x00, 0x00,
	    0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef, 0xab },
	  { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 },
	  14230, 4739, 0x0f0c461c, 0xdde51bbf },
	/* 3ffe:1900:4545:3:200:f8ff:fe21:67cf -> fe80::200:f8ff:fe21:67cf */
	{ { 0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0x00, 0x03,
	    0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf },
	  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
	    0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf },
	  44251, 38024, 0x4b61e985, 0x02d1feef },
};

static struct xsplit_net_flow flow4(const struct v4_vector *v, bool tcp)
{
	struct xsplit_net_flow f;

	memset(&f, 0, sizeof(f));
	f.l3 = 4;
	f.tcp = tcp;
	memcpy(f.saddr, v->src, 4);
	memcpy(f.daddr, v->dst, 4);
	f.sport = v->sport;
	f.dport = v->dport;
	return f;
}

static struct xsplit_net_flow flow6(const struct v6_vector *v, bool tcp)
{
	struct xsplit_net_flow f;

	memset(&f, 0, sizeof(f));
	f.l3 = 6;
	f.tcp = tcp;
	memcpy(f.saddr, v->src, 16);
	memcpy(f.daddr, v->dst, 16);
	f.sport = v->sport;
	f.dport = v->dport;
	return f;
}

/*
 * Toeplitz through exact-size heap copies of key and data, so that ASan
 * catches a read past either.
 */
static u32 toeplitz(const u8 *key, u32 keylen, const u8 *data, u32 len)
{
	u8 *k = malloc(keylen ? keylen : 1), *d = malloc(len ? len : 1);
	u32 hash;

	if (!k || !d)
		abort();
	memcpy(k, key, keylen);
	memcpy(d, data, len);
	hash = xsplit_net_toeplitz(k, keylen, d, len);
	free(k);
	free(d);
	return hash;
}

/* The hash of @f's input for @type under the suite's key. */
static u32 ms_hash(const struct xsplit_net_flow *f, u32 type, u32 *len)
{
	u8 buf[XSPLIT_NET_HASH_INPUT_MAX];

	*len = xsplit_net_hash_input(f, type, buf);
	return toeplitz(ms_key, sizeof(ms_key), buf, *len);
}

/* -- Toeplitz and the hash inputs --------------------------------------- */

TEST(net_toeplitz_ms_ipv4)
{
	unsigned int i;
	u32 len;

	for (i = 0; i < ARRAY_SIZE(v4_vectors); i++) {
		const struct v4_vector *v = &v4_vectors[i];
		struct xsplit_net_flow f = flow4(v, true);

		CHECK(ms_hash(&f, T_IPV4, &len) == v->addr_hash);
		CHECK(len == 8);
		CHECK(ms_hash(&f, T_IPV4_TCP, &len) == v->tcp_hash);
		CHECK(len == 12);
	}
}

TEST(net_toeplitz_ms_ipv6)
{
	unsigned int i;
	u32 len;

	for (i = 0; i < ARRAY_SIZE(v6_vectors); i++) {
		const struct v6_vector *v = &v6_vectors[i];
		struct xsplit_net_flow f = flow6(v, true);

		CHECK(ms_hash(&f, T_IPV6, &len) == v->addr_hash);
		CHECK(len == 32);
		CHECK(ms_hash(&f, T_IPV6_TCP, &len) == v->tcp_hash);
		CHECK(len == 36);
	}
}

/* The layouts netif.h draws: addresses then ports, network order. */
TEST(net_hash_input_layout)
{
	struct xsplit_net_flow f = flow4(&v4_vectors[0], true);
	static const u8 want4[12] = { 66, 9, 149, 187, 161, 142, 100, 80,
				      0x0a, 0xea, 0x06, 0xe6 };
	u8 buf[XSPLIT_NET_HASH_INPUT_MAX];

	memset(buf, 0xa5, sizeof(buf));
	CHECK(xsplit_net_hash_input(&f, T_IPV4_TCP, buf) == 12);
	CHECK(memcmp(buf, want4, 12) == 0);
	CHECK(buf[12] == 0xa5);
	memset(buf, 0xa5, sizeof(buf));
	CHECK(xsplit_net_hash_input(&f, T_IPV4, buf) == 8);
	CHECK(memcmp(buf, want4, 8) == 0);
	CHECK(buf[8] == 0xa5);

	f = flow6(&v6_vectors[1], true);
	CHECK(xsplit_net_hash_input(&f, T_IPV6_TCP, buf) == 36);
	CHECK(memcmp(buf, v6_vectors[1].src, 16) == 0);
	CHECK(memcmp(buf + 16, v6_vectors[1].dst, 16) == 0);
	CHECK(buf[32] == 14230 >> 8 && buf[33] == (14230 & 0xff));
	CHECK(buf[34] == 4739 >> 8 && buf[35] == (4739 & 0xff));
}

/* A type that does not fit the flow writes nothing and says 0. */
TEST(net_hash_input_mismatch)
{
	static const u32 bad[] = { 0, T_IPV4 | T_IPV4_TCP, 1u << 4,
				   1u << 31, 0xffffffffu };
	struct xsplit_net_flow f4 = flow4(&v4_vectors[0], false);
	struct xsplit_net_flow f6 = flow6(&v6_vectors[0], false);
	u8 buf[XSPLIT_NET_HASH_INPUT_MAX], pat[XSPLIT_NET_HASH_INPUT_MAX];
	unsigned int i;

	memset(pat, 0xa5, sizeof(pat));
	memcpy(buf, pat, sizeof(buf));
	CHECK(xsplit_net_hash_input(&f4, T_IPV4_TCP, buf) == 0);
	CHECK(xsplit_net_hash_input(&f4, T_IPV6, buf) == 0);
	CHECK(xsplit_net_hash_input(&f4, T_IPV6_TCP, buf) == 0);
	CHECK(xsplit_net_hash_input(&f6, T_IPV6_TCP, buf) == 0);
	CHECK(xsplit_net_hash_input(&f6, T_IPV4, buf) == 0);
	CHECK(xsplit_net_hash_input(&f6, T_IPV4_TCP, buf) == 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(xsplit_net_hash_input(&f4, bad[i], buf) == 0);
		CHECK(xsplit_net_hash_input(&f6, bad[i], buf) == 0);
	}
	f4.l3 = 5;
	CHECK(xsplit_net_hash_input(&f4, T_IPV4, buf) == 0);
	CHECK(memcmp(buf, pat, sizeof(buf)) == 0);
}

/*
 * The definition in netif.h, bit by bit: for each set input bit n, the
 * 32 key bits from bit n on, key bits past its end being zero.
 */
static u32 toeplitz_ref(const u8 *key, u32 keylen, const u8 *data, u32 len)
{
	u32 hash = 0, n, j;

	for (n = 0; n < 8 * len; n++) {
		u32 window = 0;

		if (!(data[n / 8] & (0x80 >> (n % 8))))
			continue;
		for (j = n; j < n + 32; j++) {
			u32 b = j / 8 < keylen ? key[j / 8] >> (7 - j % 8) & 1 :
						 0;

			window = window << 1 | b;
		}
		hash ^= window;
	}
	return hash;
}

TEST(net_toeplitz_matches_definition)
{
	u8 key[64], data[64];
	u32 seed = 12345, i, klen, dlen;

	for (i = 0; i < 400; i++) {
		u32 j;

		for (j = 0; j < sizeof(key); j++) {
			seed = seed * 1103515245 + 12345;
			key[j] = seed >> 16;
			seed = seed * 1103515245 + 12345;
			data[j] = seed >> 16;
		}
		klen = i % 48;
		dlen = (i / 3) % 45;
		CHECK(toeplitz(key, klen, data, dlen) ==
		      toeplitz_ref(key, klen, data, dlen));
	}
}

/* Missing key octets are zeros; no data or no key hashes to 0. */
TEST(net_toeplitz_short_key_and_empty)
{
	u8 padded[40] = { 0 }, data[36];
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = 0x11 * i + 3;
	memcpy(padded, ms_key, 7);
	CHECK(toeplitz(ms_key, 7, data, 36) == toeplitz(padded, 40, data, 36));
	CHECK(toeplitz(ms_key, 0, data, 36) == 0);
	CHECK(toeplitz(ms_key, 40, data, 0) == 0);
	memset(data, 0, sizeof(data));
	CHECK(toeplitz(ms_key, 40, data, 36) == 0);
	/* One bit set: the key's 32 bits from that bit on. */
	data[0] = 0x80;
	CHECK(toeplitz(ms_key, 40, data, 1) == 0x6d5a56da);
	data[0] = 0;
	data[1] = 0x01;
	CHECK(toeplitz(ms_key, 40, data, 2) == 0x2b6d12ad);
}

/* XOR-linear in the data, as every Toeplitz hash is. */
TEST(net_toeplitz_linear)
{
	u8 a[12], b[12], c[12];
	unsigned int i;

	for (i = 0; i < 12; i++) {
		a[i] = 0x5c * i + 1;
		b[i] = 0x3b * i + 7;
		c[i] = a[i] ^ b[i];
	}
	CHECK(toeplitz(ms_key, 40, c, 12) ==
	      (toeplitz(ms_key, 40, a, 12) ^ toeplitz(ms_key, 40, b, 12)));
}

/* -- control requests --------------------------------------------------- */

/* The page the frontend grants for SET_HASH_KEY and SET_HASH_MAPPING. */
struct guest {
	u32 gref;
	bool copy_fails;
	u8 page[PAGE];
};

static struct xsplit_net_ctrl_req mkreq(u16 type, u32 d0, u32 d1, u32 d2)
{
	struct xsplit_net_ctrl_req r;

	memset(&r, 0, sizeof(r));
	r.id = 0xbeef;
	r.type = type;
	r.data[0] = d0;
	r.data[1] = d1;
	r.data[2] = d2;
	return r;
}

/*
 * One request through the backend's steps: judge (which must not touch
 * the state), the grant copy from @g (into an exact-size heap buffer, so
 * that ASan catches apply reading past it) and apply. Returns the status
 * and puts the response's data in *@data, or HARNESS_BAD if the checker
 * broke its own rules.
 */
static u32 ctrl_req(struct xsplit_net_hash *h, struct guest *g,
		    const struct xsplit_net_ctrl_req *rq, u32 *data)
{
	struct xsplit_net_hash before = *h;
	struct xsplit_net_ctrl_rsp rsp;
	struct xsplit_net_ctrl_copy c;
	enum xsplit_net_ctrl_verdict v;
	u8 *buf;

	memset(&rsp, 0x5a, sizeof(rsp));
	memset(&c, 0x5a, sizeof(c));
	v = xsplit_net_ctrl_judge(h, rq, &rsp, &c);
	if (memcmp(&before, h, sizeof(before)) ||
	    rsp.id != rq->id || rsp.type != rq->type)
		return HARNESS_BAD;

	switch (v) {
	case XSPLIT_NET_CTRL_DONE:
		if (c.len)
			return HARNESS_BAD;
		/* Apply anyway: out of turn it must change nothing. */
		xsplit_net_ctrl_apply(h, rq, NULL, 0, &rsp);
		if (memcmp(&before, h, sizeof(before)))
			return HARNESS_BAD;
		break;
	case XSPLIT_NET_CTRL_APPLY:
		if (c.len)
			return HARNESS_BAD;
		xsplit_net_ctrl_apply(h, rq, NULL, 0, &rsp);
		break;
	case XSPLIT_NET_CTRL_COPY:
		if (!c.len || (u64)c.offset + c.len > PAGE ||
		    rsp.status != INVAL)
			return HARNESS_BAD;
		if (!g || g->copy_fails || c.gref != g->gref)
			break;
		buf = malloc(c.len);
		if (!buf)
			abort();
		memcpy(buf, g->page + c.offset, c.len);
		xsplit_net_ctrl_apply(h, rq, buf, c.len, &rsp);
		free(buf);
		break;
	default:
		return HARNESS_BAD;
	}
	if (rsp.id != rq->id || rsp.type != rq->type)
		return HARNESS_BAD;
	if (data)
		*data = rsp.data;
	return rsp.status;
}

static u32 ctrl(struct xsplit_net_hash *h, struct guest *g, u16 type,
		u32 d0, u32 d1, u32 d2, u32 *data)
{
	struct xsplit_net_ctrl_req rq = mkreq(type, d0, d1, d2);

	return ctrl_req(h, g, &rq, data);
}

static struct guest *guest_new(u32 gref)
{
	struct guest *g = calloc(1, sizeof(*g));

	if (!g)
		abort();
	g->gref = gref;
	return g;
}

static void put_table(struct guest *g, const u32 *entries, u32 n)
{
	memcpy(g->page, entries, n * 4);
}

TEST(net_ctrl_init)
{
	struct xsplit_net_hash h;
	unsigned int i;

	memset(&h, 0xa5, sizeof(h));
	xsplit_net_hash_init(&h, 4);
	CHECK(h.algorithm == ALG_NONE && h.flags == 0);
	CHECK(h.key_len == 0 && h.mapping_size == 0);
	CHECK(h.nr_queues == 4);
	for (i = 0; i < ARRAY_SIZE(h.key); i++)
		CHECK(h.key[i] == 0);
	for (i = 0; i < ARRAY_SIZE(h.mapping); i++)
		CHECK(h.mapping[i] == 0);
	/* Entries are 0, so there is always a queue 0. */
	xsplit_net_hash_init(&h, 0);
	CHECK(h.nr_queues == 1);
}

TEST(net_ctrl_set_algorithm)
{
	static const u32 bad[] = { 2, 3, 0x100, 0x80000000u, 0xffffffffu };
	struct xsplit_net_hash h, before;
	unsigned int i;
	u32 d = 77;

	xsplit_net_hash_init(&h, 2);
	CHECK(ctrl(&h, NULL, SET_ALG, ALG_TOEPLITZ, 0, 0, &d) == OK);
	CHECK(d == 0);
	CHECK(h.algorithm == ALG_TOEPLITZ);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		before = h;
		CHECK(ctrl(&h, NULL, SET_ALG, bad[i], 0, 0, &d) == INVAL);
		CHECK(memcmp(&before, &h, sizeof(h)) == 0);
	}
	/* Words netif.h wants zero are not ours to judge. */
	CHECK(ctrl(&h, NULL, SET_ALG, ALG_NONE, 0xffffffffu, 1, NULL) == OK);
	CHECK(h.algorithm == ALG_NONE);
}

TEST(net_ctrl_hash_flags_need_algorithm)
{
	struct xsplit_net_hash h;
	u32 d = 77;

	xsplit_net_hash_init(&h, 2);
	CHECK(ctrl(&h, NULL, GET_FLAGS, 0, 0, 0, &d) == NOT_SUPP);
	CHECK(d == 0);
	CHECK(ctrl(&h, NULL, SET_FLAGS, T_IPV4, 0, 0, NULL) == NOT_SUPP);
	CHECK(h.flags == 0);

	CHECK(ctrl(&h, NULL, SET_ALG, ALG_TOEPLITZ, 0, 0, NULL) == OK);
	CHECK(ctrl(&h, NULL, GET_FLAGS, 0, 0, 0, &d) == OK);
	CHECK(d == (T_IPV4 | T_IPV4_TCP | T_IPV6 | T_IPV6_TCP));
	CHECK(ctrl(&h, NULL, SET_FLAGS, T_IPV4 | T_IPV6_TCP, 0, 0, &d) == OK);
	CHECK(d == 0);
	CHECK(h.flags == (T_IPV4 | T_IPV6_TCP));
	CHECK(ctrl(&h, NULL, SET_FLAGS, 0xf, 0, 0, NULL) == OK);
	CHECK(h.flags == 0xf);
	/* Zero turns hashing off, and is a valid request. */
	CHECK(ctrl(&h, NULL, SET_FLAGS, 0, 0, 0, NULL) == OK);
	CHECK(h.flags == 0);

	/* Switching the algorithm off keeps the flags for later. */
	CHECK(ctrl(&h, NULL, SET_FLAGS, T_IPV6, 0, 0, NULL) == OK);
	CHECK(ctrl(&h, NULL, SET_ALG, ALG_NONE, 0, 0, NULL) == OK);
	CHECK(ctrl(&h, NULL, GET_FLAGS, 0, 0, 0, NULL) == NOT_SUPP);
	CHECK(ctrl(&h, NULL, SET_FLAGS, T_IPV4, 0, 0, NULL) == NOT_SUPP);
	CHECK(h.flags == T_IPV6);
}

TEST(net_ctrl_set_flags_unknown_bits)
{
	static const u32 bad[] = { 0x10, 0x1f, 0x80000000u, 0xffffffffu,
				   0x100 | T_IPV4 };
	struct xsplit_net_hash h;
	unsigned int i;

	xsplit_net_hash_init(&h, 2);
	CHECK(ctrl(&h, NULL, SET_ALG, ALG_TOEPLITZ, 0, 0, NULL) == OK);
	CHECK(ctrl(&h, NULL, SET_FLAGS, T_IPV4_TCP, 0, 0, NULL) == OK);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(ctrl(&h, NULL, SET_FLAGS, bad[i], 0, 0, NULL) == INVAL);
		CHECK(h.flags == T_IPV4_TCP);
	}
}

TEST(net_ctrl_set_key)
{
	struct xsplit_net_hash h;
	struct guest *g = guest_new(0x321);
	struct xsplit_net_ctrl_req rq;
	struct xsplit_net_ctrl_rsp rsp;
	struct xsplit_net_ctrl_copy c;
	unsigned int i;

	xsplit_net_hash_init(&h, 2);
	memcpy(g->page, ms_key, 40);
	memset(g->page + 40, 0xee, 100);

	/* Judge asks for exactly the key, from the start of the grant. */
	rq = mkreq(SET_KEY, 0x321, 40, 0);
	CHECK(xsplit_net_ctrl_judge(&h, &rq, &rsp, &c) ==
	      XSPLIT_NET_CTRL_COPY);
	CHECK(c.gref == 0x321 && c.offset == 0 && c.len == 40);
	CHECK(rsp.status == INVAL && rsp.data == 0);

	/* No algorithm needed: only the flags ask for one. */
	CHECK(ctrl(&h, g, SET_KEY, 0x321, 40, 0, NULL) == OK);
	CHECK(h.key_len == 40);
	CHECK(memcmp(h.key, ms_key, 40) == 0);

	/* A shorter key: the old key's rest is gone. */
	memset(g->page, 0x42, 16);
	CHECK(ctrl(&h, g, SET_KEY, 0x321, 16, 0, NULL) == OK);
	CHECK(h.key_len == 16);
	for (i = 0; i < 40; i++)
		CHECK(h.key[i] == (i < 16 ? 0x42 : 0));

	/* Size 0 clears the key, with nothing to copy. */
	rq = mkreq(SET_KEY, 0x321, 0, 0);
	CHECK(xsplit_net_ctrl_judge(&h, &rq, &rsp, &c) ==
	      XSPLIT_NET_CTRL_APPLY);
	CHECK(c.len == 0);
	CHECK(ctrl(&h, NULL, SET_KEY, 0x321, 0, 0, NULL) == OK);
	CHECK(h.key_len == 0);
	for (i = 0; i < 40; i++)
		CHECK(h.key[i] == 0);

	/* One octet. */
	g->page[0] = 0x9c;
	CHECK(ctrl(&h, g, SET_KEY, 0x321, 1, 0, NULL) == OK);
	CHECK(h.key_len == 1 && h.key[0] == 0x9c && h.key[1] == 0);
	free(g);
}

TEST(net_ctrl_set_key_too_long)
{
	static const u32 over[] = { 41, 64, 1000, PAGE };
	static const u32 inval[] = { PAGE + 1, 0x10000, 0x80000000u,
				     0xffffffffu };
	struct xsplit_net_hash h, before;
	struct guest *g = guest_new(7);
	unsigned int i;

	xsplit_net_hash_init(&h, 2);
	memset(g->page, 0x33, PAGE);
	CHECK(ctrl(&h, g, SET_KEY, 7, 12, 0, NULL) == OK);
	before = h;
	/* Refused, never cut short: the guest would hash differently. */
	for (i = 0; i < ARRAY_SIZE(over); i++) {
		CHECK(ctrl(&h, g, SET_KEY, 7, over[i], 0, NULL) == OVERFLOW);
		CHECK(memcmp(&before, &h, sizeof(h)) == 0);
	}
	/* Longer than the grant it comes in: not a size at all. */
	for (i = 0; i < ARRAY_SIZE(inval); i++) {
		CHECK(ctrl(&h, g, SET_KEY, 7, inval[i], 0, NULL) == INVAL);
		CHECK(memcmp(&before, &h, sizeof(h)) == 0);
	}
	free(g);
}

TEST(net_ctrl_copy_failure)
{
	struct xsplit_net_hash h, before;
	struct guest *g = guest_new(9);
	u32 d = 77;

	xsplit_net_hash_init(&h, 4);
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 8, 0, 0, NULL) == OK);
	before = h;
	g->copy_fails = true;
	CHECK(ctrl(&h, g, SET_KEY, 9, 40, 0, &d) == INVAL);
	CHECK(d == 0);
	CHECK(ctrl(&h, g, SET_MAP, 9, 8, 0, &d) == INVAL);
	CHECK(memcmp(&before, &h, sizeof(h)) == 0);
	free(g);
}

/* apply called with other bytes than judge asked for changes nothing. */
TEST(net_ctrl_apply_wrong_length)
{
	struct xsplit_net_hash h, before;
	struct xsplit_net_ctrl_req rq;
	struct xsplit_net_ctrl_rsp rsp;
	u8 buf[PAGE];

	memset(buf, 1, sizeof(buf));
	xsplit_net_hash_init(&h, 4);
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 8, 0, 0, NULL) == OK);
	before = h;

	rq = mkreq(SET_KEY, 1, 40, 0);
	xsplit_net_ctrl_apply(&h, &rq, buf, 39, &rsp);
	CHECK(rsp.status == INVAL && rsp.id == 0xbeef && rsp.type == SET_KEY);
	xsplit_net_ctrl_apply(&h, &rq, buf, 41, &rsp);
	CHECK(rsp.status == INVAL);
	xsplit_net_ctrl_apply(&h, &rq, NULL, 40, &rsp);
	CHECK(rsp.status == INVAL);
	xsplit_net_ctrl_apply(&h, &rq, NULL, 0, &rsp);
	CHECK(rsp.status == INVAL);

	rq = mkreq(SET_MAP, 1, 8, 0);
	xsplit_net_ctrl_apply(&h, &rq, buf, 8, &rsp);
	CHECK(rsp.status == INVAL);
	xsplit_net_ctrl_apply(&h, &rq, buf, 0xffffffffu, &rsp);
	CHECK(rsp.status == INVAL);

	/* Bytes for a request that takes none. */
	rq = mkreq(SET_MAP_SIZE, 4, 0, 0);
	xsplit_net_ctrl_apply(&h, &rq, buf, 4, &rsp);
	CHECK(rsp.status == INVAL);
	CHECK(memcmp(&before, &h, sizeof(h)) == 0);
}

TEST(net_ctrl_mapping_size)
{
	struct xsplit_net_hash h;
	struct guest *g = guest_new(5);
	static const u32 t[4] = { 3, 2, 1, 3 };
	unsigned int i;
	u32 d = 0;

	xsplit_net_hash_init(&h, 4);
	CHECK(ctrl(&h, NULL, GET_MAP_SIZE, 0, 0, 0, &d) == OK);
	CHECK(d == XSPLIT_NET_HASH_MAPPING_MAX && d == 128);

	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 128, 0, 0, &d) == OK);
	CHECK(d == 0 && h.mapping_size == 128);
	put_table(g, t, 4);
	CHECK(ctrl(&h, g, SET_MAP, 5, 4, 124, NULL) == OK);
	CHECK(h.mapping[124] == 3 && h.mapping[127] == 3);

	/* A new size: the whole table is zero again, beyond it too. */
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 16, 0, 0, NULL) == OK);
	CHECK(h.mapping_size == 16);
	for (i = 0; i < 128; i++)
		CHECK(h.mapping[i] == 0);

	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 129, 0, 0, NULL) == INVAL);
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 0xffffffffu, 0, 0, NULL) == INVAL);
	CHECK(h.mapping_size == 16);
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 0, 0, 0, NULL) == OK);
	CHECK(h.mapping_size == 0);
	free(g);
}

TEST(net_ctrl_set_mapping)
{
	struct xsplit_net_hash h;
	struct guest *g = guest_new(0x55);
	struct xsplit_net_ctrl_req rq;
	struct xsplit_net_ctrl_rsp rsp;
	struct xsplit_net_ctrl_copy c;
	u32 t[128];
	unsigned int i;

	xsplit_net_hash_init(&h, 8);
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 64, 0, 0, NULL) == OK);
	for (i = 0; i < 128; i++)
		t[i] = i % 8;
	put_table(g, t, 128);

	rq = mkreq(SET_MAP, 0x55, 64, 0);
	CHECK(xsplit_net_ctrl_judge(&h, &rq, &rsp, &c) ==
	      XSPLIT_NET_CTRL_COPY);
	CHECK(c.gref == 0x55 && c.offset == 0 && c.len == 256);
	CHECK(ctrl(&h, g, SET_MAP, 0x55, 64, 0, NULL) == OK);
	for (i = 0; i < 64; i++)
		CHECK(h.mapping[i] == i % 8);

	/* A sub-table from the start of its grant, at entry 60. */
	for (i = 0; i < 4; i++)
		t[i] = 7 - i;
	put_table(g, t, 4);
	CHECK(ctrl(&h, g, SET_MAP, 0x55, 4, 60, NULL) == OK);
	for (i = 0; i < 64; i++)
		CHECK(h.mapping[i] == (i >= 60 ? 7 - (i - 60) : i % 8));

	/* Nothing to set is no error, inside the table. */
	rq = mkreq(SET_MAP, 0x55, 0, 64);
	CHECK(xsplit_net_ctrl_judge(&h, &rq, &rsp, &c) ==
	      XSPLIT_NET_CTRL_APPLY);
	CHECK(ctrl(&h, NULL, SET_MAP, 0x55, 0, 64, NULL) == OK);
	CHECK(ctrl(&h, NULL, SET_MAP, 0x55, 0, 65, NULL) == INVAL);
	free(g);
}

TEST(net_ctrl_set_mapping_bad_entry)
{
	struct xsplit_net_hash h, before;
	struct guest *g = guest_new(1);
	u32 t[16];
	unsigned int i;

	xsplit_net_hash_init(&h, 4);
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 16, 0, 0, NULL) == OK);
	for (i = 0; i < 16; i++)
		t[i] = 3 - i % 4;
	put_table(g, t, 16);
	CHECK(ctrl(&h, g, SET_MAP, 1, 16, 0, NULL) == OK);
	before = h;

	/* One entry naming queue 4 of 0..3 refuses all of them. */
	for (i = 0; i < 16; i++)
		t[i] = 1;
	t[15] = 4;
	put_table(g, t, 16);
	CHECK(ctrl(&h, g, SET_MAP, 1, 16, 0, NULL) == INVAL);
	CHECK(memcmp(&before, &h, sizeof(h)) == 0);
	t[15] = 0xffffffffu;
	put_table(g, t, 16);
	CHECK(ctrl(&h, g, SET_MAP, 1, 16, 0, NULL) == INVAL);
	t[0] = 0x80000000u;
	t[15] = 0;
	put_table(g, t, 16);
	CHECK(ctrl(&h, g, SET_MAP, 1, 16, 0, NULL) == INVAL);
	CHECK(memcmp(&before, &h, sizeof(h)) == 0);
	free(g);
}

/*
 * Outside the biggest table we have: BUFFER_OVERFLOW. Inside it but
 * outside the size the frontend set: INVALID_PARAMETER. No sum wraps.
 */
TEST(net_ctrl_set_mapping_ranges)
{
	static const u32 over[][2] = {	/* len, off */
		{ 129, 0 }, { 1024, 0 }, { 1025, 0 }, { 0xffffffffu, 0 },
		{ 1, 128 }, { 0, 129 }, { 128, 1 }, { 1, 0xffffffffu },
		{ 0xffffffffu, 1 }, { 0x80000000u, 0x80000000u },
		{ 2, 0xfffffffeu }, { 0x40000000u, 0 }, { 0x40000001u, 0 },
	};
	static const u32 inval[][2] = {
		{ 1, 16 }, { 17, 0 }, { 16, 1 }, { 0, 17 }, { 112, 16 },
		{ 128, 0 },
	};
	struct xsplit_net_hash h, before;
	struct guest *g = guest_new(2);
	unsigned int i;

	memset(g->page, 0, PAGE);
	xsplit_net_hash_init(&h, 4);
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 16, 0, 0, NULL) == OK);
	before = h;
	for (i = 0; i < ARRAY_SIZE(over); i++) {
		CHECK(ctrl(&h, g, SET_MAP, 2, over[i][0], over[i][1], NULL) ==
		      OVERFLOW);
		CHECK(memcmp(&before, &h, sizeof(h)) == 0);
	}
	for (i = 0; i < ARRAY_SIZE(inval); i++) {
		CHECK(ctrl(&h, g, SET_MAP, 2, inval[i][0], inval[i][1], NULL) ==
		      INVAL);
		CHECK(memcmp(&before, &h, sizeof(h)) == 0);
	}
	CHECK(ctrl(&h, g, SET_MAP, 2, 16, 0, NULL) == OK);
	CHECK(ctrl(&h, g, SET_MAP, 2, 1, 15, NULL) == OK);

	/* Without a table, there is nothing to set. */
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 0, 0, 0, NULL) == OK);
	CHECK(ctrl(&h, g, SET_MAP, 2, 1, 0, NULL) == INVAL);
	CHECK(ctrl(&h, g, SET_MAP, 2, 0, 0, NULL) == OK);
	free(g);
}

/* A table entry straddling its u32 alignment in the copy still reads. */
TEST(net_ctrl_set_mapping_unaligned_buffer)
{
	struct xsplit_net_hash h;
	struct xsplit_net_ctrl_req rq = mkreq(SET_MAP, 3, 3, 0);
	struct xsplit_net_ctrl_rsp rsp;
	static const u32 t[3] = { 1, 2, 0 };
	u8 raw[13];

	xsplit_net_hash_init(&h, 3);
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 3, 0, 0, NULL) == OK);
	memcpy(raw + 1, t, 12);
	xsplit_net_ctrl_apply(&h, &rq, raw + 1, 12, &rsp);
	CHECK(rsp.status == OK);
	CHECK(h.mapping[0] == 1 && h.mapping[1] == 2 && h.mapping[2] == 0);
}

/* The state changed between judge and apply: apply judges again. */
TEST(net_ctrl_apply_out_of_turn)
{
	struct xsplit_net_hash h, before;
	struct xsplit_net_ctrl_req rq = mkreq(SET_MAP, 4, 8, 8);
	struct xsplit_net_ctrl_rsp rsp;
	struct xsplit_net_ctrl_copy c;
	u32 t[8] = { 0 };

	xsplit_net_hash_init(&h, 2);
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 16, 0, 0, NULL) == OK);
	CHECK(xsplit_net_ctrl_judge(&h, &rq, &rsp, &c) ==
	      XSPLIT_NET_CTRL_COPY);
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 12, 0, 0, NULL) == OK);
	before = h;
	xsplit_net_ctrl_apply(&h, &rq, t, c.len, &rsp);
	CHECK(rsp.status == INVAL);
	CHECK(memcmp(&before, &h, sizeof(h)) == 0);

	/* Flags judged with an algorithm, applied after it went. */
	rq = mkreq(SET_FLAGS, T_IPV4, 0, 0);
	CHECK(ctrl(&h, NULL, SET_ALG, ALG_TOEPLITZ, 0, 0, NULL) == OK);
	CHECK(xsplit_net_ctrl_judge(&h, &rq, &rsp, &c) ==
	      XSPLIT_NET_CTRL_APPLY);
	CHECK(ctrl(&h, NULL, SET_ALG, ALG_NONE, 0, 0, NULL) == OK);
	xsplit_net_ctrl_apply(&h, &rq, NULL, 0, &rsp);
	CHECK(rsp.status == NOT_SUPP);
	CHECK(h.flags == 0);
}

TEST(net_ctrl_not_supported)
{
	static const u16 types[] = {
		XEN_NETIF_CTRL_TYPE_INVALID,
		XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE,
		XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING,
		XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING,
		11, 0x100, 0x8000, 0xffff,
	};
	struct xsplit_net_hash h, before;
	struct guest *g = guest_new(1);
	unsigned int i;
	u32 d;

	xsplit_net_hash_init(&h, 2);
	CHECK(ctrl(&h, NULL, SET_ALG, ALG_TOEPLITZ, 0, 0, NULL) == OK);
	before = h;
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		d = 77;
		CHECK(ctrl(&h, g, types[i], 1, 1, 0, &d) == NOT_SUPP);
		CHECK(d == 0);
		CHECK(ctrl(&h, g, types[i], 0xffffffffu, 0xffffffffu,
			   0xffffffffu, NULL) == NOT_SUPP);
		CHECK(memcmp(&before, &h, sizeof(h)) == 0);
	}
	free(g);
}

/* Every response names its request, the other fields all written. */
TEST(net_ctrl_response_echo)
{
	struct xsplit_net_hash h;
	struct xsplit_net_ctrl_req rq;
	struct xsplit_net_ctrl_rsp rsp;
	struct xsplit_net_ctrl_copy c;
	u16 type;

	xsplit_net_hash_init(&h, 2);
	for (type = 0; type < 16; type++) {
		rq = mkreq(type, 1, 2, 3);
		rq.id = 0x1000 + type;
		memset(&rsp, 0xa5, sizeof(rsp));
		xsplit_net_ctrl_judge(&h, &rq, &rsp, &c);
		CHECK(rsp.id == 0x1000 + type && rsp.type == type);
		CHECK(rsp.status <= OVERFLOW);
		CHECK(rsp.data != 0xa5a5a5a5u);
	}
}

/* -- picking a queue ---------------------------------------------------- */

/* A vif configured the way a frontend does it, key and all. */
static void setup_rss(struct xsplit_net_hash *h, u32 nr_queues, u32 flags)
{
	struct guest *g = guest_new(0x99);

	xsplit_net_hash_init(h, nr_queues);
	memcpy(g->page, ms_key, 40);
	if (ctrl(h, NULL, SET_ALG, ALG_TOEPLITZ, 0, 0, NULL) != OK ||
	    ctrl(h, NULL, SET_FLAGS, flags, 0, 0, NULL) != OK ||
	    ctrl(h, g, SET_KEY, 0x99, 40, 0, NULL) != OK)
		abort();
	free(g);
}

TEST(net_hash_pick_ms_vectors)
{
	struct xsplit_net_hash h;
	struct xsplit_net_hash_result r;
	struct xsplit_net_flow f;
	unsigned int i;

	setup_rss(&h, 16, T_IPV4 | T_IPV4_TCP | T_IPV6 | T_IPV6_TCP);
	for (i = 0; i < ARRAY_SIZE(v4_vectors); i++) {
		f = flow4(&v4_vectors[i], true);
		CHECK(xsplit_net_hash_pick(&h, &f, &r));
		CHECK(r.type == T_IPV4_TCP);
		CHECK(r.hash == v4_vectors[i].tcp_hash);
		CHECK(r.queue == r.hash % 16);
		f.tcp = false;
		CHECK(xsplit_net_hash_pick(&h, &f, &r));
		CHECK(r.type == T_IPV4);
		CHECK(r.hash == v4_vectors[i].addr_hash);
	}
	for (i = 0; i < ARRAY_SIZE(v6_vectors); i++) {
		f = flow6(&v6_vectors[i], true);
		CHECK(xsplit_net_hash_pick(&h, &f, &r));
		CHECK(r.type == T_IPV6_TCP);
		CHECK(r.hash == v6_vectors[i].tcp_hash);
		f.tcp = false;
		CHECK(xsplit_net_hash_pick(&h, &f, &r));
		CHECK(r.type == T_IPV6);
		CHECK(r.hash == v6_vectors[i].addr_hash);
	}
}

/* The TCP type when allowed, else the address one, else none. */
TEST(net_hash_pick_type_choice)
{
	struct xsplit_net_hash h;
	struct xsplit_net_hash_result r, untouched;
	struct xsplit_net_flow f4 = flow4(&v4_vectors[1], true);
	struct xsplit_net_flow f6 = flow6(&v6_vectors[1], true);

	memset(&untouched, 0xa5, sizeof(untouched));

	setup_rss(&h, 4, T_IPV4);
	CHECK(xsplit_net_hash_pick(&h, &f4, &r) && r.type == T_IPV4);
	CHECK(r.hash == v4_vectors[1].addr_hash);
	r = untouched;
	CHECK(!xsplit_net_hash_pick(&h, &f6, &r));
	CHECK(memcmp(&r, &untouched, sizeof(r)) == 0);

	setup_rss(&h, 4, T_IPV4_TCP);
	CHECK(xsplit_net_hash_pick(&h, &f4, &r) && r.type == T_IPV4_TCP);
	f4.tcp = false;
	CHECK(!xsplit_net_hash_pick(&h, &f4, &r));
	f4.tcp = true;

	/* IPv4 flags say nothing about IPv6, and the other way round. */
	setup_rss(&h, 4, T_IPV6_TCP);
	CHECK(!xsplit_net_hash_pick(&h, &f4, &r));
	CHECK(xsplit_net_hash_pick(&h, &f6, &r) && r.type == T_IPV6_TCP);
	CHECK(r.hash == v6_vectors[1].tcp_hash);
	setup_rss(&h, 4, T_IPV6);
	CHECK(xsplit_net_hash_pick(&h, &f6, &r) && r.type == T_IPV6);
	CHECK(r.hash == v6_vectors[1].addr_hash);

	/* Other l3s are never hashed. */
	setup_rss(&h, 4, 0xf);
	f4.l3 = 0;
	CHECK(!xsplit_net_hash_pick(&h, &f4, &r));
	f4.l3 = 41;
	CHECK(!xsplit_net_hash_pick(&h, &f4, &r));

	/* No flags, or no algorithm: the backend steers as it likes. */
	setup_rss(&h, 4, 0);
	CHECK(!xsplit_net_hash_pick(&h, &f6, &r));
	setup_rss(&h, 4, 0xf);
	CHECK(ctrl(&h, NULL, SET_ALG, ALG_NONE, 0, 0, NULL) == OK);
	r = untouched;
	CHECK(!xsplit_net_hash_pick(&h, &f6, &r));
	CHECK(memcmp(&r, &untouched, sizeof(r)) == 0);
}

TEST(net_hash_pick_through_mapping)
{
	struct xsplit_net_hash h;
	struct xsplit_net_hash_result r;
	struct xsplit_net_flow f;
	struct guest *g = guest_new(0x77);
	u32 t[8] = { 3, 1, 4, 1, 5, 2, 6, 0 };
	unsigned int i;

	setup_rss(&h, 7, 0xf);
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 8, 0, 0, NULL) == OK);
	put_table(g, t, 8);
	CHECK(ctrl(&h, g, SET_MAP, 0x77, 8, 0, NULL) == OK);
	for (i = 0; i < ARRAY_SIZE(v4_vectors); i++) {
		f = flow4(&v4_vectors[i], true);
		CHECK(xsplit_net_hash_pick(&h, &f, &r));
		CHECK(r.queue == t[v4_vectors[i].tcp_hash % 8]);
	}
	/* A fresh table is all queue 0. */
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 5, 0, 0, NULL) == OK);
	CHECK(xsplit_net_hash_pick(&h, &f, &r) && r.queue == 0);
	/* And no table is modular arithmetic over the queues. */
	CHECK(ctrl(&h, NULL, SET_MAP_SIZE, 0, 0, 0, NULL) == OK);
	CHECK(xsplit_net_hash_pick(&h, &f, &r));
	CHECK(r.queue == r.hash % 7);
	free(g);
}

/* An empty key hashes everything to 0, and so to queue 0. */
TEST(net_hash_pick_empty_key)
{
	struct xsplit_net_hash h;
	struct xsplit_net_hash_result r;
	struct xsplit_net_flow f = flow6(&v6_vectors[2], true);

	setup_rss(&h, 5, 0xf);
	CHECK(ctrl(&h, NULL, SET_KEY, 0, 0, 0, NULL) == OK);
	CHECK(xsplit_net_hash_pick(&h, &f, &r));
	CHECK(r.hash == 0 && r.queue == 0);
}

/* A state the caller broke still stays within its arrays. */
TEST(net_hash_pick_defensive)
{
	struct xsplit_net_hash h;
	struct xsplit_net_hash_result r;
	struct xsplit_net_flow f = flow4(&v4_vectors[0], true);

	setup_rss(&h, 4, 0xf);
	h.key_len = 0xffffffffu;
	h.mapping_size = 0xffffffffu;
	h.mapping[v4_vectors[0].tcp_hash % 128] = 99;
	CHECK(xsplit_net_hash_pick(&h, &f, &r));
	CHECK(r.hash == v4_vectors[0].tcp_hash);
	CHECK(r.queue == 0);
	h.mapping_size = 0;
	h.nr_queues = 0;
	CHECK(xsplit_net_hash_pick(&h, &f, &r));
	CHECK(r.queue == 0);
}
