// SPDX-License-Identifier: GPL-2.0
/*
 * The xenbus "vif" backend: one per virtual NIC the toolstack gives a
 * guest.
 *
 * At probe we create the vif net_device, publish what we offer and go to
 * InitWait; libxl then runs the hotplug script, which bridges the vif and
 * writes "hotplug-status". netfront publishes its rings, event channels
 * and features and goes to Connected; we map the rings and connect, and
 * tell it so once the hotplug script has also reported, so that the
 * guest's first packets find the vif already on its bridge.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <xen/xenbus.h>

#include "netback.h"

/* A frontend feature flag: absent means off. */
static bool xnb_fe_flag(struct xnb_vif *vif, const char *key)
{
	u32 v;

	return !xsplit_be_read_u32(vif->xdev, NULL, key, &v) && v == 1;
}

/* What the frontend says it can do; refuses what we cannot serve. */
static int xnb_read_features(struct xnb_vif *vif)
{
	struct xenbus_device *xdev = vif->xdev;
	struct xnb_fe_features *fe = &vif->fe;

	/* Page flipping went long ago: copying is the only way we move data. */
	if (!xnb_fe_flag(vif, "request-rx-copy")) {
		xenbus_dev_fatal(xdev, -EOPNOTSUPP, "frontend of domain %d does not ask for request-rx-copy, the only receive mode we have",
				 xdev->otherend_id);
		return -EOPNOTSUPP;
	}
	/* Without it we would have to poll its receive ring. */
	if (!xnb_fe_flag(vif, "feature-rx-notify")) {
		xenbus_dev_fatal(xdev, -EOPNOTSUPP, "frontend of domain %d lacks feature-rx-notify",
				 xdev->otherend_id);
		return -EOPNOTSUPP;
	}
	fe->sg = xnb_fe_flag(vif, "feature-sg");
	/* GSO needs the segments' pages: scatter-gather first. */
	fe->gso_tcpv4 = fe->sg && xnb_fe_flag(vif, "feature-gso-tcpv4");
	fe->gso_tcpv6 = fe->sg && xnb_fe_flag(vif, "feature-gso-tcpv6");
	fe->no_csum = xnb_fe_flag(vif, "feature-no-csum-offload");
	fe->ipv6_csum = xnb_fe_flag(vif, "feature-ipv6-csum-offload");
	return 0;
}

/* One queue's keys: in queue-N/ when there are several. */
static int xnb_connect_queue(struct xnb_vif *vif, struct xnb_queue *q,
			     unsigned int nr_queues, bool first)
{
	struct xenbus_device *xdev = vif->xdev;
	u32 tx_ref, rx_ref, tx_port, rx_port = 0;
	char dir[16];
	const char *d = NULL;
	int ret;

	if (nr_queues > 1) {
		snprintf(dir, sizeof(dir), "queue-%u", q->id);
		d = dir;
	}
	ret = xsplit_be_read_u32(xdev, d, "tx-ring-ref", &tx_ref);
	if (!ret)
		ret = xsplit_be_read_u32(xdev, d, "rx-ring-ref", &rx_ref);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "reading tx-ring-ref and rx-ring-ref of %s%s%s",
				 xdev->otherend, d ? "/" : "", d ? d : "");
		return ret;
	}
	/* Split channels if the first queue has them; then every queue must. */
	ret = xsplit_be_read_u32(xdev, d, "event-channel-tx", &tx_port);
	if (first)
		vif->fe.split_evtchn = !ret;
	if (vif->fe.split_evtchn) {
		if (!ret)
			ret = xsplit_be_read_u32(xdev, d, "event-channel-rx",
						 &rx_port);
	} else {
		ret = xsplit_be_read_u32(xdev, d, "event-channel", &tx_port);
	}
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "reading the event channel(s) of %s%s%s",
				 xdev->otherend, d ? "/" : "", d ? d : "");
		return ret;
	}
	return xnb_queue_connect(q, tx_ref, rx_ref, tx_port, rx_port);
}

static void xnb_free_queues(struct xnb_queue *queues, unsigned int n)
{
	while (n--)
		xnb_queue_disconnect(&queues[n]);
	vfree(queues);
}

/*
 * The toolstack's "rate" key ("<bytes>,<usec>", libxl's vif rate=): no key,
 * no limit. A value we cannot read is said once and not enforced, rather
 * than keeping the guest off the network.
 */
