// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h.
 */

#include <xsplit/bar_page.h>

#define PAGE_LOW_MASK	(XSPLIT_GUEST_PAGE_SIZE - 1)

int xsplit_bar_page_conflict(const struct xsplit_range *bar,
			     const struct xsplit_range *others, unsigned int n)
{
	u64 first, last;
	unsigned int i;

	if (bar->end < bar->start)
		return -1;
	/* The whole pages the guest will map; end | mask cannot wrap past it. */
	first = bar->start & ~PAGE_LOW_MASK;
	last = bar->end | PAGE_LOW_MASK;

	for (i = 0; i < n; i++) {
		const struct xsplit_range *o = &others[i];

		if (o->end < o->start)
			continue;
		if (o->start <= last && o->end >= first)
			return (int)i;
	}
	return -1;
}
