// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry for the vif rate limit, built by `make fuzz`. The whole
 * input, as an exact-size heap copy, goes to the "rate" parser, whose
 * answer is checked against a parser written here with 128-bit sums.
 * Then the input, zero-padded to its header's length when short, drives
 * a credit state:
 *
 *   1 byte      bit 0: tame rate (each number modulo 100000, plus 1);
 *               bit 1: packets of at most 3 periods' credit
 *   8 bytes     credit_bytes, native order
 *   8 bytes     credit_usec
 *   8 bytes     the clock at the start
 *   then up to 256 steps of 7 bytes, for as many as the input holds:
 *     4 bytes   packet size
 *     2 bytes   dt, microseconds the clock moves before the try
 *     1 byte    bit 0: dt is in milliseconds; 1: the clock goes back by
 *               dt instead; 2: and forward by dt << 48 on top; 3: move to
 *               when the last refusal said to retry instead of by dt
 *
 * Besides ASan and UBSan, this aborts if:
 * - the parser accepts what the model refuses or the other way round,
 *   its error differs, or it writes its outputs on failure;
 * - a pass comes with a wait, a refusal without one (or with credit
 *   taken), remaining exceeds credit_bytes, or there is debt while
 *   credit remains;
 * - a refused packet, retried on a copy of the state exactly when it
 *   was told to, is refused again, or retried a microsecond earlier,
 *   passes (checked where the wait is below 2^62);
 * - the state moves its period start other than by whole periods, or
 *   past now, or leaves now outside the current period, or (the clock
 *   gone back) anywhere but to now;
 * - since the start or the clock's last step back, more bytes passed
 *   than one period's credit, plus one for every period the state has
 *   moved on by, plus the biggest packet tried;
 * - an unlimited state (a zero number) ever refuses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/net_credit.h>

#define HDR_BYTES	25u
#define STEP_BYTES	7u
#define MAX_STEPS	256u
#define BIG_WAIT	((u64)1 << 62)
#define BACKWARDS	((u64)1 << 63)

#define M_TAME_RATE	0x01
#define M_TAME_SIZE	0x02

#define S_MSEC		0x01
#define S_BACK		0x02
#define S_HUGE		0x04
#define S_RETRY		0x08

typedef unsigned __int128 u128;

static int model_num(const char *s, size_t len, u64 *out)
{
	u128 v = 0;
	bool big = false;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
		if (v > UINT64_MAX) {
			big = true;
			v = UINT64_MAX;	/* keep v small; big is what counts */
		}
	}
	if (big)
		return -ERANGE;
	if (!v)
		return -EINVAL;
	*out = (u64)v;
	return 0;
}

static void check_parse(const u8 *data, size_t size)
{
	char *s = malloc(size);
	u64 b = 0x1111, u = 0x2222, mb = 0, mu = 0;
	const char *comma;
	int ret, want, rb, ru;

	if (!s)
		abort();
	memcpy(s, data, size);
	ret = xsplit_net_rate_parse(s, size, &b, &u);

	comma = memchr(data, ',', size);
	if (!comma) {
		want = -EINVAL;
	} else {
		size_t at = comma - (const char *)data;

		rb = model_num((const char *)data, at, &mb);
		ru = model_num(comma + 1, size - at - 1, &mu);
		if (rb == -EINVAL || ru == -EINVAL)
			want = -EINVAL;
		else if (rb || ru)
			want = -ERANGE;
		else
			want = 0;
	}
	if (ret != want)
		abort();
	if (ret && (b != 0x1111 || u != 0x2222))
		abort();
	if (!ret && (b != mb || u != mu || !b || !u))
		abort();
	free(s);
}

static void check_invariants(const struct xsplit_net_credit *c)
{
	if (c->remaining > c->credit_bytes)
		abort();
	if (c->debt && c->remaining)
		abort();
	if (c->debt > UINT32_MAX)
		abort();
}

/* A refused packet goes exactly when it was told to, and not before. */
static void check_retry(const struct xsplit_net_credit *c, u32 size, u64 now,
			u64 wait)
{
	struct xsplit_net_credit copy;
	u64 w;

	if (wait >= BIG_WAIT || now - c->last_refill >= BIG_WAIT)
		return;
	copy = *c;
	if (!xsplit_net_credit_take(&copy, size, now + wait, &w) || w)
		abort();
	copy = *c;
	if (xsplit_net_credit_take(&copy, size, now + wait - 1, &w) || !w)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 hdr[HDR_BYTES];
	struct xsplit_net_credit c;
	u64 cb, usec, now, wait = 0, biggest = 0;
	u128 passed = 0, periods = 0;
	size_t nsteps, i;
	bool unlimited;
	u8 mode;

	check_parse(data, size);

	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, data, size < sizeof(hdr) ? size : sizeof(hdr));
	mode = hdr[0];
	memcpy(&cb, hdr + 1, 8);
	memcpy(&usec, hdr + 9, 8);
	memcpy(&now, hdr + 17, 8);
	if (mode & M_TAME_RATE) {
		cb = cb % 100000 + 1;
		usec = usec % 100000 + 1;
	}
	unlimited = !cb || !usec;

	xsplit_net_credit_init(&c, cb, usec, now);
	check_invariants(&c);

	nsteps = size > HDR_BYTES ? (size - HDR_BYTES) / STEP_BYTES : 0;
	if (nsteps > MAX_STEPS)
		nsteps = MAX_STEPS;
	for (i = 0; i < nsteps; i++) {
		const u8 *st = data + HDR_BYTES + i * STEP_BYTES;
		u64 step, elapsed, last, rem;
		u32 sz;
		u16 dt;
		u8 fl = st[6];
		bool ok;

		memcpy(&sz, st, 4);
		memcpy(&dt, st + 4, 2);
		if ((mode & M_TAME_SIZE) && cb && cb < UINT32_MAX / 3)
			sz %= 3 * (u32)cb + 1;
		if (sz > biggest)
			biggest = sz;

		if ((fl & S_RETRY) && wait && wait < BIG_WAIT) {
			step = wait;
		} else {
			step = fl & S_MSEC ? (u64)dt * 1000 : dt;
			if (fl & S_BACK)
				step = -step;
			if (fl & S_HUGE)
				step += (u64)dt << 48;
		}
		now += step;

		last = c.last_refill;
		rem = c.remaining;
		elapsed = now - last;
		ok = xsplit_net_credit_take(&c, sz, now, &wait);
		check_invariants(&c);
		if (unlimited) {
			if (!ok || wait)
				abort();
			continue;
		}
		if (ok == !!wait)
			abort();
		/* Refills never lower what remains; a refusal takes none. */
		if (!ok && c.remaining < rem && elapsed < BACKWARDS)
			abort();

		/*
		 * Periods the state has counted since the count began: it
		 * may only move its period start on by whole periods, never
		 * past now, and must leave now inside the current period.
		 * A clock gone back restarts the count there, with at most
		 * a full period's credit at hand.
		 */
		if (elapsed >= BACKWARDS) {
			if (c.last_refill != now || c.remaining > rem)
				abort();
			periods = 0;
			passed = 0;
		} else {
			u64 adv = c.last_refill - last;

			if (adv > elapsed || adv % usec)
				abort();
			periods += adv / usec;
		}
		if (now - c.last_refill >= usec)
			abort();

		if (ok)
			passed += sz;
		else
			check_retry(&c, sz, now, wait);
		if (passed > (u128)cb + (u128)cb * periods + biggest)
			abort();
	}
	return 0;
}
