// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry for the BDF parsers, built by `make fuzz`. Besides the
 * sanitizers' own checks it asserts the properties the kernel relies on:
 * anything accepted formats back to a string that parses to the same value,
 * and the list parser never reports more entries than its cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/bdf.h>

static int count_cb(const struct xsplit_bdf *bdf, void *arg)
{
	unsigned int *n = arg;

	if (xsplit_bdf_slot(bdf) > 0x1f)
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char buf[XSPLIT_BDF_STR_SIZE];
	struct xsplit_bdf a, b;
	unsigned int n = 0;
	int ret;

	if (xsplit_bdf_parse(s, size, &a) == 0) {
		if (size != 7 && size != 12)
			abort();
		if (xsplit_bdf_format(&a, buf, sizeof(buf)) != 12)
			abort();
		if (xsplit_bdf_parse(buf, strlen(buf), &b) != 0 ||
		    a.domain != b.domain || a.bus != b.bus ||
		    a.devfn != b.devfn)
			abort();
	}

	ret = xsplit_bdf_parse_list(s, size, count_cb, &n);
	if (ret > XSPLIT_BDF_LIST_MAX || (ret >= 0 && (unsigned int)ret != n) ||
	    (ret < 0 && n != 0))
		abort();
	return 0;
}
