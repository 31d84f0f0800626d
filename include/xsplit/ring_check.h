/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XSPLIT_RING_CHECK_H
#define XSPLIT_RING_CHECK_H

#include <xsplit/plain.h>

/*
 * Number of requests the frontend has produced that the backend has not yet
 * consumed, or -EOVERFLOW if the frontend's req_prod cannot be honest.
 *
 * req_prod must be a single snapshot of the shared-ring value (read once,
 * followed by a read barrier before any request slot is read); re-reading it
 * would let the frontend pass this check and then change the index.
 * On error *pending is left untouched.
 */
int xsplit_ring_pending(u32 req_prod, u32 req_cons, u32 ring_size,
			u32 *pending);

#endif /* XSPLIT_RING_CHECK_H */
