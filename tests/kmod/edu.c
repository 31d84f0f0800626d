// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-test-edu: a test-only PCI driver for QEMU's "edu" teaching device
 * (1234:11e8, register map in QEMU's docs/specs/edu.rst), loaded in a
 * guest the device was passed through to. It proves the guest drives the
 * device itself: MMIO to its BAR, and its interrupt (INTx or MSI, as
 * asked) delivered to the guest. Each step prints one line
 * "xsplit-test-edu: <step> ok|FAIL ..." for the test to read from dmesg.
 *
 * With dma_test=1 it then has the device's DMA engine move data to and
 * from host memory through the DMA API, to prove whatever DMA ops the
 * device was given (swiotlb-xen, xsplit-dma) hand out bus addresses the
 * device can use: see edu_dma_test(). With dma_abuse=1 it misuses the
 * DMA API instead, to see the DMA layer answer with errors (no transfer).
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <xen/features.h>
#include <xen/xen.h>
#include <asm/xen/page.h>
#include <xsplit/xen_frames.h>

#define EDU_ID			0x00
#define EDU_LIVENESS		0x04
#define EDU_FACTORIAL		0x08
#define EDU_STATUS		0x20
#define EDU_STATUS_COMPUTING	0x01
#define EDU_STATUS_IRQ_FACT	0x80
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64
#define EDU_IRQ_FACT_DONE	0x01	/* what the device raises for a factorial */
#define EDU_IRQ_TEST		0x5a00

#define EDU_ID_MASK		0xff
#define EDU_ID_LOW		0xed

#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_CMD_RUN		0x01
#define EDU_DMA_CMD_TO_RAM	0x02
/* The device's own end of every transfer: its one buffer. */
#define EDU_DMA_BUF		0x40000
#define EDU_DMA_BUF_SIZE	0x1000
/*
 * QEMU 7.2's edu counts a transfer that reaches the last byte of its
 * buffer as out of bounds (and aborts): only 4095 bytes are usable.
 */
#define EDU_XFER		(EDU_DMA_BUF_SIZE - 1)
#define EDU_DMA_TIMEOUT_MS	5000

static char *irq_mode = "msi";
module_param(irq_mode, charp, 0444);
MODULE_PARM_DESC(irq_mode, "Interrupt to use: msi or intx");

static unsigned int conf_bench_ms;
module_param(conf_bench_ms, uint, 0444);
MODULE_PARM_DESC(conf_bench_ms,
		 "First read the vendor/device dword from config space for this many ms and report the rate (bench/pci)");

static bool keep_irq;
module_param(keep_irq, bool, 0444);
MODULE_PARM_DESC(keep_irq,
		 "Keep the interrupt set up until the driver is unbound, so that removal has MSI to tear down");

static bool dma_test;
module_param(dma_test, bool, 0444);
MODULE_PARM_DESC(dma_test,
		 "After the other steps, run the DMA self-test (dma-* lines)");

static unsigned int dma_bounce_bits = 28;
module_param(dma_bounce_bits, uint, 0444);
MODULE_PARM_DESC(dma_bounce_bits,
		 "DMA mask width for dma-bounce: the DMA layer's bounce buffers must lie below 2^bits");

static bool dma_expect_bad;
module_param(dma_expect_bad, bool, 0444);
MODULE_PARM_DESC(dma_expect_bad,
		 "Instead of the DMA self-test: the DMA layer gives wrong bus addresses on purpose; only show that (dma-bad-detected)");

static bool dma_abuse;
module_param(dma_abuse, bool, 0444);
MODULE_PARM_DESC(dma_abuse,
		 "Instead of the DMA self-test: misuse the DMA API (size 0, huge coherent, exhausted bounce pool, double and stray unmaps) and report the DMA layer's answers (abuse-* lines)");

static bool dma_leak;
module_param(dma_leak, bool, 0444);
MODULE_PARM_DESC(dma_leak,
		 "After the DMA steps, map one page and never unmap it: a leak for the DMA layer to report at unbind");

static unsigned int dma_abuse_pool = 512;
module_param(dma_abuse_pool, uint, 0444);
MODULE_PARM_DESC(dma_abuse_pool,
		 "The DMA layer's bounce pool in pages, for abuse-exhausted: it must run out within this many single-page maps");

struct edu {
	void __iomem *bar;
	bool irq_kept;
	struct completion done;
	u32 irq_seen;
	unsigned int irqs;
};

static irqreturn_t edu_irq(int irq, void *data)
{
	struct edu *edu = data;
	u32 st = ioread32(edu->bar + EDU_IRQ_STATUS);

	if (!st)
		return IRQ_NONE;	/* INTx may be shared */
	iowrite32(st, edu->bar + EDU_IRQ_ACK);
	edu->irq_seen |= st;
	edu->irqs++;
	complete(&edu->done);
	return IRQ_HANDLED;
}

static bool edu_wait_irq(struct edu *edu, u32 want)
{
	if (!wait_for_completion_timeout(&edu->done, msecs_to_jiffies(5000)))
		return false;
	return (edu->irq_seen & want) == want;
}

static void edu_report(struct pci_dev *pdev, const char *step, bool ok,
		       u32 val)
{
	pci_info(pdev, "xsplit-test-edu: %s %s 0x%x\n", step, ok ? "ok" : "FAIL",
		 val);
}

/*
 * Config-space round trips in a tight loop: in a PV guest each one is an
 * op on pcifront's shared page answered by dom0's pciback, natively a
 * config cycle.
 */
static void edu_conf_bench(struct pci_dev *pdev)
{
	unsigned long end = jiffies + msecs_to_jiffies(conf_bench_ms);
	unsigned long start = jiffies, n = 0;
	u32 v;

	while (time_before(jiffies, end)) {
		pci_read_config_dword(pdev, PCI_VENDOR_ID, &v);
		n++;
		cond_resched();
	}
	pci_info(pdev, "xsplit-test-edu: conf-bench %lu reads in %u ms (last 0x%x)\n",
		 n, jiffies_to_msecs(jiffies - start), v);
}

static int edu_run(struct pci_dev *pdev, struct edu *edu)
{
	unsigned int flags = strcmp(irq_mode, "intx") ? PCI_IRQ_MSI :
							PCI_IRQ_LEGACY;
	bool got;
	u32 v;
	int ret, n;

	v = ioread32(edu->bar + EDU_ID);
	edu_report(pdev, "id", (v & EDU_ID_MASK) == EDU_ID_LOW, v);

	iowrite32(0x12345678, edu->bar + EDU_LIVENESS);
	v = ioread32(edu->bar + EDU_LIVENESS);
	edu_report(pdev, "liveness", v == ~0x12345678u, v);

	ret = pci_alloc_irq_vectors(pdev, 1, 1, flags);
	if (ret < 0) {
		edu_report(pdev, "irq-setup", false, -ret);
		return ret;
	}
	ret = request_irq(pci_irq_vector(pdev, 0), edu_irq,
			  flags == PCI_IRQ_LEGACY ? IRQF_SHARED : 0,
			  "xsplit-test-edu", edu);
	if (ret) {
		edu_report(pdev, "irq-setup", false, -ret);
		pci_free_irq_vectors(pdev);
		return ret;
	}
	pci_info(pdev, "xsplit-test-edu: irq-setup ok %s irq %d\n",
		 pdev->msi_enabled ? "msi" : "intx", pci_irq_vector(pdev, 0));

	/* An interrupt on demand ... */
	reinit_completion(&edu->done);
	iowrite32(EDU_IRQ_TEST, edu->bar + EDU_IRQ_RAISE);
	got = edu_wait_irq(edu, EDU_IRQ_TEST);
	edu_report(pdev, "irq-raise", got, edu->irq_seen);

	/* ... and one at the end of a computation: 7! = 5040. */
	reinit_completion(&edu->done);
	iowrite32(EDU_STATUS_IRQ_FACT, edu->bar + EDU_STATUS);
	iowrite32(7, edu->bar + EDU_FACTORIAL);
	ret = edu_wait_irq(edu, EDU_IRQ_FACT_DONE);
	for (n = 0; n < 1000 && (ioread32(edu->bar + EDU_STATUS) &
				 EDU_STATUS_COMPUTING); n++)
		usleep_range(100, 200);
	v = ioread32(edu->bar + EDU_FACTORIAL);
	edu_report(pdev, "factorial-irq", ret && v == 5040, v);
	iowrite32(0, edu->bar + EDU_STATUS);

	pci_info(pdev, "xsplit-test-edu: done, %u interrupt(s)\n", edu->irqs);
	if (keep_irq) {
		edu->irq_kept = true;
		return 0;
	}
	free_irq(pci_irq_vector(pdev, 0), edu);
	pci_free_irq_vectors(pdev);
	return 0;
}

/*
 * The DMA self-test. Every case has the device read a patterned buffer
 * into its own buffer, then write that into a different, cleared
 * buffer (or a different part of one), and compares every byte the
 * device could have touched with what it should hold, so a transfer
 * that went to or came from the wrong place shows as a mismatch. Each
 * case prints one line "xsplit-test-edu: dma-<case> ok|FAIL 0x<val>":
 * ok with the number of bytes compared; FAIL with the errno that stopped
 * it, else with the number of bytes that differ. "dma-info" lines say
 * more, and never contain "ok" or "FAIL" as a word.
 */
struct edu_dma {
	struct pci_dev *pdev;
	struct device *dev;
	void __iomem *bar;
	/* Random per run, so that not even data a previous load left can match. */
	u32 seed;
	/*
	 * A transfer outlived its timeout: the device may still write to the
	 * current case's buffers, which must then be leaked, and accepts
	 * nothing new, so the later cases do not run.
	 */
	bool stuck;
	unsigned int ok;
	/* The current case's tally. */
	size_t bad, checked;
};

/*
 * The byte for position @pos in the pattern @seed. Seeds differ by small
 * numbers, and multiplying them by a large odd constant keeps the mixer's
 * inputs for one seed far from those of any other over a few pages, so
 * data from another case or shifted by any offset matches only by chance
 * byte by byte.
 */
static u8 edu_pat(u32 seed, size_t pos)
{
	u32 x = seed * 0x9e3779b1u + (u32)pos;

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static u32 edu_seed(struct edu_dma *d, unsigned int tag)
{
	return d->seed + tag;
}

static void edu_fill(void *buf, size_t len, u32 seed, size_t pos)
{
	u8 *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = edu_pat(seed, pos + i);
}

static void edu_tally(struct edu_dma *d, const char *what, size_t len,
		      size_t bad, size_t first, u8 got, u8 want)
{
	d->checked += len;
	d->bad += bad;
	if (bad)
		pci_info(d->pdev,
			 "xsplit-test-edu: dma-info %s: %zu of %zu bytes differ, first at +%zu: 0x%02x, want 0x%02x\n",
			 what, bad, len, first, got, want);
}

/* Count the bytes of @buf that are not pattern @seed from @pos. */
static void edu_expect(struct edu_dma *d, const char *what, const void *buf,
		       size_t len, u32 seed, size_t pos)
{
	size_t i, bad = 0, first = 0;
	const u8 *p = buf;
	u8 got = 0, want = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == edu_pat(seed, pos + i))
			continue;
		if (!bad++) {
			first = i;
			got = p[i];
			want = edu_pat(seed, pos + i);
		}
	}
	edu_tally(d, what, len, bad, first, got, want);
}

