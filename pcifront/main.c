// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-pcifront: PCI passthrough frontend for PV guests.
 *
 * Intended: connect to a PCI backend (ours or the in-tree xen-pciback)
 * over xenbus and present the functions it offers on a PCI root bus of
 * their own, forwarding config space access and MSI/MSI-X setup to the
 * backend, since a PV guest cannot reach either directly.
 *
 * Skeleton: it only checks that it runs in a PV guest and logs load and
 * unload. There is no xenbus frontend, no PCI bus and no config space or MSI
 * forwarding yet: none of that is implemented yet. Registering nothing keeps
 * it clear of the in-tree xen-pcifront.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <xen/xen.h>

static int __init xsplit_pcifront_init(void)
{
	/* HVM and PVH guests see passed-through devices on emulated buses. */
	if (!xen_pv_domain())
		return -ENODEV;

	pr_info("loaded (skeleton, no PCI bus)\n");
	return 0;
}

static void __exit xsplit_pcifront_exit(void)
{
	pr_info("unloaded\n");
}

module_init(xsplit_pcifront_init);
module_exit(xsplit_pcifront_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("xsplit developers");
MODULE_DESCRIPTION("Xen PCI passthrough frontend for PV guests (xsplit skeleton)");
