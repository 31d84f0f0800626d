/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xsplit-dma: a DMA-API implementation for Xen domains. Internal header.
 */
#ifndef XSPLIT_XDMA_H
#define XSPLIT_XDMA_H

#include <linux/dma-map-ops.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <xsplit/dma_pool.h>

/* How bus addresses are made in this domain, chosen once at load. */
enum xdma_mode {
	XDMA_MODE_P2M,		/* PV: machine address, pfn -> mfn */
	XDMA_MODE_IDENTITY,	/* auto-translated: bus address = pfn */
};

/*
 * Largest extent Xen exchanges for an unprivileged domain with a device
 * (its CONFIG_PTDOM_MAX_ORDER and CONFIG_DOMU_MAX_ORDER default), so the
 * largest coherent buffer and bounce segment: 2 MiB.
 */
#define XDMA_MAX_ORDER		9

/* Counters per bound device, per CPU so that the map path takes no lock. */
struct xdma_stats {
	u64 maps;		/* buffers mapped (an sg entry counts as one) */
	u64 unmaps;
	u64 map_bytes;
	u64 bounces;		/* mappings that went through the pool */
	u64 bounce_bytes;
	u64 contig;		/* multi-page mappings found machine-contiguous */
	u64 exchanges;		/* coherent buffers made contiguous by Xen */
	u64 failures;		/* maps and allocations refused */
	u64 bad_unmaps;		/* unknown, double or mismatched unmaps */
	u64 strict_errors;	/* what strict mode caught */
};

#define XDMA_RECENT	32

/* One device that has these ops. */
struct xdma_dev {
	/* This device's own copy: dev->dma_ops points here (see xdma_of). */
	struct dma_map_ops ops;
	struct device *dev;
	const struct dma_map_ops *saved_ops;
	struct list_head node;
	struct kobject kobj;
	struct xdma_stats __percpu *stats;
	u64 leaks;		/* mappings a driver left behind, at its unbind */

	/* Strict mode: every live mapping, and the last few unmapped. */
	bool strict;
	spinlock_t lock;
	struct rb_root live;
	unsigned long nlive;
	u64 recent[XDMA_RECENT];
	unsigned int recent_next;
};

static inline struct xdma_dev *xdma_of(struct device *dev)
{
	return container_of((struct dma_map_ops *)dev->dma_ops,
			    struct xdma_dev, ops);
}

#define xdma_inc(xd, field)		this_cpu_inc((xd)->stats->field)
#define xdma_add(xd, field, n)		this_cpu_add((xd)->stats->field, n)

u64 xdma_stat(struct xdma_dev *xd, size_t offset);
s64 xdma_outstanding(struct xdma_dev *xd);

/* main.c */
extern enum xdma_mode xdma_mode;
extern bool xdma_no_translate;

/* ops.c */
extern const struct dma_map_ops xdma_ops_template;

/* pool.c: the bounce pool, shared by all bound devices. */
struct xdma_pool_info {
	u32 pages;
	u32 used;
	u32 peak;
	unsigned int bits;
	unsigned int segments;
};

/* Bus range spanning every pool segment; empty while there is no pool. */
struct xdma_pool_span {
	dma_addr_t lo, hi;
};
extern struct xdma_pool_span xdma_pool_span;

/* The cheap test the unmap and sync paths make first, without a call. */
static inline bool xdma_pool_near(dma_addr_t bus)
{
	return bus >= xdma_pool_span.lo && bus < xdma_pool_span.hi;
}

int xdma_pool_get(void);
void xdma_pool_put(void);
size_t xdma_pool_max_mapping(void);
u64 xdma_pool_top(void);
dma_addr_t xdma_pool_map(struct xdma_dev *xd, phys_addr_t phys, size_t size,
			 enum dma_data_direction dir);
int xdma_pool_unmap(struct xdma_dev *xd, dma_addr_t bus, size_t size,
		    enum dma_data_direction dir, bool sync);
void xdma_pool_sync(struct xdma_dev *xd, dma_addr_t bus, size_t size,
		    enum dma_data_direction dir, bool for_cpu);
void xdma_pool_info(struct xdma_pool_info *info);

/* strict.c */
int xdma_strict_check_frames(struct xdma_dev *xd, phys_addr_t phys,
			     size_t size, dma_addr_t bus);
int xdma_strict_track(struct xdma_dev *xd, dma_addr_t bus, size_t size,
		      enum dma_data_direction dir);
int xdma_strict_untrack(struct xdma_dev *xd, dma_addr_t bus, size_t size,
			enum dma_data_direction dir);
unsigned long xdma_strict_report_leaks(struct xdma_dev *xd);
void xdma_strict_forget(struct xdma_dev *xd);

#endif /* XSPLIT_XDMA_H */