/* Count the bytes of @buf that the device should have left zero. */
static void edu_expect_zero(struct edu_dma *d, const char *what,
			    const void *buf, size_t len)
{
	size_t i, bad = 0, first = 0;
	const u8 *p = buf;

	for (i = 0; i < len; i++)
		if (p[i] && !bad++)
			first = i;
	edu_tally(d, what, len, bad, first, bad ? p[first] : 0, 0);
}

static bool edu_dma_idle(struct edu_dma *d)
{
	unsigned long end = jiffies + msecs_to_jiffies(EDU_DMA_TIMEOUT_MS);

	for (;;) {
		if (!(ioread32(d->bar + EDU_DMA_CMD) & EDU_DMA_CMD_RUN))
			return true;
		if (time_after(jiffies, end))
			return false;
		usleep_range(2000, 4000);
	}
}

/*
 * One transfer of @len bytes between host bus address @host and offset
 * @dev_off of the device's buffer, waited for. QEMU's edu aborts the
 * whole emulator when the device side of a transfer leaves its buffer,
 * so that is refused here, whatever the caller asked.
 */
static int edu_dma_xfer(struct edu_dma *d, bool to_ram, dma_addr_t host,
			unsigned int dev_off, size_t len)
{
	u64 dev = EDU_DMA_BUF + (u64)dev_off;

	if (d->stuck)
		return -EBUSY;
	if (!len || dev_off > EDU_XFER || len > EDU_XFER - dev_off) {
		pci_err(d->pdev,
			"xsplit-test-edu: dma-info refusing a transfer of %zu bytes at device 0x%llx\n",
			len, dev);
		return -EINVAL;
	}
	/* The device ignores register writes while it is busy. */
	if (!edu_dma_idle(d)) {
		d->stuck = true;
		pci_err(d->pdev, "xsplit-test-edu: dma-info engine busy before a transfer\n");
		return -EBUSY;
	}
	/*
	 * The address and count registers take only whole 64-bit (or low
	 * 32-bit) writes: two halves would lose the high one, so no
	 * lo-hi fallback. BAR0 is memory, so its iomap cookie is an address.
	 */
	writeq(to_ram ? dev : host, d->bar + EDU_DMA_SRC);
	writeq(to_ram ? host : dev, d->bar + EDU_DMA_DST);
	writeq(len, d->bar + EDU_DMA_COUNT);
	iowrite32(EDU_DMA_CMD_RUN | (to_ram ? EDU_DMA_CMD_TO_RAM : 0),
		  d->bar + EDU_DMA_CMD);
	if (!edu_dma_idle(d)) {
		d->stuck = true;
		pci_err(d->pdev,
			"xsplit-test-edu: dma-info transfer of %zu bytes %s %pad timed out\n",
			len, to_ram ? "to" : "from", &host);
		return -ETIMEDOUT;
	}
	return 0;
}

