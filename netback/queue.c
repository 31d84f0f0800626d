// SPDX-License-Identifier: GPL-2.0
/*
 * One queue's rings and event channels: set up, torn down, and the
 * interrupt and late-EOI plumbing between them and the two sides (NAPI for
 * the frontend's transmit ring, a thread for its receive ring).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <xen/events.h>

#include "netback.h"

static struct xnb_eoi *xnb_eoi_of(struct xnb_queue *q, unsigned int side,
				  int *irq)
{
	if (q->vif->fe.split_evtchn && side == XNB_EOI_RX) {
		*irq = q->rx_chan.irq;
		return &q->rx_eoi;
	}
	*irq = q->tx_chan.irq;
	return &q->tx_eoi;
}

void xnb_eoi_work(struct xnb_queue *q, unsigned int side)
{
	int irq;

	WRITE_ONCE(xnb_eoi_of(q, side, &irq)->work, true);
}

void xnb_eoi_done(struct xnb_queue *q, unsigned int side)
{
	int irq;
	struct xnb_eoi *e = xnb_eoi_of(q, side, &irq);
	unsigned int old = atomic_fetch_andnot(side, &e->pending);
	bool work;

	/* Not owed by this side, or the other side has yet to look. */
	if (!(old & side) || (old & ~side))
		return;
	work = xchg(&e->work, false);
	if (!work)
		q->stats.spurious_events++;
	/* A spurious EOI makes Xen delay the next event: storms cost us little. */
	xen_irq_lateeoi(irq, work ? 0 : XEN_EOI_FLAG_SPURIOUS);
}

static void xnb_kick_rx(struct xnb_queue *q)
{
	WRITE_ONCE(q->rx_kicked, true);
	wake_up(&q->rx_wq);
}

/*
 * Whether a tx notification brings the poll anything: requests it has not
 * taken, on a ring it still reads. (req_cons is the poll's and may move
 * under us; a stale value only makes us schedule a poll that finds
 * nothing.)
 */
static bool xnb_tx_event_has_work(struct xnb_queue *q)
{
	if (q->tx_broken || READ_ONCE(q->vif->disabled))
		return false;
	return READ_ONCE(q->tx.sring->req_prod) != READ_ONCE(q->tx.req_cons);
}

/*
 * The frontend's transmit ring's own channel (split channels). An event
 * with nothing behind it is answered here, at once, with a spurious EOI:
 * Xen then slows down a frontend that keeps doing it, and no poll runs
 * for it. (Answering it later from the poll, on whichever CPU that ran,
 * left the channel masked now and then right after connect: the first
 * event, the one Xen raises when we bind, was then the last.)
 */
static irqreturn_t xnb_tx_interrupt(int irq, void *dev_id)
{
	struct xnb_queue *q = dev_id;

	q->stats.tx_events++;
	if (!xnb_tx_event_has_work(q)) {
		q->stats.spurious_events++;
		xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS);
		return IRQ_HANDLED;
	}
	atomic_or(XNB_EOI_TX, &q->tx_eoi.pending);
	napi_schedule(&q->napi);
	return IRQ_HANDLED;
}

/*
 * Whether an rx notification (buffers posted) brings the thread anything:
 * only if packets wait for them.
 */
static bool xnb_rx_event_has_work(struct xnb_queue *q)
{
	return !q->rx_broken && !READ_ONCE(q->vif->disabled) &&
	       !skb_queue_empty_lockless(&q->rx_queue);
}

/* The frontend's receive ring's own channel (split channels). */
static irqreturn_t xnb_rx_interrupt(int irq, void *dev_id)
{
	struct xnb_queue *q = dev_id;

	q->stats.rx_events++;
	if (!xnb_rx_event_has_work(q)) {
		q->stats.spurious_events++;
		xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS);
		return IRQ_HANDLED;
	}
	atomic_or(XNB_EOI_RX, &q->rx_eoi.pending);
	xnb_kick_rx(q);
	return IRQ_HANDLED;
}

/* One channel for both rings: both sides look, the last one gives the EOI. */
static irqreturn_t xnb_interrupt(int irq, void *dev_id)
{
	struct xnb_queue *q = dev_id;

	q->stats.tx_events++;
	if (!xnb_tx_event_has_work(q) && !xnb_rx_event_has_work(q)) {
		q->stats.spurious_events++;
		xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS);
		return IRQ_HANDLED;
	}
	atomic_or(XNB_EOI_TX | XNB_EOI_RX, &q->tx_eoi.pending);
	napi_schedule(&q->napi);
	xnb_kick_rx(q);
	return IRQ_HANDLED;
}

