// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry for the netback transmit packet checker, built by
 * `make fuzz`. The input, zero-padded to its full length when short, is:
 *
 *   1 byte      bit 0 feature-gso-tcpv4, 1 feature-gso-tcpv6,
 *               2 feature-multicast-control, 3 ring_full, 4 max_len
 *               0xffffffff instead of the next two bytes, 5 tame slots
 *               (below), 6 slot 0's size is its share (below), 7 tame
 *               sizes are small
 *   2 bytes     max_len, little-endian
 *   1 byte      avail: the byte modulo 81, so 0 to 80
 *   80 * 12     the slots, each as the ring holds it (native byte order:
 *               gref, offset, flags, id, size); only the first avail are
 *               handed over
 *
 * Tame slots make well-formed packets likely: each slot's octet 0 (an
 * extra's type) is taken modulo 6 and octet 1 (an extra's flags) keeps
 * bit 0 only, every slot's flags keep the four NETTXF bits and its offset
 * is taken modulo 4097, and so is the size of every slot but the first
 * (which is the packet's length), or modulo 64 with bit 7. Extras are read
 * from octets 0-7 of whatever the slot holds after that.
 *
 * With bit 6, slot 0's size modulo 4097 is the first slot's share, and
 * the sizes of the data slots after it in the chain (if the chain ends
 * within the 80 slots) are added to make the length: a total that comes
 * out just right is otherwise rare, and headers split into many small
 * slots rarer still.
 *
 * The checker gets an exact-size heap copy of the avail slots, so that
 * ASan sees any read past them. Besides ASan and UBSan, this aborts if:
 * - the result is not an xsplit_net_tx_err below XSPLIT_NET_TX_NR_ERRS,
 *   or its name is missing or "unknown";
 * - the result differs from a model of net_tx.h's rules written here (not
 *   from net_tx.c) in kind (OK, INCOMPLETE, FATAL or a refusal), a
 *   refusal names a reason the model does not find in the packet, or
 *   nr_slots differs from the model's on OK or a refusal;
 * - INCOMPLETE comes with ring_full set (unless avail is 0: an empty ring
 *   is not full) or *pkt changed;
 * - a refusal has nr_slots outside 1..avail or above
 *   XSPLIT_NET_TX_FATAL_SLOTS;
 * - OK comes with nr_slots above avail or other than 1 + nr_extras +
 *   nr_frags - 1, more than 18 data slots, len other than slot 0's size,
 *   len below 14 or first_len 0 but for netif.h's dummy request (len 0,
 *   one data slot, a multicast operation), first_len plus the later data
 *   slots' sizes other than len, a data slot (the first with
 *   first_len) leaving its 4 KiB page, an empty later data slot, len
 *   above max_len without GSO, GSO of a type not offered or of size 0, a
 *   multicast operation not offered, the first 128 bytes in more than 3
 *   data slots, or any field other than the model's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/net_tx.h>

#define NSLOTS		80u
#define SLOT_BYTES	12u
#define IN_BYTES	(4u + NSLOTS * SLOT_BYTES)

#define F_TCPV4		0x01
#define F_TCPV6		0x02
#define F_MCAST		0x04
#define F_RING_FULL	0x08
#define F_NO_MAX	0x10
#define F_TAME		0x20
#define F_SHARE		0x40
#define F_SMALL		0x80

#define PAGE		4096u
#define NETTXF_MASK	0x000fu

#define BIT(e)		(1u << (e))

struct input {
	struct xsplit_net_tx_limits lim;
	bool ring_full;
	u32 avail;
	struct xsplit_net_txslot slot[NSLOTS];
};

static bool model_chain(const struct xsplit_net_txslot *s, u32 known,
			u32 *nr_slots, u32 *nr_extras);

static void decode(const u8 *in, struct input *x)
{
	u8 f = in[0];
	u32 i;

	memset(x, 0, sizeof(*x));
	x->lim.gso_tcpv4 = f & F_TCPV4;
	x->lim.gso_tcpv6 = f & F_TCPV6;
	x->lim.mcast_ctrl = f & F_MCAST;
	x->ring_full = f & F_RING_FULL;
	x->lim.max_len = f & F_NO_MAX ? 0xffffffffu :
			 (u32)in[1] | (u32)in[2] << 8;
	x->avail = in[3] % (NSLOTS + 1);

	for (i = 0; i < NSLOTS; i++) {
		struct xsplit_net_txslot *s = &x->slot[i];
		u8 *b = (u8 *)s;

		memcpy(s, in + 4 + i * SLOT_BYTES, SLOT_BYTES);
		if (!(f & F_TAME))
			continue;
		b[0] %= 6;
		b[1] &= 1;
		s->flags &= NETTXF_MASK;
		s->offset %= PAGE + 1;
		if (i)
			s->size %= f & F_SMALL ? 64 : PAGE + 1;
	}

	if (f & F_SHARE) {
		u32 n, nx, len;

		len = x->slot[0].size % (PAGE + 1);
		if (model_chain(x->slot, NSLOTS, &n, &nx))
			for (i = 1 + nx; i < n; i++)
				len += x->slot[i].size;
		x->slot[0].size = (u16)len;
	}
}

