// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry for the block request checker, built by `make fuzz`.
 * The input, zero-padded to its full length when short, is:
 *
 *   1 byte      op: bits 0-2 when bit 7 is clear (every defined op plus 4
 *               and 7), else the whole byte
 *   1 byte      bit 0 read-only, 1 feature-flush-cache, 2 feature-barrier,
 *               3 feature-discard, 4 discard-secure, 5 BLKIF_DISCARD_SECURE
 *               in the request, 6 sector counted back from the end of the
 *               vbd, 7 nr_segments taken as sent rather than modulo 13
 *               (or modulo 301, see below)
 *   1 byte      sector_size 512 << (byte % 8), so 512 to 65536
 *   8 bytes     vbd sectors, little-endian
 *   8 bytes     sector (or, with bit 6, the vbd's sectors minus this)
 *   8 bytes     nr_sectors (read by the checker for a discard only)
 *   2 bytes     nr_segments
 *   8 bytes     id
 *   2 bytes     max_indirect_segs, as advertised (so above 256 too)
 *   1 byte      indirect_op, encoded like op
 *   1 byte      bit 0 the request's indirect flag, bit 1 nr_segments
 *               modulo 301 rather than 13 (unless taken as sent)
 *   512 bytes   first_sect and last_sect of the 256 segments, as sent
 *
 * Fields the op does not use are left as the bytes say rather than zeroed:
 * the checker must not care. An accepted BLKIF_OP_INDIRECT is then turned
 * into what the backend makes of it (op set to indirect_op, indirect set,
 * the segments "copied in" from the input) and checked again in full.
 * Besides ASan and UBSan, this aborts if:
 * - the result is not 0, -EOPNOTSUPP, -EROFS, -EINVAL or -ERANGE, or a
 *   refusal leaves *why NULL or empty;
 * - the result differs from a model of the header's rules written here
 *   independently (128-bit arithmetic for the range, so it cannot wrap);
 * - a read-only vbd accepts a write, barrier, discard, flush with data or
 *   indirect write;
 * - an accepted read or write has other than 1..11 segments (indirect:
 *   1..min(max_indirect_segs, 256)), a segment with first > last or
 *   last > 7, or data past the end of the vbd or off its logical blocks;
 *   an accepted request other than a read or write has indirect set; an
 *   accepted discard has no sectors, leaves the vbd or is off its logical
 *   blocks; an accepted BLKIF_OP_INDIRECT was not advertised, wraps other
 *   than a read or write, or has a segment count outside those limits or
 *   needing more indirect pages than a request names;
 * - the layout of an accepted request with data has more than
 *   XSPLIT_BLK_MAX_CHUNKS chunks, a chunk crossing a 4 KiB page in the
 *   guest page or the buffer, buffer offsets that are not contiguous from
 *   0, segments out of order or not covered exactly, a segment split
 *   other than at a page boundary of the buffer, or a total other than
 *   data sectors * 512.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/blk_req.h>

#define IN_BYTES	(3 + 8 + 8 + 8 + 2 + 8 + 2 + 1 + 1 + \
			 2 * XSPLIT_BLK_MAX_INDIRECT_SEGS)

#define F_READONLY	0x01
#define F_FLUSH		0x02
#define F_BARRIER	0x04
#define F_DISCARD	0x08
#define F_SECURE	0x10
#define F_REQ_SECURE	0x20
#define F_FROM_END	0x40
#define F_RAW_NSEG	0x80

#define F2_INDIRECT	0x01
#define F2_WIDE_NSEG	0x02

/* More than the cap, so that both limits are crossed. */
#define WIDE_NSEG_MOD	301

