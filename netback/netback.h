/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XSPLIT_NETBACK_H
#define XSPLIT_NETBACK_H

#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/ratelimit.h>
#include <linux/skbuff.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/interface/io/netif.h>
#include <xen/xenbus.h>
#include <xsplit/net_credit.h>
#include <xsplit/net_ctrl.h>
#include <xsplit/net_mcast.h>
#include <xsplit/net_tx.h>
#include <xsplit/xenbus_be.h>

/* netif rings are one page each, whatever the frontend's page size. */
#define XNB_TX_RING_SIZE	__CONST_RING_SIZE(xen_netif_tx, XEN_PAGE_SIZE)
#define XNB_RX_RING_SIZE	__CONST_RING_SIZE(xen_netif_rx, XEN_PAGE_SIZE)
#define XNB_CTRL_RING_SIZE	__CONST_RING_SIZE(xen_netif_ctrl, XEN_PAGE_SIZE)

/* Multicast groups a frontend may list (net_mcast.h). */
#define XNB_MCAST_MAX		XSPLIT_NET_MCAST_MAX

/* Bytes waiting for the guest before dom0's queue to it is stopped. */
#define XNB_RX_QUEUE_MAX	(512 * 1024)

/* Packets one grant copy hypercall serves, in each direction. */
#define XNB_TX_BATCH		32
#define XNB_RX_BATCH		32
/*
 * Copy operations one packet may need: each data slot of at most a page
 * splits at most at two 4 KiB boundaries of the buffer it is copied to
 * (tx), and each 4 KiB of a guest buffer takes at most a piece per
 * source page it spans plus one (rx).
 */
#define XNB_TX_OPS_PER_PKT	(3 * XSPLIT_NET_TX_MAX_SLOTS)
#define XNB_RX_OPS_PER_PKT	(2 * (MAX_SKB_FRAGS + 2) + XEN_NETIF_NR_SLOTS_MIN)
#define XNB_TX_COPY_OPS		(XNB_TX_BATCH * 8)
#define XNB_RX_COPY_OPS		(XNB_RX_BATCH * 8)

/*
 * Per-queue counters. "from guest" is the frontend's transmit ring (the
 * vif's rx in dom0's view), "to guest" its receive ring. Each field is
 * written by one context only (the queue's NAPI poll for from-guest, its
 * thread or xmit for to-guest); readers add them up. The names, in this
 * order, are what ethtool -S and sysfs show: keep xnb_stat_names in step.
 */
struct xnb_qstats {
	u64 from_guest_packets;
	u64 from_guest_bytes;
	u64 from_guest_gso;
	u64 from_guest_csum_blank;
	/* refused from-guest packets, by reason (enum xsplit_net_tx_err) */
	u64 drop_reason[XSPLIT_NET_TX_NR_ERRS];
	u64 drop_bad_gref;	/* a grant copy from the guest failed */
	u64 drop_bad_csum;	/* headers unusable for the checksum offload */
	u64 drop_no_mem;
	u64 tx_events;		/* notifications on the frontend's tx ring */
	u64 spurious_events;	/* notifications that found nothing to do */
	u64 to_guest_packets;
	u64 to_guest_bytes;
	u64 to_guest_gso;
	u64 to_guest_hash;	/* packets given the frontend's hash */
	u64 to_guest_drop_down;		/* arrived while the vif is disabled */
	u64 to_guest_drop_too_big;	/* needs more slots than netfront takes */
	u64 to_guest_drop_bad_gref;	/* a grant copy to the guest failed */
	u64 to_guest_drop_purged;	/* queued when the frontend went away */
	u64 to_guest_drop_mcast;	/* to a group the guest did not list */
	u64 rx_ring_full;	/* waits for the guest to post buffers */
	u64 rx_events;		/* notifications on the frontend's rx ring */
	u64 queue_stopped;	/* dom0's queue to the guest filled up */
	u64 stall_kicks;	/* rings the watchdog found waiting unserved */
	u64 eoi_rescues;	/* EOIs it gave their channels unowed */
	u64 rate_waits;		/* times the rate limit held the guest back */
	/*
	 * The control ring's: it is the vif's, not a queue's, so only
	 * queue 0 counts them (written by the ring's work, ctrl_events by
	 * its interrupt handler).
	 */
	u64 ctrl_requests;	/* requests answered */
	u64 ctrl_refused;	/* of which with a status other than SUCCESS */
	u64 ctrl_events;	/* notifications on the control ring */
	/* Multicast control operations from the guest, on any queue. */
	u64 mcast_add;		/* MCAST_ADD carried out (a repeat too) */
	u64 mcast_del;		/* MCAST_DEL carried out */
	u64 mcast_refused;	/* not a group, list full, nothing to del */
};

#define XNB_NR_STATS	(sizeof(struct xnb_qstats) / sizeof(u64))
/* Counters shown: drop_reason[] without OK and INCOMPLETE. */
#define XNB_NR_SHOWN	(XNB_NR_STATS - 2)

