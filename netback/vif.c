// SPDX-License-Identifier: GPL-2.0
/*
 * The vif as dom0 sees it: a net_device named vif<domid>.<handle> that
 * can be bridged, its offloads following what the frontend can take, and
 * its counters for ip -s, ethtool -S and sysfs.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/flow_dissector.h>

#include "netback.h"

#define XNB_STAT(f)	offsetof(struct xnb_qstats, f)

/* Every counter, in struct order; drop_reason[] is expanded below. */
static const struct {
	const char *name;
	size_t off;
} xnb_fixed_stats[] = {
	{ "from_guest_packets", XNB_STAT(from_guest_packets) },
	{ "from_guest_bytes", XNB_STAT(from_guest_bytes) },
	{ "from_guest_gso", XNB_STAT(from_guest_gso) },
	{ "from_guest_csum_blank", XNB_STAT(from_guest_csum_blank) },
	{ "drop_bad_gref", XNB_STAT(drop_bad_gref) },
	{ "drop_bad_csum", XNB_STAT(drop_bad_csum) },
	{ "drop_no_mem", XNB_STAT(drop_no_mem) },
	{ "tx_events", XNB_STAT(tx_events) },
	{ "spurious_events", XNB_STAT(spurious_events) },
	{ "to_guest_packets", XNB_STAT(to_guest_packets) },
	{ "to_guest_bytes", XNB_STAT(to_guest_bytes) },
	{ "to_guest_gso", XNB_STAT(to_guest_gso) },
	{ "to_guest_hash", XNB_STAT(to_guest_hash) },
	{ "to_guest_drop_down", XNB_STAT(to_guest_drop_down) },
	{ "to_guest_drop_too_big", XNB_STAT(to_guest_drop_too_big) },
	{ "to_guest_drop_bad_gref", XNB_STAT(to_guest_drop_bad_gref) },
	{ "to_guest_drop_purged", XNB_STAT(to_guest_drop_purged) },
	{ "to_guest_drop_mcast", XNB_STAT(to_guest_drop_mcast) },
	{ "rx_ring_full", XNB_STAT(rx_ring_full) },
	{ "rx_events", XNB_STAT(rx_events) },
	{ "queue_stopped", XNB_STAT(queue_stopped) },
	{ "stall_kicks", XNB_STAT(stall_kicks) },
	{ "eoi_rescues", XNB_STAT(eoi_rescues) },
	{ "rate_waits", XNB_STAT(rate_waits) },
	{ "ctrl_requests", XNB_STAT(ctrl_requests) },
	{ "ctrl_refused", XNB_STAT(ctrl_refused) },
	{ "ctrl_events", XNB_STAT(ctrl_events) },
	{ "mcast_add", XNB_STAT(mcast_add) },
	{ "mcast_del", XNB_STAT(mcast_del) },
	{ "mcast_refused", XNB_STAT(mcast_refused) },
};

/* Refusal reasons that are counted: all but OK and INCOMPLETE. */
#define XNB_FIRST_REASON	XSPLIT_NET_TX_BAD_OFFSET
#define XNB_NR_REASONS		(XSPLIT_NET_TX_NR_ERRS - XNB_FIRST_REASON)

struct xnb_stat_desc xnb_stats[XNB_NR_SHOWN];

void xnb_stats_init(void)
{
	unsigned int i, n = 0;

	BUILD_BUG_ON(ARRAY_SIZE(xnb_fixed_stats) + XSPLIT_NET_TX_NR_ERRS !=
		     XNB_NR_STATS);
	BUILD_BUG_ON(ARRAY_SIZE(xnb_fixed_stats) + XNB_NR_REASONS !=
		     XNB_NR_SHOWN);
	for (i = 0; i < ARRAY_SIZE(xnb_fixed_stats); i++) {
		strscpy(xnb_stats[n].name, xnb_fixed_stats[i].name,
			sizeof(xnb_stats[n].name));
		xnb_stats[n++].off = xnb_fixed_stats[i].off;
	}
	for (i = XNB_FIRST_REASON; i < XSPLIT_NET_TX_NR_ERRS; i++) {
		snprintf(xnb_stats[n].name, sizeof(xnb_stats[n].name),
			 "drop_%s", xsplit_net_tx_err_name(i));
		xnb_stats[n++].off = XNB_STAT(drop_reason[i]);
	}
}

