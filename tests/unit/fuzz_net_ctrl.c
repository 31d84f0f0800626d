// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry for the netif control ring and receive hashing, built by
 * `make fuzz`. The input, zero-padded to its header's length when short:
 *
 *   1 byte      queues, as xsplit_net_hash_init() gets it (0 means 1)
 *   1 byte      key length (modulo 65) and data length (the same byte
 *               modulo 61) for a lone Toeplitz check of page bytes
 *   256 bytes   the granted page: byte i of the 4 KiB page is seed byte
 *               i % 256 plus i / 256, so that every offset differs
 *   then up to 64 records of 17 bytes, for as many as the input holds:
 *     16 bytes  a control request as the ring holds it (native order:
 *               id, type, data[0..2])
 *     1 byte    bit 0: the grant copy fails; 1: apply gets one byte too
 *               many; 2: tame the request (below); 3: tame the page's
 *               table (below); 4: hash a flow after the request; 5: the
 *               flow is IPv6, 6: TCP, 7: of neither l3 (4 or 6 else)
 *
 * Tame requests make each type's good path likely: the type is taken
 * modulo 12 and the data words are reduced to the ranges that matter for
 * it, except that a size or offset word with bit 31 set becomes one next
 * to where a sum or product of 32-bit words wraps. A tame table keeps
 * each of the page's first 128 u32s below one more than the queues, so
 * that most tables are valid and some not.
 *
 * The flow's addresses and ports come from page bytes that the request's
 * id picks. Besides ASan and UBSan, this aborts if:
 * - judge changes the state, writes a response that does not echo id and
 *   type, or gives a status other than the four netif.h defines;
 * - a COPY verdict's copy is empty, leaves the 4 KiB page, or comes with
 *   a status other than INVALID_PARAMETER; any other verdict's is not
 *   empty;
 * - the status, response data or resulting state differ from a model of
 *   net_ctrl.h's rules written here (not from net_ctrl.c);
 * - the state breaks net_ctrl.h's invariants at any point;
 * - the hash picked differs from the model's (type, hash by a bit-by-bit
 *   Toeplitz written here, queue), or a queue is out of range;
 * - xsplit_net_toeplitz() differs from the bit-by-bit one for any key
 *   and data length, reading exact-size heap copies of both.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/net_ctrl.h>

#define SEED_BYTES	256u
#define HDR_BYTES	(2u + SEED_BYTES)
#define REC_BYTES	17u
#define MAX_RECS	64u
#define PAGE		4096u
#define KEY_MAX		40u
#define MAP_MAX		128u
#define TYPES_ALL	0xfu

/* In a tame request, a size word with this bit set is one that wraps. */
#define WRAP		0x80000000u

#define R_COPY_FAILS	0x01
#define R_LEN_PLUS_ONE	0x02
#define R_TAME		0x04
#define R_TAME_TABLE	0x08
#define R_HASH		0x10
#define R_V6		0x20
#define R_TCP		0x40
#define R_OTHER_L3	0x80

/* The state as the model sees it. */
struct model {
	u32 alg, flags, key_len, size, nq;
	u8 key[KEY_MAX];
	u32 map[MAP_MAX];
};

static u8 page[PAGE];

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static void tame_req(struct xsplit_net_ctrl_req *r)
{
	r->type %= 12;
	switch (r->type) {
	case XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM:
		r->data[0] %= 3;
		break;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS:
		r->data[0] &= 0x1f;
		break;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_KEY:
		if (r->data[1] & WRAP)
			r->data[1] = 0u - 1 - (r->data[1] & 7);
		else
			r->data[1] %= 48;
		break;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE:
		r->data[0] %= 136;
		break;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING:
		/* Sizes whose products or sums wrap, next to the others. */
		if (r->data[1] & WRAP)
			r->data[1] = 0x40000000u + (r->data[1] & 3);
		else
			r->data[1] %= 136;
		if (r->data[2] & WRAP)
			r->data[2] = 0u - r->data[1] + (r->data[2] & 7);
		else
			r->data[2] %= 136;
		break;
	}
}

