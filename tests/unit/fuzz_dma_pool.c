// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry for the DMA bounce pool's book-keeping and for the
 * judgement of a streaming mapping, built by `make fuzz`. The input is
 * read a byte at a time (as zeros once it runs out). The first byte sets
 * up the pool: 1 + (b & 7) slots a segment, 1 + ((b >> 3) & 7) segments.
 * Every later byte is an operation, by its low 3 bits:
 *
 *   0     init again from the next byte g: seg_slots g & 7 (so 0 too),
 *         segments (g >> 3) & 7 (so 0 too), one slot more than that if
 *         g & 0x40 (a stub segment), no slot array at all if g & 0x80
 *   1-3   alloc; the next byte n gives n % (seg_slots + 2) pages, so 0
 *         and one past a segment too, or 2^16 if n is 0xff
 *   4-5   free of the slot the next byte names (see get_idx())
 *   6     head of the slot the next byte names
 *   7     judge a range against a small P2M table (see judge_op())
 *
 * The slot array is allocated to its exact size so that ASan sees any
 * access past it, and filled with a pattern before init, which must clear
 * it. A shadow model, written here from dma_pool.h and the next-fit rule
 * in dma_pool.c, records which mapping owns each slot. This aborts if:
 * - init accepts a geometry that is not nslots > 0, seg_slots > 0 and
 *   seg_slots dividing nslots with a slot array, or refuses one that is;
 *   a refused init changes the pool;
 * - alloc returns other than -EINVAL for 0 pages or more than a segment,
 *   -ENOSPC while some segment still has the pages free in a row, or a
 *   head whose run crosses a segment, overlaps a mapping or is not the
 *   first fit from after the last mapping (wrapping once to slot 0);
 * - free of a slot outside the pool is not -EINVAL, of a free slot not
 *   -ENOENT, of a slot inside a mapping but not its head not -EINVAL, or
 *   any of these changes something; free of a head fails;
 * - after any operation, head() of some slot disagrees with the model,
 *   used or peak is wrong, or a head does not hold the npages, orig, size
 *   and dir it was given (npages 0 elsewhere).
 *
 * For the judgement, this aborts if the result or *pages differs from
 * the reference below, *bus is written other than for DIRECT or holds
 * other than the reference's address, a pfn outside the range is looked
 * up, or xsplit_dma_mask_bits() disagrees with a count of trailing ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/dma_pool.h>
#include <xsplit/dma_span.h>

#define MAX_SLOTS	64
#define MAX_P2M		8
#define PATTERN		0xa5
#define BUS_UNSET	0x5a5a5a5a5a5a5a5aull

typedef unsigned __int128 u128;

struct input {
	const u8 *p;
	size_t left;
};

