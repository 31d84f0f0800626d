// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <xsplit/net_mcast.h>

#include "unit.h"

#define ADD	XEN_NETIF_EXTRA_TYPE_MCAST_ADD
#define DEL	XEN_NETIF_EXTRA_TYPE_MCAST_DEL
#define DONE	XSPLIT_NET_MCAST_DONE
#define MAX	XSPLIT_NET_MCAST_MAX

static const u8 mdns[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
static const u8 all_nodes6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
static const u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const u8 guest[6] = { 0x00, 0x16, 0x3e, 0x5a, 0x02, 0x06 };

/* The @i-th of many distinct IPv4 multicast MACs. */
static void group(u8 *a, unsigned int i)
{
	a[0] = 0x01;
	a[1] = 0x00;
	a[2] = 0x5e;
	a[3] = (u8)(i >> 16) & 0x7f;
	a[4] = (u8)(i >> 8);
	a[5] = (u8)i;
}

/* net_mcast.h's promise about the state, whatever was asked. */
static bool well_formed(const struct xsplit_net_mcast *m)
{
	static const u8 zero[6];
	u32 i, j;

	if (m->nr > MAX)
		return false;
	for (i = 0; i < m->nr; i++) {
		if (!xsplit_net_mcast_is_group(m->addr[i]))
			return false;
		for (j = i + 1; j < m->nr; j++)
			if (!memcmp(m->addr[i], m->addr[j], 6))
				return false;
	}
	for (; i < MAX; i++)
		if (memcmp(m->addr[i], zero, 6))
			return false;
	return true;
}

TEST(net_mcast_is_group)
{
	u8 a[6];

	CHECK(xsplit_net_mcast_is_group(mdns));
	CHECK(xsplit_net_mcast_is_group(all_nodes6));
	CHECK(!xsplit_net_mcast_is_group(guest));
	/* Broadcast is for everyone: nothing to filter. */
	CHECK(!xsplit_net_mcast_is_group(bcast));
	/* One bit off broadcast is a group again, any octet. */
	memcpy(a, bcast, 6);
	a[5] = 0xfe;
	CHECK(xsplit_net_mcast_is_group(a));
	memcpy(a, bcast, 6);
	a[0] = 0xfd;
	CHECK(xsplit_net_mcast_is_group(a));
	/* The group bit only: locally administered unicast is not. */
	a[0] = 0x02;
	CHECK(!xsplit_net_mcast_is_group(a));
	a[0] = 0x03;
	CHECK(xsplit_net_mcast_is_group(a));
}

TEST(net_mcast_add_find_del)
{
	struct xsplit_net_mcast m;

	xsplit_net_mcast_init(&m);
	CHECK(m.nr == 0 && well_formed(&m));
	CHECK(!xsplit_net_mcast_find(&m, mdns));
	CHECK(xsplit_net_mcast_apply(&m, ADD, mdns) == DONE);
	CHECK(xsplit_net_mcast_apply(&m, ADD, all_nodes6) == DONE);
	CHECK(m.nr == 2 && well_formed(&m));
	CHECK(xsplit_net_mcast_find(&m, mdns));
	CHECK(xsplit_net_mcast_find(&m, all_nodes6));
	CHECK(xsplit_net_mcast_apply(&m, DEL, mdns) == DONE);
	CHECK(m.nr == 1 && well_formed(&m));
	CHECK(!xsplit_net_mcast_find(&m, mdns));
	CHECK(xsplit_net_mcast_find(&m, all_nodes6));
	CHECK(xsplit_net_mcast_apply(&m, DEL, all_nodes6) == DONE);
	CHECK(m.nr == 0 && well_formed(&m));
}

/* A second add of the same group is accepted and changes nothing. */
TEST(net_mcast_add_twice)
{
	struct xsplit_net_mcast m, before;

	xsplit_net_mcast_init(&m);
	CHECK(xsplit_net_mcast_apply(&m, ADD, mdns) == DONE);
	before = m;
	CHECK(xsplit_net_mcast_apply(&m, ADD, mdns) == DONE);
	CHECK(!memcmp(&m, &before, sizeof(m)));
	/* One del takes it out: nobody counts adds. */
	CHECK(xsplit_net_mcast_apply(&m, DEL, mdns) == DONE);
	CHECK(!xsplit_net_mcast_find(&m, mdns));
	CHECK(xsplit_net_mcast_apply(&m, DEL, mdns) == XSPLIT_NET_MCAST_ABSENT);
}

TEST(net_mcast_add_not_a_group)
{
	struct xsplit_net_mcast m, before;

	xsplit_net_mcast_init(&m);
	CHECK(xsplit_net_mcast_apply(&m, ADD, mdns) == DONE);
	before = m;
	CHECK(xsplit_net_mcast_apply(&m, ADD, guest) ==
	      XSPLIT_NET_MCAST_NOT_GROUP);
	CHECK(xsplit_net_mcast_apply(&m, ADD, bcast) ==
	      XSPLIT_NET_MCAST_NOT_GROUP);
	CHECK(!memcmp(&m, &before, sizeof(m)));
	/* Never added, so a del finds nothing either. */
	CHECK(xsplit_net_mcast_apply(&m, DEL, guest) == XSPLIT_NET_MCAST_ABSENT);
	CHECK(!memcmp(&m, &before, sizeof(m)));
}

TEST(net_mcast_del_absent)
{
	struct xsplit_net_mcast m, before;

	xsplit_net_mcast_init(&m);
	CHECK(xsplit_net_mcast_apply(&m, DEL, mdns) == XSPLIT_NET_MCAST_ABSENT);
	CHECK(m.nr == 0 && well_formed(&m));
	CHECK(xsplit_net_mcast_apply(&m, ADD, all_nodes6) == DONE);
	before = m;
	CHECK(xsplit_net_mcast_apply(&m, DEL, mdns) == XSPLIT_NET_MCAST_ABSENT);
	CHECK(!memcmp(&m, &before, sizeof(m)));
}

TEST(net_mcast_full)
{
	struct xsplit_net_mcast m, before;
	u8 a[6];
	unsigned int i;

	xsplit_net_mcast_init(&m);
	for (i = 0; i < MAX; i++) {
		group(a, i);
		CHECK(xsplit_net_mcast_apply(&m, ADD, a) == DONE);
	}
	CHECK(m.nr == MAX && well_formed(&m));
	before = m;
	group(a, MAX);
	CHECK(xsplit_net_mcast_apply(&m, ADD, a) == XSPLIT_NET_MCAST_FULL);
	CHECK(!memcmp(&m, &before, sizeof(m)));
	CHECK(!xsplit_net_mcast_find(&m, a));
	/* One already there is still taken, full or not. */
	group(a, 7);
	CHECK(xsplit_net_mcast_apply(&m, ADD, a) == DONE);
	CHECK(!memcmp(&m, &before, sizeof(m)));
	/* Room again after a del, and every other entry kept. */
	CHECK(xsplit_net_mcast_apply(&m, DEL, a) == DONE);
	group(a, MAX);
	CHECK(xsplit_net_mcast_apply(&m, ADD, a) == DONE);
	CHECK(m.nr == MAX && well_formed(&m));
	for (i = 0; i <= MAX; i++) {
		group(a, i);
		CHECK(xsplit_net_mcast_find(&m, a) == (i != 7));
	}
}

/* Other extra types are no operation on the list. */
TEST(net_mcast_bad_op)
{
	static const u8 ops[] = { 0, XEN_NETIF_EXTRA_TYPE_GSO,
				  XEN_NETIF_EXTRA_TYPE_HASH, 5, 0xff };
	struct xsplit_net_mcast m, before;
	unsigned int i;

	xsplit_net_mcast_init(&m);
	CHECK(xsplit_net_mcast_apply(&m, ADD, mdns) == DONE);
	before = m;
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		CHECK(xsplit_net_mcast_apply(&m, ops[i], all_nodes6) ==
		      XSPLIT_NET_MCAST_BAD_OP);
		CHECK(xsplit_net_mcast_apply(&m, ops[i], mdns) ==
		      XSPLIT_NET_MCAST_BAD_OP);
		CHECK(!memcmp(&m, &before, sizeof(m)));
	}
}