/* The status the rules in net_ctrl.h and netif.h give, and the change. */
static u32 model_req(struct model *m, const struct xsplit_net_ctrl_req *r,
		     bool copied, u32 *data, u32 *copy_len)
{
	u32 len, off, i;

	*data = 0;
	*copy_len = 0;
	switch (r->type) {
	case 1:		/* GET_HASH_FLAGS */
		if (m->alg == 0)
			return XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
		*data = TYPES_ALL;
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case 2:		/* SET_HASH_FLAGS */
		if (m->alg == 0)
			return XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
		if (r->data[0] > TYPES_ALL)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		m->flags = r->data[0];
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case 3:		/* SET_HASH_KEY */
		len = r->data[1];
		if (len > PAGE)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		if (len > KEY_MAX)
			return XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW;
		*copy_len = len;
		if (len && !copied)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		memset(m->key, 0, sizeof(m->key));
		memcpy(m->key, page, len);
		m->key_len = len;
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case 4:		/* GET_HASH_MAPPING_SIZE */
		*data = MAP_MAX;
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case 5:		/* SET_HASH_MAPPING_SIZE */
		if (r->data[0] > MAP_MAX)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		m->size = r->data[0];
		memset(m->map, 0, sizeof(m->map));
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case 6:		/* SET_HASH_MAPPING */
		len = r->data[1];
		off = r->data[2];
		if ((u64)off + len > MAP_MAX)
			return XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW;
		if (off + len > m->size)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		*copy_len = 4 * len;
		if (len && !copied)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		for (i = 0; i < len; i++)
			if (rd32(page + 4 * i) >= m->nq)
				return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		for (i = 0; i < len; i++)
			m->map[off + i] = rd32(page + 4 * i);
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case 7:		/* SET_HASH_ALGORITHM */
		if (r->data[0] > 1)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		m->alg = r->data[0];
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	default:
		return XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
	}
}

static void check_state(const struct xsplit_net_hash *h, const struct model *m)
{
	u32 i;

	if (h->algorithm != m->alg || h->flags != m->flags ||
	    h->key_len != m->key_len || h->mapping_size != m->size ||
	    h->nr_queues != m->nq || h->nr_queues == 0 ||
	    memcmp(h->key, m->key, KEY_MAX) ||
	    memcmp(h->mapping, m->map, sizeof(m->map)))
		abort();
	for (i = 0; i < MAP_MAX; i++)
		if (h->mapping[i] >= h->nr_queues)
			abort();
	for (i = h->key_len; i < KEY_MAX; i++)
		if (h->key[i])
			abort();
}

/* Bit by bit, straight from netif.h's description. */
static u32 toeplitz_ref(const u8 *key, u32 keylen, const u8 *data, u32 len)
{
	u32 hash = 0, n, j;

	for (n = 0; n < 8 * len; n++) {
		u32 w = 0;

		if (!(data[n / 8] & (0x80 >> (n % 8))))
			continue;
		for (j = n; j < n + 32; j++)
			w = w << 1 | (j / 8 < keylen ?
				      (key[j / 8] >> (7 - j % 8)) & 1 : 0);
		hash ^= w;
	}
	return hash;
}

static void check_toeplitz(const u8 *key, u32 keylen, const u8 *data,
			   u32 len)
{
	u8 *k = malloc(keylen), *d = malloc(len);

	if (!k || !d)
		abort();
	memcpy(k, key, keylen);
	memcpy(d, data, len);
	if (xsplit_net_toeplitz(k, keylen, d, len) !=
	    toeplitz_ref(key, keylen, data, len))
		abort();
	free(k);
	free(d);
}

static void check_pick(const struct xsplit_net_hash *h, const struct model *m,
		       u8 ctl, u16 id)
{
	struct xsplit_net_hash_result res, untouched;
	struct xsplit_net_flow f;
	const u8 *src = page + (id % (PAGE - 40));
	u32 tcp_t, addr_t, type = 0, alen, hash, queue;
	u8 in[36];
	bool got;

	memset(&f, 0, sizeof(f));
	f.l3 = ctl & R_OTHER_L3 ? src[0] : ctl & R_V6 ? 6 : 4;
	f.tcp = ctl & R_TCP;
	memcpy(f.saddr, src, 16);
	memcpy(f.daddr, src + 16, 16);
	f.sport = src[32] | src[33] << 8;
	f.dport = src[34] | src[35] << 8;

	memset(&res, 0xa5, sizeof(res));
	untouched = res;
	got = xsplit_net_hash_pick(h, &f, &res);

	if (m->alg == 1 && (f.l3 == 4 || f.l3 == 6)) {
		tcp_t = f.l3 == 4 ? XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP :
				    XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;
		addr_t = f.l3 == 4 ? XEN_NETIF_CTRL_HASH_TYPE_IPV4 :
				     XEN_NETIF_CTRL_HASH_TYPE_IPV6;
		if (f.tcp && (m->flags & tcp_t))
			type = tcp_t;
		else if (m->flags & addr_t)
			type = addr_t;
	}
	if (!type) {
		if (got || memcmp(&res, &untouched, sizeof(res)))
			abort();
		return;
	}
	if (!got || res.type != type)
		abort();

	alen = f.l3 == 4 ? 4 : 16;
	memcpy(in, f.saddr, alen);
	memcpy(in + alen, f.daddr, alen);
	in[2 * alen] = f.sport >> 8;
	in[2 * alen + 1] = f.sport;
	in[2 * alen + 2] = f.dport >> 8;
	in[2 * alen + 3] = f.dport;
	hash = toeplitz_ref(m->key, m->key_len, in,
			    2 * alen + (type == tcp_t ? 4 : 0));
	queue = m->size ? m->map[hash % m->size] : hash % m->nq;
	if (res.hash != hash || res.queue != queue || res.queue >= m->nq)
		abort();
}

