// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-test-blk-hostile: a test-only block frontend for a PV guest that
 * talks to the block backend the way a malicious guest would. It binds
 * the xenbus "vbd" devices itself (the guest must not load xen-blkfront),
 * shares a one-page blkif ring per disk in the native 64-bit layout (or,
 * for one disk, the 32-bit x86 one: see abi32= below) and drives it by
 * hand: valid and malformed requests, requests rewritten while the
 * backend reads them, a storm of events, a full ring, and at last a
 * producer index no backend can believe. Every answer is checked against
 * what the backend must give.
 *
 * Each case prints "xsplit-blk-hostile: case <name> ok" or
 * "xsplit-blk-hostile: case <name> FAIL expected <x> got <y>", and the run
 * ends with "xsplit-blk-hostile: done <tried> tried <passed> passed" for
 * tests/vm/blk-hostile.sh to read. It also prints "wrote <disk> <sector>
 * <count>" for each range it wrote with its own pattern and "discarded
 * <disk> <sector> <count>" for each range it asked to discard, so that
 * dom0 can check the backing devices afterwards.
 *
 * The disks must be at least 32 MiB with 512-byte sectors, and dom0 must
 * have filled them beforehand: every 512-byte sector holds 64 copies of
 * the little-endian 64-bit word (devid << 40 | sector number), devid being
 * the disk's xenbus device number (51712 for xvda). The module writes the
 * bitwise complement of that word (its "own" pattern).
 *
 * One disk, the victim (param victim=, else the lowest device number),
 * gets every case and is disconnected by the last one; the others
 * (bystanders) must go on working before and after that.
 *
 * With abi32=<devid>, that disk is neither: it writes protocol
 * "x86_32-abi" and lays its ring out as a 32-bit x86 guest does (struct
 * bh32_*: 108-byte slots, 12-byte answers). It gets the victim's cases
 * but the storm and the disconnect, built as for the native ring and
 * written into its slots in the 32-bit layout, and cases of its own on
 * that layout; every case name of it starts with "abi32-".
 *
 * With persist=<devid>, that disk offers persistent grants
 * (feature-persistent) and, as blkfront does, grants each page of the
 * pool to the backend once and reuses the grant in every later writable
 * segment on that page; grants of other kinds are made per request as
 * elsewhere. It gets the victim's valid, grant, indirect and ring cases
 * and one of its own, named persist-*: a backend that keeps the grants
 * mapped must still read each write's data as the page holds it then.
 *
 * What the backend must answer is the xsplit-blkback contract. With
 * intree=1 the module accepts the kernel's own xen-blkback where that one
 * answers otherwise; each such place names "intree" below.
 */
#define pr_fmt(fmt) "xsplit-blk-hostile: " fmt

#include <linux/build_bug.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/interface/io/blkif.h>
#include <xen/interface/io/protocols.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

/* Far above a normal answer under emulation; also bounds the storm's wait. */
#define BH_TIMEOUT_MS		5000
/* How long silence must last to count as "no answer". */
#define BH_SILENCE_MS		3000
/* A whole ring of requests is answered within this. */
#define BH_RING_TIMEOUT_MS	10000
/* How long the backend may take to leave Connected after a fatal error. */
#define BH_STATE_TIMEOUT_MS	5000
/* Devices that do not connect within this are reported, not waited for. */
#define BH_CONNECT_WAIT_MS	30000
/* Bounds the storm's length even if every event is slow to send. */
#define BH_FLOOD_MAX_MS		15000

#define BH_MAX_DEVS		4
#define BH_POOL_PAGES		64
#define BH_MAX_GRANTS		24
#define BH_MAX_SPANS		16
#define BH_RING_SIZE		__CONST_RING_SIZE(blkif, XEN_PAGE_SIZE)

#define BH_SECTOR_SIZE		512
#define BH_SECTS_PER_PAGE	(XEN_PAGE_SIZE / BH_SECTOR_SIZE)
#define BH_WORDS_PER_SECT	(BH_SECTOR_SIZE / sizeof(u64))
#define BH_SEGS_PER_IPAGE	(XEN_PAGE_SIZE / sizeof(struct blkif_request_segment))

/* Where on each disk what happens, in 512-byte sectors. */
#define BH_MIN_SECTORS		65536ULL	/* 32 MiB */
#define BH_RING_SECTOR		2048ULL		/* ring-full reads */
#define BH_INDIRECT_SECTOR	4096ULL		/* indirect reads */
#define BH_RACED_SECTOR		16384ULL	/* raced requests */
#define BH_WRITE_SECTOR		32768ULL	/* our own writes */
#define BH_DISCARD_SECTOR	49152ULL	/* discards */

/*
 * BH_FILL: where a read must not put data (around its segments). BH_JUNK:
 * what must never reach a disk (around written segments, refused writes).
 */
#define BH_FILL			0x5a
#define BH_JUNK			0xee

/*
 * Every request's id carries 0xa5 in its bytes 1 and 4..7. The response
 * is written over the request, and its padding (byte 9 and bytes 12..15
 * of the slot) lies on exactly those bytes of the request's id (bytes
 * 8..15 of the slot): a backend that leaves the padding alone hands back
 * 0xa5 there. The request's own padding, bytes 4..7 of the slot, is 0xa5
 * as well. The other id bytes count requests. In a 32-bit slot the id is
 * bytes 4..11 and the answer's one padding byte, 9, lies on its byte 5:
 * 0xa5 again.
 */
#define BH_ID_MARK		0xa5a5a5a50000a500ULL

/* A grant reference no guest's table is that large. */
#define BH_GREF_UNUSED		0x7fffffffU
/* A domain that is neither the backend nor anyone else here. */
#define BH_OTHER_DOMID		(DOMID_FIRST_RESERVED - 1)
#define BH_OP_UNKNOWN		200

/* Answer classes, as bits so that a case can accept more than one. */
#define BH_OKAY			BIT(0)
#define BH_ERROR		BIT(1)
#define BH_NOTSUPP		BIT(2)

/* Request fields the race rewrites in place, as offsets in a ring slot. */
#define BH_OFF_OP	offsetof(struct blkif_request, operation)
#define BH_OFF_NSEG	offsetof(struct blkif_request, u.rw.nr_segments)
#define BH_OFF_SECTOR	offsetof(struct blkif_request, u.rw.sector_number)
#define BH_OFF_GREF0	offsetof(struct blkif_request, u.rw.seg[0].gref)

/* The native x86-64 layout this module writes and reads. */
static_assert(sizeof(struct blkif_request) == 112);
static_assert(offsetof(struct blkif_request, u.rw.id) == 8);
static_assert(offsetof(struct blkif_request, u.discard.id) == 8);
static_assert(offsetof(struct blkif_request, u.indirect.id) == 8);
static_assert(BH_OFF_SECTOR == 16 && BH_OFF_GREF0 == 24);
static_assert(sizeof(struct blkif_response) == 16);
static_assert(offsetof(struct blkif_response, operation) == 8);
static_assert(offsetof(struct blkif_response, status) == 10);
static_assert(sizeof(struct blkif_request_segment) == 8);
static_assert(BH_RING_SIZE == 32);

/*
 * The ring as a 32-bit x86 guest lays it out (protocol "x86_32-abi"),
 * spelled out here since the public header describes only the native
 * layout. The 64-byte header of the shared ring is the same; after it
 * come 108-byte slots, because on i386 a u64 is aligned to 4 bytes only:
 * no padding before the id, and a request is 4 bytes shorter. Offsets are
 * given next to each field and checked below.
 */
struct bh32_rw {
	u8 operation;					/*   0 */
	u8 nr_segments;					/*   1 */
	u16 handle;					/*   2 */
	u64 id;						/*   4 */
	u64 sector_number;				/*  12 */
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST]; /* 20 */
} __packed __aligned(4);				/* 108 */

struct bh32_discard {
	u8 operation;					/*   0 */
	u8 flag;					/*   1 */
	u16 pad;					/*   2: was the handle */
	u64 id;						/*   4 */
	u64 sector_number;				/*  12 */
	u64 nr_sectors;					/*  20 */
} __packed __aligned(4);				/*  28 */

struct bh32_indirect {
	u8 operation;					/*   0 */
	u8 indirect_op;					/*   1 */
	u16 nr_segments;				/*   2 */
	u64 id;						/*   4 */
	u64 sector_number;				/*  12 */
	u16 handle;					/*  20 */
	u16 pad1;					/*  22 */
	u32 indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST]; /* 24 */
	u64 pad2;					/*  56: i386 pads to 64 */
} __packed __aligned(4);				/*  64 */

struct bh32_response {
	u64 id;						/*   0 */
	u8 operation;					/*   8 */
	u8 pad;						/*   9 */
	s16 status;					/*  10 */
} __packed __aligned(4);				/*  12 */

/* One slot of the 32-bit ring: a request, then its response over it. */
union bh32_slot {
	struct bh32_rw rw;
	struct bh32_discard discard;
	struct bh32_indirect indirect;
	struct bh32_response rsp;
};

#define BH32_SLOT_SIZE		sizeof(union bh32_slot)
/* The ring's entries start where the native ones do, after the header. */
#define BH32_RING_OFFSET	offsetof(struct blkif_sring, ring)
#define BH32_RING_SIZE		__RD32((XEN_PAGE_SIZE - BH32_RING_OFFSET) / \
				       BH32_SLOT_SIZE)
/* The page after the last slot: nobody may write there. */
#define BH32_RING_END		(BH32_RING_OFFSET + BH32_RING_SIZE * BH32_SLOT_SIZE)
#define BH32_TAIL		0x3c

/* The fields the race rewrites, in the 32-bit slot. */
#define BH32_OFF_OP	offsetof(struct bh32_rw, operation)
#define BH32_OFF_NSEG	offsetof(struct bh32_rw, nr_segments)
#define BH32_OFF_SECTOR	offsetof(struct bh32_rw, sector_number)
#define BH32_OFF_GREF0	offsetof(struct bh32_rw, seg[0].gref)

static_assert(offsetof(struct blkif_sring, ring) == 64);
static_assert(offsetof(struct bh32_rw, nr_segments) == 1);
static_assert(offsetof(struct bh32_rw, handle) == 2);
static_assert(offsetof(struct bh32_rw, id) == 4);
static_assert(BH32_OFF_OP == 0 && BH32_OFF_NSEG == 1);
static_assert(BH32_OFF_SECTOR == 12 && BH32_OFF_GREF0 == 20);
static_assert(offsetof(struct bh32_rw, seg[1]) == 28);
static_assert(sizeof(struct bh32_rw) == 108);
static_assert(offsetof(struct bh32_discard, flag) == 1);
static_assert(offsetof(struct bh32_discard, id) == 4);
static_assert(offsetof(struct bh32_discard, sector_number) == 12);
static_assert(offsetof(struct bh32_discard, nr_sectors) == 20);
static_assert(sizeof(struct bh32_discard) == 28);
static_assert(offsetof(struct bh32_indirect, indirect_op) == 1);
static_assert(offsetof(struct bh32_indirect, nr_segments) == 2);
static_assert(offsetof(struct bh32_indirect, id) == 4);
static_assert(offsetof(struct bh32_indirect, sector_number) == 12);
static_assert(offsetof(struct bh32_indirect, handle) == 20);
static_assert(offsetof(struct bh32_indirect, indirect_grefs) == 24);
static_assert(sizeof(struct bh32_indirect) == 64);
static_assert(offsetof(struct bh32_response, operation) == 8);
static_assert(offsetof(struct bh32_response, pad) == 9);
static_assert(offsetof(struct bh32_response, status) == 10);
static_assert(sizeof(struct bh32_response) == 12);
static_assert(BH32_SLOT_SIZE == 108);
/* The rest of the module counts slots the same for either layout. */
static_assert(BH32_RING_SIZE == BH_RING_SIZE);
static_assert(BH32_RING_END == 3520);

