// SPDX-License-Identifier: GPL-2.0
#include <xsplit/bar_page.h>

#include "unit.h"

static int conflict(u64 s, u64 e, const struct xsplit_range *o, unsigned int n)
{
	struct xsplit_range bar = { s, e };

	return xsplit_bar_page_conflict(&bar, o, n);
}

TEST(bar_page_aligned_bars_do_not_conflict)
{
	struct xsplit_range o[] = {
		{ 0xfe000000, 0xfe000fff },	/* the page before */
		{ 0xfe002000, 0xfe0fffff },	/* the page after */
	};

	CHECK(conflict(0xfe001000, 0xfe001fff, o, 2) == -1);
	CHECK(conflict(0xfe001000, 0xfe001fff, NULL, 0) == -1);
}

TEST(bar_page_small_bar_shares_its_page)
{
	/* Two 256-byte BARs in one page: each reaches the other. */
	struct xsplit_range o[] = {
		{ 0xfe100000, 0xfe1000ff },
		{ 0xfe101000, 0xfe1010ff },
	};

	CHECK(conflict(0xfe100100, 0xfe1001ff, o, 2) == 0);
	CHECK(conflict(0xfe101f00, 0xfe101fff, o, 2) == 1);
	CHECK(conflict(0xfe102000, 0xfe1020ff, o, 2) == -1);
}

TEST(bar_page_unaligned_end_reaches_the_next_device)
{
	/* 6 KiB at a page boundary: its second page is half someone else's. */
	struct xsplit_range o[] = { { 0xfe201800, 0xfe201fff } };

	CHECK(conflict(0xfe200000, 0xfe2017ff, o, 1) == 0);
	/* Just past the page: no contact. */
	o[0].start = 0xfe202000;
	o[0].end = 0xfe202fff;
	CHECK(conflict(0xfe200000, 0xfe2017ff, o, 1) == -1);
}

TEST(bar_page_containment_both_ways)
{
	struct xsplit_range big[] = { { 0xf0000000, 0xf0ffffff } };
	struct xsplit_range small[] = { { 0xf0010010, 0xf001001f } };

	CHECK(conflict(0xf0010000, 0xf00100ff, big, 1) == 0);
	CHECK(conflict(0xf0000000, 0xf0ffffff, small, 1) == 0);
}

TEST(bar_page_empty_and_extreme_ranges)
{
	struct xsplit_range o[] = {
		{ 0x2000, 0x1fff },			/* empty: skipped */
		{ 0xfffffffffffff000ull, 0xffffffffffffffffull },
	};

	CHECK(conflict(0x1000, 0x1fff, o, 1) == -1);
	CHECK(conflict(0x2000, 0x1fff, o, 2) == -1);	/* empty BAR */
	/* The top page: "end | mask" must not wrap. */
	CHECK(conflict(0xfffffffffffff800ull, 0xfffffffffffff8ffull, o, 2) == 1);
	CHECK(conflict(0, 0x10, o, 2) == -1);
}