static u64 xnb_stat_get(const struct xnb_qstats *st, unsigned int i)
{
	return READ_ONCE(*(const u64 *)((const char *)st + xnb_stats[i].off));
}

static void xnb_stats_add(struct xnb_qstats *to, const struct xnb_qstats *from)
{
	u64 *t = (u64 *)to;
	const u64 *f = (const u64 *)from;
	unsigned int i;

	for (i = 0; i < XNB_NR_STATS; i++)
		t[i] += READ_ONCE(f[i]);
}

void xnb_stats_sum(struct xnb_vif *vif, struct xnb_qstats *sum)
{
	unsigned int i;

	spin_lock_bh(&vif->stats_lock);
	*sum = vif->gone;
	for (i = 0; i < vif->nr_queues; i++)
		xnb_stats_add(sum, &vif->queues[i].stats);
	spin_unlock_bh(&vif->stats_lock);
}

/* Keep what the queues counted before they go. */
void xnb_stats_fold(struct xnb_vif *vif)
{
	unsigned int i;

	for (i = 0; i < vif->nr_queues; i++)
		xnb_stats_add(&vif->gone, &vif->queues[i].stats);
}

static struct xnb_vif *xnb_vif_of(struct net_device *dev)
{
	return ((struct xnb_priv *)netdev_priv(dev))->vif;
}

static int xnb_open(struct net_device *dev)
{
	if (READ_ONCE(xnb_vif_of(dev)->connected))
		netif_tx_start_all_queues(dev);
	return 0;
}

static int xnb_stop(struct net_device *dev)
{
	netif_tx_stop_all_queues(dev);
	return 0;
}

static void xnb_get_stats64(struct net_device *dev,
			    struct rtnl_link_stats64 *s)
{
	struct xnb_qstats t;
	unsigned int i;

	xnb_stats_sum(xnb_vif_of(dev), &t);
	/* dom0's view: what the guest sends, the vif receives. */
	s->rx_packets = t.from_guest_packets;
	s->rx_bytes = t.from_guest_bytes;
	s->rx_dropped = t.drop_bad_gref + t.drop_bad_csum + t.drop_no_mem;
	for (i = XNB_FIRST_REASON; i < XSPLIT_NET_TX_NR_ERRS; i++)
		s->rx_errors += t.drop_reason[i];
	s->rx_errors += t.drop_bad_gref + t.drop_bad_csum;
	s->tx_packets = t.to_guest_packets;
	s->tx_bytes = t.to_guest_bytes;
	s->tx_dropped = t.to_guest_drop_down + t.to_guest_drop_too_big +
			t.to_guest_drop_bad_gref + t.to_guest_drop_purged +
			t.to_guest_drop_mcast;
}

static int xnb_change_mtu(struct net_device *dev, int mtu)
{
	struct xnb_vif *vif = xnb_vif_of(dev);

	/* Without scatter-gather the guest takes one page per packet. */
	if (READ_ONCE(vif->connected) && !vif->fe.sg && mtu > ETH_DATA_LEN)
		return -EINVAL;
	dev->mtu = mtu;
	return 0;
}

static netdev_features_t xnb_fix_features(struct net_device *dev,
					  netdev_features_t features)
{
	struct xnb_vif *vif = xnb_vif_of(dev);
	const struct xnb_fe_features *fe = &vif->fe;

	if (!READ_ONCE(vif->connected))
		return features & ~(NETIF_F_SG | NETIF_F_CSUM_MASK |
				    NETIF_F_TSO | NETIF_F_TSO6);
	if (!fe->sg)
		features &= ~NETIF_F_SG;
	if (fe->no_csum)
		features &= ~NETIF_F_IP_CSUM;
	if (!fe->ipv6_csum)
		features &= ~NETIF_F_IPV6_CSUM;
	if (!fe->gso_tcpv4)
		features &= ~NETIF_F_TSO;
	if (!fe->gso_tcpv6)
		features &= ~NETIF_F_TSO6;
	return features;
}