static bool intree;
module_param(intree, bool, 0444);
MODULE_PARM_DESC(intree, "Accept the kernel's xen-blkback where it answers otherwise than xsplit-blkback must");

static uint victim;
module_param(victim, uint, 0444);
MODULE_PARM_DESC(victim, "Device number of the disk that gets every case and the disconnect (0: the lowest)");

static uint abi32;
module_param(abi32, uint, 0444);
MODULE_PARM_DESC(abi32, "Device number of a disk to drive with the 32-bit x86 ring layout (protocol x86_32-abi) and cases of its own, named abi32-* (0: none)");

static uint persist;
module_param(persist, uint, 0444);
MODULE_PARM_DESC(persist, "Device number of a disk that negotiates persistent grants and reuses them, with cases named persist-* (0: none)");

static uint ndevs = 2;
module_param(ndevs, uint, 0444);
MODULE_PARM_DESC(ndevs, "Disks to wait for before starting (default 2)");

static char *groups;
module_param(groups, charp, 0444);
MODULE_PARM_DESC(groups, "Comma-separated case groups to run (default all): valid,feature,bad,grant,op,indirect,ring,race,flood,other,disconnect,abi32,persist");

static uint race_rounds = 100;
module_param(race_rounds, uint, 0444);
MODULE_PARM_DESC(race_rounds, "Requests per race case (default 100)");

static uint flood_kicks = 100000;
module_param(flood_kicks, uint, 0444);
MODULE_PARM_DESC(flood_kicks, "Events sent without a request in the flood case (default 100000)");

struct bh_dev {
	struct xenbus_device *xdev;
	unsigned int devid;
	char name[8];			/* xvda */
	const char *prefix;		/* "", "other-", "abi32-", "persist-" */
	bool abi32;			/* the 32-bit x86 ring layout */
	bool persistent;		/* offers persistent grants (persist=) */
	bool be_persistent;		/* and the backend does too */
	/* Its kept grants: pool page i granted once as kept_ref[i]. */
	struct page *kept_page[BH_POOL_PAGES];
	grant_ref_t kept_ref[BH_POOL_PAGES];
	bool gave_up;			/* the backend closed before connecting */
	struct blkif_sring *sring;
	grant_ref_t ring_ref;
	evtchn_port_t evtchn;
	bool have_evtchn;
	int irq;
	wait_queue_head_t wq;
	RING_IDX req_prod_pvt;
	RING_IDX rsp_cons;
	u64 seq;
	bool connected;			/* store-release after the fields below */
	/* What the backend said when it connected. */
	u64 sectors;
	unsigned int sector_size;
	unsigned int info;
	bool flush;
	bool barrier;
	bool discard;
	unsigned int max_indirect;
};

enum bh_gkind {
	BH_G_RW,		/* granted to the backend, writable */
	BH_G_RO,		/* granted to the backend, read-only */
	BH_G_OTHER,		/* granted to another domain */
	BH_G_REVOKED,		/* granted, then revoked before use */
	BH_G_UNUSED,		/* BH_GREF_UNUSED, never granted */
};

/* What a data page holds before the request goes out. */
enum bh_fill {
	BH_FILL_READ,		/* BH_FILL everywhere */
	BH_FILL_OWN,		/* our pattern in the segment, BH_JUNK around */
	BH_FILL_SAME,		/* the same with the disk's pattern */
	BH_FILL_JUNK,		/* BH_JUNK everywhere */
};

/* The data of one segment: page sectors first..last, from disk @sector. */
struct bh_span {
	int pg;
	u8 first;
	u8 last;
	u64 sector;
};

struct bh_req {
	struct blkif_request r;	/* as it goes into the slot */
	u64 id;
	enum bh_fill fill;
	u64 next_sector;	/* where the next data segment starts */
	unsigned int nsegs;	/* data segments built */
	bool setup_failed;
	unsigned int ngrants;
	grant_ref_t gref[BH_MAX_GRANTS];
	int gpage[BH_MAX_GRANTS];
	bool revoked[BH_MAX_GRANTS];
	unsigned int nspans;
	struct bh_span span[BH_MAX_SPANS];
	/* The disk pattern is ours in [own_from, own_to). */
	u64 own_from;
	u64 own_to;
};

struct bh_ans {
	bool answered;
	struct blkif_response rsp;
	u8 raw[sizeof(struct blkif_response)];	/* the first 12 if abi32 */
	bool abi32;		/* taken from a 32-bit ring */
	unsigned int busy;	/* grants the backend still held afterwards */
	bool extra;		/* more responses than requests on the ring */
};

static struct {
	struct mutex lock;		/* devs[] */
	struct bh_dev *devs[BH_MAX_DEVS];
	struct page *pool[BH_POOL_PAGES];
	bool stopping;
	unsigned int tried;
	unsigned int passed;
	unsigned int refused;		/* answers other than okay */
	unsigned int dirty;		/* answers with nonzero padding */
	/* Built here, not on the stack: a whole ring of them is large. */
	struct bh_req q;
	struct bh_req ring[BH_RING_SIZE];
} bh;

static struct work_struct bh_run_work;

static bool bh_stopped(void)
{
	return READ_ONCE(bh.stopping);
}