static int edu_dma_to_dev(struct edu_dma *d, dma_addr_t src,
			  unsigned int dev_off, size_t len)
{
	return edu_dma_xfer(d, false, src, dev_off, len);
}

static int edu_dma_to_ram(struct edu_dma *d, unsigned int dev_off,
			  dma_addr_t dst, size_t len)
{
	return edu_dma_xfer(d, true, dst, dev_off, len);
}

/*
 * Whether the bus range fits the mask. The DMA layer promises that; a
 * device would silently truncate an address that did not.
 */
static int edu_dma_fits(struct edu_dma *d, const char *what, dma_addr_t bus,
			size_t len, u64 mask)
{
	if (bus + len - 1 >= bus && bus + len - 1 <= mask)
		return 0;
	pci_err(d->pdev,
		"xsplit-test-edu: dma-info %s: bus %pad + 0x%zx beyond mask 0x%llx\n",
		what, &bus, len, mask);
	return -ERANGE;
}

/* Whether a case may free its buffers: not while the device may write them. */
static bool edu_may_free(struct edu_dma *d, const char *name)
{
	if (!d->stuck)
		return true;
	pci_err(d->pdev,
		"xsplit-test-edu: dma-info %s: leaking its buffers, the device may still write them\n",
		name);
	return false;
}

/*
 * One transfer through a streaming mapping of @len bytes at @off in
 * @page: from it into the device's buffer at @dev_off for DMA_TO_DEVICE,
 * the other way for DMA_FROM_DEVICE.
 */
static int edu_dma_page(struct edu_dma *d, const char *what,
			struct page *page, unsigned int off, size_t len,
			enum dma_data_direction dir, unsigned int dev_off)
{
	dma_addr_t bus;
	int err;

	bus = dma_map_page(d->dev, page, off, len, dir);
	if (dma_mapping_error(d->dev, bus)) {
		pci_err(d->pdev, "xsplit-test-edu: dma-info %s: mapping error\n",
			what);
		return -ENOMEM;
	}
	err = edu_dma_fits(d, what, bus, len, dma_get_mask(d->dev));
	if (!err && dir == DMA_TO_DEVICE)
		err = edu_dma_to_dev(d, bus, dev_off, len);
	else if (!err)
		err = edu_dma_to_ram(d, dev_off, bus, len);
	/* Unmapping would free a bounce slot the device may still write. */
	if (d->stuck)
		return err;
	dma_unmap_page(d->dev, bus, len, dir);
	return err;
}

static bool edu_case_begin(struct edu_dma *d, const char *name)
{
	d->bad = 0;
	d->checked = 0;
	if (!d->stuck)
		return true;
	edu_report(d->pdev, name, false, EBUSY);
	return false;
}

