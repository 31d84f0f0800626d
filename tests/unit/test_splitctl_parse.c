// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "unit.h"

/* Through exact-size heap copies so ASan catches any over-read. */
static int resources(const char *s, struct splitctl_res *res, unsigned int max)
{
	size_t len;
	char *copy = unit_exact_copy(s, &len);
	int ret = splitctl_parse_resources(copy, len, res, max);

	free(copy);
	return ret;
}

static int basename_of(const char *s, char *name, size_t size)
{
	size_t len;
	char *copy = unit_exact_copy(s, &len);
	int ret = splitctl_link_basename(copy, len, name, size);

	free(copy);
	return ret;
}

static int guest(const char *s, unsigned long *domid, struct xsplit_bdf *va)
{
	size_t len;
	char *copy = unit_exact_copy(s, &len);
	int ret = splitctl_parse_xsplit_guest(copy, len, domid, va);

	free(copy);
	return ret;
}

static int counter(const char *s, u64 *v)
{
	size_t len;
	char *copy = unit_exact_copy(s, &len);
	int ret = splitctl_parse_counter(copy, len, v);

	free(copy);
	return ret;
}

struct seen_stats {
	char names[8][SPLITCTL_NAME_SIZE];
	u64 values[8];
	int n;
};

static int seen_cb(const char *name, u64 v, void *arg)
{
	struct seen_stats *s = arg;

	if (s->n == 8)
		return -ENOSPC;
	strcpy(s->names[s->n], name);
	s->values[s->n++] = v;
	return 0;
}

static int stat_lines(const char *s, struct seen_stats *seen)
{
	size_t len;
	char *copy = unit_exact_copy(s, &len);
	int ret = splitctl_parse_stat_lines(copy, len, seen ? seen_cb : NULL,
					    seen);

	free(copy);
	return ret;
}

TEST(splitctl_uint)
{
	unsigned long v = 77;

	CHECK(splitctl_parse_uint("0", 10, &v) == 0 && v == 0);
	CHECK(splitctl_parse_uint("32752", 0x7fef, &v) == -EINVAL);
	CHECK(splitctl_parse_uint("32751", 0x7fef, &v) == 0 && v == 0x7fef);
	/* What strtoul would let through. */
	CHECK(splitctl_parse_uint("", 10, &v) == -EINVAL);
	CHECK(splitctl_parse_uint(" 1", 10, &v) == -EINVAL);
	CHECK(splitctl_parse_uint("+1", 10, &v) == -EINVAL);
	CHECK(splitctl_parse_uint("-1", ~0ul, &v) == -EINVAL);
	CHECK(splitctl_parse_uint("1 ", 10, &v) == -EINVAL);
	CHECK(splitctl_parse_uint("0x1", 10, &v) == -EINVAL);
	CHECK(splitctl_parse_uint("99999999999999999999999", ~0ul, &v) == -EINVAL);
	CHECK(v == 0x7fef);
}

TEST(splitctl_state_names)
{
	CHECK(!strcmp(splitctl_state_name(0), "Unknown"));
	CHECK(!strcmp(splitctl_state_name(4), "Connected"));
	CHECK(!strcmp(splitctl_state_name(8), "Reconfigured"));
	CHECK(!strcmp(splitctl_state_name(9), "Unknown"));
	CHECK(!strcmp(splitctl_state_name(~0ul), "Unknown"));
}

/* What the kernel prints for QEMU's edu device: one BAR, then zeroes. */
TEST(splitctl_resources_as_sysfs_prints_them)
{
	static const char text[] =
		"0x00000000fea00000 0x00000000feafffff 0x0000000000040200\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x000000000000c000 0x000000000000c03f 0x0000000000040101\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x0000000800000000 0x0000000800003fff 0x000000000014220c\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x00000000feb00000 0x00000000feb3ffff 0x0000000000046200\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n";
	struct splitctl_res r[SPLITCTL_NR_RES];

	CHECK(resources(text, r, SPLITCTL_NR_RES) == SPLITCTL_NR_RES);
	CHECK(r[0].start == 0xfea00000 && r[0].end == 0xfeafffff);
	CHECK(splitctl_res_present(&r[0]));
	CHECK(splitctl_res_size(&r[0]) == 0x100000);
	CHECK(!(r[0].flags & SPLITCTL_RES_MEM_64));
	CHECK(!splitctl_res_present(&r[1]));
	CHECK(splitctl_res_present(&r[2]) && (r[2].flags & SPLITCTL_RES_IO));
	CHECK(splitctl_res_size(&r[2]) == 0x40);
	CHECK(r[4].start == 0x800000000ull);
	CHECK(splitctl_res_size(&r[4]) == 0x4000);
	CHECK((r[4].flags & SPLITCTL_RES_MEM_64) &&
	      (r[4].flags & SPLITCTL_RES_PREFETCH));
	CHECK(splitctl_res_present(&r[SPLITCTL_ROM]));
}