static bool bh_group(const char *group)
{
	const char *p = groups;
	size_t n = strlen(group);

	if (!p || !*p)
		return true;
	while (p) {
		if (!strncmp(p, group, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static void bh_result(const struct bh_dev *d, const char *base, bool ok,
		      const char *want, const char *got)
{
	bh.tried++;
	if (ok) {
		bh.passed++;
		pr_info("case %s%s ok\n", d ? d->prefix : "", base);
	} else {
		pr_info("case %s%s FAIL expected %s got %s\n",
			d ? d->prefix : "", base, want, got);
	}
}

/* ---- data pages and their patterns ---- */

static u64 bh_word(const struct bh_dev *d, u64 sector)
{
	return (u64)d->devid << 40 | sector;
}

static u64 bh_own(const struct bh_dev *d, u64 sector)
{
	return ~bh_word(d, sector);
}

static u8 *bh_page(int pg)
{
	return page_address(bh.pool[pg]);
}

static void bh_put_sector(const struct bh_dev *d, u8 *at, u64 sector,
			  bool own)
{
	u64 w = own ? bh_own(d, sector) : bh_word(d, sector);
	u64 *p = (u64 *)at;
	unsigned int i;

	for (i = 0; i < BH_WORDS_PER_SECT; i++)
		p[i] = w;
}

static bool bh_page_is(int pg, u8 byte)
{
	return !memchr_inv(bh_page(pg), byte, XEN_PAGE_SIZE);
}

/*
 * After a read: the span's sectors hold the disk's pattern (ours where
 * the request says we wrote it), every other byte of the page BH_FILL.
 */
static bool bh_span_check(const struct bh_dev *d, const struct bh_req *q,
			  const struct bh_span *s, char *got, size_t len)
{
	u8 *p = bh_page(s->pg);
	unsigned int i, w;

	for (i = 0; i < BH_SECTS_PER_PAGE; i++) {
		u8 *at = p + i * BH_SECTOR_SIZE;
		u64 sector, want, *words = (u64 *)at;

		if (i < s->first || i > s->last) {
			if (memchr_inv(at, BH_FILL, BH_SECTOR_SIZE)) {
				snprintf(got, len, "page-sector-%u-outside-the-segment-written",
					 i);
				return false;
			}
			continue;
		}
		sector = s->sector + (i - s->first);
		want = sector >= q->own_from && sector < q->own_to ?
		       bh_own(d, sector) : bh_word(d, sector);
		for (w = 0; w < BH_WORDS_PER_SECT; w++) {
			if (words[w] != want) {
				snprintf(got, len, "sector-%llu-word-%u-0x%llx-not-0x%llx",
					 sector, w, words[w], want);
				return false;
			}
		}
	}
	return true;
}

/* ---- grants ---- */

/*
 * The kept grant of pool page @pg, made the first time the page is used.
 * It holds a reference to the page, handed to the grant code when the
 * grant ends: the backend may have it mapped until it disconnects.
 */
static grant_ref_t bh_kept_grant(struct bh_dev *d, struct bh_req *q, int pg)
{
	struct page *page = bh.pool[pg];
	int ref;

	if (!page) {
		q->setup_failed = true;
		return BH_GREF_UNUSED;
	}
	if (d->kept_page[pg] == page)
		return d->kept_ref[pg];
	ref = gnttab_grant_foreign_access(d->xdev->otherend_id,
					  xen_page_to_gfn(page), 0);
	if (ref < 0) {
		pr_err("no grant reference: %d\n", ref);
		q->setup_failed = true;
		return BH_GREF_UNUSED;
	}
	/* The pool replaced the page: its grant goes once unmapped. */
	if (d->kept_page[pg])
		gnttab_end_foreign_access(d->kept_ref[pg], d->kept_page[pg]);
	get_page(page);
	d->kept_page[pg] = page;
	d->kept_ref[pg] = ref;
	return ref;
}

/* A gref of @kind for page @pg, remembered for bh_release(). */
static grant_ref_t bh_grant(struct bh_dev *d, struct bh_req *q, int pg,
			    enum bh_gkind kind)
{
	domid_t to = kind == BH_G_OTHER ? BH_OTHER_DOMID : d->xdev->otherend_id;
	int ref;

	if (kind == BH_G_UNUSED)
		return BH_GREF_UNUSED;
	if (d->persistent && kind == BH_G_RW)
		return bh_kept_grant(d, q, pg);
	if (q->ngrants == BH_MAX_GRANTS || !bh.pool[pg]) {
		q->setup_failed = true;
		return BH_GREF_UNUSED;
	}
	ref = gnttab_grant_foreign_access(to, xen_page_to_gfn(bh.pool[pg]),
					  kind == BH_G_RO);
	if (ref < 0) {
		pr_err("no grant reference: %d\n", ref);
		q->setup_failed = true;
		return BH_GREF_UNUSED;
	}
	/* Never published, so nobody can have mapped it yet. */
	if (kind == BH_G_REVOKED)
		gnttab_end_foreign_access_ref(ref);
	q->gref[q->ngrants] = ref;
	q->gpage[q->ngrants] = pg;
	q->revoked[q->ngrants] = kind == BH_G_REVOKED;
	q->ngrants++;
	return ref;
}

/*
 * Take back every grant of @q. A backend must have let go of a page before
 * it answers; one it still holds is counted and the page given up to the
 * grant code (which frees it once released), and replaced in the pool.
 */
static unsigned int bh_release(struct bh_req *q)
{
	unsigned int i, busy = 0;

	for (i = 0; i < q->ngrants; i++) {
		int pg = q->gpage[i];

		if (q->revoked[i]) {
			gnttab_free_grant_reference(q->gref[i]);
			continue;
		}
		if (gnttab_try_end_foreign_access(q->gref[i]))
			continue;
		busy++;
		gnttab_end_foreign_access(q->gref[i], bh.pool[pg]);
		bh.pool[pg] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!bh.pool[pg])
			pr_err("no page to replace pool page %d\n", pg);
	}
	q->ngrants = 0;
	return busy;
}

/* ---- building requests ---- */

static u64 bh_next_id(struct bh_dev *d)
{
	u64 n = ++d->seq;

	return BH_ID_MARK | (n & 0xff) | ((n >> 8) & 0xffff) << 16;
}

/*
 * Segment entries a request does not use still hold a gref nobody can
 * map, never 0: the guest's first grant references are its console and
 * xenstore pages, which a backend that read too far would then use.
 */
static void bh_start(struct bh_dev *d, struct bh_req *q, u8 op, u64 sector,
		     enum bh_fill fill)
{
	unsigned int i;

	memset(q, 0, sizeof(*q));
	q->id = bh_next_id(d);
	q->fill = fill;
	q->next_sector = sector;
	q->r.operation = op;
	q->r.u.rw.handle = (blkif_vdev_t)d->devid;
	q->r.u.rw.id = q->id;
	q->r.u.rw.sector_number = sector;
	for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		q->r.u.rw.seg[i].gref = BH_GREF_UNUSED;
		q->r.u.rw.seg[i].last_sect = BH_SECTS_PER_PAGE - 1;
	}
}

/*
 * A data segment on page @pg: fill the page as the request says, grant
 * it, note which disk sectors it carries, and return the gref to put in
 * the request.
 */
static grant_ref_t bh_data(struct bh_dev *d, struct bh_req *q, int pg,
			   enum bh_gkind kind, u8 first, u8 last)
{
	struct bh_span *s;
	unsigned int i;
	u8 *p;

	if (!bh.pool[pg] || q->nspans == BH_MAX_SPANS) {
		q->setup_failed = true;
		return BH_GREF_UNUSED;
	}
	p = bh_page(pg);
	memset(p, q->fill == BH_FILL_READ ? BH_FILL : BH_JUNK, XEN_PAGE_SIZE);
	s = &q->span[q->nspans++];
	s->pg = pg;
	s->first = first;
	s->last = last;
	s->sector = q->next_sector;
	if (first <= last)
		q->next_sector += last - first + 1;
	if (q->fill == BH_FILL_OWN || q->fill == BH_FILL_SAME) {
		for (i = first; i <= last && i < BH_SECTS_PER_PAGE; i++)
			bh_put_sector(d, p + i * BH_SECTOR_SIZE,
				      s->sector + (i - first),
				      q->fill == BH_FILL_OWN);
	}
	return bh_grant(d, q, pg, kind);
}

/* Append a direct segment; nr_segments follows unless set afterwards. */
static void bh_seg(struct bh_dev *d, struct bh_req *q, int pg,
		   enum bh_gkind kind, u8 first, u8 last)
{
	unsigned int i = q->nsegs++;

	if (i >= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		q->setup_failed = true;
		return;
	}
	q->r.u.rw.seg[i].gref = bh_data(d, q, pg, kind, first, last);
	q->r.u.rw.seg[i].first_sect = first;
	q->r.u.rw.seg[i].last_sect = last;
	q->r.u.rw.nr_segments = q->nsegs;
}

/* @n whole pages from pool page @pg on. */
static void bh_segs(struct bh_dev *d, struct bh_req *q, int pg,
		    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		bh_seg(d, q, pg + i, BH_G_RW, 0, BH_SECTS_PER_PAGE - 1);
}

static void bh_discard_req(struct bh_dev *d, struct bh_req *q, u64 sector,
			   u64 nr, u8 flag)
{
	memset(q, 0, sizeof(*q));
	q->id = bh_next_id(d);
	q->r.operation = BLKIF_OP_DISCARD;
	q->r.u.discard.flag = flag;
	q->r.u.discard.id = q->id;
	q->r.u.discard.sector_number = sector;
	q->r.u.discard.nr_sectors = nr;
}

/* An indirect request whose segment list is on pool page @ipg. */
static struct blkif_request_segment *
bh_indirect_req(struct bh_dev *d, struct bh_req *q, u8 iop, u16 nseg,
		u64 sector, int ipg, enum bh_gkind ikind, enum bh_fill fill)
{
	struct blkif_request_segment *segs;
	unsigned int i;

	memset(q, 0, sizeof(*q));
	q->id = bh_next_id(d);
	q->fill = fill;
	q->next_sector = sector;
	q->r.operation = BLKIF_OP_INDIRECT;
	q->r.u.indirect.indirect_op = iop;
	q->r.u.indirect.nr_segments = nseg;
	q->r.u.indirect.id = q->id;
	q->r.u.indirect.sector_number = sector;
	q->r.u.indirect.handle = (blkif_vdev_t)d->devid;
	for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		q->r.u.indirect.indirect_grefs[i] = BH_GREF_UNUSED;
	if (!bh.pool[ipg]) {
		q->setup_failed = true;
		return NULL;
	}
	/* As in bh_start(): unused entries name no page of ours. */
	segs = (struct blkif_request_segment *)bh_page(ipg);
	for (i = 0; i < BH_SEGS_PER_IPAGE; i++) {
		segs[i].gref = BH_GREF_UNUSED;
		segs[i].first_sect = 0;
		segs[i].last_sect = BH_SECTS_PER_PAGE - 1;
	}
	q->r.u.indirect.indirect_grefs[0] = bh_grant(d, q, ipg, ikind);
	return segs;
}

/* ---- the ring ---- */

static u8 *bh_slot(struct bh_dev *d, RING_IDX i)
{
	if (d->abi32)
		return (u8 *)d->sring + BH32_RING_OFFSET +
		       (i & (BH_RING_SIZE - 1)) * BH32_SLOT_SIZE;
	return (u8 *)&d->sring->ring[i & (BH_RING_SIZE - 1)];
}

/*
 * @r as a 32-bit guest writes it into @slot: the layout that fits its
 * operation. Padding, and the slot after a short layout, hold 0xa5 (as
 * bytes 4..7 of a native slot do), which a backend must ignore.
 */
static void bh32_pack(u8 *slot, const struct blkif_request *r)
{
	union bh32_slot s;
	unsigned int i;

	memset(&s, 0xa5, sizeof(s));
	switch (r->operation) {
	case BLKIF_OP_DISCARD:
		s.discard.operation = r->operation;
		s.discard.flag = r->u.discard.flag;
		s.discard.id = r->u.discard.id;
		s.discard.sector_number = r->u.discard.sector_number;
		s.discard.nr_sectors = r->u.discard.nr_sectors;
		break;
	case BLKIF_OP_INDIRECT:
		s.indirect.operation = r->operation;
		s.indirect.indirect_op = r->u.indirect.indirect_op;
		s.indirect.nr_segments = r->u.indirect.nr_segments;
		s.indirect.id = r->u.indirect.id;
		s.indirect.sector_number = r->u.indirect.sector_number;
		s.indirect.handle = r->u.indirect.handle;
		for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
			s.indirect.indirect_grefs[i] =
				r->u.indirect.indirect_grefs[i];
		break;
	default:
		/* Read, write, flush, barrier, and every unknown operation. */
		s.rw.operation = r->operation;
		s.rw.nr_segments = r->u.rw.nr_segments;
		s.rw.handle = r->u.rw.handle;
		s.rw.id = r->u.rw.id;
		s.rw.sector_number = r->u.rw.sector_number;
		for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
			s.rw.seg[i] = r->u.rw.seg[i];
		break;
	}
	memcpy(slot, &s, sizeof(s));
}

static unsigned int bh_outstanding(const struct bh_dev *d)
{
	return d->req_prod_pvt - d->rsp_cons;
}

/* Put @q in the next slot, not yet visible to the backend. */
static int bh_post(struct bh_dev *d, const struct bh_req *q)
{
	u8 *slot;

	if (bh_outstanding(d) >= BH_RING_SIZE)
		return -EBUSY;
	slot = bh_slot(d, d->req_prod_pvt);
	if (d->abi32) {
		bh32_pack(slot, &q->r);
	} else {
		memcpy(slot, &q->r, sizeof(q->r));
		/* Padding in every request layout: see BH_ID_MARK. */
		memset(slot + 4, 0xa5, 4);
	}
	d->req_prod_pvt++;
	return 0;
}

static void bh_push(struct bh_dev *d)
{
	/* The requests before the index that hands them over. */
	virt_wmb();
	WRITE_ONCE(d->sring->req_prod, d->req_prod_pvt);
	virt_mb();
	notify_remote_via_irq(d->irq);
}

/* Wait until @n responses are there or @ms pass; how many are there. */
static unsigned int bh_wait(struct bh_dev *d, unsigned int n, unsigned int ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	RING_IDX prod;

	for (;;) {
		prod = READ_ONCE(d->sring->rsp_prod);
		if (prod - d->rsp_cons >= n || time_after(jiffies, deadline) ||
		    bh_stopped())
			return prod - d->rsp_cons;
		/* Ask for an event at the next response, then look again. */
		WRITE_ONCE(d->sring->rsp_event, prod + 1);
		virt_mb();
		if (READ_ONCE(d->sring->rsp_prod) != prod)
			continue;
		wait_event_timeout(d->wq, READ_ONCE(d->sring->rsp_prod) != prod,
				   msecs_to_jiffies(10));
	}
}

/*
 * Padding of an answer that is not 0. A native answer's is byte 9 and
 * bytes 12..15; a 32-bit one's only byte 9 (it ends at byte 12).
 */
static bool bh_dirty(const struct bh_ans *a)
{
	if (a->abi32)
		return a->raw[9];
	return a->raw[9] || a->raw[12] || a->raw[13] || a->raw[14] ||
	       a->raw[15];
}

/* The next response, if there is one. */
static bool bh_take(struct bh_dev *d, struct bh_ans *a)
{
	RING_IDX prod = READ_ONCE(d->sring->rsp_prod);

	if (prod == d->rsp_cons)
		return false;
	/* The response after the index that announced it. */
	virt_rmb();
	if (prod - d->rsp_cons > bh_outstanding(d))
		a->extra = true;
	a->abi32 = d->abi32;
	if (d->abi32) {
		struct bh32_response r;

		memcpy(&r, bh_slot(d, d->rsp_cons), sizeof(r));
		memset(a->raw, 0, sizeof(a->raw));
		memcpy(a->raw, &r, sizeof(r));
		a->rsp.id = r.id;
		a->rsp.operation = r.operation;
		a->rsp.status = r.status;
	} else {
		memcpy(a->raw, bh_slot(d, d->rsp_cons), sizeof(a->raw));
		memcpy(&a->rsp, a->raw, sizeof(a->rsp));
	}
	d->rsp_cons++;
	a->answered = true;
	if (a->rsp.status != BLKIF_RSP_OKAY)
		bh.refused++;
	if (bh_dirty(a))
		bh.dirty++;
	return true;
}

/* Throw away answers to requests that timed out earlier. */
static void bh_drain(struct bh_dev *d)
{
	struct bh_ans a = { 0 };
	unsigned int n = 0;

	while (bh_take(d, &a))
		n++;
	if (n)
		pr_info("%s: %u late answer(s) dropped\n", d->name, n);
}

/* Send @q alone and take its answer. */
static void bh_send(struct bh_dev *d, struct bh_req *q, unsigned int ms,
		    struct bh_ans *a)
{
	memset(a, 0, sizeof(*a));
	bh_drain(d);
	if (!q->setup_failed && !bh_stopped() && !bh_post(d, q)) {
		bh_push(d);
		if (bh_wait(d, 1, ms))
			bh_take(d, a);
	}
	a->busy = bh_release(q);
}

/* ---- judging answers ---- */

static unsigned int bh_class(s16 status)
{
	switch (status) {
	case BLKIF_RSP_OKAY:
		return BH_OKAY;
	case BLKIF_RSP_ERROR:
		return BH_ERROR;
	case BLKIF_RSP_EOPNOTSUPP:
		return BH_NOTSUPP;
	default:
		return 0;
	}
}

static void bh_want_str(unsigned int want, u8 op, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s/op%u",
		 want & BH_OKAY ? "okay" : "",
		 (want & BH_OKAY) && (want & (BH_ERROR | BH_NOTSUPP)) ? "|" : "",
		 want & BH_ERROR ? "error" : "",
		 (want & BH_ERROR) && (want & BH_NOTSUPP) ? "|" : "",
		 want & BH_NOTSUPP ? "eopnotsupp" : "", op);
}

static void bh_describe(const struct bh_req *q, const struct bh_ans *a,
			char *buf, size_t len)
{
	static const char *const names[] = { "okay", "error", "eopnotsupp" };
	int n;

	if (q->setup_failed) {
		snprintf(buf, len, "nothing: the request could not be built");
		return;
	}
	if (!a->answered) {
		snprintf(buf, len, "no-answer");
		return;
	}
	if (bh_class(a->rsp.status))
		n = scnprintf(buf, len, "%s/op%u",
			      names[-a->rsp.status], a->rsp.operation);
	else
		n = scnprintf(buf, len, "status%d/op%u", a->rsp.status,
			      a->rsp.operation);
	if (a->rsp.id != q->id)
		n += scnprintf(buf + n, len - n, " id-0x%llx-not-0x%llx",
			       a->rsp.id, q->id);
	if (!intree && bh_dirty(a) && a->abi32)
		n += scnprintf(buf + n, len - n, " padding-%02x", a->raw[9]);
	else if (!intree && bh_dirty(a))
		n += scnprintf(buf + n, len - n, " padding-%02x-%02x%02x%02x%02x",
			       a->raw[9], a->raw[12], a->raw[13], a->raw[14],
			       a->raw[15]);
	if (a->busy)
		n += scnprintf(buf + n, len - n, " %u-grant(s)-still-mapped",
			       a->busy);
	if (a->extra)
		scnprintf(buf + n, len - n, " more-responses-than-requests");
}

/* Everything about an answer but the data. */
static bool bh_answer_ok(const struct bh_req *q, const struct bh_ans *a,
			 unsigned int want, u8 op)
{
	return !q->setup_failed && a->answered &&
	       (bh_class(a->rsp.status) & want) && a->rsp.operation == op &&
	       a->rsp.id == q->id && (intree || !bh_dirty(a)) && !a->busy &&
	       !a->extra;
}

/* Tell dom0 where our pattern now is. */
static void bh_note_writes(const struct bh_dev *d, const struct bh_req *q)
{
	unsigned int i;

	for (i = 0; i < q->nspans; i++)
		pr_info("wrote %s %llu %u\n", d->name, q->span[i].sector,
			q->span[i].last - q->span[i].first + 1);
}

/*
 * Send @q and judge its answer: a status in @want (in @intree_want
 * instead, when not 0 and intree=1) with operation @op echoed. A read
 * answered okay must also have brought the disk's data into every
 * segment and nothing around it; a write of our own pattern answered okay
 * is reported for dom0 to check.
 */
static bool bh_expect(struct bh_dev *d, const char *base, struct bh_req *q,
		      unsigned int want, unsigned int intree_want, u8 op)
{
	unsigned int i, strict = want;
	char w[48], got[160];
	struct bh_ans a;
	bool ok, data;

	if (intree && intree_want)
		want = intree_want;
	bh_send(d, q, BH_TIMEOUT_MS, &a);
	ok = bh_answer_ok(q, &a, want, op);
	bh_want_str(want, op, w, sizeof(w));
	bh_describe(q, &a, got, sizeof(got));
	/* Where intree=1 made the difference, say so: the list of them. */
	if (ok && !bh_answer_ok(q, &a, strict, op)) {
		char s[48];

		bh_want_str(strict, op, s, sizeof(s));
		pr_info("intree: %s%s answered %s where xsplit-blkback must answer %s\n",
			d->prefix, base, got, s);
	}

	data = a.answered && a.rsp.status == BLKIF_RSP_OKAY && q->nspans &&
	       q->fill == BH_FILL_READ && op == BLKIF_OP_READ;
	if (data) {
		strlcat(w, "+data", sizeof(w));
		for (i = 0; i < q->nspans && ok; i++)
			ok = bh_span_check(d, q, &q->span[i], got, sizeof(got));
	}
	if (a.answered && a.rsp.status == BLKIF_RSP_OKAY &&
	    q->fill == BH_FILL_OWN && op == BLKIF_OP_WRITE)
		bh_note_writes(d, q);
	bh_result(d, base, ok, w, got);
	return ok;
}

/* ---- the cases ---- */

/* Whole pages read from @sector on into pool pages from 0 on. */
static bool bh_read_back(struct bh_dev *d, const char *base, u64 sector,
			 unsigned int pages, u64 own_from, u64 own_to)
{
	struct bh_req *q = &bh.q;

	bh_start(d, q, BLKIF_OP_READ, sector, BH_FILL_READ);
	bh_segs(d, q, 0, pages);
	q->own_from = own_from;
	q->own_to = own_to;
	return bh_expect(d, base, q, BH_OKAY, 0, BLKIF_OP_READ);
}

static bool bh_geometry(struct bh_dev *d)
{
	char got[80];
	bool ok = d->sectors >= BH_MIN_SECTORS &&
		  d->sector_size == BH_SECTOR_SIZE;

	snprintf(got, sizeof(got), "%llu-sectors-of-%u-bytes", d->sectors,
		 d->sector_size);
	bh_result(d, "geometry", ok, "at-least-65536-sectors-of-512-bytes",
		  got);
	return ok;
}

static void bh_cases_valid(struct bh_dev *d)
{
	struct bh_req *q = &bh.q;
	u64 w = BH_WRITE_SECTOR;
	unsigned int i;

	bh_read_back(d, "read-page", 0, 1, 0, 0);
	bh_read_back(d, "read-11-segs", 8, BLKIF_MAX_SEGMENTS_PER_REQUEST,
		     0, 0);

	/* Odd pieces of pages: the data must land in them and only there. */
	bh_start(d, q, BLKIF_OP_READ, 1000, BH_FILL_READ);
	for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		u8 first = i % BH_SECTS_PER_PAGE;

		bh_seg(d, q, i, BH_G_RW, first,
		       min_t(u8, first + i % 3, BH_SECTS_PER_PAGE - 1));
	}
	bh_expect(d, "read-partial-segs", q, BH_OKAY, 0, BLKIF_OP_READ);

	bh_start(d, q, BLKIF_OP_READ, d->sectors - 1, BH_FILL_READ);
	bh_seg(d, q, 0, BH_G_RW, 3, 3);
	bh_expect(d, "read-last-sector", q, BH_OKAY, 0, BLKIF_OP_READ);

	bh_read_back(d, "read-to-the-end", d->sectors - BH_SECTS_PER_PAGE, 1,
		     0, 0);

	/* No id is special: all ones comes back as sent. */
	bh_start(d, q, BLKIF_OP_READ, 24, BH_FILL_READ);
	q->id = ~0ULL;
	q->r.u.rw.id = q->id;
	bh_segs(d, q, 0, 1);
	bh_expect(d, "id-all-ones", q, BH_OKAY, 0, BLKIF_OP_READ);

	bh_start(d, q, BLKIF_OP_WRITE, w, BH_FILL_OWN);
	bh_segs(d, q, 0, BLKIF_MAX_SEGMENTS_PER_REQUEST);
	bh_expect(d, "write-11-segs", q, BH_OKAY, 0, BLKIF_OP_WRITE);
	bh_read_back(d, "write-11-segs-read-back", w,
		     BLKIF_MAX_SEGMENTS_PER_REQUEST, w, w + 88);

	/* 11 sectors from odd pieces; the junk around them stays home. */
	bh_start(d, q, BLKIF_OP_WRITE, w + 96, BH_FILL_OWN);
	bh_seg(d, q, 0, BH_G_RW, 2, 7);
	bh_seg(d, q, 1, BH_G_RW, 0, 3);
	bh_seg(d, q, 2, BH_G_RW, 5, 5);
	bh_expect(d, "write-partial-segs", q, BH_OKAY, 0, BLKIF_OP_WRITE);
	bh_read_back(d, "write-partial-segs-read-back", w + 96, 2, w + 96,
		     w + 107);

	/* A write only needs to read the guest's page. */
	bh_start(d, q, BLKIF_OP_WRITE, w + 112, BH_FILL_OWN);
	bh_seg(d, q, 0, BH_G_RO, 0, BH_SECTS_PER_PAGE - 1);
	bh_expect(d, "write-from-read-only-grant", q, BH_OKAY, 0,
		  BLKIF_OP_WRITE);
	bh_read_back(d, "write-from-read-only-grant-read-back", w + 112, 1,
		     w + 112, w + 120);
}

