/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Book-keeping of a DMA bounce pool: which page-sized slots are in use
 * and what each mapping holds. Plain C, shared with the unit tests (see
 * plain.h); the caller provides the slot array and the locking.
 *
 * The pool is made of segments that are each machine-contiguous; two
 * segments need not be adjacent, so no mapping may cross from one into
 * the next. A mapping is a run of slots; its first slot (the head)
 * records what was mapped, so that an unmap can be checked against it.
 */
#ifndef XSPLIT_DMA_POOL_H
#define XSPLIT_DMA_POOL_H

#include <xsplit/plain.h>

struct xsplit_dma_slot {
	u64 orig;	/* head: address of the buffer that was mapped */
	u32 size;	/* head: bytes mapped */
	u32 head;	/* in use: index of its mapping's head */
	u16 npages;	/* head: slots of the mapping; 0 on other slots */
	u8 dir;		/* head: direction, as the caller numbers them */
	u8 used;
};

struct xsplit_dma_pool {
	struct xsplit_dma_slot *slot;
	u32 nslots;
	u32 seg_slots;	/* slots per machine-contiguous segment */
	u32 hint;	/* where the next search starts */
	u32 used;	/* slots in use */
	u32 peak;	/* most slots ever in use at once */
};

/*
 * Set up @pool over @slot[@nslots], all free. @seg_slots must divide
 * @nslots and be at most 0xffff; @nslots at most INT_MAX. Returns 0 or
 * -EINVAL.
 */
int xsplit_dma_pool_init(struct xsplit_dma_pool *pool,
			 struct xsplit_dma_slot *slot, u32 nslots,
			 u32 seg_slots);

/*
 * Take @npages consecutive free slots within one segment and record a
 * mapping of @size bytes of @orig there. Returns the head's index,
 * -EINVAL if @npages is 0 or larger than a segment, or -ENOSPC.
 */
int xsplit_dma_pool_alloc(struct xsplit_dma_pool *pool, u32 npages, u64 orig,
			  u32 size, u8 dir);

/*
 * The head of the mapping that slot @idx belongs to, -ENOENT if the slot
 * is free, -EINVAL if @idx is outside the pool.
 */
int xsplit_dma_pool_head(const struct xsplit_dma_pool *pool, u32 idx);

/*
 * Free the mapping whose head is @idx. -ENOENT if the slot is free
 * (nothing mapped there: a double or a stray unmap), -EINVAL if it lies
 * inside a mapping but is not its head, or outside the pool.
 */
int xsplit_dma_pool_free(struct xsplit_dma_pool *pool, u32 idx);

#endif /* XSPLIT_DMA_POOL_H */
