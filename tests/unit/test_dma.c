// SPDX-License-Identifier: GPL-2.0
#include <xsplit/dma_span.h>
#include <xsplit/dma_pool.h>

#include "unit.h"

#define PG	XSPLIT_DMA_PAGE_SIZE
#define NOF	XSPLIT_DMA_NO_FRAME

/* Left in *bus by the caller, so a write to it where none is due shows. */
#define BUS_UNSET	0x5a5a5a5a5a5a5a5aull

/*
 * A P2M as a table: pfn i has frame mfn[i]. Anything past the table has
 * no frame, as a pfn past the end of a domain's memory would not.
 */
struct p2m {
	const u64 *mfn;
	u64 n;
};

static u64 p2m_frame(void *ctx, u64 pfn)
{
	const struct p2m *t = ctx;

	return pfn < t->n ? t->mfn[pfn] : NOF;
}

static enum xsplit_dma_span judge(const u64 *mfn, u64 n, u64 phys, u64 size,
				  u64 mask, u64 *bus, u64 *pages)
{
	struct p2m t = { mfn, n };

	*bus = BUS_UNSET;
	*pages = ~0ull;
	return xsplit_dma_judge(phys, size, mask, p2m_frame, &t, bus, pages);
}

TEST(dma_judge_one_page_keeps_offset)
{
	static const u64 mfn[] = { 0x777, 0x1234 };
	u64 bus, pages;

	/* The offset in the page is the device's offset in the frame too. */
	CHECK(judge(mfn, 2, PG + 0x123, 0x100, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_DIRECT);
	CHECK(bus == 0x1234123);
	CHECK(pages == 1);

	/* A whole page, from its first byte to its last. */
	CHECK(judge(mfn, 2, 0, PG, ~0ull, &bus, &pages) == XSPLIT_DMA_DIRECT);
	CHECK(bus == 0x777000);
	CHECK(pages == 1);
}

TEST(dma_judge_contiguous_frames_direct)
{
	static const u64 mfn[] = { 0, 0x500, 0x501, 0x502, 0x9 };
	u64 bus, pages;

	CHECK(judge(mfn, 5, PG, 3 * PG, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_DIRECT);
	CHECK(bus == 0x500000);
	CHECK(pages == 3);

	/* Unaligned, still three pages and still one machine run. */
	CHECK(judge(mfn, 5, PG + 0xff0, PG + 0x30, 0xffffffff, &bus,
		    &pages) == XSPLIT_DMA_DIRECT);
	CHECK(bus == 0x500ff0);
	CHECK(pages == 3);
}

TEST(dma_judge_scattered_frames_split)
{
	/* The 12 KiB case: pfns in a row, frames not. */
	static const u64 mfn[] = { 0x100, 0x200, 0x101 };
	u64 bus, pages;

	CHECK(judge(mfn, 3, 0, 3 * PG, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_SPLIT);
	CHECK(pages == 3);
	CHECK(bus == BUS_UNSET);

	/*
	 * Each page alone is fine, but no two neighbours follow each other
	 * in machine space: 0x100 and 0x101 are the wrong way round.
	 */
	CHECK(judge(mfn, 3, 0, PG, ~0ull, &bus, &pages) == XSPLIT_DMA_DIRECT);
	CHECK(judge(mfn, 3, PG, PG, ~0ull, &bus, &pages) == XSPLIT_DMA_DIRECT);
	CHECK(judge(mfn, 3, PG, 2 * PG, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_SPLIT);
}

TEST(dma_judge_mask_is_inclusive)
{
	/* pfn 1 sits in the last frame under 4 GiB, pfn 2 in the first above. */
	static const u64 mfn[] = { 0x10, 0xfffff, 0x100000 };
	u64 bus, pages;

	/* The last byte is the mask itself: still reachable. */
	CHECK(judge(mfn, 3, PG + 0x800, 0x800, 0xffffffff, &bus, &pages) ==
	      XSPLIT_DMA_DIRECT);
	CHECK(bus == 0xfffff800);
	CHECK(pages == 1);

	/* One byte more lands at 4 GiB: contiguous, but too high. */
	CHECK(judge(mfn, 3, PG + 0x800, 0x801, 0xffffffff, &bus, &pages) ==
	      XSPLIT_DMA_HIGH);
	CHECK(pages == 2);
	CHECK(bus == BUS_UNSET);

	/* A mask that is not a power of two less one is honoured exactly. */
	CHECK(judge(mfn, 3, 0, 0x11, 0x10010, &bus, &pages) ==
	      XSPLIT_DMA_DIRECT);
	CHECK(judge(mfn, 3, 0, 0x12, 0x10010, &bus, &pages) ==
	      XSPLIT_DMA_HIGH);
}

TEST(dma_judge_size_zero_is_bad)
{
	static const u64 mfn[] = { 0x10 };
	u64 bus, pages;

	CHECK(judge(mfn, 1, 0, 0, ~0ull, &bus, &pages) == XSPLIT_DMA_BAD);
	CHECK(pages == 0);
	CHECK(bus == BUS_UNSET);
}

TEST(dma_judge_wrapping_range_is_bad)
{
	static const u64 mfn[] = { 0x10 };
	u64 bus, pages;

	/* Two pages from the top page onward would end past 2^64. */
	CHECK(judge(mfn, 1, ~0ull - PG + 1, 2 * PG, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_BAD);
	CHECK(pages == 0);
	CHECK(judge(mfn, 1, 2, ~0ull, ~0ull, &bus, &pages) == XSPLIT_DMA_BAD);
	CHECK(pages == 0);
	CHECK(bus == BUS_UNSET);

	/*
	 * Exactly up to the last byte does not wrap: the range is judged,
	 * and the top pfn is past the table, so it has no frame.
	 */
	CHECK(judge(mfn, 1, ~0ull - PG + 1, PG, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_BAD);
	CHECK(pages == 1);
}

TEST(dma_judge_hole_is_bad_even_after_a_split)
{
	/* pfn 1 breaks the run before the hole at pfn 2 is reached. */
	static const u64 mfn[] = { 0x100, 0x300, NOF, 0x302 };
	u64 bus, pages;

	CHECK(judge(mfn, 4, 0, 4 * PG, ~0ull, &bus, &pages) == XSPLIT_DMA_BAD);
	CHECK(pages == 4);
	CHECK(bus == BUS_UNSET);

	/* A hole in the first page, and one past the end of the table. */
	CHECK(judge(mfn, 4, 2 * PG, 2 * PG, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_BAD);
	CHECK(judge(mfn, 4, 3 * PG, 2 * PG, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_BAD);
	CHECK(pages == 2);

	/* Without the hole the same range only needs a bounce. */
	CHECK(judge(mfn, 2, 0, 2 * PG, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_SPLIT);
}

TEST(dma_judge_frame_past_max_is_bad)
{
	static const u64 top[] = { XSPLIT_DMA_MAX_FRAME + 1, 0x10 };
	static const u64 edge[] = { XSPLIT_DMA_MAX_FRAME,
				    XSPLIT_DMA_MAX_FRAME + 1 };
	u64 bus, pages;

	/* Its byte address does not fit in 64 bits: no address to give. */
	CHECK(judge(top, 2, 0, PG, ~0ull, &bus, &pages) == XSPLIT_DMA_BAD);
	CHECK(judge(top, 2, 0, 2 * PG, ~0ull, &bus, &pages) == XSPLIT_DMA_BAD);
	CHECK(bus == BUS_UNSET);

	/* The last frame with an address is usable up to its last byte. */
	CHECK(judge(edge, 2, 0, PG, ~0ull, &bus, &pages) == XSPLIT_DMA_DIRECT);
	CHECK(bus == ~0ull - PG + 1);

	/* Following it with the next frame would run the bus address over. */
	CHECK(judge(edge, 2, 0, PG + 1, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_BAD);
	CHECK(pages == 2);
	CHECK(bus == BUS_UNSET);
}

TEST(dma_judge_page_count)
{
	static const u64 mfn[] = { 0x20, 0x21, 0x22, 0x23 };
	u64 bus, pages;

	/* Two bytes either side of a page boundary touch two pages. */
	CHECK(judge(mfn, 4, PG - 1, 2, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_DIRECT);
	CHECK(pages == 2);
	CHECK(bus == 0x20fff);

	/* A page's worth that starts one byte in still touches two. */
	CHECK(judge(mfn, 4, 1, PG, ~0ull, &bus, &pages) == XSPLIT_DMA_DIRECT);
	CHECK(pages == 2);

	/* One byte, and a last byte that is a page's last. */
	CHECK(judge(mfn, 4, 2 * PG + 7, 1, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_DIRECT);
	CHECK(pages == 1);
	CHECK(judge(mfn, 4, 0, 4 * PG, ~0ull, &bus, &pages) ==
	      XSPLIT_DMA_DIRECT);
	CHECK(pages == 4);
}

TEST(dma_mask_bits)
{
	CHECK(xsplit_dma_mask_bits(0) == 0);
	CHECK(xsplit_dma_mask_bits(1) == 1);
	CHECK(xsplit_dma_mask_bits(0xfff) == 12);
	CHECK(xsplit_dma_mask_bits(0xffffffff) == 32);
	CHECK(xsplit_dma_mask_bits(0xffffffffffull) == 40);
	CHECK(xsplit_dma_mask_bits(~0ull) == 64);
	/* Only the run from bit 0 counts: the frames must sit under it. */
	CHECK(xsplit_dma_mask_bits(0x0ffff0ff) == 8);
	CHECK(xsplit_dma_mask_bits(~0ull - 1) == 0);
}

/* Everything below works on this geometry unless it says otherwise. */
#define SEG	4
#define NSLOTS	8

static bool pool_setup(struct xsplit_dma_pool *pool,
		       struct xsplit_dma_slot *slot)
{
	return xsplit_dma_pool_init(pool, slot, NSLOTS, SEG) == 0;
}

TEST(dma_pool_init_rejects_bad_geometry)
{
	struct xsplit_dma_slot slot[12];
	struct xsplit_dma_pool pool;

	CHECK(xsplit_dma_pool_init(&pool, slot, 12, 4) == 0);
	CHECK(pool.nslots == 12 && pool.seg_slots == 4);
	CHECK(pool.used == 0 && pool.peak == 0);
	CHECK(xsplit_dma_pool_init(&pool, slot, 12, 12) == 0);
	CHECK(xsplit_dma_pool_init(&pool, slot, 12, 1) == 0);

	/* A segment that does not divide the pool would leave a stub. */
	CHECK(xsplit_dma_pool_init(&pool, slot, 12, 5) == -EINVAL);
	CHECK(xsplit_dma_pool_init(&pool, slot, 12, 24) == -EINVAL);
	CHECK(xsplit_dma_pool_init(&pool, slot, 12, 0) == -EINVAL);
	CHECK(xsplit_dma_pool_init(&pool, slot, 0, 4) == -EINVAL);
	CHECK(xsplit_dma_pool_init(&pool, NULL, 12, 4) == -EINVAL);
}

TEST(dma_pool_init_clears_every_slot)
{
	struct xsplit_dma_slot slot[NSLOTS];
	struct xsplit_dma_pool pool;
	unsigned int i;

	/* Whatever the array held before must not read as a mapping. */
	for (i = 0; i < NSLOTS; i++)
		slot[i] = (struct xsplit_dma_slot){ 1, 2, 0, 1, 3, 1 };
	CHECK(pool_setup(&pool, slot));
	for (i = 0; i < NSLOTS; i++)
		CHECK(xsplit_dma_pool_head(&pool, i) == -ENOENT);
}

TEST(dma_pool_alloc_rejects_bad_sizes)
{
	struct xsplit_dma_slot slot[NSLOTS];
	struct xsplit_dma_pool pool;

	CHECK(pool_setup(&pool, slot));
	CHECK(xsplit_dma_pool_alloc(&pool, 0, 0x1000, 0, 0) == -EINVAL);
	/* Larger than a segment can never fit, however empty the pool. */
	CHECK(xsplit_dma_pool_alloc(&pool, SEG + 1, 0x1000, 0, 0) == -EINVAL);
	CHECK(xsplit_dma_pool_alloc(&pool, NSLOTS, 0x1000, 0, 0) == -EINVAL);
	CHECK(pool.used == 0 && pool.peak == 0);
	/* A whole segment is fine. */
	CHECK(xsplit_dma_pool_alloc(&pool, SEG, 0x1000, 0, 0) == 0);
}

TEST(dma_pool_mapping_stays_in_its_segment)
{
	struct xsplit_dma_slot slot[NSLOTS];
	struct xsplit_dma_pool pool;

	CHECK(pool_setup(&pool, slot));
	CHECK(xsplit_dma_pool_alloc(&pool, 3, 0xa000, 3 * PG, 1) == 0);
	/*
	 * The search goes on from slot 3, which is free, but 3 and 4 are
	 * in different segments and need not be neighbours in machine
	 * space.
	 */
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0xb000, 2 * PG, 1) == 4);
	CHECK(xsplit_dma_pool_head(&pool, 3) == -ENOENT);

	/*
	 * The same once the search has wrapped: nothing fits from 6 on,
	 * and from 0 it must pass over the gap at 3.
	 */
	CHECK(xsplit_dma_pool_free(&pool, 4) == 0);
	CHECK(xsplit_dma_pool_alloc(&pool, 4, 0xc000, 4 * PG, 1) == 4);
	CHECK(xsplit_dma_pool_free(&pool, 4) == 0);
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0xd000, 2 * PG, 1) == 4);

	/* A single slot is all the gap at 3 can ever take. */
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0xe000, 2 * PG, 1) == 6);
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0xf000, 2 * PG, 1) == -ENOSPC);
	CHECK(xsplit_dma_pool_alloc(&pool, 1, 0xf000, 1, 1) == 3);
}

TEST(dma_pool_full_then_reuse)
{
	struct xsplit_dma_slot slot[NSLOTS];
	struct xsplit_dma_pool pool;

	CHECK(pool_setup(&pool, slot));
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0x1000, 2 * PG, 0) == 0);
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0x2000, 2 * PG, 0) == 2);
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0x3000, 2 * PG, 0) == 4);
	CHECK(xsplit_dma_pool_alloc(&pool, 1, 0x4000, 1, 0) == 6);
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0x5000, 2 * PG, 0) == -ENOSPC);

	/*
	 * Only slot 7 lies ahead of the search and it is too short: the
	 * space given back at 0 is found by wrapping round.
	 */
	CHECK(xsplit_dma_pool_free(&pool, 0) == 0);
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0x6000, 2 * PG, 0) == 0);
	CHECK(xsplit_dma_pool_alloc(&pool, 1, 0x7000, 1, 0) == 7);
	CHECK(pool.used == NSLOTS);
	CHECK(xsplit_dma_pool_alloc(&pool, 1, 0x8000, 1, 0) == -ENOSPC);
	CHECK(pool.used == NSLOTS && pool.peak == NSLOTS);
}

