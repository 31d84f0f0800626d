/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer for splitctl's --json. It places the
 * commas and escapes every string, so no caller ever prints a value into
 * the output itself: much of what is written comes from xenstore, where
 * a guest can write what it likes.
 *
 * The output is ASCII only. Valid UTF-8 comes out as \uXXXX escapes (so a
 * guest cannot smuggle terminal controls through a pager, C1 included);
 * bytes that are not valid UTF-8 each become \ufffd, so the document is
 * always valid JSON whatever the input was.
 */
#ifndef SPLITCTL_JSON_H
#define SPLITCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Deeper than any document splitctl writes; deeper nesting is misuse. */
#define JSON_MAX_DEPTH	16

struct json_out {
	FILE *f;
	unsigned int depth;
	/* Per open container: is it an object, has it had a member yet. */
	bool is_obj[JSON_MAX_DEPTH];
	bool has_member[JSON_MAX_DEPTH];
	bool after_key;		/* a key was written, its value is due */
	bool misuse;		/* a call broke the grammar */
};

void json_init(struct json_out *j, FILE *f);

void json_open_object(struct json_out *j);
void json_close_object(struct json_out *j);
void json_open_array(struct json_out *j);
void json_close_array(struct json_out *j);

/* A member's name; the next call must write its value. */
void json_key(struct json_out *j, const char *key);

void json_string(struct json_out *j, const char *s);
/* Exactly @len bytes of @s; NULs in it are written as \u0000. */
void json_string_len(struct json_out *j, const char *s, size_t len);
void json_uint(struct json_out *j, uint64_t v);
void json_bool(struct json_out *j, bool v);
void json_null(struct json_out *j);

/*
 * End the document with a newline. Returns 0, or -1 if a call broke the
 * grammar (the output is then not to be trusted) or the stream had an
 * error.
 */
int json_finish(struct json_out *j);

#endif /* SPLITCTL_JSON_H */
