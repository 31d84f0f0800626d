// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/blk_req.h>

#include "unit.h"

/* 1000 sectors: a multiple of 8, so 4 KiB blocks end exactly at the end. */
#define DISK	1000u
#define PAGE	XSPLIT_BLK_PAGE_SIZE

/* A read-write vbd of DISK 512-byte sectors advertising nothing optional. */
static struct xsplit_blk_vbd vbd_plain(void)
{
	struct xsplit_blk_vbd vbd;

	memset(&vbd, 0, sizeof(vbd));
	vbd.sectors = DISK;
	vbd.sector_size = 512;
	return vbd;
}

/* The same with flush, barrier, discard and secure discard advertised. */
static struct xsplit_blk_vbd vbd_full(void)
{
	struct xsplit_blk_vbd vbd = vbd_plain();

	vbd.flush = true;
	vbd.barrier = true;
	vbd.discard = true;
	vbd.secure_discard = true;
	return vbd;
}

/*
 * @op at @sector with @nseg segments, each a whole page (sectors 0..7), as
 * a frontend would fill them. nr_segments may exceed the array: only the
 * first XSPLIT_BLK_MAX_SEGS are filled, as the header says.
 */
static struct xsplit_blk_req req_pages(u8 op, u64 sector, unsigned int nseg)
{
	struct xsplit_blk_req req;
	unsigned int i;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.id = 0x1234;
	req.sector = sector;
	req.nr_segments = (u16)nseg;
	for (i = 0; i < nseg && i < XSPLIT_BLK_MAX_SEGS; i++) {
		req.seg[i].gref = 100 + i;
		req.seg[i].first_sect = 0;
		req.seg[i].last_sect = 7;
	}
	return req;
}

static struct xsplit_blk_req req_discard(u64 sector, u64 nr_sectors)
{
	struct xsplit_blk_req req;

	memset(&req, 0, sizeof(req));
	req.op = BLKIF_OP_DISCARD;
	req.id = 0x5678;
	req.sector = sector;
	req.nr_sectors = nr_sectors;
	return req;
}

static bool accepted(const struct xsplit_blk_req *req,
		     const struct xsplit_blk_vbd *vbd)
{
	const char *why = NULL;

	return xsplit_blk_check(req, vbd, &why) == 0;
}

/* Refused with exactly @err, and with a phrase for the log. */
static bool refused(const struct xsplit_blk_req *req,
		    const struct xsplit_blk_vbd *vbd, int err)
{
	const char *why = NULL;

	if (xsplit_blk_check(req, vbd, &why) != err)
		return false;
	return why && why[0];
}

/* -- operations and features (-EOPNOTSUPP, the first rule) ------------- */

TEST(blk_read_write_need_no_feature)
{
	struct xsplit_blk_vbd v = vbd_plain();
	struct xsplit_blk_req r;

	r = req_pages(BLKIF_OP_READ, 0, 1);
	CHECK(accepted(&r, &v));
	r = req_pages(BLKIF_OP_WRITE, 0, 1);
	CHECK(accepted(&r, &v));
	v = vbd_full();
	CHECK(accepted(&r, &v));
	r = req_pages(BLKIF_OP_READ, 8, 11);
	CHECK(accepted(&r, &v));
}

TEST(blk_barrier_needs_its_feature)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;

	v.barrier = false;
	r = req_pages(BLKIF_OP_WRITE_BARRIER, 0, 0);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	r = req_pages(BLKIF_OP_WRITE_BARRIER, 0, 2);
	CHECK(refused(&r, &v, -EOPNOTSUPP));

	v.barrier = true;
	r = req_pages(BLKIF_OP_WRITE_BARRIER, 0, 0);
	CHECK(accepted(&r, &v));
	r = req_pages(BLKIF_OP_WRITE_BARRIER, 0, 2);
	CHECK(accepted(&r, &v));
	/* The other features do not stand in for it. */
	v = vbd_plain();
	v.flush = true;
	v.discard = true;
	CHECK(refused(&r, &v, -EOPNOTSUPP));
}

TEST(blk_flush_needs_its_feature)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;

	v.flush = false;
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 3);
	CHECK(refused(&r, &v, -EOPNOTSUPP));

	v.flush = true;
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	CHECK(accepted(&r, &v));
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 3);
	CHECK(accepted(&r, &v));
	v = vbd_plain();
	v.barrier = true;
	v.discard = true;
	CHECK(refused(&r, &v, -EOPNOTSUPP));
}

TEST(blk_discard_needs_its_feature)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_discard(0, 8);

	v.discard = false;
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	/* Secure discard alone is not discard. */
	v.secure_discard = true;
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	v.discard = true;
	CHECK(accepted(&r, &v));
	v = vbd_plain();
	v.flush = true;
	v.barrier = true;
	CHECK(refused(&r, &v, -EOPNOTSUPP));
}

TEST(blk_indirect_is_not_supported)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;

	r = req_pages(BLKIF_OP_INDIRECT, 0, 0);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	r = req_pages(BLKIF_OP_INDIRECT, 0, 1);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	v = vbd_plain();
	CHECK(refused(&r, &v, -EOPNOTSUPP));
}

TEST(blk_unknown_ops_are_not_supported)
{
	static const u8 ops[] = { BLKIF_OP_RESERVED_1, 4, 7, 8, 0x80, 255 };
	struct xsplit_blk_vbd v;
	struct xsplit_blk_req r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		v = vbd_full();
		r = req_pages(ops[i], 0, 1);
		CHECK(refused(&r, &v, -EOPNOTSUPP));
		r = req_pages(ops[i], 0, 0);
		CHECK(refused(&r, &v, -EOPNOTSUPP));
		v = vbd_plain();
		CHECK(refused(&r, &v, -EOPNOTSUPP));
	}
}

/* Every later rule would also fail here: the operation is judged first. */
TEST(blk_op_rule_comes_first)
{
	struct xsplit_blk_vbd v = vbd_plain();
	struct xsplit_blk_req r;

	v.readonly = true;
	r = req_pages(BLKIF_OP_WRITE_BARRIER, 0, 1);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, DISK, 12);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	r = req_discard(DISK + 1, 0);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	r = req_pages(7, UINT64_MAX, 65535);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	r = req_pages(BLKIF_OP_INDIRECT, 3, 0);
	v.sector_size = 4096;
	CHECK(refused(&r, &v, -EOPNOTSUPP));
}

/* -- read-only vbds (-EROFS) ------------------------------------------- */

TEST(blk_readonly_read_is_fine)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_pages(BLKIF_OP_READ, 0, 11);

	v.readonly = true;
	CHECK(accepted(&r, &v));
	r = req_pages(BLKIF_OP_READ, DISK - 8, 1);
	CHECK(accepted(&r, &v));
}

TEST(blk_readonly_refuses_write)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_pages(BLKIF_OP_WRITE, 0, 1);

	v.readonly = true;
	CHECK(refused(&r, &v, -EROFS));
	/* Ahead of the segment, range and alignment rules. */
	r = req_pages(BLKIF_OP_WRITE, 0, 0);
	CHECK(refused(&r, &v, -EROFS));
	r = req_pages(BLKIF_OP_WRITE, 0, 12);
	CHECK(refused(&r, &v, -EROFS));
	r = req_pages(BLKIF_OP_WRITE, 0, 1);
	r.seg[0].first_sect = 5;
	r.seg[0].last_sect = 2;
	CHECK(refused(&r, &v, -EROFS));
	r = req_pages(BLKIF_OP_WRITE, DISK, 1);
	CHECK(refused(&r, &v, -EROFS));
	v.sector_size = 4096;
	r = req_pages(BLKIF_OP_WRITE, 1, 1);
	CHECK(refused(&r, &v, -EROFS));
}

