/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vif's multicast filter (netif.h, "feature-multicast-control"), in
 * plain C so that the unit tests run the very code the backend runs.
 *
 * The frontend amends the list with XEN_NETIF_EXTRA_TYPE_MCAST_ADD and
 * _DEL extras on its transmit ring; while it has asked for filtering
 * ("request-multicast-control"), a frame to a multicast group not in the
 * list is not sent to it. The list is a fixed array: what the guest asks
 * for never makes the backend allocate, and a full list refuses more.
 * The functions here do no locking: the caller serialises the writers
 * and keeps readers off while one writes.
 */
#ifndef XSPLIT_NET_MCAST_H
#define XSPLIT_NET_MCAST_H

#include <xsplit/plain.h>
#include <xsplit/netif.h>

/* Addresses a vif's list holds, as many as the in-tree netback takes. */
#define XSPLIT_NET_MCAST_MAX	64u
#define XSPLIT_NET_MCAST_ALEN	6u

/*
 * nr <= XSPLIT_NET_MCAST_MAX, addr[0..nr) each a multicast group (see
 * xsplit_net_mcast_is_group()) and no two alike; the rest is zero.
 */
struct xsplit_net_mcast {
	u32 nr;
	u8 addr[XSPLIT_NET_MCAST_MAX][XSPLIT_NET_MCAST_ALEN];
};

/* What became of one operation. */
enum xsplit_net_mcast_result {
	XSPLIT_NET_MCAST_DONE,		/* added, already there, or removed */
	XSPLIT_NET_MCAST_NOT_GROUP,	/* add of a unicast or broadcast address */
	XSPLIT_NET_MCAST_FULL,		/* add to a list of XSPLIT_NET_MCAST_MAX */
	XSPLIT_NET_MCAST_ABSENT,	/* del of an address not in the list */
	XSPLIT_NET_MCAST_BAD_OP,	/* neither MCAST_ADD nor MCAST_DEL */
};

/* Empty. */
void xsplit_net_mcast_init(struct xsplit_net_mcast *m);

/*
 * A multicast group a filter can name: the group bit set, and not the
 * broadcast address, which every station receives whatever its filter.
 */
bool xsplit_net_mcast_is_group(const u8 *addr);

/* Whether @addr is in the list. */
bool xsplit_net_mcast_find(const struct xsplit_net_mcast *m, const u8 *addr);

/*
 * Carry out @op, an extra's type (XEN_NETIF_EXTRA_TYPE_MCAST_ADD or
 * _DEL), on @addr. Adding an address already there changes nothing and
 * is DONE; anything refused leaves the list as it was.
 */
enum xsplit_net_mcast_result xsplit_net_mcast_apply(struct xsplit_net_mcast *m,
						    u8 op, const u8 *addr);

/*
 * Whether a frame to @dest goes to the guest. @filtering is whether the
 * frontend asked for it; unicast and broadcast always go. The caller may
 * ask xsplit_net_mcast_is_group(dest) first, unlocked, and take its lock
 * only for the groups.
 */
bool xsplit_net_mcast_pass(const struct xsplit_net_mcast *m, bool filtering,
			   const u8 *dest);

#endif /* XSPLIT_NET_MCAST_H */
