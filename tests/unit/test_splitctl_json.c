// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

/* Collects what the writer prints; json_finish() appends the newline. */
struct capture {
	struct json_out j;
	FILE *f;
	char *buf;
	size_t size;
};

static void cap_start(struct capture *c)
{
	c->buf = NULL;
	c->size = 0;
	c->f = open_memstream(&c->buf, &c->size);
	if (!c->f)
		abort();
	json_init(&c->j, c->f);
}

/* json_finish()'s result; the text stays in c->buf until cap_free(). */
static int cap_end(struct capture *c)
{
	int ret = json_finish(&c->j);

	fclose(c->f);
	return ret;
}

static void cap_free(struct capture *c)
{
	free(c->buf);
}

/* The JSON text of one string written through the escaper. */
static bool escapes_to(const char *in, size_t len, const char *want)
{
	struct capture c;
	bool same;

	cap_start(&c);
	json_string_len(&c.j, in, len);
	same = cap_end(&c) == 0 && !strcmp(c.buf, want);
	cap_free(&c);
	return same;
}

#define ESCAPES_TO(lit, want)	escapes_to(lit, sizeof(lit) - 1, want)

TEST(json_document_shape)
{
	struct capture c;

	cap_start(&c);
	json_open_object(&c.j);
	json_key(&c.j, "iommu");
	json_string(&c.j, "on");
	json_key(&c.j, "n");
	json_uint(&c.j, 18446744073709551615ull);
	json_key(&c.j, "list");
	json_open_array(&c.j);
	json_bool(&c.j, true);
	json_bool(&c.j, false);
	json_null(&c.j);
	json_open_object(&c.j);
	json_close_object(&c.j);
	json_open_array(&c.j);
	json_close_array(&c.j);
	json_close_array(&c.j);
	json_close_object(&c.j);
	CHECK(cap_end(&c) == 0);
	CHECK(!strcmp(c.buf, "{\"iommu\":\"on\",\"n\":18446744073709551615,"
			     "\"list\":[true,false,null,{},[]]}\n"));
	cap_free(&c);
}

TEST(json_escapes_what_rfc8259_requires)
{
	CHECK(ESCAPES_TO("plain /path", "\"plain /path\"\n"));
	CHECK(ESCAPES_TO("a\"b\\c", "\"a\\\"b\\\\c\"\n"));
	CHECK(ESCAPES_TO("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"\n"));
	CHECK(ESCAPES_TO("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"\n"));
	/* Terminal controls a guest might try to print. */
	CHECK(ESCAPES_TO("\033[2J", "\"\\u001b[2J\"\n"));
	CHECK(ESCAPES_TO("", "\"\"\n"));
}

TEST(json_escapes_embedded_nul)
{
	CHECK(ESCAPES_TO("a\0b", "\"a\\u0000b\"\n"));
}

TEST(json_valid_utf8_becomes_escapes)
{
	CHECK(ESCAPES_TO("\xc3\xa9", "\"\\u00e9\"\n"));
	CHECK(ESCAPES_TO("\xc2\x9b", "\"\\u009b\"\n"));		/* C1 CSI */
	CHECK(ESCAPES_TO("\xe2\x82\xac", "\"\\u20ac\"\n"));
	CHECK(ESCAPES_TO("\xef\xbf\xbf", "\"\\uffff\"\n"));
	CHECK(ESCAPES_TO("\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\"\n"));
	CHECK(ESCAPES_TO("\xf4\x8f\xbf\xbf", "\"\\udbff\\udfff\"\n"));
}

TEST(json_invalid_utf8_becomes_replacement_chars)
{
	/* A lone continuation byte and a lone lead byte. */
	CHECK(ESCAPES_TO("a\x80z", "\"a\\ufffdz\"\n"));
	CHECK(ESCAPES_TO("a\xc3", "\"a\\ufffd\"\n"));
	CHECK(ESCAPES_TO("\xc3z", "\"\\ufffdz\"\n"));
	/* Overlong forms of '/' and NUL. */
	CHECK(ESCAPES_TO("\xc0\xaf", "\"\\ufffd\\ufffd\"\n"));
	CHECK(ESCAPES_TO("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"\n"));
	CHECK(ESCAPES_TO("\xc1\xbf", "\"\\ufffd\\ufffd\"\n"));
	/* Surrogates encoded directly, and beyond U+10FFFF. */
	CHECK(ESCAPES_TO("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"\n"));
	CHECK(ESCAPES_TO("\xf4\x90\x80\x80",
			 "\"\\ufffd\\ufffd\\ufffd\\ufffd\"\n"));
	CHECK(ESCAPES_TO("\xf8\x88\x80\x80\x80",
			 "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"\n"));
	CHECK(ESCAPES_TO("\xff", "\"\\ufffd\"\n"));
	/* A sequence cut short by the end of the input. */
	CHECK(ESCAPES_TO("\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"\n"));
}

/* Exact-size input, so ASan sees a decoder that looks past the end. */
TEST(json_truncated_sequence_at_exact_end)
{
	size_t len;
	char *copy = unit_exact_copy("x\xe2\x82", &len);
	bool ok = escapes_to(copy, len, "\"x\\ufffd\\ufffd\"\n");

	free(copy);
	CHECK(ok);
}

TEST(json_keys_are_escaped_too)
{
	struct capture c;

	cap_start(&c);
	json_open_object(&c.j);
	json_key(&c.j, "k\"\n");
	json_uint(&c.j, 1);
	json_close_object(&c.j);
	CHECK(cap_end(&c) == 0);
	CHECK(!strcmp(c.buf, "{\"k\\\"\\n\":1}\n"));
	cap_free(&c);
}

TEST(json_misuse_is_reported)
{
	struct capture c;

	/* A value in an object without a key. */
	cap_start(&c);
	json_open_object(&c.j);
	json_uint(&c.j, 1);
	json_close_object(&c.j);
	CHECK(cap_end(&c) == -1);
	cap_free(&c);

	/* A key in an array. */
	cap_start(&c);
	json_open_array(&c.j);
	json_key(&c.j, "k");
	json_close_array(&c.j);
	CHECK(cap_end(&c) == -1);
	cap_free(&c);

	/* A key with no value. */
	cap_start(&c);
	json_open_object(&c.j);
	json_key(&c.j, "k");
	json_close_object(&c.j);
	CHECK(cap_end(&c) == -1);
	cap_free(&c);

	/* Mismatched close, unclosed, two top-level values, nothing. */
	cap_start(&c);
	json_open_array(&c.j);
	json_close_object(&c.j);
	CHECK(cap_end(&c) == -1);
	cap_free(&c);

	cap_start(&c);
	json_open_array(&c.j);
	CHECK(cap_end(&c) == -1);
	cap_free(&c);

	cap_start(&c);
	json_null(&c.j);
	json_null(&c.j);
	CHECK(cap_end(&c) == -1);
	cap_free(&c);

	cap_start(&c);
	CHECK(cap_end(&c) == -1);
	cap_free(&c);
}

TEST(json_depth_limit)
{
	struct capture c;
	int i;

	cap_start(&c);
	for (i = 0; i < JSON_MAX_DEPTH - 1; i++)
		json_open_array(&c.j);
	for (i = 0; i < JSON_MAX_DEPTH - 1; i++)
		json_close_array(&c.j);
	CHECK(cap_end(&c) == 0);
	cap_free(&c);

	cap_start(&c);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_open_array(&c.j);
	CHECK(c.j.misuse);
	cap_end(&c);
	cap_free(&c);
}
