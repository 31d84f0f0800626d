// SPDX-License-Identifier: GPL-2.0
/* Bounce pool slot book-keeping: see dma_pool.h. */
#include <xsplit/dma_pool.h>

int xsplit_dma_pool_init(struct xsplit_dma_pool *pool,
			 struct xsplit_dma_slot *slot, u32 nslots,
			 u32 seg_slots)
{
	u32 i;

	/* Indexes come back as int, and a mapping's length is a u16. */
	if (!slot || !nslots || !seg_slots || nslots % seg_slots ||
	    nslots > 0x7fffffff || seg_slots > 0xffff)
		return -EINVAL;
	for (i = 0; i < nslots; i++)
		slot[i] = (struct xsplit_dma_slot){ 0 };
	pool->slot = slot;
	pool->nslots = nslots;
	pool->seg_slots = seg_slots;
	pool->hint = 0;
	pool->used = 0;
	pool->peak = 0;
	return 0;
}

/*
 * If @npages slots from @start are all free and in one segment, return
 * @start; otherwise the next index worth trying (past the slot that was
 * in the way, or the start of the next segment).
 */
static u32 pool_try(const struct xsplit_dma_pool *pool, u32 start, u32 npages)
{
	u32 seg_end = (start / pool->seg_slots + 1) * pool->seg_slots;
	u32 i;

	if (npages > seg_end - start)
		return seg_end;
	for (i = start; i < start + npages; i++)
		if (pool->slot[i].used)
			return i + 1;
	return start;
}

static int pool_search(const struct xsplit_dma_pool *pool, u32 from, u32 to,
		       u32 npages)
{
	u32 s = from, next;

	while (s < to) {
		next = pool_try(pool, s, npages);
		if (next == s)
			return (int)s;
		s = next;
	}
	return -ENOSPC;
}

int xsplit_dma_pool_alloc(struct xsplit_dma_pool *pool, u32 npages, u64 orig,
			  u32 size, u8 dir)
{
	struct xsplit_dma_slot *head;
	int idx;
	u32 i;

	/* init keeps seg_slots within a head's u16 npages. */
	if (!npages || npages > pool->seg_slots)
		return -EINVAL;
	if (npages > pool->nslots - pool->used)
		return -ENOSPC;
	/* Next fit: start after the last mapping, then wrap around once. */
	idx = pool_search(pool, pool->hint, pool->nslots, npages);
	if (idx < 0)
		idx = pool_search(pool, 0, pool->hint, npages);
	if (idx < 0)
		return idx;

	for (i = (u32)idx; i < (u32)idx + npages; i++) {
		pool->slot[i] = (struct xsplit_dma_slot){ 0 };
		pool->slot[i].used = 1;
		pool->slot[i].head = (u32)idx;
	}
	head = &pool->slot[idx];
	head->orig = orig;
	head->size = size;
	head->npages = (u16)npages;
	head->dir = dir;
	pool->used += npages;
	if (pool->used > pool->peak)
		pool->peak = pool->used;
	pool->hint = (u32)idx + npages;
	if (pool->hint >= pool->nslots)
		pool->hint = 0;
	return idx;
}

int xsplit_dma_pool_head(const struct xsplit_dma_pool *pool, u32 idx)
{
	if (idx >= pool->nslots)
		return -EINVAL;
	if (!pool->slot[idx].used)
		return -ENOENT;
	return (int)pool->slot[idx].head;
}

int xsplit_dma_pool_free(struct xsplit_dma_pool *pool, u32 idx)
{
	struct xsplit_dma_slot *head;
	u32 i, n;

	if (idx >= pool->nslots)
		return -EINVAL;
	head = &pool->slot[idx];
	if (!head->used)
		return -ENOENT;
	if (head->head != idx || !head->npages)
		return -EINVAL;
	n = head->npages;
	for (i = idx; i < idx + n; i++)
		pool->slot[i] = (struct xsplit_dma_slot){ 0 };
	pool->used -= n;
	return 0;
}
