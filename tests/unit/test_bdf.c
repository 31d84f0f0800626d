// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/bdf.h>

#include "unit.h"

/* Parse through an exact-size heap copy so ASan catches any over-read. */
static int parse(const char *s, struct xsplit_bdf *bdf)
{
	size_t len;
	char *copy = unit_exact_copy(s, &len);
	int ret;

	ret = xsplit_bdf_parse(copy, len, bdf);
	free(copy);
	return ret;
}

static bool parses_to(const char *s, unsigned int domain, unsigned int bus,
		      unsigned int slot, unsigned int func)
{
	struct xsplit_bdf bdf;

	return parse(s, &bdf) == 0 && bdf.domain == domain &&
	       bdf.bus == bus && xsplit_bdf_slot(&bdf) == slot &&
	       xsplit_bdf_func(&bdf) == func;
}

/* Rejected, and the output left alone. */
static bool rejects(const char *s)
{
	struct xsplit_bdf bdf = { 0x1234, 0x56, 0x78 };

	return parse(s, &bdf) == -EINVAL && bdf.domain == 0x1234 &&
	       bdf.bus == 0x56 && bdf.devfn == 0x78;
}

static int parse_list(const char *s, int (*fn)(const struct xsplit_bdf *,
					       void *), void *arg)
{
	size_t len;
	char *copy = unit_exact_copy(s, &len);
	int ret;

	ret = xsplit_bdf_parse_list(copy, len, fn, arg);
	free(copy);
	return ret;
}

struct collect {
	struct xsplit_bdf seen[XSPLIT_BDF_LIST_MAX + 1];
	int n;
	int fail_at;	/* return -EBUSY on this entry; -1: never */
};

static int collect_cb(const struct xsplit_bdf *bdf, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->fail_at)
		return -EBUSY;
	c->seen[c->n++] = *bdf;
	return 0;
}

static bool same(const struct xsplit_bdf *bdf, unsigned int domain,
		 unsigned int bus, unsigned int slot, unsigned int func)
{
	return bdf->domain == domain && bdf->bus == bus &&
	       bdf->devfn == ((slot << 3) | func);
}

TEST(bdf_valid_long)
{
	CHECK(parses_to("0000:00:00.0", 0, 0, 0, 0));
	CHECK(parses_to("0000:00:05.0", 0, 0, 5, 0));
	CHECK(parses_to("0001:02:1f.7", 1, 2, 0x1f, 7));
	CHECK(parses_to("ffff:ff:1f.7", 0xffff, 0xff, 0x1f, 7));
	CHECK(parses_to("abcd:ef:10.3", 0xabcd, 0xef, 0x10, 3));
}

TEST(bdf_valid_short)
{
	CHECK(parses_to("00:00.0", 0, 0, 0, 0));
	CHECK(parses_to("00:06.0", 0, 0, 6, 0));
	CHECK(parses_to("3a:1f.7", 0, 0x3a, 0x1f, 7));
}

TEST(bdf_upper_case_hex)
{
	CHECK(parses_to("ABCD:EF:1F.7", 0xabcd, 0xef, 0x1f, 7));
	CHECK(parses_to("0A:0B.1", 0, 0x0a, 0x0b, 1));
}

TEST(bdf_bad_length)
{
	CHECK(rejects(""));
	CHECK(rejects("0"));
	CHECK(rejects("0:0.0"));
	CHECK(rejects("00:0.0"));
	CHECK(rejects("000:00:00.0"));
	CHECK(rejects("00:00:00.0"));
	CHECK(rejects("0000:00:00"));
	CHECK(rejects("0000:00:00."));
}

TEST(bdf_overlong_fields)
{
	CHECK(rejects("00000:00:00.0"));
	CHECK(rejects("0000:000:00.0"));
	CHECK(rejects("0000:00:000.0"));
	CHECK(rejects("0000:00:00.00"));
	CHECK(rejects("000:00:00.0"));
	CHECK(rejects("0000:0:000.0"));
	CHECK(rejects("0000:000:0.0"));
}

TEST(bdf_bad_separators)
{
	CHECK(rejects("0000-00:00.0"));
	CHECK(rejects("0000:00-00.0"));
	CHECK(rejects("0000:00:00:0"));
	CHECK(rejects("0000.00:00.0"));
	CHECK(rejects("00.00:0.0"));
	CHECK(rejects("00:00:0"));
	CHECK(rejects("000000:00.0"));
}

