// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-netback: the network backend. For each vif the toolstack sets up
 * in xenstore it creates a net_device vif<domid>.<handle> in this domain
 * and moves packets between it and the guest's transmit and receive rings
 * by grant copy, judging every request the guest makes (see net_tx.h).
 *
 * A frontend may set up Toeplitz hashing on the control ring (ctrl.c):
 * the hash then picks the queue of each packet to the guest (it is not
 * sent along as a hash extra). It may list the multicast groups it wants
 * and have the others filtered out (mcast.c), statically or at any time.
 * Not done yet, and not offered to frontends: XDP headroom.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <xen/xen.h>

#include "netback.h"

unsigned int xnb_max_queues;
module_param_named(max_queues, xnb_max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues,
		 "Most queues a vif offers (multi-queue-max-queues); 0 (default): one per online CPU, up to 8");

bool xnb_split_channels = true;
module_param_named(split_event_channels, xnb_split_channels, bool, 0644);
MODULE_PARM_DESC(split_event_channels,
		 "Offer feature-split-event-channels to vifs probed from now on (default 1); with 0 each queue's tx and rx rings share one channel");

unsigned int xnb_bad_limit = 64;
module_param_named(bad_limit, xnb_bad_limit, uint, 0644);
MODULE_PARM_DESC(bad_limit,
		 "Refused packets per second a frontend may send before its vif is disabled (default 64)");

static int __init xsplit_netback_init(void)
{
	int ret;

	/* Not dom0 only: a network driver domain can serve vifs too. */
	if (!xen_domain())
		return -ENODEV;
	if (!xnb_max_queues)
		xnb_max_queues = min(num_online_cpus(), 8u);
	xnb_max_queues = clamp(xnb_max_queues, 1u, 64u);

	xnb_debugfs_init();
	ret = xnb_xenbus_register();
	if (ret) {
		pr_err("cannot register the vif backend: %d\n", ret);
		xnb_debugfs_exit();
		return ret;
	}
	pr_info("loaded: serving vifs, up to %u queue(s) each\n",
		xnb_max_queues);
	return 0;
}

static void __exit xsplit_netback_exit(void)
{
	xnb_xenbus_unregister();
	xnb_debugfs_exit();
	pr_info("unloaded\n");
}

module_init(xsplit_netback_init);
module_exit(xsplit_netback_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("xsplit developers");
MODULE_DESCRIPTION("Xen network backend (xsplit)");