/*
 * The header fields netif.h hashes, from dom0's own parse of @skb. A
 * fragment is hashed as a packet that is not TCP: only the first one has
 * the ports, and all of a datagram's fragments must go to one queue.
 */
static void xnb_flow_of(const struct sk_buff *skb, struct xsplit_net_flow *f)
{
	struct flow_keys k;

	memset(f, 0, sizeof(*f));
	if (!skb_flow_dissect_flow_keys(skb, &k, 0))
		return;
	switch (k.control.addr_type) {
	case FLOW_DISSECTOR_KEY_IPV4_ADDRS:
		f->l3 = 4;
		memcpy(f->saddr, &k.addrs.v4addrs.src, 4);
		memcpy(f->daddr, &k.addrs.v4addrs.dst, 4);
		break;
	case FLOW_DISSECTOR_KEY_IPV6_ADDRS:
		f->l3 = 6;
		memcpy(f->saddr, &k.addrs.v6addrs.src, 16);
		memcpy(f->daddr, &k.addrs.v6addrs.dst, 16);
		break;
	default:
		return;
	}
	if (k.basic.ip_proto != IPPROTO_TCP ||
	    (k.control.flags & FLOW_DIS_IS_FRAGMENT))
		return;
	f->tcp = true;
	f->sport = ntohs(k.ports.src);
	f->dport = ntohs(k.ports.dst);
}

/*
 * The frontend's hash of @skb, if it has chosen an algorithm on the
 * control ring and asked for a type that fits the packet.
 */
bool xnb_hash_skb(struct xnb_vif *vif, const struct sk_buff *skb,
		  struct xsplit_net_hash_result *res)
{
	struct xsplit_net_flow f;
	bool hashed;

	/* Unlocked: a stale answer only costs one packet a parse or a hash. */
	if (READ_ONCE(vif->hash.algorithm) == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE)
		return false;
	xnb_flow_of(skb, &f);
	/*
	 * _bh although bottom halves are off on the usual transmit path:
	 * AF_PACKET's qdisc bypass asks us for a queue with them on.
	 */
	spin_lock_bh(&vif->hash_lock);
	hashed = xsplit_net_hash_pick(&vif->hash, &f, res);
	spin_unlock_bh(&vif->hash_lock);
	return hashed;
}

/*
 * The queue of a packet to the guest: where the frontend's hash sends it,
 * once it has chosen an algorithm on the control ring; else the stack's
 * choice.
 */
static u16 xnb_select_queue(struct net_device *dev, struct sk_buff *skb,
			    struct net_device *sb_dev)
{
	struct xnb_vif *vif = xnb_vif_of(dev);
	struct xsplit_net_hash_result res;

	if (!READ_ONCE(vif->connected) || !xnb_hash_skb(vif, skb, &res) ||
	    res.queue >= READ_ONCE(vif->nr_queues))
		return netdev_pick_tx(dev, skb, sb_dev);
	return res.queue;
}

static const struct net_device_ops xnb_netdev_ops = {
	.ndo_open = xnb_open,
	.ndo_stop = xnb_stop,
	.ndo_start_xmit = xnb_start_xmit,
	.ndo_select_queue = xnb_select_queue,
	.ndo_get_stats64 = xnb_get_stats64,
	.ndo_change_mtu = xnb_change_mtu,
	.ndo_fix_features = xnb_fix_features,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

/* ethtool -S: the vif's totals, then each connected queue's own. */
static int xnb_get_sset_count(struct net_device *dev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return XNB_NR_SHOWN * (1 + xnb_vif_of(dev)->nr_queues);
}

static void xnb_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	unsigned int i, q, nr = xnb_vif_of(dev)->nr_queues;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < XNB_NR_SHOWN; i++)
		ethtool_sprintf(&data, "%s", xnb_stats[i].name);
	for (q = 0; q < nr; q++)
		for (i = 0; i < XNB_NR_SHOWN; i++)
			ethtool_sprintf(&data, "q%u_%s", q, xnb_stats[i].name);
}

