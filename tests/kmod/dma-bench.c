// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-test-dma-bench: what a streaming DMA mapping costs (bench/dma).
 *
 * Not a driver: at load it takes one PCI device that has no driver, times
 * map+unmap pairs on it under three dma_map_ops in turn, puts back the ops
 * it found and is done. All of it happens in the module's init, which
 * then returns 0; the module stays loaded doing nothing and bench/dma/run.sh
 * removes it. The device itself is never started: no address handed out
 * here ever reaches it.
 *
 * The three ops, measured on the same buffers in the same boot:
 *   ours         the device's ops as found at load: the script binds the
 *                device to xsplit-dma first
 *   swiotlb-xen  no ops of the device's own (dev->dma_ops NULL), so the
 *                arch default, which in a PV dom0 is swiotlb-xen
 *   identity     ops of this module that return the pseudo-physical address
 *                and do nothing else: the floor, what any ops costs merely
 *                for being called through the DMA API
 *
 * Rows: 1page (one page), 3pages (12 KiB, machine-contiguous), 3pages-split
 * (12 KiB whose frames do not follow each other, which every layer has to
 * bounce) and sg64k (a scatter list of 16 separate pages).
 *
 * Each round measures every row under each ops, the three ops of a row back
 * to back, so that the emulated machine's drift in speed hits them alike.
 * A measurement is @iters pairs timed as one loop, by the TSC (see
 * bench_clock() for why not ktime), after 256 untimed maps whose bus
 * addresses give the bounce rate and which warm the code up.
 * Per (round, ops, row) one line:
 *   xsplit-dma-bench: round R ops OPS row ROW ns NS bounced PCT
 * (or "... row ROW failed (why)") and last "xsplit-dma-bench: done".
 */
#define pr_fmt(fmt) "xsplit-dma-bench: " fmt

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/msr.h>
#include <asm/tsc.h>
#include <asm/xen/page.h>
#include <xsplit/xen_frames.h>

static char *bdf = "0000:00:05.0";
module_param(bdf, charp, 0444);
MODULE_PARM_DESC(bdf, "PCI device to measure on, dddd:bb:dd.f; it must have no driver");

static unsigned int iters = 20000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "map+unmap pairs timed per measurement");

static unsigned int rounds = 5;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "Rounds, each measuring every row under every ops");

/* 16 separate pages: 64 KiB with x86's 4 KiB pages. */
#define BENCH_SG_ENTRIES	16
/* Maps per row and ops whose addresses are checked; not timed. */
#define BENCH_BOUNCE_MAPS	256
/* Allocations tried for a machine-contiguous 12 KiB before asking Xen. */
#define BENCH_ALLOC_TRIES	8
/* Frame swaps tried to make the split buffer non-contiguous. */
#define BENCH_SWAP_TRIES	8

enum bench_ops { OPS_OURS, OPS_SWIOTLB, OPS_IDENT, NR_OPS };

static const char * const bench_ops_names[NR_OPS] = {
	[OPS_OURS] = "ours",
	[OPS_SWIOTLB] = "swiotlb-xen",
	[OPS_IDENT] = "identity",
};

enum bench_row { ROW_1PAGE, ROW_3PAGES, ROW_3SPLIT, ROW_SG64K, NR_ROWS };

static const char * const bench_row_names[NR_ROWS] = {
	[ROW_1PAGE] = "1page",
	[ROW_3PAGES] = "3pages",
	[ROW_3SPLIT] = "3pages-split",
	[ROW_SG64K] = "sg64k",
};

struct bench_bufs {
	struct page *one;		/* 1page */
	/* 3pages: order 2, pages 0-2 in one machine run */
	struct page *contig;
	bool contig_exchanged;		/* the run came from Xen: give it back */
	/* 3pages-split: order 2, page 1's frame not after page 0's */
	struct page *split;
	struct page *sg_pages[BENCH_SG_ENTRIES];
	struct scatterlist sgl[BENCH_SG_ENTRIES];
	bool ready[NR_ROWS];		/* rows whose buffer could be made */
};

/*
 * The identity ops: the cheapest a dma_map_ops can be. Its addresses are
 * pseudo-physical, which a device of a PV domain cannot use; harmless
 * here, where the device never sees one.
 */
static dma_addr_t ident_map_page(struct device *dev, struct page *page,
				 unsigned long offset, size_t size,
				 enum dma_data_direction dir,
				 unsigned long attrs)
{
	return page_to_phys(page) + offset;
}

