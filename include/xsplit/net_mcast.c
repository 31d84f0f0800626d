// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h and net_mcast.h.
 *
 * Every address comes from the frontend. The list stays small (64) and
 * is searched linearly: a lookup is a frame to a multicast group while
 * filtering is on, and 64 six-byte compares cost less than a hash would
 * to keep in step.
 */

#include <xsplit/net_mcast.h>

static bool same(const u8 *a, const u8 *b)
{
	unsigned int i;

	for (i = 0; i < XSPLIT_NET_MCAST_ALEN; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void copy(u8 *to, const u8 *from)
{
	unsigned int i;

	for (i = 0; i < XSPLIT_NET_MCAST_ALEN; i++)
		to[i] = from[i];
}

void xsplit_net_mcast_init(struct xsplit_net_mcast *m)
{
	*m = (struct xsplit_net_mcast){ 0 };
}

bool xsplit_net_mcast_is_group(const u8 *addr)
{
	unsigned int i;

	/* The group bit is the first bit on the wire: octet 0's lowest. */
	if (!(addr[0] & 1))
		return false;
	for (i = 0; i < XSPLIT_NET_MCAST_ALEN; i++)
		if (addr[i] != 0xff)
			return true;
	return false;
}

/* The entry holding @addr, or m->nr. */
static u32 index_of(const struct xsplit_net_mcast *m, const u8 *addr)
{
	u32 i;

	for (i = 0; i < m->nr; i++)
		if (same(m->addr[i], addr))
			break;
	return i;
}

bool xsplit_net_mcast_find(const struct xsplit_net_mcast *m, const u8 *addr)
{
	return index_of(m, addr) < m->nr;
}

static enum xsplit_net_mcast_result add(struct xsplit_net_mcast *m,
					const u8 *addr)
{
	if (!xsplit_net_mcast_is_group(addr))
		return XSPLIT_NET_MCAST_NOT_GROUP;
	/* Already there: one entry filters it as well as two would. */
	if (xsplit_net_mcast_find(m, addr))
		return XSPLIT_NET_MCAST_DONE;
	if (m->nr >= XSPLIT_NET_MCAST_MAX)
		return XSPLIT_NET_MCAST_FULL;
	copy(m->addr[m->nr++], addr);
	return XSPLIT_NET_MCAST_DONE;
}

/* The last entry fills the hole: order means nothing to a filter. */
static enum xsplit_net_mcast_result del(struct xsplit_net_mcast *m,
					const u8 *addr)
{
	static const u8 zero[XSPLIT_NET_MCAST_ALEN];
	u32 i = index_of(m, addr);

	if (i == m->nr)
		return XSPLIT_NET_MCAST_ABSENT;
	m->nr--;
	copy(m->addr[i], m->addr[m->nr]);
	copy(m->addr[m->nr], zero);
	return XSPLIT_NET_MCAST_DONE;
}

enum xsplit_net_mcast_result xsplit_net_mcast_apply(struct xsplit_net_mcast *m,
						    u8 op, const u8 *addr)
{
	switch (op) {
	case XEN_NETIF_EXTRA_TYPE_MCAST_ADD:
		return add(m, addr);
	case XEN_NETIF_EXTRA_TYPE_MCAST_DEL:
		return del(m, addr);
	default:
		return XSPLIT_NET_MCAST_BAD_OP;
	}
}

bool xsplit_net_mcast_pass(const struct xsplit_net_mcast *m, bool filtering,
			   const u8 *dest)
{
	if (!filtering || !xsplit_net_mcast_is_group(dest))
		return true;
	return xsplit_net_mcast_find(m, dest);
}