TEST(bdf_bad_digits)
{
	CHECK(rejects("000g:00:00.0"));
	CHECK(rejects("0000:0g:00.0"));
	CHECK(rejects("0000:00:0g.0"));
	CHECK(rejects("0000:00:00.g"));
	CHECK(rejects("00:0x.0"));
	CHECK(rejects("0x00:00.0"));
	CHECK(rejects("0x:00.0"));
}

TEST(bdf_signs_and_spaces)
{
	CHECK(rejects("+000:00:00.0"));
	CHECK(rejects("-000:00:00.0"));
	CHECK(rejects("+0:00.0"));
	CHECK(rejects("-1:00.0"));
	CHECK(rejects(" 0:00.0"));
	CHECK(rejects("00: 0.0"));
	CHECK(rejects("0000:00:00. "));
	CHECK(rejects(" 00:00.0"));
	CHECK(rejects("00:00.0 "));
	CHECK(rejects("\t00:00.0"));
}

TEST(bdf_trailing_garbage)
{
	CHECK(rejects("00:00.0\n"));
	CHECK(rejects("00:00.0x"));
	CHECK(rejects("0000:00:00.0\n"));
	CHECK(rejects("0000:00:00.0,"));
	CHECK(rejects("0000:00:00.0 0000:00:01.0"));
}

TEST(bdf_out_of_range)
{
	CHECK(rejects("00:20.0"));
	CHECK(rejects("00:ff.0"));
	CHECK(rejects("0000:00:20.0"));
	CHECK(rejects("00:00.8"));
	CHECK(rejects("00:00.f"));
	CHECK(rejects("0000:00:1f.8"));
}

/* A NUL inside the counted range is garbage, not a terminator. */
TEST(bdf_embedded_nul)
{
	struct xsplit_bdf bdf;

	CHECK(xsplit_bdf_parse("00:00.0", 7, &bdf) == 0);
	CHECK(xsplit_bdf_parse("00:00\0.0", 7, &bdf) == -EINVAL);
	CHECK(xsplit_bdf_parse("00:00.0\0", 8, &bdf) == -EINVAL);
	CHECK(xsplit_bdf_parse("\0\0\0\0\0\0\0", 7, &bdf) == -EINVAL);
}

TEST(bdf_format)
{
	struct xsplit_bdf bdf = { 0xabcd, 0x0e, (0x1f << 3) | 7 };
	char buf[XSPLIT_BDF_STR_SIZE];

	CHECK(xsplit_bdf_format(&bdf, buf, sizeof(buf)) == 12);
	CHECK(strcmp(buf, "abcd:0e:1f.7") == 0);

	bdf = (struct xsplit_bdf){ 0, 0, 0 };
	CHECK(xsplit_bdf_format(&bdf, buf, sizeof(buf)) == 12);
	CHECK(strcmp(buf, "0000:00:00.0") == 0);
}

TEST(bdf_format_short_buffer)
{
	struct xsplit_bdf bdf = { 0, 0, 0 };
	char buf[XSPLIT_BDF_STR_SIZE] = "untouched";

	CHECK(xsplit_bdf_format(&bdf, buf, sizeof(buf) - 1) == -ENOSPC);
	CHECK(xsplit_bdf_format(&bdf, buf, 0) == -ENOSPC);
	CHECK(strcmp(buf, "untouched") == 0);
}

/* Every bus/slot/function, on a spread of domains, both ways round. */
TEST(bdf_round_trip)
{
	static const unsigned int domains[] = { 0, 1, 0x10, 0xabcd, 0xffff };
	char buf[XSPLIT_BDF_STR_SIZE];
	struct xsplit_bdf in, out;
	unsigned int d, bus, devfn;

	for (d = 0; d < ARRAY_SIZE(domains); d++) {
		for (bus = 0; bus < 256; bus++) {
			for (devfn = 0; devfn < 256; devfn++) {
				in.domain = domains[d];
				in.bus = bus;
				in.devfn = devfn;
				CHECK(xsplit_bdf_format(&in, buf,
							sizeof(buf)) == 12);
				CHECK(parse(buf, &out) == 0);
				CHECK(out.domain == in.domain &&
				      out.bus == in.bus &&
				      out.devfn == in.devfn);
			}
		}
	}

	/* Short form parses to domain 0 and formats to the long form. */
	CHECK(parse("3a:1f.7", &out) == 0);
	CHECK(xsplit_bdf_format(&out, buf, sizeof(buf)) == 12);
	CHECK(strcmp(buf, "0000:3a:1f.7") == 0);
}

