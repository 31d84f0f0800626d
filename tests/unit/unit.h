/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A deliberately tiny test harness: TEST() registers a function at load
 * time, CHECK() ends the test at the first false condition. Output is one
 * TAP-like line per test plus a summary, which is all tests/run needs.
 *
 *	TEST(ring_full)
 *	{
 *		CHECK(xsplit_ring_pending(...) == 0);
 *	}
 */
#ifndef XSPLIT_UNIT_H
#define XSPLIT_UNIT_H

#include <stddef.h>

struct unit_ctx {
	const char *file;	/* set on the first failed CHECK */
	int line;
	const char *expr;
};

struct unit_test {
	const char *name;
	void (*fn)(struct unit_ctx *ctx);
	struct unit_test *next;
};

void unit_register(struct unit_test *test);
void unit_fail(struct unit_ctx *ctx, const char *file, int line,
	       const char *expr);

/*
 * A heap copy of @s without its NUL, exactly *@len bytes long, so that
 * ASan catches a parser that reads one byte too far. free() it.
 */
char *unit_exact_copy(const char *s, size_t *len);

/*
 * Registration runs from an ELF constructor so that adding a test never
 * means editing a central table that can fall out of sync.
 */
#define TEST(name)							\
	static void name(struct unit_ctx *ctx);				\
	static struct unit_test unit_test_##name = { #name, name, 0 };	\
	__attribute__((constructor)) static void unit_reg_##name(void)	\
	{								\
		unit_register(&unit_test_##name);			\
	}								\
	static void name(struct unit_ctx *ctx)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Returns from the test: later checks often depend on earlier ones. */
#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			unit_fail(ctx, __FILE__, __LINE__, #cond);	\
			return;						\
		}							\
	} while (0)

#endif /* XSPLIT_UNIT_H */