enum bh_where {
	BH_AT_GIVEN,		/* the sector the case names */
	BH_AT_OK,		/* well inside the disk */
	BH_AT_END,		/* the first sector past the end */
	BH_AT_ACROSS,		/* 8 sectors from here cross the end */
	BH_AT_ACROSS_88,	/* 88 sectors from here cross the end */
	BH_AT_WRAP,		/* 8 sectors from here wrap around 2^64 */
	BH_AT_MAX,		/* the largest sector number */
	BH_AT_2_55,		/* its byte offset wraps around 2^64 */
};

static u64 bh_where(const struct bh_dev *d, enum bh_where where)
{
	switch (where) {
	case BH_AT_END:
		return d->sectors;
	case BH_AT_ACROSS:
		return d->sectors - 4;
	case BH_AT_ACROSS_88:
		return d->sectors - 80;
	case BH_AT_WRAP:
		return U64_MAX - 3;
	case BH_AT_MAX:
		return U64_MAX;
	case BH_AT_2_55:
		return 1ULL << 55;
	case BH_AT_OK:
	default:
		return 4096;
	}
}

/*
 * Flush, barrier and discard, as the backend advertised them. The
 * in-tree backend never refuses a flush or barrier (on a disk without a
 * write cache the block layer drops the flush and it succeeds), and
 * checks a discard's range before it finds out the disk cannot discard.
 */
static void bh_cases_feature(struct bh_dev *d)
{
	unsigned int bad = d->discard ? BH_ERROR : BH_NOTSUPP;
	unsigned int good = d->discard ? BH_OKAY : BH_NOTSUPP;
	unsigned int intree_bad = d->discard ? 0 : BH_ERROR | BH_NOTSUPP;
	struct bh_req *q = &bh.q;
	u64 ds = BH_DISCARD_SECTOR;
	static const struct {
		const char *name;
		bool good;
		enum bh_where where;
		u64 sector;	/* unless where says otherwise */
		u64 nr;
		u8 flag;
	} discards[] = {
		{ "discard", true, BH_AT_GIVEN, BH_DISCARD_SECTOR, 8, 0 },
		/* Without discard-secure the flag is ignored, says blkif.h. */
		{ "discard-secure-flag", true, BH_AT_GIVEN,
		  BH_DISCARD_SECTOR + 8, 8, BLKIF_DISCARD_SECURE },
		{ "discard-0-sectors", false, BH_AT_GIVEN, BH_DISCARD_SECTOR,
		  0, 0 },
		{ "discard-past-the-end", false, BH_AT_END, 0, 8, 0 },
		{ "discard-across-the-end", false, BH_AT_ACROSS, 0, 8, 0 },
		{ "discard-sector-wrap", false, BH_AT_WRAP, 0, 8, 0 },
		/* A length that wraps: sector + nr looks small. */
		{ "discard-length-wrap", false, BH_AT_GIVEN, 8, U64_MAX - 3, 0 },
		{ "discard-everything-and-more", false, BH_AT_GIVEN, 0, U64_MAX,
		  0 },
	};
	unsigned int i;

	bh_start(d, q, BLKIF_OP_FLUSH_DISKCACHE, 0, BH_FILL_READ);
	q->r.u.rw.nr_segments = 0;
	bh_expect(d, "flush", q, d->flush ? BH_OKAY : BH_NOTSUPP,
		  d->flush ? 0 : BH_OKAY | BH_NOTSUPP,
		  BLKIF_OP_FLUSH_DISKCACHE);

	bh_start(d, q, BLKIF_OP_WRITE_BARRIER, 0, BH_FILL_READ);
	q->r.u.rw.nr_segments = 0;
	bh_expect(d, "barrier", q, d->barrier ? BH_OKAY : BH_NOTSUPP,
		  d->barrier ? 0 : BH_OKAY | BH_NOTSUPP,
		  BLKIF_OP_WRITE_BARRIER);

	/* Whatever the answers, dom0 must not judge what may be discarded. */
	pr_info("discarded %s %llu %u\n", d->name, ds, 16);
	for (i = 0; i < ARRAY_SIZE(discards); i++) {
		u64 sector = discards[i].where == BH_AT_GIVEN ?
			     discards[i].sector : bh_where(d, discards[i].where);

		bh_discard_req(d, q, sector, discards[i].nr, discards[i].flag);
		bh_expect(d, discards[i].name, q,
			  discards[i].good ? good : bad,
			  discards[i].good ? 0 : intree_bad, BLKIF_OP_DISCARD);
	}
}