TEST(dma_pool_next_fit_goes_on_after_the_last)
{
	struct xsplit_dma_slot slot[NSLOTS];
	struct xsplit_dma_pool pool;

	CHECK(pool_setup(&pool, slot));
	CHECK(xsplit_dma_pool_alloc(&pool, 1, 0x1000, 1, 0) == 0);
	CHECK(xsplit_dma_pool_alloc(&pool, 1, 0x2000, 1, 0) == 1);
	CHECK(xsplit_dma_pool_free(&pool, 0) == 0);
	/*
	 * Slot 0 is free again, but next fit goes on from slot 2 so that
	 * a slot just given back is not reused at once.
	 */
	CHECK(xsplit_dma_pool_alloc(&pool, 1, 0x3000, 1, 0) == 2);
}

TEST(dma_pool_head_of_every_slot)
{
	struct xsplit_dma_slot slot[NSLOTS];
	struct xsplit_dma_pool pool;
	unsigned int i;

	CHECK(pool_setup(&pool, slot));
	CHECK(xsplit_dma_pool_alloc(&pool, 1, 0x1000, 1, 0) == 0);
	CHECK(xsplit_dma_pool_alloc(&pool, 3, 0x2000, 3 * PG, 0) == 1);
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0x3000, 2 * PG, 0) == 4);

	CHECK(xsplit_dma_pool_head(&pool, 0) == 0);
	for (i = 1; i < 4; i++)
		CHECK(xsplit_dma_pool_head(&pool, i) == 1);
	CHECK(xsplit_dma_pool_head(&pool, 4) == 4);
	CHECK(xsplit_dma_pool_head(&pool, 5) == 4);
	CHECK(xsplit_dma_pool_head(&pool, 6) == -ENOENT);
	CHECK(xsplit_dma_pool_head(&pool, 7) == -ENOENT);
	CHECK(xsplit_dma_pool_head(&pool, NSLOTS) == -EINVAL);
	CHECK(xsplit_dma_pool_head(&pool, ~0u) == -EINVAL);

	/* Once freed, none of its slots leads anywhere. */
	CHECK(xsplit_dma_pool_free(&pool, 1) == 0);
	for (i = 1; i < 4; i++)
		CHECK(xsplit_dma_pool_head(&pool, i) == -ENOENT);
	CHECK(xsplit_dma_pool_head(&pool, 0) == 0);
	CHECK(xsplit_dma_pool_head(&pool, 5) == 4);
}

