// SPDX-License-Identifier: GPL-2.0
/*
 * The bounce pool: machine-contiguous segments under 2^pool_bits, made by
 * XENMEM_exchange when the first device is bound and given back to Xen
 * when the last one goes. Slots are pages; the book-keeping of which are
 * in use and what they hold is the plain-C dma_pool.c, under one lock.
 *
 * A mapping keeps its offset within the page, so a device that cares
 * about the low bits of an address sees the same ones it would have seen.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <asm/xen/page.h>

#include <xsplit/dma_span.h>
#include <xsplit/xen_frames.h>
#include "xdma.h"

static unsigned int pool_pages = 512;
module_param(pool_pages, uint, 0444);
MODULE_PARM_DESC(pool_pages,
		 "Bounce pool size in 4 KiB pages, made when the first device is bound (default 512: 2 MiB)");

static unsigned int pool_bits = 32;
module_param(pool_bits, uint, 0444);
MODULE_PARM_DESC(pool_bits,
		 "The bounce pool lies below 2^pool_bits; a device must reach that far (default 32)");

struct xdma_pool_span xdma_pool_span;

struct xdma_segment {
	struct page *page;
	dma_addr_t bus;
	bool exchanged;
};

static struct {
	struct mutex users_lock;	/* users, and making or freeing */
	unsigned int users;
	spinlock_t lock;		/* book */
	struct xsplit_dma_pool book;
	struct xsplit_dma_slot *slots;
	struct xdma_segment *seg;
	unsigned int nseg;
	unsigned int seg_order;
} pool = {
	.users_lock = __MUTEX_INITIALIZER(pool.users_lock),
	.lock = __SPIN_LOCK_UNLOCKED(pool.lock),
};

static u64 pool_mask(void)
{
	return pool_bits >= 64 ? DMA_BIT_MASK(64) : DMA_BIT_MASK(pool_bits);
}

static size_t seg_bytes(void)
{
	return PAGE_SIZE << pool.seg_order;
}

static void pool_free_segments(void)
{
	unsigned int i;
	int rc;

	for (i = 0; i < pool.nseg; i++) {
		struct xdma_segment *s = &pool.seg[i];

		if (!s->page)
			continue;
		if (s->exchanged) {
			rc = xsplit_frames_release_contiguous(s->page,
							      pool.seg_order);
			if (rc)
				pr_warn("Xen did not take back bounce segment %u (%d)\n",
					i, rc);
		}
		__free_pages(s->page, pool.seg_order);
	}
	kfree(pool.seg);
	kvfree(pool.slots);
	pool.seg = NULL;
	pool.slots = NULL;
	pool.nseg = 0;
}

static int pool_make_segment(struct xdma_segment *s)
{
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	unsigned long pfn;
	u64 top;
	int rc;

	if (xdma_mode != XDMA_MODE_P2M && pool_bits <= 32)
		gfp |= GFP_DMA32;
	s->page = alloc_pages(gfp, pool.seg_order);
	if (!s->page)
		return -ENOMEM;
	pfn = page_to_pfn(s->page);
	if (xdma_mode == XDMA_MODE_P2M) {
		top = ((u64)pfn_to_mfn(pfn) << PAGE_SHIFT) + seg_bytes() - 1;
		if (!xsplit_frames_contiguous(s->page, 0, seg_bytes()) ||
		    top > pool_mask()) {
			rc = xsplit_frames_make_contiguous(s->page,
							   pool.seg_order,
							   pool_bits >= 52 ?
							   0 : pool_bits);
			if (rc)
				return rc;
			s->exchanged = true;
		}
		s->bus = (dma_addr_t)pfn_to_mfn(pfn) << PAGE_SHIFT;
	} else {
		s->bus = (dma_addr_t)pfn << PAGE_SHIFT;
	}
	if (s->bus + seg_bytes() - 1 > pool_mask())
		return -ERANGE;
	return 0;
}