static void ident_unmap_page(struct device *dev, dma_addr_t addr, size_t size,
			     enum dma_data_direction dir, unsigned long attrs)
{
}

static int ident_map_sg(struct device *dev, struct scatterlist *sgl,
			int nents, enum dma_data_direction dir,
			unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = sg_phys(sg);
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static void ident_unmap_sg(struct device *dev, struct scatterlist *sgl,
			   int nents, enum dma_data_direction dir,
			   unsigned long attrs)
{
}

/* Any mask will do: nothing is ever bounced. */
static int ident_dma_supported(struct device *dev, u64 mask)
{
	return 1;
}

static const struct dma_map_ops ident_ops = {
	.map_page = ident_map_page,
	.unmap_page = ident_unmap_page,
	.map_sg = ident_map_sg,
	.unmap_sg = ident_unmap_sg,
	.dma_supported = ident_dma_supported,
};

/*
 * The bus address of @page + @offset when @ops did not bounce it: its
 * machine address for ours and swiotlb-xen (pfn_to_mfn() is the identity
 * in an auto-translated domain), and for the identity ops, which never
 * bounces, the pseudo-physical address it hands out, so that its column
 * reads 0 rather than counting every page whose pfn differs from its mfn.
 */
static dma_addr_t bench_own_addr(enum bench_ops ops, struct page *page,
				 unsigned long offset)
{
	if (ops == OPS_IDENT)
		return page_to_phys(page) + offset;
	return ((dma_addr_t)pfn_to_mfn(page_to_pfn(page)) << PAGE_SHIFT) +
	       offset;
}

/*
 * The clock of the timed loops: the TSC, in cycles, not ktime_get_ns().
 * In a PV domain ktime reads Xen's per-vCPU time records, and unless Xen
 * calls the TSC stable the kernel keeps that clock monotonic across CPUs
 * by returning the highest value any CPU has read (pvclock's last_value)
 * whenever its own is lower. Under emulation the vCPUs' records are
 * milliseconds apart, and a loop of a few milliseconds read 0 ns or a
 * quarter of its time. The TSC has no such step; tsc_khz, which Xen
 * calibrated against its platform timer, turns cycles into time. Should
 * there be no TSC frequency, ktime it is, steps and all.
 */
static bool bench_use_tsc;

static u64 bench_clock(void)
{
	return bench_use_tsc ? rdtsc_ordered() : ktime_get_ns();
}

/* Tenths of a nanosecond per pair, from the clock's span over @iters pairs. */
static s64 bench_tenths(u64 span)
{
	u64 ns10 = bench_use_tsc ? mul_u64_u32_div(span, 10000000, tsc_khz) :
				   span * 10;

	return div_u64(ns10, iters);
}

/*
 * Timed: @iters map+unmap pairs of @size bytes at @page, the whole loop
 * between two readings of the clock. Returns tenths of a nanosecond per
 * pair, or -EIO if a map failed.
 */
static s64 bench_time_page(struct device *dev, struct page *page, size_t size)
{
	dma_addr_t addr;
	unsigned int i;
	u64 t0;

	t0 = bench_clock();
	for (i = 0; i < iters; i++) {
		addr = dma_map_page(dev, page, 0, size, DMA_TO_DEVICE);
		/* A driver checks every map: so does the loop. */
		if (dma_mapping_error(dev, addr))
			return -EIO;
		dma_unmap_page(dev, addr, size, DMA_TO_DEVICE);
	}
	return bench_tenths(bench_clock() - t0);
}

/* Timed: the same for the whole scatter list. */
static s64 bench_time_sg(struct device *dev, struct scatterlist *sgl)
{
	unsigned int i;
	u64 t0;

	t0 = bench_clock();
	for (i = 0; i < iters; i++) {
		if (!dma_map_sg(dev, sgl, BENCH_SG_ENTRIES, DMA_TO_DEVICE))
			return -EIO;
		dma_unmap_sg(dev, sgl, BENCH_SG_ENTRIES, DMA_TO_DEVICE);
	}
	return bench_tenths(bench_clock() - t0);
}

/*
 * Untimed: of BENCH_BOUNCE_MAPS maps of @size bytes at @page, how many got
 * an address other than the buffer's own. Returns 0 or -EIO; the counts
 * go to @bounced and @total.
 */
static int bench_bounce_page(struct device *dev, enum bench_ops ops,
			     struct page *page, size_t size,
			     unsigned int *bounced, unsigned int *total)
{
	dma_addr_t addr;
	unsigned int i;

	*bounced = 0;
	*total = 0;
	for (i = 0; i < BENCH_BOUNCE_MAPS; i++) {
		addr = dma_map_page(dev, page, 0, size, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, addr))
			return -EIO;
		if (addr != bench_own_addr(ops, page, 0))
			(*bounced)++;
		(*total)++;
		dma_unmap_page(dev, addr, size, DMA_TO_DEVICE);
	}
	return 0;
}