/* A counter's name (ethtool -S, sysfs) and place in struct xnb_qstats. */
struct xnb_stat_desc {
	char name[ETH_GSTRING_LEN];
	size_t off;
};

extern struct xnb_stat_desc xnb_stats[XNB_NR_SHOWN];

/* One packet from the guest between its copy and its delivery. */
struct xnb_tx_pend {
	struct sk_buff *skb;
	u16 first_op, nr_ops;		/* its grant copies in the batch */
	struct xsplit_net_tx_pkt pkt;	/* as parsed */
	u16 ids[XSPLIT_NET_TX_MAX_SLOTS]; /* of its data slots, to answer */
};

/* One packet to the guest between its copy and its responses. */
struct xnb_rx_pend {
	struct sk_buff *skb;
	u16 first_op, nr_ops;
	RING_IDX first_slot;		/* ring index of its first response */
	u16 nr_data;			/* data slots */
	bool gso_extra;			/* a GSO extra follows the first */
	bool hash_extra;		/* a hash extra follows, after the GSO */
	u16 ids[XEN_NETIF_NR_SLOTS_MIN];	/* of its data slots' requests */
};

/* Bits of xnb_queue.eoi: which side still owes the shared event an EOI. */
#define XNB_EOI_TX	BIT(0)
#define XNB_EOI_RX	BIT(1)

/*
 * An event channel's late EOI: given when every side the event woke
 * (XNB_EOI_*) has looked at its ring, as spurious if none found work.
 */
struct xnb_eoi {
	atomic_t pending;
	bool work;
};

struct xnb_vif;

struct xnb_queue {
	struct xnb_vif *vif;
	unsigned int id;
	char tx_irq_name[IFNAMSIZ + 8];
	char rx_irq_name[IFNAMSIZ + 8];

	/* Frontend's transmit ring (guest to dom0), served by NAPI. */
	struct xsplit_be_chan tx_chan;	/* its irq is the shared one if any */
	struct xen_netif_tx_back_ring tx;
	struct napi_struct napi;
	bool napi_added;
	/* For debugfs: polls, those that found nothing, req_prod then. */
	unsigned long tx_polls, tx_empty_polls;
	RING_IDX tx_empty_prod;
	bool tx_waiting;		/* for the rest of a packet's slots */
	RING_IDX wd_tx_cons, wd_rx_cons;	/* at the watchdog's last look */
	RING_IDX tx_wait_prod;		/* req_prod when that was found */
	bool tx_broken;			/* stopped for a misbehaving frontend */
	bool tx_throttled;		/* out of credit: the timer polls next */
	struct timer_list credit_timer;
	struct xsplit_net_txslot slots[XSPLIT_NET_TX_FATAL_SLOTS];
	struct xnb_tx_pend tx_pend[XNB_TX_BATCH];
	struct gnttab_copy tx_copy[XNB_TX_COPY_OPS];

	/* Frontend's receive ring (dom0 to guest), served by a thread. */
	struct xsplit_be_chan rx_chan;	/* irq only with split channels */
	struct xen_netif_rx_back_ring rx;
	struct sk_buff_head rx_queue;
	atomic_t rx_queued_bytes;
	struct task_struct *rx_task;
	wait_queue_head_t rx_wq;
	bool rx_kicked;
	bool rx_broken;			/* stopped for a misbehaving frontend */
	u32 rx_need;			/* slots the next packet waits for */
	bool rx_waiting;		/* for the guest's buffers, counted */
	RING_IDX rx_seen_prod;		/* req_prod when last looked at */
	struct xnb_rx_pend rx_pend[XNB_RX_BATCH];
	struct gnttab_copy rx_copy[XNB_RX_COPY_OPS];

	/*
	 * Late EOIs still owed: tx_eoi for the tx (or the one shared)
	 * event channel, rx_eoi for the rx one when split.
	 */
	struct xnb_eoi tx_eoi, rx_eoi;

	struct xnb_qstats stats;
};

/* What the frontend can take, from its feature-* keys. */
struct xnb_fe_features {
	bool sg, gso_tcpv4, gso_tcpv6, ipv6_csum, no_csum;
	bool split_evtchn;
};

/*
 * The frontend's control ring (receive-side hashing), if it gave one: the
 * ring is served by a work item, which the interrupt handler schedules.
 */
struct xnb_ctrl {
	struct xsplit_be_chan chan;	/* ring NULL: the frontend gave none */
	struct xen_netif_ctrl_back_ring ring;
	struct work_struct work;
	/* Where a key or mapping table lands, out of the guest's reach. */
	struct page *page;
	struct xnb_qstats *stats;	/* queue 0's */
	bool eoi_owed;			/* the handler left the EOI to the work */
	bool broken;			/* stopped for a misbehaving frontend */
	RING_IDX wd_cons;		/* req_cons at the watchdog's last look */
	char irq_name[IFNAMSIZ + 8];
};