TEST(splitctl_resources_short_files_and_other_widths)
{
	struct splitctl_res r[SPLITCTL_NR_RES];

	CHECK(resources("", r, SPLITCTL_NR_RES) == 0);
	/* A last line without its newline still counts. */
	CHECK(resources("0x1000 0x1fff 0x200\n0x0 0x0 0x0", r, 7) == 2);
	CHECK(r[0].start == 0x1000 && r[0].end == 0x1fff && r[1].flags == 0);
	CHECK(resources("0xffffffffffffffff 0xFFFFFFFFFFFFFFFF 0x0\n", r, 7) == 1);
	CHECK(r[0].start == ~0ull && r[0].end == ~0ull);
}

TEST(splitctl_resources_stop_after_max)
{
	struct splitctl_res r[2];

	/* The third line is garbage, but nobody asked for it. */
	CHECK(resources("0x0 0x0 0x0\n0x0 0x0 0x0\nbridge window\n", r, 2) == 2);
	CHECK(resources("0x0 0x0 0x0\n", r, 0) == 0);
}

TEST(splitctl_resources_malformed)
{
	static const char *const bad[] = {
		"\n",
		"0x1000 0x1fff\n",
		"0x1000 0x1fff 0x200 0x0\n",
		"0x1000  0x1fff 0x200\n",
		"0x1000\t0x1fff 0x200\n",
		"1000 0x1fff 0x200\n",
		"0X1000 0x1fff 0x200\n",
		"0x 0x1fff 0x200\n",
		"0x1000 0x1fff 0x200\n\n",
		"0x1000 0x1fff 0x200\r\n",
		"0x10000000000000000 0x0 0x0\n",	/* 17 digits */
		"0x00000000000000001 0x0 0x0\n",	/* 17, even if small */
		"-0x1000 0x1fff 0x200\n",
		"0x1000 0x1fff 0x200 \n",
		"0x1000 0x1fff 0x2g0\n",
		"0x1000 0x1fff 0x200\n0x",
	};
	struct splitctl_res r[SPLITCTL_NR_RES];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(resources(bad[i], r, SPLITCTL_NR_RES) == -EINVAL);
}

TEST(splitctl_res_present_rules)
{
	struct splitctl_res r = { 0xfe000000, 0xfe000fff, SPLITCTL_RES_MEM };

	CHECK(splitctl_res_present(&r));
	r.flags = SPLITCTL_RES_MEM | SPLITCTL_RES_UNSET;
	CHECK(!splitctl_res_present(&r));
	r.flags = SPLITCTL_RES_MEM | SPLITCTL_RES_DISABLED;
	CHECK(!splitctl_res_present(&r));
	r.flags = SPLITCTL_RES_PREFETCH;	/* neither mem nor io */
	CHECK(!splitctl_res_present(&r));
	r.flags = SPLITCTL_RES_MEM;
	r.end = r.start - 1;
	CHECK(!splitctl_res_present(&r));
	r.start = 0;
	r.end = ~0ull;
	CHECK(!splitctl_res_present(&r));
	r.end = 0;
	CHECK(!splitctl_res_present(&r));
	/* A one-byte range at the very top is a range, size 1. */
	r.start = ~0ull;
	r.end = ~0ull;
	CHECK(splitctl_res_present(&r) && splitctl_res_size(&r) == 1);
}

