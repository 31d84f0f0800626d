// SPDX-License-Identifier: GPL-2.0
#include <xsplit/ring_check.h>

#include "unit.h"

#define RING	32u

TEST(ring_empty)
{
	u32 n = 99;

	CHECK(xsplit_ring_pending(0, 0, RING, &n) == 0);
	CHECK(n == 0);
	CHECK(xsplit_ring_pending(1000, 1000, RING, &n) == 0);
	CHECK(n == 0);
}

TEST(ring_normal)
{
	u32 n = 0;

	CHECK(xsplit_ring_pending(5, 2, RING, &n) == 0);
	CHECK(n == 3);
	CHECK(xsplit_ring_pending(1, 0, RING, &n) == 0);
	CHECK(n == 1);
}

TEST(ring_full)
{
	u32 n = 0;

	CHECK(xsplit_ring_pending(RING, 0, RING, &n) == 0);
	CHECK(n == RING);
	CHECK(xsplit_ring_pending(1000 + RING, 1000, RING, &n) == 0);
	CHECK(n == RING);
}

/* One past full is the smallest lie a frontend can tell. */
TEST(ring_one_past_full)
{
	u32 n = 7;

	CHECK(xsplit_ring_pending(RING + 1, 0, RING, &n) == -EOVERFLOW);
	CHECK(n == 7);
}

TEST(ring_wraparound)
{
	u32 n = 0;

	/* Producer has wrapped past 2^32, consumer has not yet. */
	CHECK(xsplit_ring_pending(3, 0xfffffffeu, RING, &n) == 0);
	CHECK(n == 5);
	CHECK(xsplit_ring_pending(RING - 1, -1u, RING, &n) == 0);
	CHECK(n == RING);
	CHECK(xsplit_ring_pending(RING, -1u, RING, &n) == -EOVERFLOW);
	/* Both wrapped. */
	CHECK(xsplit_ring_pending(0, 0, RING, &n) == 0);
	CHECK(n == 0);
	CHECK(xsplit_ring_pending(0, 0u - RING, RING, &n) == 0);
	CHECK(n == RING);
}

/* A producer that went backwards looks like a huge distance. */
TEST(ring_prod_behind_cons)
{
	u32 n = 7;

	CHECK(xsplit_ring_pending(9, 10, RING, &n) == -EOVERFLOW);
	CHECK(xsplit_ring_pending(0, 1, RING, &n) == -EOVERFLOW);
	CHECK(xsplit_ring_pending(0xfffffff0u, 4, RING, &n) == -EOVERFLOW);
	CHECK(n == 7);
}

TEST(ring_far_ahead)
{
	u32 n = 7;

	CHECK(xsplit_ring_pending(10 + 2 * RING, 10, RING, &n) == -EOVERFLOW);
	CHECK(xsplit_ring_pending(0x80000000u, 0, RING, &n) == -EOVERFLOW);
	CHECK(xsplit_ring_pending(0xffffffffu, 0, RING, &n) == -EOVERFLOW);
	CHECK(n == 7);
}

/* Xen rings are powers of two; make sure nothing assumes a small one. */
TEST(ring_large_sizes)
{
	u32 n = 0;

	CHECK(xsplit_ring_pending(4096, 0, 4096, &n) == 0);
	CHECK(n == 4096);
	CHECK(xsplit_ring_pending(4097, 0, 4096, &n) == -EOVERFLOW);
	CHECK(xsplit_ring_pending(0x80000000u, 0, 0x80000000u, &n) == 0);
	CHECK(n == 0x80000000u);
	CHECK(xsplit_ring_pending(0x80000001u, 0, 0x80000000u, &n) ==
	      -EOVERFLOW);
}