/* Requests a backend must refuse before any I/O: an error, op echoed. */
static void bh_cases_bad(struct bh_dev *d)
{
	static const struct {
		const char *name;
		u8 op;
		u8 nseg;	/* nr_segments as sent */
		u8 built;	/* segments filled in (whole pages unless below) */
		enum bh_where where;
		u8 first;
		u8 last;
	} bad[] = {
		{ "read-0-segs", BLKIF_OP_READ, 0, 1, BH_AT_OK, 0, 7 },
		{ "write-0-segs", BLKIF_OP_WRITE, 0, 1, BH_AT_OK, 0, 7 },
		{ "read-12-segs", BLKIF_OP_READ, 12, 11, BH_AT_OK, 0, 7 },
		{ "read-255-segs", BLKIF_OP_READ, 255, 11, BH_AT_OK, 0, 7 },
		{ "write-12-segs", BLKIF_OP_WRITE, 12, 11, BH_AT_OK, 0, 7 },
		{ "write-255-segs", BLKIF_OP_WRITE, 255, 11, BH_AT_OK, 0, 7 },
		{ "read-first-after-last", BLKIF_OP_READ, 1, 1, BH_AT_OK, 5, 2 },
		{ "write-first-after-last", BLKIF_OP_WRITE, 1, 1, BH_AT_OK, 5, 2 },
		{ "read-last-sect-8", BLKIF_OP_READ, 1, 1, BH_AT_OK, 0, 8 },
		{ "read-first-and-last-sect-8", BLKIF_OP_READ, 1, 1, BH_AT_OK, 8, 8 },
		{ "read-last-sect-255", BLKIF_OP_READ, 1, 1, BH_AT_OK, 0, 255 },
		{ "write-last-sect-8", BLKIF_OP_WRITE, 1, 1, BH_AT_OK, 0, 8 },
		{ "read-past-the-end", BLKIF_OP_READ, 1, 1, BH_AT_END, 0, 7 },
		{ "read-1-sector-past-the-end", BLKIF_OP_READ, 1, 1, BH_AT_END, 0, 0 },
		{ "read-across-the-end", BLKIF_OP_READ, 1, 1, BH_AT_ACROSS, 0, 7 },
		{ "read-11-segs-across-the-end", BLKIF_OP_READ, 11, 11, BH_AT_ACROSS_88, 0, 7 },
		{ "read-sector-wrap", BLKIF_OP_READ, 1, 1, BH_AT_WRAP, 0, 7 },
		{ "read-sector-max", BLKIF_OP_READ, 1, 1, BH_AT_MAX, 0, 0 },
		{ "read-sector-2^55", BLKIF_OP_READ, 1, 1, BH_AT_2_55, 0, 7 },
		{ "write-past-the-end", BLKIF_OP_WRITE, 1, 1, BH_AT_END, 0, 7 },
		{ "write-across-the-end", BLKIF_OP_WRITE, 1, 1, BH_AT_ACROSS, 0, 7 },
		{ "write-11-segs-across-the-end", BLKIF_OP_WRITE, 11, 11, BH_AT_ACROSS_88, 0, 7 },
		{ "write-sector-wrap", BLKIF_OP_WRITE, 1, 1, BH_AT_WRAP, 0, 7 },
		{ "write-sector-max", BLKIF_OP_WRITE, 1, 1, BH_AT_MAX, 0, 0 },
		{ "write-sector-2^55", BLKIF_OP_WRITE, 1, 1, BH_AT_2_55, 0, 7 },
	};
	struct bh_req *q = &bh.q;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		/* What a refused write carries must never reach the disk. */
		bh_start(d, q, bad[i].op, bh_where(d, bad[i].where),
			 bad[i].op == BLKIF_OP_WRITE ? BH_FILL_JUNK :
						       BH_FILL_READ);
		for (j = 0; j < bad[i].built; j++)
			bh_seg(d, q, j, BH_G_RW, bad[i].first, bad[i].last);
		q->r.u.rw.nr_segments = bad[i].nseg;
		bh_expect(d, bad[i].name, q, BH_ERROR, 0, bad[i].op);
	}
}

/* Pages the backend may not use as the request says. */
static void bh_cases_grant(struct bh_dev *d)
{
	static const struct {
		const char *name;
		u8 op;
		enum bh_gkind kind;
	} bad[] = {
		{ "read-gref-never-granted", BLKIF_OP_READ, BH_G_UNUSED },
		{ "read-gref-revoked", BLKIF_OP_READ, BH_G_REVOKED },
		{ "read-gref-of-another-domain", BLKIF_OP_READ, BH_G_OTHER },
		{ "write-gref-never-granted", BLKIF_OP_WRITE, BH_G_UNUSED },
		{ "write-gref-revoked", BLKIF_OP_WRITE, BH_G_REVOKED },
		{ "write-gref-of-another-domain", BLKIF_OP_WRITE, BH_G_OTHER },
	};
	struct bh_req *q = &bh.q;
	char got[40];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		bh_start(d, q, bad[i].op, 4096,
			 bad[i].op == BLKIF_OP_WRITE ? BH_FILL_JUNK :
						       BH_FILL_READ);
		bh_seg(d, q, 0, bad[i].kind, 0, BH_SECTS_PER_PAGE - 1);
		bh_expect(d, bad[i].name, q, BH_ERROR, 0, bad[i].op);
	}

	/* Two good pages, then one never granted: the whole request fails. */
	bh_start(d, q, BLKIF_OP_READ, 4096, BH_FILL_READ);
	bh_seg(d, q, 0, BH_G_RW, 0, BH_SECTS_PER_PAGE - 1);
	bh_seg(d, q, 1, BH_G_RW, 0, BH_SECTS_PER_PAGE - 1);
	bh_seg(d, q, 2, BH_G_UNUSED, 0, BH_SECTS_PER_PAGE - 1);
	bh_expect(d, "read-last-gref-never-granted", q, BH_ERROR, 0,
		  BLKIF_OP_READ);

	/* Reading into a page it may only read: refused, page untouched. */
	bh_start(d, q, BLKIF_OP_READ, 4096, BH_FILL_READ);
	bh_seg(d, q, 0, BH_G_RO, 0, BH_SECTS_PER_PAGE - 1);
	bh_expect(d, "read-into-read-only-grant", q, BH_ERROR, 0,
		  BLKIF_OP_READ);
	snprintf(got, sizeof(got), "%s",
		 bh_page_is(0, BH_FILL) ? "untouched" : "written");
	bh_result(d, "read-into-read-only-grant-page-untouched",
		  bh_page_is(0, BH_FILL), "untouched", got);
}

/* Operations no backend knows: not supported, op echoed. */
static void bh_cases_op(struct bh_dev *d)
{
	static const u8 ops[] = { 4, 7, BH_OP_UNKNOWN, 255 };
	struct bh_req *q = &bh.q;
	char name[24];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		snprintf(name, sizeof(name), "op-%u", ops[i]);
		bh_start(d, q, ops[i], 4096, BH_FILL_READ);
		bh_segs(d, q, 0, 1);
		bh_expect(d, name, q, BH_NOTSUPP, 0, ops[i]);
	}
}

/*
 * Indirect requests. Not advertised (xsplit-blkback for now): not
 * supported, operation 6 echoed, whatever is in them. Advertised (the
 * in-tree backend): judged like the request they carry, whose operation
 * is echoed, as xen-blkfront expects.
 */
static void bh_cases_indirect(struct bh_dev *d)
{
	enum {
		IND_READ, IND_PAGE_UNUSED, IND_PAGE_REVOKED, IND_LAST_SECT,
		IND_FIRST_AFTER_LAST, IND_SEG_UNUSED, IND_GARBAGE, IND_NSEG_0,
		IND_NSEG_OVER, IND_NSEG_MAX, IND_OP_UNKNOWN, IND_OP_FLUSH,
		IND_PAST_END, IND_NR
	};
	static const char *const names[IND_NR] = {
		"indirect-read", "indirect-page-never-granted",
		"indirect-page-revoked", "indirect-seg-last-sect-200",
		"indirect-seg-first-after-last", "indirect-seg-gref-never-granted",
		"indirect-page-of-garbage", "indirect-0-segs",
		"indirect-segs-over-the-maximum", "indirect-65535-segs",
		"indirect-op-200", "indirect-op-flush", "indirect-past-the-end",
	};
	unsigned int adv = d->max_indirect;
	unsigned int nseg = adv ? min(16u, adv) : 16;
	struct bh_req *q = &bh.q;
	const int ipg = BH_POOL_PAGES - 1;
	unsigned int c, i;

	for (c = 0; c < IND_NR; c++) {
		struct blkif_request_segment *segs;
		enum bh_gkind ikind = BH_G_RO;
		u8 iop = BLKIF_OP_READ;
		u64 sector = BH_INDIRECT_SECTOR;
		u16 n = nseg;

		if (c == IND_PAGE_UNUSED)
			ikind = BH_G_UNUSED;
		else if (c == IND_PAGE_REVOKED)
			ikind = BH_G_REVOKED;
		else if (c == IND_NSEG_0)
			n = 0;
		else if (c == IND_NSEG_OVER)
			n = (adv ? adv : 256) + 1;
		else if (c == IND_NSEG_MAX)
			n = 65535;
		else if (c == IND_OP_UNKNOWN)
			iop = BH_OP_UNKNOWN;
		else if (c == IND_OP_FLUSH)
			iop = BLKIF_OP_FLUSH_DISKCACHE;
		else if (c == IND_PAST_END)
			sector = d->sectors - BH_SECTS_PER_PAGE;

		segs = bh_indirect_req(d, q, iop, n, sector, ipg, ikind,
				       BH_FILL_READ);
		if (segs) {
			for (i = 0; i < nseg; i++) {
				u8 last = BH_SECTS_PER_PAGE - 1;
				enum bh_gkind kind = BH_G_RW;

				if (c == IND_LAST_SECT && i == 3)
					last = 200;
				if (c == IND_SEG_UNUSED && i == 5)
					kind = BH_G_UNUSED;
				segs[i].gref = bh_data(d, q, i, kind, 0, last);
				segs[i].first_sect = 0;
				segs[i].last_sect = last;
				if (c == IND_FIRST_AFTER_LAST && i == 7) {
					segs[i].first_sect = 6;
					segs[i].last_sect = 1;
				}
			}
			if (c == IND_GARBAGE)
				memset(segs, BH_JUNK, XEN_PAGE_SIZE);
		}
		if (!adv)
			bh_expect(d, names[c], q, BH_NOTSUPP, 0,
				  BLKIF_OP_INDIRECT);
		else
			bh_expect(d, names[c], q,
				  c == IND_READ ? BH_OKAY : BH_ERROR, 0, iop);
	}
}