TEST(splitctl_driver_link)
{
	char name[SPLITCTL_NAME_SIZE] = "untouched";
	char small[8];

	CHECK(basename_of("../../../bus/pci/drivers/pciback", name,
			  sizeof(name)) == 0);
	CHECK(!strcmp(name, "pciback") && splitctl_driver_is_pciback(name));
	CHECK(basename_of("../../../bus/pci/drivers/e1000", name,
			  sizeof(name)) == 0);
	CHECK(!strcmp(name, "e1000") && !splitctl_driver_is_pciback(name));
	CHECK(basename_of("xen-pciback", name, sizeof(name)) == 0);
	CHECK(!splitctl_driver_is_pciback(name));
	CHECK(basename_of("pciback", name, sizeof(name)) == 0);
	CHECK(splitctl_driver_is_pciback(name));

	CHECK(basename_of("", name, sizeof(name)) == -EINVAL);
	CHECK(basename_of("drivers/", name, sizeof(name)) == -EINVAL);
	CHECK(basename_of("drivers/..", name, sizeof(name)) == -EINVAL);
	CHECK(basename_of("drivers/.", name, sizeof(name)) == -EINVAL);
	CHECK(basename_of("drivers/a b", name, sizeof(name)) == -EINVAL);
	CHECK(basename_of("drivers/a\033[2J", name, sizeof(name)) == -EINVAL);
	CHECK(basename_of("drivers/\xc3\xa9", name, sizeof(name)) == -EINVAL);
	CHECK(!strcmp(name, "pciback"));

	/* 7 characters and the NUL fit in 8, 8 do not. */
	CHECK(basename_of("d/1234567", small, sizeof(small)) == 0);
	CHECK(basename_of("d/12345678", small, sizeof(small)) == -ENAMETOOLONG);
	CHECK(!strcmp(small, "1234567"));
}

TEST(splitctl_dev_keys)
{
	unsigned long n = 77;

	CHECK(splitctl_parse_dev_key("dev-0", &n) == 0 && n == 0);
	CHECK(splitctl_parse_dev_key("dev-12", &n) == 0 && n == 12);
	CHECK(splitctl_parse_dev_key("dev-4294967295", &n) == 0 &&
	      n == 4294967295ul);
	CHECK(splitctl_parse_dev_key("dev-4294967296", &n) == -EINVAL);
	CHECK(splitctl_parse_dev_key("dev-", &n) == -EINVAL);
	CHECK(splitctl_parse_dev_key("dev-01", &n) == -EINVAL);
	CHECK(splitctl_parse_dev_key("dev-1 ", &n) == -EINVAL);
	CHECK(splitctl_parse_dev_key("dev--1", &n) == -EINVAL);
	CHECK(splitctl_parse_dev_key("vdev-1", &n) == -EINVAL);
	CHECK(splitctl_parse_dev_key("state-1", &n) == -EINVAL);
	CHECK(splitctl_parse_dev_key("num_devs", &n) == -EINVAL);
	CHECK(n == 4294967295ul);
}

/* libxl's dev-N values, parsed by the shared strict parser. */
TEST(splitctl_dev_value_is_a_strict_bdf)
{
	struct xsplit_bdf b;

	CHECK(xsplit_bdf_parse("0000:00:05.0", 12, &b) == 0);
	CHECK(b.domain == 0 && b.bus == 0 && b.devfn == (5 << 3));
	CHECK(xsplit_bdf_parse("0000:00:05.0\n", 13, &b) == -EINVAL);
	CHECK(xsplit_bdf_parse("0000:00:05.0/..", 15, &b) == -EINVAL);
}

TEST(splitctl_xsplit_guest)
{
	struct xsplit_bdf va = { 0 };
	unsigned long d = 77;

	CHECK(guest("none\n", &d, &va) == 0 && d == 77);
	CHECK(guest("none", &d, &va) == 0);
	CHECK(guest("domain 5 as 0000:00:01.0\n", &d, &va) == 1);
	CHECK(d == 5 && va.domain == 0 && va.bus == 0 && va.devfn == (1 << 3));
	CHECK(guest("domain 32751 as 0001:02:1f.7", &d, NULL) == 1);
	CHECK(d == 32751);
	CHECK(guest("domain 0 as 0000:00:00.0\n", &d, NULL) == 1 && d == 0);

	d = 77;
	CHECK(guest("", &d, NULL) == -EINVAL);
	CHECK(guest("none\n\n", &d, NULL) == -EINVAL);
	CHECK(guest("nonexistent\n", &d, NULL) == -EINVAL);
	CHECK(guest("domain 32752 as 0000:00:01.0\n", &d, NULL) == -EINVAL);
	CHECK(guest("domain -1 as 0000:00:01.0\n", &d, NULL) == -EINVAL);
	CHECK(guest("domain 05 as 0000:00:01.0\n", &d, NULL) == -EINVAL);
	CHECK(guest("domain 5 as 00:01.0\n", &d, NULL) == -EINVAL);
	CHECK(guest("domain 5 as 0000:00:01.0\n\n", &d, NULL) == -EINVAL);
	CHECK(guest("domain 5 as 0000:00:01.0 \n", &d, NULL) == -EINVAL);
	CHECK(guest("domain 5 as 0000:00:20.0\n", &d, NULL) == -EINVAL);
	CHECK(guest("domain 5  as 0000:00:01.0\n", &d, NULL) == -EINVAL);
	CHECK(guest("domain 5 as ", &d, NULL) == -EINVAL);
	CHECK(guest("domain ", &d, NULL) == -EINVAL);
	CHECK(d == 77);
}

