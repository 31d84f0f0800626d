// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-blkback: block device backend.
 *
 * Intended: for each vbd the toolstack sets up in xenstore, map the guest's
 * shared request ring, check every request it finds there, and turn them
 * into I/O on the backing block device through grant-mapped guest pages.
 *
 * Skeleton: it only checks that it runs in a Xen domain and logs load and
 * unload. There is no xenbus backend, no ring mapping, no grant handling and
 * no I/O path yet: none of that is implemented yet. Registering nothing keeps
 * it clear of the in-tree xen-blkback. The shared ring index checker
 * (ring_check.c) is linked in so that it is compiled with kernel flags, but
 * nothing calls it yet.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <xen/xen.h>

static int __init xsplit_blkback_init(void)
{
	/* Not dom0 only: a storage driver domain can serve disks too. */
	if (!xen_domain())
		return -ENODEV;

	pr_info("loaded (skeleton, serves no disks)\n");
	return 0;
}

static void __exit xsplit_blkback_exit(void)
{
	pr_info("unloaded\n");
}

module_init(xsplit_blkback_init);
module_exit(xsplit_blkback_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("xsplit developers");
MODULE_DESCRIPTION("Xen block device backend (xsplit skeleton)");