static int pool_make(void)
{
	unsigned int seg_pages, nslots, i;
	int rc;

	if (!pool_pages) {
		pr_err("pool_pages is 0: nothing could be bounced\n");
		return -EINVAL;
	}
	pool.seg_order = min_t(unsigned int, XDMA_MAX_ORDER,
			       order_base_2(pool_pages));
	seg_pages = 1U << pool.seg_order;
	pool.nseg = DIV_ROUND_UP(pool_pages, seg_pages);
	nslots = pool.nseg * seg_pages;
	pool.seg = kcalloc(pool.nseg, sizeof(*pool.seg), GFP_KERNEL);
	pool.slots = kvcalloc(nslots, sizeof(*pool.slots), GFP_KERNEL);
	if (!pool.seg || !pool.slots) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < pool.nseg; i++) {
		rc = pool_make_segment(&pool.seg[i]);
		if (rc) {
			pr_err("no %zu KiB of machine-contiguous memory below 2^%u for bounce segment %u (%d)\n",
			       seg_bytes() >> 10, pool_bits, i, rc);
			goto fail;
		}
	}
	xdma_pool_span.lo = pool.seg[0].bus;
	xdma_pool_span.hi = pool.seg[0].bus + seg_bytes();
	for (i = 1; i < pool.nseg; i++) {
		xdma_pool_span.lo = min(xdma_pool_span.lo, pool.seg[i].bus);
		xdma_pool_span.hi = max_t(dma_addr_t, xdma_pool_span.hi,
					  pool.seg[i].bus + seg_bytes());
	}
	xsplit_dma_pool_init(&pool.book, pool.slots, nslots, seg_pages);
	pr_info("bounce pool: %u segment(s) of %zu KiB below 2^%u, bus %pad-%pad\n",
		pool.nseg, seg_bytes() >> 10, pool_bits, &xdma_pool_span.lo, &xdma_pool_span.hi);
	return 0;
fail:
	pool_free_segments();
	return rc;
}

int xdma_pool_get(void)
{
	int rc = 0;

	mutex_lock(&pool.users_lock);
	if (!pool.users)
		rc = pool_make();
	if (!rc)
		pool.users++;
	mutex_unlock(&pool.users_lock);
	return rc;
}

void xdma_pool_put(void)
{
	mutex_lock(&pool.users_lock);
	if (!--pool.users) {
		if (pool.book.used) {
			/* A removed device's leftovers: a device may still write there. */
			pr_warn("bounce pool kept: %u page(s) still mapped\n",
				pool.book.used);
			pool.users = 1;
		} else {
			pool_free_segments();
			xdma_pool_span.lo = 0;
			xdma_pool_span.hi = 0;
		}
	}
	mutex_unlock(&pool.users_lock);
}

size_t xdma_pool_max_mapping(void)
{
	return PAGE_SIZE << min_t(unsigned int, XDMA_MAX_ORDER,
				  order_base_2(max(pool_pages, 1U)));
}

u64 xdma_pool_top(void)
{
	dma_addr_t hi = READ_ONCE(xdma_pool_span.hi);

	return hi ? hi - 1 : pool_mask();
}

/* The segment holding @bus, or -1. */
static int pool_segment(dma_addr_t bus)
{
	unsigned int i;

	if (bus < xdma_pool_span.lo || bus >= xdma_pool_span.hi)
		return -1;
	for (i = 0; i < pool.nseg; i++)
		if (bus >= pool.seg[i].bus && bus - pool.seg[i].bus < seg_bytes())
			return i;
	return -1;
}

static u32 pool_slot(int seg, dma_addr_t bus)
{
	return (seg << pool.seg_order) + ((bus - pool.seg[seg].bus) >> PAGE_SHIFT);
}

static void *slot_vaddr(u32 idx)
{
	u32 seg = idx >> pool.seg_order;

	return page_address(pool.seg[seg].page) +
	       ((idx - (seg << pool.seg_order)) << PAGE_SHIFT);
}

static dma_addr_t slot_bus(u32 idx)
{
	u32 seg = idx >> pool.seg_order;

	return pool.seg[seg].bus +
	       ((dma_addr_t)(idx - (seg << pool.seg_order)) << PAGE_SHIFT);
}

static bool dir_to_device(enum dma_data_direction dir)
{
	return dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL;
}

static bool dir_from_device(enum dma_data_direction dir)
{
	return dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL;
}

dma_addr_t xdma_pool_map(struct xdma_dev *xd, phys_addr_t phys, size_t size,
			 enum dma_data_direction dir)
{
	unsigned long off = offset_in_page(phys);
	u32 npages = DIV_ROUND_UP(off + size, PAGE_SIZE);
	unsigned long flags;
	int idx;

	if (size > U32_MAX || off + size > seg_bytes()) {
		dev_err_ratelimited(xd->dev, "xsplit-dma: %zu bytes cannot be bounced (segments are %zu)\n",
				    size, seg_bytes());
		return DMA_MAPPING_ERROR;
	}
	spin_lock_irqsave(&pool.lock, flags);
	idx = xsplit_dma_pool_alloc(&pool.book, npages, phys, size, dir);
	spin_unlock_irqrestore(&pool.lock, flags);
	if (idx < 0) {
		dev_err_ratelimited(xd->dev, "xsplit-dma: bounce pool exhausted: %u page(s) wanted, %u of %u in use\n",
				    npages, pool.book.used, pool.book.nslots);
		return DMA_MAPPING_ERROR;
	}
	/*
	 * Copied whatever the direction: a device that writes only part of
	 * the buffer must not leave stale pool data in the rest, and must
	 * never read what another mapping left there.
	 */
	memcpy(slot_vaddr(idx) + off, phys_to_virt(phys), size);
	return slot_bus(idx) + off;
}