static void xnb_get_ethtool_stats(struct net_device *dev,
				  struct ethtool_stats *es, u64 *data)
{
	struct xnb_vif *vif = xnb_vif_of(dev);
	struct xnb_qstats t;
	unsigned int i, q;

	xnb_stats_sum(vif, &t);
	for (i = 0; i < XNB_NR_SHOWN; i++)
		*data++ = xnb_stat_get(&t, i);
	/* ethtool holds rtnl, under which the queues come and go. */
	spin_lock_bh(&vif->stats_lock);
	for (q = 0; q < vif->nr_queues; q++)
		for (i = 0; i < XNB_NR_SHOWN; i++)
			*data++ = xnb_stat_get(&vif->queues[q].stats, i);
	spin_unlock_bh(&vif->stats_lock);
}

static void xnb_get_drvinfo(struct net_device *dev,
			    struct ethtool_drvinfo *info)
{
	struct xnb_vif *vif = xnb_vif_of(dev);

	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->bus_info, dev_name(&vif->xdev->dev),
		sizeof(info->bus_info));
}

static void xnb_get_channels(struct net_device *dev,
			     struct ethtool_channels *ch)
{
	ch->max_combined = dev->num_tx_queues;
	ch->combined_count = xnb_vif_of(dev)->nr_queues;
}

static const struct ethtool_ops xnb_ethtool_ops = {
	.get_drvinfo = xnb_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = xnb_get_sset_count,
	.get_strings = xnb_get_strings,
	.get_ethtool_stats = xnb_get_ethtool_stats,
	.get_channels = xnb_get_channels,
};

/* Offer the stack what the frontend can take; call under rtnl. */
void xnb_set_features(struct xnb_vif *vif)
{
	struct net_device *dev = vif->dev;

	if (READ_ONCE(vif->connected) && !vif->fe.sg && dev->mtu > ETH_DATA_LEN)
		dev_set_mtu(dev, ETH_DATA_LEN);
	netdev_update_features(dev);
}

struct net_device *xnb_netdev_create(struct xnb_vif *vif, const char *name)
{
	/* The guest's MAC is its own; FE:FF:.. never wins a bridge's id. */
	static const u8 mac[ETH_ALEN] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct net_device *dev;
	int ret;

	dev = alloc_netdev_mqs(sizeof(struct xnb_priv), name, NET_NAME_USER,
			       ether_setup, xnb_max_queues, xnb_max_queues);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	((struct xnb_priv *)netdev_priv(dev))->vif = vif;
	vif->dev = dev;
	SET_NETDEV_DEV(dev, &vif->xdev->dev);
	dev->netdev_ops = &xnb_netdev_ops;
	dev->ethtool_ops = &xnb_ethtool_ops;
	dev->hw_features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM |
			   NETIF_F_TSO | NETIF_F_TSO6;
	dev->features = dev->hw_features | NETIF_F_RXCSUM;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = XEN_NETIF_MAX_TX_SIZE;
	eth_hw_addr_set(dev, mac);
	netif_carrier_off(dev);
	netif_tx_stop_all_queues(dev);

	ret = register_netdev(dev);
	if (ret) {
		vif->dev = NULL;
		free_netdev(dev);
		return ERR_PTR(ret);
	}
	return dev;
}

void xnb_netdev_destroy(struct xnb_vif *vif)
{
	if (!vif->dev)
		return;
	unregister_netdev(vif->dev);
	free_netdev(vif->dev);
	vif->dev = NULL;
}
