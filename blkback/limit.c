// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vbd I/O limits: a budget of requests and of bytes per second that
 * every ring of the vbd draws from, set by the administrator through
 * sysfs (limits/iops, limits/bytes_per_sec) or xenstore (limit-iops and
 * limit-bytes-per-sec in the backend's node). 0 means no limit.
 *
 * Each budget is a token bucket holding at most a tenth of a second's
 * worth. A request may start while the bucket is not empty and then takes
 * its whole cost, even if that leaves the bucket in debt: a large request
 * under a small byte limit is delayed, never refused, and the debt holds
 * back the requests after it for exactly as long as the limit asks.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "blkback.h"

/* Tokens count in millionths, so that rates of 1/s still refill smoothly. */
#define XBB_TOKEN_SCALE		1000000LL
/* Largest rate accepted: keeps rate * XBB_TOKEN_SCALE * 1 s within s64. */
#define XBB_LIMIT_MAX		(1ULL << 40)

void xbb_limit_init(struct xbb_limit *l)
{
	spin_lock_init(&l->lock);
	l->last = ktime_get();
}

/* Refill @tokens for @us microseconds at @rate per second; cap a burst. */
static void xbb_refill(s64 *tokens, u64 rate, s64 us)
{
	s64 cap = rate * XBB_TOKEN_SCALE / 10;

	*tokens += rate * us;
	if (*tokens > cap)
		*tokens = cap;
}

/* Microseconds until @tokens is back above zero at @rate. */
static s64 xbb_debt_us(s64 tokens, u64 rate)
{
	return tokens > 0 ? 0 : div64_s64(-tokens, rate) + 1;
}

long xbb_limit_admit(struct xbb_vbd *vbd, u32 bytes)
{
	struct xbb_limit *l = &vbd->limit;
	s64 us, wait;
	ktime_t now;

	spin_lock(&l->lock);
	if (!l->iops && !l->bps) {
		spin_unlock(&l->lock);
		return 0;
	}
	now = ktime_get();
	/* A second of silence refills any bucket completely. */
	us = min_t(s64, ktime_us_delta(now, l->last), USEC_PER_SEC);
	l->last = now;
	if (l->iops)
		xbb_refill(&l->io_tokens, l->iops, us);
	if (l->bps)
		xbb_refill(&l->byte_tokens, l->bps, us);

	wait = 0;
	if (l->iops)
		wait = max(wait, xbb_debt_us(l->io_tokens, l->iops));
	if (l->bps)
		wait = max(wait, xbb_debt_us(l->byte_tokens, l->bps));
	if (!wait) {
		l->io_tokens -= XBB_TOKEN_SCALE;
		l->byte_tokens -= (s64)bytes * XBB_TOKEN_SCALE;
	}
	spin_unlock(&l->lock);
	return wait ? max_t(long, usecs_to_jiffies(wait), 1) : 0;
}

int xbb_limit_set(struct xbb_vbd *vbd, u64 iops, u64 bps)
{
	struct xbb_limit *l = &vbd->limit;

	if (iops > XBB_LIMIT_MAX || bps > XBB_LIMIT_MAX)
		return -ERANGE;
	spin_lock(&l->lock);
	if (l->iops != iops || l->bps != bps) {
		l->iops = iops;
		l->bps = bps;
		/* Start the new limit with a full burst and no debt. */
		l->io_tokens = iops * XBB_TOKEN_SCALE / 10;
		l->byte_tokens = bps * XBB_TOKEN_SCALE / 10;
		l->last = ktime_get();
	}
	spin_unlock(&l->lock);
	return 0;
}

static int xbb_limit_read_key(struct xbb_vbd *vbd, const char *key, u64 *val)
{
	unsigned long long v;

	if (xenbus_scanf(XBT_NIL, vbd->xdev->nodename, key, "%llu", &v) != 1)
		return -ENOENT;
	*val = v;
	return 0;
}

/* The administrator wrote limit-iops or limit-bytes-per-sec. */
static void xbb_limit_changed(struct xenbus_watch *watch, const char *path,
			      const char *token)
{
	struct xbb_vbd *vbd = container_of(watch, struct xbb_vbd, limit_watch);
	u64 iops, bps;

	spin_lock(&vbd->limit.lock);
	iops = vbd->limit.iops;
	bps = vbd->limit.bps;
	spin_unlock(&vbd->limit.lock);
	/* An absent key leaves that limit as it is (sysfs may have set it). */
	xbb_limit_read_key(vbd, "limit-iops", &iops);
	xbb_limit_read_key(vbd, "limit-bytes-per-sec", &bps);
	if (xbb_limit_set(vbd, iops, bps))
		dev_warn(&vbd->xdev->dev, "limit-iops %llu / limit-bytes-per-sec %llu out of range (at most %llu)\n",
			 iops, bps, XBB_LIMIT_MAX);
	else if (iops || bps)
		dev_info(&vbd->xdev->dev, "I/O limit from xenstore: %llu requests/s, %llu bytes/s (0: none)\n",
			 iops, bps);
}

int xbb_limit_watch(struct xbb_vbd *vbd)
{
	/* One watch on the node: it fires for either key (and others). */
	return xenbus_watch_pathfmt(vbd->xdev, &vbd->limit_watch, NULL,
				    xbb_limit_changed, "%s", vbd->xdev->nodename);
}
