// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O path of one vbd ring: take requests off the shared ring, judge
 * them, move data with grant copies and turn them into bios on the backing
 * device, and answer.
 *
 * By default guest pages are never mapped into dom0. Data is grant-copied
 * between the guest's granted pages and bounce pages the request borrows
 * from the ring's pool, and the bios work on the bounce pages. That costs
 * a copy per request, made by Xen on dom0's CPU (without it the frontend
 * would copy into persistently granted pages on its own), but a bio never
 * holds a page the guest can take back, so neither a slow device nor a
 * vanishing guest can leave grant mappings behind, and a failed read hands
 * the guest nothing: the buffer is copied out only after the device filled
 * all of it. With persistent grants (persistent.c) a request whose every
 * segment is a kept mapping is served zero copy instead.
 *
 * One kernel thread per ring takes requests off the ring, copies writes in
 * and submits; the bio completion answers what it can (writes, reads once
 * copied out) and hands the request back to the thread, which answers the
 * rest and takes the slots back.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <asm/xen/hypercall.h>
#include <xen/events.h>
#include <xen/page.h>
#include <xsplit/ring_check.h>

#include "blkback.h"
#include "blkif_x86_32.h"

/* How often an idle ring checks whether its disk changed size. */
#define XBB_RESIZE_POLL		HZ
/* How soon a request short of bounce pages tries again, if nothing ends. */
#define XBB_STALL_POLL		(HZ / 50)

static void xbb_log(struct xbb_vbd *vbd, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (!__ratelimit(&vbd->log_rs))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_warn(&vbd->xdev->dev, "domain %d: %pV\n", vbd->xdev->otherend_id,
		 &vaf);
	va_end(args);
}

/*
 * Answer one request. The response is built whole in private memory and
 * copied in one go, so that no byte of the slot (padding included) keeps
 * what was there before: the frontend sees only what we meant to say.
 */
/* Slot @idx of the shared ring, in the frontend's layout. */
static void *xbb_slot(struct xbb_ring *ring, RING_IDX idx)
{
	idx &= ring->size - 1;
	if (ring->abi32)
		return &((struct blkif_x86_32_sring *)ring->back.sring)->ring[idx];
	return &ring->back.sring->ring[idx];
}

static void xbb_respond(struct xbb_ring *ring, u64 id, u8 op, int status)
{
	unsigned long flags;
	void *slot;

	spin_lock_irqsave(&ring->rsp_lock, flags);
	slot = xbb_slot(ring, ring->back.rsp_prod_pvt);
	if (ring->abi32) {
		struct blkif_x86_32_response rsp;

		memset(&rsp, 0, sizeof(rsp));
		rsp.id = id;
		rsp.operation = op;
		rsp.status = status;
		memcpy(slot, &rsp, sizeof(rsp));
	} else {
		struct blkif_response rsp;

		memset(&rsp, 0, sizeof(rsp));
		rsp.id = id;
		rsp.operation = op;
		rsp.status = status;
		memcpy(slot, &rsp, sizeof(rsp));
	}
	ring->back.rsp_prod_pvt++;
	spin_unlock_irqrestore(&ring->rsp_lock, flags);
}

static void xbb_push_responses(struct xbb_ring *ring)
{
	unsigned long flags;
	int notify;

	spin_lock_irqsave(&ring->rsp_lock, flags);
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&ring->back, notify);
	spin_unlock_irqrestore(&ring->rsp_lock, flags);
	if (notify)
		notify_remote_via_irq(ring->chan.irq);
}

/*
 * A 32-bit guest's request, already copied off the ring, in the native
 * layout: the same fields at other offsets.
 */
static void xbb_widen(struct blkif_request *n,
		      const struct blkif_x86_32_request *w)
{
	memset(n, 0, sizeof(*n));
	n->operation = w->operation;
	switch (w->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		n->u.rw.nr_segments = w->u.rw.nr_segments;
		n->u.rw.handle = w->u.rw.handle;
		n->u.rw.id = w->u.rw.id;
		n->u.rw.sector_number = w->u.rw.sector_number;
		memcpy(n->u.rw.seg, w->u.rw.seg, sizeof(n->u.rw.seg));
		break;
	case BLKIF_OP_DISCARD:
		n->u.discard.flag = w->u.discard.flag;
		n->u.discard.id = w->u.discard.id;
		n->u.discard.sector_number = w->u.discard.sector_number;
		n->u.discard.nr_sectors = w->u.discard.nr_sectors;
		break;
	case BLKIF_OP_INDIRECT:
		n->u.indirect.indirect_op = w->u.indirect.indirect_op;
		n->u.indirect.nr_segments = w->u.indirect.nr_segments;
		n->u.indirect.id = w->u.indirect.id;
		n->u.indirect.sector_number = w->u.indirect.sector_number;
		n->u.indirect.handle = w->u.indirect.handle;
		memcpy(n->u.indirect.indirect_grefs, w->u.indirect.indirect_grefs,
		       sizeof(n->u.indirect.indirect_grefs));
		break;
	default:
		n->u.other.id = w->u.other.id;
		break;
	}
}

