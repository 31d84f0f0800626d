// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h and net_ctrl.h.
 *
 * Every field of a request is the frontend's to choose, and so is every
 * byte of a key or mapping table it grants us. Sizes are bounded before
 * they are added or multiplied, and the state only ever changes in
 * xsplit_net_ctrl_apply(), after the whole request has been judged.
 */

#include <xsplit/net_ctrl.h>

/* Short names, so that each refusal below fits on one line. */
#define ST_OK		XEN_NETIF_CTRL_STATUS_SUCCESS
#define ST_NOT_SUPP	XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED
#define ST_INVAL	XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER
#define ST_OVERFLOW	XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW

void xsplit_net_hash_init(struct xsplit_net_hash *h, u32 nr_queues)
{
	*h = (struct xsplit_net_hash){ 0 };
	h->algorithm = XEN_NETIF_CTRL_HASH_ALGORITHM_NONE;
	/* Mapping entries are zero, so there must be a queue 0. */
	h->nr_queues = nr_queues ? nr_queues : 1;
}

static enum xsplit_net_ctrl_verdict answer(struct xsplit_net_ctrl_rsp *rsp,
					   u32 status, u32 data)
{
	rsp->status = status;
	rsp->data = data;
	return XSPLIT_NET_CTRL_DONE;
}

/*
 * The request is good; what apply will answer is success. Should the
 * grant copy fail, the caller sends what is in *rsp then, so a COPY
 * verdict overwrites this with INVALID_PARAMETER.
 */
static enum xsplit_net_ctrl_verdict proceed(struct xsplit_net_ctrl_rsp *rsp,
					    struct xsplit_net_ctrl_copy *copy,
					    u32 gref, u32 len)
{
	rsp->status = ST_OK;
	rsp->data = 0;
	if (!len)
		return XSPLIT_NET_CTRL_APPLY;
	/*
	 * Both the key and the table start at the beginning of their
	 * grant (netif.h), and both are bounded well below a page.
	 */
	copy->gref = gref;
	copy->offset = 0;
	copy->len = len;
	rsp->status = ST_INVAL;
	return XSPLIT_NET_CTRL_COPY;
}

/*
 * data[1] and data[2] where netif.h says "= 0" are not checked: they mean
 * nothing to us, and a frontend that leaves them dirty should not lose
 * hashing over it.
 */
enum xsplit_net_ctrl_verdict
xsplit_net_ctrl_judge(const struct xsplit_net_hash *h,
		      const struct xsplit_net_ctrl_req *req,
		      struct xsplit_net_ctrl_rsp *rsp,
		      struct xsplit_net_ctrl_copy *copy)
{
	u32 len, off;

	rsp->id = req->id;
	rsp->type = req->type;
	copy->gref = 0;
	copy->offset = 0;
	copy->len = 0;