TEST(blk_readonly_refuses_barrier)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;

	v.readonly = true;
	r = req_pages(BLKIF_OP_WRITE_BARRIER, 0, 0);
	CHECK(refused(&r, &v, -EROFS));
	r = req_pages(BLKIF_OP_WRITE_BARRIER, 0, 1);
	CHECK(refused(&r, &v, -EROFS));
}

TEST(blk_readonly_allows_flush_without_data)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);

	v.readonly = true;
	CHECK(accepted(&r, &v));
	/* Its sector is ignored, wherever it points. */
	r.sector = UINT64_MAX;
	CHECK(accepted(&r, &v));
	v.sector_size = 4096;
	r.sector = 3;
	CHECK(accepted(&r, &v));
}

TEST(blk_readonly_refuses_flush_with_data)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 1);

	v.readonly = true;
	CHECK(refused(&r, &v, -EROFS));
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 11);
	CHECK(refused(&r, &v, -EROFS));
	/* Too many segments is still data: -EROFS comes first. */
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 12);
	CHECK(refused(&r, &v, -EROFS));
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, DISK, 1);
	CHECK(refused(&r, &v, -EROFS));
}

TEST(blk_readonly_refuses_discard)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_discard(0, 8);

	v.readonly = true;
	CHECK(refused(&r, &v, -EROFS));
	r.discard_flag = BLKIF_DISCARD_SECURE;
	CHECK(refused(&r, &v, -EROFS));
	/* Ahead of the empty, range and alignment rules. */
	r = req_discard(0, 0);
	CHECK(refused(&r, &v, -EROFS));
	r = req_discard(DISK, 8);
	CHECK(refused(&r, &v, -EROFS));
	v.sector_size = 4096;
	r = req_discard(1, 1);
	CHECK(refused(&r, &v, -EROFS));
}

/* -- segments (-EINVAL) ------------------------------------------------- */

TEST(blk_no_segments)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;

	r = req_pages(BLKIF_OP_READ, 0, 0);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_pages(BLKIF_OP_WRITE, 0, 0);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	CHECK(accepted(&r, &v));
	r = req_pages(BLKIF_OP_WRITE_BARRIER, 0, 0);
	CHECK(accepted(&r, &v));
}

/* Without data the sector of a flush or barrier is not judged at all. */
TEST(blk_no_data_ignores_the_sector)
{
	static const u64 sectors[] = { DISK, DISK + 1, 3, UINT64_MAX };
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;
	unsigned int i;

	v.sector_size = 4096;
	for (i = 0; i < ARRAY_SIZE(sectors); i++) {
		r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, sectors[i], 0);
		CHECK(accepted(&r, &v));
		r = req_pages(BLKIF_OP_WRITE_BARRIER, sectors[i], 0);
		CHECK(accepted(&r, &v));
	}
}

TEST(blk_segment_count_limit)
{
	static const u8 ops[] = {
		BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_WRITE_BARRIER,
		BLKIF_OP_FLUSH_DISKCACHE,
	};
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		r = req_pages(ops[i], 0, 11);
		CHECK(accepted(&r, &v));
		r = req_pages(ops[i], 0, 12);
		CHECK(refused(&r, &v, -EINVAL));
		r = req_pages(ops[i], 0, 65535);
		CHECK(refused(&r, &v, -EINVAL));
		/* Ahead of the range rule. */
		r = req_pages(ops[i], DISK, 12);
		CHECK(refused(&r, &v, -EINVAL));
	}
}

TEST(blk_segment_first_after_last)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_pages(BLKIF_OP_READ, 0, 1);

	r.seg[0].first_sect = 1;
	r.seg[0].last_sect = 0;
	CHECK(refused(&r, &v, -EINVAL));
	r.seg[0].first_sect = 7;
	r.seg[0].last_sect = 6;
	CHECK(refused(&r, &v, -EINVAL));
	r.seg[0].first_sect = 255;
	r.seg[0].last_sect = 0;
	CHECK(refused(&r, &v, -EINVAL));
	/* One sector is first == last. */
	r.seg[0].first_sect = 0;
	r.seg[0].last_sect = 0;
	CHECK(accepted(&r, &v));
	r.seg[0].first_sect = 7;
	r.seg[0].last_sect = 7;
	CHECK(accepted(&r, &v));
}

TEST(blk_segment_last_sect_limit)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_pages(BLKIF_OP_WRITE, 0, 1);

	r.seg[0].last_sect = 7;
	CHECK(accepted(&r, &v));
	r.seg[0].last_sect = 8;
	CHECK(refused(&r, &v, -EINVAL));
	r.seg[0].first_sect = 8;
	CHECK(refused(&r, &v, -EINVAL));
	r.seg[0].first_sect = 0;
	r.seg[0].last_sect = 255;
	CHECK(refused(&r, &v, -EINVAL));
}

/* Every segment is judged, not only the first, and before the range. */
TEST(blk_segment_any_index)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;
	unsigned int i;

	for (i = 0; i < XSPLIT_BLK_MAX_SEGS; i++) {
		r = req_pages(BLKIF_OP_READ, 0, 11);
		r.seg[i].last_sect = 8;
		CHECK(refused(&r, &v, -EINVAL));
		r = req_pages(BLKIF_OP_READ, 0, 11);
		r.seg[i].first_sect = 4;
		r.seg[i].last_sect = 3;
		CHECK(refused(&r, &v, -EINVAL));
		r.sector = UINT64_MAX;
		CHECK(refused(&r, &v, -EINVAL));
	}
	/* Bad entries past nr_segments are not part of the request. */
	r = req_pages(BLKIF_OP_READ, 0, 3);
	r.seg[3].first_sect = 7;
	r.seg[3].last_sect = 0;
	r.seg[10].last_sect = 200;
	CHECK(accepted(&r, &v));
}

TEST(blk_discard_of_nothing)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_discard(0, 0);

	CHECK(refused(&r, &v, -EINVAL));
	/* Ahead of the range rule. */
	r.sector = DISK + 1;
	CHECK(refused(&r, &v, -EINVAL));
	r.sector = UINT64_MAX;
	CHECK(refused(&r, &v, -EINVAL));
	r = req_discard(0, 1);
	CHECK(accepted(&r, &v));
}

/* -- range (-ERANGE) ----------------------------------------------------- */

TEST(blk_range_end_of_disk)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;

	/* Eight sectors ending on the last one, then one further. */
	r = req_pages(BLKIF_OP_READ, DISK - 8, 1);
	CHECK(accepted(&r, &v));
	r.sector = DISK - 7;
	CHECK(refused(&r, &v, -ERANGE));
	r.sector = DISK;
	CHECK(refused(&r, &v, -ERANGE));
	r.sector = DISK + 1;
	CHECK(refused(&r, &v, -ERANGE));
	r.sector = 0;
	CHECK(accepted(&r, &v));

	/* One sector, the very last. */
	r = req_pages(BLKIF_OP_WRITE, DISK - 1, 1);
	r.seg[0].first_sect = 3;
	r.seg[0].last_sect = 3;
	CHECK(accepted(&r, &v));
	r.sector = DISK;
	CHECK(refused(&r, &v, -ERANGE));

	/* 11 pages is 88 sectors. */
	r = req_pages(BLKIF_OP_WRITE, DISK - 88, 11);
	CHECK(accepted(&r, &v));
	r.sector = DISK - 87;
	CHECK(refused(&r, &v, -ERANGE));
}