static void xnb_read_rate(struct xnb_vif *vif)
{
	struct xenbus_device *xdev = vif->xdev;
	u64 bytes, usec;
	char *s;
	int ret;

	vif->rate_limited = false;
	s = xenbus_read(XBT_NIL, xdev->nodename, "rate", NULL);
	if (IS_ERR(s))
		return;
	ret = xsplit_net_rate_parse(s, strlen(s), &bytes, &usec);
	if (ret) {
		netdev_warn(vif->dev, "ignoring rate \"%s\" of domain %d: %d\n",
			    s, xdev->otherend_id, ret);
	} else {
		xsplit_net_credit_init(&vif->credit, bytes, usec,
				       div_u64(ktime_get_ns(), NSEC_PER_USEC));
		vif->rate_limited = true;
		netdev_info(vif->dev, "domain %d may send %llu bytes per %llu us\n",
			    xdev->otherend_id, bytes, usec);
	}
	kfree(s);
}

/* Tell the frontend we are connected once both it and the hotplug script are ready. */
static void xnb_announce(struct xnb_vif *vif)
{
	struct xenbus_device *xdev = vif->xdev;

	unsigned int i;

	if (!vif->queues || !vif->hotplug_ok ||
	    xdev->state == XenbusStateConnected)
		return;
	xenbus_switch_state(xdev, XenbusStateConnected);
	/*
	 * netfront sends as soon as it has connected its side, which may be
	 * before its channels were bound to us, so its notifications were
	 * lost; look at every ring again now that it knows we are there.
	 */
	for (i = 0; i < vif->nr_queues; i++)
		xnb_queue_kick(&vif->queues[i]);
}

static void xnb_connect(struct xnb_vif *vif)
{
	struct xenbus_device *xdev = vif->xdev;
	struct net_device *dev = vif->dev;
	enum xenbus_state fe_state;
	struct xnb_queue *queues;
	u32 nr_queues;
	unsigned int i;
	int ret;

	mutex_lock(&vif->lock);
	if (vif->queues || xdev->state != XenbusStateInitWait)
		goto out;
	fe_state = xenbus_read_driver_state(xdev->otherend);
	if (fe_state != XenbusStateInitialised &&
	    fe_state != XenbusStateConnected)
		goto out;
	if (xnb_read_features(vif))
		goto out;
	xnb_read_rate(vif);
	/* Absent: one queue, its keys in the frontend's own directory. */
	if (xsplit_be_read_u32(xdev, NULL, "multi-queue-num-queues", &nr_queues))
		nr_queues = 1;
	if (!nr_queues || nr_queues > xnb_max_queues) {
		xenbus_dev_fatal(xdev, -EINVAL, "multi-queue-num-queues %u not in 1..%u",
				 nr_queues, xnb_max_queues);
		goto out;
	}
	/* Before the queues: their polls carry out the operations. */
	if (xnb_mcast_connect(vif))
		goto out;

	queues = vzalloc(array_size(nr_queues, sizeof(*queues)));
	if (!queues) {
		xenbus_dev_fatal(xdev, -ENOMEM, "allocating %u queues", nr_queues);
		goto fail_mcast;
	}
	for (i = 0; i < nr_queues; i++) {
		queues[i].vif = vif;
		queues[i].id = i;
		ret = xnb_connect_queue(vif, &queues[i], nr_queues, i == 0);
		if (ret) {
			xnb_free_queues(queues, i + 1);
			goto fail_mcast;
		}
	}

	WRITE_ONCE(vif->disabled, false);
	/* Before Connected: netif.h has the frontend write its keys first. */
	if (xnb_ctrl_connect(vif, &queues[0], nr_queues)) {
		xnb_free_queues(queues, nr_queues);
		goto fail_mcast;
	}
	rtnl_lock();
	netif_set_real_num_tx_queues(dev, nr_queues);
	netif_set_real_num_rx_queues(dev, nr_queues);
	spin_lock_bh(&vif->stats_lock);
	vif->queues = queues;
	vif->nr_queues = nr_queues;
	spin_unlock_bh(&vif->stats_lock);
	WRITE_ONCE(vif->connected, true);
	xnb_set_features(vif);
	if (netif_running(dev))
		netif_tx_wake_all_queues(dev);
	netif_carrier_on(dev);
	rtnl_unlock();
	xnb_debugfs_add(vif);
	mod_timer(&vif->watchdog, jiffies + HZ);

	/*
	 * rmmod would cut a running guest off its network: refuse it while
	 * a frontend is connected. Destroying the guest or detaching the
	 * vif disconnects and drops this again.
	 */
	__module_get(THIS_MODULE);
	netdev_info(dev, "connected to domain %d (%u queue(s), %s event channels%s%s%s%s%s)\n",
		    xdev->otherend_id, nr_queues,
		    vif->fe.split_evtchn ? "split" : "shared",
		    vif->fe.sg ? ", sg" : "", vif->fe.gso_tcpv4 ? ", gso-tcpv4" : "",
		    vif->fe.gso_tcpv6 ? ", gso-tcpv6" : "",
		    vif->ctrl.chan.ring ? ", control ring" : "",
		    READ_ONCE(vif->mcast_filter) ? ", multicast filter" : "");
	xnb_announce(vif);
	mutex_unlock(&vif->lock);
	return;

fail_mcast:
	xnb_mcast_disconnect(vif);
out:
	mutex_unlock(&vif->lock);
}

