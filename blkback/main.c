// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-blkback: block device backend.
 *
 * For each vbd the toolstack sets up in xenstore, open the backing block
 * device dom0 names, map the guest's request ring, check every request
 * copied off it and turn it into bios on that device (xenbus.c, ring.c).
 *
 * The base blkif protocol is served: read, write, flush-cache, write
 * barrier and discard on a one-page ring with the native ABI. The rest of
 * the protocol (see xenbus.c) and the per-vbd I/O limits are not there
 * yet; a frontend that asks for them falls back to the base protocol.
 *
 * Do not load it together with the in-tree xen-blkback: both would take
 * the same "vbd" devices.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <xen/xen.h>

#include "blkback.h"

static int __init xsplit_blkback_init(void)
{
	int ret;

	/* Not dom0 only: a storage driver domain can serve disks too. */
	if (!xen_domain())
		return -ENODEV;

	ret = xbb_xenbus_register();
	if (ret) {
		pr_err("cannot register the vbd backend: %d\n", ret);
		return ret;
	}
	pr_info("loaded\n");
	return 0;
}

static void __exit xsplit_blkback_exit(void)
{
	xbb_xenbus_unregister();
	pr_info("unloaded\n");
}

module_init(xsplit_blkback_init);
module_exit(xsplit_blkback_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("xsplit developers");
MODULE_DESCRIPTION("Xen block device backend (xsplit)");
