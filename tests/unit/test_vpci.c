// SPDX-License-Identifier: GPL-2.0
#include <xsplit/vpci.h>

#include "unit.h"

static struct xsplit_bdf bdf(unsigned int dom, unsigned int bus,
			     unsigned int slot, unsigned int func)
{
	struct xsplit_bdf b = { (u16)dom, (u8)bus, (u8)(slot << 3 | func) };

	return b;
}

TEST(vpci_first_device_gets_slot_0_and_keeps_its_function)
{
	struct xsplit_bdf p = bdf(0, 3, 5, 2);
	u8 v = 0xee;

	CHECK(xsplit_vpci_place(NULL, 0, &p, &v) == 0);
	CHECK(v == (0 << 3 | 2));
}

TEST(vpci_other_devices_get_the_lowest_free_slot)
{
	struct xsplit_vpci_ent in[2] = {
		{ bdf(0, 0, 5, 0), 0 << 3 },
		{ bdf(0, 0, 7, 0), 2 << 3 },
	};
	struct xsplit_bdf p = bdf(0, 0, 6, 0);
	u8 v;

	CHECK(xsplit_vpci_place(in, 2, &p, &v) == 0);
	CHECK(v == 1 << 3);
}

TEST(vpci_functions_of_one_device_share_a_slot)
{
	struct xsplit_vpci_ent in[2] = {
		{ bdf(0, 0, 2, 0), 0 << 3 },
		{ bdf(0, 4, 1, 0), 1 << 3 },
	};
	struct xsplit_bdf p = bdf(0, 4, 1, 3);
	u8 v;

	CHECK(xsplit_vpci_place(in, 2, &p, &v) == 0);
	CHECK(v == (1 << 3 | 3));
	/* Same slot number on another bus or segment is another device. */
	p = bdf(0, 5, 1, 3);
	CHECK(xsplit_vpci_place(in, 2, &p, &v) == 0);
	CHECK(v == (2 << 3 | 3));
	p = bdf(1, 4, 1, 3);
	CHECK(xsplit_vpci_place(in, 2, &p, &v) == 0);
	CHECK(v == (2 << 3 | 3));
}

TEST(vpci_refuses_a_function_placed_twice)
{
	struct xsplit_vpci_ent in[1] = { { bdf(0, 0, 5, 0), 3 << 3 } };
	struct xsplit_bdf p = bdf(0, 0, 5, 0);
	u8 v = 0x55;

	CHECK(xsplit_vpci_place(in, 1, &p, &v) == -EEXIST);
	CHECK(v == 0x55);
}

TEST(vpci_refuses_a_clash_in_the_twin_slot)
{
	/* Only a hand-built table can have this: 0:5.1 sits where 0:5.0's
	 * function 1 would go. */
	struct xsplit_vpci_ent in[2] = {
		{ bdf(0, 0, 5, 0), 3 << 3 },
		{ bdf(0, 0, 9, 0), 3 << 3 | 1 },
	};
	struct xsplit_bdf p = bdf(0, 0, 5, 1);
	u8 v;

	CHECK(xsplit_vpci_place(in, 2, &p, &v) == -EEXIST);
}

TEST(vpci_full_bus)
{
	struct xsplit_vpci_ent in[XSPLIT_VPCI_SLOTS];
	struct xsplit_bdf p;
	unsigned int i;
	u8 v;

	for (i = 0; i < XSPLIT_VPCI_SLOTS; i++) {
		in[i].phys = bdf(0, 1, i, 0);
		in[i].vdevfn = (u8)(i << 3);
	}
	p = bdf(0, 2, 0, 0);
	CHECK(xsplit_vpci_place(in, XSPLIT_VPCI_SLOTS, &p, &v) == -ENOSPC);
	/* A sibling function still fits beside its device. */
	p = bdf(0, 1, 31, 4);
	CHECK(xsplit_vpci_place(in, XSPLIT_VPCI_SLOTS, &p, &v) == 0);
	CHECK(v == (31 << 3 | 4));
	/* A freed slot is reused. */
	in[7] = in[XSPLIT_VPCI_SLOTS - 1];
	p = bdf(0, 2, 0, 0);
	CHECK(xsplit_vpci_place(in, XSPLIT_VPCI_SLOTS - 1, &p, &v) == 0);
	CHECK(v == 7 << 3);
}

TEST(vpci_place_at_uses_the_asked_slot_and_keeps_the_function)
{
	struct xsplit_vpci_ent in[1] = { { bdf(0, 0, 6, 0), 0 << 3 } };
	struct xsplit_bdf p = bdf(0, 0, 5, 2);
	u8 v = 0xee;

	CHECK(xsplit_vpci_place_at(in, 1, &p, 7, &v) == 0);
	CHECK(v == (7 << 3 | 2));
	CHECK(xsplit_vpci_place_at(NULL, 0, &p, 31, &v) == 0);
	CHECK(v == (31 << 3 | 2));
}

TEST(vpci_place_at_refuses_what_it_cannot_honour)
{
	struct xsplit_vpci_ent in[2] = {
		{ bdf(0, 0, 6, 0), 3 << 3 },
		{ bdf(0, 0, 9, 1), 4 << 3 | 1 },
	};
	struct xsplit_bdf p = bdf(0, 0, 5, 0);
	u8 v = 0x55;

	/* Another device's slot, a slot beyond the bus, one placed twice. */
	CHECK(xsplit_vpci_place_at(in, 2, &p, 3, &v) == -EBUSY);
	CHECK(xsplit_vpci_place_at(in, 2, &p, 32, &v) == -EINVAL);
	p = bdf(0, 0, 6, 0);
	CHECK(xsplit_vpci_place_at(in, 2, &p, 3, &v) == -EEXIST);
	/* A sibling function must join its device's slot, not another. */
	p = bdf(0, 0, 9, 0);
	CHECK(xsplit_vpci_place_at(in, 2, &p, 5, &v) == -EINVAL);
	CHECK(v == 0x55);
	CHECK(xsplit_vpci_place_at(in, 2, &p, 4, &v) == 0);
	CHECK(v == 4 << 3);
}
