// SPDX-License-Identifier: GPL-2.0
/*
 * Trading a PV domain's machine frames with Xen: see xen_frames.h.
 *
 * Xen takes a frame back only when nothing maps it, so every page first
 * leaves the kernel's direct map (one TLB flush for the lot), then the
 * exchange is made, then each page is mapped again onto its new frame and
 * the M2P and P2M are told. Xen makes an exchange of one chunk all or
 * nothing, and both directions here are one chunk, so on failure the old
 * frames are still ours and simply go back where they were.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <xen/features.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>
#include <xen/xen.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include <xsplit/xen_frames.h>

/* M2P updates are handed to Xen this many at a time. */
#define FRAMES_M2P_BATCH	16

/*
 * The P2M leaf of a page the kernel allocated is the kernel's own and
 * writable; the fault-safe write only guards against a shared read-only
 * leaf (a pfn with no RAM behind it), which would be a caller's bug.
 */
static int frames_set_p2m(unsigned long pfn, unsigned long mfn)
{
	if (pfn >= xen_p2m_size)
		return -ERANGE;
	return xen_safe_write_ulong(xen_p2m_addr + pfn, mfn) ? -EFAULT : 0;
}

/* Map @n pages from @page onto @mfns (or @mfns[0] + i if @run). */
static int frames_map(struct page *page, unsigned int n, const xen_pfn_t *mfns,
		      bool run)
{
	struct mmu_update m2p[FRAMES_M2P_BATCH];
	unsigned int i, k = 0;
	int rc = 0, err;

	for (i = 0; i < n; i++) {
		unsigned long pfn = page_to_pfn(page + i);
		unsigned long mfn = run ? mfns[0] + i : mfns[i];
		unsigned long va = (unsigned long)page_address(page + i);

		err = HYPERVISOR_update_va_mapping(va, mfn_pte(mfn, PAGE_KERNEL), 0);
		if (err && !rc)
			rc = err;
		m2p[k].ptr = ((u64)mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
		m2p[k].val = pfn;
		if (++k == FRAMES_M2P_BATCH || i == n - 1) {
			err = HYPERVISOR_mmu_update(m2p, k, NULL, DOMID_SELF);
			if (err && !rc)
				rc = err;
			k = 0;
		}
		err = frames_set_p2m(pfn, mfn);
		if (err && !rc)
			rc = err;
	}
	return rc;
}

/*
 * Take @n pages from @page out of the direct map and the P2M, noting their
 * frames in @mfns. On failure the pages already taken out are put back.
 */
static int frames_unmap(struct page *page, unsigned int n, xen_pfn_t *mfns)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		unsigned long va = (unsigned long)page_address(page + i);
		/* One flush on every CPU, with the last page, covers them all. */
		unsigned long flags = i == n - 1 ? UVMF_TLB_FLUSH | UVMF_ALL : 0;

		mfns[i] = pfn_to_mfn(page_to_pfn(page + i));
		rc = HYPERVISOR_update_va_mapping(va, __pte_ma(0), flags);
		if (rc)
			goto undo;
		rc = frames_set_p2m(page_to_pfn(page + i), INVALID_P2M_ENTRY);
		if (rc) {
			i++;
			goto undo;
		}
	}
	return 0;
undo:
	if (i)
		frames_map(page, i, mfns, false);
	return rc;
}

static int frames_exchange(xen_pfn_t *in, unsigned long nr_in,
			   unsigned int in_order, xen_pfn_t *out,
			   unsigned long nr_out, unsigned int out_order,
			   unsigned int address_bits)
{
	struct xen_memory_exchange x = {
		.in = {
			.nr_extents = nr_in,
			.extent_order = in_order,
			.domid = DOMID_SELF,
		},
		.out = {
			.nr_extents = nr_out,
			.extent_order = out_order,
			.address_bits = address_bits,
			.domid = DOMID_SELF,
		},
		.nr_exchanged = 0,
	};
	long rc;

	set_xen_guest_handle(x.in.extent_start, in);
	set_xen_guest_handle(x.out.extent_start, out);
	rc = HYPERVISOR_memory_op(XENMEM_exchange, &x);
	if (!rc && x.nr_exchanged != nr_in)
		rc = -EIO;
	return rc;
}

/*
 * Swap the frames behind 2^@order pages: for one extent of 2^@order frames
 * below 2^@address_bits if @to_run, else for 2^@order single frames.
 */
static int frames_trade(struct page *page, unsigned int order, bool to_run,
			unsigned int address_bits)
{
	unsigned int n = 1U << order;
	xen_pfn_t *old, *fresh;
	int rc;

	if (xen_feature(XENFEAT_auto_translated_physmap))
		return -EOPNOTSUPP;
	old = kmalloc_array(n, sizeof(*old), GFP_ATOMIC | __GFP_NOWARN);
	fresh = kmalloc_array(n, sizeof(*fresh), GFP_ATOMIC | __GFP_NOWARN);
	if (!old || !fresh) {
		rc = -ENOMEM;
		goto out;
	}
	rc = frames_unmap(page, n, old);
	if (rc)
		goto out;
	if (to_run)
		rc = frames_exchange(old, n, 0, fresh, 1, order, address_bits);
	else
		rc = frames_exchange(old, 1, order, fresh, n, 0, 0);
	if (rc) {
		/* Nothing was exchanged: the old frames go back in place. */
		frames_map(page, n, old, false);
		goto out;
	}
	rc = frames_map(page, n, fresh, to_run);
out:
	kfree(old);
	kfree(fresh);
	return rc;
}

int xsplit_frames_make_contiguous(struct page *page, unsigned int order,
				  unsigned int address_bits)
{
	return frames_trade(page, order, true, address_bits);
}

int xsplit_frames_release_contiguous(struct page *page, unsigned int order)
{
	return frames_trade(page, order, false, 0);
}

bool xsplit_frames_contiguous(struct page *page, unsigned long offset,
			      size_t len)
{
	unsigned long first, last, pfn, mfn0;

	if (!len)
		return true;
	first = page_to_pfn(page) + (offset >> PAGE_SHIFT);
	last = page_to_pfn(page) + ((offset + len - 1) >> PAGE_SHIFT);
	mfn0 = pfn_to_mfn(first);
	for (pfn = first + 1; pfn <= last; pfn++)
		if (pfn_to_mfn(pfn) != mfn0 + (pfn - first))
			return false;
	return true;
}
