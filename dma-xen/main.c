// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-dma: a DMA-API implementation (struct dma_map_ops) for Xen domains.
 *
 * Intended: in a PV domain the bus address a device needs is the machine
 * address, so each page is translated pfn -> mfn through the P2M; buffers
 * whose pfns are contiguous but whose mfns are not, or that lie above the
 * device's DMA mask, are bounced through machine-contiguous memory, and
 * coherent allocations are made machine-contiguous with XENMEM_exchange.
 * In an auto-translated domain the translation is the identity.  Devices
 * are given these ops at run time through sysfs, before their driver probes.
 *
 * Skeleton: it only checks that it runs in a Xen domain and logs load and
 * unload.  It installs no dma_map_ops on any device, translates no address,
 * has no bounce pool, no coherent allocator, no sysfs interface, no stats
 * and no strict mode: none of that is implemented yet.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <xen/xen.h>

static int __init xsplit_dma_init(void)
{
	if (!xen_domain())
		return -ENODEV;

	pr_info("loaded (skeleton, binds no devices)\n");
	return 0;
}

static void __exit xsplit_dma_exit(void)
{
	pr_info("unloaded\n");
}

module_init(xsplit_dma_init);
module_exit(xsplit_dma_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("xsplit developers");
MODULE_DESCRIPTION("DMA-API for Xen PV domains: pfn to mfn bus addresses (xsplit skeleton)");
