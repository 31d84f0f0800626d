// SPDX-License-Identifier: GPL-2.0
/*
 * The dma_map_ops a bound device gets.
 *
 * Streaming mappings: each page of the buffer is looked up in the P2M
 * (xsplit_dma_judge). A buffer whose frames follow each other and lie
 * under the device's mask is handed over as it is; any other is bounced
 * through the pool (pool.c). x86 is cache-coherent, so syncs only move
 * data for bounced mappings.
 *
 * Coherent buffers: pages from the kernel's allocator, given one
 * machine-contiguous extent under the coherent mask by XENMEM_exchange
 * when they do not happen to be so already, and given back on free.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <xen/features.h>
#include <xen/xen.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include <xsplit/dma_span.h>
#include <xsplit/xen_frames.h>
#include "xdma.h"

/* page_private() of a coherent buffer's first page: Xen gave its frames. */
#define XDMA_EXCHANGED	0x78646d61UL

/*
 * Only used in p2m mode, which is a PV domain: the P2M is read directly
 * (pfn_to_mfn() would first ask whether the domain is auto-translated).
 * Always inline, so the map path makes no call at all for a lookup.
 */
static __always_inline u64 xdma_frame_p2m(void *ctx, u64 pfn)
{
	unsigned long mfn = __pfn_to_mfn(pfn);

	if (mfn == INVALID_P2M_ENTRY)
		return XSPLIT_DMA_NO_FRAME;
	/* A granted page (foreign) or MMIO (identity) is still a frame. */
	return mfn & ~(FOREIGN_FRAME_BIT | IDENTITY_FRAME_BIT);
}

static __always_inline u64 xdma_frame_identity(void *ctx, u64 pfn)
{
	return pfn;
}

static bool xdma_translates(void)
{
	return xdma_mode == XDMA_MODE_P2M && !READ_ONCE(xdma_no_translate);
}

static enum xsplit_dma_span xdma_judge(struct device *dev, phys_addr_t phys,
				       size_t size, u64 *bus, u64 *pages)
{
	u64 mask = dma_get_mask(dev);

	/* Two calls, so that each inlines its own lookup. */
	if (likely(xdma_translates()))
		return xsplit_dma_judge(phys, size, mask, xdma_frame_p2m, NULL,
					bus, pages);
	return xsplit_dma_judge(phys, size, mask, xdma_frame_identity, NULL,
				bus, pages);
}

static dma_addr_t xdma_map_one(struct xdma_dev *xd, struct device *dev,
			       phys_addr_t phys, size_t size,
			       enum dma_data_direction dir)
{
	u64 bus = DMA_MAPPING_ERROR, pages;
	bool bounced = false;

	switch (xdma_judge(dev, phys, size, &bus, &pages)) {
	case XSPLIT_DMA_DIRECT:
		if (xd->strict && xdma_strict_check_frames(xd, phys, size, bus))
			goto fail;
		if (pages > 1)
			xdma_inc(xd, contig);
		break;
	case XSPLIT_DMA_SPLIT:
	case XSPLIT_DMA_HIGH:
		bus = xdma_pool_map(xd, phys, size, dir);
		if (bus == DMA_MAPPING_ERROR)
			goto fail;
		bounced = true;
		break;
	case XSPLIT_DMA_BAD:
	default:
		dev_err_ratelimited(dev, "xsplit-dma: refused to map %zu bytes at %pa: %s\n",
				    size, &phys,
				    size ? "a page has no machine frame" : "size 0");
		goto fail;
	}
	if (xd->strict && xdma_strict_track(xd, bus, size, dir)) {
		if (bounced)
			xdma_pool_unmap(xd, bus, size, dir, false);
		goto fail;
	}
	if (bounced) {
		xdma_inc(xd, bounces);
		xdma_add(xd, bounce_bytes, size);
	}
	xdma_inc(xd, maps);
	xdma_add(xd, map_bytes, size);
	return bus;
fail:
	xdma_inc(xd, failures);
	return DMA_MAPPING_ERROR;
}