TEST(dma_pool_free_inside_a_mapping_changes_nothing)
{
	struct xsplit_dma_slot slot[NSLOTS], before[NSLOTS];
	struct xsplit_dma_pool pool, pool_before;
	unsigned int i;

	CHECK(pool_setup(&pool, slot));
	CHECK(xsplit_dma_pool_alloc(&pool, 3, 0x2000, 3 * PG, 2) == 0);
	for (i = 0; i < NSLOTS; i++)
		before[i] = slot[i];
	pool_before = pool;

	/* An unmap that names the middle of a mapping is a caller's bug. */
	CHECK(xsplit_dma_pool_free(&pool, 1) == -EINVAL);
	CHECK(xsplit_dma_pool_free(&pool, 2) == -EINVAL);
	CHECK(pool.used == pool_before.used);
	CHECK(pool.peak == pool_before.peak);
	CHECK(pool.hint == pool_before.hint);
	for (i = 0; i < NSLOTS; i++) {
		CHECK(slot[i].used == before[i].used);
		CHECK(slot[i].head == before[i].head);
		CHECK(slot[i].npages == before[i].npages);
		CHECK(slot[i].orig == before[i].orig);
		CHECK(slot[i].size == before[i].size);
		CHECK(slot[i].dir == before[i].dir);
	}
	CHECK(xsplit_dma_pool_free(&pool, 0) == 0);
}

