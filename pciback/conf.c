// SPDX-License-Identifier: GPL-2.0
/*
 * The config-space engine (include/xsplit/pci_conf.c) on a real function:
 * hardware access through the PCI core, BARs from the kernel's resources.
 */

#include <linux/pci.h>
#include <linux/slab.h>

#include <xsplit/bar_page.h>

#include "pciback.h"

static bool force_shared_pages;
module_param(force_shared_pages, bool, 0644);
MODULE_PARM_DESC(force_shared_pages,
		 "Pass functions through even when a BAR shares a 4 KiB page with another device's (the guest can then reach that device)");

/* Most memory ranges of other functions looked at; ample for any host. */
#define PCIBK_MAX_RANGES	4096

static int pcibk_hw_read(void *ctx, u32 off, u32 size, u32 *val)
{
	struct pci_dev *pdev = ctx;
	u16 w;
	u8 b;
	int ret;

	switch (size) {
	case 1:
		ret = pci_read_config_byte(pdev, off, &b);
		*val = b;
		break;
	case 2:
		ret = pci_read_config_word(pdev, off, &w);
		*val = w;
		break;
	default:
		ret = pci_read_config_dword(pdev, off, val);
		break;
	}
	return pcibios_err_to_errno(ret);
}

static int pcibk_hw_write(void *ctx, u32 off, u32 size, u32 val)
{
	struct pci_dev *pdev = ctx;
	int ret;

	switch (size) {
	case 1:
		ret = pci_write_config_byte(pdev, off, val);
		break;
	case 2:
		ret = pci_write_config_word(pdev, off, val);
		break;
	default:
		ret = pci_write_config_dword(pdev, off, val);
		break;
	}
	return pcibios_err_to_errno(ret);
}

/*
 * The engine never sizes a BAR on the device: it takes what the kernel
 * assigned, which is also what libxl granted the guest from sysfs.
 */
static void pcibk_bar_of(struct pci_dev *pdev, int i,
			 struct xsplit_pcicfg_bar *b)
{
	const struct resource *r = &pdev->resource[i];
	unsigned long fl = pci_resource_flags(pdev, i);

	memset(b, 0, sizeof(*b));
	if (!pci_resource_len(pdev, i) || !(fl & (IORESOURCE_IO | IORESOURCE_MEM)))
		return;
	b->addr = r->start;
	b->size = resource_size(r);
	if (fl & IORESOURCE_IO)
		b->flags = XSPLIT_PCICFG_BAR_IO;
	else if (i == PCI_ROM_RESOURCE)
		b->flags = 0;
	else if (fl & IORESOURCE_MEM_64)
		b->flags = XSPLIT_PCICFG_BAR_MEM64;
	if ((fl & IORESOURCE_PREFETCH) && i != PCI_ROM_RESOURCE)
		b->flags |= XSPLIT_PCICFG_BAR_PREFETCH;
}

static bool pcibk_is_mem_bar(const struct pci_dev *pdev, int i)
{
	return pci_resource_len(pdev, i) &&
	       (pci_resource_flags(pdev, i) & IORESOURCE_MEM);
}

/* Memory BARs and ROMs of every function but @pdev. */
static unsigned int pcibk_other_ranges(struct pci_dev *pdev,
				       struct xsplit_range *r,
				       struct pci_dev **owner)
{
	struct pci_dev *o = NULL;
	unsigned int n = 0;
	int i;

	for_each_pci_dev(o) {
		if (o == pdev)
			continue;
		/* BARs 0-5 and the ROM are resources 0-6. */
		for (i = 0; i <= PCI_ROM_RESOURCE && n < PCIBK_MAX_RANGES; i++) {
			if (!pcibk_is_mem_bar(o, i))
				continue;
			r[n].start = pci_resource_start(o, i);
			r[n].end = pci_resource_end(o, i);
			owner[n++] = o;
		}
	}
	return n;
}

/*
 * A guest maps whole pages: a BAR that shares one with another device's
 * would hand it part of that device. Refused unless the administrator
 * forces it.
 */
int pcibk_check_bar_pages(struct pci_dev *pdev)
{
	struct xsplit_range *others, bar;
	struct pci_dev **owner;
	unsigned int n;
	int i, hit, ret = 0;

	others = kvcalloc(PCIBK_MAX_RANGES, sizeof(*others), GFP_KERNEL);
	owner = kvcalloc(PCIBK_MAX_RANGES, sizeof(*owner), GFP_KERNEL);
	if (!others || !owner) {
		ret = -ENOMEM;
		goto out;
	}
	n = pcibk_other_ranges(pdev, others, owner);

	for (i = 0; i <= PCI_ROM_RESOURCE && !ret; i++) {
		if (!pcibk_is_mem_bar(pdev, i))
			continue;
		bar.start = pci_resource_start(pdev, i);
		bar.end = pci_resource_end(pdev, i);
		hit = xsplit_bar_page_conflict(&bar, others, n);
		if (hit < 0)
			continue;
		pci_warn(pdev, "BAR %d %pR shares a 4 KiB page with %s %pa-%pa%s\n",
			 i, &pdev->resource[i], pci_name(owner[hit]),
			 &others[hit].start, &others[hit].end,
			 force_shared_pages ? " (forced: the guest can reach it)" :
			 "; refused (force_shared_pages=1 to allow)");
		if (!force_shared_pages)
			ret = -EBUSY;
	}
out:
	kvfree(owner);
	kvfree(others);
	return ret;
}

int pcibk_conf_attach(struct pcibk_export *ex)
{
	struct pci_dev *pdev = ex->pd->pdev;
	struct xsplit_pcicfg_bar bars[XSPLIT_PCICFG_NR_BARS];
	struct xsplit_pcicfg_quirk quirks[XSPLIT_PCICFG_MAX_QUIRKS];
	struct xsplit_pcicfg_hw hw = {
		.read = pcibk_hw_read,
		.write = pcibk_hw_write,
		.ctx = pdev,
	};
	unsigned int nr;
	int i, ret;

	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		pcibk_bar_of(pdev, i, &bars[i]);
	pcibk_bar_of(pdev, PCI_ROM_RESOURCE, &bars[XSPLIT_PCICFG_ROM]);

	ex->cfg = kzalloc(sizeof(*ex->cfg), GFP_KERNEL);
	if (!ex->cfg)
		return -ENOMEM;
	ret = xsplit_pcicfg_init(ex->cfg, &hw, bars, pdev->cfg_size, ex->flags);
	if (ret) {
		pci_warn(pdev, "cannot virtualise config space (%pe)\n",
			 ERR_PTR(ret));
		kfree(ex->cfg);
		ex->cfg = NULL;
		return ret;
	}
	nr = pcibk_quirks_copy(ex->pd, quirks);
	for (i = 0; i < nr; i++) {
		const struct xsplit_pcicfg_quirk *q = &quirks[i];

		ret = xsplit_pcicfg_add_quirk(ex->cfg, q->off, q->size, q->mask);
		if (ret)
			pci_notice(pdev, "quirk at 0x%x (mask 0x%x) not applied: %pe\n",
				   q->off, q->mask, ERR_PTR(ret));
	}
	/*
	 * A PV guest binds INTx to the PIRQ it reads here; libxl mapped the
	 * GSI dom0 knows the function by to that same PIRQ number.
	 */
	if (pdev->irq > 0 && pdev->irq < 256)
		xsplit_pcicfg_set_irq_line(ex->cfg, pdev->irq);
	return 0;
}

void pcibk_conf_detach(struct pcibk_export *ex)
{
	kfree(ex->cfg);
	ex->cfg = NULL;
}
