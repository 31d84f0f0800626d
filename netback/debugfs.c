// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/xsplit-netback/<vif>/queue-N: one queue's ring indices
 * (ours and what the frontend last wrote), pending EOIs and waiting
 * packets, for whoever has to find out why a vif went quiet. ctrl: the
 * same for the control ring, if the frontend gave one, and the hashing
 * the frontend set up on it. mcast: whether the frontend asks for
 * multicast filtering, and the groups it listed.
 */

#include <linux/debugfs.h>
#include <linux/irq.h>
#include <linux/seq_file.h>

#include "netback.h"

static struct dentry *xnb_debugfs_root;

/* What the IRQ core thinks of a channel: a masked one gets no event. */
static void xnb_irq_show(struct seq_file *m, const char *side, int irq)
{
	struct irq_data *d = irq > 0 ? irq_get_irq_data(irq) : NULL;

	if (!d)
		return;
	seq_printf(m, " %s%s%s%s", side, irqd_irq_masked(d) ? " masked" : "",
		   irqd_irq_disabled(d) ? " disabled" : "",
		   irqd_irq_inprogress(d) ? " in-progress" : "");
}

static int xnb_queue_show(struct seq_file *m, void *unused)
{
	struct xnb_queue *q = m->private;
	struct xen_netif_tx_sring *ts = q->tx.sring;
	struct xen_netif_rx_sring *rs = q->rx.sring;

	seq_printf(m, "tx: req_prod %u req_event %u req_cons %u rsp_prod_pvt %u rsp_prod %u rsp_event %u%s%s\n",
		   READ_ONCE(ts->req_prod), READ_ONCE(ts->req_event),
		   q->tx.req_cons, q->tx.rsp_prod_pvt, READ_ONCE(ts->rsp_prod),
		   READ_ONCE(ts->rsp_event), q->tx_broken ? " broken" : "",
		   q->tx_waiting ? " waiting" : "");
	seq_printf(m, "rx: req_prod %u req_event %u req_cons %u rsp_prod_pvt %u rsp_prod %u rsp_event %u need %u%s\n",
		   READ_ONCE(rs->req_prod), READ_ONCE(rs->req_event),
		   q->rx.req_cons, q->rx.rsp_prod_pvt, READ_ONCE(rs->rsp_prod),
		   READ_ONCE(rs->rsp_event), READ_ONCE(q->rx_need),
		   q->rx_broken ? " broken" : "");
	seq_printf(m, "irq: tx %d rx %d eoi pending tx 0x%x rx 0x%x kicked %d\n",
		   q->tx_chan.irq, q->rx_chan.irq,
		   atomic_read(&q->tx_eoi.pending), atomic_read(&q->rx_eoi.pending),
		   READ_ONCE(q->rx_kicked));
	seq_puts(m, "irq core:");
	xnb_irq_show(m, "tx", q->tx_chan.irq);
	xnb_irq_show(m, "rx", q->rx_chan.irq);
	seq_putc(m, '\n');
	seq_printf(m, "napi: state 0x%lx, %lu polls, %lu found nothing (last at req_prod %u); to guest: %u packets, %d bytes queued\n",
		   READ_ONCE(q->napi.state), READ_ONCE(q->tx_polls),
		   READ_ONCE(q->tx_empty_polls), READ_ONCE(q->tx_empty_prod),
		   skb_queue_len_lockless(&q->rx_queue),
		   atomic_read(&q->rx_queued_bytes));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xnb_queue);

static const char *xnb_hash_algorithm_name(u32 algorithm)
{
	switch (algorithm) {
	case XEN_NETIF_CTRL_HASH_ALGORITHM_NONE:
		return "none";
	case XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ:
		return "toeplitz";
	default:
		return "unknown";
	}
}

static int xnb_ctrl_show(struct seq_file *m, void *unused)
{
	struct xnb_vif *vif = m->private;
	struct xnb_ctrl *c = &vif->ctrl;
	struct xen_netif_ctrl_sring *s = c->ring.sring;
	struct xsplit_net_hash h;

	seq_printf(m, "ring: req_prod %u req_event %u req_cons %u rsp_prod_pvt %u rsp_prod %u rsp_event %u%s\n",
		   READ_ONCE(s->req_prod), READ_ONCE(s->req_event),
		   READ_ONCE(c->ring.req_cons), READ_ONCE(c->ring.rsp_prod_pvt),
		   READ_ONCE(s->rsp_prod), READ_ONCE(s->rsp_event),
		   READ_ONCE(c->broken) ? " broken" : "");
	seq_printf(m, "irq: %d eoi owed %d work %s\n", c->chan.irq,
		   READ_ONCE(c->eoi_owed),
		   work_pending(&c->work) ? "pending" : "idle");
	seq_puts(m, "irq core:");
	xnb_irq_show(m, "ctrl", c->chan.irq);
	seq_putc(m, '\n');
	/* A copy: the work may change the state while we print. */
	spin_lock_bh(&vif->hash_lock);
	h = vif->hash;
	spin_unlock_bh(&vif->hash_lock);
	seq_printf(m, "hash: algorithm %s flags 0x%x key %u bytes mapping %u entries over %u queue(s)\n",
		   xnb_hash_algorithm_name(h.algorithm), h.flags, h.key_len,
		   h.mapping_size, h.nr_queues);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xnb_ctrl);

static int xnb_mcast_show(struct seq_file *m, void *unused)
{
	struct xnb_vif *vif = m->private;
	struct xsplit_net_mcast list;
	u32 i;

	/* A copy: the polls may change the list while we print. */
	xnb_mcast_snapshot(vif, &list);
	seq_printf(m, "filter: %s\n", READ_ONCE(vif->mcast_filter) ? "on" : "off");
	seq_printf(m, "groups: %u of %u\n", list.nr, XNB_MCAST_MAX);
	for (i = 0; i < list.nr; i++)
		seq_printf(m, "%pM\n", list.addr[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xnb_mcast);

void xnb_debugfs_add(struct xnb_vif *vif)
{
	char name[16];
	unsigned int i;

	if (IS_ERR_OR_NULL(xnb_debugfs_root))
		return;
	vif->debugfs = debugfs_create_dir(vif->dev->name, xnb_debugfs_root);
	for (i = 0; i < vif->nr_queues; i++) {
		snprintf(name, sizeof(name), "queue-%u", i);
		debugfs_create_file(name, 0400, vif->debugfs, &vif->queues[i],
				    &xnb_queue_fops);
	}
	if (vif->ctrl.chan.ring)
		debugfs_create_file("ctrl", 0400, vif->debugfs, vif,
				    &xnb_ctrl_fops);
	debugfs_create_file("mcast", 0400, vif->debugfs, vif, &xnb_mcast_fops);
}

void xnb_debugfs_remove(struct xnb_vif *vif)
{
	debugfs_remove_recursive(vif->debugfs);
	vif->debugfs = NULL;
}

void xnb_debugfs_init(void)
{
	xnb_debugfs_root = debugfs_create_dir("xsplit-netback", NULL);
}

void xnb_debugfs_exit(void)
{
	debugfs_remove_recursive(xnb_debugfs_root);
}