/* The length is the sum of the segments, not 8 per segment. */
TEST(blk_range_partial_segments)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_pages(BLKIF_OP_READ, DISK - 6, 2);

	r.seg[0].first_sect = 2;
	r.seg[0].last_sect = 4;
	r.seg[1].first_sect = 5;
	r.seg[1].last_sect = 7;
	CHECK(accepted(&r, &v));
	r.sector = DISK - 5;
	CHECK(refused(&r, &v, -ERANGE));
}

/* sector + length wraps to something small: must not pass for in range. */
TEST(blk_range_no_overflow)
{
	static const u64 sectors[] = {
		UINT64_MAX, UINT64_MAX - 3, UINT64_MAX - 7, UINT64_MAX - 8,
		1ull << 63,
	};
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sectors); i++) {
		r = req_pages(BLKIF_OP_READ, sectors[i], 1);
		CHECK(refused(&r, &v, -ERANGE));
		r = req_pages(BLKIF_OP_WRITE, sectors[i], 11);
		CHECK(refused(&r, &v, -ERANGE));
	}

	/* A disk of 2^64 - 1 sectors: the last 8 fit, one further does not. */
	v.sectors = UINT64_MAX;
	r = req_pages(BLKIF_OP_READ, UINT64_MAX - 8, 1);
	CHECK(accepted(&r, &v));
	r.sector = UINT64_MAX - 7;
	CHECK(refused(&r, &v, -ERANGE));
	r.sector = UINT64_MAX;
	CHECK(refused(&r, &v, -ERANGE));
}

TEST(blk_range_empty_disk)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_pages(BLKIF_OP_READ, 0, 1);

	v.sectors = 0;
	r.seg[0].last_sect = 0;
	CHECK(refused(&r, &v, -ERANGE));
	r = req_discard(0, 1);
	CHECK(refused(&r, &v, -ERANGE));
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	CHECK(accepted(&r, &v));
}

/* A flush or barrier with data is a write: its sectors are judged. */
TEST(blk_range_flush_barrier_with_data)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;

	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, DISK - 8, 1);
	CHECK(accepted(&r, &v));
	r.sector = DISK - 7;
	CHECK(refused(&r, &v, -ERANGE));
	r.sector = UINT64_MAX - 3;
	CHECK(refused(&r, &v, -ERANGE));
	r = req_pages(BLKIF_OP_WRITE_BARRIER, DISK - 8, 1);
	CHECK(accepted(&r, &v));
	r.sector = DISK;
	CHECK(refused(&r, &v, -ERANGE));
}

TEST(blk_discard_range)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;

	r = req_discard(0, DISK);
	CHECK(accepted(&r, &v));
	r = req_discard(0, DISK + 1);
	CHECK(refused(&r, &v, -ERANGE));
	r = req_discard(DISK - 1, 1);
	CHECK(accepted(&r, &v));
	r = req_discard(DISK - 1, 2);
	CHECK(refused(&r, &v, -ERANGE));
	r = req_discard(DISK, 1);
	CHECK(refused(&r, &v, -ERANGE));
	r = req_discard(DISK + 1, 1);
	CHECK(refused(&r, &v, -ERANGE));
	/* Wrapping sums: 1 + (2^64 - 1) and 8 + (2^64 - 8) are both 0. */
	r = req_discard(1, UINT64_MAX);
	CHECK(refused(&r, &v, -ERANGE));
	r = req_discard(8, UINT64_MAX - 7);
	CHECK(refused(&r, &v, -ERANGE));
	r = req_discard(UINT64_MAX, 1);
	CHECK(refused(&r, &v, -ERANGE));
	r = req_discard(UINT64_MAX, UINT64_MAX);
	CHECK(refused(&r, &v, -ERANGE));

	v.sectors = UINT64_MAX;
	r = req_discard(1, UINT64_MAX - 1);
	CHECK(accepted(&r, &v));
	r = req_discard(1, UINT64_MAX);
	CHECK(refused(&r, &v, -ERANGE));
	r = req_discard(2, UINT64_MAX - 1);
	CHECK(refused(&r, &v, -ERANGE));
}

/* -- logical block alignment (-EINVAL, the last rule) -------------------- */

TEST(blk_align_4k)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;
	unsigned int s;

	v.sector_size = 4096;
	r = req_pages(BLKIF_OP_READ, 8, 1);
	CHECK(accepted(&r, &v));
	r = req_pages(BLKIF_OP_WRITE, 0, 11);
	CHECK(accepted(&r, &v));
	for (s = 1; s < 8; s++) {
		r = req_pages(BLKIF_OP_READ, 8 + s, 1);
		CHECK(refused(&r, &v, -EINVAL));
	}
	r = req_pages(BLKIF_OP_WRITE, 8, 1);
	r.seg[0].last_sect = 3;
	CHECK(refused(&r, &v, -EINVAL));
	/* 4 + 4 sectors: a whole block made of two half-page segments. */
	r = req_pages(BLKIF_OP_WRITE, 16, 2);
	r.seg[0].first_sect = 4;
	r.seg[1].last_sect = 3;
	CHECK(accepted(&r, &v));
	/* 8 + 1 sectors. */
	r = req_pages(BLKIF_OP_WRITE, 16, 2);
	r.seg[1].first_sect = 7;
	CHECK(refused(&r, &v, -EINVAL));
	/* Both wrong. */
	r = req_pages(BLKIF_OP_READ, 4, 1);
	r.seg[0].last_sect = 3;
	CHECK(refused(&r, &v, -EINVAL));
	/* Flush and barrier with data are aligned like writes. */
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 4, 1);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_pages(BLKIF_OP_WRITE_BARRIER, 4, 1);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_pages(BLKIF_OP_WRITE_BARRIER, 8, 1);
	CHECK(accepted(&r, &v));
}

/* Past the end is -ERANGE even when also unaligned: range comes first. */
TEST(blk_align_after_range)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;

	v.sector_size = 4096;
	r = req_pages(BLKIF_OP_READ, DISK - 4, 1);
	CHECK(refused(&r, &v, -ERANGE));
	r = req_pages(BLKIF_OP_READ, DISK - 8, 1);
	CHECK(accepted(&r, &v));
	r = req_pages(BLKIF_OP_READ, DISK - 4, 1);
	r.seg[0].last_sect = 3;
	CHECK(refused(&r, &v, -EINVAL));
	/* UINT64_MAX - 7 is a multiple of 8; the sum wraps to 0. */
	r = req_pages(BLKIF_OP_READ, UINT64_MAX - 7, 1);
	CHECK(refused(&r, &v, -ERANGE));
	r = req_discard(DISK - 4, 8);
	CHECK(refused(&r, &v, -ERANGE));
	r = req_discard(UINT64_MAX - 7, 8);
	CHECK(refused(&r, &v, -ERANGE));
}

TEST(blk_align_discard_4k)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;

	v.sector_size = 4096;
	r = req_discard(8, 8);
	CHECK(accepted(&r, &v));
	r = req_discard(0, DISK);
	CHECK(accepted(&r, &v));
	r = req_discard(4, 8);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_discard(8, 4);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_discard(8, 1);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_discard(1, 7);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_discard(8, 16);
	CHECK(accepted(&r, &v));
}