struct xnb_vif {
	struct xenbus_device *xdev;
	struct net_device *dev;
	u32 handle;
	struct mutex lock;		/* connect and disconnect */
	struct ratelimit_state log_rs;
	struct xenbus_watch hotplug_watch;
	bool watching;
	bool hotplug_ok;		/* the hotplug script said connected */

	/*
	 * nr_queues of them while connected; published and withdrawn under
	 * rtnl and stats_lock, so that the stats and ethtool see either all
	 * or none of them.
	 */
	struct xnb_queue *queues;
	unsigned int nr_queues;
	spinlock_t stats_lock;
	bool connected;
	struct xnb_fe_features fe;

	bool disabled;			/* the frontend misbehaved: no I/O */
	/* Misbehaviour budget: refusals in the current one-second window. */
	unsigned long bad_window;
	atomic_t bad_count;

	/*
	 * The toolstack's "rate" limit on what the guest sends, shared by
	 * all queues (the limit is the vif's, not each queue's).
	 */
	bool rate_limited;
	spinlock_t credit_lock;
	struct xsplit_net_credit credit;

	struct xnb_ctrl ctrl;
	/*
	 * What the frontend asked for on the control ring: written by the
	 * ring's work, read when dom0 picks a queue for a packet to the
	 * guest. Reset at every connect and disconnect.
	 */
	spinlock_t hash_lock;
	struct xsplit_net_hash hash;

	/*
	 * Multicast control (mcast.c, which says how it is locked): the
	 * groups the frontend listed, and whether it asks for filtering
	 * (request-multicast-control, watched while connected).
	 */
	spinlock_t mcast_lock;
	struct xsplit_net_mcast mcast;
	bool mcast_filter;
	struct xenbus_watch mcast_watch;
	bool mcast_watching;

	struct dentry *debugfs;		/* our directory, while connected */
	struct timer_list watchdog;	/* looks for rings nobody serves */

	/* What disconnected queues counted, so totals survive reconnects. */
	struct xnb_qstats gone;
};

struct xnb_priv {
	struct xnb_vif *vif;
};

extern unsigned int xnb_max_queues;
extern bool xnb_split_channels;
extern unsigned int xnb_bad_limit;

/* vif.c */
struct net_device *xnb_netdev_create(struct xnb_vif *vif, const char *name);
void xnb_netdev_destroy(struct xnb_vif *vif);
void xnb_set_features(struct xnb_vif *vif);
void xnb_stats_init(void);
void xnb_stats_sum(struct xnb_vif *vif, struct xnb_qstats *sum);
void xnb_stats_fold(struct xnb_vif *vif);

/* queue.c */
int xnb_queue_connect(struct xnb_queue *q, grant_ref_t tx_ref,
		      grant_ref_t rx_ref, evtchn_port_t tx_port,
		      evtchn_port_t rx_port);
void xnb_queue_disconnect(struct xnb_queue *q);
void xnb_queue_kick(struct xnb_queue *q);
void xnb_watchdog(struct timer_list *t);
bool xnb_vif_misbehaved(struct xnb_vif *vif, const char *why, bool fatal);

/* tx.c: from the guest */
int xnb_tx_poll(struct napi_struct *napi, int budget);
void xnb_credit_timer(struct timer_list *t);

/* rx.c: to the guest */
netdev_tx_t xnb_start_xmit(struct sk_buff *skb, struct net_device *dev);
int xnb_rx_thread(void *arg);
void xnb_rx_purge(struct xnb_queue *q);

/* ctrl.c: the control ring */
void xnb_ctrl_init(struct xnb_vif *vif);
int xnb_ctrl_connect(struct xnb_vif *vif, struct xnb_queue *q0,
		     unsigned int nr_queues);
void xnb_ctrl_disconnect(struct xnb_vif *vif);
void xnb_ctrl_watchdog(struct xnb_vif *vif);

/* mcast.c: multicast control */
void xnb_mcast_init(struct xnb_vif *vif);
int xnb_mcast_connect(struct xnb_vif *vif);
void xnb_mcast_disconnect(struct xnb_vif *vif);
bool xnb_mcast_op(struct xnb_queue *q, const struct xsplit_net_tx_pkt *pkt);
bool xnb_mcast_wanted(struct xnb_vif *vif, const struct sk_buff *skb);
bool xnb_hash_skb(struct xnb_vif *vif, const struct sk_buff *skb,
		  struct xsplit_net_hash_result *res);
void xnb_mcast_snapshot(struct xnb_vif *vif, struct xsplit_net_mcast *m);

/* debugfs.c */
void xnb_debugfs_init(void);
void xnb_debugfs_exit(void);
void xnb_debugfs_add(struct xnb_vif *vif);
void xnb_debugfs_remove(struct xnb_vif *vif);

/* xenbus.c */
int xnb_xenbus_register(void);
void xnb_xenbus_unregister(void);

/* A side found work since the event; it is done with the event. */
void xnb_eoi_work(struct xnb_queue *q, unsigned int side);
void xnb_eoi_done(struct xnb_queue *q, unsigned int side);

#endif /* XSPLIT_NETBACK_H */