static u8 get(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

struct model {
	u32 nslots;
	u32 seg;
	u32 hint;
	u32 used;
	u32 peak;
	int owner[MAX_SLOTS];	/* head of the slot's mapping, -1 if free */
	u32 npages[MAX_SLOTS];	/* the rest on heads only */
	u64 orig[MAX_SLOTS];
	u32 size[MAX_SLOTS];
	u8 dir[MAX_SLOTS];
};

struct state {
	struct xsplit_dma_pool pool;
	struct xsplit_dma_slot *slot;
	struct model m;
	u64 serial;		/* seeds what each alloc records */
};

static void model_reset(struct model *m, u32 nslots, u32 seg)
{
	u32 i;

	memset(m, 0, sizeof(*m));
	m->nslots = nslots;
	m->seg = seg;
	for (i = 0; i < MAX_SLOTS; i++)
		m->owner[i] = -1;
}

/* Room for @n slots from @s, all free and all in the segment of @s. */
static bool model_fits(const struct model *m, u32 s, u32 n)
{
	u32 i;

	if (s % m->seg + n > m->seg)
		return false;
	for (i = s; i < s + n; i++)
		if (m->owner[i] >= 0)
			return false;
	return true;
}

/* Where next fit must put @n slots: on from the hint, then from 0. */
static int model_alloc_at(const struct model *m, u32 n)
{
	u32 s;

	if (!n || n > m->seg)
		return -EINVAL;
	for (s = m->hint; s < m->nslots; s++)
		if (model_fits(m, s, n))
			return (int)s;
	for (s = 0; s < m->hint; s++)
		if (model_fits(m, s, n))
			return (int)s;
	return -ENOSPC;
}

/* Cheap enough to run after every operation, with 64 slots at most. */
static void check_all(const struct state *st)
{
	const struct model *m = &st->m;
	u32 i, used = 0;

	if (st->pool.nslots != m->nslots || st->pool.seg_slots != m->seg ||
	    st->pool.used != m->used || st->pool.peak != m->peak ||
	    m->used > m->nslots || m->peak < m->used)
		abort();
	for (i = 0; i < m->nslots; i++) {
		const struct xsplit_dma_slot *s = &st->slot[i];
		int h = xsplit_dma_pool_head(&st->pool, i);

		if (h != (m->owner[i] < 0 ? -ENOENT : m->owner[i]))
			abort();
		if (m->owner[i] != (int)i) {
			if (s->npages)
				abort();
			continue;
		}
		if (s->npages != m->npages[i] || s->orig != m->orig[i] ||
		    s->size != m->size[i] || s->dir != m->dir[i])
			abort();
		used += m->npages[i];
	}
	if (used != m->used)
		abort();
	/* Past the end: however far, never a slot. */
	if (xsplit_dma_pool_head(&st->pool, m->nslots) != -EINVAL ||
	    xsplit_dma_pool_head(&st->pool, ~0u) != -EINVAL)
		abort();
}

/* A fresh slot array of exactly @n slots, not cleared. */
static struct xsplit_dma_slot *slots_new(u32 n)
{
	size_t bytes = (n ? n : 1) * sizeof(struct xsplit_dma_slot);
	struct xsplit_dma_slot *s = malloc(bytes);

	if (!s)
		abort();
	memset(s, PATTERN, bytes);
	return s;
}

static void init_op(struct state *st, u8 g)
{
	u32 seg = g & 7, nslots = seg * ((g >> 3) & 7);
	struct xsplit_dma_pool before = st->pool;
	struct xsplit_dma_slot *s;
	bool ok;
	int ret;

	if (g & 0x40)
		nslots++;
	ok = nslots && seg && nslots % seg == 0 && !(g & 0x80);
	s = slots_new(nslots);
	ret = xsplit_dma_pool_init(&st->pool, g & 0x80 ? NULL : s, nslots,
				   seg);
	if (ret != (ok ? 0 : -EINVAL))
		abort();
	if (!ok) {
		/* The old pool must still work: nothing of it was touched. */
		if (before.slot != st->pool.slot ||
		    before.nslots != st->pool.nslots ||
		    before.seg_slots != st->pool.seg_slots ||
		    before.hint != st->pool.hint ||
		    before.used != st->pool.used ||
		    before.peak != st->pool.peak)
			abort();
		free(s);
		return;
	}
	free(st->slot);
	st->slot = s;
	model_reset(&st->m, nslots, seg);
}

static u64 mix(u64 x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void alloc_op(struct state *st, u8 b)
{
	struct model *m = &st->m;
	u32 n = b == 0xff ? 0x10000 : b % (m->seg + 2);
	u64 r = mix(++st->serial);
	int want = model_alloc_at(m, n), got;
	u32 i;

	got = xsplit_dma_pool_alloc(&st->pool, n, r, (u32)(r >> 32), (u8)r);
	if (got >= 0) {
		/* Said on its own first, as the rules the pool is there for. */
		if ((u32)got >= m->nslots || !model_fits(m, (u32)got, n))
			abort();
	}
	if (got != want)
		abort();
	if (got < 0)
		return;
	for (i = (u32)got; i < (u32)got + n; i++)
		m->owner[i] = got;
	m->npages[got] = n;
	m->orig[got] = r;
	m->size[got] = (u32)(r >> 32);
	m->dir[got] = (u8)r;
	m->used += n;
	if (m->used > m->peak)
		m->peak = m->used;
	m->hint = (u32)got + n < m->nslots ? (u32)got + n : 0;
}

/* Mostly a slot of the pool; sometimes just past it, or far past. */
static u32 get_idx(const struct model *m, u8 b)
{
	if (b == 0xff)
		return ~0u;
	if (b >= 0xf0)
		return m->nslots + (b & 7);
	return b % m->nslots;
}

static void free_op(struct state *st, u8 b)
{
	struct model *m = &st->m;
	u32 idx = get_idx(m, b), i;
	int want, ret;

	if (idx >= m->nslots)
		want = -EINVAL;
	else if (m->owner[idx] < 0)
		want = -ENOENT;
	else if (m->owner[idx] != (int)idx)
		want = -EINVAL;
	else
		want = 0;
	ret = xsplit_dma_pool_free(&st->pool, idx);
	if (ret != want)
		abort();
	/* A refusal is checked by check_all(): the model did not change. */
	if (ret)
		return;
	for (i = idx; i < idx + m->npages[idx]; i++)
		m->owner[i] = -1;
	m->used -= m->npages[idx];
	m->npages[idx] = 0;
	m->orig[idx] = 0;
	m->size[idx] = 0;
	m->dir[idx] = 0;
}

static void head_op(struct state *st, u8 b)
{
	const struct model *m = &st->m;
	u32 idx = get_idx(m, b);
	int want;

	if (idx >= m->nslots)
		want = -EINVAL;
	else
		want = m->owner[idx] < 0 ? -ENOENT : m->owner[idx];
	if (xsplit_dma_pool_head(&st->pool, idx) != want)
		abort();
}

/*
 * The P2M: pfns [base, base + n) have the frames in mfn[], any other pfn
 * none. Lookups are watched so that one outside the range judged shows.
 */
struct p2m {
	u64 base;
	u64 n;
	u64 mfn[MAX_P2M];
	u64 lo, hi;		/* the range being judged */
	bool stray;		/* a pfn outside [lo, hi] was looked up */
	u64 calls;
};

static u64 p2m_frame(void *ctx, u64 pfn)
{
	struct p2m *t = ctx;

	t->calls++;
	if (pfn < t->lo || pfn > t->hi)
		t->stray = true;
	if (pfn - t->base >= t->n)
		return XSPLIT_DMA_NO_FRAME;
	return t->mfn[pfn - t->base];
}

/*
 * The judgement as dma_span.h words it, in 128-bit arithmetic so that
 * nothing here can wrap unnoticed. A frame past XSPLIT_DMA_MAX_FRAME has
 * no byte address, so on any page it makes the range BAD, like a hole.
 */
static enum xsplit_dma_span ref_judge(u64 phys, u64 size, u64 mask,
				      struct p2m *t, u64 *bus, u64 *pages,
				      u64 *lookups)
{
	u128 end, mstart, mend;
	u64 first, last, pfn, mfn0, mfn;
	bool run = true;

	*pages = 0;
	*lookups = 0;
	if (!size)
		return XSPLIT_DMA_BAD;
	end = (u128)phys + size - 1;
	if (end > ~0ull)
		return XSPLIT_DMA_BAD;
	first = phys >> XSPLIT_DMA_PAGE_SHIFT;
	last = (u64)end >> XSPLIT_DMA_PAGE_SHIFT;
	*pages = last - first + 1;

	/* Looked up directly, so that the count of lookups is ours. */
	mfn0 = first - t->base < t->n ? t->mfn[first - t->base] :
	       XSPLIT_DMA_NO_FRAME;
	*lookups = 1;
	if (mfn0 == XSPLIT_DMA_NO_FRAME || mfn0 > XSPLIT_DMA_MAX_FRAME)
		return XSPLIT_DMA_BAD;
	for (pfn = first + 1; pfn <= last; pfn++) {
		mfn = pfn - t->base < t->n ? t->mfn[pfn - t->base] :
		      XSPLIT_DMA_NO_FRAME;
		++*lookups;
		if (mfn == XSPLIT_DMA_NO_FRAME || mfn > XSPLIT_DMA_MAX_FRAME)
			return XSPLIT_DMA_BAD;
		if ((u128)mfn != (u128)mfn0 + (pfn - first))
			run = false;
	}
	if (!run)
		return XSPLIT_DMA_SPLIT;
	mstart = ((u128)mfn0 << XSPLIT_DMA_PAGE_SHIFT) +
		 (phys & XSPLIT_DMA_IN_PAGE);
	mend = mstart + size - 1;
	if (mend > ~0ull)
		return XSPLIT_DMA_BAD;
	if (mend > mask)
		return XSPLIT_DMA_HIGH;
	*bus = (u64)mstart;
	return XSPLIT_DMA_DIRECT;
}

static u64 get_le(struct input *in, unsigned int n)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (u64)get(in) << (8 * i);
	return v;
}

/*
 * Bytes, in order:
 *   k        table length k % 9; base pfn by (k >> 4) & 3: 0, just under
 *            4 GiB, the top of the pfn space, or two more bytes << 8
 *   n bytes  a frame each by c >> 6: the one before plus 1 (a run),
 *            c & 0x3f (low and often out of order), just under 4 GiB,
 *            or no frame (c & 0x20) else one of the 4 frames up to
 *            MAX_FRAME or the 4 above it
 *   p, 2     the first page, base + p % (n + 2) - 1 (so just outside
 *            the table too), and the offset in it
 *   s        size by s >> 6: s & 0x3f (so 0), up to 32 KiB from one
 *            more byte, up to 64 KiB from two, or 2^64 - 1 - byte (so
 *            a wrap, or a range whose end the table never reaches)
 *   m        mask by m >> 6: all ones, 32 bits, m & 63 bits, or if
 *            m & 0x20 8 more bytes, else the last byte's machine
 *            address (as the first page's frame would put it) plus
 *            (m & 3) - 1, since the edge is a needle to find by chance
 */
static void judge_op(struct input *in)
{
	struct p2m t = { 0 };
	u64 phys, size, mask, bus = BUS_UNSET, pages = ~0ull;
	u64 rbus = BUS_UNSET, rpages, lookups, prev = 0x40, near = 0, at;
	enum xsplit_dma_span got, want;
	u8 k = get(in), c, s, m;
	unsigned int i, bits;

	t.n = k % (MAX_P2M + 1);
	switch ((k >> 4) & 3) {
	case 0:
		t.base = 0;
		break;
	case 1:
		t.base = 0xfffff - 3;
		break;
	case 2:
		t.base = XSPLIT_DMA_MAX_FRAME - (MAX_P2M - 1);
		break;
	default:
		t.base = get_le(in, 2) << 8;
		break;
	}
	for (i = 0; i < t.n; i++) {
		c = get(in);
		switch (c >> 6) {
		case 0:
			t.mfn[i] = prev + 1;
			break;
		case 1:
			t.mfn[i] = c & 0x3f;
			break;
		case 2:
			t.mfn[i] = 0xfffff - 7 + (c & 0xf);
			break;
		default:
			t.mfn[i] = c & 0x20 ? XSPLIT_DMA_NO_FRAME :
				   XSPLIT_DMA_MAX_FRAME - 3 + (c & 7);
			break;
		}
		prev = t.mfn[i];
	}

	phys = (t.base + get(in) % (t.n + 2) - 1) << XSPLIT_DMA_PAGE_SHIFT;
	phys |= get_le(in, 2) & XSPLIT_DMA_IN_PAGE;

	s = get(in);
	switch (s >> 6) {
	case 0:
		size = s & 0x3f;
		break;
	case 1:
		size = (u64)(s & 0x3f) << 9 | get(in);
		break;
	case 2:
		size = get_le(in, 2);
		break;
	default:
		size = ~0ull - get(in);
		break;
	}

	m = get(in);
	switch (m >> 6) {
	case 0:
		mask = ~0ull;
		break;
	case 1:
		mask = 0xffffffff;
		break;
	case 2:
		mask = (1ull << (m & 63)) - 1;
		break;
	default:
		if (m & 0x20) {
			mask = get_le(in, 8);
			break;
		}
		/* Wrapping is harmless: it only gives some other mask. */
		at = (phys >> XSPLIT_DMA_PAGE_SHIFT) - t.base;
		if (at < t.n)
			near = (t.mfn[at] << XSPLIT_DMA_PAGE_SHIFT |
				(phys & XSPLIT_DMA_IN_PAGE)) + size - 1;
		mask = near + (m & 3) - 1;
		break;
	}

	want = ref_judge(phys, size, mask, &t, &rbus, &rpages, &lookups);
	/* The range judged; none when refused for its size. */
	t.lo = 1;
	t.hi = 0;
	if (rpages) {
		t.lo = phys >> XSPLIT_DMA_PAGE_SHIFT;
		t.hi = t.lo + rpages - 1;
	}
	got = xsplit_dma_judge(phys, size, mask, p2m_frame, &t, &bus, &pages);
	if (got != want || pages != rpages || t.stray)
		abort();
	/* Each page at most once, and never more than the reference needed. */
	if (t.calls > lookups)
		abort();
	if (bus != (got == XSPLIT_DMA_DIRECT ? rbus : BUS_UNSET))
		abort();

	/* The trailing ones of the mask, counted another way. */
	bits = ~mask ? (unsigned int)__builtin_ctzll(~mask) : 64;
	if (xsplit_dma_mask_bits(mask) != bits)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct state st = { 0 };
	u8 g = get(&in), op;
	u32 seg = 1 + (g & 7), nslots = seg * (1 + ((g >> 3) & 7));

	st.slot = slots_new(nslots);
	if (xsplit_dma_pool_init(&st.pool, st.slot, nslots, seg))
		abort();
	model_reset(&st.m, nslots, seg);
	check_all(&st);

	while (in.left) {
		op = get(&in);
		switch (op & 7) {
		case 0:
			init_op(&st, get(&in));
			break;
		case 1:
		case 2:
		case 3:
			alloc_op(&st, get(&in));
			break;
		case 4:
		case 5:
			free_op(&st, get(&in));
			break;
		case 6:
			head_op(&st, get(&in));
			break;
		default:
			judge_op(&in);
			break;
		}
		check_all(&st);
	}
	free(st.slot);
	return 0;
}
