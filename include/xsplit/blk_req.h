/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XSPLIT_BLK_REQ_H
#define XSPLIT_BLK_REQ_H

#include <xsplit/plain.h>
#include <xsplit/blkif.h>

/*
 * blkif addresses data in 512-byte sectors within 4 KiB grant pages,
 * whatever the page size or logical block size of either domain.
 */
#define XSPLIT_BLK_SECTOR_SHIFT	9
#define XSPLIT_BLK_PAGE_SIZE	4096u
#define XSPLIT_BLK_SECTORS_PER_PAGE \
	(XSPLIT_BLK_PAGE_SIZE >> XSPLIT_BLK_SECTOR_SHIFT)
/* Segments a request carries in its ring slot. */
#define XSPLIT_BLK_MAX_SEGS	BLKIF_MAX_SEGMENTS_PER_REQUEST
/*
 * Most segments an indirect request may have with us: what one bio of 4 KiB
 * pages holds (BIO_MAX_VECS), 1 MiB. The backend advertises at most this.
 */
#define XSPLIT_BLK_MAX_INDIRECT_SEGS	256
/* An indirect page is an array of struct blkif_request_segment (8 bytes). */
#define XSPLIT_BLK_SEGS_PER_INDIRECT_PAGE	(XSPLIT_BLK_PAGE_SIZE / 8)
/* A segment splits at most once when laid out in a linear buffer. */
#define XSPLIT_BLK_MAX_CHUNKS	(2 * XSPLIT_BLK_MAX_INDIRECT_SEGS)

struct xsplit_blk_seg {
	u32 gref;
	u8 first_sect;		/* inclusive, within the 4 KiB page */
	u8 last_sect;		/* inclusive */
};

/*
 * The backend's private copy of one ring request. The frontend can rewrite
 * its ring slot at any time, so the backend copies the slot once, fills
 * this from the copy and from then on uses nothing else. Fields not used
 * by @op are zero.
 */
