// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h.
 *
 * Everything here works on the backend's private copy of a request (struct
 * xsplit_blk_req), so each field is read as often as convenient: the
 * frontend can no longer change it.
 */

#include <xsplit/blk_req.h>

static bool blk_op_writes(u8 op)
{
	return op == BLKIF_OP_WRITE || op == BLKIF_OP_WRITE_BARRIER ||
	       op == BLKIF_OP_FLUSH_DISKCACHE;
}

/* -EOPNOTSUPP for an operation this vbd does not offer, else 0. */
static int blk_check_op(const struct xsplit_blk_req *req,
			const struct xsplit_blk_vbd *vbd, const char **why)
{
	bool offered;

	switch (req->op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		return 0;
	case BLKIF_OP_WRITE_BARRIER:
		*why = "write barrier not advertised";
		offered = vbd->barrier;
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		*why = "flush not advertised";
		offered = vbd->flush;
		break;
	case BLKIF_OP_DISCARD:
		*why = "discard not advertised";
		offered = vbd->discard;
		break;
	case BLKIF_OP_INDIRECT:
		*why = "indirect segments not advertised";
		offered = vbd->max_indirect_segs;
		break;
	default:
		*why = "unknown operation";
		offered = false;
		break;
	}
	if (!offered)
		return -EOPNOTSUPP;
	*why = "";
	return 0;
}

/* [sector, sector + count) must lie on whole logical blocks of the vbd. */
static int blk_check_extent(u64 sector, u64 count,
			    const struct xsplit_blk_vbd *vbd, const char **why)
{
	u64 block = vbd->sector_size >> XSPLIT_BLK_SECTOR_SHIFT;

	if (sector > vbd->sectors || count > vbd->sectors - sector) {
		*why = "beyond the end of the disk";
		return -ERANGE;
	}
	/* sector_size is a power of two of at least one sector. */
	if (!block || (sector | count) & (block - 1)) {
		*why = "not aligned to the logical block size";
		return -EINVAL;
	}
	return 0;
}

static unsigned int blk_max_indirect(const struct xsplit_blk_vbd *vbd)
{
	return vbd->max_indirect_segs < XSPLIT_BLK_MAX_INDIRECT_SEGS ?
	       vbd->max_indirect_segs : XSPLIT_BLK_MAX_INDIRECT_SEGS;
}

static int blk_check_segments(const struct xsplit_blk_req *req,
			      const struct xsplit_blk_vbd *vbd,
			      const char **why)
{
	unsigned int i, max = XSPLIT_BLK_MAX_SEGS;

	if (req->indirect) {
		if (req->op != BLKIF_OP_READ && req->op != BLKIF_OP_WRITE) {
			*why = "indirect operation neither read nor write";
			return -EINVAL;
		}
		max = blk_max_indirect(vbd);
	}
	if (req->nr_segments > max) {
		*why = "too many segments";
		return -EINVAL;
	}
	if (!req->nr_segments &&
	    (req->op == BLKIF_OP_READ || req->op == BLKIF_OP_WRITE)) {
		*why = "no segments";
		return -EINVAL;
	}
	for (i = 0; i < req->nr_segments; i++) {
		const struct xsplit_blk_seg *seg = &req->seg[i];

		if (seg->first_sect > seg->last_sect ||
		    seg->last_sect >= XSPLIT_BLK_SECTORS_PER_PAGE) {
			*why = "segment sectors outside their page";
			return -EINVAL;
		}
	}
	return 0;
}

/* The header of an indirect request; its segments are judged later. */
static int blk_check_indirect(const struct xsplit_blk_req *req,
			      const struct xsplit_blk_vbd *vbd,
			      const char **why)
{
	if (req->indirect_op != BLKIF_OP_READ &&
	    req->indirect_op != BLKIF_OP_WRITE) {
		*why = "indirect operation neither read nor write";
		return -EINVAL;
	}
	if (vbd->readonly && req->indirect_op == BLKIF_OP_WRITE) {
		*why = "write to a read-only disk";
		return -EROFS;
	}
	if (!req->nr_segments || req->nr_segments > blk_max_indirect(vbd)) {
		*why = req->nr_segments ? "too many segments" : "no segments";
		return -EINVAL;
	}
	return 0;
}