/* Copy slot @idx off the ring, once, into @wire (native layout). */
static void xbb_copy_request(struct xbb_ring *ring, RING_IDX idx,
			     struct blkif_request *wire)
{
	struct blkif_x86_32_request w32;

	if (ring->abi32) {
		memcpy(&w32, xbb_slot(ring, idx), sizeof(w32));
		/* Decide on the copy only, not on a second read. */
		barrier();
		xbb_widen(wire, &w32);
	} else {
		memcpy(wire, xbb_slot(ring, idx), sizeof(*wire));
		barrier();
	}
}

/* Fill @r from the private copy @wire of a ring slot (native layout). */
static void xbb_parse(struct xsplit_blk_req *r, const struct blkif_request *wire)
{
	unsigned int i, n;

	memset(r, 0, sizeof(*r));
	r->op = wire->operation;
	switch (r->op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		r->id = wire->u.rw.id;
		r->sector = wire->u.rw.sector_number;
		r->nr_segments = wire->u.rw.nr_segments;
		n = min_t(unsigned int, r->nr_segments, XSPLIT_BLK_MAX_SEGS);
		for (i = 0; i < n; i++) {
			r->seg[i].gref = wire->u.rw.seg[i].gref;
			r->seg[i].first_sect = wire->u.rw.seg[i].first_sect;
			r->seg[i].last_sect = wire->u.rw.seg[i].last_sect;
		}
		break;
	case BLKIF_OP_DISCARD:
		r->id = wire->u.discard.id;
		r->sector = wire->u.discard.sector_number;
		r->nr_sectors = wire->u.discard.nr_sectors;
		r->discard_flag = wire->u.discard.flag;
		break;
	case BLKIF_OP_INDIRECT:
		r->id = wire->u.indirect.id;
		r->indirect_op = wire->u.indirect.indirect_op;
		r->sector = wire->u.indirect.sector_number;
		r->nr_segments = wire->u.indirect.nr_segments;
		for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
			r->indirect_gref[i] = wire->u.indirect.indirect_grefs[i];
		break;
	default:
		/* Every layout keeps the id at the same offset. */
		r->id = wire->u.other.id;
		break;
	}
}

static void xbb_count(struct xbb_ring *ring, const struct xbb_req *rq)
{
	const struct xsplit_blk_req *r = &rq->req;
	struct xbb_stats *st = &ring->stats;
	u32 sectors = rq->bytes >> SECTOR_SHIFT;

	if (r->indirect)
		st->indirect_req++;
	switch (r->op) {
	case BLKIF_OP_READ:
		st->rd_req++;
		st->rd_sect += sectors;
		break;
	case BLKIF_OP_WRITE:
		st->wr_req++;
		st->wr_sect += sectors;
		break;
	case BLKIF_OP_WRITE_BARRIER:
		st->barrier_req++;
		st->wr_sect += sectors;
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		st->flush_req++;
		st->wr_sect += sectors;
		break;
	case BLKIF_OP_DISCARD:
		st->discard_req++;
		st->discard_sect += r->nr_sectors;
		break;
	}
}

/* Fill @op to move chunk @c of @rq between the guest and the bounce buffer. */
static void xbb_copy_op(struct gnttab_copy *op, const struct xbb_req *rq,
			const struct xsplit_blk_chunk *c, bool to_guest)
{
	struct page *bounce = rq->pages[c->buf_off / XEN_PAGE_SIZE];
	unsigned int boff = c->buf_off % XEN_PAGE_SIZE;
	grant_ref_t gref = rq->req.seg[c->seg].gref;
	domid_t dom = rq->ring->vbd->xdev->otherend_id;

	op->len = c->len;
	if (to_guest) {
		op->source.u.gmfn = xen_page_to_gfn(bounce);
		op->source.domid = DOMID_SELF;
		op->source.offset = boff;
		op->dest.u.ref = gref;
		op->dest.domid = dom;
		op->dest.offset = c->guest_off;
		op->flags = GNTCOPY_dest_gref;
	} else {
		op->source.u.ref = gref;
		op->source.domid = dom;
		op->source.offset = c->guest_off;
		op->dest.u.gmfn = xen_page_to_gfn(bounce);
		op->dest.domid = DOMID_SELF;
		op->dest.offset = boff;
		op->flags = GNTCOPY_source_gref;
	}
}

/*
 * Grant-copy the data of @rq between the guest and the bounce buffer:
 * in (guest to us) for writes, out for reads. Returns 0 or -EIO if any
 * piece failed, e.g. a grant the guest never made, made to someone else,
 * made read-only for a read, or took back.
 */