static void edu_case_end(struct edu_dma *d, const char *name, int err)
{
	bool ok = !err && !d->bad && d->checked;

	if (ok)
		d->ok++;
	edu_report(d->pdev, name, ok, err ? -err : d->bad ? d->bad : d->checked);
}

/* Where the device sees @page: in a PV domain, at its machine frame. */
static u64 edu_machine_addr(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);

	if (xen_pv_domain())
		return PFN_PHYS(pfn_to_mfn(pfn));
	return PFN_PHYS(pfn);
}

/* A page out and back, then part of one, to check the offset arithmetic. */
static void edu_dma_single(struct edu_dma *d)
{
	static const char name[] = "dma-single";
	u32 seed = edu_seed(d, 1), seed2 = edu_seed(d, 2);
	struct page *src, *dst;
	int err = -ENOMEM;
	u8 *t;

	if (!edu_case_begin(d, name))
		return;
	src = alloc_page(GFP_KERNEL);
	dst = alloc_page(GFP_KERNEL);
	if (!src || !dst)
		goto out;
	t = page_address(dst);

	edu_fill(page_address(src), PAGE_SIZE, seed, 0);
	err = edu_dma_page(d, "single page out", src, 0, EDU_XFER,
			   DMA_TO_DEVICE, 0);
	if (err)
		goto out;
	memset(t, 0, PAGE_SIZE);
	err = edu_dma_page(d, "single page back", dst, 0, EDU_XFER,
			   DMA_FROM_DEVICE, 0);
	if (err)
		goto out;
	edu_expect(d, "single page", t, EDU_XFER, seed, 0);
	edu_expect_zero(d, "single page end", t + EDU_XFER, PAGE_SIZE - EDU_XFER);

	/* Different offsets in each page and in the device's buffer. */
	edu_fill(page_address(src), PAGE_SIZE, seed2, 0);
	err = edu_dma_page(d, "single part out", src, 123, 1000,
			   DMA_TO_DEVICE, 500);
	if (err)
		goto out;
	memset(t, 0, PAGE_SIZE);
	err = edu_dma_page(d, "single part back", dst, 2000, 1000,
			   DMA_FROM_DEVICE, 500);
	if (err)
		goto out;
	edu_expect_zero(d, "single part before", t, 2000);
	edu_expect(d, "single part", t + 2000, 1000, seed2, 123);
	edu_expect_zero(d, "single part after", t + 3000, PAGE_SIZE - 3000);
out:
	edu_case_end(d, name, err);
	if (!edu_may_free(d, name))
		return;
	if (src)
		__free_page(src);
	if (dst)
		__free_page(dst);
}

/*
 * The three pages at @buf through one mapping: the device reads across
 * one page boundary and writes across the other, then the other way
 * round, with the syncs the CPU's accesses in between call for.
 */
static int edu_straddle_single(struct edu_dma *d, u8 *buf)
{
	u32 seed = edu_seed(d, 3), seed2 = edu_seed(d, 4);
	const size_t len = 3 * PAGE_SIZE, half = PAGE_SIZE / 2;
	dma_addr_t bus;
	int err;

	edu_fill(buf, len, seed, 0);
	bus = dma_map_single(d->dev, buf, len, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(d->dev, bus)) {
		pci_err(d->pdev, "xsplit-test-edu: dma-info straddle: mapping error\n");
		return -ENOMEM;
	}
	pci_info(d->pdev, "xsplit-test-edu: dma-info straddle single at %pad\n",
		 &bus);
	err = edu_dma_fits(d, "straddle", bus, len, dma_get_mask(d->dev));
	if (!err)
		err = edu_dma_to_dev(d, bus + half, 0, EDU_XFER);
	if (!err)
		err = edu_dma_to_ram(d, 0, bus + PAGE_SIZE + half, EDU_XFER);
	if (err)
		goto unmap;
	dma_sync_single_for_cpu(d->dev, bus, len, DMA_BIDIRECTIONAL);
	/* Pages 1-2 now hold what pages 0-1 held a page earlier. */
	edu_expect(d, "straddle single 1 head", buf, PAGE_SIZE + half, seed, 0);
	edu_expect(d, "straddle single 1 moved", buf + PAGE_SIZE + half,
		   EDU_XFER, seed, half);
	edu_expect(d, "straddle single 1 tail",
		   buf + PAGE_SIZE + half + EDU_XFER, 2 * PAGE_SIZE - half - EDU_XFER,
		   seed, PAGE_SIZE + half + EDU_XFER);

	edu_fill(buf, len, seed2, 0);
	dma_sync_single_for_device(d->dev, bus, len, DMA_BIDIRECTIONAL);
	err = edu_dma_to_dev(d, bus + PAGE_SIZE + half, 0, EDU_XFER);
	if (!err)
		err = edu_dma_to_ram(d, 0, bus + half, EDU_XFER);
unmap:
	if (d->stuck)
		return err;
	dma_unmap_single(d->dev, bus, len, DMA_BIDIRECTIONAL);
	if (err)
		return err;
	/* Pages 0-1 now hold what pages 1-2 held a page later. */
	edu_expect(d, "straddle single 2 head", buf, half, seed2, 0);
	edu_expect(d, "straddle single 2 moved", buf + half, EDU_XFER, seed2,
		   PAGE_SIZE + half);
	edu_expect(d, "straddle single 2 tail", buf + half + EDU_XFER,
		   len - half - EDU_XFER, seed2, half + EDU_XFER);
	return 0;
}

/*
 * The bus address of @len bytes at @off of the buffer a mapped
 * scatterlist covers, if they lie in one DMA segment: the segments cover
 * the buffer in order, however the DMA layer merged its entries.
 */