/* Octets of a slot read as an extra: netif.h's drawing, byte by byte. */
static u8 octet(const struct xsplit_net_txslot *s, unsigned int i)
{
	return ((const u8 *)s)[i];
}

static u16 octet16(const struct xsplit_net_txslot *s, unsigned int i)
{
	u16 v;

	memcpy(&v, (const u8 *)s + i, 2);
	return v;
}

/* Chain ended before the packet did, or refused with a set of reasons. */
enum kind { K_OK, K_INCOMPLETE, K_FATAL, K_REFUSED };

struct model {
	enum kind kind;
	u32 why;		/* BIT() of each reason the packet has */
	u32 nr_slots;
	u32 nr_extras;
	u32 nr_frags;
	u32 len;
	u32 first_len;
	u8 gso_type;
	u16 gso_size;
	u8 mcast_op;
	u8 mcast_addr[6];
};

/* How many slots the chain takes; false if it runs past @known. */
static bool model_chain(const struct xsplit_net_txslot *s, u32 known,
			u32 *nr_slots, u32 *nr_extras)
{
	u32 n = 1;
	bool more;

	if (s[0].flags & XSPLIT_NETTXF_EXTRA_INFO) {
		/* An extra is there, and another while its flags say so. */
		do {
			if (n >= known)
				return false;
			more = octet(&s[n++], 1) & XEN_NETIF_EXTRA_FLAG_MORE;
		} while (more);
	}
	*nr_extras = n - 1;
	/* Only data slots' more_data counts, the first slot's among them. */
	more = s[0].flags & XSPLIT_NETTXF_MORE_DATA;
	while (more) {
		if (n >= known)
			return false;
		more = s[n++].flags & XSPLIT_NETTXF_MORE_DATA;
	}
	*nr_slots = n;
	return true;
}

static void model_extras(const struct xsplit_net_txslot *s,
			 const struct xsplit_net_tx_limits *lim,
			 struct model *m)
{
	u32 i, seen = 0;

	for (i = 1; i <= m->nr_extras; i++) {
		u8 type = octet(&s[i], 0), gt = octet(&s[i], 4);
		u16 gs = octet16(&s[i], 2);

		switch (type) {
		case XEN_NETIF_EXTRA_TYPE_GSO:
		case XEN_NETIF_EXTRA_TYPE_MCAST_ADD:
		case XEN_NETIF_EXTRA_TYPE_MCAST_DEL:
		case XEN_NETIF_EXTRA_TYPE_HASH:
			break;
		default:
			m->why |= BIT(XSPLIT_NET_TX_BAD_EXTRA);
			continue;
		}
		if (seen & BIT(type)) {
			m->why |= BIT(XSPLIT_NET_TX_BAD_EXTRA);
			continue;
		}
		seen |= BIT(type);

		if (type == XEN_NETIF_EXTRA_TYPE_GSO) {
			if (gt != XEN_NETIF_GSO_TYPE_TCPV4 &&
			    gt != XEN_NETIF_GSO_TYPE_TCPV6)
				m->why |= BIT(XSPLIT_NET_TX_BAD_GSO);
			else if (gt == XEN_NETIF_GSO_TYPE_TCPV4 ?
				 !lim->gso_tcpv4 : !lim->gso_tcpv6)
				/* Unoffered extra or unknown type: either. */
				m->why |= BIT(XSPLIT_NET_TX_BAD_GSO) |
					  BIT(XSPLIT_NET_TX_BAD_EXTRA);
			else if (!gs)
				m->why |= BIT(XSPLIT_NET_TX_BAD_GSO);
			else {
				m->gso_type = gt;
				m->gso_size = gs;
			}
		} else if (type != XEN_NETIF_EXTRA_TYPE_HASH) {
			/* The packet has room for one multicast operation. */
			if (!lim->mcast_ctrl || m->mcast_op) {
				m->why |= BIT(XSPLIT_NET_TX_BAD_EXTRA);
			} else {
				m->mcast_op = type;
				memcpy(m->mcast_addr, (const u8 *)&s[i] + 2, 6);
			}
		}
	}
}