struct xsplit_blk_req {
	u8 op;			/* BLKIF_OP_* as sent, unchecked */
	u8 indirect_op;		/* BLKIF_OP_INDIRECT only: what it wraps */
	u8 discard_flag;	/* BLKIF_DISCARD_*, discard only */
	/*
	 * The segments came from the indirect pages of an accepted
	 * BLKIF_OP_INDIRECT, now op is its indirect_op: up to
	 * max_indirect_segs of them are allowed instead of
	 * XSPLIT_BLK_MAX_SEGS.
	 */
	bool indirect;
	u16 nr_segments;	/* as sent, may exceed what seg[] holds */
	u64 id;			/* echoed in the response, never judged */
	u64 sector;		/* first 512-byte sector */
	u64 nr_sectors;		/* discard only */
	/* BLKIF_OP_INDIRECT only: the pages holding the segments. */
	u32 indirect_gref[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	/*
	 * The first min(nr_segments, XSPLIT_BLK_MAX_SEGS) are valid for a
	 * direct request, min(nr_segments, XSPLIT_BLK_MAX_INDIRECT_SEGS)
	 * for an indirect one once the backend has filled them in.
	 */
	struct xsplit_blk_seg seg[XSPLIT_BLK_MAX_INDIRECT_SEGS];
};

/* What the backend serves, as it told the frontend. */
struct xsplit_blk_vbd {
	u64 sectors;		/* size in 512-byte sectors ("sectors") */
	u32 sector_size;	/* logical block size in bytes, a power of 2 >= 512 */
	bool readonly;
	bool flush;		/* feature-flush-cache advertised */
	bool barrier;		/* feature-barrier advertised */
	bool discard;		/* feature-discard advertised */
	bool secure_discard;	/* discard-secure advertised */
	/* feature-max-indirect-segments; 0: not advertised */
	u16 max_indirect_segs;
};

/*
 * Judge @req against @vbd. Returns 0 if the backend may carry it out, else
 * a negative errno and, in *@why, a short phrase for the log. The first
 * failed rule wins:
 *
 * - -EOPNOTSUPP: an operation other than read, write, write barrier,
 *   flush-cache, discard and indirect, or barrier, flush, discard or
 *   indirect when that feature was not advertised.
 * - -EROFS: write, barrier, flush with data, or discard on a read-only vbd.
 *   A flush without data is harmless and allowed.
 * - -EINVAL: read or write with no segment; more than
 *   XSPLIT_BLK_MAX_SEGS segments (indirect: more than max_indirect_segs,
 *   capped at XSPLIT_BLK_MAX_INDIRECT_SEGS; and indirect set on anything
 *   but a read or a write); a segment with first_sect > last_sect
 *   or last_sect beyond its page; a discard of no sectors.
 * - -ERANGE: sectors past the end of the vbd (without overflowing).
 * - -EINVAL: a start sector or length that is not a whole number of
 *   logical blocks (the block layer rejects such I/O later, and a request
 *   the backend accepted should not fail for a reason it could see).
 *
 * A discard with BLKIF_DISCARD_SECURE on a vbd without secure discard is
 * an ordinary discard, as blkif.h says; a flush or barrier without data
 * ignores its sector. The id is never judged.
 */
int xsplit_blk_check(const struct xsplit_blk_req *req,
		     const struct xsplit_blk_vbd *vbd, const char **why);

/*
 * For BLKIF_OP_INDIRECT the check above judges the header only, since the
 * segments are still in the guest's indirect pages: indirect advertised
 * (else -EOPNOTSUPP), indirect_op read or write (else -EINVAL), no write
 * on a read-only vbd (else -EROFS), 1 to max_indirect_segs segments
 * (capped at XSPLIT_BLK_MAX_INDIRECT_SEGS; else -EINVAL). On 0 the
 * backend copies xsplit_blk_indirect_pages() pages of segments in, sets op
 * to indirect_op and indirect, and checks the request again in full.
 */
unsigned int xsplit_blk_indirect_pages(u16 nr_segments);

/* The BLKIF_RSP_* status a request refused with @err gets. */
int xsplit_blk_rsp_status(int err);

/* Sectors the segments of an accepted read/write request carry. */
u32 xsplit_blk_data_sectors(const struct xsplit_blk_req *req);

/*
 * One piece of a segment copied between the guest's granted page and the
 * backend's linear buffer: a grant copy may not cross a 4 KiB boundary on
 * either side.
 */
struct xsplit_blk_chunk {
	u16 seg;		/* index into req->seg[] */
	u16 guest_off;		/* byte offset in the granted page */
	u32 buf_off;		/* byte offset in the backend's buffer */
	u16 len;		/* bytes, 512..4096 */
};

/*
 * Lay the segments of an accepted read/write request end to end in a
 * linear buffer (segment i right after segment i-1, as the sectors follow
 * on disk), split where a page boundary of the buffer falls inside a
 * segment. Fills @out, which has room for XSPLIT_BLK_MAX_CHUNKS, and
 * returns the number of chunks; 0 for a request with no segments.
 */
unsigned int xsplit_blk_layout(const struct xsplit_blk_req *req,
			       struct xsplit_blk_chunk *out);

/* Where the layout of a request has got to: start from all zeros. */
struct xsplit_blk_cursor {
	u16 seg;		/* the segment next laid out */
	u16 done;		/* bytes of it already laid out */
	u32 buf_off;		/* where they end in the buffer */
};

/*
 * The same layout a piece at a time: the next chunks from @cur on, at
 * most @max of them, into @out; @cur moves past them. Returns how many,
 * 0 once the whole request is laid out. Chunks come out as
 * xsplit_blk_layout() gives them, however @max cuts them.
 */
unsigned int xsplit_blk_layout_next(const struct xsplit_blk_req *req,
				    struct xsplit_blk_cursor *cur,
				    struct xsplit_blk_chunk *out,
				    unsigned int max);

#endif /* XSPLIT_BLK_REQ_H */