/* A whole ring of requests at once, each answered once with its id. */
static void bh_case_ring(struct bh_dev *d, const char *base, bool mixed)
{
	unsigned int i, j, n, answered = 0, ok = 0;
	struct bh_ans a;
	char got[160] = "";
	bool seen[BH_RING_SIZE] = { false };

	bh_drain(d);
	for (i = 0; i < BH_RING_SIZE; i++) {
		struct bh_req *q = &bh.ring[i];
		unsigned int kind = mixed ? i % 4 : 0;
		u64 sector = BH_RING_SECTOR + i * 3 * BH_SECTS_PER_PAGE;

		bh_start(d, q, kind == 2 ? BH_OP_UNKNOWN : BLKIF_OP_READ,
			 kind == 3 ? d->sectors : sector, BH_FILL_READ);
		bh_seg(d, q, i, BH_G_RW, 0, BH_SECTS_PER_PAGE - 1);
		if (kind == 1)
			q->r.u.rw.nr_segments = 0;
		if (q->setup_failed || bh_post(d, q))
			break;
	}
	n = i;
	bh_push(d);
	bh_wait(d, n, BH_RING_TIMEOUT_MS);

	for (;;) {
		struct bh_req *q = NULL;
		unsigned int want = BH_OKAY;
		char w[120];

		memset(&a, 0, sizeof(a));
		if (!bh_take(d, &a))
			break;
		answered++;
		for (j = 0; j < n; j++) {
			if (bh.ring[j].id == a.rsp.id && !seen[j]) {
				q = &bh.ring[j];
				break;
			}
		}
		if (!q) {
			if (!*got)
				snprintf(got, sizeof(got), "answer-with-unknown-or-repeated-id-0x%llx",
					 a.rsp.id);
			continue;
		}
		seen[j] = true;
		if (mixed && j % 4)
			want = j % 4 == 2 ? BH_NOTSUPP : BH_ERROR;
		if (!bh_answer_ok(q, &a, want, q->r.operation)) {
			if (!*got) {
				bh_want_str(want, q->r.operation, w, sizeof(w));
				scnprintf(got, sizeof(got), "request-%u-wanted-%s-got-", j, w);
				bh_describe(q, &a, got + strlen(got),
					    sizeof(got) - strlen(got));
			}
			continue;
		}
		if (want == BH_OKAY && !bh_span_check(d, q, &q->span[0], w,
							sizeof(w))) {
			if (!*got)
				snprintf(got, sizeof(got), "request-%u-%s", j, w);
			continue;
		}
		ok++;
	}
	for (j = 0; j < n; j++) {
		unsigned int busy = bh_release(&bh.ring[j]);

		if (busy && !*got)
			snprintf(got, sizeof(got), "request-%u-%u-grant(s)-still-mapped",
				 j, busy);
		if (busy)
			ok = 0;
	}
	if (!*got && answered != BH_RING_SIZE)
		snprintf(got, sizeof(got), "%u-answers", answered);
	bh_result(d, base, n == BH_RING_SIZE && ok == BH_RING_SIZE && !*got,
		  "32-right-answers", *got ? got : "short-ring");
}

enum bh_race {
	BH_RACE_NSEG,		/* nr_segments */
	BH_RACE_GREF,		/* the first segment's gref */
	BH_RACE_SECTOR,		/* sector_number */
	BH_RACE_OP,		/* operation: read, write, unknown */
	BH_RACE_ALL,		/* all of these (read or unknown only) */
};

/*
 * Rewrite the request in its slot until the backend answers. The values
 * flip between valid and invalid ones; a backend that takes one copy and
 * judges only that answers as for some single one of them.
 */
static void bh_case_race(struct bh_dev *d, const char *base,
			 enum bh_race what)
{
	static const u8 nsegs[] = { 1, 0, 12, 255, 11 };
	static const u8 ops[] = { BLKIF_OP_READ, BLKIF_OP_WRITE, BH_OP_UNKNOWN };
	static const u8 all_ops[] = { BLKIF_OP_READ, BH_OP_UNKNOWN };
	unsigned int okay = 0, error = 0, notsupp = 0, bad = 0, clobbered = 0;
	unsigned int off_op = d->abi32 ? BH32_OFF_OP : BH_OFF_OP;
	unsigned int off_nseg = d->abi32 ? BH32_OFF_NSEG : BH_OFF_NSEG;
	unsigned int off_sector = d->abi32 ? BH32_OFF_SECTOR : BH_OFF_SECTOR;
	unsigned int off_gref0 = d->abi32 ? BH32_OFF_GREF0 : BH_OFF_GREF0;
	/*
	 * In a 32-bit slot the sector is only 4-byte aligned, and in two of
	 * the 32 slots it straddles a cache line, where a reader may catch
	 * half of one value and half of the next. 2^55 (low half 0) would
	 * then make sector 0, a valid one; with the raced sector in its low
	 * half every such mix is the raced sector or far past the end.
	 */
	u64 sector_2_55 = d->abi32 ? 1ULL << 55 | BH_RACED_SECTOR : 1ULL << 55;
	struct bh_req *q = &bh.q;
	char got[160] = "";
	unsigned int round;

	for (round = 0; round < race_rounds && !bh_stopped(); round++) {
		u64 sectors[4] = { BH_RACED_SECTOR, d->sectors, U64_MAX - 3,
				   sector_2_55 };
		grant_ref_t grefs[4];
		unsigned long deadline;
		int last_op = -1, last_nseg = -1;
		struct bh_ans a = { 0 };
		unsigned int i, want;
		char why[120];
		bool right;
		u64 mism;
		u8 *slot, op;

		/* Read or write, the page and the disk hold the same. */
		bh_start(d, q, BLKIF_OP_READ, BH_RACED_SECTOR,
			 what == BH_RACE_OP ? BH_FILL_SAME : BH_FILL_READ);
		bh_seg(d, q, 0, BH_G_RW, 0, BH_SECTS_PER_PAGE - 1);
		grefs[0] = q->r.u.rw.seg[0].gref;
		grefs[1] = BH_GREF_UNUSED;
		grefs[2] = bh_grant(d, q, 1, BH_G_REVOKED);
		grefs[3] = bh_grant(d, q, 2, BH_G_OTHER);
		/* Segments 1..10 name no page: 11 segments are refused too. */

		bh_drain(d);
		if (q->setup_failed || bh_post(d, q)) {
			bh_release(q);
			bad++;
			if (!*got)
				snprintf(got, sizeof(got), "round-%u-not-sent", round);
			continue;
		}
		slot = bh_slot(d, d->req_prod_pvt - 1);
		bh_push(d);

		deadline = jiffies + msecs_to_jiffies(BH_TIMEOUT_MS);
		for (i = 0; READ_ONCE(d->sring->rsp_prod) == d->rsp_cons; i++) {
			if (time_after(jiffies, deadline))
				break;
			if (what == BH_RACE_NSEG || what == BH_RACE_ALL) {
				last_nseg = nsegs[i % ARRAY_SIZE(nsegs)];
				WRITE_ONCE(slot[off_nseg], last_nseg);
			}
			if (what == BH_RACE_GREF || what == BH_RACE_ALL)
				WRITE_ONCE(*(u32 *)(slot + off_gref0),
					   grefs[i % 4]);
			if (what == BH_RACE_SECTOR || what == BH_RACE_ALL)
				WRITE_ONCE(*(u64 *)(slot + off_sector),
					   sectors[(i / 3) % 4]);
			if (what == BH_RACE_OP) {
				last_op = ops[i % ARRAY_SIZE(ops)];
				WRITE_ONCE(slot[off_op], last_op);
			}
			if (what == BH_RACE_ALL) {
				last_op = all_ops[(i / 7) % 2];
				WRITE_ONCE(slot[off_op], last_op);
			}
			if (!(i & 1023))
				cond_resched();
		}
		if (bh_wait(d, 1, 1))
			bh_take(d, &a);
		a.busy = bh_release(q);

		/*
		 * Bytes 0 and 1 of the slot, which the loop rewrites, are
		 * also bytes 0 and 1 of the answer's id: a last rewrite may
		 * have landed after the answer. That is ours, not the
		 * backend's, and is forgiven when the byte is what we wrote.
		 */
		mism = a.rsp.id ^ q->id;
		if (a.answered && (mism & 0xff) && last_op >= 0 &&
		    (a.rsp.id & 0xff) == last_op) {
			mism &= ~0xffULL;
			clobbered++;
		}
		if (a.answered && (mism & 0xff00) && last_nseg >= 0 &&
		    ((a.rsp.id >> 8) & 0xff) == last_nseg) {
			mism &= ~0xff00ULL;
			clobbered++;
		}
		if (a.answered && !mism)
			a.rsp.id = q->id;

		/*
		 * The operation echoed is one the slot held, and the status
		 * fits it: unknown is not supported; a read or write is
		 * served or refused, as its other fields were caught.
		 */
		op = a.rsp.operation;
		right = op == BLKIF_OP_READ ||
			(op == BLKIF_OP_WRITE && what == BH_RACE_OP) ||
			(op == BH_OP_UNKNOWN &&
			 (what == BH_RACE_OP || what == BH_RACE_ALL));
		want = op == BH_OP_UNKNOWN ? BH_NOTSUPP : BH_OKAY | BH_ERROR;
		right = right && bh_answer_ok(q, &a, want, op);
		*why = 0;
		if (!right)
			bh_describe(q, &a, why, sizeof(why));
		/*
		 * Served means with the one valid sector: the page holds its
		 * data (after a write, still holds it).
		 */
		else if (a.rsp.status == BLKIF_RSP_OKAY)
			right = bh_span_check(d, q, &q->span[0], why, sizeof(why));
		if (!right) {
			if (!bad++)
				snprintf(got, sizeof(got), "round-%u-%s", round, why);
			continue;
		}
		if (a.rsp.status == BLKIF_RSP_OKAY)
			okay++;
		else if (a.rsp.status == BLKIF_RSP_ERROR)
			error++;
		else
			notsupp++;
	}
	pr_info("race %s%s: %u okay, %u error, %u eopnotsupp, %u wrong, %u id byte(s) rewritten by us after the answer\n",
		d->prefix, base, okay, error, notsupp, bad, clobbered);
	bh_result(d, base, !bad && round == race_rounds,
		  "okay-error-or-eopnotsupp-for-one-snapshot", *got ? got : "stopped");
}

static void bh_cases_race(struct bh_dev *d)
{
	bh_case_race(d, "race-nr-segments", BH_RACE_NSEG);
	bh_case_race(d, "race-gref", BH_RACE_GREF);
	bh_case_race(d, "race-sector", BH_RACE_SECTOR);
	bh_case_race(d, "race-operation", BH_RACE_OP);
	bh_case_race(d, "race-everything", BH_RACE_ALL);
	/* Only the raced writes can have touched it, with what was there. */
	bh_read_back(d, "race-region-intact", BH_RACED_SECTOR, 1, 0, 0);
}

/* Events without requests; then a request is still served in time. */
static void bh_case_flood(struct bh_dev *d)
{
	ktime_t start = ktime_get();
	unsigned int i;
	s64 ms = 0;

	for (i = 0; i < flood_kicks && !bh_stopped(); i++) {
		notify_remote_via_irq(d->irq);
		if (!(i & 1023)) {
			cond_resched();
			ms = ktime_ms_delta(ktime_get(), start);
			if (ms > BH_FLOOD_MAX_MS)
				break;
		}
	}
	ms = ktime_ms_delta(ktime_get(), start);
	pr_info("flood: %u events in %lld ms\n", i, ms);
	start = ktime_get();
	bh_read_back(d, "read-after-event-flood", 0, 1, 0, 0);
	pr_info("flood: answered after %lld ms\n",
		ktime_ms_delta(ktime_get(), start));
}