static int xbb_copy(struct xbb_req *rq, bool to_guest)
{
	struct xbb_ring *ring = rq->ring;
	struct xsplit_blk_chunk *chunks = ring->chunks;
	unsigned int i, n, nr_ops = 0;

	n = xsplit_blk_layout(&rq->req, chunks);
	for (i = 0; i < n; i++) {
		const struct xsplit_blk_chunk *c = &chunks[i];
		struct page *kept = xbb_pgnt_page(ring, rq->req.seg[c->seg].gref);

		if (kept) {
			void *g = page_address(kept) + c->guest_off;
			void *b = page_address(rq->pages[c->buf_off / XEN_PAGE_SIZE]) +
				  c->buf_off % XEN_PAGE_SIZE;

			if (to_guest)
				memcpy(g, b, c->len);
			else
				memcpy(b, g, c->len);
			ring->stats.persistent_hits++;
			continue;
		}
		ring->copy_chunk[nr_ops] = i;
		xbb_copy_op(&ring->copy[nr_ops++], rq, c, to_guest);
	}
	if (!nr_ops)
		return 0;
	gnttab_batch_copy(ring->copy, nr_ops);
	for (i = 0; i < nr_ops; i++) {
		const struct xsplit_blk_chunk *c = &chunks[ring->copy_chunk[i]];

		if (ring->copy[i].status != GNTST_okay) {
			xbb_log(ring->vbd, "request %llu: grant %u of segment %u cannot be copied %s (status %d)",
				rq->req.id, rq->req.seg[c->seg].gref, c->seg,
				to_guest ? "to" : "from", ring->copy[i].status);
			return -EIO;
		}
	}
	return 0;
}

/*
 * Room for the grant copies of a read made where its bio completes (any
 * context, so per CPU and with interrupts off while in use); a larger
 * read takes several hypercalls.
 */
#define XBB_COPY_BATCH	32
struct xbb_copy_batch {
	struct xsplit_blk_chunk chunk[XBB_COPY_BATCH];
	struct gnttab_copy op[XBB_COPY_BATCH];
};
static DEFINE_PER_CPU(struct xbb_copy_batch, xbb_copy_batch);

/*
 * Copy a read's data out to the guest from the bio's completion, so that
 * the answer need not wait for the ring thread to be scheduled. Only for
 * rings without persistent grants (every segment is grant-copied). false:
 * some piece did not copy (a bad grant, or Xen asking to try again); the
 * ring thread then does the whole copy once more its own way and reports.
 */
static bool xbb_copy_out_now(struct xbb_req *rq)
{
	struct xsplit_blk_cursor cur = { 0 };
	struct xbb_copy_batch *b;
	unsigned long flags;
	unsigned int i, n;
	bool ok = true;

	local_irq_save(flags);
	b = this_cpu_ptr(&xbb_copy_batch);
	while (ok && (n = xsplit_blk_layout_next(&rq->req, &cur, b->chunk,
						  XBB_COPY_BATCH))) {
		for (i = 0; i < n; i++)
			xbb_copy_op(&b->op[i], rq, &b->chunk[i], true);
		/*
		 * Not gnttab_batch_copy(), which may sleep to retry: here a
		 * retry is the thread's job.
		 */
		if (HYPERVISOR_grant_table_op(GNTTABOP_copy, b->op, n))
			ok = false;
		for (i = 0; ok && i < n; i++)
			ok = b->op[i].status == GNTST_okay;
	}
	local_irq_restore(flags);
	return ok;
}

/* Hand a finished request back to the ring thread; any context. */
static void xbb_queue_done(struct xbb_req *rq)
{
	struct xbb_ring *ring = rq->ring;
	unsigned long flags;

	/*
	 * Woken under the lock: once the thread has taken the request back
	 * it may free the ring, so nothing of the ring is touched after.
	 */
	spin_lock_irqsave(&ring->done_lock, flags);
	list_add_tail(&rq->node, rq->answered ? &ring->answered : &ring->done);
	if (!rq->answered || ring->want_slots)
		wake_up(&ring->wq);
	spin_unlock_irqrestore(&ring->done_lock, flags);
}

/*
 * A request that went well is answered here, without waiting for the ring
 * thread: the guest sees the answer one thread wake-up sooner. A read
 * through bounce pages is copied out to the guest first, where it can be.
 * The thread still takes the slot back (and only then can the ring go
 * away, so the answer is written while it is there).
 */
static void xbb_bio_end(struct bio *bio)
{
	struct xbb_req *rq = bio->bi_private;

	rq->bio_status = bio->bi_status;
	bio_put(bio);
	if (!rq->bio_status &&
	    (rq->direct || rq->req.op != BLKIF_OP_READ ||
	     (!rq->ring->persistent && xbb_copy_out_now(rq)))) {
		xbb_respond(rq->ring, rq->req.id, rq->req.op, BLKIF_RSP_OKAY);
		xbb_push_responses(rq->ring);
		rq->answered = true;
	}
	xbb_queue_done(rq);
}

static blk_opf_t xbb_bio_opf(u8 op)
{
	switch (op) {
	case BLKIF_OP_READ:
		return REQ_OP_READ;
	case BLKIF_OP_WRITE:
		/*
		 * The guest waits for this answer: foreground I/O, not
		 * writeback for dom0's write throttling to hold back.
		 */
		return REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
	default:
		/*
		 * Flush and barrier: what was written before is stable
		 * before this data is, and this data is stable when we
		 * answer. A barrier also waits for the ring to drain.
		 */
		return REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA;
	}
}