TEST(blk_align_other_sizes)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;

	/* 512: anything goes. */
	r = req_pages(BLKIF_OP_READ, 1, 1);
	r.seg[0].first_sect = 2;
	r.seg[0].last_sect = 2;
	CHECK(accepted(&r, &v));
	r = req_discard(3, 5);
	CHECK(accepted(&r, &v));

	v.sector_size = 1024;
	r = req_pages(BLKIF_OP_READ, 2, 1);
	r.seg[0].first_sect = 2;
	r.seg[0].last_sect = 3;
	CHECK(accepted(&r, &v));
	r.sector = 3;
	CHECK(refused(&r, &v, -EINVAL));
	r.sector = 2;
	r.seg[0].last_sect = 4;
	CHECK(refused(&r, &v, -EINVAL));
	r = req_discard(2, 2);
	CHECK(accepted(&r, &v));
	r = req_discard(2, 3);
	CHECK(refused(&r, &v, -EINVAL));

	/* 64 KiB is 128 sectors: 11 pages (88 sectors) can never make one. */
	v.sector_size = 65536;
	v.sectors = 1024;
	r = req_pages(BLKIF_OP_READ, 0, 11);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_discard(128, 128);
	CHECK(accepted(&r, &v));
	r = req_discard(64, 128);
	CHECK(refused(&r, &v, -EINVAL));
}

/* -- flags that are not judged ------------------------------------------ */

TEST(blk_secure_discard_without_the_feature)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r = req_discard(0, 8);

	r.discard_flag = BLKIF_DISCARD_SECURE;
	v.secure_discard = false;
	CHECK(accepted(&r, &v));
	v.secure_discard = true;
	CHECK(accepted(&r, &v));
	/* The flag does not make a bad discard good. */
	r.nr_sectors = 0;
	CHECK(refused(&r, &v, -EINVAL));
}

TEST(blk_id_is_not_judged)
{
	static const u64 ids[] = { 0, 1, 0x8000000000000000ull, UINT64_MAX };
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		r = req_pages(BLKIF_OP_READ, 0, 1);
		r.id = ids[i];
		CHECK(accepted(&r, &v));
		r.sector = DISK;
		CHECK(refused(&r, &v, -ERANGE));
	}
}

/* -- responses ------------------------------------------------------------ */

TEST(blk_rsp_status)
{
	/* The three are distinct, or the checks below would prove little. */
	CHECK(BLKIF_RSP_OKAY != BLKIF_RSP_ERROR);
	CHECK(BLKIF_RSP_EOPNOTSUPP != BLKIF_RSP_ERROR);
	CHECK(BLKIF_RSP_EOPNOTSUPP != BLKIF_RSP_OKAY);

	CHECK(xsplit_blk_rsp_status(0) == BLKIF_RSP_OKAY);
	CHECK(xsplit_blk_rsp_status(-EOPNOTSUPP) == BLKIF_RSP_EOPNOTSUPP);
	CHECK(xsplit_blk_rsp_status(-EROFS) == BLKIF_RSP_ERROR);
	CHECK(xsplit_blk_rsp_status(-EINVAL) == BLKIF_RSP_ERROR);
	CHECK(xsplit_blk_rsp_status(-ERANGE) == BLKIF_RSP_ERROR);
	CHECK(xsplit_blk_rsp_status(-EIO) == BLKIF_RSP_ERROR);
	CHECK(xsplit_blk_rsp_status(-1) == BLKIF_RSP_ERROR);
	CHECK(xsplit_blk_rsp_status(-4095) == BLKIF_RSP_ERROR);
}

/* Each refusal from the checker maps as its errno says. */
TEST(blk_rsp_status_of_refusals)
{
	struct xsplit_blk_vbd v = vbd_plain();
	struct xsplit_blk_req r;
	const char *why = NULL;

	r = req_pages(BLKIF_OP_INDIRECT, 0, 1);
	CHECK(xsplit_blk_rsp_status(xsplit_blk_check(&r, &v, &why)) ==
	      BLKIF_RSP_EOPNOTSUPP);
	r = req_pages(BLKIF_OP_READ, DISK, 1);
	CHECK(xsplit_blk_rsp_status(xsplit_blk_check(&r, &v, &why)) ==
	      BLKIF_RSP_ERROR);
	r.sector = 0;
	CHECK(xsplit_blk_rsp_status(xsplit_blk_check(&r, &v, &why)) ==
	      BLKIF_RSP_OKAY);
}

/* -- data sectors and layout ---------------------------------------------- */

TEST(blk_data_sectors)
{
	struct xsplit_blk_req r;

	r = req_pages(BLKIF_OP_READ, 0, 1);
	CHECK(xsplit_blk_data_sectors(&r) == 8);
	r = req_pages(BLKIF_OP_READ, 0, 11);
	CHECK(xsplit_blk_data_sectors(&r) == 88);
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	CHECK(xsplit_blk_data_sectors(&r) == 0);

	r = req_pages(BLKIF_OP_WRITE, 0, 3);
	r.seg[0].first_sect = 1;
	r.seg[0].last_sect = 2;
	r.seg[1].first_sect = 7;
	r.seg[1].last_sect = 7;
	r.seg[2].first_sect = 0;
	r.seg[2].last_sect = 5;
	CHECK(xsplit_blk_data_sectors(&r) == 2 + 1 + 6);
	/* Entries past nr_segments do not count. */
	r.nr_segments = 2;
	CHECK(xsplit_blk_data_sectors(&r) == 3);
}

static u32 seg_bytes(const struct xsplit_blk_seg *s)
{
	return (u32)(s->last_sect - s->first_sect + 1) * 512;
}

/* What every layout must satisfy; 0 if it does, else which rule broke. */
static int layout_broken(const struct xsplit_blk_req *req,
			 const struct xsplit_blk_chunk *c, unsigned int n)
{
	unsigned int k, seg = 0;
	u32 buf = 0, in_seg = 0;

	if (n > XSPLIT_BLK_MAX_CHUNKS || n < req->nr_segments)
		return 1;
	for (k = 0; k < n; k++) {
		const struct xsplit_blk_seg *s;

		if (c[k].len < 512 || c[k].len > PAGE || c[k].len % 512)
			return 2;
		if (c[k].guest_off % 512 || c[k].guest_off + c[k].len > PAGE)
			return 3;
		if (c[k].buf_off != buf ||
		    c[k].buf_off % PAGE + c[k].len > PAGE)
			return 4;
		if (c[k].seg != seg) {
			/* The previous segment must be complete. */
			s = &req->seg[seg];
			if (c[k].seg != seg + 1 ||
			    c[k].seg >= req->nr_segments ||
			    in_seg != seg_bytes(s))
				return 5;
			seg++;
			in_seg = 0;
		}
		s = &req->seg[seg];
		if (c[k].guest_off != s->first_sect * 512 + in_seg)
			return 6;
		in_seg += c[k].len;
		buf += c[k].len;
	}
	if (n && (seg + 1 != req->nr_segments ||
		  in_seg != seg_bytes(&req->seg[seg])))
		return 7;
	if (buf != xsplit_blk_data_sectors(req) * 512)
		return 8;
	return 0;
}

/*
 * Lay @req out in a heap array of exactly XSPLIT_BLK_MAX_CHUNKS entries,
 * so that ASan sees a write past the room the header promises.
 */
static struct xsplit_blk_chunk *layout(const struct xsplit_blk_req *req,
				       unsigned int *n)
{
	struct xsplit_blk_chunk *c;

	c = calloc(XSPLIT_BLK_MAX_CHUNKS, sizeof(*c));
	if (!c)
		abort();
	*n = xsplit_blk_layout(req, c);
	return c;
}

static bool chunk_is(const struct xsplit_blk_chunk *c, unsigned int seg,
		     unsigned int guest_off, unsigned int buf_off,
		     unsigned int len)
{
	return c->seg == seg && c->guest_off == guest_off &&
	       c->buf_off == buf_off && c->len == len;
}

TEST(blk_layout_no_segments)
{
	struct xsplit_blk_req r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	struct xsplit_blk_chunk *c;
	unsigned int n = 99;

	c = layout(&r, &n);
	CHECK(n == 0);
	free(c);
}