/*
 * A producer index 1000 requests ahead of the last answer: no backend can
 * believe it. Ours must stop serving the ring, say so with
 * xenbus_dev_fatal and leave Connected; the in-tree backend stops serving
 * the ring but stays Connected (intree=1 accepts that).
 */
static void bh_case_disconnect(struct bh_dev *d)
{
	unsigned long deadline;
	struct bh_req *q = &bh.q;
	enum xenbus_state st;
	RING_IDX base, prod;
	char got[64];
	bool left;

	bh_drain(d);
	base = d->rsp_cons;
	if (bh_outstanding(d))
		pr_info("%s: %u request(s) unanswered before the disconnect\n",
			d->name, bh_outstanding(d));
	virt_wmb();
	WRITE_ONCE(d->sring->req_prod, base + 1000);
	virt_mb();
	notify_remote_via_irq(d->irq);

	bh_wait(d, 1, BH_SILENCE_MS);
	prod = READ_ONCE(d->sring->rsp_prod);
	snprintf(got, sizeof(got), "%u-answer(s)", prod - base);
	bh_result(d, "req-prod-1000-ahead-no-answer", prod == base, "0-answers",
		  got);

	deadline = jiffies + msecs_to_jiffies(BH_STATE_TIMEOUT_MS);
	do {
		st = xenbus_read_driver_state(d->xdev->otherend);
		left = st == XenbusStateClosing || st == XenbusStateClosed;
		if (left)
			break;
		msleep(50);
	} while (time_before(jiffies, deadline));
	snprintf(got, sizeof(got), "%s", xenbus_strstate(st));
	if (intree && !left)
		pr_info("intree: %sreq-prod-1000-ahead-backend-leaves-connected stayed %s where xsplit-blkback must leave Connected\n",
			d->prefix, got);
	bh_result(d, "req-prod-1000-ahead-backend-leaves-connected",
		  left || intree, "Closing-or-Closed", got);

	/* Put the index right and ask again: nobody is listening any more. */
	bh_start(d, q, BLKIF_OP_READ, 0, BH_FILL_READ);
	bh_segs(d, q, 0, 1);
	d->req_prod_pvt = base;
	d->rsp_cons = base;
	if (!q->setup_failed && !bh_post(d, q)) {
		bh_push(d);
		bh_wait(d, 1, BH_SILENCE_MS);
	}
	prod = READ_ONCE(d->sring->rsp_prod);
	snprintf(got, sizeof(got), "%u-answer(s)", prod - base);
	bh_result(d, "req-prod-1000-ahead-then-silent", prod == base,
		  "0-answers", got);
	bh_release(q);
}

/* A disk that must keep working whatever its neighbour does. */
static void bh_cases_bystander(struct bh_dev *d, bool after)
{
	struct bh_req *q = &bh.q;
	u64 w = BH_WRITE_SECTOR + (after ? 8 : 0);

	bh_read_back(d, after ? "read-after-disconnect" : "read", 0, 1, 0, 0);
	if (!after && bh_group("feature"))
		bh_cases_feature(d);
	bh_start(d, q, BLKIF_OP_WRITE, w, BH_FILL_OWN);
	bh_segs(d, q, 0, 1);
	bh_expect(d, after ? "write-after-disconnect" : "write", q, BH_OKAY, 0,
		  BLKIF_OP_WRITE);
	bh_read_back(d, after ? "write-after-disconnect-read-back" :
				"write-read-back", w, 1, w, w + 8);
}

/* ---- the 32-bit ring ---- */

/*
 * One answer on the 32-bit ring, byte by byte: the id at 0, the operation
 * at 8, a padding byte of 0 at 9 and the status at 10, and nothing past
 * those 12 bytes: the rest of the slot still holds the request, where a
 * backend that wrote a native 16-byte answer would have put 4 more bytes.
 * The in-tree backend leaves byte 9 alone (intree=1 accepts that).
 */
static void bh32_case_layout(struct bh_dev *d, const char *base, u8 op,
			     s16 status)
{
	u8 sent[BH32_SLOT_SIZE], seen[BH32_SLOT_SIZE], want[BH32_SLOT_SIZE];
	struct bh32_response r = {
		.operation = op,
		.pad = 0,
		.status = status,
	};
	struct bh_req *q = &bh.q;
	struct bh_ans a = { 0 };
	char got[80] = "no-answer";
	unsigned int i = 0;
	bool ok = false;
	u8 *slot;

	bh_drain(d);
	bh_start(d, q, op, BH_INDIRECT_SECTOR, BH_FILL_READ);
	bh_segs(d, q, 0, 1);
	r.id = q->id;
	slot = bh_slot(d, d->req_prod_pvt);
	if (!q->setup_failed && !bh_stopped() && !bh_post(d, q)) {
		memcpy(sent, slot, sizeof(sent));
		bh_push(d);
		if (bh_wait(d, 1, BH_TIMEOUT_MS) && bh_take(d, &a))
			memcpy(seen, slot, sizeof(seen));
	}
	a.busy = bh_release(q);

	if (a.answered) {
		memcpy(want, &r, sizeof(r));
		memcpy(want + sizeof(r), sent + sizeof(r),
		       sizeof(want) - sizeof(r));
		for (i = 0; i < sizeof(want); i++) {
			if (seen[i] == want[i])
				continue;
			if (i == offsetof(struct bh32_response, pad) && intree) {
				pr_info("intree: %s%s left 0x%02x in the padding byte 9 where xsplit-blkback must write 0\n",
					d->prefix, base, seen[i]);
				continue;
			}
			break;
		}
		ok = i == sizeof(want) && !a.busy && !a.extra;
		if (i < sizeof(want))
			snprintf(got, sizeof(got), "byte-%u-0x%02x-not-0x%02x",
				 i, seen[i], want[i]);
		else if (a.busy)
			snprintf(got, sizeof(got), "%u-grant(s)-still-mapped",
				 a.busy);
		else if (a.extra)
			snprintf(got, sizeof(got), "more-responses-than-requests");
	}
	bh_result(d, base, ok, "id-op-pad0-status-then-the-request-untouched",
		  ok ? "that" : got);
}

/*
 * The page after the 32nd slot: a backend that counted native 112-byte
 * slots would have put its answers to slot 31 there.
 */
static void bh32_case_tail(struct bh_dev *d)
{
	const u8 *page = (const u8 *)d->sring;
	const u8 *p = memchr_inv(page + BH32_RING_END, BH32_TAIL,
				 XEN_PAGE_SIZE - BH32_RING_END);
	char got[40] = "untouched";

	if (p)
		snprintf(got, sizeof(got), "byte-%u-of-the-page-0x%02x",
			 (unsigned int)(p - page), *p);
	bh_result(d, "page-tail-untouched", !p, "untouched", got);
}

/* The cases of the disk on the 32-bit ring, in their layout. */
static void bh32_cases(struct bh_dev *d)
{
	if (!bh_geometry(d))
		return;
	bh32_case_layout(d, "response-layout-okay", BLKIF_OP_READ,
			 BLKIF_RSP_OKAY);
	bh32_case_layout(d, "response-layout-refused", BH_OP_UNKNOWN,
			 BLKIF_RSP_EOPNOTSUPP);
	bh_cases_valid(d);
	bh_cases_feature(d);
	bh_cases_bad(d);
	bh_cases_grant(d);
	bh_cases_op(d);
	bh_cases_indirect(d);
	bh_case_ring(d, "ring-full-of-reads", false);
	bh_case_ring(d, "ring-full-mixed", true);
	bh32_case_tail(d);
	bh_cases_race(d);
	bh_read_back(d, "still-serving", 8, 1, 0, 0);
}

/* What became of the disk named by abi32= or persist= if it did not connect. */
static void bh_not_connected(unsigned int devid, char *got, size_t len)
{
	unsigned int i;

	snprintf(got, len, "no-disk-%u", devid);
	mutex_lock(&bh.lock);
	for (i = 0; i < BH_MAX_DEVS; i++) {
		struct bh_dev *d = bh.devs[i];

		if (d && d->devid == devid)
			snprintf(got, len, "backend-%s",
				 xenbus_strstate(xenbus_read_driver_state(d->xdev->otherend)));
	}
	mutex_unlock(&bh.lock);
}

/* ---- persistent grants ---- */

/*
 * The same kept grant in two writes, its page refilled in between: each
 * must land as the page held it when its request went out, not as the
 * backend saw the page first.
 */
static void bh_pcase_reuse(struct bh_dev *d)
{
	struct bh_req *q = &bh.q;
	u64 w = BH_WRITE_SECTOR + 200;

	bh_start(d, q, BLKIF_OP_WRITE, w, BH_FILL_OWN);
	bh_seg(d, q, 0, BH_G_RW, 0, BH_SECTS_PER_PAGE - 1);
	bh_expect(d, "kept-grant-write", q, BH_OKAY, 0, BLKIF_OP_WRITE);
	bh_start(d, q, BLKIF_OP_WRITE, w + 8, BH_FILL_OWN);
	bh_seg(d, q, 0, BH_G_RW, 0, BH_SECTS_PER_PAGE - 1);
	bh_expect(d, "kept-grant-rewritten-write", q, BH_OKAY, 0,
		  BLKIF_OP_WRITE);
	bh_read_back(d, "kept-grant-rewritten-read-back", w, 2, w, w + 16);
}

/* The cases of the disk with persistent grants. */
static void bh_pcases(struct bh_dev *d)
{
	char got[40];

	if (!bh_geometry(d))
		return;
	snprintf(got, sizeof(got), "feature-persistent-%d", d->be_persistent);
	bh_result(d, "negotiated", d->be_persistent, "feature-persistent-1",
		  got);
	bh_cases_valid(d);
	bh_pcase_reuse(d);
	bh_cases_grant(d);
	bh_cases_indirect(d);
	bh_case_ring(d, "ring-full-mixed", true);
	bh_read_back(d, "still-serving", 8, 1, 0, 0);
}

/* ---- the run ---- */

static unsigned int bh_connected(struct bh_dev **devs)
{
	unsigned int i, n = 0;

	mutex_lock(&bh.lock);
	for (i = 0; i < BH_MAX_DEVS; i++) {
		struct bh_dev *d = bh.devs[i];

		if (d && smp_load_acquire(&d->connected))
			devs[n++] = d;
	}
	mutex_unlock(&bh.lock);
	return n;
}

/* Disks whose backend closed before they connected: not waited for. */
static unsigned int bh_gave_up(void)
{
	unsigned int i, n = 0;

	mutex_lock(&bh.lock);
	for (i = 0; i < BH_MAX_DEVS; i++) {
		struct bh_dev *d = bh.devs[i];

		if (d && READ_ONCE(d->gave_up) &&
		    !smp_load_acquire(&d->connected))
			n++;
	}
	mutex_unlock(&bh.lock);
	return n;
}