unsigned int xsplit_blk_indirect_pages(u16 nr_segments)
{
	return (nr_segments + XSPLIT_BLK_SEGS_PER_INDIRECT_PAGE - 1) /
	       XSPLIT_BLK_SEGS_PER_INDIRECT_PAGE;
}

int xsplit_blk_check(const struct xsplit_blk_req *req,
		     const struct xsplit_blk_vbd *vbd, const char **why)
{
	int ret;

	ret = blk_check_op(req, vbd, why);
	if (ret)
		return ret;

	if (req->op == BLKIF_OP_INDIRECT)
		return blk_check_indirect(req, vbd, why);

	if (req->op == BLKIF_OP_DISCARD) {
		if (vbd->readonly) {
			*why = "discard on a read-only disk";
			return -EROFS;
		}
		if (req->indirect) {
			*why = "indirect operation neither read nor write";
			return -EINVAL;
		}
		if (!req->nr_sectors) {
			*why = "discard of no sectors";
			return -EINVAL;
		}
		return blk_check_extent(req->sector, req->nr_sectors, vbd, why);
	}

	/* A flush with no data changes nothing a read-only guest could see. */
	if (vbd->readonly && blk_op_writes(req->op) &&
	    !(req->op == BLKIF_OP_FLUSH_DISKCACHE && !req->nr_segments)) {
		*why = "write to a read-only disk";
		return -EROFS;
	}
	ret = blk_check_segments(req, vbd, why);
	if (ret || !req->nr_segments)
		return ret;
	return blk_check_extent(req->sector, xsplit_blk_data_sectors(req),
				vbd, why);
}

int xsplit_blk_rsp_status(int err)
{
	if (!err)
		return BLKIF_RSP_OKAY;
	return err == -EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
}

u32 xsplit_blk_data_sectors(const struct xsplit_blk_req *req)
{
	unsigned int i, n = req->nr_segments;
	u32 sectors = 0;

	if (n > XSPLIT_BLK_MAX_INDIRECT_SEGS)
		n = XSPLIT_BLK_MAX_INDIRECT_SEGS;
	for (i = 0; i < n; i++)
		sectors += req->seg[i].last_sect - req->seg[i].first_sect + 1;
	return sectors;
}

unsigned int xsplit_blk_layout_next(const struct xsplit_blk_req *req,
				    struct xsplit_blk_cursor *cur,
				    struct xsplit_blk_chunk *out,
				    unsigned int max)
{
	unsigned int n = 0, nseg = req->nr_segments;

	if (nseg > XSPLIT_BLK_MAX_INDIRECT_SEGS)
		nseg = XSPLIT_BLK_MAX_INDIRECT_SEGS;
	while (n < max && cur->seg < nseg) {
		const struct xsplit_blk_seg *seg = &req->seg[cur->seg];
		u32 guest_off = ((u32)seg->first_sect << XSPLIT_BLK_SECTOR_SHIFT) +
				cur->done;
		u32 left = ((u32)(seg->last_sect - seg->first_sect + 1)
			    << XSPLIT_BLK_SECTOR_SHIFT) - cur->done;
		u32 room = XSPLIT_BLK_PAGE_SIZE -
			   cur->buf_off % XSPLIT_BLK_PAGE_SIZE;
		u32 len = left < room ? left : room;

		out[n].seg = cur->seg;
		out[n].guest_off = guest_off;
		out[n].buf_off = cur->buf_off;
		out[n].len = len;
		n++;
		cur->buf_off += len;
		cur->done += len;
		if (len == left) {
			cur->seg++;
			cur->done = 0;
		}
	}
	return n;
}

unsigned int xsplit_blk_layout(const struct xsplit_blk_req *req,
			       struct xsplit_blk_chunk *out)
{
	struct xsplit_blk_cursor cur = { 0 };

	return xsplit_blk_layout_next(req, &cur, out, XSPLIT_BLK_MAX_CHUNKS);
}