TEST(blk_layout_one_page)
{
	struct xsplit_blk_req r = req_pages(BLKIF_OP_READ, 0, 1);
	struct xsplit_blk_chunk *c;
	unsigned int n;
	int bad;

	c = layout(&r, &n);
	bad = layout_broken(&r, c, n) || n != 1 ||
	      !chunk_is(&c[0], 0, 0, 0, PAGE);
	free(c);
	CHECK(!bad);
}

TEST(blk_layout_eleven_pages)
{
	struct xsplit_blk_req r = req_pages(BLKIF_OP_WRITE, 0, 11);
	struct xsplit_blk_chunk *c;
	unsigned int i, n;
	int bad;

	c = layout(&r, &n);
	bad = layout_broken(&r, c, n) || n != 11;
	for (i = 0; !bad && i < n; i++)
		bad = !chunk_is(&c[i], i, 0, i * PAGE, PAGE);
	free(c);
	CHECK(!bad);
}

/*
 * Sectors 1..2 of one page, then a whole page: the second segment starts
 * 1024 bytes into a buffer page, so 3072 bytes fit and 1024 spill over.
 */
TEST(blk_layout_split_at_buffer_page)
{
	struct xsplit_blk_req r = req_pages(BLKIF_OP_READ, 0, 2);
	struct xsplit_blk_chunk *c;
	unsigned int n;
	int bad;

	r.seg[0].first_sect = 1;
	r.seg[0].last_sect = 2;
	c = layout(&r, &n);
	bad = layout_broken(&r, c, n) || n != 3 ||
	      !chunk_is(&c[0], 0, 512, 0, 1024) ||
	      !chunk_is(&c[1], 1, 0, 1024, 3072) ||
	      !chunk_is(&c[2], 1, 3072, 4096, 1024);
	free(c);
	CHECK(!bad);
}

/* A partial segment that fits before the boundary is not split. */
TEST(blk_layout_partial_without_split)
{
	struct xsplit_blk_req r = req_pages(BLKIF_OP_READ, 0, 3);
	struct xsplit_blk_chunk *c;
	unsigned int n;
	int bad;

	r.seg[0].first_sect = 0;
	r.seg[0].last_sect = 2;		/* 1536 at 0 */
	r.seg[1].first_sect = 6;
	r.seg[1].last_sect = 7;		/* 1024 at 1536 */
	r.seg[2].first_sect = 3;
	r.seg[2].last_sect = 5;		/* 1536 at 2560, ends at 4096 */
	c = layout(&r, &n);
	bad = layout_broken(&r, c, n) || n != 3 ||
	      !chunk_is(&c[0], 0, 0, 0, 1536) ||
	      !chunk_is(&c[1], 1, 3072, 1536, 1024) ||
	      !chunk_is(&c[2], 2, 1536, 2560, 1536);
	free(c);
	CHECK(!bad);
}

/* One sector then ten pages: every page after the first splits, 21 chunks. */
TEST(blk_layout_worst_case)
{
	struct xsplit_blk_req r = req_pages(BLKIF_OP_WRITE, 0, 11);
	struct xsplit_blk_chunk *c;
	unsigned int i, n;
	int bad;

	r.seg[0].first_sect = 5;
	r.seg[0].last_sect = 5;
	c = layout(&r, &n);
	bad = layout_broken(&r, c, n) || n != 21 || n > XSPLIT_BLK_MAX_CHUNKS ||
	      !chunk_is(&c[0], 0, 2560, 0, 512);
	for (i = 1; !bad && i < 11; i++)
		bad = !chunk_is(&c[2 * i - 1], i, 0, (i - 1) * PAGE + 512,
				PAGE - 512) ||
		      !chunk_is(&c[2 * i], i, PAGE - 512, i * PAGE, 512);
	free(c);
	CHECK(!bad);
}

/*
 * @req laid out @max chunks at a time: the same chunks as in one go, and
 * no call gives more than @max. 0 if so.
 */
static int pieces_differ(const struct xsplit_blk_req *req, unsigned int max)
{
	struct xsplit_blk_cursor cur = { 0 };
	struct xsplit_blk_chunk *whole, *part;
	unsigned int i, n, got, k = 0;
	int bad = 0;

	whole = layout(req, &n);
	part = calloc(max, sizeof(*part));
	if (!part)
		abort();
	while (!bad && (got = xsplit_blk_layout_next(req, &cur, part, max))) {
		if (got > max || k + got > n)
			bad = 1;
		for (i = 0; !bad && i < got; i++, k++)
			bad = !chunk_is(&part[i], whole[k].seg, whole[k].guest_off,
					whole[k].buf_off, whole[k].len);
	}
	if (k != n)
		bad = 2;
	/* Once done it stays done. */
	if (!bad && xsplit_blk_layout_next(req, &cur, part, max))
		bad = 3;
	free(part);
	free(whole);
	return bad;
}