static int edu_sg_bus(struct scatterlist *sgl, int nents, size_t off,
		      size_t len, dma_addr_t *bus)
{
	struct scatterlist *sg;
	size_t start = 0;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		size_t seg = sg_dma_len(sg);

		if (off >= start && off - start <= seg &&
		    len <= seg - (off - start)) {
			*bus = sg_dma_address(sg) + (off - start);
			return 0;
		}
		start += seg;
	}
	return -ERANGE;
}

/*
 * The same three pages as a three-entry scatterlist, each entry with a
 * bus address of its own: the device copies the first half of each
 * entry into the second half of the next.
 */
static int edu_straddle_sg(struct edu_dma *d, struct page *pages)
{
	const size_t half = PAGE_SIZE / 2;
	u32 seed = edu_seed(d, 5);
	struct scatterlist sgl[3], *sg;
	u8 *buf = page_address(pages);
	dma_addr_t from, to;
	int i, n, err = 0;

	sg_init_table(sgl, ARRAY_SIZE(sgl));
	for (i = 0; i < ARRAY_SIZE(sgl); i++) {
		sg_set_page(&sgl[i], pages + i, PAGE_SIZE, 0);
		edu_fill(buf + i * PAGE_SIZE, half, seed, i * PAGE_SIZE);
		memset(buf + i * PAGE_SIZE + half, 0, half);
	}
	n = dma_map_sg(d->dev, sgl, ARRAY_SIZE(sgl), DMA_BIDIRECTIONAL);
	if (!n) {
		pci_err(d->pdev, "xsplit-test-edu: dma-info straddle sg: mapping error\n");
		return -ENOMEM;
	}
	for_each_sg(sgl, sg, n, i) {
		dma_addr_t bus = sg_dma_address(sg);

		pci_info(d->pdev,
			 "xsplit-test-edu: dma-info straddle sg segment %d at %pad+0x%x\n",
			 i, &bus, sg_dma_len(sg));
		if (!err)
			err = edu_dma_fits(d, "straddle sg", bus,
					   sg_dma_len(sg), dma_get_mask(d->dev));
	}
	for (i = 0; !err && i < ARRAY_SIZE(sgl); i++) {
		size_t next = (i + 1) % ARRAY_SIZE(sgl);

		err = edu_sg_bus(sgl, n, i * PAGE_SIZE, half, &from);
		if (!err)
			err = edu_sg_bus(sgl, n, next * PAGE_SIZE + half, half,
					 &to);
		if (!err)
			err = edu_dma_to_dev(d, from, 0, half);
		if (!err)
			err = edu_dma_to_ram(d, 0, to, half);
	}
	if (d->stuck)
		return err;
	dma_unmap_sg(d->dev, sgl, ARRAY_SIZE(sgl), DMA_BIDIRECTIONAL);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(sgl); i++) {
		size_t prev = (i + ARRAY_SIZE(sgl) - 1) % ARRAY_SIZE(sgl);

		edu_expect(d, "straddle sg kept", buf + i * PAGE_SIZE, half,
			   seed, i * PAGE_SIZE);
		edu_expect(d, "straddle sg copied", buf + i * PAGE_SIZE + half,
			   half, seed, prev * PAGE_SIZE);
	}
	return 0;
}

/*
 * A buffer contiguous in pseudo-physical but not in machine frames: a
 * DMA layer that maps it as one run from its first frame hands the
 * device the wrong memory past the first page boundary.
 */
static void edu_dma_straddle(struct edu_dma *d)
{
	static const char name[] = "dma-straddle";
	struct page *pages = NULL;
	int err, tries;

	if (!edu_case_begin(d, name))
		return;
	/* Only a PV domain sees machine frames, and can trade them. */
	err = -EOPNOTSUPP;
	if (!xen_pv_domain() || xen_feature(XENFEAT_auto_translated_physmap)) {
		pci_err(d->pdev, "xsplit-test-edu: dma-info straddle: not a PV domain\n");
		goto out;
	}
	err = -ENOMEM;
	pages = alloc_pages(GFP_KERNEL, 2);
	if (!pages)
		goto out;
	/* Xen may hand back the frame that follows page 0's: swap again. */
	for (tries = 1; tries <= 4; tries++) {
		err = xsplit_frames_make_contiguous(pages + 1, 0, 0);
		if (err || !xsplit_frames_contiguous(pages, 0, 2 * PAGE_SIZE))
			break;
	}
	if (err) {
		pci_err(d->pdev,
			"xsplit-test-edu: dma-info straddle: frame swap %d: error %d\n",
			tries, err);
		goto out;
	}
	if (tries > 4) {
		pci_err(d->pdev,
			"xsplit-test-edu: dma-info straddle: frames still contiguous after %d swaps\n",
			tries - 1);
		err = -EAGAIN;
		goto out;
	}
	pci_info(d->pdev,
		 "xsplit-test-edu: dma-info straddle machine frames 0x%llx 0x%llx 0x%llx\n",
		 edu_machine_addr(pages) >> PAGE_SHIFT,
		 edu_machine_addr(pages + 1) >> PAGE_SHIFT,
		 edu_machine_addr(pages + 2) >> PAGE_SHIFT);

	err = edu_straddle_single(d, page_address(pages));
	if (!err)
		err = edu_straddle_sg(d, pages);
out:
	edu_case_end(d, name, err);
	/*
	 * Page 1's new frame came from anywhere, not from scarce low memory,
	 * so there is nothing to give back to Xen first.
	 */
	if (pages && edu_may_free(d, name))
		__free_pages(pages, 2);
}

/*
 * Pages whose machine addresses lie above a narrow mask, which the DMA
 * layer has to bounce through memory below it.
 */
