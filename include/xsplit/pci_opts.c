// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h.
 */

#include <xsplit/pci_opts.h>

enum { OPT_PERMISSIVE, OPT_POWER_MGMT, OPT_MSITRANSLATE, OPT_RDM, OPT_N };

static const char *const opt_names[OPT_N] = {
	[OPT_PERMISSIVE] = "permissive",
	[OPT_POWER_MGMT] = "power_mgmt",
	[OPT_MSITRANSLATE] = "msitranslate",
	[OPT_RDM] = "rdm_policy",
};

static bool span_is(const char *s, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!word[i] || word[i] != s[i])
			return false;
	return !word[len];
}

static int opt_find(const char *key, size_t len)
{
	int i;

	for (i = 0; i < OPT_N; i++)
		if (span_is(key, len, opt_names[i]))
			return i;
	return -1;
}

static int parse_bool(const char *v, size_t len, bool *out)
{
	if (span_is(v, len, "0"))
		*out = false;
	else if (span_is(v, len, "1"))
		*out = true;
	else
		return -EINVAL;
	return 0;
}

/* One "key=value" of @len bytes. */
static int parse_pair(const char *s, size_t len, struct xsplit_pci_opts *o,
		      u32 *seen)
{
	size_t eq;
	const char *v;
	size_t vlen;
	int id;

	for (eq = 0; eq < len && s[eq] != '='; eq++)
		;
	if (eq == 0 || eq >= len - 1)
		return -EINVAL;
	v = s + eq + 1;
	vlen = len - eq - 1;

	id = opt_find(s, eq);
	if (id < 0) {
		o->unknown++;
		return 0;
	}
	if (*seen & (1u << id))
		return -EINVAL;
	*seen |= 1u << id;

	switch (id) {
	case OPT_PERMISSIVE:
		return parse_bool(v, vlen, &o->permissive);
	case OPT_POWER_MGMT:
		return parse_bool(v, vlen, &o->power_mgmt);
	case OPT_MSITRANSLATE:
		return parse_bool(v, vlen, &o->msitranslate);
	default:
		if (span_is(v, vlen, "strict"))
			o->rdm_relaxed = false;
		else if (span_is(v, vlen, "relaxed"))
			o->rdm_relaxed = true;
		else
			return -EINVAL;
		return 0;
	}
}

int xsplit_pci_opts_parse(const char *s, size_t len,
			  struct xsplit_pci_opts *opts)
{
	struct xsplit_pci_opts o = { 0 };
	size_t start = 0, i;
	u32 seen = 0;
	int ret;

	if (len > XSPLIT_PCI_OPTS_MAX)
		return -EINVAL;
	for (i = 0; len && i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		ret = parse_pair(s + start, i - start, &o, &seen);
		if (ret)
			return ret;
		start = i + 1;
	}
	*opts = o;
	return 0;
}
