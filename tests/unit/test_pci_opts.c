// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include <xsplit/pci_opts.h>

#include "unit.h"

/* Through an exact-size heap copy so ASan catches any over-read. */
static int parse(const char *s, struct xsplit_pci_opts *o)
{
	size_t len;
	char *copy = unit_exact_copy(s, &len);
	int ret;

	ret = xsplit_pci_opts_parse(copy, len, o);
	free(copy);
	return ret;
}

static bool rejects(const char *s)
{
	struct xsplit_pci_opts o = { .unknown = 77 };

	return parse(s, &o) == -EINVAL && o.unknown == 77;
}

TEST(pci_opts_libxl_string)
{
	struct xsplit_pci_opts o;

	CHECK(parse("msitranslate=0,power_mgmt=1,permissive=1,rdm_policy=relaxed", &o) == 0);
	CHECK(!o.msitranslate && o.power_mgmt && o.permissive && o.rdm_relaxed);
	CHECK(o.unknown == 0);
	CHECK(parse("msitranslate=1,power_mgmt=0,permissive=0,rdm_policy=strict", &o) == 0);
	CHECK(o.msitranslate && !o.power_mgmt && !o.permissive && !o.rdm_relaxed);
}

TEST(pci_opts_empty_means_defaults)
{
	struct xsplit_pci_opts o = { .permissive = true, .unknown = 3 };

	CHECK(parse("", &o) == 0);
	CHECK(!o.permissive && !o.power_mgmt && !o.msitranslate && !o.rdm_relaxed);
	CHECK(o.unknown == 0);
}

TEST(pci_opts_unknown_keys_are_counted_not_fatal)
{
	struct xsplit_pci_opts o;

	CHECK(parse("seize=1,permissive=1,future_thing=abc", &o) == 0);
	CHECK(o.permissive && o.unknown == 2);
}

TEST(pci_opts_malformed)
{
	CHECK(rejects("permissive"));
	CHECK(rejects("permissive="));
	CHECK(rejects("=1"));
	CHECK(rejects(","));
	CHECK(rejects("permissive=1,"));
	CHECK(rejects(",permissive=1"));
	CHECK(rejects("permissive=1,,power_mgmt=0"));
	CHECK(rejects("permissive=2"));
	CHECK(rejects("permissive=01"));
	CHECK(rejects("permissive=yes"));
	CHECK(rejects("rdm_policy=lax"));
	CHECK(rejects("permissive=1,permissive=0"));
	CHECK(rejects("permissivex=1=1,permissive=1x"));
}

TEST(pci_opts_length_cap)
{
	char buf[XSPLIT_PCI_OPTS_MAX + 2];
	struct xsplit_pci_opts o;
	size_t i;

	/* "a=1,a=1,..." of exactly the cap is fine; one more byte is not. */
	for (i = 0; i < sizeof(buf) - 1; i++)
		buf[i] = "a=1,"[i % 4];
	buf[XSPLIT_PCI_OPTS_MAX - 1] = '1';
	buf[XSPLIT_PCI_OPTS_MAX] = 0;
	CHECK(xsplit_pci_opts_parse(buf, XSPLIT_PCI_OPTS_MAX, &o) == 0);
	CHECK(o.unknown == XSPLIT_PCI_OPTS_MAX / 4);
	CHECK(xsplit_pci_opts_parse(buf, XSPLIT_PCI_OPTS_MAX + 1, &o) == -EINVAL);
}