static void xdma_unmap_one(struct xdma_dev *xd, dma_addr_t bus, size_t size,
			   enum dma_data_direction dir, unsigned long attrs)
{
	bool sync = !(attrs & DMA_ATTR_SKIP_CPU_SYNC);

	/* Strict mode knows every mapping: a stray unmap touches nothing. */
	if (xd->strict && xdma_strict_untrack(xd, bus, size, dir) < 0) {
		xdma_inc(xd, bad_unmaps);
		return;
	}
	if (xdma_pool_near(bus)) {
		int rc = xdma_pool_unmap(xd, bus, size, dir, sync);

		if (rc && rc != -ENXIO) {
			xdma_inc(xd, bad_unmaps);
			return;
		}
	}
	xdma_inc(xd, unmaps);
}

static dma_addr_t xdma_map_page(struct device *dev, struct page *page,
				unsigned long offset, size_t size,
				enum dma_data_direction dir,
				unsigned long attrs)
{
	return xdma_map_one(xdma_of(dev), dev, page_to_phys(page) + offset,
			    size, dir);
}

static void xdma_unmap_page(struct device *dev, dma_addr_t bus, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	xdma_unmap_one(xdma_of(dev), bus, size, dir, attrs);
}

static void xdma_unmap_sg(struct device *dev, struct scatterlist *sgl,
			  int nents, enum dma_data_direction dir,
			  unsigned long attrs)
{
	struct xdma_dev *xd = xdma_of(dev);
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		xdma_unmap_one(xd, sg_dma_address(sg), sg_dma_len(sg), dir,
			       attrs);
}

/* Entries are mapped one by one and never merged: nents in, nents out. */
static int xdma_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
		       enum dma_data_direction dir, unsigned long attrs)
{
	struct xdma_dev *xd = xdma_of(dev);
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = xdma_map_one(xd, dev, sg_phys(sg), sg->length,
					       dir);
		if (sg->dma_address == DMA_MAPPING_ERROR)
			goto undo;
		sg_dma_len(sg) = sg->length;
	}
	return nents;
undo:
	if (i)
		xdma_unmap_sg(dev, sgl, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
	return -EIO;
}

/* MMIO (peer-to-peer): a PV domain sees device memory at its machine address. */
static dma_addr_t xdma_map_resource(struct device *dev, phys_addr_t phys,
				    size_t size, enum dma_data_direction dir,
				    unsigned long attrs)
{
	struct xdma_dev *xd = xdma_of(dev);

	if (!size || phys + size - 1 < phys || phys + size - 1 > dma_get_mask(dev)) {
		dev_err_ratelimited(dev, "xsplit-dma: refused to map resource %pa+%zu\n",
				    &phys, size);
		xdma_inc(xd, failures);
		return DMA_MAPPING_ERROR;
	}
	if (xd->strict && xdma_strict_track(xd, phys, size, dir)) {
		xdma_inc(xd, failures);
		return DMA_MAPPING_ERROR;
	}
	xdma_inc(xd, maps);
	return phys;
}

static void xdma_unmap_resource(struct device *dev, dma_addr_t bus,
				size_t size, enum dma_data_direction dir,
				unsigned long attrs)
{
	struct xdma_dev *xd = xdma_of(dev);

	if (xd->strict && xdma_strict_untrack(xd, bus, size, dir) < 0) {
		xdma_inc(xd, bad_unmaps);
		return;
	}
	xdma_inc(xd, unmaps);
}

static void xdma_sync_single_for_cpu(struct device *dev, dma_addr_t bus,
				     size_t size, enum dma_data_direction dir)
{
	if (xdma_pool_near(bus))
		xdma_pool_sync(xdma_of(dev), bus, size, dir, true);
}

static void xdma_sync_single_for_device(struct device *dev, dma_addr_t bus,
					size_t size,
					enum dma_data_direction dir)
{
	if (xdma_pool_near(bus))
		xdma_pool_sync(xdma_of(dev), bus, size, dir, false);
}