TEST(blk_layout_in_pieces)
{
	struct xsplit_blk_req r = req_pages(BLKIF_OP_WRITE, 0, 11);
	unsigned int max;

	/* The worst case: every page after the first splits. */
	r.seg[0].first_sect = 5;
	r.seg[0].last_sect = 5;
	for (max = 1; max <= 22; max++)
		CHECK(pieces_differ(&r, max) == 0);
	r = req_pages(BLKIF_OP_READ, 0, XSPLIT_BLK_MAX_SEGS);
	CHECK(pieces_differ(&r, 1) == 0);
	CHECK(pieces_differ(&r, 4) == 0);
	r = req_pages(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	CHECK(pieces_differ(&r, 3) == 0);
}

/*
 * Every valid request shape from a fixed pseudo-random sequence, plus the
 * extremes: the layout rules hold for each.
 */
TEST(blk_layout_invariants)
{
	struct xsplit_blk_vbd v = vbd_full();
	struct xsplit_blk_req r;
	struct xsplit_blk_chunk *c;
	u32 x = 0x2545f491;
	unsigned int iter, i, n, most = 0;
	int bad = 0;

	v.sectors = 1ull << 40;
	for (iter = 0; iter < 20000 && !bad; iter++) {
		unsigned int nseg = 1 + iter % XSPLIT_BLK_MAX_SEGS;

		r = req_pages(BLKIF_OP_READ, 0, nseg);
		for (i = 0; i < nseg; i++) {
			u8 a, b;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			a = x % 8;
			b = (x >> 8) % 8;
			r.seg[i].first_sect = a < b ? a : b;
			r.seg[i].last_sect = a < b ? b : a;
		}
		if (!accepted(&r, &v)) {
			bad = 100;
			break;
		}
		c = layout(&r, &n);
		bad = layout_broken(&r, c, n);
		free(c);
		if (n > most)
			most = n;
	}
	CHECK(bad == 0);
	CHECK(most > XSPLIT_BLK_MAX_SEGS);
	CHECK(most <= XSPLIT_BLK_MAX_CHUNKS);
}

/* -- indirect requests ---------------------------------------------------- */

/* 256 whole pages: the most an indirect request carries with us. */
#define IND_MAX		XSPLIT_BLK_MAX_INDIRECT_SEGS
#define IND_SECTORS	(IND_MAX * XSPLIT_BLK_SECTORS_PER_PAGE)

/* vbd_full() advertising @max indirect segments, of 2 * IND_SECTORS. */
static struct xsplit_blk_vbd vbd_ind(u16 max)
{
	struct xsplit_blk_vbd vbd = vbd_full();

	vbd.sectors = 2 * IND_SECTORS;
	vbd.max_indirect_segs = max;
	return vbd;
}

/*
 * The header of a BLKIF_OP_INDIRECT wrapping @indirect_op with @nseg
 * segments, as it sits in the ring slot: the segments are still in the
 * guest's indirect pages, so seg[] is left empty.
 */
static struct xsplit_blk_req req_ind_hdr(u8 indirect_op, unsigned int nseg)
{
	struct xsplit_blk_req req;
	unsigned int i;

	memset(&req, 0, sizeof(req));
	req.op = BLKIF_OP_INDIRECT;
	req.indirect_op = indirect_op;
	req.id = 0x9abc;
	req.nr_segments = (u16)nseg;
	for (i = 0; i < xsplit_blk_indirect_pages(req.nr_segments) &&
		    i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		req.indirect_gref[i] = 500 + i;
	return req;
}

/*
 * The same request once the backend has copied its segments in: @op (the
 * indirect_op) at @sector with @nseg whole-page segments and indirect set.
 * Only the first IND_MAX entries exist.
 */
static struct xsplit_blk_req req_ind(u8 op, u64 sector, unsigned int nseg)
{
	struct xsplit_blk_req req = req_pages(op, sector, nseg);
	unsigned int i;

	req.indirect = true;
	for (i = 0; i < nseg && i < IND_MAX; i++) {
		req.seg[i].gref = 100 + i;
		req.seg[i].first_sect = 0;
		req.seg[i].last_sect = 7;
	}
	return req;
}

TEST(blk_indirect_needs_max_indirect_segs)
{
	struct xsplit_blk_vbd v = vbd_ind(0);
	struct xsplit_blk_req r = req_ind_hdr(BLKIF_OP_READ, 1);
	const char *why = NULL;

	CHECK(refused(&r, &v, -EOPNOTSUPP));
	r = req_ind_hdr(BLKIF_OP_WRITE, IND_MAX);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	/* Ahead of every other rule, header or not. */
	v.readonly = true;
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	r = req_ind_hdr(BLKIF_OP_FLUSH_DISKCACHE, 0);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	r = req_ind_hdr(200, 65535);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	CHECK(xsplit_blk_rsp_status(xsplit_blk_check(&r, &v, &why)) ==
	      BLKIF_RSP_EOPNOTSUPP);

	/* Any advertised count will do for the op itself. */
	v = vbd_ind(1);
	r = req_ind_hdr(BLKIF_OP_READ, 1);
	CHECK(accepted(&r, &v));
	v = vbd_ind(65535);
	CHECK(accepted(&r, &v));
}

TEST(blk_indirect_op_must_be_read_or_write)
{
	static const u8 ops[] = {
		BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE,
		BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT, BLKIF_OP_RESERVED_1, 4, 7,
		8, 200, 255,
	};
	struct xsplit_blk_vbd v;
	struct xsplit_blk_req r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		v = vbd_ind(IND_MAX);
		r = req_ind_hdr(ops[i], 1);
		CHECK(refused(&r, &v, -EINVAL));
		r = req_ind_hdr(ops[i], IND_MAX);
		CHECK(refused(&r, &v, -EINVAL));
		/* Ahead of -EROFS: the indirect header has its own order. */
		v.readonly = true;
		CHECK(refused(&r, &v, -EINVAL));
		/* The features of the wrapped op do not matter. */
		v = vbd_ind(IND_MAX);
		v.flush = v.barrier = v.discard = false;
		CHECK(refused(&r, &v, -EINVAL));
	}
	v = vbd_ind(IND_MAX);
	r = req_ind_hdr(BLKIF_OP_READ, IND_MAX);
	CHECK(accepted(&r, &v));
	r = req_ind_hdr(BLKIF_OP_WRITE, IND_MAX);
	CHECK(accepted(&r, &v));
}

TEST(blk_indirect_readonly)
{
	struct xsplit_blk_vbd v = vbd_ind(IND_MAX);
	struct xsplit_blk_req r;

	v.readonly = true;
	r = req_ind_hdr(BLKIF_OP_WRITE, 1);
	CHECK(refused(&r, &v, -EROFS));
	/* Ahead of the segment count. */
	r = req_ind_hdr(BLKIF_OP_WRITE, 0);
	CHECK(refused(&r, &v, -EROFS));
	r = req_ind_hdr(BLKIF_OP_WRITE, IND_MAX + 1);
	CHECK(refused(&r, &v, -EROFS));
	r = req_ind_hdr(BLKIF_OP_READ, 1);
	CHECK(accepted(&r, &v));
	r = req_ind_hdr(BLKIF_OP_READ, IND_MAX);
	CHECK(accepted(&r, &v));
	r = req_ind_hdr(BLKIF_OP_READ, IND_MAX + 1);
	CHECK(refused(&r, &v, -EINVAL));
}

TEST(blk_indirect_segment_count)
{
	static const u16 maxes[] = { 1, 2, 11, 12, 32, 255, 256 };
	struct xsplit_blk_vbd v;
	struct xsplit_blk_req r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(maxes); i++) {
		v = vbd_ind(maxes[i]);
		r = req_ind_hdr(BLKIF_OP_READ, 0);
		CHECK(refused(&r, &v, -EINVAL));
		r = req_ind_hdr(BLKIF_OP_WRITE, 0);
		CHECK(refused(&r, &v, -EINVAL));
		r = req_ind_hdr(BLKIF_OP_READ, 1);
		CHECK(accepted(&r, &v));
		r = req_ind_hdr(BLKIF_OP_WRITE, maxes[i]);
		CHECK(accepted(&r, &v));
		r = req_ind_hdr(BLKIF_OP_READ, maxes[i]);
		CHECK(accepted(&r, &v));
		r = req_ind_hdr(BLKIF_OP_WRITE, maxes[i] + 1u);
		CHECK(refused(&r, &v, -EINVAL));
		r = req_ind_hdr(BLKIF_OP_READ, maxes[i] + 1u);
		CHECK(refused(&r, &v, -EINVAL));
		r = req_ind_hdr(BLKIF_OP_READ, 65535);
		CHECK(refused(&r, &v, -EINVAL));
	}
}

TEST(blk_indirect_max_is_capped)
{
	static const u16 maxes[] = { 257, 300, 512, 4096, 65535 };
	struct xsplit_blk_vbd v;
	struct xsplit_blk_req r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(maxes); i++) {
		v = vbd_ind(maxes[i]);
		r = req_ind_hdr(BLKIF_OP_READ, IND_MAX);
		CHECK(accepted(&r, &v));
		r = req_ind_hdr(BLKIF_OP_WRITE, IND_MAX);
		CHECK(accepted(&r, &v));
		r = req_ind_hdr(BLKIF_OP_READ, IND_MAX + 1);
		CHECK(refused(&r, &v, -EINVAL));
		r = req_ind_hdr(BLKIF_OP_WRITE, maxes[i]);
		CHECK(refused(&r, &v, -EINVAL));

		/* The same cap in the full check. */
		r = req_ind(BLKIF_OP_READ, 0, IND_MAX);
		CHECK(accepted(&r, &v));
		r = req_ind(BLKIF_OP_READ, 0, IND_MAX + 1);
		CHECK(refused(&r, &v, -EINVAL));
		r = req_ind(BLKIF_OP_WRITE, 0, maxes[i]);
		CHECK(refused(&r, &v, -EINVAL));
	}
}

