// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/net_credit.h>

#include "unit.h"

#define U64_MAX_	UINT64_MAX
#define SECOND		1000000u

/* Through an exact-size heap copy so ASan catches any over-read. */
static int parse_n(const char *s, size_t len, u64 *b, u64 *u)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	if (!copy)
		abort();
	memcpy(copy, s, len);
	ret = xsplit_net_rate_parse(copy, len, b, u);
	free(copy);
	return ret;
}

static int parse(const char *s, u64 *b, u64 *u)
{
	return parse_n(s, strlen(s), b, u);
}

/* Refused with @err, outputs untouched. */
static bool refused(const char *s, int err)
{
	u64 b = 0x77, u = 0x88;

	return parse(s, &b, &u) == err && b == 0x77 && u == 0x88;
}

TEST(net_rate_parse_good)
{
	u64 b, u;

	CHECK(parse("10000,20000", &b, &u) == 0);
	CHECK(b == 10000 && u == 20000);
	CHECK(parse("1,1", &b, &u) == 0);
	CHECK(b == 1 && u == 1);
	CHECK(parse("007,0100", &b, &u) == 0);
	CHECK(b == 7 && u == 100);
	CHECK(parse("18446744073709551615,18446744073709551615", &b, &u) == 0);
	CHECK(b == U64_MAX_ && u == U64_MAX_);
	CHECK(parse("125000000,1000000", &b, &u) == 0);
	CHECK(b == 125000000 && u == 1000000);
}