/* The bio of an accepted read, write, flush or barrier, still empty. */
static struct bio *xbb_bio(struct xbb_req *rq, unsigned int nr_vecs)
{
	struct bio *bio;

	bio = bio_alloc(rq->ring->vbd->bdev, nr_vecs, xbb_bio_opf(rq->req.op),
			GFP_NOIO);
	bio->bi_iter.bi_sector = rq->req.sector;
	bio->bi_private = rq;
	bio->bi_end_io = xbb_bio_end;
	return bio;
}

/* Data in the bounce buffer, packed from its first byte on. */
static void xbb_submit_rw(struct xbb_req *rq)
{
	u32 bytes = rq->bytes;
	unsigned int i, nr_pages = DIV_ROUND_UP(bytes, PAGE_SIZE);
	struct bio *bio = xbb_bio(rq, nr_pages);

	for (i = 0; i < nr_pages; i++) {
		u32 len = min_t(u32, bytes - i * PAGE_SIZE, PAGE_SIZE);

		/* Cannot fail: the bio was sized for every page. */
		bio_add_page(bio, rq->pages[i], len, 0);
	}
	/* No data: nothing for FUA to apply to. */
	if (!nr_pages)
		bio->bi_opf = REQ_OP_WRITE | REQ_PREFLUSH;
	submit_bio(bio);
}

/* Data straight in the guest's kept pages, one vector per segment. */
static void xbb_submit_direct(struct xbb_req *rq)
{
	const struct xsplit_blk_req *r = &rq->req;
	struct bio *bio = xbb_bio(rq, r->nr_segments);
	unsigned int i;

	for (i = 0; i < r->nr_segments; i++) {
		const struct xsplit_blk_seg *seg = &r->seg[i];

		bio_add_page(bio, rq->pages[i],
			     (seg->last_sect - seg->first_sect + 1) << SECTOR_SHIFT,
			     seg->first_sect << SECTOR_SHIFT);
	}
	submit_bio(bio);
}

static void xbb_submit_discard(struct xbb_req *rq)
{
	struct block_device *bdev = rq->ring->vbd->bdev;
	struct bio *bio = NULL;
	int ret;

	if ((rq->req.discard_flag & BLKIF_DISCARD_SECURE) &&
	    rq->ring->lim.secure_discard) {
		/*
		 * The kernel offers secure erase only as a call that waits:
		 * the ring waits with it. Only devices that can erase
		 * securely (discard-secure offered) get here, and rarely.
		 */
		ret = blkdev_issue_secure_erase(bdev, rq->req.sector,
						rq->req.nr_sectors, GFP_NOIO);
		rq->bio_status = errno_to_blk_status(ret);
		xbb_queue_done(rq);
		return;
	}
	ret = __blkdev_issue_discard(bdev, rq->req.sector, rq->req.nr_sectors,
				     GFP_NOIO, &bio);
	if (ret || !bio) {
		/* Nothing in flight: the device took no part of it. */
		rq->bio_status = ret ? errno_to_blk_status(ret) : BLK_STS_OK;
		xbb_queue_done(rq);
		return;
	}
	bio->bi_private = rq;
	bio->bi_end_io = xbb_bio_end;
	submit_bio(bio);
}

/* Bounce pages of a request, from the pool or freshly allocated. */
static int xbb_get_pages(struct xbb_ring *ring, struct xbb_req *rq,
			 unsigned int n)
{
	struct page *page;

	while (rq->nr_pages < n) {
		page = list_first_entry_or_null(&ring->pool, struct page, lru);
		if (page) {
			list_del(&page->lru);
			ring->pool_len--;
		} else {
			/* Under memory pressure the request waits (stalled). */
			page = alloc_page(GFP_NOIO | __GFP_NOWARN);
			if (!page)
				return -ENOMEM;
		}
		rq->pages[rq->nr_pages++] = page;
	}
	return 0;
}

static void xbb_put_pages(struct xbb_ring *ring, struct xbb_req *rq)
{
	while (rq->nr_pages) {
		struct page *page = rq->pages[--rq->nr_pages];

		if (ring->pool_len < xbb_max_buffer_pages) {
			list_add(&page->lru, &ring->pool);
			ring->pool_len++;
		} else {
			__free_page(page);
		}
	}
}

static void xbb_put_slot(struct xbb_ring *ring, struct xbb_req *rq)
{
	xbb_put_pages(ring, rq);
	list_add(&rq->node, &ring->free);
	ring->inflight--;
}

/*
 * Can the bio use the guest's pages themselves? Only where every segment
 * is a kept mapping: the ring unmaps those only after its last bio is
 * back, so the device never writes to a page that is no longer the
 * guest's. Each segment must also be whole logical blocks, which the
 * bounce buffer would otherwise repack. Grants kept on the way stay
 * kept even when the answer is no.
 */