/* The segments are still in the guest's pages: the header is all there is. */
TEST(blk_indirect_header_only)
{
	struct xsplit_blk_vbd v = vbd_ind(IND_MAX);
	struct xsplit_blk_req r = req_ind_hdr(BLKIF_OP_READ, 3);

	r.seg[0].first_sect = 7;
	r.seg[0].last_sect = 0;
	r.seg[1].last_sect = 200;
	CHECK(accepted(&r, &v));
	/* Its extent is judged in the full check, once the length is known. */
	v.sector_size = 4096;
	r.sector = 3;
	CHECK(accepted(&r, &v));
}

TEST(blk_indirect_pages)
{
	CHECK(XSPLIT_BLK_SEGS_PER_INDIRECT_PAGE == 512);
	CHECK(xsplit_blk_indirect_pages(0) == 0);
	CHECK(xsplit_blk_indirect_pages(1) == 1);
	CHECK(xsplit_blk_indirect_pages(11) == 1);
	CHECK(xsplit_blk_indirect_pages(IND_MAX) == 1);
	CHECK(xsplit_blk_indirect_pages(511) == 1);
	CHECK(xsplit_blk_indirect_pages(512) == 1);
	CHECK(xsplit_blk_indirect_pages(513) == 2);
	CHECK(xsplit_blk_indirect_pages(1024) == 2);
	CHECK(xsplit_blk_indirect_pages(1025) == 3);
	CHECK(xsplit_blk_indirect_pages(4096) == 8);
	CHECK(xsplit_blk_indirect_pages(65535) == 128);
	/* Whatever the header accepts fits the request's indirect_gref[]. */
	CHECK(xsplit_blk_indirect_pages(IND_MAX) <=
	      BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
}

/* -- the full check of a request whose segments came indirectly ----------- */

TEST(blk_indirect_full_read_write)
{
	static const u8 ops[] = { BLKIF_OP_READ, BLKIF_OP_WRITE };
	struct xsplit_blk_vbd v = vbd_ind(IND_MAX);
	struct xsplit_blk_req r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		r = req_ind(ops[i], 0, 1);
		CHECK(accepted(&r, &v));
		r = req_ind(ops[i], 8, 12);
		CHECK(accepted(&r, &v));
		r = req_ind(ops[i], 0, IND_MAX);
		CHECK(accepted(&r, &v));
		r = req_ind(ops[i], 0, IND_MAX + 1);
		CHECK(refused(&r, &v, -EINVAL));
		r = req_ind(ops[i], 0, 65535);
		CHECK(refused(&r, &v, -EINVAL));
		r = req_ind(ops[i], 0, 0);
		CHECK(refused(&r, &v, -EINVAL));
	}

	/* The vbd's own limit, below the cap. */
	v = vbd_ind(32);
	r = req_ind(BLKIF_OP_WRITE, 0, 32);
	CHECK(accepted(&r, &v));
	r = req_ind(BLKIF_OP_WRITE, 0, 33);
	CHECK(refused(&r, &v, -EINVAL));
	/* Nothing advertised: no indirect segment is allowed. */
	v = vbd_ind(0);
	r = req_ind(BLKIF_OP_READ, 0, 1);
	CHECK(refused(&r, &v, -EINVAL));
}

/* indirect set on anything but a read or a write is -EINVAL. */
TEST(blk_indirect_flag_on_other_ops)
{
	struct xsplit_blk_vbd v = vbd_ind(IND_MAX);
	struct xsplit_blk_req r;

	r = req_ind(BLKIF_OP_FLUSH_DISKCACHE, 0, 1);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_ind(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_ind(BLKIF_OP_WRITE_BARRIER, 0, 1);
	CHECK(refused(&r, &v, -EINVAL));
	r = req_ind(BLKIF_OP_WRITE_BARRIER, 0, 0);
	CHECK(refused(&r, &v, -EINVAL));

	/* The rules before -EINVAL still come first. */
	v.flush = false;
	r = req_ind(BLKIF_OP_FLUSH_DISKCACHE, 0, 1);
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	v = vbd_ind(IND_MAX);
	v.readonly = true;
	CHECK(refused(&r, &v, -EROFS));
	r = req_ind(BLKIF_OP_WRITE_BARRIER, 0, 0);
	CHECK(refused(&r, &v, -EROFS));
	/* A flush without data passes the read-only rule, not this one. */
	r = req_ind(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	CHECK(refused(&r, &v, -EINVAL));
}

/* The same for a discard, which the checker judges on a path of its own. */
TEST(blk_indirect_flag_on_discard)
{
	struct xsplit_blk_vbd v = vbd_ind(IND_MAX);
	struct xsplit_blk_req r = req_discard(0, 8);

	r.indirect = true;
	CHECK(refused(&r, &v, -EINVAL));
	r = req_discard(v.sectors + 1, 8);
	r.indirect = true;
	CHECK(refused(&r, &v, -EINVAL));
	r = req_discard(0, 0);
	r.indirect = true;
	CHECK(refused(&r, &v, -EINVAL));
	/* Ahead of it: the feature, then the read-only rule. */
	r = req_discard(0, 8);
	r.indirect = true;
	v.discard = false;
	CHECK(refused(&r, &v, -EOPNOTSUPP));
	v = vbd_ind(IND_MAX);
	v.readonly = true;
	CHECK(refused(&r, &v, -EROFS));
}

/* Without indirect set the ring slot's limit holds, however many offered. */
TEST(blk_indirect_direct_still_limited)
{
	static const u16 maxes[] = { 12, 256, 65535 };
	struct xsplit_blk_vbd v;
	struct xsplit_blk_req r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(maxes); i++) {
		v = vbd_ind(maxes[i]);
		r = req_ind(BLKIF_OP_READ, 0, 12);
		r.indirect = false;
		CHECK(refused(&r, &v, -EINVAL));
		r = req_ind(BLKIF_OP_WRITE, 0, IND_MAX);
		r.indirect = false;
		CHECK(refused(&r, &v, -EINVAL));
		r.nr_segments = 11;
		CHECK(accepted(&r, &v));
	}
}

/* Every segment is judged, up to the last of 256. */
TEST(blk_indirect_segment_any_index)
{
	static const unsigned int idx[] = { 0, 10, 11, 12, 100, 254, 255 };
	struct xsplit_blk_vbd v = vbd_ind(IND_MAX);
	struct xsplit_blk_req r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(idx); i++) {
		r = req_ind(BLKIF_OP_READ, 0, IND_MAX);
		r.seg[idx[i]].last_sect = 8;
		CHECK(refused(&r, &v, -EINVAL));
		r = req_ind(BLKIF_OP_WRITE, 0, IND_MAX);
		r.seg[idx[i]].first_sect = 4;
		r.seg[idx[i]].last_sect = 3;
		CHECK(refused(&r, &v, -EINVAL));
		/* Ahead of the range rule. */
		r.sector = UINT64_MAX;
		CHECK(refused(&r, &v, -EINVAL));
	}
	/* Bad entries past nr_segments are not part of the request. */
	r = req_ind(BLKIF_OP_READ, 0, 200);
	r.seg[200].first_sect = 7;
	r.seg[200].last_sect = 0;
	r.seg[255].last_sect = 200;
	CHECK(accepted(&r, &v));
}