/*
 * The slot @bus falls in (in *@idx) and a copy of its mapping's head (in
 * *@head). Returns the head's index, -ENXIO if @bus is not in the pool
 * (a direct mapping), or -ENOENT if nothing is mapped there.
 */
static int pool_lookup(dma_addr_t bus, u32 *idx, struct xsplit_dma_slot *head)
{
	int seg = pool_segment(bus);
	unsigned long flags;
	int h;

	if (seg < 0)
		return -ENXIO;
	*idx = pool_slot(seg, bus);
	spin_lock_irqsave(&pool.lock, flags);
	h = xsplit_dma_pool_head(&pool.book, *idx);
	if (h >= 0)
		*head = pool.slots[h];
	spin_unlock_irqrestore(&pool.lock, flags);
	return h < 0 ? -ENOENT : h;
}

/*
 * -ENXIO for an address outside the pool, which is no error: the caller's
 * mapping was direct.
 */
int xdma_pool_unmap(struct xdma_dev *xd, dma_addr_t bus, size_t size,
		    enum dma_data_direction dir, bool sync)
{
	struct xsplit_dma_slot head;
	unsigned long flags;
	u32 idx;
	int h;

	h = pool_lookup(bus, &idx, &head);
	if (h == -ENXIO)
		return h;
	if (h < 0) {
		dev_err_ratelimited(xd->dev, "xsplit-dma: unmap of %pad: nothing is mapped there (double unmap?)\n",
				    &bus);
		return -ENOENT;
	}
	if ((u32)h != idx || offset_in_page(head.orig) != offset_in_page(bus)) {
		dev_err_ratelimited(xd->dev, "xsplit-dma: unmap of %pad: not the start of a mapping\n",
				    &bus);
		return -EINVAL;
	}
	if (head.size != size || head.dir != dir)
		dev_err_ratelimited(xd->dev, "xsplit-dma: unmap of %pad as %zu bytes dir %d; it was mapped as %u bytes dir %u\n",
				    &bus, size, dir, head.size, head.dir);
	if (sync && dir_from_device(head.dir))
		memcpy(phys_to_virt(head.orig), slot_vaddr(idx) +
		       offset_in_page(bus), head.size);
	spin_lock_irqsave(&pool.lock, flags);
	xsplit_dma_pool_free(&pool.book, idx);
	spin_unlock_irqrestore(&pool.lock, flags);
	return 0;
}

void xdma_pool_sync(struct xdma_dev *xd, dma_addr_t bus, size_t size,
		    enum dma_data_direction dir, bool for_cpu)
{
	struct xsplit_dma_slot head;
	dma_addr_t start;
	size_t skip;
	u32 idx;
	int h;

	h = pool_lookup(bus, &idx, &head);
	if (h == -ENXIO)
		return;
	if (h < 0) {
		dev_err_ratelimited(xd->dev, "xsplit-dma: sync of %pad: nothing is mapped there\n",
				    &bus);
		return;
	}
	start = slot_bus(h) + offset_in_page(head.orig);
	if (bus < start || bus - start >= head.size) {
		dev_err_ratelimited(xd->dev, "xsplit-dma: sync of %pad: outside its mapping\n",
				    &bus);
		return;
	}
	skip = bus - start;
	size = min_t(size_t, size, head.size - skip);
	if (for_cpu && dir_from_device(dir))
		memcpy(phys_to_virt(head.orig + skip),
		       slot_vaddr(h) + offset_in_page(head.orig) + skip, size);
	else if (!for_cpu && dir_to_device(dir))
		memcpy(slot_vaddr(h) + offset_in_page(head.orig) + skip,
		       phys_to_virt(head.orig + skip), size);
}

void xdma_pool_info(struct xdma_pool_info *info)
{
	unsigned long flags;

	spin_lock_irqsave(&pool.lock, flags);
	info->pages = pool.slots ? pool.book.nslots : 0;
	info->used = pool.slots ? pool.book.used : 0;
	info->peak = pool.slots ? pool.book.peak : 0;
	spin_unlock_irqrestore(&pool.lock, flags);
	info->bits = pool_bits;
	info->segments = pool.nseg;
}