static void xnb_disconnect(struct xnb_vif *vif)
{
	struct net_device *dev = vif->dev;
	struct xnb_queue *queues;
	unsigned int i, nr;
	struct xnb_qstats t;
	u64 refused;

	mutex_lock(&vif->lock);
	queues = vif->queues;
	nr = vif->nr_queues;
	if (!queues)
		goto out;
	del_timer_sync(&vif->watchdog);
	xnb_debugfs_remove(vif);
	netif_carrier_off(dev);
	WRITE_ONCE(vif->connected, false);
	/* No transmit runs once this returns, and none starts. */
	netif_tx_disable(dev);
	/* Before the queues: it counts in queue 0's stats. */
	xnb_ctrl_disconnect(vif);
	for (i = 0; i < nr; i++)
		xnb_queue_disconnect(&queues[i]);
	/* After them: no poll is left to add an address. */
	xnb_mcast_disconnect(vif);
	rtnl_lock();
	spin_lock_bh(&vif->stats_lock);
	xnb_stats_fold(vif);
	vif->queues = NULL;
	vif->nr_queues = 0;
	spin_unlock_bh(&vif->stats_lock);
	rtnl_unlock();
	vfree(queues);
	xnb_stats_sum(vif, &t);
	refused = t.drop_bad_gref + t.drop_bad_csum;
	for (i = 0; i < XSPLIT_NET_TX_NR_ERRS; i++)
		refused += t.drop_reason[i];
	netdev_info(dev, "disconnected from domain %d: %llu packets from it, %llu to it, %llu of its packets refused\n",
		    vif->xdev->otherend_id, t.from_guest_packets,
		    t.to_guest_packets, refused);
	module_put(THIS_MODULE);
out:
	mutex_unlock(&vif->lock);
}

static void xnb_hotplug_changed(struct xenbus_watch *watch, const char *path,
				const char *token)
{
	struct xnb_vif *vif = container_of(watch, struct xnb_vif, hotplug_watch);
	char *s;

	s = xenbus_read(XBT_NIL, vif->xdev->nodename, "hotplug-status", NULL);
	mutex_lock(&vif->lock);
	vif->hotplug_ok = !IS_ERR(s) && !strcmp(s, "connected");
	xnb_announce(vif);
	mutex_unlock(&vif->lock);
	if (!IS_ERR(s))
		kfree(s);
}

static void xnb_frontend_changed(struct xenbus_device *xdev,
				 enum xenbus_state fe_state)
{
	struct xnb_vif *vif = dev_get_drvdata(&xdev->dev);

	switch (fe_state) {
	case XenbusStateInitialising:
		/* A new frontend (guest reboot, restore) after we closed. */
		if (xdev->state == XenbusStateClosed) {
			netdev_info(vif->dev, "domain %d reconnects\n",
				    xdev->otherend_id);
			xenbus_switch_state(xdev, XenbusStateInitWait);
		}
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		xnb_connect(vif);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
	case XenbusStateUnknown:
		xnb_disconnect(vif);
		if (xsplit_be_follow_close(xdev, fe_state))
			device_unregister(&xdev->dev);
		break;
	default:
		break;
	}
}

/* sysfs statistics/: the same counters as ethtool -S, vif totals. */
struct xnb_stat_attr {
	struct device_attribute attr;
	unsigned int idx;
};

static struct xnb_stat_attr xnb_stat_attrs[XNB_NR_SHOWN];
static struct attribute *xnb_stat_attr_list[XNB_NR_SHOWN + 1];

static ssize_t xnb_stat_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct xnb_stat_attr *sa = container_of(attr, struct xnb_stat_attr, attr);
	struct xnb_vif *vif = dev_get_drvdata(dev);
	struct xnb_qstats t;

	xnb_stats_sum(vif, &t);
	return sysfs_emit(buf, "%llu\n",
			  *(u64 *)((char *)&t + xnb_stats[sa->idx].off));
}

static const struct attribute_group xnb_stat_group = {
	.name = "statistics",
	.attrs = xnb_stat_attr_list,
};

static const struct attribute_group *xnb_groups[] = {
	&xnb_stat_group,
	NULL
};

static void xnb_stat_attrs_init(void)
{
	unsigned int i;

	for (i = 0; i < XNB_NR_SHOWN; i++) {
		struct xnb_stat_attr *sa = &xnb_stat_attrs[i];

		sysfs_attr_init(&sa->attr.attr);
		sa->attr.attr.name = xnb_stats[i].name;
		sa->attr.attr.mode = 0444;
		sa->attr.show = xnb_stat_show;
		sa->idx = i;
		xnb_stat_attr_list[i] = &sa->attr.attr;
	}
}