/* A multicast operation on one slot of size 0: no bytes, no runt. */
static bool model_dummy(const struct model *m)
{
	return m->mcast_op && m->nr_frags == 1 && m->len == 0;
}

static void model_data(const struct xsplit_net_txslot *s,
		       const struct xsplit_net_tx_limits *lim,
		       struct model *m)
{
	u32 i, rest = 0, have, hdr, want;
	bool empty = false;

	if (model_dummy(m)) {
		if (s[0].offset > PAGE)
			m->why |= BIT(XSPLIT_NET_TX_BAD_OFFSET);
		return;
	}

	for (i = 1 + m->nr_extras; i < m->nr_slots; i++) {
		if (!s[i].size) {
			m->why |= BIT(XSPLIT_NET_TX_ZERO_LEN);
			empty = true;
		}
		if ((u32)s[i].offset + s[i].size > PAGE)
			m->why |= BIT(XSPLIT_NET_TX_BAD_OFFSET);
		rest += s[i].size;
	}
	if (rest >= m->len) {
		/* Nothing, or less than nothing, left for the first slot. */
		m->why |= BIT(XSPLIT_NET_TX_BAD_SIZE);
		if (rest == m->len)
			m->why |= BIT(XSPLIT_NET_TX_ZERO_LEN);
		empty = true;
	} else {
		m->first_len = m->len - rest;
		if ((u32)s[0].offset + m->first_len > PAGE)
			m->why |= BIT(XSPLIT_NET_TX_BAD_OFFSET);
	}
	if (m->nr_frags > 18)
		m->why |= BIT(XSPLIT_NET_TX_TOO_MANY_SLOTS);
	if (m->len < 14)
		m->why |= BIT(XSPLIT_NET_TX_RUNT);
	if (m->len > lim->max_len && !m->gso_type)
		m->why |= BIT(XSPLIT_NET_TX_OVERSIZE);

	/* Headers: data slots in order until 128 bytes (or all) are in. */
	if (empty)
		return;
	want = m->len < 128 ? m->len : 128;
	have = m->first_len;
	hdr = 1;
	for (i = 1 + m->nr_extras; have < want; i++) {
		have += s[i].size;
		hdr++;
	}
	if (hdr > 3)
		m->why |= BIT(XSPLIT_NET_TX_HDR_SPLIT);
}

/* net_tx.h's rules, independently of net_tx.c. */
static void model(const struct input *x, struct model *m)
{
	const struct xsplit_net_txslot *s = x->slot;
	u32 known = x->avail < 64 ? x->avail : 64;

	memset(m, 0, sizeof(*m));
	if (!x->avail) {
		m->kind = K_INCOMPLETE;
		return;
	}
	if (!model_chain(s, known, &m->nr_slots, &m->nr_extras)) {
		/*
		 * Past 64 slots it is no packet whatever comes next; short of
		 * that, a full ring will bring nothing more.
		 */
		m->kind = x->avail >= 64 || x->ring_full ? K_FATAL :
							   K_INCOMPLETE;
		return;
	}
	m->nr_frags = m->nr_slots - m->nr_extras;
	m->len = s[0].size;
	model_extras(s, &x->lim, m);
	model_data(s, &x->lim, m);
	m->kind = m->why ? K_REFUSED : K_OK;
}

static enum kind kind_of(enum xsplit_net_tx_err err)
{
	switch (err) {
	case XSPLIT_NET_TX_OK:
		return K_OK;
	case XSPLIT_NET_TX_INCOMPLETE:
		return K_INCOMPLETE;
	case XSPLIT_NET_TX_FATAL:
		return K_FATAL;
	default:
		return K_REFUSED;
	}
}