	switch (req->type) {
	case XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM:
		if (req->data[0] != XEN_NETIF_CTRL_HASH_ALGORITHM_NONE &&
		    req->data[0] != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ)
			return answer(rsp, ST_INVAL, 0);
		return proceed(rsp, copy, 0, 0);

	case XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS:
		if (h->algorithm == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE)
			return answer(rsp, ST_NOT_SUPP, 0);
		return answer(rsp, ST_OK, XSPLIT_NET_HASH_TYPES_ALL);

	case XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS:
		if (h->algorithm == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE)
			return answer(rsp, ST_NOT_SUPP, 0);
		if (req->data[0] & ~(u32)XSPLIT_NET_HASH_TYPES_ALL)
			return answer(rsp, ST_INVAL, 0);
		return proceed(rsp, copy, 0, 0);

	case XEN_NETIF_CTRL_TYPE_SET_HASH_KEY:
		/*
		 * netif.h has two refusals for a key size: "invalid" and
		 * "larger than the backend supports". A key cannot be
		 * longer than the one grant it comes in, so that is the
		 * invalid one; anything else we cannot keep overflows. A
		 * key is never cut short: hashing with part of the key the
		 * guest asked for would spread its flows differently from
		 * what it computes itself.
		 */
		len = req->data[1];
		if (len > XSPLIT_NET_CTRL_PAGE_SIZE)
			return answer(rsp, ST_INVAL, 0);
		if (len > XSPLIT_NET_HASH_KEY_MAX)
			return answer(rsp, ST_OVERFLOW, 0);
		return proceed(rsp, copy, req->data[0], len);

	case XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE:
		return answer(rsp, ST_OK, XSPLIT_NET_HASH_MAPPING_MAX);

	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE:
		if (req->data[0] > XSPLIT_NET_HASH_MAPPING_MAX)
			return answer(rsp, ST_INVAL, 0);
		return proceed(rsp, copy, 0, 0);

	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING:
		/*
		 * Beyond the largest table we have is BUFFER_OVERFLOW;
		 * within it but beyond the size the frontend set is a bad
		 * parameter. Checked so that off + len cannot wrap: len is
		 * bounded first, then off against what len leaves.
		 */
		len = req->data[1];
		off = req->data[2];
		if (len > XSPLIT_NET_HASH_MAPPING_MAX ||
		    off > XSPLIT_NET_HASH_MAPPING_MAX - len)
			return answer(rsp, ST_OVERFLOW, 0);
		if (off + len > h->mapping_size)
			return answer(rsp, ST_INVAL, 0);
		/* An empty sub-table inside the table sets nothing: fine. */
		return proceed(rsp, copy, req->data[0], len * 4);

	default:
		/*
		 * INVALID, the static grant mapping types (which we do not
		 * offer) and anything newer than us.
		 */
		return answer(rsp, ST_NOT_SUPP, 0);
	}
}

/* A u32 as the guest stored it: native order, perhaps unaligned. */
static u32 get_u32(const u8 *p)
{
	u32 v;
	u8 *d = (u8 *)&v;
	unsigned int i;

	for (i = 0; i < 4; i++)
		d[i] = p[i];
	return v;
}

static bool set_mapping(struct xsplit_net_hash *h, u32 off, u32 n,
			const u8 *buf)
{
	u32 i;

	/*
	 * All or nothing: a bad entry must not leave half a table. @buf is
	 * the backend's copy, so both passes see the same entries.
	 */
	for (i = 0; i < n; i++)
		if (get_u32(buf + 4 * i) >= h->nr_queues)
			return false;
	for (i = 0; i < n; i++)
		h->mapping[off + i] = get_u32(buf + 4 * i);
	return true;
}

void xsplit_net_ctrl_apply(struct xsplit_net_hash *h,
			   const struct xsplit_net_ctrl_req *req,
			   const void *buf, u32 len,
			   struct xsplit_net_ctrl_rsp *rsp)
{
	struct xsplit_net_ctrl_copy copy;
	const u8 *b = buf;
	u32 i;

	if (xsplit_net_ctrl_judge(h, req, rsp, &copy) == XSPLIT_NET_CTRL_DONE)
		return;
	if (len != copy.len || (len && !buf)) {
		rsp->status = ST_INVAL;
		rsp->data = 0;
		return;
	}
	rsp->status = ST_OK;
	rsp->data = 0;

	switch (req->type) {
	case XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM:
		/* The flags, key and table stay for a later re-enable. */
		h->algorithm = req->data[0];
		return;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS:
		h->flags = req->data[0];
		return;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_KEY:
		/* Octets not given are zero, and so is the old key's rest. */
		for (i = 0; i < XSPLIT_NET_HASH_KEY_MAX; i++)
			h->key[i] = i < len ? b[i] : 0;
		h->key_len = len;
		return;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE:
		/* A new size invalidates the old table: zero, all of it. */
		for (i = 0; i < XSPLIT_NET_HASH_MAPPING_MAX; i++)
			h->mapping[i] = 0;
		h->mapping_size = req->data[0];
		return;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING:
		if (!set_mapping(h, req->data[2], len / 4, b))
			rsp->status = ST_INVAL;
		return;
	default:
		/* judge answers every other type itself. */
		rsp->status = ST_NOT_SUPP;
		return;
	}
}

/* Key octet @i, zero past the key's end. */
static u8 key_octet(const u8 *key, u32 keylen, u64 i)
{
	return i < keylen ? key[i] : 0;
}