/* The same for the scatter list, entry by entry. */
static int bench_bounce_sg(struct device *dev, enum bench_ops ops,
			   struct scatterlist *sgl, unsigned int *bounced,
			   unsigned int *total)
{
	struct scatterlist *sg;
	unsigned int i;
	int n, j;

	*bounced = 0;
	*total = 0;
	for (i = 0; i < BENCH_BOUNCE_MAPS; i++) {
		n = dma_map_sg(dev, sgl, BENCH_SG_ENTRIES, DMA_TO_DEVICE);
		if (!n)
			return -EIO;
		/*
		 * None of the three merges entries, so entry j holds page j's
		 * mapping (an ops that merged would be judged, entry by
		 * entry, against the first n pages).
		 */
		for_each_sg(sgl, sg, n, j) {
			if (sg_dma_address(sg) !=
			    bench_own_addr(ops, sg_page(sg), sg->offset))
				(*bounced)++;
			(*total)++;
		}
		dma_unmap_sg(dev, sgl, BENCH_SG_ENTRIES, DMA_TO_DEVICE);
	}
	return 0;
}

static void bench_row_buf(struct bench_bufs *b, enum bench_row row,
			  struct page **page, size_t *size)
{
	switch (row) {
	case ROW_1PAGE:
		*page = b->one;
		*size = PAGE_SIZE;
		break;
	case ROW_3PAGES:
		*page = b->contig;
		*size = 3 * PAGE_SIZE;
		break;
	case ROW_3SPLIT:
		*page = b->split;
		*size = 3 * PAGE_SIZE;
		break;
	default:
		*page = NULL;
		*size = 0;
		break;
	}
}

static void bench_set_ops(struct device *dev, enum bench_ops ops,
			  const struct dma_map_ops *orig)
{
	switch (ops) {
	case OPS_OURS:
		set_dma_ops(dev, orig);
		break;
	case OPS_SWIOTLB:
		set_dma_ops(dev, NULL);
		break;
	default:
		set_dma_ops(dev, &ident_ops);
		break;
	}
}

/* One row under one ops: its line in the log. */
static void bench_one(struct device *dev, struct bench_bufs *b,
		      const struct dma_map_ops *orig, unsigned int round,
		      enum bench_row row, enum bench_ops ops)
{
	const char *on = bench_ops_names[ops], *rn = bench_row_names[row];
	unsigned int bounced, total;
	struct page *page;
	size_t size;
	s64 tenths;
	int rc;

	if (!b->ready[row]) {
		pr_info("round %u ops %s row %s failed (no buffer)\n",
			round, on, rn);
		return;
	}
	bench_set_ops(dev, ops, orig);
	/*
	 * A full mask, so that only machine contiguity decides what bounces.
	 * The identity ops takes any mask; for the others a refusal means
	 * their figures would not be about the same thing.
	 */
	rc = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (rc && ops != OPS_IDENT) {
		pr_info("round %u ops %s row %s failed (64-bit mask refused: %d)\n",
			round, on, rn, rc);
		return;
	}
	bench_row_buf(b, row, &page, &size);

	/* The bounce pass first: it also warms the code the timed loop runs. */
	if (row == ROW_SG64K)
		rc = bench_bounce_sg(dev, ops, b->sgl, &bounced, &total);
	else
		rc = bench_bounce_page(dev, ops, page, size, &bounced, &total);
	if (rc) {
		pr_info("round %u ops %s row %s failed (map error)\n",
			round, on, rn);
		return;
	}
	if (row == ROW_SG64K)
		tenths = bench_time_sg(dev, b->sgl);
	else
		tenths = bench_time_page(dev, page, size);
	if (tenths < 0) {
		pr_info("round %u ops %s row %s failed (map error)\n",
			round, on, rn);
		return;
	}
	/* Tenths of a per cent, from counts small enough not to overflow. */
	bounced = total ? bounced * 1000 / total : 0;
	pr_info("round %u ops %s row %s ns %lld.%lld bounced %u.%u\n",
		round, on, rn, tenths / 10, tenths % 10, bounced / 10,
		bounced % 10);
}