TEST(dma_pool_double_free)
{
	struct xsplit_dma_slot slot[NSLOTS];
	struct xsplit_dma_pool pool;

	CHECK(pool_setup(&pool, slot));
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0x2000, 2 * PG, 0) == 0);
	CHECK(xsplit_dma_pool_free(&pool, 0) == 0);
	CHECK(pool.used == 0);
	/* The second unmap must neither succeed nor take used below 0. */
	CHECK(xsplit_dma_pool_free(&pool, 0) == -ENOENT);
	CHECK(xsplit_dma_pool_free(&pool, 1) == -ENOENT);
	CHECK(pool.used == 0);
	/* Never mapped at all, and outside the pool. */
	CHECK(xsplit_dma_pool_free(&pool, 5) == -ENOENT);
	CHECK(xsplit_dma_pool_free(&pool, NSLOTS) == -EINVAL);
	CHECK(xsplit_dma_pool_free(&pool, ~0u) == -EINVAL);
}

TEST(dma_pool_used_and_peak)
{
	struct xsplit_dma_slot slot[NSLOTS];
	struct xsplit_dma_pool pool;

	CHECK(pool_setup(&pool, slot));
	/* One slot at a time first: a peak a step behind would show. */
	CHECK(xsplit_dma_pool_alloc(&pool, 1, 0x1000, 1, 0) == 0);
	CHECK(pool.used == 1 && pool.peak == 1);
	CHECK(xsplit_dma_pool_free(&pool, 0) == 0);
	CHECK(pool.used == 0 && pool.peak == 1);
	CHECK(pool_setup(&pool, slot));
	CHECK(pool.peak == 0);

	CHECK(xsplit_dma_pool_alloc(&pool, 3, 0x1000, 3 * PG, 0) == 0);
	CHECK(pool.used == 3 && pool.peak == 3);
	CHECK(xsplit_dma_pool_alloc(&pool, 4, 0x2000, 4 * PG, 0) == 4);
	CHECK(pool.used == 7 && pool.peak == 7);
	CHECK(xsplit_dma_pool_free(&pool, 0) == 0);
	CHECK(pool.used == 4 && pool.peak == 7);
	/* Refusals count for nothing either way. */
	CHECK(xsplit_dma_pool_alloc(&pool, 0, 0x3000, 0, 0) == -EINVAL);
	CHECK(xsplit_dma_pool_free(&pool, 5) == -EINVAL);
	CHECK(pool.used == 4 && pool.peak == 7);
	CHECK(xsplit_dma_pool_alloc(&pool, 1, 0x3000, 1, 0) == 0);
	CHECK(pool.used == 5 && pool.peak == 7);
	CHECK(xsplit_dma_pool_free(&pool, 4) == 0);
	CHECK(xsplit_dma_pool_free(&pool, 0) == 0);
	CHECK(pool.used == 0 && pool.peak == 7);
}

