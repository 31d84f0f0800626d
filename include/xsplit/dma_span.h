/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How a streaming DMA mapping can be given to a device, judged frame by
 * frame. Plain C, shared with the unit tests (see plain.h).
 *
 * In a PV domain a buffer that is contiguous in pseudo-physical space
 * (pfns) may lie on scattered machine frames (mfns), and a device sees
 * only machine addresses. So each page is looked up on its own: the
 * buffer goes to the device as it is only if every page's frame follows
 * the one before and the last byte is within the device's mask.
 *
 * The judgement is static inline on purpose: it sits on the map path of
 * every DMA, and inlined with a constant lookup the compiler turns the
 * indirect call into a load from the P2M.
 */
#ifndef XSPLIT_DMA_SPAN_H
#define XSPLIT_DMA_SPAN_H

#include <xsplit/plain.h>

#define XSPLIT_DMA_PAGE_SHIFT	12
#define XSPLIT_DMA_PAGE_SIZE	(1ull << XSPLIT_DMA_PAGE_SHIFT)
#define XSPLIT_DMA_IN_PAGE	(XSPLIT_DMA_PAGE_SIZE - 1)

/* What a lookup returns for a pfn with no machine frame behind it. */
#define XSPLIT_DMA_NO_FRAME	(~0ull)

/* Largest frame number whose byte address still fits in 64 bits. */
#define XSPLIT_DMA_MAX_FRAME	(~0ull >> XSPLIT_DMA_PAGE_SHIFT)

enum xsplit_dma_span {
	/* Machine-contiguous and under the mask: the device may use it. */
	XSPLIT_DMA_DIRECT,
	/* pfn-contiguous but not machine-contiguous: must be bounced. */
	XSPLIT_DMA_SPLIT,
	/* Machine-contiguous, but some byte is above the mask: bounce. */
	XSPLIT_DMA_HIGH,
	/*
	 * No mapping at all: size 0, a range that wraps, or a page with
	 * no machine frame (which a bounce could not even read).
	 */
	XSPLIT_DMA_BAD,
};

typedef u64 (*xsplit_dma_frame_fn)(void *ctx, u64 pfn);

/*
 * Judge @size bytes at pseudo-physical address @phys for a device whose
 * mask is @mask, looking frames up with @frame. On XSPLIT_DMA_DIRECT the
 * bus address is stored in *@bus; otherwise *@bus is left alone.
 * *@pages gets the number of pages the range touches (0 when BAD for size).
 */
static inline enum xsplit_dma_span
xsplit_dma_judge(u64 phys, u64 size, u64 mask, xsplit_dma_frame_fn frame,
		 void *ctx, u64 *bus, u64 *pages)
{
	u64 first, last, pfn, mfn0, mfn, start;
	bool split = false;

	*pages = 0;
	if (!size || phys + (size - 1) < phys)
		return XSPLIT_DMA_BAD;
	first = phys >> XSPLIT_DMA_PAGE_SHIFT;
	last = (phys + (size - 1)) >> XSPLIT_DMA_PAGE_SHIFT;
	*pages = last - first + 1;

	mfn0 = frame(ctx, first);
	if (mfn0 == XSPLIT_DMA_NO_FRAME || mfn0 > XSPLIT_DMA_MAX_FRAME)
		return XSPLIT_DMA_BAD;
	/*
	 * Every page is looked at, even after a break: a hole, or a frame
	 * whose address does not fit, is BAD wherever it is.
	 */
	for (pfn = first + 1; pfn <= last; pfn++) {
		mfn = frame(ctx, pfn);
		if (mfn == XSPLIT_DMA_NO_FRAME || mfn > XSPLIT_DMA_MAX_FRAME)
			return XSPLIT_DMA_BAD;
		if (mfn != mfn0 + (pfn - first))
			split = true;
	}
	if (split)
		return XSPLIT_DMA_SPLIT;

	start = (mfn0 << XSPLIT_DMA_PAGE_SHIFT) | (phys & XSPLIT_DMA_IN_PAGE);
	if (start + (size - 1) < start)
		return XSPLIT_DMA_BAD;
	if (start + (size - 1) > mask)
		return XSPLIT_DMA_HIGH;
	*bus = start;
	return XSPLIT_DMA_DIRECT;
}

/* The address_bits to ask Xen for so that every frame is under @mask. */
static inline unsigned int xsplit_dma_mask_bits(u64 mask)
{
	unsigned int bits = 0;

	/* The highest run of ones from bit 0: a mask of 0x0fff_f0ff is 8. */
	while (bits < 64 && (mask >> bits) & 1)
		bits++;
	return bits;
}

#endif /* XSPLIT_DMA_SPAN_H */