static bool xbb_take_direct(struct xbb_req *rq)
{
	struct xbb_ring *ring = rq->ring;
	const struct xsplit_blk_req *r = &rq->req;
	u32 mask = ring->lim.sector_size - 1;
	unsigned int i;

	if (!xbb_zero_copy || !ring->persistent || !rq->bytes ||
	    r->nr_segments > ARRAY_SIZE(rq->pages))
		return false;
	for (i = 0; i < r->nr_segments; i++) {
		const struct xsplit_blk_seg *seg = &r->seg[i];

		if ((seg->first_sect << SECTOR_SHIFT) & mask ||
		    ((seg->last_sect + 1) << SECTOR_SHIFT) & mask)
			return false;
		rq->pages[i] = xbb_pgnt_page(ring, seg->gref);
		if (!rq->pages[i])
			return false;
	}
	ring->stats.persistent_hits += r->nr_segments;
	ring->stats.zero_copy_req++;
	rq->direct = true;
	return true;
}

/*
 * The data phase of an accepted request; the answer comes from the bio.
 * -ENOMEM: no bounce pages now, nothing done; the caller retries later.
 */
static int xbb_start(struct xbb_req *rq)
{
	struct xbb_ring *ring = rq->ring;
	u32 bytes = rq->bytes;

	if (rq->req.op == BLKIF_OP_DISCARD) {
		xbb_submit_discard(rq);
		return 0;
	}
	if (xbb_take_direct(rq)) {
		xbb_submit_direct(rq);
		return 0;
	}
	if (xbb_get_pages(ring, rq, DIV_ROUND_UP(bytes, PAGE_SIZE)))
		return -ENOMEM;
	if (rq->req.op != BLKIF_OP_READ && bytes && xbb_copy(rq, false)) {
		ring->stats.io_errors++;
		xbb_respond(ring, rq->req.id, rq->req.op, BLKIF_RSP_ERROR);
		xbb_put_slot(ring, rq);
		return 0;
	}
	xbb_submit_rw(rq);
	return 0;
}

/*
 * Take @rq's share of the vbd's I/O limit, once. A request over the
 * limit waits, and so does everything behind it on this ring: the guest
 * sees a slower disk, not errors.
 */
static bool xbb_admit(struct xbb_ring *ring, struct xbb_req *rq)
{
	long wait;

	if (rq->admitted)
		return true;
	wait = xbb_limit_admit(ring->vbd, rq->bytes);
	if (wait) {
		ring->stall_until = jiffies + wait;
		return false;
	}
	rq->admitted = true;
	return true;
}

/* Start @rq, or park it until the limit allows or pages come back. */
static void xbb_start_or_stall(struct xbb_ring *ring, struct xbb_req *rq)
{
	if (!xbb_admit(ring, rq)) {
		ring->stats.throttled++;
		ring->stalled = rq;
		return;
	}
	if (!xbb_start(rq))
		return;
	ring->stats.oo_req++;
	ring->stall_until = jiffies;
	ring->stalled = rq;
}

/* A request whose bio (or refusal to start) came back: answer it. */
static void xbb_finish(struct xbb_req *rq)
{
	struct xbb_ring *ring = rq->ring;
	struct xbb_vbd *vbd = ring->vbd;
	int status = BLKIF_RSP_OKAY;

	if (rq->answered) {
		xbb_put_slot(ring, rq);
		return;
	}
	if (rq->bio_status) {
		xbb_log(vbd, "request %llu (op %u, sector %llu): I/O error %d",
			rq->req.id, rq->req.op, rq->req.sector,
			blk_status_to_errno(rq->bio_status));
		ring->stats.io_errors++;
		/* The device cannot do it after all: say so, not "failed". */
		status = rq->bio_status == BLK_STS_NOTSUPP ?
			 BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
	} else if (rq->req.op == BLKIF_OP_READ && !rq->direct &&
		   xbb_copy(rq, true)) {
		ring->stats.io_errors++;
		status = BLKIF_RSP_ERROR;
	}
	xbb_respond(ring, rq->req.id, rq->req.op, status);
	xbb_put_slot(ring, rq);
}

static unsigned int xbb_reap(struct xbb_ring *ring)
{
	struct xbb_req *rq, *next;
	unsigned int n = 0;
	LIST_HEAD(done);

	spin_lock_irq(&ring->done_lock);
	list_splice_init(&ring->answered, &done);
	list_splice_tail_init(&ring->done, &done);
	spin_unlock_irq(&ring->done_lock);
	list_for_each_entry_safe(rq, next, &done, node) {
		list_del(&rq->node);
		xbb_finish(rq);
		n++;
	}
	return n;
}

/*
 * Copy the segments of an indirect request out of the guest's indirect
 * page into our own, and from there into the request: the guest can
 * rewrite its page at any time, our copy it cannot.
 */