/* What netfront reads when it sees us in InitWait. */
static int xnb_write_features(struct xenbus_device *xdev)
{
	static const char *const on[] = {
		"feature-sg", "feature-gso-tcpv4", "feature-gso-tcpv6",
		"feature-ipv6-csum-offload", "feature-rx-copy",
		"feature-ctrl-ring",
		"feature-multicast-control", "feature-dynamic-multicast-control",
	};
	struct xenbus_transaction xbt;
	unsigned int i;
	int ret;

again:
	ret = xenbus_transaction_start(&xbt);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(on) && !ret; i++)
		ret = xenbus_printf(xbt, xdev->nodename, on[i], "%d", 1);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename,
				    "feature-split-event-channels", "%d",
				    READ_ONCE(xnb_split_channels));
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "feature-rx-flip", "%d", 0);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "multi-queue-max-queues",
				    "%u", xnb_max_queues);
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		return ret;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	return ret;
}

static int xnb_probe(struct xenbus_device *xdev,
		     const struct xenbus_device_id *id)
{
	char name[IFNAMSIZ];
	struct net_device *dev;
	struct xnb_vif *vif;
	int ret;

	vif = kzalloc(sizeof(*vif), GFP_KERNEL);
	if (!vif)
		return -ENOMEM;
	vif->xdev = xdev;
	mutex_init(&vif->lock);
	spin_lock_init(&vif->stats_lock);
	spin_lock_init(&vif->credit_lock);
	timer_setup(&vif->watchdog, xnb_watchdog, 0);
	xnb_ctrl_init(vif);
	xnb_mcast_init(vif);
	ratelimit_default_init(&vif->log_rs);
	ratelimit_set_flags(&vif->log_rs, RATELIMIT_MSG_ON_RELEASE);
	dev_set_drvdata(&xdev->dev, vif);

	if (xenbus_scanf(XBT_NIL, xdev->nodename, "handle", "%u",
			 &vif->handle) != 1) {
		ret = -EINVAL;
		xenbus_dev_fatal(xdev, ret, "reading handle");
		goto fail;
	}
	/* The name libxl gives the hotplug script as $vif. */
	snprintf(name, sizeof(name), "vif%d.%u", xdev->otherend_id, vif->handle);
	dev = xnb_netdev_create(vif, name);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		xenbus_dev_fatal(xdev, ret, "creating net device %s", name);
		goto fail;
	}
	ret = sysfs_create_groups(&xdev->dev.kobj, xnb_groups);
	if (ret)
		goto fail_netdev;
	ret = xnb_write_features(xdev);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "writing features");
		goto fail_sysfs;
	}
	ret = xenbus_watch_pathfmt(xdev, &vif->hotplug_watch, NULL,
				   xnb_hotplug_changed, "%s/%s", xdev->nodename,
				   "hotplug-status");
	if (ret)
		goto fail_sysfs;
	vif->watching = true;
	ret = xenbus_switch_state(xdev, XenbusStateInitWait);
	if (ret)
		goto fail_watch;
	netdev_info(dev, "created for domain %d\n", xdev->otherend_id);
	return 0;

fail_watch:
	unregister_xenbus_watch(&vif->hotplug_watch);
	kfree(vif->hotplug_watch.node);
fail_sysfs:
	sysfs_remove_groups(&xdev->dev.kobj, xnb_groups);
fail_netdev:
	xnb_netdev_destroy(vif);
fail:
	dev_set_drvdata(&xdev->dev, NULL);
	kfree(vif);
	return ret;
}

static void xnb_remove(struct xenbus_device *xdev)
{
	struct xnb_vif *vif = dev_get_drvdata(&xdev->dev);

	if (vif->watching) {
		unregister_xenbus_watch(&vif->hotplug_watch);
		kfree(vif->hotplug_watch.node);
	}
	xnb_disconnect(vif);
	sysfs_remove_groups(&xdev->dev.kobj, xnb_groups);
	xnb_netdev_destroy(vif);
	dev_set_drvdata(&xdev->dev, NULL);
	kfree(vif);
}

static const struct xenbus_device_id xnb_ids[] = {
	{ "vif" },
	{ "" }
};

static struct xenbus_driver xnb_driver = {
	.name = "xsplit-netback",
	.ids = xnb_ids,
	.probe = xnb_probe,
	.remove = xnb_remove,
	.otherend_changed = xnb_frontend_changed,
};

int xnb_xenbus_register(void)
{
	xnb_stats_init();
	xnb_stat_attrs_init();
	return xenbus_register_backend(&xnb_driver);
}

void xnb_xenbus_unregister(void)
{
	xenbus_unregister_driver(&xnb_driver);
}
