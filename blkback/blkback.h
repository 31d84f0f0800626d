/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XSPLIT_BLKBACK_H
#define XSPLIT_BLKBACK_H

#include <linux/blkdev.h>
#include <linux/ratelimit.h>
#include <linux/rbtree.h>
#include <linux/wait.h>
#include <xen/grant_table.h>
#include <xen/interface/io/blkif.h>
#include <xen/xenbus.h>
#include <xsplit/blk_req.h>
#include <xsplit/xenbus_be.h>

/* One request taken off the ring and not yet answered. */
struct xbb_req {
	struct list_head node;		/* on the ring's free or done list */
	struct xbb_ring *ring;
	blk_status_t bio_status;	/* what the block layer said */
	bool admitted;			/* past the vbd's I/O limit */
	bool answered;			/* by its bio's completion */
	u32 bytes;			/* data it carries, once accepted */
	/*
	 * Bounce buffer, from the ring's pool while the request runs: guest
	 * data is grant-copied in and out of here. A direct request has
	 * none (nr_pages 0); pages[] then holds each segment's kept guest
	 * page, which the ring's persistent grants own, not the request.
	 */
	bool direct;
	unsigned int nr_pages;
	struct page *pages[XSPLIT_BLK_MAX_INDIRECT_SEGS];
	struct xsplit_blk_req req;	/* the private copy, checked */
};

/* Bits of xbb_ring.flags, set by the event handler. */
#define XBB_KICKED	0	/* the frontend notified us */
#define XBB_EOI_DUE	1	/* the event waits for xen_irq_lateeoi() */

/* The counters sysfs shows under statistics/ of the vbd. */
struct xbb_stats {
	u64 rd_req, wr_req, flush_req, barrier_req, discard_req;
	u64 indirect_req;	/* reads and writes among them that were indirect */
	u64 rd_sect, wr_sect, discard_sect;
	u64 bad_req;		/* refused by the checker */
	u64 io_errors;		/* failed in the block layer or grant copy */
	u64 oo_req;		/* waited for bounce pages */
	u64 events;		/* notifications from the frontend */
	u64 throttled;		/* waited for the vbd's I/O limit */
	u64 persistent_hits;	/* segments moved through a kept mapping */
	u64 zero_copy_req;	/* requests whose bio used the guest's pages */
};

/* The vbd's I/O limit (limit.c); 0 rates mean unlimited. */
struct xbb_limit {
	spinlock_t lock;
	u64 iops, bps;			/* requests and bytes per second */
	s64 io_tokens, byte_tokens;	/* in millionths; negative: debt */
	ktime_t last;			/* of the last refill */
};

/*
 * A shared ring and the thread that serves it. Only the thread touches
 * the ring, the lists other than done, the slots and the stats; the bio
 * completion hands requests back through the done list.
 */
struct xbb_ring {
	struct xbb_vbd *vbd;
	unsigned int index;		/* queue number */
	struct xbb_stats stats;
	/* What requests are judged by: the vbd's, this ring's own copy. */
	struct xsplit_blk_vbd lim;
	struct xsplit_be_chan chan;
	struct blkif_back_ring back;
	unsigned int size;		/* RING_SIZE(), also the number of slots */
	bool abi32;			/* the frontend's layout is x86_32-abi */
	struct task_struct *task;
	wait_queue_head_t wq;
	unsigned long flags;
	spinlock_t done_lock;
	struct list_head done;		/* to be answered by the thread */
	/*
	 * Already answered, only the slot to take back: that needs no
	 * wake-up of its own (the next event brings the thread) unless the
	 * thread waits for slots, a barrier's drain or its stop (want_slots).
	 */
	struct list_head answered;
	bool want_slots;
	/*
	 * Answers come from the ring thread and from bio completions:
	 * rsp_prod_pvt, the response slots and rsp_prod are theirs in turn.
	 */
	spinlock_t rsp_lock;
	struct list_head free;
	unsigned int inflight;		/* slots not on the free list */
	struct xbb_req *held;		/* a barrier waiting for the ring to drain */
	bool fence;			/* barrier: take nothing new until drained */
	/* Accepted, waiting for the I/O limit or for bounce pages. */
	struct xbb_req *stalled;
	unsigned long stall_until;	/* jiffies; the limit's wait */
	bool broken;			/* the frontend broke the protocol */
	struct xbb_req *slots;
	struct list_head pool;		/* spare bounce pages, on page->lru */
	unsigned int pool_len;
	struct page *ind_page;		/* private copy of indirect segments */
	bool persistent;		/* feature-persistent negotiated */
	struct rb_root pgnts;		/* persistent.c: grants kept mapped */
	unsigned int nr_pgnts;
	struct xsplit_blk_chunk *chunks;	/* XSPLIT_BLK_MAX_CHUNKS */
	struct gnttab_copy *copy;		/* XSPLIT_BLK_MAX_CHUNKS */
	u16 *copy_chunk;		/* the chunk each copy op moves */
};

/* One virtual block device: a backend xenbus device and its disk. */
struct xbb_vbd {
	struct xenbus_device *xdev;
	struct mutex lock;		/* connect, disconnect, remove */
	struct xenbus_watch pdev_watch;
	bool watching;
	struct block_device *bdev;
	fmode_t mode;
	struct xsplit_blk_vbd lim;	/* what the frontend was told */
	unsigned int info;		/* VDISK_* */
	struct xbb_ring **rings;	/* NULL while not connected */
	unsigned int nr_rings;
	/* Counts of rings since disconnected; sysfs adds the live ones. */
	struct xbb_stats stats;
	struct xbb_limit limit;
	struct xenbus_watch limit_watch;
	bool limit_watching;
	struct ratelimit_state log_rs;
};

/* A ring of 2^order pages: as many as one xsplit_be_chan maps. */
#define XBB_MAX_RING_ORDER	4
static_assert(1 << XBB_MAX_RING_ORDER <= XSPLIT_BE_MAX_REFS);

extern unsigned int xbb_max_ring_order;
extern unsigned int xbb_max_indirect_segs;
extern unsigned int xbb_max_buffer_pages;
extern bool xbb_feature_persistent;
extern bool xbb_zero_copy;
extern unsigned int xbb_max_persistent_grants;

/* The page @gref is mapped at for good, or NULL: use grant copy. */
struct page *xbb_pgnt_page(struct xbb_ring *ring, grant_ref_t gref);
void xbb_pgnt_unmap_all(struct xbb_ring *ring);

void xbb_limit_init(struct xbb_limit *l);
int xbb_limit_set(struct xbb_vbd *vbd, u64 iops, u64 bps);
/* 0: @bytes may go now (and were counted); else jiffies to wait first. */
long xbb_limit_admit(struct xbb_vbd *vbd, u32 bytes);
int xbb_limit_watch(struct xbb_vbd *vbd);

/* Queues a frontend may use: at most one ring per dom0 vCPU. */
#define XBB_MAX_QUEUES		16
extern unsigned int xbb_max_queues;

struct xbb_ring *xbb_ring_connect(struct xbb_vbd *vbd, unsigned int index,
				  const grant_ref_t *refs,
				  unsigned int nr_refs, evtchn_port_t port,
				  bool persistent, bool abi32);
void xbb_ring_disconnect(struct xbb_vbd *vbd, struct xbb_ring *ring);

void xbb_announce_size(struct xbb_vbd *vbd, u64 sectors);

int xbb_xenbus_register(void);
void xbb_xenbus_unregister(void);

#endif /* XSPLIT_BLKBACK_H */