static int xnb_queue_bind(struct xnb_queue *q, evtchn_port_t tx_port,
			  evtchn_port_t rx_port)
{
	struct xnb_vif *vif = q->vif;
	struct xenbus_device *xdev = vif->xdev;
	int ret;

	if (!vif->fe.split_evtchn) {
		snprintf(q->tx_irq_name, sizeof(q->tx_irq_name), "%s-q%u",
			 vif->dev->name, q->id);
		return xsplit_be_chan_bind(xdev, &q->tx_chan, tx_port,
					   xnb_interrupt, q->tx_irq_name, q);
	}
	snprintf(q->tx_irq_name, sizeof(q->tx_irq_name), "%s-q%u-tx",
		 vif->dev->name, q->id);
	snprintf(q->rx_irq_name, sizeof(q->rx_irq_name), "%s-q%u-rx",
		 vif->dev->name, q->id);
	ret = xsplit_be_chan_bind(xdev, &q->tx_chan, tx_port, xnb_tx_interrupt,
				  q->tx_irq_name, q);
	if (ret)
		return ret;
	return xsplit_be_chan_bind(xdev, &q->rx_chan, rx_port, xnb_rx_interrupt,
				   q->rx_irq_name, q);
}

/* Look at both rings, event or not. */
void xnb_queue_kick(struct xnb_queue *q)
{
	/* Bottom halves off: the poll runs when they come back on. */
	local_bh_disable();
	napi_schedule(&q->napi);
	local_bh_enable();
	xnb_kick_rx(q);
}

/*
 * Requests on the tx ring that no poll is about to take, and none taken
 * since the last look: a notification on its way is not a stall.
 */
static bool xnb_tx_stalled(struct xnb_queue *q)
{
	RING_IDX prod = READ_ONCE(q->tx.sring->req_prod);
	RING_IDX cons = READ_ONCE(q->tx.req_cons);
	bool moved = cons != q->wd_tx_cons;

	q->wd_tx_cons = cons;
	if (moved || q->tx_broken || READ_ONCE(q->vif->disabled) ||
	    READ_ONCE(q->tx_throttled) || test_bit(NAPI_STATE_SCHED, &q->napi.state))
		return false;
	/* Waiting, rightly, for the rest of a packet the frontend began. */
	if (READ_ONCE(q->tx_waiting) && prod == READ_ONCE(q->tx_wait_prod))
		return false;
	return prod != cons;
}

/* Packets for the guest, buffers for them, the thread asleep, no progress. */
static bool xnb_rx_stalled(struct xnb_queue *q)
{
	RING_IDX cons = READ_ONCE(q->rx.req_cons);
	u32 posted = READ_ONCE(q->rx.sring->req_prod) - cons;
	bool moved = cons != q->wd_rx_cons;

	q->wd_rx_cons = cons;
	if (moved || q->rx_broken || READ_ONCE(q->vif->disabled) ||
	    skb_queue_empty_lockless(&q->rx_queue))
		return false;
	return posted && posted <= XNB_RX_RING_SIZE &&
	       posted >= READ_ONCE(q->rx_need) && wq_has_sleeper(&q->rx_wq);
}

/* dom0's queue to the guest stopped with little left to send. */
static bool xnb_txq_stranded(struct xnb_queue *q)
{
	return netif_tx_queue_stopped(netdev_get_tx_queue(q->vif->dev, q->id)) &&
	       atomic_read(&q->rx_queued_bytes) < XNB_RX_QUEUE_MAX / 2 &&
	       READ_ONCE(q->vif->connected);
}

/*
 * A stalled ring whose channel we owe no EOI: give one anyway, so that the
 * frontend's next notifications get through again instead of the watchdog
 * serving the ring once a second for ever. Seen in the test bed while the
 * channel's irq was stored only after request_irq() returned: the poll the
 * bind-time event started gave its EOI to irq 0, and Xen kept the port
 * masked (see xsplit_be_chan_bind()). Counted in eoi_rescues, which should
 * stay 0. (Owed or not is read racily: at worst an event being handled
 * right now is unmasked a little early, and its own EOI follows.)
 */
static bool xnb_eoi_rescue(struct xnb_queue *q, unsigned int side)
{
	int irq;
	struct xnb_eoi *e = xnb_eoi_of(q, side, &irq);

	if (irq <= 0 || atomic_read(&e->pending))
		return false;
	xen_irq_lateeoi(irq, 0);
	return true;
}

/*
 * Once a second: a ring with work and nobody on it means a notification
 * went missing (the frontend's or ours). Serve it and count it, so that a
 * vif never hangs on one lost event and the counter shows it happened.
 */
