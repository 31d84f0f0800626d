// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h. The strings parsed
 * here come from module parameters, sysfs and the toolstack, so the grammar
 * is deliberately narrow: only the fixed-width forms that sysfs and xl print
 * are accepted. Fixed widths alone rule out signs, blanks, "0x" prefixes and
 * overlong fields, which a strtoul-style parser would quietly let through.
 */

#include <xsplit/bdf.h>

#define BDF_LONG_LEN	12	/* dddd:bb:dd.f */
#define BDF_SHORT_LEN	7	/* bb:dd.f */
#define BDF_MAX_SLOT	0x1f
#define BDF_MAX_FUNC	7

int xsplit_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly @width hex digits; width is at most 4, so the value fits. */
static bool hex_field(const char *s, size_t width, u32 *val)
{
	u32 v = 0;
	size_t i;

	for (i = 0; i < width; i++) {
		int d = xsplit_hex_digit(s[i]);

		if (d < 0)
			return false;
		v = (v << 4) | (u32)d;
	}
	*val = v;
	return true;
}

int xsplit_bdf_parse(const char *s, size_t len, struct xsplit_bdf *bdf)
{
	u32 domain = 0, bus, slot, func;

	if (len == BDF_LONG_LEN) {
		if (!hex_field(s, 4, &domain) || s[4] != ':')
			return -EINVAL;
		s += 5;
	} else if (len != BDF_SHORT_LEN) {
		return -EINVAL;
	}

	if (!hex_field(s, 2, &bus) || s[2] != ':' ||
	    !hex_field(s + 3, 2, &slot) || s[5] != '.' ||
	    !hex_field(s + 6, 1, &func))
		return -EINVAL;

	if (slot > BDF_MAX_SLOT || func > BDF_MAX_FUNC)
		return -EINVAL;

	bdf->domain = (u16)domain;
	bdf->bus = (u8)bus;
	bdf->devfn = (u8)((slot << 3) | func);
	return 0;
}

static char *put_hex(char *p, u32 val, unsigned int width)
{
	static const char digits[] = "0123456789abcdef";

	while (width--)
		*p++ = digits[(val >> (4 * width)) & 0xf];
	return p;
}

int xsplit_bdf_format(const struct xsplit_bdf *bdf, char *buf, size_t size)
{
	char *p = buf;

	if (size < XSPLIT_BDF_STR_SIZE)
		return -ENOSPC;

	p = put_hex(p, bdf->domain, 4);
	*p++ = ':';
	p = put_hex(p, bdf->bus, 2);
	*p++ = ':';
	p = put_hex(p, xsplit_bdf_slot(bdf), 2);
	*p++ = '.';
	p = put_hex(p, xsplit_bdf_func(bdf), 1);
	*p = '\0';
	return (int)(p - buf);
}

/*
 * One pass over the list; with @fn == NULL it only validates and counts.
 * The count check comes before @fn so that the validating pass and the
 * calling pass agree on where an over-long list fails.
 */
static int walk_list(const char *s, size_t len,
		     int (*fn)(const struct xsplit_bdf *bdf, void *arg),
		     void *arg)
{
	struct xsplit_bdf bdf;
	size_t pos = 0, start;
	int count = 0;
	int ret;

	while (pos < len) {
		if (s[pos] != '(')
			return -EINVAL;
		start = ++pos;
		/* Stop early: no valid entry is longer than BDF_LONG_LEN. */
		while (pos < len && s[pos] != ')' && pos - start <= BDF_LONG_LEN)
			pos++;
		if (pos == len || s[pos] != ')')
			return -EINVAL;
		ret = xsplit_bdf_parse(s + start, pos - start, &bdf);
		if (ret)
			return ret;
		pos++;

		if (count == XSPLIT_BDF_LIST_MAX)
			return -E2BIG;
		count++;

		if (fn) {
			ret = fn(&bdf, arg);
			if (ret)
				return ret;
		}
	}
	return count;
}

int xsplit_bdf_parse_list(const char *s, size_t len,
			  int (*fn)(const struct xsplit_bdf *bdf, void *arg),
			  void *arg)
{
	int ret = walk_list(s, len, NULL, NULL);

	if (ret < 0 || !fn)
		return ret;
	return walk_list(s, len, fn, arg);
}