static u64 get_le(const u8 *p, unsigned int n)
{
	u64 v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static u8 decode_op(u8 b)
{
	return b & 0x80 ? b : b & 7;
}

static void decode(const u8 *in, struct xsplit_blk_req *req,
		   struct xsplit_blk_vbd *vbd)
{
	u8 flags = in[1], flags2;
	unsigned int i, nseg;
	const u8 *p = in + 3;

	memset(req, 0, sizeof(*req));
	memset(vbd, 0, sizeof(*vbd));

	req->op = decode_op(in[0]);
	vbd->readonly = flags & F_READONLY;
	vbd->flush = flags & F_FLUSH;
	vbd->barrier = flags & F_BARRIER;
	vbd->discard = flags & F_DISCARD;
	vbd->secure_discard = flags & F_SECURE;
	req->discard_flag = flags & F_REQ_SECURE ? BLKIF_DISCARD_SECURE : 0;
	vbd->sector_size = 512u << (in[2] % 8);

	vbd->sectors = get_le(p, 8);
	p += 8;
	req->sector = get_le(p, 8);
	if (flags & F_FROM_END)
		req->sector = vbd->sectors - req->sector;
	p += 8;
	req->nr_sectors = get_le(p, 8);
	p += 8;
	nseg = (unsigned int)get_le(p, 2);
	p += 2;
	req->id = get_le(p, 8);
	p += 8;
	vbd->max_indirect_segs = (u16)get_le(p, 2);
	p += 2;
	req->indirect_op = decode_op(*p++);
	flags2 = *p++;
	req->indirect = flags2 & F2_INDIRECT;
	if (!(flags & F_RAW_NSEG))
		nseg %= flags2 & F2_WIDE_NSEG ? WIDE_NSEG_MOD : 13;
	req->nr_segments = (u16)nseg;
	for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		req->indirect_gref[i] = 900 + i;
	for (i = 0; i < XSPLIT_BLK_MAX_INDIRECT_SEGS; i++) {
		req->seg[i].gref = 8 + i;
		req->seg[i].first_sect = *p++;
		req->seg[i].last_sect = *p++;
	}
}

static bool has_data(const struct xsplit_blk_req *req)
{
	return req->nr_segments != 0;
}

/* [sector, sector + count) inside the vbd and on its logical blocks. */
static int model_extent(u64 sector, u64 count,
			const struct xsplit_blk_vbd *vbd)
{
	unsigned __int128 end = (unsigned __int128)sector + count;
	u64 per_block = vbd->sector_size / 512;

	if (end > vbd->sectors)
		return -ERANGE;
	if (sector % per_block || count % per_block)
		return -EINVAL;
	return 0;
}

/* min(max_indirect_segs, 256): what an indirect request may carry. */
static unsigned int model_max_indirect(const struct xsplit_blk_vbd *vbd)
{
	unsigned int max = vbd->max_indirect_segs;

	return max > 256 ? 256 : max;
}

/* Segments @req may carry. */
static unsigned int model_max_segs(const struct xsplit_blk_req *req,
				   const struct xsplit_blk_vbd *vbd)
{
	return req->indirect ? model_max_indirect(vbd) :
	       BLKIF_MAX_SEGMENTS_PER_REQUEST;
}

static bool is_rw(u8 op)
{
	return op == BLKIF_OP_READ || op == BLKIF_OP_WRITE;
}

/*
 * The header of a BLKIF_OP_INDIRECT, in the order its own paragraph
 * gives; the flag is not among its rules.
 */
static int model_indirect(const struct xsplit_blk_req *req,
			  const struct xsplit_blk_vbd *vbd)
{
	if (!is_rw(req->indirect_op))
		return -EINVAL;
	if (vbd->readonly && req->indirect_op == BLKIF_OP_WRITE)
		return -EROFS;
	if (req->nr_segments < 1 ||
	    req->nr_segments > model_max_indirect(vbd))
		return -EINVAL;
	return 0;
}

/* The header's rules, in its order, without looking at blk_req.c. */
static int model(const struct xsplit_blk_req *req,
		 const struct xsplit_blk_vbd *vbd)
{
	unsigned int i;
	u64 count = 0;

	switch (req->op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		break;
	case BLKIF_OP_WRITE_BARRIER:
		if (!vbd->barrier)
			return -EOPNOTSUPP;
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (!vbd->flush)
			return -EOPNOTSUPP;
		break;
	case BLKIF_OP_DISCARD:
		if (!vbd->discard)
			return -EOPNOTSUPP;
		break;
	case BLKIF_OP_INDIRECT:
		if (!vbd->max_indirect_segs)
			return -EOPNOTSUPP;
		return model_indirect(req, vbd);
	default:
		return -EOPNOTSUPP;
	}

	if (vbd->readonly) {
		switch (req->op) {
		case BLKIF_OP_WRITE:
		case BLKIF_OP_WRITE_BARRIER:
		case BLKIF_OP_DISCARD:
			return -EROFS;
		case BLKIF_OP_FLUSH_DISKCACHE:
			if (has_data(req))
				return -EROFS;
			break;
		}
	}

	/* All -EINVAL from here up to the range: their order is moot. */
	if (req->indirect && !is_rw(req->op))
		return -EINVAL;

	if (req->op == BLKIF_OP_DISCARD) {
		if (req->nr_sectors == 0)
			return -EINVAL;
		return model_extent(req->sector, req->nr_sectors, vbd);
	}

	if (!has_data(req) && is_rw(req->op))
		return -EINVAL;
	if (req->nr_segments > model_max_segs(req, vbd))
		return -EINVAL;
	for (i = 0; i < req->nr_segments; i++) {
		if (req->seg[i].last_sect < req->seg[i].first_sect ||
		    req->seg[i].last_sect > 7)
			return -EINVAL;
		count += req->seg[i].last_sect - req->seg[i].first_sect + 1u;
	}
	if (!has_data(req))
		return 0;
	return model_extent(req->sector, count, vbd);
}

/* Laid out @max chunks at a time, @req gives the same @n chunks @whole. */
static void check_layout_in_pieces(const struct xsplit_blk_req *req,
				   const struct xsplit_blk_chunk *whole,
				   unsigned int n, unsigned int max)
{
	struct xsplit_blk_cursor cur = { 0 };
	struct xsplit_blk_chunk part[13];
	unsigned int i, got, k = 0;

	while ((got = xsplit_blk_layout_next(req, &cur, part, max))) {
		if (got > max || k + got > n)
			abort();
		/* Field by field: the padding of @whole holds a pattern. */
		for (i = 0; i < got; i++, k++)
			if (part[i].seg != whole[k].seg ||
			    part[i].guest_off != whole[k].guest_off ||
			    part[i].buf_off != whole[k].buf_off ||
			    part[i].len != whole[k].len)
				abort();
	}
	if (k != n)
		abort();
}

static void check_layout(const struct xsplit_blk_req *req, u32 sectors)
{
	struct xsplit_blk_chunk out[XSPLIT_BLK_MAX_CHUNKS];
	unsigned int n, k, seg = 0;
	u32 buf = 0, in_seg = 0, seg_len;

	memset(out, 0xa5, sizeof(out));
	n = xsplit_blk_layout(req, out);
	if (n > XSPLIT_BLK_MAX_CHUNKS || n < req->nr_segments)
		abort();

	for (k = 0; k < n; k++) {
		const struct xsplit_blk_chunk *c = &out[k];

		if (c->len < 512 || c->len > 4096 || c->len % 512)
			abort();
		if (c->guest_off % 512 || c->guest_off + c->len > 4096u)
			abort();
		if (c->buf_off != buf || c->buf_off / 4096 !=
		    (c->buf_off + c->len - 1) / 4096)
			abort();
		if (c->seg != seg) {
			seg_len = (req->seg[seg].last_sect -
				   req->seg[seg].first_sect + 1u) * 512;
			if (c->seg != seg + 1 || in_seg != seg_len)
				abort();
			seg++;
			in_seg = 0;
		}
		if (seg >= req->nr_segments)
			abort();
		if (c->guest_off != req->seg[seg].first_sect * 512u + in_seg)
			abort();
		/* A segment splits only where a buffer page ends. */
		if (in_seg && c->buf_off % 4096)
			abort();
		in_seg += c->len;
		buf += c->len;
	}
	seg_len = (req->seg[seg].last_sect - req->seg[seg].first_sect + 1u) *
		  512;
	if (seg + 1 != req->nr_segments || in_seg != seg_len)
		abort();
	if (buf != sectors * 512)
		abort();
	check_layout_in_pieces(req, out, n, 1 + sectors % 13);
}

static void check_accepted_data(const struct xsplit_blk_req *req,
				const struct xsplit_blk_vbd *vbd)
{
	u64 per_block = vbd->sector_size / 512;
	u32 sectors = 0;
	unsigned int i;

	if (req->nr_segments < 1 ||
	    req->nr_segments > (req->indirect ? 256 : 11) ||
	    (req->indirect && req->nr_segments > vbd->max_indirect_segs))
		abort();
	for (i = 0; i < req->nr_segments; i++) {
		if (req->seg[i].first_sect > req->seg[i].last_sect ||
		    req->seg[i].last_sect > 7)
			abort();
		sectors += req->seg[i].last_sect - req->seg[i].first_sect + 1;
	}
	if (xsplit_blk_data_sectors(req) != sectors)
		abort();
	if (req->sector > vbd->sectors || sectors > vbd->sectors - req->sector)
		abort();
	if (req->sector % per_block || sectors % per_block)
		abort();
	check_layout(req, sectors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks @req as the backend would, against the model and the rules. */
static void check_one(struct xsplit_blk_req *req,
		      const struct xsplit_blk_vbd *vbd);

/*
 * What the backend does with an accepted BLKIF_OP_INDIRECT: copy the
 * segments in (here they are already, from the input), make the request
 * the read or write it wraps and check it again in full.
 */
static void check_accepted_indirect(struct xsplit_blk_req *req,
				    const struct xsplit_blk_vbd *vbd)
{
	unsigned int pages = xsplit_blk_indirect_pages(req->nr_segments);

	if (!vbd->max_indirect_segs || !is_rw(req->indirect_op) ||
	    (vbd->readonly && req->indirect_op != BLKIF_OP_READ) ||
	    req->nr_segments < 1 || req->nr_segments > 256 ||
	    req->nr_segments > vbd->max_indirect_segs)
		abort();
	if (pages < 1 || pages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST ||
	    pages != (req->nr_segments + 511u) / 512u)
		abort();
	req->op = req->indirect_op;
	req->indirect = true;
	check_one(req, vbd);
}

static void check_one(struct xsplit_blk_req *req,
		      const struct xsplit_blk_vbd *vbd)
{
	const char *why = NULL;
	int ret;

	ret = xsplit_blk_check(req, vbd, &why);

	if (ret != 0 && ret != -EOPNOTSUPP && ret != -EROFS &&
	    ret != -EINVAL && ret != -ERANGE)
		abort();
	if (ret && (!why || !why[0]))
		abort();
	if (ret != model(req, vbd))
		abort();
	if (xsplit_blk_rsp_status(ret) !=
	    (ret == 0 ? BLKIF_RSP_OKAY : ret == -EOPNOTSUPP ?
	     BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR))
		abort();
	if (ret)
		return;

	if (req->indirect && !is_rw(req->op) && req->op != BLKIF_OP_INDIRECT)
		abort();
	if (vbd->readonly && req->op != BLKIF_OP_READ &&
	    req->op != BLKIF_OP_INDIRECT &&
	    !(req->op == BLKIF_OP_FLUSH_DISKCACHE && !req->nr_segments))
		abort();

	switch (req->op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		check_accepted_data(req, vbd);
		break;
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (req->nr_segments)
			check_accepted_data(req, vbd);
		break;
	case BLKIF_OP_DISCARD:
		if (!req->nr_sectors || req->sector > vbd->sectors ||
		    req->nr_sectors > vbd->sectors - req->sector ||
		    req->sector % (vbd->sector_size / 512) ||
		    req->nr_sectors % (vbd->sector_size / 512))
			abort();
		break;
	case BLKIF_OP_INDIRECT:
		check_accepted_indirect(req, vbd);
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 in[IN_BYTES];
	struct xsplit_blk_req req;
	struct xsplit_blk_vbd vbd;

	memset(in, 0, sizeof(in));
	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	decode(in, &req, &vbd);
	check_one(&req, &vbd);
	return 0;
}