static void xdma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl,
				 int nents, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		xdma_sync_single_for_cpu(dev, sg_dma_address(sg),
					 sg_dma_len(sg), dir);
}

static void xdma_sync_sg_for_device(struct device *dev,
				    struct scatterlist *sgl, int nents,
				    enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		xdma_sync_single_for_device(dev, sg_dma_address(sg),
					    sg_dma_len(sg), dir);
}

/*
 * Give @page's 2^@order frames one extent under @mask unless they already
 * are one. Returns 1 if Xen was asked, 0 if not, or an error.
 */
static int xdma_coherent_frames(struct page *page, unsigned int order,
				u64 mask)
{
	u64 top;
	int rc;

	if (xdma_mode != XDMA_MODE_P2M) {
		top = page_to_phys(page) + (PAGE_SIZE << order) - 1;
		return top <= mask ? 0 : -ERANGE;
	}
	top = ((u64)pfn_to_mfn(page_to_pfn(page)) << PAGE_SHIFT) +
	      (PAGE_SIZE << order) - 1;
	if (xsplit_frames_contiguous(page, 0, PAGE_SIZE << order) && top <= mask)
		return 0;
	rc = xsplit_frames_make_contiguous(page, order,
					   xsplit_dma_mask_bits(mask) >= 52 ?
					   0 : xsplit_dma_mask_bits(mask));
	return rc ? rc : 1;
}

static dma_addr_t xdma_page_bus(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	if (xdma_mode == XDMA_MODE_P2M)
		return (dma_addr_t)pfn_to_mfn(pfn) << PAGE_SHIFT;
	return (dma_addr_t)pfn << PAGE_SHIFT;
}

static void *xdma_alloc(struct device *dev, size_t size, dma_addr_t *handle,
			gfp_t gfp, unsigned long attrs)
{
	struct xdma_dev *xd = xdma_of(dev);
	unsigned int order = get_order(size);
	u64 mask = dev->coherent_dma_mask;
	struct page *page;
	int rc;

	if (!size || order > XDMA_MAX_ORDER) {
		dev_err_ratelimited(dev, "xsplit-dma: no coherent buffer of %zu bytes (at most %lu)\n",
				    size, PAGE_SIZE << XDMA_MAX_ORDER);
		goto fail;
	}
	/* The zone does not matter: Xen is asked for the frames. */
	gfp &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM);
	if (xdma_mode != XDMA_MODE_P2M && mask <= DMA_BIT_MASK(32))
		gfp |= GFP_DMA32;
	page = alloc_pages(gfp | __GFP_ZERO | __GFP_NOWARN, order);
	if (!page) {
		dev_err_ratelimited(dev, "xsplit-dma: out of memory for a %zu-byte coherent buffer\n",
				    size);
		goto fail;
	}
	rc = xdma_coherent_frames(page, order, mask);
	if (rc < 0) {
		dev_err_ratelimited(dev, "xsplit-dma: no machine-contiguous memory under %#llx for %zu bytes (%d)\n",
				    mask, size, rc);
		__free_pages(page, order);
		goto fail;
	}
	if (rc > 0) {
		/* Frames fresh from Xen: the allocator's zeroing was for the old ones. */
		memset(page_address(page), 0, PAGE_SIZE << order);
		set_page_private(page, XDMA_EXCHANGED);
		xdma_inc(xd, exchanges);
	} else if (order) {
		xdma_inc(xd, contig);
	}
	*handle = xdma_page_bus(page);
	if (xd->strict && xdma_strict_track(xd, *handle, size,
					    DMA_BIDIRECTIONAL)) {
		if (page_private(page) == XDMA_EXCHANGED) {
			set_page_private(page, 0);
			xsplit_frames_release_contiguous(page, order);
		}
		__free_pages(page, order);
		goto fail;
	}
	xdma_inc(xd, maps);
	xdma_add(xd, map_bytes, size);
	return page_address(page);
