/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether a passed-through BAR shares a page with something else. A PV
 * guest maps MMIO in whole 4 KiB pages, so a BAR smaller than a page, or
 * one not page aligned, hands the guest every other register in its first
 * and last page. Plain C, shared with the unit tests (see plain.h).
 */
#ifndef XSPLIT_BAR_PAGE_H
#define XSPLIT_BAR_PAGE_H

#include <xsplit/plain.h>

#define XSPLIT_GUEST_PAGE_SIZE	4096ull

/* A bus address range, both ends included; size 0 is not a range. */
struct xsplit_range {
	u64 start;
	u64 end;
};

/*
 * Index of the first of the @n ranges in @others that lies, wholly or in
 * part, in a 4 KiB page @bar touches; -1 if none does. Ranges with end
 * below start are empty and never match. Callers leave @bar itself, and
 * the other BARs of the same function, out of @others: those the guest
 * gets anyway.
 */
int xsplit_bar_page_conflict(const struct xsplit_range *bar,
			     const struct xsplit_range *others, unsigned int n);

#endif /* XSPLIT_BAR_PAGE_H */
