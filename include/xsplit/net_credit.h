/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transmit rate limit a toolstack may set on a vif, in plain C so
 * that the unit tests and a fuzzer run the very code the backend runs.
 *
 * The backend's xenstore key "rate" holds "<bytes>,<usec>": at most that
 * many bytes from the guest per that many microseconds. Without the key
 * the vif is not limited at all, and nothing here is used.
 */
#ifndef XSPLIT_NET_CREDIT_H
#define XSPLIT_NET_CREDIT_H

#include <xsplit/plain.h>

/*
 * Parse exactly @len bytes of @s as "<bytes>,<usec>": two decimal numbers,
 * digits only (no sign, no space), each from 1 to U64_MAX. Returns 0, or
 * -EINVAL if malformed or a number is 0, or -ERANGE if a number does not
 * fit in 64 bits; *@bytes and *@usec are written only on success.
 */
int xsplit_net_rate_parse(const char *s, size_t len, u64 *bytes, u64 *usec);

/*
 * One vif's credit. Time is the caller's monotonic clock in microseconds.
 * Credit comes back in whole periods of credit_usec, counted from the last
 * refill, and never piles up beyond credit_bytes however long the vif was
 * idle. A packet longer than credit_bytes goes at the start of a fresh
 * period (none of its credit spent) and the bytes it took beyond that
 * period's credit are a debt the following periods pay first: big packets
 * are never starved, and never make the vif faster than its rate.
 */
struct xsplit_net_credit {
	u64 credit_bytes;	/* per period; 0 means unlimited */
	u64 credit_usec;	/* the period; 0 means unlimited */
	u64 remaining;		/* of this period's credit */
	u64 debt;		/* owed by big packets; none remaining then */
	u64 last_refill;	/* start of the current period */
};

/* A fresh state: a full period's credit, starting @now. */
void xsplit_net_credit_init(struct xsplit_net_credit *c, u64 credit_bytes,
			    u64 credit_usec, u64 now);

/*
 * May a packet of @size bytes go @now? If so, its bytes are taken and
 * *@wait_usec is 0. If not, nothing is taken and *@wait_usec is how long
 * from @now until it may (at least 1, and U64_MAX where the true figure
 * does not fit: the caller clamps it to what its timers take). Retrying
 * the same packet after that long succeeds if nothing else went first
 * (for any wait below 2^62 microseconds, which is every realistic one).
 *
 * A clock that goes backwards restarts the current period at @now,
 * without giving new credit; a difference of 2^63 microseconds or more
 * counts as backwards, anything less as forwards, across a wrap included.
 */
bool xsplit_net_credit_take(struct xsplit_net_credit *c, u32 size, u64 now,
			    u64 *wait_usec);

#endif /* XSPLIT_NET_CREDIT_H */