/*
 * The 3pages buffer: pages 0-2 of an order-2 allocation in one machine run.
 * A PV dom0's memory mostly comes in long runs, so one of a few
 * allocations usually is; the ones that are not are held until the end,
 * or the allocator would hand the same pages back. Failing that, Xen is
 * asked for a run (and given it back before the free).
 */
static int bench_alloc_contig(struct bench_bufs *b)
{
	struct page *reject[BENCH_ALLOC_TRIES];
	unsigned int n = 0, i;
	struct page *page;
	int rc = 0;

	while (n < BENCH_ALLOC_TRIES) {
		page = alloc_pages(GFP_KERNEL, 2);
		if (!page) {
			rc = -ENOMEM;
			break;
		}
		if (xsplit_frames_contiguous(page, 0, 3 * PAGE_SIZE)) {
			b->contig = page;
			break;
		}
		reject[n++] = page;
	}
	if (!b->contig && n) {
		page = reject[--n];
		rc = xsplit_frames_make_contiguous(page, 2, 0);
		if (!rc) {
			b->contig = page;
			b->contig_exchanged = true;
			pr_info("3pages: %u allocations not machine-contiguous; Xen gave a run\n",
				n + 1);
		} else {
			reject[n++] = page;
		}
	}
	for (i = 0; i < n; i++)
		__free_pages(reject[i], 2);
	if (!b->contig && !rc)
		rc = -EAGAIN;
	return rc;
}

/*
 * The 3pages-split buffer: page 1 is given a frame from anywhere until it
 * no longer follows page 0's (Xen may hand back the very next frame).
 * That new frame is an ordinary one, not scarce low memory, so nothing
 * has to go back to Xen before the free.
 */
static int bench_alloc_split(struct bench_bufs *b)
{
	struct page *page;
	unsigned int tries;
	int rc;

	page = alloc_pages(GFP_KERNEL, 2);
	if (!page)
		return -ENOMEM;
	for (tries = 0; tries < BENCH_SWAP_TRIES; tries++) {
		if (!xsplit_frames_contiguous(page, 0, 2 * PAGE_SIZE))
			break;
		rc = xsplit_frames_make_contiguous(page + 1, 0, 0);
		if (rc) {
			__free_pages(page, 2);
			return rc;
		}
	}
	if (xsplit_frames_contiguous(page, 0, 2 * PAGE_SIZE)) {
		__free_pages(page, 2);
		return -EAGAIN;
	}
	b->split = page;
	return 0;
}

static int bench_alloc_sg(struct bench_bufs *b)
{
	unsigned int i;

	sg_init_table(b->sgl, BENCH_SG_ENTRIES);
	for (i = 0; i < BENCH_SG_ENTRIES; i++) {
		b->sg_pages[i] = alloc_page(GFP_KERNEL);
		if (!b->sg_pages[i])
			return -ENOMEM;
		sg_set_page(&b->sgl[i], b->sg_pages[i], PAGE_SIZE, 0);
	}
	return 0;
}

static void bench_free(struct bench_bufs *b)
{
	unsigned int i;
	int rc;

	if (b->one)
		__free_page(b->one);
	if (b->contig) {
		if (b->contig_exchanged) {
			rc = xsplit_frames_release_contiguous(b->contig, 2);
			if (rc)
				pr_warn("Xen did not take back the 3pages run (%d)\n",
					rc);
		}
		__free_pages(b->contig, 2);
	}
	if (b->split)
		__free_pages(b->split, 2);
	for (i = 0; i < BENCH_SG_ENTRIES; i++)
		if (b->sg_pages[i])
			__free_page(b->sg_pages[i]);
	kfree(b);
}

/* The buffers; a row whose buffer cannot be made is reported as failed. */
static struct bench_bufs *bench_alloc(void)
{
	struct bench_bufs *b = kzalloc(sizeof(*b), GFP_KERNEL);
	int rc;

	if (!b)
		return NULL;
	b->one = alloc_page(GFP_KERNEL);
	b->ready[ROW_1PAGE] = b->one != NULL;
	if (!b->one)
		pr_warn("1page: no page\n");
	rc = bench_alloc_contig(b);
	if (rc)
		pr_warn("3pages: no machine-contiguous 12 KiB (%d)\n", rc);
	b->ready[ROW_3PAGES] = !rc;
	rc = bench_alloc_split(b);
	if (rc)
		pr_warn("3pages-split: no machine-split 12 KiB (%d)\n", rc);
	b->ready[ROW_3SPLIT] = !rc;
	rc = bench_alloc_sg(b);
	if (rc)
		pr_warn("sg64k: no pages (%d)\n", rc);
	b->ready[ROW_SG64K] = !rc;
	return b;
}