fail:
	xdma_inc(xd, failures);
	return NULL;
}

static void xdma_free(struct device *dev, size_t size, void *vaddr,
		      dma_addr_t handle, unsigned long attrs)
{
	struct xdma_dev *xd = xdma_of(dev);
	unsigned int order = get_order(size);
	struct page *page;
	int rc;

	if (!vaddr || !virt_addr_valid(vaddr) ||
	    xdma_page_bus(virt_to_page(vaddr)) != handle) {
		/* Leaking beats freeing what may be someone else's. */
		dev_err_ratelimited(dev, "xsplit-dma: free of %zu bytes at %pad: not a coherent buffer of ours\n",
				    size, &handle);
		xdma_inc(xd, bad_unmaps);
		return;
	}
	if (xd->strict && xdma_strict_untrack(xd, handle, size,
					      DMA_BIDIRECTIONAL) < 0) {
		xdma_inc(xd, bad_unmaps);
		return;
	}
	page = virt_to_page(vaddr);
	if (page_private(page) == XDMA_EXCHANGED) {
		set_page_private(page, 0);
		rc = xsplit_frames_release_contiguous(page, order);
		if (rc)
			dev_warn_ratelimited(dev, "xsplit-dma: Xen did not take back %zu contiguous bytes (%d); freed as they are\n",
					     size, rc);
	}
	__free_pages(page, order);
	xdma_inc(xd, unmaps);
}

static int xdma_mmap(struct device *dev, struct vm_area_struct *vma,
		     void *vaddr, dma_addr_t handle, size_t size,
		     unsigned long attrs)
{
	unsigned long npages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	unsigned long off = vma->vm_pgoff;

	if (off >= npages || vma_pages(vma) > npages - off)
		return -ENXIO;
	return remap_pfn_range(vma, vma->vm_start,
			       page_to_pfn(virt_to_page(vaddr)) + off,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static int xdma_get_sgtable(struct device *dev, struct sg_table *sgt,
			    void *vaddr, dma_addr_t handle, size_t size,
			    unsigned long attrs)
{
	int rc = sg_alloc_table(sgt, 1, GFP_KERNEL);

	if (!rc)
		sg_set_page(sgt->sgl, virt_to_page(vaddr), PAGE_ALIGN(size), 0);
	return rc;
}

/* Whatever the device cannot reach is bounced, so it must reach the pool. */
static int xdma_dma_supported(struct device *dev, u64 mask)
{
	return xdma_pool_top() <= mask;
}

static size_t xdma_max_mapping_size(struct device *dev)
{
	return xdma_pool_max_mapping();
}

/* The pseudo-physical size of a PV domain says nothing of its frames. */
static u64 xdma_get_required_mask(struct device *dev)
{
	long max_mfn = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);

	if (max_mfn <= 0)
		return DMA_BIT_MASK(64);
	return DMA_BIT_MASK(fls64(((u64)max_mfn << PAGE_SHIFT) | (PAGE_SIZE - 1)));
}

const struct dma_map_ops xdma_ops_template = {
	.alloc = xdma_alloc,
	.free = xdma_free,
	.mmap = xdma_mmap,
	.get_sgtable = xdma_get_sgtable,
	.map_page = xdma_map_page,
	.unmap_page = xdma_unmap_page,
	.map_sg = xdma_map_sg,
	.unmap_sg = xdma_unmap_sg,
	.map_resource = xdma_map_resource,
	.unmap_resource = xdma_unmap_resource,
	.sync_single_for_cpu = xdma_sync_single_for_cpu,
	.sync_single_for_device = xdma_sync_single_for_device,
	.sync_sg_for_cpu = xdma_sync_sg_for_cpu,
	.sync_sg_for_device = xdma_sync_sg_for_device,
	.dma_supported = xdma_dma_supported,
	.get_required_mask = xdma_get_required_mask,
	.max_mapping_size = xdma_max_mapping_size,
};