static void edu_dma_bounce(struct edu_dma *d)
{
	static const char name[] = "dma-bounce";
	u32 seed = edu_seed(d, 6);
	struct page *high[2] = { NULL, NULL }, *page, *tmp;
	unsigned int found = 0, tries;
	LIST_HEAD(low);
	u64 mask;
	int err;

	if (!edu_case_begin(d, name))
		return;
	err = -EINVAL;
	if (dma_bounce_bits <= PAGE_SHIFT || dma_bounce_bits >= 64)
		goto out;
	mask = DMA_BIT_MASK(dma_bounce_bits);
	err = dma_set_mask_and_coherent(d->dev, mask);
	if (err)
		goto out;

	/* Keep the low pages until the end, or the allocator returns them again. */
	for (tries = 0; tries < 1024 && found < ARRAY_SIZE(high); tries++) {
		page = alloc_page(GFP_KERNEL);
		if (!page)
			break;
		if (edu_machine_addr(page) > mask)
			high[found++] = page;
		else
			list_add(&page->lru, &low);
	}
	list_for_each_entry_safe(page, tmp, &low, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	err = -ENOMEM;
	if (found < ARRAY_SIZE(high)) {
		pci_err(d->pdev,
			"xsplit-test-edu: dma-info bounce: %u of %u pages above 2^%u\n",
			found, tries, dma_bounce_bits);
		goto out;
	}
	pci_info(d->pdev,
		 "xsplit-test-edu: dma-info bounce machine addresses 0x%llx 0x%llx, mask 0x%llx\n",
		 edu_machine_addr(high[0]), edu_machine_addr(high[1]), mask);

	edu_fill(page_address(high[0]), PAGE_SIZE, seed, 0);
	err = edu_dma_page(d, "bounce out", high[0], 0, EDU_XFER,
			   DMA_TO_DEVICE, 0);
	if (err)
		goto out;
	memset(page_address(high[1]), 0, PAGE_SIZE);
	err = edu_dma_page(d, "bounce back", high[1], 0, EDU_XFER,
			   DMA_FROM_DEVICE, 0);
	if (!err)
		edu_expect(d, "bounce", page_address(high[1]), EDU_XFER,
			   seed, 0);
out:
	edu_case_end(d, name, err);
	err = dma_set_mask_and_coherent(d->dev, DMA_BIT_MASK(64));
	if (err)
		pci_err(d->pdev,
			"xsplit-test-edu: dma-info bounce: restoring the 64-bit mask: %d\n",
			err);
	if (!edu_may_free(d, name))
		return;
	if (high[0])
		__free_page(high[0]);
	if (high[1])
		__free_page(high[1]);
}

/* The pages the DMA layer says a coherent buffer is made of must be its own. */
static int edu_coherent_sgtable(struct edu_dma *d, void *buf, dma_addr_t bus,
				size_t len)
{
	struct sg_table sgt;
	struct scatterlist *sg;
	size_t seen = 0;
	int i, err;

	err = dma_get_sgtable(d->dev, &sgt, buf, bus, len);
	if (err) {
		pci_err(d->pdev, "xsplit-test-edu: dma-info coherent sgtable: %d\n", err);
		return err;
	}
	for_each_sgtable_sg(&sgt, sg, i) {
		if (sg_page(sg) != virt_to_page(buf + seen) || sg->offset)
			err = -EFAULT;
		seen += sg->length;
	}
	sg_free_table(&sgt);
	if (!err && seen < len)
		err = -ERANGE;
	if (err)
		pci_err(d->pdev, "xsplit-test-edu: dma-info coherent sgtable: %zu bytes described, pages %s\n",
			seen, err == -EFAULT ? "wrong" : "right");
	return err;
}

/* A coherent buffer: no syncs, the CPU and the device see each other's data. */
static void edu_dma_coherent(struct edu_dma *d)
{
	static const char name[] = "dma-coherent";
	const size_t len = 4 * PAGE_SIZE;
	u32 seed = edu_seed(d, 7);
	dma_addr_t bus;
	int err;
	u8 *buf;

	if (!edu_case_begin(d, name))
		return;
	/*
	 * Under the narrow mask, so that in a PV domain the DMA layer has to
	 * get low machine memory for it rather than find some by luck.
	 */
	err = dma_set_coherent_mask(d->dev, DMA_BIT_MASK(dma_bounce_bits));
	if (err) {
		edu_case_end(d, name, err);
		return;
	}
	buf = dma_alloc_coherent(d->dev, len, &bus, GFP_KERNEL);
	if (!buf) {
		edu_case_end(d, name, -ENOMEM);
		dma_set_coherent_mask(d->dev, DMA_BIT_MASK(64));
		return;
	}
	pci_info(d->pdev, "xsplit-test-edu: dma-info coherent at %pad\n", &bus);
	/* What the device reads runs from page 0 into page 1. */
	edu_fill(buf, 2 * PAGE_SIZE, seed, 0);
	memset(buf + 2 * PAGE_SIZE, 0, 2 * PAGE_SIZE);
	err = edu_dma_fits(d, "coherent", bus, len, d->dev->coherent_dma_mask);
	if (!err)
		err = edu_dma_to_dev(d, bus + 1024, 0, EDU_XFER);
	if (!err)
		err = edu_dma_to_ram(d, 0, bus + 2 * PAGE_SIZE + 512, EDU_XFER);
	if (!err) {
		edu_expect(d, "coherent source", buf, 2 * PAGE_SIZE, seed, 0);
		edu_expect_zero(d, "coherent before", buf + 2 * PAGE_SIZE, 512);
		edu_expect(d, "coherent copy", buf + 2 * PAGE_SIZE + 512,
			   EDU_XFER, seed, 1024);
		edu_expect_zero(d, "coherent after",
				buf + 2 * PAGE_SIZE + 512 + EDU_XFER,
				2 * PAGE_SIZE - 512 - EDU_XFER);
	}
	if (!err)
		err = edu_coherent_sgtable(d, buf, bus, len);
	edu_case_end(d, name, err);
	if (edu_may_free(d, name))
		dma_free_coherent(d->dev, len, buf, bus);
	dma_set_coherent_mask(d->dev, DMA_BIT_MASK(64));
}

/*
 * For a DMA layer told to hand out wrong streaming addresses: the device
 * only reads through the streaming mapping, and writes what it got into
 * a coherent buffer, whose address is assumed right. Writing through a
 * wrong address would corrupt whatever memory it named.
 */
static void edu_dma_bad(struct edu_dma *d)
{
	static const char name[] = "dma-bad-detected";
	u32 seed = edu_seed(d, 8);
	struct page *page;
	dma_addr_t bus;
	void *buf = NULL;
	int err = -ENOMEM;
	bool ok;

	if (!edu_case_begin(d, name))
		return;
	page = alloc_page(GFP_KERNEL);
	if (page)
		buf = dma_alloc_coherent(d->dev, PAGE_SIZE, &bus, GFP_KERNEL);
	if (!buf)
		goto out;
	edu_fill(page_address(page), PAGE_SIZE, seed, 0);
	memset(buf, 0, PAGE_SIZE);
	err = edu_dma_page(d, "bad out", page, 0, EDU_XFER, DMA_TO_DEVICE, 0);
	if (!err)
		err = edu_dma_fits(d, "bad coherent", bus, PAGE_SIZE,
				   d->dev->coherent_dma_mask);
	if (!err)
		err = edu_dma_to_ram(d, 0, bus, EDU_XFER);
	if (!err)
		edu_expect(d, "bad-detected", buf, EDU_XFER, seed, 0);
out:
	/* Here a mismatch is the success. */
	ok = !err && d->bad;
	if (ok)
		d->ok++;
	edu_report(d->pdev, name, ok, err ? -err : d->bad);
	if (!edu_may_free(d, name))
		return;
	if (buf)
		dma_free_coherent(d->dev, PAGE_SIZE, buf, bus);
	if (page)
		__free_page(page);
}

/*
 * Misuse of the DMA API, which the DMA layer must answer with an error
 * and nothing worse. Nothing here reaches the device: the point is what
 * the mapping calls return (and, for the test script, the DMA layer's
 * counters and messages). Each step: "abuse-<what> ok|FAIL 0x<val>".
 */
static void edu_dma_abuse(struct edu_dma *d)
{
	u64 mask = DMA_BIT_MASK(dma_bounce_bits);
	unsigned int i, n, limit = dma_abuse_pool + 64;
	struct page *page = NULL, *high = NULL;
	dma_addr_t bus, *held = NULL;
	struct page *tmp, *next;
	LIST_HEAD(low);
	void *buf;

	page = alloc_page(GFP_KERNEL);
	if (!page)
		goto out;

	/* Size 0. */
	bus = dma_map_page(d->dev, page, 0, 0, DMA_TO_DEVICE);
	edu_report(d->pdev, "abuse-size0", dma_mapping_error(d->dev, bus), 0);
	if (!dma_mapping_error(d->dev, bus))
		dma_unmap_page(d->dev, bus, 0, DMA_TO_DEVICE);

	/* A coherent buffer larger than any the domain may exchange for. */
	buf = dma_alloc_coherent(d->dev, 4 << 20, &bus, GFP_KERNEL | __GFP_NOWARN);
	edu_report(d->pdev, "abuse-coherent-huge", !buf, 4 << 20);
	if (buf)
		dma_free_coherent(d->dev, 4 << 20, buf, bus);

	/* The rest needs a page the narrow mask forces into the pool. */
	if (dma_set_mask_and_coherent(d->dev, mask))
		goto out;
	for (i = 0; i < 1024 && !high; i++) {
		tmp = alloc_page(GFP_KERNEL);
		if (!tmp)
			break;
		if (edu_machine_addr(tmp) > mask)
			high = tmp;
		else
			list_add(&tmp->lru, &low);
	}
	list_for_each_entry_safe(tmp, next, &low, lru) {
		list_del(&tmp->lru);
		__free_page(tmp);
	}
	held = kcalloc(limit, sizeof(*held), GFP_KERNEL);
	if (!high || !held)
		goto out;

	/* The same page mapped until the pool runs out, then all unmapped. */
	for (n = 0; n < limit; n++) {
		held[n] = dma_map_page(d->dev, high, 0, PAGE_SIZE, DMA_TO_DEVICE);
		if (dma_mapping_error(d->dev, held[n]))
			break;
	}
	edu_report(d->pdev, "abuse-exhausted", n > 0 && n < limit, n);
	for (i = 0; i < n; i++)
		dma_unmap_page(d->dev, held[i], PAGE_SIZE, DMA_TO_DEVICE);

	/* Unmapped twice. */
	bus = dma_map_page(d->dev, high, 0, PAGE_SIZE, DMA_TO_DEVICE);
	if (!dma_mapping_error(d->dev, bus)) {
		dma_unmap_page(d->dev, bus, PAGE_SIZE, DMA_TO_DEVICE);
		dma_unmap_page(d->dev, bus, PAGE_SIZE, DMA_TO_DEVICE);
	}
	edu_report(d->pdev, "abuse-double-unmap", !dma_mapping_error(d->dev, bus),
		   0);

	/* Unmapped from the middle of a two-page mapping, then properly. */
	bus = dma_map_page(d->dev, high, 0, 2 * PAGE_SIZE - 16, DMA_TO_DEVICE);
	/* The high page's neighbour may be anything: only its address is used. */
	if (!dma_mapping_error(d->dev, bus)) {
		dma_unmap_page(d->dev, bus + PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE);
		dma_unmap_page(d->dev, bus, 2 * PAGE_SIZE - 16, DMA_TO_DEVICE);
	}
	edu_report(d->pdev, "abuse-stray-unmap", !dma_mapping_error(d->dev, bus),
		   0);
out:
	dma_set_mask_and_coherent(d->dev, DMA_BIT_MASK(64));
	kfree(held);
	if (high)
		__free_page(high);
	if (page)
		__free_page(page);
	pci_info(d->pdev, "xsplit-test-edu: abuse-done\n");
}

/*
 * Run after the other steps, with the device as they left it. Ends with
 * "xsplit-test-edu: dma-done <cases ok>/<cases>".
 */
static void edu_dma_test(struct pci_dev *pdev, struct edu *edu)
{
	struct edu_dma d = {
		.pdev = pdev,
		.dev = &pdev->dev,
		.bar = edu->bar,
		.seed = get_random_u32(),
	};
	unsigned int cases = dma_expect_bad ? 1 : 4;
	int err;

	/* The cases lay their buffers out in pages the size of the device's. */
	BUILD_BUG_ON(PAGE_SIZE != EDU_DMA_BUF_SIZE);
	err = dma_set_mask_and_coherent(d.dev, DMA_BIT_MASK(64));
	edu_report(pdev, "dma-setup", !err, err ? -err : 64);
	pci_info(pdev, "xsplit-test-edu: dma-info seed 0x%08x\n", d.seed);
	if (!err && dma_abuse) {
		edu_dma_abuse(&d);
		return;
	}
	if (!err && dma_expect_bad) {
		edu_dma_bad(&d);
	} else if (!err) {
		edu_dma_single(&d);
		edu_dma_straddle(&d);
		edu_dma_bounce(&d);
		edu_dma_coherent(&d);
	}
	pci_info(pdev, "xsplit-test-edu: dma-done %u/%u\n", d.ok, cases);
}

/*
 * A mapping this driver never gives back, page and all: the DMA layer must
 * count it as leaked when the driver goes, and keep the device until then.
 */
static void edu_dma_leak(struct pci_dev *pdev)
{
	struct page *page = alloc_page(GFP_KERNEL);
	dma_addr_t bus;

	if (!page) {
		edu_report(pdev, "dma-leak", false, ENOMEM);
		return;
	}
	bus = dma_map_page(&pdev->dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	edu_report(pdev, "dma-leak", !dma_mapping_error(&pdev->dev, bus), 0);
	pci_info(pdev, "xsplit-test-edu: dma-info leaking the mapping %pad\n", &bus);
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu *edu = pci_get_drvdata(pdev);

	if (!edu->irq_kept)
		return;
	free_irq(pci_irq_vector(pdev, 0), edu);
	pci_free_irq_vectors(pdev);
	pci_info(pdev, "xsplit-test-edu: interrupt released on remove\n");
}

/*
 * Error recovery, for the AER requests a PCI backend relays to the guest
 * (tests/vm/pcifront-hostile-back.sh). Each callback logs one line,
 * "xsplit-test-edu: aer <callback> [state N]", and leaves the device
 * alone: the function may be a fake with nothing behind it. The results,
 * which the frontend hands back to the backend, say which callback ran:
 *
 *   error_detected  CAN_RECOVER (2) when the channel still works,
 *                   NEED_RESET (3) when it is frozen,
 *                   DISCONNECT (4) when it failed for good;
 *   mmio_enabled    RECOVERED (5);
 *   slot_reset      RECOVERED (5);
 *   resume          nothing (the frontend answers NONE, 1).
 *
 * mmio_enabled and slot_reset can only differ in the order they come in.
 */
static pci_ers_result_t edu_error_detected(struct pci_dev *pdev,
					   pci_channel_state_t state)
{
	pci_info(pdev, "xsplit-test-edu: aer error_detected state %u\n",
		 (__force unsigned int)state);
	if (state == pci_channel_io_normal)
		return PCI_ERS_RESULT_CAN_RECOVER;
	if (state == pci_channel_io_frozen)
		return PCI_ERS_RESULT_NEED_RESET;
	return PCI_ERS_RESULT_DISCONNECT;
}

static pci_ers_result_t edu_mmio_enabled(struct pci_dev *pdev)
{
	pci_info(pdev, "xsplit-test-edu: aer mmio_enabled\n");
	return PCI_ERS_RESULT_RECOVERED;
}

static pci_ers_result_t edu_slot_reset(struct pci_dev *pdev)
{
	pci_info(pdev, "xsplit-test-edu: aer slot_reset\n");
	return PCI_ERS_RESULT_RECOVERED;
}

static void edu_resume(struct pci_dev *pdev)
{
	pci_info(pdev, "xsplit-test-edu: aer resume\n");
}

static const struct pci_error_handlers edu_err_handlers = {
	.error_detected = edu_error_detected,
	.mmio_enabled = edu_mmio_enabled,
	.slot_reset = edu_slot_reset,
	.resume = edu_resume,
};

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu *edu;
	int ret;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	init_completion(&edu->done);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), "xsplit-test-edu");
	if (ret)
		return ret;
	edu->bar = pcim_iomap_table(pdev)[0];
	/* An MSI is a memory write by the device. */
	pci_set_master(pdev);
	pci_set_drvdata(pdev, edu);
	if (conf_bench_ms)
		edu_conf_bench(pdev);
	edu_run(pdev, edu);
	if (dma_test || dma_expect_bad || dma_abuse)
		edu_dma_test(pdev, edu);
	if (dma_leak)
		edu_dma_leak(pdev);
	return 0;
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};

static struct pci_driver edu_driver = {
	.name = "xsplit-test-edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
	.err_handler = &edu_err_handlers,
};
module_pci_driver(edu_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xsplit test bed: drives QEMU's edu device (test use only)");