TEST(net_mcast_pass)
{
	struct xsplit_net_mcast m;

	xsplit_net_mcast_init(&m);
	CHECK(xsplit_net_mcast_apply(&m, ADD, mdns) == DONE);
	/* Not filtering: everything, listed or not. */
	CHECK(xsplit_net_mcast_pass(&m, false, mdns));
	CHECK(xsplit_net_mcast_pass(&m, false, all_nodes6));
	CHECK(xsplit_net_mcast_pass(&m, false, bcast));
	CHECK(xsplit_net_mcast_pass(&m, false, guest));
	/* Filtering: the listed group, broadcast and unicast. */
	CHECK(xsplit_net_mcast_pass(&m, true, mdns));
	CHECK(!xsplit_net_mcast_pass(&m, true, all_nodes6));
	CHECK(xsplit_net_mcast_pass(&m, true, bcast));
	CHECK(xsplit_net_mcast_pass(&m, true, guest));
	/* An empty list under filtering lets no group through. */
	CHECK(xsplit_net_mcast_apply(&m, DEL, mdns) == DONE);
	CHECK(!xsplit_net_mcast_pass(&m, true, mdns));
	CHECK(xsplit_net_mcast_pass(&m, true, bcast));
}

/*
 * Many operations, chosen by a fixed pseudo-random sequence over a few
 * more addresses than the list holds (unicast and broadcast among them),
 * against a plain model: which addresses are in.
 */
TEST(net_mcast_against_model)
{
	enum { NADDR = MAX + 16 };
	static u8 addr[NADDR][6];
	bool in[NADDR] = { false };
	struct xsplit_net_mcast m;
	u32 seed = 12345, nr = 0;
	unsigned int i, k;

	for (i = 0; i < NADDR; i++)
		group(addr[i], i * 3);
	memcpy(addr[0], guest, 6);
	memcpy(addr[1], bcast, 6);
	xsplit_net_mcast_init(&m);
	for (i = 0; i < 20000; i++) {
		enum xsplit_net_mcast_result want, got;
		bool add;

		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % NADDR;
		/* Mostly adds early on, so that the list fills. */
		add = ((seed >> 20) & 7) < (i < 2000 ? 6u : 4u);
		if (add && k < 2)
			want = XSPLIT_NET_MCAST_NOT_GROUP;
		else if (add && !in[k] && nr == MAX)
			want = XSPLIT_NET_MCAST_FULL;
		else if (!add && !in[k])
			want = XSPLIT_NET_MCAST_ABSENT;
		else
			want = DONE;
		got = xsplit_net_mcast_apply(&m, add ? ADD : DEL, addr[k]);
		CHECK(got == want);
		if (want == DONE && add != in[k]) {
			if (add)
				nr++;
			else
				nr--;
			in[k] = add;
		}
		CHECK(m.nr == nr);
		if (!(i % 97)) {
			CHECK(well_formed(&m));
			for (k = 0; k < NADDR; k++)
				CHECK(xsplit_net_mcast_find(&m, addr[k]) == in[k]);
		}
	}
	CHECK(well_formed(&m));
}