/* The accepted packet against the slots, without the model. */
static void check_ok(const struct input *x,
		     const struct xsplit_net_tx_pkt *p)
{
	const struct xsplit_net_txslot *s = x->slot;
	const struct xsplit_net_tx_limits *lim = &x->lim;
	u32 i, sum, have, hdr, want;

	if (p->nr_slots > x->avail || p->nr_frags < 1 ||
	    p->nr_slots != 1 + p->nr_extras + (p->nr_frags - 1))
		abort();
	if (p->nr_frags > XEN_NETIF_NR_SLOTS_MIN)
		abort();
	if (p->len != s[0].size || p->flags != s[0].flags)
		abort();
	if (!p->len) {
		/* The dummy: one empty slot in its page, an operation. */
		if (!p->mcast_op || p->nr_frags != 1 || p->first_len ||
		    s[0].offset > PAGE)
			abort();
	} else if (p->len < 14 || p->first_len < 1) {
		abort();
	}
	if (!!p->nr_extras != !!(s[0].flags & XSPLIT_NETTXF_EXTRA_INFO))
		abort();
	if ((u32)s[0].offset + p->first_len > PAGE)
		abort();
	sum = p->first_len;
	for (i = 1 + p->nr_extras; i < p->nr_slots; i++) {
		if (!s[i].size || (u32)s[i].offset + s[i].size > PAGE)
			abort();
		sum += s[i].size;
	}
	if (sum != p->len)
		abort();

	if (p->len > lim->max_len && p->gso_type == XEN_NETIF_GSO_TYPE_NONE)
		abort();
	switch (p->gso_type) {
	case XEN_NETIF_GSO_TYPE_NONE:
		if (p->gso_size)
			abort();
		break;
	case XEN_NETIF_GSO_TYPE_TCPV4:
		if (!lim->gso_tcpv4 || !p->gso_size)
			abort();
		break;
	case XEN_NETIF_GSO_TYPE_TCPV6:
		if (!lim->gso_tcpv6 || !p->gso_size)
			abort();
		break;
	default:
		abort();
	}
	if (p->mcast_op && (!lim->mcast_ctrl ||
			    (p->mcast_op != XEN_NETIF_EXTRA_TYPE_MCAST_ADD &&
			     p->mcast_op != XEN_NETIF_EXTRA_TYPE_MCAST_DEL)))
		abort();

	want = p->len < 128 ? p->len : 128;
	have = p->first_len;
	hdr = 1;
	for (i = 1 + p->nr_extras; have < want && i < p->nr_slots; i++) {
		have += s[i].size;
		hdr++;
	}
	if (have < want || hdr > 3)
		abort();
}

static void check_model(const struct model *m,
			const struct xsplit_net_tx_pkt *p)
{
	if (p->nr_slots != m->nr_slots || p->nr_extras != m->nr_extras ||
	    p->nr_frags != m->nr_frags || p->len != m->len ||
	    p->first_len != m->first_len || p->gso_type != m->gso_type ||
	    p->gso_size != m->gso_size || p->mcast_op != m->mcast_op)
		abort();
	if (m->mcast_op && memcmp(p->mcast_addr, m->mcast_addr, 6))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 in[IN_BYTES];
	static struct input x;
	struct xsplit_net_txslot *copy;
	struct xsplit_net_tx_pkt pkt, before;
	enum xsplit_net_tx_err err;
	const char *name;
	struct model m;

	memset(in, 0, sizeof(in));
	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	decode(in, &x);

	/* malloc(0) still gives a distinct pointer that ASan guards. */
	copy = malloc(x.avail * sizeof(*copy));
	if (!copy)
		abort();
	if (x.avail)
		memcpy(copy, x.slot, x.avail * sizeof(*copy));
	memset(&pkt, 0xa5, sizeof(pkt));
	before = pkt;
	err = xsplit_net_tx_parse(copy, x.avail, x.ring_full, &x.lim, &pkt);
	free(copy);

	if ((unsigned int)err >= XSPLIT_NET_TX_NR_ERRS)
		abort();
	name = xsplit_net_tx_err_name(err);
	if (!name || !name[0] || !strcmp(name, "unknown"))
		abort();

	model(&x, &m);
	if (kind_of(err) != m.kind)
		abort();

	switch (m.kind) {
	case K_INCOMPLETE:
		if ((x.ring_full && x.avail) ||
		    memcmp(&pkt, &before, sizeof(pkt)))
			abort();
		break;
	case K_FATAL:
		break;
	case K_REFUSED:
		if (!(m.why & BIT(err)))
			abort();
		if (pkt.nr_slots < 1 || pkt.nr_slots > x.avail ||
		    pkt.nr_slots > XSPLIT_NET_TX_FATAL_SLOTS ||
		    pkt.nr_slots != m.nr_slots)
			abort();
		break;
	case K_OK:
		check_ok(&x, &pkt);
		check_model(&m, &pkt);
		break;
	}
	return 0;
}