TEST(dma_pool_head_records_the_mapping)
{
	struct xsplit_dma_slot slot[NSLOTS];
	struct xsplit_dma_pool pool;
	int h;

	CHECK(pool_setup(&pool, slot));
	CHECK(xsplit_dma_pool_alloc(&pool, 1, 0x1000, 1, 0) == 0);
	h = xsplit_dma_pool_alloc(&pool, 3, 0x123456789abcull, 0x2345, 2);
	CHECK(h == 1);
	/* The unmap is checked against these, so they must be exact. */
	CHECK(slot[h].orig == 0x123456789abcull);
	CHECK(slot[h].size == 0x2345);
	CHECK(slot[h].dir == 2);
	CHECK(slot[h].npages == 3);
	CHECK(slot[h].used && slot[h].head == 1);
	/* The rest of the run points home and carries nothing else. */
	CHECK(slot[2].used && slot[2].head == 1 && slot[2].npages == 0);
	CHECK(slot[3].used && slot[3].head == 1 && slot[3].npages == 0);

	/* A slot reused by a later mapping shows that one, not the old. */
	CHECK(xsplit_dma_pool_free(&pool, 1) == 0);
	CHECK(xsplit_dma_pool_alloc(&pool, 4, 0xb000, 4 * PG, 1) == 4);
	CHECK(xsplit_dma_pool_alloc(&pool, 2, 0xc000, 5, 3) == 1);
	CHECK(slot[1].orig == 0xc000 && slot[1].size == 5);
	CHECK(slot[1].dir == 3 && slot[1].npages == 2);
	CHECK(slot[3].used == 0 && slot[3].npages == 0);
}
