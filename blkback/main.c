// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-blkback: block device backend.
 *
 * For each vbd the toolstack sets up in xenstore, open the backing block
 * device dom0 names, map the guest's request rings, check every request
 * copied off them and turn it into bios on that device (xenbus.c: the
 * xenbus side and the features offered; ring.c: the I/O path; limit.c:
 * the per-vbd I/O limits; persistent.c: persistent grants).
 *
 * Do not load it together with the in-tree xen-blkback: both would take
 * the same "vbd" devices.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/cpumask.h>
#include <linux/printk.h>
#include <xen/xen.h>

#include "blkback.h"

unsigned int xbb_max_ring_order = XBB_MAX_RING_ORDER;
module_param_named(max_ring_page_order, xbb_max_ring_order, uint, 0444);
MODULE_PARM_DESC(max_ring_page_order,
		 "Largest shared ring a frontend may use, as log2 of its pages (0-4, default 4)");

unsigned int xbb_max_indirect_segs = XSPLIT_BLK_MAX_INDIRECT_SEGS;
module_param_named(max_indirect_segments, xbb_max_indirect_segs, uint, 0444);
MODULE_PARM_DESC(max_indirect_segments,
		 "Most segments of an indirect request (0: indirect requests not offered; at most 256, the default)");

unsigned int xbb_max_queues;
module_param_named(max_queues, xbb_max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues,
		 "Most queues (rings, each with its own thread) a frontend may use per disk (1-16; default: dom0's online CPUs)");

/*
 * Off by default: a frontend that takes persistent grants copies every
 * request's data into and out of its granted pages itself, on the guest's
 * own vCPU, where without them Xen's grant copy does it on ours (see
 * bench/blk in the README); and no guest page is then ever mapped here.
 */
bool xbb_feature_persistent;
module_param_named(feature_persistent, xbb_feature_persistent, bool, 0444);
MODULE_PARM_DESC(feature_persistent,
		 "Offer persistent grants: keep the frontend's pages mapped and serve from them (default 0: grant copy)");

unsigned int xbb_max_persistent_grants = 1056;
module_param_named(max_persistent_grants, xbb_max_persistent_grants, uint, 0644);
MODULE_PARM_DESC(max_persistent_grants,
		 "Persistent grants each ring keeps mapped; further ones are grant-copied (default 1056)");

bool xbb_zero_copy = true;
module_param_named(zero_copy, xbb_zero_copy, bool, 0644);
MODULE_PARM_DESC(zero_copy,
		 "Give the block layer the frontend's kept (persistently mapped) pages instead of copying through bounce pages (default 1; writable at run time)");

unsigned int xbb_max_buffer_pages = 1024;
module_param_named(max_buffer_pages, xbb_max_buffer_pages, uint, 0644);
MODULE_PARM_DESC(max_buffer_pages,
		 "Bounce pages each ring keeps for reuse once its requests are done (default 1024)");

static int __init xsplit_blkback_init(void)
{
	int ret;

	/* Not dom0 only: a storage driver domain can serve disks too. */
	if (!xen_domain())
		return -ENODEV;

	if (xbb_max_ring_order > XBB_MAX_RING_ORDER) {
		pr_info("max_ring_page_order %u lowered to %u\n",
			xbb_max_ring_order, XBB_MAX_RING_ORDER);
		xbb_max_ring_order = XBB_MAX_RING_ORDER;
	}
	if (!xbb_max_queues)
		xbb_max_queues = num_online_cpus();
	xbb_max_queues = clamp_t(unsigned int, xbb_max_queues, 1, XBB_MAX_QUEUES);
	if (xbb_max_indirect_segs > XSPLIT_BLK_MAX_INDIRECT_SEGS) {
		pr_info("max_indirect_segments %u lowered to %u\n",
			xbb_max_indirect_segs, XSPLIT_BLK_MAX_INDIRECT_SEGS);
		xbb_max_indirect_segs = XSPLIT_BLK_MAX_INDIRECT_SEGS;
	}

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