TEST(splitctl_counter)
{
	u64 v = 77;

	CHECK(counter("0\n", &v) == 0 && v == 0);
	CHECK(counter("12345", &v) == 0 && v == 12345);
	CHECK(counter("18446744073709551615\n", &v) == 0 && v == ~0ull);

	v = 77;
	CHECK(counter("18446744073709551616\n", &v) == -EINVAL);
	CHECK(counter("", &v) == -EINVAL);
	CHECK(counter("\n", &v) == -EINVAL);
	CHECK(counter("-1\n", &v) == -EINVAL);
	CHECK(counter("01\n", &v) == -EINVAL);
	CHECK(counter("1\n\n", &v) == -EINVAL);
	CHECK(counter("1 \n", &v) == -EINVAL);
	CHECK(counter("0x10\n", &v) == -EINVAL);
	CHECK(v == 77);
}

TEST(splitctl_stat_names)
{
	char longest[SPLITCTL_NAME_SIZE + 1];

	CHECK(splitctl_stat_name_ok("rd_req"));
	CHECK(splitctl_stat_name_ok("tx-bytes"));
	CHECK(splitctl_stat_name_ok("A0"));
	CHECK(!splitctl_stat_name_ok(""));
	CHECK(!splitctl_stat_name_ok("."));
	CHECK(!splitctl_stat_name_ok("a b"));
	CHECK(!splitctl_stat_name_ok("a\"b"));
	CHECK(!splitctl_stat_name_ok("a/b"));

	memset(longest, 'x', SPLITCTL_NAME_SIZE - 1);
	longest[SPLITCTL_NAME_SIZE - 1] = '\0';
	CHECK(splitctl_stat_name_ok(longest));
	longest[SPLITCTL_NAME_SIZE - 1] = 'x';
	longest[SPLITCTL_NAME_SIZE] = '\0';
	CHECK(!splitctl_stat_name_ok(longest));
}

/* What xsplit-pciback's xsplit_stats prints. */
TEST(splitctl_stat_lines_as_pciback_prints_them)
{
	static const char text[] =
		"conf_reads 120\nconf_writes 7\ndropped_writes 0\nmsi_ops 2\n"
		"bad_ops 0\naer_relayed 0\naer_failed 18446744073709551615\n";
	struct seen_stats seen = { .n = 0 };

	CHECK(stat_lines(text, NULL) == 7);
	CHECK(stat_lines(text, &seen) == 7 && seen.n == 7);
	CHECK(!strcmp(seen.names[0], "conf_reads") && seen.values[0] == 120);
	CHECK(!strcmp(seen.names[1], "conf_writes") && seen.values[1] == 7);
	CHECK(!strcmp(seen.names[6], "aer_failed") && seen.values[6] == ~0ull);
	CHECK(stat_lines("", NULL) == 0);
	CHECK(stat_lines("a 1", NULL) == 1);
}

TEST(splitctl_stat_lines_malformed_calls_nothing)
{
	static const char *const bad[] = {
		"\n",
		"a\n",
		"a \n",
		" 1\n",
		"a  1\n",
		"a 1 \n",
		"a 1\n\n",
		"a -1\n",
		"a 01\n",
		"a 18446744073709551616\n",
		"a\"b 1\n",
		"a 1\nb\n",
		"a 1\nb 2\nc 3\n\033[2J 4\n",
		/* 64 name characters: one too many. */
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 1\n",
	};
	struct seen_stats seen = { .n = 0 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(stat_lines(bad[i], &seen) == -EINVAL);
	CHECK(seen.n == 0);
}

TEST(splitctl_stat_lines_callback_stops)
{
	struct seen_stats seen = { .n = 0 };

	CHECK(stat_lines("a 1\nb 2\nc 3\nd 4\ne 5\nf 6\ng 7\nh 8\ni 9\n",
			 &seen) == -ENOSPC);
	CHECK(seen.n == 8);
}