static int xbb_fetch_indirect(struct xbb_ring *ring, struct xbb_req *rq)
{
	struct xsplit_blk_req *r = &rq->req;
	struct gnttab_copy *op = &ring->copy[0];
	const struct blkif_request_segment *segs;
	unsigned int i;

	/* One page holds every segment we accept. */
	BUILD_BUG_ON(XSPLIT_BLK_MAX_INDIRECT_SEGS >
		     XSPLIT_BLK_SEGS_PER_INDIRECT_PAGE);
	BUILD_BUG_ON(sizeof(*segs) * XSPLIT_BLK_SEGS_PER_INDIRECT_PAGE !=
		     XSPLIT_BLK_PAGE_SIZE);

	op->source.u.ref = r->indirect_gref[0];
	op->source.domid = ring->vbd->xdev->otherend_id;
	op->source.offset = 0;
	op->dest.u.gmfn = xen_page_to_gfn(ring->ind_page);
	op->dest.domid = DOMID_SELF;
	op->dest.offset = 0;
	op->len = r->nr_segments * sizeof(*segs);
	op->flags = GNTCOPY_source_gref;
	gnttab_batch_copy(op, 1);
	if (op->status != GNTST_okay) {
		xbb_log(ring->vbd, "request %llu: indirect page (grant %u) cannot be copied (status %d)",
			r->id, r->indirect_gref[0], op->status);
		return -EIO;
	}

	segs = page_address(ring->ind_page);
	for (i = 0; i < r->nr_segments; i++) {
		r->seg[i].gref = segs[i].gref;
		r->seg[i].first_sect = segs[i].first_sect;
		r->seg[i].last_sect = segs[i].last_sect;
	}
	r->op = r->indirect_op;
	r->indirect = true;
	return 0;
}

/* Judge the request in @rq (copied off the ring) and start or refuse it. */
static void xbb_dispatch(struct xbb_ring *ring, struct xbb_req *rq)
{
	struct xbb_vbd *vbd = ring->vbd;
	struct xsplit_blk_req *r = &rq->req;
	const char *why = "";
	int err;

	err = xsplit_blk_check(r, &ring->lim, &why);
	if (!err && r->op == BLKIF_OP_INDIRECT) {
		err = xbb_fetch_indirect(ring, rq);
		if (err)
			why = "indirect page not readable";
		else
			err = xsplit_blk_check(r, &ring->lim, &why);
	}
	if (err) {
		ring->stats.bad_req++;
		xbb_log(vbd, "request %llu (op %u, %u segments, sector %llu) refused: %s",
			r->id, r->op, r->nr_segments, r->sector, why);
		/*
		 * blkfront matches the answer to an indirect request by the
		 * operation it wraps, as for the in-tree backend; where we
		 * never offered indirect requests, we answer what was sent.
		 */
		if (r->op == BLKIF_OP_INDIRECT && ring->lim.max_indirect_segs)
			r->op = r->indirect_op;
		xbb_respond(ring, r->id, r->op, xsplit_blk_rsp_status(err));
		xbb_put_slot(ring, rq);
		return;
	}
	/* Summed once here; the data path and the counters use it. */
	rq->bytes = xsplit_blk_data_sectors(r) << SECTOR_SHIFT;
	xbb_count(ring, rq);

	if (r->op == BLKIF_OP_WRITE_BARRIER) {
		/* Everything taken before it completes first; nothing after. */
		ring->fence = true;
		ring->held = rq;
		return;
	}
	xbb_start_or_stall(ring, rq);
}

/*
 * The frontend broke the ring protocol beyond answering: stop serving
 * the ring. Requests already started still finish and are answered.
 */
static void xbb_ring_break(struct xbb_ring *ring, const char *why)
{
	struct xbb_vbd *vbd = ring->vbd;

	ring->broken = true;
	dev_err(&vbd->xdev->dev, "domain %d: %s; ring disconnected\n",
		vbd->xdev->otherend_id, why);
	xenbus_dev_fatal(vbd->xdev, -EPROTO, "%s", why);
}

/* Take what the frontend produced, as far as slots allow. */
static bool xbb_consume(struct xbb_ring *ring)
{
	struct blkif_back_ring *back = &ring->back;
	struct blkif_request wire;
	struct xbb_req *rq;
	bool took = false;
	u32 pending;
	RING_IDX rp;
	int more;

	do {
		rp = READ_ONCE(back->sring->req_prod);
		/* Slots are read only after the index that covers them. */
		virt_rmb();
		/*
		 * Measured from our responses, not our consumer index: the
		 * frontend may have at most one ring's worth unanswered.
		 * Completions add answers meanwhile; any answer the frontend
		 * saw before producing rp is seen here (read after rp).
		 */
		if (xsplit_ring_pending(rp, READ_ONCE(back->rsp_prod_pvt),
					ring->size, &pending) ||
		    rp - back->req_cons > pending) {
			xbb_ring_break(ring, "request producer index out of range");
			return took;
		}
		while (back->req_cons != rp && !ring->fence && !ring->stalled) {
			/*
			 * Answered from its bio's completion, a request's
			 * slot comes back a moment later: it wakes us then.
			 */
			if (list_empty(&ring->free))
				return took;
			xbb_copy_request(ring, back->req_cons, &wire);
			back->req_cons++;
			rq = list_first_entry(&ring->free, struct xbb_req, node);
			list_del(&rq->node);
			ring->inflight++;
			rq->bio_status = BLK_STS_OK;
			rq->admitted = false;
			rq->direct = false;
			rq->answered = false;
			xbb_parse(&rq->req, &wire);
			xbb_dispatch(ring, rq);
			took = true;
		}
		if (ring->fence || ring->stalled)
			return took;
		RING_FINAL_CHECK_FOR_REQUESTS(back, more);
	} while (more);
	return took;
}