static void one_request(struct xsplit_net_hash *h, struct model *m,
			const u8 *rec)
{
	struct xsplit_net_ctrl_req r;
	struct xsplit_net_ctrl_rsp rsp;
	struct xsplit_net_ctrl_copy c;
	struct xsplit_net_hash before = *h;
	enum xsplit_net_ctrl_verdict v;
	u8 ctl = rec[16];
	u32 want, want_data, want_len, give;
	bool copied = false;
	u8 *buf = NULL;

	memcpy(&r, rec, 16);
	if (ctl & R_TAME)
		tame_req(&r);

	memset(&rsp, 0xa5, sizeof(rsp));
	memset(&c, 0xa5, sizeof(c));
	v = xsplit_net_ctrl_judge(h, &r, &rsp, &c);
	if (memcmp(&before, h, sizeof(before)) || rsp.id != r.id ||
	    rsp.type != r.type ||
	    rsp.status > XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW)
		abort();

	switch (v) {
	case XSPLIT_NET_CTRL_DONE:
	case XSPLIT_NET_CTRL_APPLY:
		if (c.len)
			abort();
		break;
	case XSPLIT_NET_CTRL_COPY:
		if (!c.len || (u64)c.offset + c.len > PAGE || c.offset ||
		    c.gref != r.data[0] ||
		    rsp.status != XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER)
			abort();
		if (ctl & R_COPY_FAILS)
			break;
		/* One byte too many tests apply's own length check. */
		give = c.len + (ctl & R_LEN_PLUS_ONE ? 1 : 0);
		buf = malloc(give);
		if (!buf)
			abort();
		memcpy(buf, page, give);
		xsplit_net_ctrl_apply(h, &r, buf, give, &rsp);
		copied = give == c.len;
		free(buf);
		break;
	default:
		abort();
	}
	if (v == XSPLIT_NET_CTRL_APPLY)
		xsplit_net_ctrl_apply(h, &r, NULL, 0, &rsp);
	if (v == XSPLIT_NET_CTRL_DONE) {
		/* Out of turn, apply must change nothing either. */
		xsplit_net_ctrl_apply(h, &r, NULL, 0, &rsp);
		if (memcmp(&before, h, sizeof(before)))
			abort();
	}

	want = model_req(m, &r, copied, &want_data, &want_len);
	if (rsp.id != r.id || rsp.type != r.type || rsp.status != want ||
	    rsp.data != want_data)
		abort();
	if (v == XSPLIT_NET_CTRL_COPY && c.len != want_len)
		abort();
	if (v != XSPLIT_NET_CTRL_COPY && want_len &&
	    want == XEN_NETIF_CTRL_STATUS_SUCCESS)
		abort();
	check_state(h, m);

	if (ctl & R_HASH)
		check_pick(h, m, ctl, r.id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 hdr[HDR_BYTES];
	static struct xsplit_net_hash h;
	static struct model m;
	size_t nrec, i;
	u32 k;

	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, data, size < sizeof(hdr) ? size : sizeof(hdr));
	for (i = 0; i < PAGE; i++)
		page[i] = hdr[2 + i % SEED_BYTES] + i / SEED_BYTES;

	xsplit_net_hash_init(&h, hdr[0]);
	memset(&m, 0, sizeof(m));
	m.nq = hdr[0] ? hdr[0] : 1;
	check_state(&h, &m);

	check_toeplitz(page + 100, hdr[1] % 65, page + 1000, hdr[1] % 61);

	nrec = size > HDR_BYTES ? (size - HDR_BYTES) / REC_BYTES : 0;
	if (nrec > MAX_RECS)
		nrec = MAX_RECS;
	for (i = 0; i < nrec; i++) {
		const u8 *rec = data + HDR_BYTES + i * REC_BYTES;

		/* Each record may tame the table the next ones see. */
		if (rec[16] & R_TAME_TABLE)
			for (k = 0; k < MAP_MAX; k++) {
				u32 e = rd32(page + 4 * k) % (m.nq + 1);

				memcpy(page + 4 * k, &e, 4);
			}
		one_request(&h, &m, rec);
	}
	return 0;
}