static int bench_parse_bdf(unsigned int *domain, unsigned int *bus,
			   unsigned int *devfn)
{
	unsigned int slot, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", domain, bus, &slot, &fn) != 4 ||
	    *domain > 0xffff || *bus > 0xff || slot > 0x1f || fn > 7)
		return -EINVAL;
	*devfn = PCI_DEVFN(slot, fn);
	return 0;
}

static void bench_run(struct device *dev, struct bench_bufs *b,
		      const struct dma_map_ops *orig)
{
	enum bench_row row;
	enum bench_ops ops;
	unsigned int r;

	for (r = 1; r <= rounds; r++) {
		for (row = 0; row < NR_ROWS; row++) {
			for (ops = 0; ops < NR_OPS; ops++)
				bench_one(dev, b, orig, r, row, ops);
			/* A row under TCG can take seconds: let others run. */
			cond_resched();
		}
	}
}

static int __init bench_init(void)
{
	const struct dma_map_ops *orig, *arch;
	unsigned int domain, bus, devfn;
	struct bench_bufs *b;
	struct pci_dev *pdev;
	u64 mask, coherent;
	struct device *dev;
	int rc;

	if (bench_parse_bdf(&domain, &bus, &devfn)) {
		pr_err("bdf=%s: not a PCI address dddd:bb:dd.f\n", bdf);
		return -EINVAL;
	}
	if (!iters || !rounds) {
		pr_err("iters and rounds must be at least 1\n");
		return -EINVAL;
	}
	pdev = pci_get_domain_bus_and_slot(domain, bus, devfn);
	if (!pdev) {
		pr_err("no PCI device %s\n", bdf);
		return -ENODEV;
	}
	dev = &pdev->dev;
	b = bench_alloc();
	if (!b) {
		rc = -ENOMEM;
		goto put;
	}

	/* Held throughout, so that no driver probes the device meanwhile. */
	device_lock(dev);
	if (dev->driver) {
		pr_err("%s: driver %s has it; unbind it first\n", bdf,
		       dev->driver->name);
		rc = -EBUSY;
		goto unlock;
	}
	/* dma_map_page() refuses a device without one. */
	if (!dev->dma_mask) {
		pr_err("%s: no DMA mask\n", bdf);
		rc = -EINVAL;
		goto unlock;
	}
	orig = dev->dma_ops;
	if (!orig) {
		pr_err("%s has no ops of its own: bind it to xsplit-dma first (/sys/kernel/xsplit-dma/bind)\n",
		       bdf);
		rc = -EINVAL;
		goto unlock;
	}
	/* The run widens the masks; the device gets its own back after. */
	mask = *dev->dma_mask;
	coherent = dev->coherent_dma_mask;

	set_dma_ops(dev, NULL);
	arch = get_dma_ops(dev);
	set_dma_ops(dev, orig);
	bench_use_tsc = boot_cpu_has(X86_FEATURE_TSC) && tsc_khz;
	/* For the record: which code each column is, by name. */
	pr_info("%s: ours map_page %ps, swiotlb-xen map_page %ps, identity map_page %ps; %u pairs a measurement, %u rounds, clock %s\n",
		bdf, orig->map_page, arch ? arch->map_page : NULL,
		ident_ops.map_page, iters, rounds,
		bench_use_tsc ? "tsc" : "ktime");
	if (!arch)
		pr_warn("no arch dma_map_ops: the swiotlb-xen column is dma-direct\n");

	bench_run(dev, b, orig);

	/* Exactly the pointer found: xsplit-dma finds its state through it. */
	set_dma_ops(dev, orig);
	*dev->dma_mask = mask;
	dev->coherent_dma_mask = coherent;
	rc = 0;
	pr_info("done\n");
unlock:
	device_unlock(dev);
	bench_free(b);
put:
	pci_dev_put(pdev);
	return rc;
}

/* Everything was given back by the end of init: nothing left to undo. */
static void __exit bench_exit(void)
{
}

module_init(bench_init);
module_exit(bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xsplit test bed: times DMA map+unmap under xsplit-dma, swiotlb-xen and identity ops (bench use only)");
