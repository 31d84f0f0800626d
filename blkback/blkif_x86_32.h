/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blkif ring as a 32-bit x86 guest lays it out ("protocol" =
 * x86_32-abi). The public header describes only the layout of the domain
 * it is compiled for; on i386 a u64 is 4-byte aligned, so the request has
 * no padding before its id and the response is 12 bytes. The same fields
 * at i386 offsets, pinned by the asserts below.
 */
#ifndef XSPLIT_BLKIF_X86_32_H
#define XSPLIT_BLKIF_X86_32_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <xen/interface/io/blkif.h>

struct blkif_x86_32_request_rw {
	u8 nr_segments;
	blkif_vdev_t handle;
	u64 id;
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __packed;

struct blkif_x86_32_request_discard {
	u8 flag;
	blkif_vdev_t _pad1;
	u64 id;
	blkif_sector_t sector_number;
	u64 nr_sectors;
} __packed;

struct blkif_x86_32_request_other {
	u8 _pad1;
	blkif_vdev_t _pad2;
	u64 id;
} __packed;

struct blkif_x86_32_request_indirect {
	u8 indirect_op;
	u16 nr_segments;
	u64 id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	u16 _pad2;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	u64 _pad3;
} __packed;

struct blkif_x86_32_request {
	u8 operation;
	union {
		struct blkif_x86_32_request_rw rw;
		struct blkif_x86_32_request_discard discard;
		struct blkif_x86_32_request_other other;
		struct blkif_x86_32_request_indirect indirect;
	} u;
} __packed;

struct blkif_x86_32_response {
	u64 id;
	u8 operation;
	u8 _pad;
	s16 status;
} __packed __aligned(4);

DEFINE_RING_TYPES(blkif_x86_32, struct blkif_x86_32_request,
		  struct blkif_x86_32_response);

static_assert(offsetof(struct blkif_x86_32_request, u.rw.id) == 4);
static_assert(offsetof(struct blkif_x86_32_request, u.rw.sector_number) == 12);
static_assert(offsetof(struct blkif_x86_32_request, u.rw.seg) == 20);
static_assert(offsetof(struct blkif_x86_32_request, u.discard.nr_sectors) == 20);
static_assert(offsetof(struct blkif_x86_32_request, u.indirect.nr_segments) == 2);
static_assert(offsetof(struct blkif_x86_32_request, u.indirect.indirect_grefs) == 24);
static_assert(sizeof(struct blkif_x86_32_request) == 108);
static_assert(sizeof(struct blkif_x86_32_response) == 12);
static_assert(sizeof(union blkif_x86_32_sring_entry) == 108);

#endif /* XSPLIT_BLKIF_X86_32_H */
