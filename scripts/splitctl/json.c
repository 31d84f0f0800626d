// SPDX-License-Identifier: GPL-2.0
/* See json.h; strings are escaped as RFC 8259 section 7 allows. */

#include <inttypes.h>
#include <string.h>

#include "json.h"

void json_init(struct json_out *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->has_member[0] = false;
	j->after_key = false;
	j->misuse = false;
}

/*
 * Called before every value: in an object a value must follow a key; in
 * an array it needs a comma after the first. At the top level only one
 * value is allowed.
 */
static bool begin_value(struct json_out *j)
{
	unsigned int d = j->depth;

	if (d == 0) {
		if (j->has_member[0]) {
			j->misuse = true;
			return false;
		}
		j->has_member[0] = true;
		return true;
	}
	if (j->is_obj[d]) {
		if (!j->after_key) {
			j->misuse = true;
			return false;
		}
		j->after_key = false;
		return true;
	}
	if (j->has_member[d])
		fputc(',', j->f);
	j->has_member[d] = true;
	return true;
}

static void open_container(struct json_out *j, bool is_obj)
{
	if (j->depth + 1 >= JSON_MAX_DEPTH) {
		j->misuse = true;
		return;
	}
	if (!begin_value(j))
		return;
	j->depth++;
	j->is_obj[j->depth] = is_obj;
	j->has_member[j->depth] = false;
	fputc(is_obj ? '{' : '[', j->f);
}

static void close_container(struct json_out *j, bool is_obj)
{
	if (j->depth == 0 || j->is_obj[j->depth] != is_obj || j->after_key) {
		j->misuse = true;
		return;
	}
	j->depth--;
	fputc(is_obj ? '}' : ']', j->f);
}

void json_open_object(struct json_out *j)
{
	open_container(j, true);
}

void json_close_object(struct json_out *j)
{
	close_container(j, true);
}

void json_open_array(struct json_out *j)
{
	open_container(j, false);
}

void json_close_array(struct json_out *j)
{
	close_container(j, false);
}

/*
 * The code point of the UTF-8 sequence at @s and its length, or 0 if it is
 * not valid: truncated, overlong, a surrogate, or beyond U+10FFFF.
 */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	static const uint32_t min_cp[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min_cp[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static void put_u_escape(FILE *f, uint32_t unit)
{
	fprintf(f, "\\u%04" PRIx32, unit);
}

static void put_string(struct json_out *j, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	fputc('"', j->f);
	while (i < len) {
		n = utf8_decode(p + i, len - i, &cp);
		if (!n) {
			put_u_escape(j->f, 0xfffd);
			i++;
			continue;
		}
		i += n;
		switch (cp) {
		case '"':
			fputs("\\\"", j->f);
			break;
		case '\\':
			fputs("\\\\", j->f);
			break;
		case '\b':
			fputs("\\b", j->f);
			break;
		case '\f':
			fputs("\\f", j->f);
			break;
		case '\n':
			fputs("\\n", j->f);
			break;
		case '\r':
			fputs("\\r", j->f);
			break;
		case '\t':
			fputs("\\t", j->f);
			break;
		default:
			if (cp >= 0x20 && cp < 0x7f) {
				fputc((int)cp, j->f);
			} else if (cp < 0x10000) {
				put_u_escape(j->f, cp);
			} else {
				/* Beyond the BMP: a UTF-16 surrogate pair. */
				cp -= 0x10000;
				put_u_escape(j->f, 0xd800 | (cp >> 10));
				put_u_escape(j->f, 0xdc00 | (cp & 0x3ff));
			}
			break;
		}
	}
	fputc('"', j->f);
}

void json_string_len(struct json_out *j, const char *s, size_t len)
{
	if (begin_value(j))
		put_string(j, s, len);
}

void json_string(struct json_out *j, const char *s)
{
	json_string_len(j, s, strlen(s));
}

void json_key(struct json_out *j, const char *key)
{
	unsigned int d = j->depth;

	if (d == 0 || !j->is_obj[d] || j->after_key) {
		j->misuse = true;
		return;
	}
	if (j->has_member[d])
		fputc(',', j->f);
	j->has_member[d] = true;
	put_string(j, key, strlen(key));
	fputc(':', j->f);
	j->after_key = true;
}

void json_uint(struct json_out *j, uint64_t v)
{
	if (begin_value(j))
		fprintf(j->f, "%" PRIu64, v);
}

void json_bool(struct json_out *j, bool v)
{
	if (begin_value(j))
		fputs(v ? "true" : "false", j->f);
}

void json_null(struct json_out *j)
{
	if (begin_value(j))
		fputs("null", j->f);
}

int json_finish(struct json_out *j)
{
	if (j->depth || j->after_key || !j->has_member[0])
		j->misuse = true;
	fputc('\n', j->f);
	if (fflush(j->f) || ferror(j->f))
		return -1;
	return j->misuse ? -1 : 0;
}
