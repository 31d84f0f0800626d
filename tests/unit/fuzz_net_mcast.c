// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry for a vif's multicast list, built by `make fuzz`. The
 * input is a run of operations, two bytes each:
 *
 *   byte 0   bits 0-1: 0 and 1 MCAST_ADD, 2 MCAST_DEL, 3 the extra type
 *            in bits 2-7 (anything, MCAST_ADD and _DEL included)
 *   byte 1   which of 96 addresses: 0 a unicast one, 1 broadcast, 2 one
 *            bit off broadcast, the rest multicast groups
 *
 * Besides ASan and UBSan, this aborts if after any operation the list
 * breaks net_mcast.h's promise (more than 64 entries, a non-group or a
 * repeated entry, a stale byte past the end), if an operation's result
 * or effect differs from a model kept here (which addresses are in), or
 * if find or pass disagree with that model for any of the addresses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/net_mcast.h>

#define NADDR	96u
#define MAX	XSPLIT_NET_MCAST_MAX

static u8 addr[NADDR][6];

static void init_addrs(void)
{
	static const u8 unicast[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 };
	unsigned int i;

	memcpy(addr[0], unicast, 6);
	memset(addr[1], 0xff, 6);
	memset(addr[2], 0xff, 6);
	addr[2][5] = 0xfe;
	for (i = 3; i < NADDR; i++) {
		addr[i][0] = 0x01;
		addr[i][1] = 0x00;
		addr[i][2] = 0x5e;
		addr[i][3] = 0x00;
		addr[i][4] = (u8)(i >> 2);
		addr[i][5] = (u8)(i * 7);
	}
}

static void check_shape(const struct xsplit_net_mcast *m)
{
	static const u8 zero[6];
	u32 i, j;

	if (m->nr > MAX)
		abort();
	for (i = 0; i < m->nr; i++) {
		if (!xsplit_net_mcast_is_group(m->addr[i]))
			abort();
		for (j = i + 1; j < m->nr; j++)
			if (!memcmp(m->addr[i], m->addr[j], 6))
				abort();
	}
	for (; i < MAX; i++)
		if (memcmp(m->addr[i], zero, 6))
			abort();
}

static enum xsplit_net_mcast_result expect(u8 op, unsigned int k,
					   const bool *in, u32 nr)
{
	bool group = k >= 2;

	switch (op) {
	case XEN_NETIF_EXTRA_TYPE_MCAST_ADD:
		if (!group)
			return XSPLIT_NET_MCAST_NOT_GROUP;
		if (!in[k] && nr == MAX)
			return XSPLIT_NET_MCAST_FULL;
		return XSPLIT_NET_MCAST_DONE;
	case XEN_NETIF_EXTRA_TYPE_MCAST_DEL:
		return in[k] ? XSPLIT_NET_MCAST_DONE : XSPLIT_NET_MCAST_ABSENT;
	default:
		return XSPLIT_NET_MCAST_BAD_OP;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xsplit_net_mcast m;
	bool in[NADDR] = { false };
	u32 nr = 0;
	size_t i;

	if (!addr[3][0])
		init_addrs();
	xsplit_net_mcast_init(&m);
	for (i = 0; i + 1 < size; i += 2) {
		unsigned int k = data[i + 1] % NADDR;
		enum xsplit_net_mcast_result want;
		u8 op;

		switch (data[i] & 3) {
		case 0:
		case 1:
			op = XEN_NETIF_EXTRA_TYPE_MCAST_ADD;
			break;
		case 2:
			op = XEN_NETIF_EXTRA_TYPE_MCAST_DEL;
			break;
		default:
			op = data[i] >> 2;
			break;
		}
		want = expect(op, k, in, nr);
		if (xsplit_net_mcast_apply(&m, op, addr[k]) != want)
			abort();
		if (want == XSPLIT_NET_MCAST_DONE &&
		    (op == XEN_NETIF_EXTRA_TYPE_MCAST_ADD) != in[k]) {
			in[k] = !in[k];
			nr += in[k] ? 1 : 0;
			nr -= in[k] ? 0 : 1;
		}
		if (m.nr != nr)
			abort();
		check_shape(&m);
	}
	for (i = 0; i < NADDR; i++) {
		if (xsplit_net_mcast_find(&m, addr[i]) != in[i])
			abort();
		if (xsplit_net_mcast_pass(&m, true, addr[i]) != (i < 2 || in[i]))
			abort();
		if (!xsplit_net_mcast_pass(&m, false, addr[i]))
			abort();
	}
	return 0;
}
