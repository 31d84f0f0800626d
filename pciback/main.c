// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-pciback: PCI passthrough backend.
 *
 * Intended: take the PCI functions named in a hide= list (or handed over at
 * run time) away from their drivers in this domain, and serve them to a
 * guest's pcifront over xenbus: filtered config space reads and writes,
 * MSI/MSI-X enable and disable, and function reset on hand-back.
 *
 * Skeleton: it only checks that it runs in a Xen domain and logs load and
 * unload. There is no hide= parameter, no PCI driver, no xenbus backend, no
 * config space handling and no MSI support yet: none of that is implemented
 * yet. Registering nothing keeps it clear of the in-tree xen-pciback. The
 * shared BDF parser (bdf.c) is linked in so that it is compiled with kernel
 * flags, but nothing calls it yet.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <xen/xen.h>

static int __init xsplit_pciback_init(void)
{
	/* Not dom0 only: a PCI driver domain can own the devices too. */
	if (!xen_domain())
		return -ENODEV;

	pr_info("loaded (skeleton, serves no devices)\n");
	return 0;
}

static void __exit xsplit_pciback_exit(void)
{
	pr_info("unloaded\n");
}

module_init(xsplit_pciback_init);
module_exit(xsplit_pciback_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("xsplit developers");
MODULE_DESCRIPTION("Xen PCI passthrough backend (xsplit skeleton)");
