// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-netback: network backend.
 *
 * Intended: for each vif the toolstack sets up in xenstore, create a network
 * interface in this domain and move packets between it and the guest's
 * transmit and receive rings, validating every request on the way.
 *
 * Skeleton: it only checks that it runs in a Xen domain and logs load and
 * unload. There is no xenbus backend, no network interface, no ring mapping
 * and no packet path yet: none of that is implemented yet. Registering
 * nothing keeps it clear of the in-tree xen-netback. The shared ring index
 * checker (ring_check.c) is linked in so that it is compiled with kernel
 * flags, but nothing calls it yet.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <xen/xen.h>

static int __init xsplit_netback_init(void)
{
	/* Not dom0 only: a network driver domain can serve vifs too. */
	if (!xen_domain())
		return -ENODEV;

	pr_info("loaded (skeleton, serves no vifs)\n");
	return 0;
}

static void __exit xsplit_netback_exit(void)
{
	pr_info("unloaded\n");
}

module_init(xsplit_netback_init);
module_exit(xsplit_netback_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("xsplit developers");
MODULE_DESCRIPTION("Xen network backend (xsplit skeleton)");
