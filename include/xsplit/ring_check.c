// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h.
 *
 * Ring indices are free-running 32-bit counters that are reduced modulo the
 * ring size only when a slot is addressed. req_prod lives in memory the
 * frontend can write at any time, so a hostile or buggy frontend can set it
 * to anything: far ahead of req_cons, or behind it. A backend that trusted it
 * would loop over "requests" that are really stale or recycled slots, and
 * could spin for up to 2^32 iterations. Unsigned subtraction gives the
 * distance correctly across counter wrap-around; any distance larger than the
 * ring itself (including a producer that moved backwards, which shows up as a
 * huge distance) can only come from a misbehaving frontend.
 */

#include <xsplit/ring_check.h>

int xsplit_ring_pending(u32 req_prod, u32 req_cons, u32 ring_size,
			u32 *pending)
{
	u32 distance = req_prod - req_cons;

	if (distance > ring_size)
		return -EOVERFLOW;

	*pending = distance;
	return 0;
}