/*
 * Data bit n (from the most significant bit of data[0]) selects the 32
 * key bits starting at key bit n. @window holds exactly those: it starts
 * as the key's first four octets, and each data bit shifts the next key
 * bit in from the right.
 */
u32 xsplit_net_toeplitz(const u8 *key, u32 keylen, const u8 *data, u32 len)
{
	u32 window = 0, hash = 0;
	u32 i;
	int bit;

	for (i = 0; i < 4; i++)
		window = window << 8 | key_octet(key, keylen, i);

	for (i = 0; i < len; i++) {
		u8 in = key_octet(key, keylen, (u64)i + 4);

		for (bit = 7; bit >= 0; bit--) {
			if (data[i] >> bit & 1)
				hash ^= window;
			window = window << 1 | (in >> bit & 1);
		}
	}
	return hash;
}

static u32 put_addrs(const struct xsplit_net_flow *f, u32 alen, u8 *buf)
{
	u32 i;

	for (i = 0; i < alen; i++) {
		buf[i] = f->saddr[i];
		buf[alen + i] = f->daddr[i];
	}
	return 2 * alen;
}

static u32 put_ports(const struct xsplit_net_flow *f, u8 *buf)
{
	buf[0] = f->sport >> 8;
	buf[1] = f->sport & 0xff;
	buf[2] = f->dport >> 8;
	buf[3] = f->dport & 0xff;
	return 4;
}

u32 xsplit_net_hash_input(const struct xsplit_net_flow *f, u32 type,
			  u8 buf[XSPLIT_NET_HASH_INPUT_MAX])
{
	u32 n;

	switch (type) {
	case XEN_NETIF_CTRL_HASH_TYPE_IPV4:
		if (f->l3 != 4)
			return 0;
		return put_addrs(f, 4, buf);
	case XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP:
		if (f->l3 != 4 || !f->tcp)
			return 0;
		n = put_addrs(f, 4, buf);
		return n + put_ports(f, buf + n);
	case XEN_NETIF_CTRL_HASH_TYPE_IPV6:
		if (f->l3 != 6)
			return 0;
		return put_addrs(f, 16, buf);
	case XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP:
		if (f->l3 != 6 || !f->tcp)
			return 0;
		n = put_addrs(f, 16, buf);
		return n + put_ports(f, buf + n);
	default:
		return 0;
	}
}

bool xsplit_net_hash_pick(const struct xsplit_net_hash *h,
			  const struct xsplit_net_flow *f,
			  struct xsplit_net_hash_result *res)
{
	u8 buf[XSPLIT_NET_HASH_INPUT_MAX];
	u32 tcp_type, addr_type, type, len, hash, queue, size, keylen;

	if (h->algorithm != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ)
		return false;
	if (f->l3 == 4) {
		tcp_type = XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
		addr_type = XEN_NETIF_CTRL_HASH_TYPE_IPV4;
	} else if (f->l3 == 6) {
		tcp_type = XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;
		addr_type = XEN_NETIF_CTRL_HASH_TYPE_IPV6;
	} else {
		return false;
	}
	/* The "maximal" type netif.h asks for: ports when we may. */
	if (f->tcp && (h->flags & tcp_type))
		type = tcp_type;
	else if (h->flags & addr_type)
		type = addr_type;
	else
		return false;

	len = xsplit_net_hash_input(f, type, buf);
	/*
	 * The bounds below hold by construction; kept so that a state the
	 * caller got wrong still cannot read outside the arrays or divide
	 * by zero.
	 */
	keylen = h->key_len < XSPLIT_NET_HASH_KEY_MAX ? h->key_len :
						       XSPLIT_NET_HASH_KEY_MAX;
	hash = xsplit_net_toeplitz(h->key, keylen, buf, len);

	size = h->mapping_size < XSPLIT_NET_HASH_MAPPING_MAX ?
	       h->mapping_size : XSPLIT_NET_HASH_MAPPING_MAX;
	if (size)
		queue = h->mapping[hash % size];
	else
		queue = h->nr_queues ? hash % h->nr_queues : 0;
	if (queue >= h->nr_queues)
		queue = 0;

	res->type = type;
	res->hash = hash;
	res->queue = queue;
	return true;
}