/* A barrier waits for everything before it, then runs alone. */
static void xbb_fence_step(struct xbb_ring *ring)
{
	if (!ring->fence)
		return;
	if (ring->held && ring->inflight == 1) {
		struct xbb_req *rq = ring->held;

		ring->held = NULL;
		xbb_start_or_stall(ring, rq);
	}
	if (!ring->held && !ring->inflight)
		ring->fence = false;
}

static void xbb_retry_stalled(struct xbb_ring *ring)
{
	struct xbb_req *rq = ring->stalled;

	if (!rq || time_before(jiffies, ring->stall_until))
		return;
	if (xbb_admit(ring, rq) && !xbb_start(rq))
		ring->stalled = NULL;
}

/* How long the thread may sleep with nothing to do. */
static long xbb_idle_timeout(struct xbb_ring *ring)
{
	if (!ring->stalled)
		return XBB_RESIZE_POLL;
	if (time_before(jiffies, ring->stall_until))
		return ring->stall_until - jiffies;
	return XBB_STALL_POLL;
}

/* Whether answered requests must wake us: see xbb_ring.want_slots. */
static void xbb_want_slots(struct xbb_ring *ring, bool want)
{
	spin_lock_irq(&ring->done_lock);
	ring->want_slots = want;
	spin_unlock_irq(&ring->done_lock);
}

static bool xbb_has_work(struct xbb_ring *ring)
{
	bool done;

	if (test_bit(XBB_KICKED, &ring->flags))
		return true;
	spin_lock_irq(&ring->done_lock);
	done = !list_empty(&ring->done) ||
	       (ring->want_slots && !list_empty(&ring->answered));
	spin_unlock_irq(&ring->done_lock);
	return done;
}

/*
 * The backing device grew or shrank (a resized loop file or LV): tell the
 * frontend, and judge requests by the new size from now on.
 */
static void xbb_check_resize(struct xbb_ring *ring)
{
	struct xbb_vbd *vbd = ring->vbd;
	u64 now = bdev_nr_sectors(vbd->bdev);

	if (now == ring->lim.sectors)
		return;
	/* Every ring judges by the new size; the first one tells. */
	if (!ring->index) {
		dev_info(&vbd->xdev->dev, "disk %pg resized from %llu to %llu sectors; telling domain %d\n",
			 vbd->bdev, ring->lim.sectors, now,
			 vbd->xdev->otherend_id);
		xbb_announce_size(vbd, now);
	}
	ring->lim.sectors = now;
}

static int xbb_ring_thread(void *arg)
{
	struct xbb_ring *ring = arg;

	while (!kthread_should_stop()) {
		bool kicked, took = false;

		xbb_want_slots(ring, list_empty(&ring->free) || ring->fence ||
				     ring->stalled);
		/* An idle ring still looks at the disk's size now and then. */
		wait_event_interruptible_timeout(ring->wq, xbb_has_work(ring) ||
						 kthread_should_stop(),
						 xbb_idle_timeout(ring));
		xbb_check_resize(ring);
		kicked = test_and_clear_bit(XBB_KICKED, &ring->flags);
		do {
			xbb_reap(ring);
			xbb_retry_stalled(ring);
			xbb_fence_step(ring);
			if (!ring->broken && !ring->fence && !ring->stalled)
				took |= xbb_consume(ring);
			xbb_fence_step(ring);
		} while (xbb_has_work(ring) &&
			 !test_bit(XBB_KICKED, &ring->flags) &&
			 !kthread_should_stop());
		xbb_push_responses(ring);
		if (test_and_clear_bit(XBB_EOI_DUE, &ring->flags))
			xen_irq_lateeoi(ring->chan.irq,
					kicked && !took ? XEN_EOI_FLAG_SPURIOUS : 0);
	}

	/* Stopped: every started request still gets its bio back. */
	xbb_want_slots(ring, true);
	for (;;) {
		if (ring->stalled) {
			xbb_respond(ring, ring->stalled->req.id,
				    ring->stalled->req.op, BLKIF_RSP_ERROR);
			xbb_put_slot(ring, ring->stalled);
			ring->stalled = NULL;
		}
		if (ring->held && ring->inflight == 1) {
			/* A barrier never started: refuse it, do not start it. */
			xbb_respond(ring, ring->held->req.id, ring->held->req.op,
				    BLKIF_RSP_ERROR);
			xbb_put_slot(ring, ring->held);
			ring->held = NULL;
		}
		if (!ring->inflight)
			break;
		wait_event(ring->wq, xbb_has_work(ring));
		clear_bit(XBB_KICKED, &ring->flags);
		if (test_and_clear_bit(XBB_EOI_DUE, &ring->flags))
			xen_irq_lateeoi(ring->chan.irq, XEN_EOI_FLAG_SPURIOUS);
		xbb_reap(ring);
	}
	xbb_push_responses(ring);
	return 0;
}