void xnb_watchdog(struct timer_list *t)
{
	struct xnb_vif *vif = from_timer(vif, t, watchdog);
	unsigned int i;

	for (i = 0; i < vif->nr_queues; i++) {
		struct xnb_queue *q = &vif->queues[i];

		if (xnb_tx_stalled(q)) {
			q->stats.stall_kicks++;
			if (xnb_eoi_rescue(q, XNB_EOI_TX))
				q->stats.eoi_rescues++;
			napi_schedule(&q->napi);
		}
		if (xnb_rx_stalled(q)) {
			q->stats.stall_kicks++;
			if (xnb_eoi_rescue(q, XNB_EOI_RX))
				q->stats.eoi_rescues++;
			xnb_kick_rx(q);
		}
		if (xnb_txq_stranded(q)) {
			q->stats.stall_kicks++;
			netif_tx_wake_queue(netdev_get_tx_queue(vif->dev, q->id));
		}
	}
	xnb_ctrl_watchdog(vif);
	mod_timer(&vif->watchdog, jiffies + HZ);
}

int xnb_queue_connect(struct xnb_queue *q, grant_ref_t tx_ref,
		      grant_ref_t rx_ref, evtchn_port_t tx_port,
		      evtchn_port_t rx_port)
{
	struct xnb_vif *vif = q->vif;
	struct xenbus_device *xdev = vif->xdev;
	struct task_struct *task;
	int ret;

	skb_queue_head_init(&q->rx_queue);
	init_waitqueue_head(&q->rx_wq);

	ret = xsplit_be_ring_map(xdev, &q->tx_chan, &tx_ref, 1);
	if (ret)
		return ret;
	BACK_RING_INIT(&q->tx, (struct xen_netif_tx_sring *)q->tx_chan.ring,
		       XEN_PAGE_SIZE);
	ret = xsplit_be_ring_map(xdev, &q->rx_chan, &rx_ref, 1);
	if (ret)
		goto fail;
	BACK_RING_INIT(&q->rx, (struct xen_netif_rx_sring *)q->rx_chan.ring,
		       XEN_PAGE_SIZE);

	timer_setup(&q->credit_timer, xnb_credit_timer, 0);
	netif_napi_add(vif->dev, &q->napi, xnb_tx_poll);
	q->napi_added = true;
	napi_enable(&q->napi);

	task = kthread_run(xnb_rx_thread, q, "%s-q%u", vif->dev->name, q->id);
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		xenbus_dev_fatal(xdev, ret, "starting the receive thread of queue %u",
				 q->id);
		goto fail;
	}
	q->rx_task = task;

	ret = xnb_queue_bind(q, tx_port, rx_port);
	if (ret)
		goto fail;
	/*
	 * The frontend may have queued packets and notified before we bound
	 * the channel; that event is lost, and it will not notify again
	 * until we consume. Look at both rings once now. (With bottom
	 * halves off, so that the poll runs when they come back on, not
	 * whenever this CPU next takes an interrupt.)
	 */
	xnb_queue_kick(q);
	return 0;

fail:
	xnb_queue_disconnect(q);
	return ret;
}

/*
 * Stop both sides before the channels go (a poll may still owe an EOI),
 * and the channels before the rings (a handler may still run).
 */
void xnb_queue_disconnect(struct xnb_queue *q)
{
	struct xenbus_device *xdev = q->vif->xdev;

	if (q->napi_added) {
		napi_disable(&q->napi);
		/* Its callback only schedules the poll, which is off now. */
		del_timer_sync(&q->credit_timer);
	}
	if (q->rx_task) {
		kthread_stop(q->rx_task);
		q->rx_task = NULL;
	}
	xsplit_be_chan_disconnect(xdev, &q->rx_chan, q);
	xsplit_be_chan_disconnect(xdev, &q->tx_chan, q);
	if (q->napi_added) {
		netif_napi_del(&q->napi);
		q->napi_added = false;
	}
	xnb_rx_purge(q);
}

/*
 * A frontend sent something it must not. Logged (rate-limited, with the
 * vif and domain named); true when the vif is now disabled: at once for
 * @fatal, else once more than xnb_bad_limit refusals came in one second.
 * A disabled vif stays so until the frontend reconnects.
 */
bool xnb_vif_misbehaved(struct xnb_vif *vif, const char *why, bool fatal)
{
	unsigned long start = READ_ONCE(vif->bad_window);
	int n;

	if (time_after(jiffies, start + HZ)) {
		WRITE_ONCE(vif->bad_window, jiffies);
		atomic_set(&vif->bad_count, 0);
	}
	n = atomic_inc_return(&vif->bad_count);
	if (__ratelimit(&vif->log_rs))
		netdev_warn(vif->dev, "domain %d: %s\n", vif->xdev->otherend_id,
			    why);
	if (!fatal && n <= xnb_bad_limit)
		return false;
	if (!xchg(&vif->disabled, true)) {
		netif_carrier_off(vif->dev);
		netdev_err(vif->dev, "disabled: domain %d %s (%s); it must reconnect\n",
			   vif->xdev->otherend_id,
			   fatal ? "broke the ring protocol" :
				   "keeps sending bad packets", why);
	}
	return true;
}
