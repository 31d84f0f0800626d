// SPDX-License-Identifier: GPL-2.0
/*
 * Persistent grants (feature-persistent, offered with feature_persistent=1):
 * a frontend that negotiated them keeps granting the same pages, always
 * writable, and never takes a grant back while the ring is up. Each ring
 * maps such a grant the first time it sees it and keeps it mapped; a
 * request whose segments are all kept is served from the guest's pages
 * (zero copy), others move data by memcpy between the mapped page and the
 * bounce buffer instead of by a grant-copy hypercall.
 *
 * Only a grant that maps is kept: one the frontend never made, made to
 * someone else or made read-only fails to map, and its segment falls back
 * to grant copy, which then fails or succeeds on the same terms as without
 * the feature. At most max_persistent_grants are kept per ring; beyond
 * that, segments use grant copy too. All of them are unmapped when the
 * ring goes, after the last request on it has finished.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <xen/grant_table.h>

#include "blkback.h"

struct xbb_pgnt {
	struct rb_node node;
	grant_ref_t gref;
	grant_handle_t handle;
	struct page *page;	/* the guest's page, mapped here */
};

static struct xbb_pgnt *xbb_pgnt_find(struct xbb_ring *ring, grant_ref_t gref,
				      struct rb_node ***link,
				      struct rb_node **parent)
{
	struct rb_node **p = &ring->pgnts.rb_node;

	*parent = NULL;
	while (*p) {
		struct xbb_pgnt *pg = rb_entry(*p, struct xbb_pgnt, node);

		*parent = *p;
		if (gref < pg->gref)
			p = &(*p)->rb_left;
		else if (gref > pg->gref)
			p = &(*p)->rb_right;
		else
			return pg;
	}
	*link = p;
	return NULL;
}

/* Map @gref for good; NULL if it does not map or the ring holds enough. */
static struct xbb_pgnt *xbb_pgnt_map(struct xbb_ring *ring, grant_ref_t gref)
{
	struct gnttab_map_grant_ref op;
	struct xbb_pgnt *pg;

	if (ring->nr_pgnts >= xbb_max_persistent_grants)
		return NULL;
	pg = kzalloc(sizeof(*pg), GFP_NOIO);
	if (!pg)
		return NULL;
	if (gnttab_alloc_pages(1, &pg->page))
		goto free;
	gnttab_set_map_op(&op, (unsigned long)pfn_to_kaddr(page_to_pfn(pg->page)),
			  GNTMAP_host_map, gref, ring->vbd->xdev->otherend_id);
	if (gnttab_map_refs(&op, NULL, &pg->page, 1) || op.status != GNTST_okay)
		goto free_page;
	pg->gref = gref;
	pg->handle = op.handle;
	return pg;

free_page:
	gnttab_free_pages(1, &pg->page);
free:
	kfree(pg);
	return NULL;
}

struct page *xbb_pgnt_page(struct xbb_ring *ring, grant_ref_t gref)
{
	struct rb_node **link, *parent;
	struct xbb_pgnt *pg;

	if (!ring->persistent)
		return NULL;
	pg = xbb_pgnt_find(ring, gref, &link, &parent);
	if (pg)
		return pg->page;
	pg = xbb_pgnt_map(ring, gref);
	if (!pg)
		return NULL;
	rb_link_node(&pg->node, parent, link);
	rb_insert_color(&pg->node, &ring->pgnts);
	ring->nr_pgnts++;
	return pg->page;
}

/*
 * The block layer may have had these pages (zero copy): a driver that
 * still holds one after its bio ended (a network block device's socket,
 * say) is waited for before the mapping goes.
 */
static int xbb_pgnt_unmap(struct xbb_pgnt *pg)
{
	struct gnttab_unmap_grant_ref op;
	struct gntab_unmap_queue_data unmap = {
		.unmap_ops = &op,
		.pages = &pg->page,
		.count = 1,
	};
	int ret;

	gnttab_set_unmap_op(&op, (unsigned long)pfn_to_kaddr(page_to_pfn(pg->page)),
			    GNTMAP_host_map, pg->handle);
	ret = gnttab_unmap_refs_sync(&unmap);
	return ret ?: op.status;
}

void xbb_pgnt_unmap_all(struct xbb_ring *ring)
{
	struct xbb_pgnt *pg, *next;
	int ret;

	rbtree_postorder_for_each_entry_safe(pg, next, &ring->pgnts, node) {
		ret = xbb_pgnt_unmap(pg);
		if (ret)
			dev_err(&ring->vbd->xdev->dev, "cannot unmap persistent grant %u of domain %d (%d); its page is kept\n",
				pg->gref, ring->vbd->xdev->otherend_id, ret);
		else
			gnttab_free_pages(1, &pg->page);
		kfree(pg);
	}
	ring->pgnts = RB_ROOT;
	ring->nr_pgnts = 0;
}
