/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block protocol's public header, from whichever world we are built
 * in: the kernel's copy or Xen's (Debian libxen-dev) for the unit tests.
 * The two declare struct blkif_request differently (the kernel's has a
 * union per operation, Xen's flat fields), so shared code uses only the
 * constants, which both spell the same; the kernel side copies a request
 * off the ring into struct xsplit_blk_req itself.
 *
 * Neither copy includes the integer types it uses: plain.h comes first.
 */
#ifndef XSPLIT_BLKIF_H
#define XSPLIT_BLKIF_H

#include <xsplit/plain.h>

#ifdef __KERNEL__
#include <xen/interface/io/blkif.h>
#else
#include <xen/io/blkif.h>
#endif

#if !defined(BLKIF_OP_READ) || !defined(BLKIF_OP_WRITE) || \
	!defined(BLKIF_OP_WRITE_BARRIER) || \
	!defined(BLKIF_OP_FLUSH_DISKCACHE) || !defined(BLKIF_OP_DISCARD) || \
	!defined(BLKIF_OP_INDIRECT) || !defined(BLKIF_RSP_OKAY) || \
	!defined(BLKIF_RSP_ERROR) || !defined(BLKIF_RSP_EOPNOTSUPP) || \
	!defined(BLKIF_MAX_SEGMENTS_PER_REQUEST) || \
	!defined(BLKIF_DISCARD_SECURE) || !defined(VDISK_READONLY) || \
	!defined(VDISK_CDROM) || !defined(VDISK_REMOVABLE)
#error "blkif.h lacks constants the xsplit checkers need"
#endif

#endif /* XSPLIT_BLKIF_H */