static irqreturn_t xbb_event(int irq, void *dev_id)
{
	struct xbb_ring *ring = dev_id;

	ring->stats.events++;
	set_bit(XBB_EOI_DUE, &ring->flags);
	set_bit(XBB_KICKED, &ring->flags);
	wake_up(&ring->wq);
	return IRQ_HANDLED;
}

static void xbb_ring_free(struct xbb_ring *ring)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &ring->pool, lru)
		__free_page(page);
	if (ring->ind_page)
		__free_page(ring->ind_page);
	xbb_pgnt_unmap_all(ring);
	kvfree(ring->copy_chunk);
	kvfree(ring->copy);
	kvfree(ring->chunks);
	kvfree(ring->slots);
	kfree(ring);
}

/* Bounce pages come later, from the pool, as requests need them. */
static int xbb_ring_alloc(struct xbb_ring *ring)
{
	unsigned int i;

	ring->slots = kvcalloc(ring->size, sizeof(*ring->slots), GFP_KERNEL);
	ring->chunks = kvcalloc(XSPLIT_BLK_MAX_CHUNKS, sizeof(*ring->chunks),
				GFP_KERNEL);
	ring->copy = kvcalloc(XSPLIT_BLK_MAX_CHUNKS, sizeof(*ring->copy),
			      GFP_KERNEL);
	ring->copy_chunk = kvcalloc(XSPLIT_BLK_MAX_CHUNKS,
				    sizeof(*ring->copy_chunk), GFP_KERNEL);
	ring->ind_page = alloc_page(GFP_KERNEL);
	if (!ring->slots || !ring->chunks || !ring->copy ||
	    !ring->copy_chunk || !ring->ind_page)
		return -ENOMEM;
	for (i = 0; i < ring->size; i++) {
		ring->slots[i].ring = ring;
		list_add_tail(&ring->slots[i].node, &ring->free);
	}
	return 0;
}

struct xbb_ring *xbb_ring_connect(struct xbb_vbd *vbd, unsigned int index,
				  const grant_ref_t *refs,
				  unsigned int nr_refs, evtchn_port_t port,
				  bool persistent, bool abi32)
{
	struct xbb_ring *ring;
	int ret;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	ring->vbd = vbd;
	ring->persistent = persistent;
	ring->pgnts = RB_ROOT;
	ring->index = index;
	ring->lim = vbd->lim;
	ring->abi32 = abi32;
	ring->size = abi32 ?
		     __CONST_RING_SIZE(blkif_x86_32, XEN_PAGE_SIZE * nr_refs) :
		     __CONST_RING_SIZE(blkif, XEN_PAGE_SIZE * nr_refs);
	init_waitqueue_head(&ring->wq);
	spin_lock_init(&ring->done_lock);
	spin_lock_init(&ring->rsp_lock);
	INIT_LIST_HEAD(&ring->done);
	INIT_LIST_HEAD(&ring->answered);
	INIT_LIST_HEAD(&ring->free);
	INIT_LIST_HEAD(&ring->pool);
	ret = xbb_ring_alloc(ring);
	if (ret)
		goto fail;

	ret = xsplit_be_chan_connect(vbd->xdev, &ring->chan, refs, nr_refs,
				     port, xbb_event, "xsplit-blkback", ring);
	if (ret)
		goto fail;
	/*
	 * The indices and the header are the same in both layouts; only the
	 * slots differ (xbb_slot()), and so does their number.
	 */
	BACK_RING_INIT(&ring->back, (struct blkif_sring *)ring->chan.ring,
		       XEN_PAGE_SIZE * nr_refs);
	ring->back.nr_ents = ring->size;

	ring->task = kthread_run(xbb_ring_thread, ring, "xsblk-%d-%s-%u",
				 vbd->xdev->otherend_id,
				 strrchr(vbd->xdev->nodename, '/') + 1, index);
	if (IS_ERR(ring->task)) {
		ret = PTR_ERR(ring->task);
		xsplit_be_chan_disconnect(vbd->xdev, &ring->chan, ring);
		goto fail;
	}
	/* Requests the frontend queued before binding raised no event. */
	set_bit(XBB_KICKED, &ring->flags);
	wake_up(&ring->wq);
	return ring;

fail:
	xbb_ring_free(ring);
	return ERR_PTR(ret);
}

static void xbb_stats_add(struct xbb_stats *to, const struct xbb_stats *from)
{
	const u64 *f = (const u64 *)from;
	u64 *t = (u64 *)to;
	unsigned int i;

	BUILD_BUG_ON(sizeof(*to) % sizeof(u64));
	for (i = 0; i < sizeof(*to) / sizeof(u64); i++)
		t[i] += f[i];
}

/* Stop @ring, answer what it started, unmap it; its counts stay. */
void xbb_ring_disconnect(struct xbb_vbd *vbd, struct xbb_ring *ring)
{
	/* Returns once every bio is back and answered. */
	kthread_stop(ring->task);
	xsplit_be_chan_disconnect(vbd->xdev, &ring->chan, ring);
	xbb_stats_add(&vbd->stats, &ring->stats);
	xbb_ring_free(ring);
}
