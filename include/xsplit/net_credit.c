// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h and net_credit.h.
 *
 * The rate comes from the toolstack and the clock from the caller, and
 * either can be anything: every product below is checked before it is
 * formed and saturates instead of wrapping.
 */

#include <xsplit/net_credit.h>

#define U64_ALL		(~(u64)0)
/* Clock differences from here up are taken for a clock gone backwards. */
#define BACKWARDS	((u64)1 << 63)

/*
 * Exactly @len decimal digits, at least one, as a u64. Every byte is
 * looked at even once the number is too big, so that malformed input is
 * -EINVAL however many digits come before the bad byte.
 */
static int parse_num(const char *s, size_t len, u64 *out)
{
	bool big = false;
	u64 v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = s[i] - '0';
		if (v > (U64_ALL - d) / 10)
			big = true;
		else
			v = v * 10 + d;
	}
	if (big)
		return -ERANGE;
	if (!v)
		return -EINVAL;
	*out = v;
	return 0;
}

int xsplit_net_rate_parse(const char *s, size_t len, u64 *bytes, u64 *usec)
{
	u64 b, u;
	size_t comma;
	int rb, ru;

	for (comma = 0; comma < len && s[comma] != ','; comma++)
		;
	if (comma == len)
		return -EINVAL;
	rb = parse_num(s, comma, &b);
	ru = parse_num(s + comma + 1, len - comma - 1, &u);
	/* Malformed anywhere beats too big: it is the worse mistake. */
	if (rb == -EINVAL || ru == -EINVAL)
		return -EINVAL;
	if (rb || ru)
		return -ERANGE;
	*bytes = b;
	*usec = u;
	return 0;
}

void xsplit_net_credit_init(struct xsplit_net_credit *c, u64 credit_bytes,
			    u64 credit_usec, u64 now)
{
	c->credit_bytes = credit_bytes;
	c->credit_usec = credit_usec;
	c->remaining = credit_bytes;
	c->debt = 0;
	c->last_refill = now;
}

static u64 mul_sat(u64 a, u64 b)
{
	if (a && b > U64_ALL / a)
		return U64_ALL;
	return a * b;
}

static u64 add_sat(u64 a, u64 b)
{
	return b > U64_ALL - a ? U64_ALL : a + b;
}

/*
 * Bring the state to @now: credit for every whole period since the last
 * refill, debt first. Afterwards now - last_refill < credit_usec.
 */
static void refill(struct xsplit_net_credit *c, u64 now)
{
	u64 elapsed = now - c->last_refill;
	u64 periods, gain;

	if (elapsed >= BACKWARDS) {
		c->last_refill = now;
		return;
	}
	if (elapsed < c->credit_usec)
		return;
	periods = elapsed / c->credit_usec;
	/*
	 * Whole periods only: the part of one that has gone by still
	 * counts towards the next, so the grid does not drift.
	 */
	c->last_refill += periods * c->credit_usec;
	gain = mul_sat(periods, c->credit_bytes);
	if (gain <= c->debt) {
		c->debt -= gain;
		c->remaining = 0;
		return;
	}
	gain -= c->debt;
	c->debt = 0;
	c->remaining = gain < c->credit_bytes ? gain : c->credit_bytes;
}

/*
 * Periods from the next refill on (counting it) until @need bytes are
 * there: k * credit_bytes must cover the debt and @need, with @need at
 * most credit_bytes. Written so that nothing can overflow.
 */
static u64 periods_needed(const struct xsplit_net_credit *c, u64 need)
{
	u64 whole = c->debt / c->credit_bytes;
	u64 rest = c->debt % c->credit_bytes;

	return whole + (rest <= c->credit_bytes - need ? 1 : 2);
}

bool xsplit_net_credit_take(struct xsplit_net_credit *c, u32 size, u64 now,
			    u64 *wait_usec)
{
	u64 need, k, to_next;

	*wait_usec = 0;
	if (!c->credit_bytes || !c->credit_usec)
		return true;

	refill(c, now);
	if (size <= c->remaining) {
		c->remaining -= size;
		return true;
	}
	/*
	 * A full period's credit untouched (and so no debt): a packet
	 * bigger than any period goes now rather than never.
	 */
	if (size > c->credit_bytes && c->remaining == c->credit_bytes) {
		c->debt = size - c->credit_bytes;
		c->remaining = 0;
		return true;
	}

	/*
	 * A big packet waits for a period whose credit is all there, any
	 * other for as much credit as it is long.
	 */
	need = size < c->credit_bytes ? size : c->credit_bytes;
	k = periods_needed(c, need);
	/* refill() left now within the current period. */
	to_next = c->credit_usec - (now - c->last_refill);
	*wait_usec = add_sat(to_next, mul_sat(k - 1, c->credit_usec));
	return false;
}