static void bh_run(struct work_struct *work)
{
	struct bh_dev *devs[BH_MAX_DEVS], *v = NULL, *a32 = NULL, *pd = NULL, *d;
	unsigned long deadline = jiffies + msecs_to_jiffies(BH_CONNECT_WAIT_MS);
	ktime_t start = ktime_get();
	bool others_ok[BH_MAX_DEVS];
	unsigned int n, i;
	char got[40];

	while ((n = bh_connected(devs)) + bh_gave_up() < ndevs &&
	       !bh_stopped() && time_before(jiffies, deadline))
		msleep(100);
	pr_info("start: %u disk(s) connected%s\n", n,
		intree ? ", judging as for the in-tree backend" : "");
	snprintf(got, sizeof(got), "%u", n);
	bh_result(NULL, "disks-connected", n >= ndevs && n, "enough", got);

	/*
	 * The disks on the 32-bit ring and with persistent grants are
	 * neither victim nor bystander.
	 */
	for (i = 0; i < n; i++) {
		d = devs[i];
		if (d->abi32)
			a32 = d;
		else if (d->persistent)
			pd = d;
		else if (victim ? d->devid == victim :
				  !v || d->devid < v->devid)
			v = d;
	}
	for (i = 0; i < n; i++) {
		d = devs[i];
		d->prefix = d == v ? "" : d->abi32 ? "abi32-" :
			    d->persistent ? "persist-" : "other-";
		pr_info("%s (%u): %llu sectors of %u bytes, info 0x%x, flush %d, barrier %d, discard %d, indirect %u, persistent %d%s%s\n",
			d->name, d->devid, d->sectors, d->sector_size, d->info,
			d->flush, d->barrier, d->discard, d->max_indirect,
			d->be_persistent,
			d->abi32 ? ", protocol x86_32-abi" : "",
			d == v ? ", the victim" : "");
	}

	if (v && bh_geometry(v)) {
		if (bh_group("valid"))
			bh_cases_valid(v);
		if (bh_group("feature"))
			bh_cases_feature(v);
		if (bh_group("bad"))
			bh_cases_bad(v);
		if (bh_group("grant"))
			bh_cases_grant(v);
		if (bh_group("op"))
			bh_cases_op(v);
		if (bh_group("indirect"))
			bh_cases_indirect(v);
		if (bh_group("ring")) {
			bh_case_ring(v, "ring-full-of-reads", false);
			bh_case_ring(v, "ring-full-mixed", true);
		}
		if (bh_group("race"))
			bh_cases_race(v);
		if (bh_group("flood"))
			bh_case_flood(v);
		bh_read_back(v, "still-serving", 8, 1, 0, 0);
	}

	if (abi32 && bh_group("abi32")) {
		if (!a32)
			bh_not_connected(abi32, got, sizeof(got));
		bh_result(NULL, "abi32-connected", a32 != NULL, "Connected",
			  a32 ? "Connected" : got);
		if (a32)
			bh32_cases(a32);
	}

	if (persist && bh_group("persist")) {
		if (!pd)
			bh_not_connected(persist, got, sizeof(got));
		bh_result(NULL, "persist-connected", pd != NULL, "Connected",
			  pd ? "Connected" : got);
		if (pd)
			bh_pcases(pd);
	}

	for (i = 0; i < n; i++) {
		d = devs[i];
		others_ok[i] = d != v && !d->abi32 && !d->persistent &&
			       bh_geometry(d);
		if (others_ok[i] && bh_group("other"))
			bh_cases_bystander(d, false);
	}
	if (v && v->sectors >= BH_MIN_SECTORS && bh_group("disconnect"))
		bh_case_disconnect(v);
	for (i = 0; i < n; i++) {
		if (others_ok[i] && bh_group("other"))
			bh_cases_bystander(devs[i], true);
	}
	/* Its neighbour's ring gone, the 32-bit one still serves. */
	if (a32 && a32->sectors >= BH_MIN_SECTORS && bh_group("abi32"))
		bh_read_back(a32, "read-after-disconnect", 0, 1, 0, 0);

	pr_info("refused %u\n", bh.refused);
	if (intree)
		pr_info("%u answer(s) with nonzero padding (not judged with intree=1)\n",
			bh.dirty);
	pr_info("run took %lld ms\n", ktime_ms_delta(ktime_get(), start));
	pr_info("done %u tried %u passed\n", bh.tried, bh.passed);
}

/* ---- xenbus ---- */

static irqreturn_t bh_interrupt(int irq, void *dev_id)
{
	struct bh_dev *d = dev_id;

	wake_up(&d->wq);
	return IRQ_HANDLED;
}

static int bh_publish(struct bh_dev *d)
{
	struct xenbus_device *xdev = d->xdev;
	struct xenbus_transaction xbt;
	int ret;

again:
	ret = xenbus_transaction_start(&xbt);
	if (ret)
		return ret;
	ret = xenbus_printf(xbt, xdev->nodename, "ring-ref", "%u", d->ring_ref);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "event-channel", "%u",
				    d->evtchn);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "protocol", "%s",
				    d->abi32 ? XEN_IO_PROTO_ABI_X86_32 :
					       XEN_IO_PROTO_ABI_NATIVE);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "feature-persistent",
				    "%u", d->persistent);
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		return ret;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	return ret;
}

static void bh_read_backend(struct bh_dev *d)
{
	const char *be = d->xdev->otherend;
	unsigned long long sectors = 0;

	if (xenbus_scanf(XBT_NIL, be, "sectors", "%llu", &sectors) != 1)
		sectors = 0;
	d->sectors = sectors;
	d->sector_size = xenbus_read_unsigned(be, "sector-size", 0);
	d->info = xenbus_read_unsigned(be, "info", 0);
	d->flush = xenbus_read_unsigned(be, "feature-flush-cache", 0);
	d->barrier = xenbus_read_unsigned(be, "feature-barrier", 0);
	d->discard = xenbus_read_unsigned(be, "feature-discard", 0);
	d->max_indirect = xenbus_read_unsigned(be, "feature-max-indirect-segments",
					       0);
	d->be_persistent = xenbus_read_unsigned(be, "feature-persistent", 0);
}

static void bh_free(struct bh_dev *d)
{
	unsigned int i;

	for (i = 0; i < BH_POOL_PAGES; i++) {
		if (d->kept_page[i])
			gnttab_end_foreign_access(d->kept_ref[i],
						  d->kept_page[i]);
	}
	/* Unbinding closes the channel too. */
	if (d->irq > 0)
		unbind_from_irqhandler(d->irq, d);
	else if (d->have_evtchn)
		xenbus_free_evtchn(d->xdev, d->evtchn);
	/* Ends the backend's access; the page goes once it is unmapped. */
	if (d->sring)
		xenbus_teardown_ring((void **)&d->sring, 1, &d->ring_ref);
	kfree(d);
}

static int bh_probe(struct xenbus_device *xdev,
		    const struct xenbus_device_id *id)
{
	struct bh_dev *d;
	unsigned int i;
	int ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->xdev = xdev;
	d->prefix = "";
	init_waitqueue_head(&d->wq);
	if (kstrtouint(strrchr(xdev->nodename, '/') + 1, 10, &d->devid))
		d->devid = 0;
	/* xvd<letter> for the Xen disk major, as xl names them. */
	if (d->devid >> 8 == 202 && (d->devid & 0xff) < 26 * 16)
		snprintf(d->name, sizeof(d->name), "xvd%c",
			 'a' + (d->devid & 0xff) / 16);
	else
		snprintf(d->name, sizeof(d->name), "vbd%u", d->devid % 100000);

	d->abi32 = abi32 && d->devid == abi32;
	if (d->abi32)
		d->prefix = "abi32-";
	d->persistent = persist && d->devid == persist;
	if (d->persistent)
		d->prefix = "persist-";

	ret = xenbus_setup_ring(xdev, GFP_KERNEL, (void **)&d->sring, 1,
				&d->ring_ref);
	if (ret)
		goto fail;
	SHARED_RING_INIT(d->sring);
	/* Past the last 32-bit slot: see bh32_case_tail(). */
	if (d->abi32)
		memset((u8 *)d->sring + BH32_RING_END, BH32_TAIL,
		       XEN_PAGE_SIZE - BH32_RING_END);
	ret = xenbus_alloc_evtchn(xdev, &d->evtchn);
	if (ret)
		goto fail;
	d->have_evtchn = true;
	ret = bind_evtchn_to_irqhandler(d->evtchn, bh_interrupt, 0,
					"xsplit-blk-hostile", d);
	if (ret < 0)
		goto fail;
	d->irq = ret;

	mutex_lock(&bh.lock);
	for (i = 0; i < BH_MAX_DEVS && bh.devs[i]; i++)
		;
	if (i < BH_MAX_DEVS)
		bh.devs[i] = d;
	mutex_unlock(&bh.lock);
	if (i == BH_MAX_DEVS) {
		ret = -ENOSPC;
		goto fail;
	}
	dev_set_drvdata(&xdev->dev, d);
	pr_info("probed %s (%s): ring grant %u, event channel %u\n", d->name,
		xdev->nodename, d->ring_ref, d->evtchn);
	return 0;

fail:
	xenbus_dev_fatal(xdev, ret, "setting up the ring");
	bh_free(d);
	return ret;
}

static void bh_backend_changed(struct xenbus_device *xdev,
			       enum xenbus_state state)
{
	struct bh_dev *d = dev_get_drvdata(&xdev->dev);
	int ret;

	switch (state) {
	case XenbusStateInitWait:
		if (xdev->state != XenbusStateInitialising)
			break;
		ret = bh_publish(d);
		if (ret) {
			xenbus_dev_fatal(xdev, ret, "publishing the ring");
			break;
		}
		xenbus_switch_state(xdev, XenbusStateInitialised);
		break;
	case XenbusStateConnected:
		if (xdev->state != XenbusStateInitialised)
			break;
		bh_read_backend(d);
		xenbus_switch_state(xdev, XenbusStateConnected);
		smp_store_release(&d->connected, true);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		/* Refused before connecting: bh_run() waits no longer. */
		if (!smp_load_acquire(&d->connected))
			WRITE_ONCE(d->gave_up, true);
		if (xdev->state != XenbusStateClosed)
			xenbus_frontend_closed(xdev);
		break;
	default:
		break;
	}
}

/* The run uses every disk: it ends before any of them goes. */
static void bh_stop_run(void)
{
	WRITE_ONCE(bh.stopping, true);
	cancel_work_sync(&bh_run_work);
}

static void bh_remove(struct xenbus_device *xdev)
{
	struct bh_dev *d = dev_get_drvdata(&xdev->dev);
	unsigned int i;

	bh_stop_run();
	mutex_lock(&bh.lock);
	for (i = 0; i < BH_MAX_DEVS; i++) {
		if (bh.devs[i] == d)
			bh.devs[i] = NULL;
	}
	mutex_unlock(&bh.lock);
	dev_set_drvdata(&xdev->dev, NULL);
	bh_free(d);
}

static const struct xenbus_device_id bh_ids[] = {
	{ "vbd" },
	{ "" }
};

static struct xenbus_driver bh_driver = {
	.name = "xsplit-test-blk-hostile",
	.ids = bh_ids,
	.probe = bh_probe,
	.remove = bh_remove,
	.otherend_changed = bh_backend_changed,
};

static void bh_free_pool(void)
{
	unsigned int i;

	for (i = 0; i < BH_POOL_PAGES; i++) {
		if (bh.pool[i])
			__free_page(bh.pool[i]);
		bh.pool[i] = NULL;
	}
}

static int __init bh_init(void)
{
	unsigned int i;
	int ret;

	/* blkif frontends run in PV guests; dom0 is the backend's side. */
	if (!xen_pv_domain() || xen_initial_domain())
		return -ENODEV;
	mutex_init(&bh.lock);
	INIT_WORK(&bh_run_work, bh_run);
	for (i = 0; i < BH_POOL_PAGES; i++) {
		bh.pool[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!bh.pool[i]) {
			bh_free_pool();
			return -ENOMEM;
		}
	}
	/*
	 * The run waits for the disks itself, with its own limit: queued
	 * first, since registering returns only once the disks there are
	 * have connected, or after minutes if one never does. Minutes of
	 * work, the races and the storm mostly: not for the system_wq.
	 */
	queue_work(system_long_wq, &bh_run_work);
	ret = xenbus_register_frontend(&bh_driver);
	if (ret) {
		bh_stop_run();
		bh_free_pool();
		return ret;
	}
	return 0;
}
module_init(bh_init);

static void __exit bh_exit(void)
{
	bh_stop_run();
	xenbus_unregister_driver(&bh_driver);
	bh_free_pool();
}
module_exit(bh_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xsplit test bed: hostile block frontend that attacks the block backend (test use only)");
