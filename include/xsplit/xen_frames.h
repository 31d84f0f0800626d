/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Machine frames of a PV domain's own pages (kernel side only).
 *
 * A PV domain's kernel sees pseudo-physical frames (pfns); a device sees
 * machine frames (mfns). Pages that are contiguous in pfn space need not
 * be contiguous in mfn space, and nothing keeps them below a device's DMA
 * mask. These helpers trade the machine frames behind a run of the
 * domain's pages with Xen (XENMEM_exchange) and keep the three views of
 * them -- the kernel's direct map, the P2M and Xen's M2P -- in step.
 * xen_create_contiguous_region() does this inside the kernel but is not
 * exported to modules.
 */
#ifndef XSPLIT_XEN_FRAMES_H
#define XSPLIT_XEN_FRAMES_H

#include <linux/mm_types.h>
#include <linux/types.h>

/*
 * Give the 2^@order pages from @page (lowmem, pfn-contiguous, owned by
 * the caller) one machine-contiguous extent of frames, all below
 * 2^@address_bits (0: anywhere). The old frames go back to Xen. With
 * @order 0 it simply swaps one page's frame for another.
 * On failure the pages keep their old frames and -ENOMEM or the
 * hypercall's error is returned. It does not sleep, but it costs
 * about 2^(@order + 1) + 1 hypercalls: keep it off fast paths.
 */
int xsplit_frames_make_contiguous(struct page *page, unsigned int order,
				  unsigned int address_bits);

/*
 * Undo it before freeing the pages: give Xen back the contiguous extent,
 * which is scarce low memory, for 2^@order frames from anywhere.
 */
int xsplit_frames_release_contiguous(struct page *page, unsigned int order);

/* Whether the pages from @page, @len bytes from @offset, are machine-contiguous. */
bool xsplit_frames_contiguous(struct page *page, unsigned long offset,
			      size_t len);

#endif
