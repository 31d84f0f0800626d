// SPDX-License-Identifier: GPL-2.0
/* Runner for the tests registered with TEST(); see unit.h. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static struct unit_test *head;
static struct unit_test **tail = &head;

/* Append, so tests run in file and definition order. */
void unit_register(struct unit_test *test)
{
	test->next = NULL;
	*tail = test;
	tail = &test->next;
}

void unit_fail(struct unit_ctx *ctx, const char *file, int line,
	       const char *expr)
{
	if (ctx->file)
		return;
	ctx->file = file;
	ctx->line = line;
	ctx->expr = expr;
}

char *unit_exact_copy(const char *s, size_t *len)
{
	char *copy;

	*len = strlen(s);
	copy = malloc(*len ? *len : 1);
	if (!copy)
		abort();
	memcpy(copy, s, *len);
	return copy;
}

int main(void)
{
	unsigned int passed = 0, failed = 0;
	struct unit_test *t;

	for (t = head; t; t = t->next) {
		struct unit_ctx ctx = { 0 };

		t->fn(&ctx);
		if (ctx.file) {
			printf("not ok - %s: %s:%d %s\n", t->name, ctx.file,
			       ctx.line, ctx.expr);
			failed++;
		} else {
			printf("ok - %s\n", t->name);
			passed++;
		}
		/* Keep order intact if a later test crashes under a sanitizer. */
		fflush(stdout);
	}

	printf("unit: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