TEST(net_rate_parse_malformed)
{
	static const char *const bad[] = {
		"", ",", "1", "1,", ",1", "10000", "1,2,3", "1,,2", " 1,2",
		"1 ,2", "1, 2", "1,2 ", "1,2\n", "+1,2", "1,+2", "-1,2",
		"1,-2", "0x10,2", "1,0x10", "1.5,2", "1,2.0", "a,1", "1,a",
		"1e3,1", "１,2",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(refused(bad[i], -EINVAL));
}

TEST(net_rate_parse_zero)
{
	CHECK(refused("0,1", -EINVAL));
	CHECK(refused("1,0", -EINVAL));
	CHECK(refused("0,0", -EINVAL));
	CHECK(refused("0000,20000", -EINVAL));
	CHECK(refused("10000,000", -EINVAL));
}

TEST(net_rate_parse_overflow)
{
	CHECK(refused("18446744073709551616,1", -ERANGE));
	CHECK(refused("1,18446744073709551616", -ERANGE));
	CHECK(refused("99999999999999999999,1", -ERANGE));
	CHECK(refused("184467440737095516150,1", -ERANGE));
	CHECK(refused("1,99999999999999999999999999999999999999999", -ERANGE));
	/* Leading zeros do not make a number big. */
	CHECK(!refused("000000000000000000000000000001,1", -ERANGE));
	/* Malformed anywhere wins over too big. */
	CHECK(refused("99999999999999999999x,1", -EINVAL));
	CHECK(refused("99999999999999999999,x", -EINVAL));
	CHECK(refused("x,99999999999999999999", -EINVAL));
	CHECK(refused("99999999999999999999,0", -EINVAL));
}

/* A NUL inside the span is a byte like any other: malformed. */
TEST(net_rate_parse_exact_length)
{
	u64 b = 0x77, u = 0x88;

	CHECK(parse_n("1\0,2", 4, &b, &u) == -EINVAL);
	CHECK(parse_n("1,2\0", 4, &b, &u) == -EINVAL);
	CHECK(b == 0x77 && u == 0x88);
	/* Only the first @len bytes count. */
	CHECK(parse_n("12,345", 5, &b, &u) == 0);
	CHECK(b == 12 && u == 34);
}

/* -- credit -------------------------------------------------------------- */

/* Passes that came with a wait and refusals without one, checked last. */
static unsigned int wait_mismatches;

static bool take(struct xsplit_net_credit *c, u32 size, u64 now, u64 *wait)
{
	u64 w = 0xdead;
	bool ok = xsplit_net_credit_take(c, size, now, &w);

	if (wait)
		*wait = w;
	if (ok != (w == 0))
		wait_mismatches++;
	return ok;
}

TEST(net_credit_within_period)
{
	struct xsplit_net_credit c;
	u64 w;

	xsplit_net_credit_init(&c, 10000, 20000, 1000);
	CHECK(c.remaining == 10000 && c.debt == 0 && c.last_refill == 1000);
	CHECK(take(&c, 6000, 1000, NULL));
	CHECK(take(&c, 4000, 1500, NULL));
	CHECK(c.remaining == 0);
	CHECK(!take(&c, 1, 1500, &w));
	CHECK(w == 19500);
	CHECK(take(&c, 0, 1500, NULL));
	/* A microsecond early is still early, then the period turns. */
	CHECK(!take(&c, 1, 20999, &w) && w == 1);
	CHECK(take(&c, 10000, 21000, NULL));
	CHECK(c.remaining == 0 && c.last_refill == 21000);
}

/* Idle time does not pile up credit beyond one period's worth. */
TEST(net_credit_no_burst_after_idle)
{
	struct xsplit_net_credit c;
	u64 w;

	xsplit_net_credit_init(&c, 1000, 100, 0);
	CHECK(take(&c, 1000, 0, NULL));
	CHECK(take(&c, 1000, 1000050, NULL));
	CHECK(!take(&c, 1, 1000050, &w));
	/* The period grid stayed where it was: 1000000 + 100. */
	CHECK(c.last_refill == 1000000);
	CHECK(w == 50);
}

/* A packet bigger than a period's credit: never starved, paid later. */
TEST(net_credit_big_packet)
{
	struct xsplit_net_credit c;
	u64 w;

	xsplit_net_credit_init(&c, 1000, 100, 0);
	CHECK(take(&c, 3000, 0, NULL));
	CHECK(c.debt == 2000 && c.remaining == 0);
	/* The next two periods pay the debt; the third is free again. */
	CHECK(!take(&c, 1, 10, &w));
	CHECK(w == 290);
	CHECK(!take(&c, 1, 299, &w) && w == 1);
	CHECK(take(&c, 1, 300, NULL));
	CHECK(c.debt == 0 && c.remaining == 999);

	/* Once credit is spent, a big packet waits for a fresh period. */
	CHECK(!take(&c, 1500, 300, &w));
	CHECK(w == 100);
	CHECK(!take(&c, 1500, 399, &w) && w == 1);
	CHECK(take(&c, 1500, 400, NULL));
	CHECK(c.debt == 500);
	/* Half a period's debt: the big one after it needs two periods. */
	CHECK(!take(&c, 1500, 400, &w));
	CHECK(w == 200);
	CHECK(!take(&c, 1500, 500, &w) && w == 100);
	CHECK(c.remaining == 500);
	CHECK(take(&c, 1500, 600, NULL));
}

/* A small packet behind a debt waits only as long as it must. */
TEST(net_credit_small_after_debt)
{
	struct xsplit_net_credit c;
	u64 w;

	xsplit_net_credit_init(&c, 1000, 100, 0);
	CHECK(take(&c, 1500, 0, NULL));
	CHECK(!take(&c, 500, 0, &w) && w == 100);
	CHECK(!take(&c, 501, 0, &w) && w == 200);
	CHECK(take(&c, 500, 100, NULL));
	CHECK(c.remaining == 0 && c.debt == 0);
}

TEST(net_credit_unlimited)
{
	struct xsplit_net_credit c;
	unsigned int i;

	xsplit_net_credit_init(&c, 0, 100, 5);
	for (i = 0; i < 10; i++)
		CHECK(take(&c, 0xffffffffu, 5, NULL));
	xsplit_net_credit_init(&c, 100, 0, 5);
	for (i = 0; i < 10; i++)
		CHECK(take(&c, 0xffffffffu, 5, NULL));
}

/* The clock going back restarts the period there, with no new credit. */
TEST(net_credit_clock_backwards)
{
	struct xsplit_net_credit c;
	u64 w;

	xsplit_net_credit_init(&c, 1000, 100, 50000);
	CHECK(take(&c, 1000, 50000, NULL));
	CHECK(!take(&c, 1, 40000, &w));
	CHECK(c.last_refill == 40000 && c.remaining == 0);
	CHECK(w == 100);
	CHECK(!take(&c, 1, 0, &w) && w == 100);
	CHECK(take(&c, 1, 100, NULL));
	/* Back by almost the whole clock is back, not 2^64 - 1 forward. */
	xsplit_net_credit_init(&c, 1000, 100, 1000);
	CHECK(take(&c, 1000, 1000, NULL));
	CHECK(!take(&c, 1, 999, &w) && w == 100);
	CHECK(!take(&c, 1, 999 + ((u64)1 << 63), &w));
	CHECK(w <= 100);
}

/* The clock wrapping through 2^64 is time going forward. */
TEST(net_credit_clock_wraps)
{
	struct xsplit_net_credit c;
	u64 w;

	xsplit_net_credit_init(&c, 1000, 100, U64_MAX_ - 49);
	CHECK(take(&c, 1000, U64_MAX_ - 49, NULL));
	CHECK(!take(&c, 1, U64_MAX_, &w) && w == 51);
	CHECK(take(&c, 1000, 50, NULL));
	CHECK(c.last_refill == 50);
	CHECK(!take(&c, 1, 149, &w) && w == 1);
}

/* Numbers at their limits: no wrap in any product or sum. */
TEST(net_credit_extremes)
{
	struct xsplit_net_credit c;
	u64 w;

	xsplit_net_credit_init(&c, U64_MAX_, U64_MAX_, 0);
	CHECK(take(&c, 0xffffffffu, 0, NULL));
	CHECK(take(&c, 0xffffffffu, U64_MAX_ >> 1, NULL));
	CHECK(c.remaining == U64_MAX_ - 2 * (u64)0xffffffffu);

	/* One byte per age: the debt of a big packet takes forever. */
	xsplit_net_credit_init(&c, 1, U64_MAX_, 7);
	CHECK(take(&c, 0xffffffffu, 7, NULL));
	CHECK(c.debt == 0xfffffffeu);
	CHECK(!take(&c, 1, 7, &w));
	CHECK(w == U64_MAX_);

	/* One byte per microsecond, a huge jump: credit caps at one. */
	xsplit_net_credit_init(&c, 1, 1, 0);
	CHECK(take(&c, 0xffffffffu, 0, NULL));
	CHECK(!take(&c, 1, 1, &w));
	CHECK(w == 0xfffffffeu);
	CHECK(take(&c, 1, ((u64)1 << 63) - 1, NULL));
	CHECK(c.debt == 0 && c.remaining == 0);
	CHECK(!take(&c, 2, ((u64)1 << 63) - 1, &w) && w == 1);

	xsplit_net_credit_init(&c, U64_MAX_ - 1, 1, 0);
	CHECK(take(&c, 0xffffffffu, 0, NULL));
	CHECK(take(&c, 0xffffffffu, 1000000, NULL));
	CHECK(c.remaining == U64_MAX_ - 1 - 0xffffffffu);
}

/*
 * A sender with a packet always ready, retrying when told to, over one
 * simulated second: never more than the rate plus one packet, and close
 * to the rate (little is left unused at the end of each period).
 */
static u64 lcg(u64 *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static bool second_ok(u64 bytes, u64 usec, u32 max_pkt, u64 seed,
		      u64 *passed_out)
{
	struct xsplit_net_credit c;
	u64 now = 0, passed = 0, rate, w;
	u32 size = 1 + lcg(&seed) % max_pkt;

	rate = bytes * (SECOND / usec);
	xsplit_net_credit_init(&c, bytes, usec, 0);
	while (now < SECOND) {
		if (take(&c, size, now, &w)) {
			passed += size;
			size = 1 + lcg(&seed) % max_pkt;
			/* Sometimes the next packet comes a little later. */
			now += lcg(&seed) % 4 ? 0 : lcg(&seed) % 50;
		} else {
			if (w == 0 || w > 100 * (u64)SECOND)
				return false;
			/* Sometimes an early, pointless retry. */
			now += lcg(&seed) % 3 ? w : 1 + lcg(&seed) % w;
		}
	}
	*passed_out = passed;
	return passed <= rate + max_pkt;
}

TEST(net_credit_one_second)
{
	static const struct {
		u64 bytes, usec;
		u32 max_pkt;
	} cases[] = {
		{ 10000, 20000, 1514 },		/* 10000 bytes per 20 ms */
		{ 10000, 20000, 65535 },	/* GSO, above the credit */
		{ 125000, 1000, 1514 },		/* 1 Gbit/s in 1 ms periods */
		{ 1000, 100, 9000 },		/* jumbo frames, tiny credit */
		{ 1, 1, 1514 },			/* a byte per microsecond */
		{ 12500000, 1000000, 65535 },	/* one period: all at once */
		{ 100000, 250000, 200000 },
	};
	unsigned int i, seed;
	u64 passed;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		for (seed = 1; seed <= 5; seed++) {
			u64 rate = cases[i].bytes *
				   (SECOND / cases[i].usec);

			CHECK(second_ok(cases[i].bytes, cases[i].usec,
					cases[i].max_pkt, seed, &passed));
			/*
			 * Not starved either: at worst a period loses what
			 * one packet less a byte leaves, and one packet's
			 * debt may be owed at the end.
			 */
			if (cases[i].max_pkt <= cases[i].bytes / 4)
				CHECK(passed >= rate - rate / 4);
			else
				CHECK(passed >= rate / 4);
		}
}

/*
 * Any window of a second, not just the first: a period's credit from
 * before the window can be spent inside it, so one more period's worth.
 */
TEST(net_credit_sliding_second)
{
	struct xsplit_net_credit c;
	const u64 bytes = 5000, usec = 10000, horizon = 5 * SECOND;
	const u32 max_pkt = 9000;
	static u64 at[200000];
	static u32 sz[200000];
	u64 now = 0, seed = 42, w, sum = 0;
	unsigned int n = 0, lo = 0, hi;

	xsplit_net_credit_init(&c, bytes, usec, 0);
	while (now < horizon && n < ARRAY_SIZE(at)) {
		u32 size = 1 + lcg(&seed) % max_pkt;

		/* Idle now and then, so windows start at all phases. */
		if (lcg(&seed) % 20 == 0)
			now += lcg(&seed) % 70000;
		while (!take(&c, size, now, &w))
			now += w;
		at[n] = now;
		sz[n++] = size;
	}
	CHECK(n > 100);
	for (hi = 0; hi < n; hi++) {
		sum += sz[hi];
		while (at[hi] - at[lo] >= SECOND)
			sum -= sz[lo++];
		CHECK(sum <= bytes * (SECOND / usec) + bytes + max_pkt);
	}
}

/* Last in the file: every take() above, a pass without a wait or not. */
TEST(net_credit_wait_iff_refused)
{
	CHECK(wait_mismatches == 0);
}