TEST(bdf_list_empty)
{
	struct collect c = { .fail_at = -1 };

	CHECK(parse_list("", collect_cb, &c) == 0);
	CHECK(c.n == 0);
	CHECK(xsplit_bdf_parse_list(NULL, 0, collect_cb, &c) == 0);
	CHECK(c.n == 0);
}

TEST(bdf_list_valid)
{
	struct collect c = { .fail_at = -1 };

	CHECK(parse_list("(0000:00:05.0)(00:06.0)", collect_cb, &c) == 2);
	CHECK(c.n == 2);
	CHECK(same(&c.seen[0], 0, 0, 5, 0));
	CHECK(same(&c.seen[1], 0, 0, 6, 0));

	c.n = 0;
	CHECK(parse_list("(0001:02:1f.7)", collect_cb, &c) == 1);
	CHECK(c.n == 1);
	CHECK(same(&c.seen[0], 1, 2, 0x1f, 7));

	/* Validation only. */
	CHECK(parse_list("(00:01.0)(00:02.0)(00:03.0)", NULL, NULL) == 3);
}

/* Rejected as a whole: -EINVAL and not a single callback. */
static bool list_rejects(const char *s)
{
	struct collect c = { .fail_at = -1 };

	return parse_list(s, collect_cb, &c) == -EINVAL && c.n == 0;
}

TEST(bdf_list_garbage)
{
	CHECK(list_rejects("()"));
	CHECK(list_rejects("("));
	CHECK(list_rejects(")"));
	CHECK(list_rejects("(00:05.0"));
	CHECK(list_rejects("00:05.0"));
	CHECK(list_rejects("00:05.0)"));
	CHECK(list_rejects("((00:05.0))"));
	CHECK(list_rejects("(00:05.0))"));
	CHECK(list_rejects("(00:05.0)("));
	CHECK(list_rejects("(00:05.0)()"));
	CHECK(list_rejects("(00:05.0),(00:06.0)"));
	CHECK(list_rejects("(00:05.0) (00:06.0)"));
	CHECK(list_rejects(" (00:05.0)"));
	CHECK(list_rejects("(00:05.0) "));
	CHECK(list_rejects("(00:05.0)\n"));
	CHECK(list_rejects("(00:05.0)x"));
	CHECK(list_rejects("( 00:05.0)"));
	CHECK(list_rejects("(00:05.0 )"));
}

/* A bad entry late in the list must not let the earlier ones through. */
TEST(bdf_list_bad_late_entry)
{
	CHECK(list_rejects("(00:05.0)(00:20.0)"));
	CHECK(list_rejects("(00:05.0)(00:06.8)"));
	CHECK(list_rejects("(00:05.0)(0000:00:06.0:0)"));
	CHECK(list_rejects("(00:05.0)(00000000000000000000000000:00:06.0)"));
	CHECK(list_rejects("(00:05.0)(00:06.0"));
	CHECK(list_rejects("(00:05.0)(00:06.0)(zz:07.0)"));
}

static char *repeat_entry(const char *entry, int n)
{
	size_t len = strlen(entry);
	char *s = malloc(len * n + 1);
	int i;

	if (!s)
		abort();
	for (i = 0; i < n; i++)
		memcpy(s + len * i, entry, len);
	s[len * n] = '\0';
	return s;
}

TEST(bdf_list_too_many)
{
	struct collect c = { .fail_at = -1 };
	char *max = repeat_entry("(00:01.0)", XSPLIT_BDF_LIST_MAX);
	char *over = repeat_entry("(00:01.0)", XSPLIT_BDF_LIST_MAX + 1);
	int ret_max = parse_list(max, collect_cb, &c);
	int n_max = c.n;
	int ret_over;

	c.n = 0;
	ret_over = parse_list(over, collect_cb, &c);
	free(max);
	free(over);

	CHECK(ret_max == XSPLIT_BDF_LIST_MAX);
	CHECK(n_max == XSPLIT_BDF_LIST_MAX);
	CHECK(ret_over == -E2BIG);
	CHECK(c.n == 0);
}

TEST(bdf_list_callback_error_stops)
{
	struct collect c = { .fail_at = 1 };

	CHECK(parse_list("(00:01.0)(00:02.0)(00:03.0)", collect_cb, &c) ==
	      -EBUSY);
	CHECK(c.n == 1);
	CHECK(same(&c.seen[0], 0, 0, 1, 0));
}