/* 256 whole pages are 2048 sectors: range and alignment use that. */
TEST(blk_indirect_range_and_alignment)
{
	struct xsplit_blk_vbd v = vbd_ind(IND_MAX);
	struct xsplit_blk_req r;

	r = req_ind(BLKIF_OP_READ, v.sectors - IND_SECTORS, IND_MAX);
	CHECK(accepted(&r, &v));
	r.sector++;
	CHECK(refused(&r, &v, -ERANGE));
	r.sector = v.sectors;
	CHECK(refused(&r, &v, -ERANGE));
	r = req_ind(BLKIF_OP_WRITE, 0, IND_MAX);
	v.sectors = IND_SECTORS;
	CHECK(accepted(&r, &v));
	v.sectors = IND_SECTORS - 1;
	CHECK(refused(&r, &v, -ERANGE));
	/* The sum wraps to something small. */
	v.sectors = 2 * IND_SECTORS;
	r.sector = UINT64_MAX - IND_SECTORS + 1;
	CHECK(refused(&r, &v, -ERANGE));
	r.sector = UINT64_MAX - 7;
	CHECK(refused(&r, &v, -ERANGE));
	v.sectors = UINT64_MAX;
	r.sector = UINT64_MAX - IND_SECTORS;
	CHECK(accepted(&r, &v));
	r.sector++;
	CHECK(refused(&r, &v, -ERANGE));

	v = vbd_ind(IND_MAX);
	v.sector_size = 4096;
	r = req_ind(BLKIF_OP_READ, 8, IND_MAX);
	CHECK(accepted(&r, &v));
	r.sector = 9;
	CHECK(refused(&r, &v, -EINVAL));
	r.sector = 8;
	r.seg[200].first_sect = 1;
	CHECK(refused(&r, &v, -EINVAL));
	/* 7 + 1 sectors make a block again. */
	r.seg[201].last_sect = 0;
	r.seg[201].first_sect = 0;
	r.nr_segments = 202;
	CHECK(accepted(&r, &v));
	/* Past the end is -ERANGE even when unaligned too. */
	r = req_ind(BLKIF_OP_READ, v.sectors - IND_SECTORS + 4, IND_MAX);
	CHECK(refused(&r, &v, -ERANGE));
	/* A write on a read-only vbd is refused before any of this. */
	v.readonly = true;
	r = req_ind(BLKIF_OP_WRITE, 3, IND_MAX + 1);
	CHECK(refused(&r, &v, -EROFS));
	r = req_ind(BLKIF_OP_READ, 0, IND_MAX);
	CHECK(accepted(&r, &v));
}

/* -- data sectors and layout of 256 segments ----------------------------- */

TEST(blk_indirect_data_sectors)
{
	struct xsplit_blk_req r = req_ind(BLKIF_OP_READ, 0, IND_MAX);
	unsigned int i;

	CHECK(xsplit_blk_data_sectors(&r) == IND_SECTORS);
	for (i = 0; i < IND_MAX; i += 2)
		r.seg[i].first_sect = r.seg[i].last_sect = i % 8;
	CHECK(xsplit_blk_data_sectors(&r) == IND_MAX / 2 * (1 + 8));
	r.nr_segments = 13;
	CHECK(xsplit_blk_data_sectors(&r) == 7 * 1 + 6 * 8);
}

/* An independent count: one chunk per buffer page each segment touches. */
static unsigned int chunks_expected(const struct xsplit_blk_req *req)
{
	unsigned int i, n = 0;
	u32 start = 0, end;

	for (i = 0; i < req->nr_segments; i++) {
		end = start + seg_bytes(&req->seg[i]);
		n += (end - 1) / PAGE - start / PAGE + 1;
		start = end;
	}
	return n;
}

TEST(blk_indirect_layout_full_pages)
{
	struct xsplit_blk_req r = req_ind(BLKIF_OP_WRITE, 0, IND_MAX);
	struct xsplit_blk_chunk *c;
	unsigned int i, n;
	int bad;

	c = layout(&r, &n);
	bad = layout_broken(&r, c, n) || n != IND_MAX;
	for (i = 0; !bad && i < n; i++)
		bad = !chunk_is(&c[i], i, 0, i * PAGE, PAGE);
	free(c);
	CHECK(!bad);
}

/*
 * One sector, then a whole page, 128 times: each pair is 4608 bytes, so
 * the page starts 512 * (9p + 1) into the buffer and is whole only when
 * p % 8 == 7. 128 + 2 * 128 - 16 = 368 chunks.
 */
TEST(blk_indirect_layout_alternating)
{
	struct xsplit_blk_vbd v = vbd_ind(IND_MAX);
	struct xsplit_blk_req r = req_ind(BLKIF_OP_READ, 0, IND_MAX);
	struct xsplit_blk_chunk *c;
	unsigned int i, n;
	int bad;

	for (i = 0; i < IND_MAX; i += 2)
		r.seg[i].first_sect = r.seg[i].last_sect = (i / 2) % 8;
	CHECK(accepted(&r, &v));
	c = layout(&r, &n);
	bad = layout_broken(&r, c, n) || n != 368 ||
	      n != chunks_expected(&r) || n > XSPLIT_BLK_MAX_CHUNKS ||
	      !chunk_is(&c[0], 0, 0, 0, 512) ||
	      !chunk_is(&c[1], 1, 0, 512, PAGE - 512) ||
	      !chunk_is(&c[2], 1, PAGE - 512, PAGE, 512) ||
	      !chunk_is(&c[3], 2, 512, PAGE + 512, 512) ||
	      !chunk_is(&c[n - 1], IND_MAX - 1, 0, 143 * PAGE, PAGE) ||
	      c[n - 1].buf_off + c[n - 1].len !=
	      xsplit_blk_data_sectors(&r) * 512;
	free(c);
	CHECK(!bad);
}

/* One sector then 255 pages: every page splits, 511 chunks of 512 room. */
TEST(blk_indirect_layout_worst_case)
{
	struct xsplit_blk_req r = req_ind(BLKIF_OP_WRITE, 0, IND_MAX);
	struct xsplit_blk_chunk *c;
	unsigned int i, n;
	int bad;

	r.seg[0].first_sect = r.seg[0].last_sect = 3;
	c = layout(&r, &n);
	bad = layout_broken(&r, c, n) || n != 2 * IND_MAX - 1 ||
	      n != chunks_expected(&r) || n > XSPLIT_BLK_MAX_CHUNKS ||
	      !chunk_is(&c[0], 0, 1536, 0, 512);
	for (i = 1; !bad && i < IND_MAX; i++)
		bad = !chunk_is(&c[2 * i - 1], i, 0, (i - 1) * PAGE + 512,
				PAGE - 512) ||
		      !chunk_is(&c[2 * i], i, PAGE - 512, i * PAGE, 512);
	free(c);
	CHECK(!bad);
}

/* Random valid indirect requests of 1..256 segments keep the layout rules. */
TEST(blk_indirect_layout_invariants)
{
	struct xsplit_blk_vbd v = vbd_ind(IND_MAX);
	struct xsplit_blk_req r;
	struct xsplit_blk_chunk *c;
	u32 x = 0x6b43a9b5;
	unsigned int iter, i, n, most = 0;
	int bad = 0;

	v.sectors = 1ull << 40;
	for (iter = 0; iter < 3000 && !bad; iter++) {
		unsigned int nseg = 1 + iter % IND_MAX;

		r = req_ind(iter & 1 ? BLKIF_OP_WRITE : BLKIF_OP_READ, 0,
			    nseg);
		for (i = 0; i < nseg; i++) {
			u8 a, b;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			a = x % 8;
			b = (x >> 8) % 8;
			r.seg[i].first_sect = a < b ? a : b;
			r.seg[i].last_sect = a < b ? b : a;
		}
		if (!accepted(&r, &v)) {
			bad = 100;
			break;
		}
		c = layout(&r, &n);
		bad = layout_broken(&r, c, n);
		if (!bad && n != chunks_expected(&r))
			bad = 200;
		free(c);
		if (n > most)
			most = n;
	}
	CHECK(bad == 0);
	CHECK(most > IND_MAX);
	CHECK(most <= XSPLIT_BLK_MAX_CHUNKS);
}
