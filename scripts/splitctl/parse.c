// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers for splitctl, kept free of I/O so that tests/unit can drive them.
 * Inputs are taken as exact byte counts where they come from read() or
 * readlink(), which do not terminate them, so that a caller never has to
 * trust a NUL to be where it should.
 */

#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* Indexed by the XenbusState value; 0 is XenbusStateUnknown. */
static const char *const state_names[] = {
	"Unknown", "Initialising", "InitWait", "Initialised", "Connected",
	"Closing", "Closed", "Reconfiguring", "Reconfigured",
};

int splitctl_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

const char *splitctl_state_name(unsigned long state)
{
	if (state < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[state];
	return "Unknown";
}

/*
 * "0x" and 1 to 16 hex digits at @s[*pos], stopping at the first other
 * byte; the digit limit is what keeps the value from overflowing.
 */
static bool hex_field(const char *s, size_t len, size_t *pos, u64 *v)
{
	size_t p = *pos, digits = 0;
	u64 val = 0;
	int d;

	if (len - p < 2 || s[p] != '0' || s[p + 1] != 'x')
		return false;
	p += 2;
	while (p < len && (d = xsplit_hex_digit(s[p])) >= 0) {
		if (++digits > 16)
			return false;
		val = (val << 4) | (u64)d;
		p++;
	}
	if (!digits)
		return false;
	*pos = p;
	*v = val;
	return true;
}

/*
 * Decimal at @s[*pos] up to the first non-digit, at most @max. A leading
 * zero is allowed only as the whole number: the kernel never prints one,
 * so seeing one means the text is not what we think it is.
 */
static bool dec_field(const char *s, size_t len, size_t *pos, u64 max,
		      u64 *v)
{
	size_t p = *pos;
	u64 val = 0;

	if (p >= len || s[p] < '0' || s[p] > '9')
		return false;
	if (s[p] == '0' && p + 1 < len && s[p + 1] >= '0' && s[p + 1] <= '9')
		return false;
	while (p < len && s[p] >= '0' && s[p] <= '9') {
		u64 d = (u64)(s[p] - '0');

		if (val > (max - d) / 10)
			return false;
		val = val * 10 + d;
		p++;
	}
	*pos = p;
	*v = val;
	return true;
}

static bool literal(const char *s, size_t len, size_t *pos, const char *lit)
{
	size_t n = strlen(lit);

	if (len - *pos < n || memcmp(s + *pos, lit, n))
		return false;
	*pos += n;
	return true;
}

/* The end of a line: a newline, or the end of the text without one. */
static bool line_end(const char *s, size_t len, size_t *pos)
{
	if (*pos == len)
		return true;
	if (s[*pos] != '\n')
		return false;
	(*pos)++;
	return true;
}

int splitctl_parse_resources(const char *text, size_t len,
			     struct splitctl_res *res, unsigned int max)
{
	unsigned int n = 0;
	size_t pos = 0;

	while (n < max && pos < len) {
		struct splitctl_res *r = &res[n];

		if (!hex_field(text, len, &pos, &r->start) ||
		    !literal(text, len, &pos, " ") ||
		    !hex_field(text, len, &pos, &r->end) ||
		    !literal(text, len, &pos, " ") ||
		    !hex_field(text, len, &pos, &r->flags) ||
		    !line_end(text, len, &pos))
			return -EINVAL;
		n++;
	}
	return (int)n;
}

bool splitctl_res_present(const struct splitctl_res *r)
{
	if (!(r->flags & (SPLITCTL_RES_IO | SPLITCTL_RES_MEM)))
		return false;
	if (r->flags & (SPLITCTL_RES_UNSET | SPLITCTL_RES_DISABLED))
		return false;
	if (r->end < r->start || (!r->start && !r->end))
		return false;
	/* The size would wrap to 0; no function decodes all of 2^64. */
	return !(r->start == 0 && r->end == ~0ull);
}

int splitctl_link_basename(const char *target, size_t len, char *name,
			   size_t size)
{
	size_t start = len, i;

	while (start > 0 && target[start - 1] != '/')
		start--;
	if (start == len)
		return -EINVAL;
	for (i = start; i < len; i++)
		if (target[i] <= ' ' || target[i] > '~')
			return -EINVAL;
	/* Not names of a driver, and they would change what a path means. */
	if ((len - start == 1 && target[start] == '.') ||
	    (len - start == 2 && target[start] == '.' &&
	     target[start + 1] == '.'))
		return -EINVAL;
	if (len - start >= size)
		return -ENAMETOOLONG;
	memcpy(name, target + start, len - start);
	name[len - start] = '\0';
	return 0;
}

bool splitctl_driver_is_pciback(const char *name)
{
	return !strcmp(name, "pciback");
}

int splitctl_parse_dev_key(const char *key, unsigned long *n)
{
	size_t len = strlen(key), pos = 0;
	u64 v;

	if (!literal(key, len, &pos, "dev-") ||
	    !dec_field(key, len, &pos, 0xffffffffu, &v) || pos != len)
		return -EINVAL;
	*n = (unsigned long)v;
	return 0;
}

int splitctl_parse_xsplit_guest(const char *text, size_t len,
				unsigned long *domid, struct xsplit_bdf *vaddr)
{
	struct xsplit_bdf bdf;
	size_t pos = 0;
	u64 d;

	if (literal(text, len, &pos, "none") && line_end(text, len, &pos) &&
	    pos == len)
		return 0;

	pos = 0;
	if (!literal(text, len, &pos, "domain ") ||
	    !dec_field(text, len, &pos, SPLITCTL_DOMID_MAX, &d) ||
	    !literal(text, len, &pos, " as "))
		return -EINVAL;
	/* The address is all that is left but for a newline. */
	if (len - pos == XSPLIT_BDF_STR_SIZE && text[len - 1] == '\n')
		len--;
	if (len - pos != XSPLIT_BDF_STR_SIZE - 1 ||
	    xsplit_bdf_parse(text + pos, len - pos, &bdf))
		return -EINVAL;

	*domid = (unsigned long)d;
	if (vaddr)
		*vaddr = bdf;
	return 1;
}

int splitctl_parse_counter(const char *text, size_t len, u64 *v)
{
	size_t pos = 0;
	u64 val;

	if (!dec_field(text, len, &pos, ~0ull, &val) ||
	    !line_end(text, len, &pos) || pos != len)
		return -EINVAL;
	*v = val;
	return 0;
}

static bool stat_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool splitctl_stat_name_ok(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (i == SPLITCTL_NAME_SIZE - 1 || !stat_char(name[i]))
			return false;
	return i > 0;
}

/* One pass; with @fn == NULL it only validates and counts. */
static int walk_stat_lines(const char *text, size_t len,
			   int (*fn)(const char *name, u64 v, void *arg),
			   void *arg)
{
	char name[SPLITCTL_NAME_SIZE];
	size_t pos = 0, start;
	int count = 0, ret;
	u64 v;

	while (pos < len) {
		start = pos;
		while (pos < len && stat_char(text[pos]) &&
		       pos - start < SPLITCTL_NAME_SIZE - 1)
			pos++;
		if (pos == start || pos == len || text[pos] != ' ')
			return -EINVAL;
		memcpy(name, text + start, pos - start);
		name[pos - start] = '\0';
		pos++;
		if (!dec_field(text, len, &pos, ~0ull, &v) ||
		    !line_end(text, len, &pos))
			return -EINVAL;
		/* A count that no longer fits an int is not a stats file. */
		if (count == 0x7fffffff)
			return -EINVAL;
		count++;
		if (fn) {
			ret = fn(name, v, arg);
			if (ret)
				return ret;
		}
	}
	return count;
}

int splitctl_parse_stat_lines(const char *text, size_t len,
			      int (*fn)(const char *name, u64 v, void *arg),
			      void *arg)
{
	int ret = walk_stat_lines(text, len, NULL, NULL);

	if (ret < 0 || !fn)
		return ret;
	return walk_stat_lines(text, len, fn, arg);
}
