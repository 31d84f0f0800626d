// SPDX-License-Identifier: GPL-2.0
/*
 * Strict mode: a checker for driver and DMA-layer bugs, at a price on
 * every map (a lock and an allocation), so it is chosen per binding.
 *
 * - Every bus address handed out is checked to be this domain's own: each
 *   frame must map back through Xen's M2P to the very pfn it came from,
 *   or be a frame another domain granted us (marked foreign in the P2M).
 * - Every mapping is remembered, so an unmap must name one exactly (bus
 *   address, size, direction). The last few unmapped addresses are kept
 *   to tell a double unmap from a stray one.
 * - What a driver leaves mapped when it is unbound is listed as leaked.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <asm/xen/page.h>

#include "xdma.h"

/* Leaked mappings listed one by one at a driver's unbind; the rest counted. */
#define XDMA_LEAKS_SHOWN	8

struct xdma_live {
	struct rb_node node;
	dma_addr_t bus;
	size_t size;
	enum dma_data_direction dir;
};

static bool frame_is_ours(unsigned long pfn, unsigned long bus_frame)
{
	unsigned long raw = __pfn_to_mfn(pfn);

	if (raw == INVALID_P2M_ENTRY)
		return false;
	if (raw & FOREIGN_FRAME_BIT)
		return (raw & ~(FOREIGN_FRAME_BIT | IDENTITY_FRAME_BIT)) == bus_frame;
	return mfn_to_pfn(bus_frame) == pfn;
}

int xdma_strict_check_frames(struct xdma_dev *xd, phys_addr_t phys,
			     size_t size, dma_addr_t bus)
{
	unsigned long pfn = PHYS_PFN(phys), last = PHYS_PFN(phys + size - 1);
	unsigned long bus_frame = PHYS_PFN(bus);

	if (xdma_mode != XDMA_MODE_P2M)
		return 0;
	for (; pfn <= last; pfn++, bus_frame++) {
		if (frame_is_ours(pfn, bus_frame))
			continue;
		dev_err_ratelimited(xd->dev, "xsplit-dma: strict: bus address %pad is not this domain's memory (frame %#lx for pfn %#lx)\n",
				    &bus, bus_frame, pfn);
		xdma_inc(xd, strict_errors);
		return -EFAULT;
	}
	return 0;
}

int xdma_strict_track(struct xdma_dev *xd, dma_addr_t bus, size_t size,
		      enum dma_data_direction dir)
{
	struct rb_node **link = &xd->live.rb_node, *parent = NULL;
	struct xdma_live *m = kmalloc(sizeof(*m), GFP_ATOMIC | __GFP_NOWARN);
	unsigned long flags;

	if (!m) {
		dev_err_ratelimited(xd->dev, "xsplit-dma: strict: no memory to track a mapping; refused\n");
		return -ENOMEM;
	}
	m->bus = bus;
	m->size = size;
	m->dir = dir;
	spin_lock_irqsave(&xd->lock, flags);
	while (*link) {
		parent = *link;
		if (bus < rb_entry(parent, struct xdma_live, node)->bus)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&m->node, parent, link);
	rb_insert_color(&m->node, &xd->live);
	xd->nlive++;
	spin_unlock_irqrestore(&xd->lock, flags);
	return 0;
}

static struct xdma_live *live_find(struct xdma_dev *xd, dma_addr_t bus)
{
	struct rb_node *n = xd->live.rb_node;

	while (n) {
		struct xdma_live *m = rb_entry(n, struct xdma_live, node);

		if (bus == m->bus)
			return m;
		n = bus < m->bus ? n->rb_left : n->rb_right;
	}
	return NULL;
}

static bool recently_unmapped(struct xdma_dev *xd, dma_addr_t bus)
{
	unsigned int i;

	for (i = 0; i < XDMA_RECENT; i++)
		if (xd->recent[i] == bus + 1)
			return true;
	return false;
}

/*
 * Returns 0 if the unmap named a mapping exactly, 1 if it named one but
 * with another size or direction (the mapping is gone all the same), or
 * -ENOENT if it named none: nothing must then be undone.
 */
int xdma_strict_untrack(struct xdma_dev *xd, dma_addr_t bus, size_t size,
			enum dma_data_direction dir)
{
	struct xdma_live *m;
	unsigned long flags;
	bool twice;
	int rc = 0;

	spin_lock_irqsave(&xd->lock, flags);
	m = live_find(xd, bus);
	if (!m) {
		twice = recently_unmapped(xd, bus);
		spin_unlock_irqrestore(&xd->lock, flags);
		dev_err_ratelimited(xd->dev, "xsplit-dma: strict: %s of %pad (%zu bytes)\n",
				    twice ? "double unmap" : "unmap of an unknown address",
				    &bus, size);
		xdma_inc(xd, strict_errors);
		return -ENOENT;
	}
	rb_erase(&m->node, &xd->live);
	xd->nlive--;
	/* Stored plus one, so that an all-zero slot never matches bus 0. */
	xd->recent[xd->recent_next++ % XDMA_RECENT] = bus + 1;
	spin_unlock_irqrestore(&xd->lock, flags);
	if (m->size != size || m->dir != dir) {
		dev_err_ratelimited(xd->dev, "xsplit-dma: strict: unmap of %pad as %zu bytes dir %d does not match its map (%zu bytes dir %d)\n",
				    &bus, size, dir, m->size, m->dir);
		xdma_inc(xd, strict_errors);
		rc = 1;
	}
	kfree(m);
	return rc;
}

unsigned long xdma_strict_report_leaks(struct xdma_dev *xd)
{
	unsigned long flags, n = 0;
	struct rb_node *node;

	spin_lock_irqsave(&xd->lock, flags);
	for (node = rb_first(&xd->live); node; node = rb_next(node), n++) {
		struct xdma_live *m = rb_entry(node, struct xdma_live, node);

		if (n < XDMA_LEAKS_SHOWN)
			dev_warn(xd->dev, "xsplit-dma: strict: leaked mapping %pad, %zu bytes, dir %d\n",
				 &m->bus, m->size, m->dir);
	}
	spin_unlock_irqrestore(&xd->lock, flags);
	return n;
}

void xdma_strict_forget(struct xdma_dev *xd)
{
	struct xdma_live *m, *tmp;

	rbtree_postorder_for_each_entry_safe(m, tmp, &xd->live, node)
		kfree(m);
	xd->live = RB_ROOT;
	xd->nlive = 0;
}
