/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XSPLIT_BDF_H
#define XSPLIT_BDF_H

#include <xsplit/plain.h>

/* A PCI function address: segment ("domain"), bus, and slot/function. */
struct xsplit_bdf {
	u16 domain;
	u8 bus;
	u8 devfn;
};

/* "dddd:bb:dd.f" and its terminating NUL. */
#define XSPLIT_BDF_STR_SIZE	13

/*
 * Most entries a hide= style list may carry. Lists come from the kernel
 * command line or an administrator, and a fixed cap lets callers size their
 * tables up front instead of trusting the input to be reasonable.
 */
#define XSPLIT_BDF_LIST_MAX	256

static inline u8 xsplit_bdf_slot(const struct xsplit_bdf *bdf)
{
	return bdf->devfn >> 3;
}

static inline u8 xsplit_bdf_func(const struct xsplit_bdf *bdf)
{
	return bdf->devfn & 7;
}

/* The value of one hex digit (either case), or -1. */
int xsplit_hex_digit(char c);

/*
 * Parse exactly @len bytes of @s as "dddd:bb:dd.f" or "bb:dd.f" (domain 0).
 * Returns 0 or -EINVAL; @bdf is written only on success.
 */
int xsplit_bdf_parse(const char *s, size_t len, struct xsplit_bdf *bdf);

/*
 * Write "dddd:bb:dd.f" and a NUL to @buf. Returns the length without the
 * NUL, or -ENOSPC if @size is below XSPLIT_BDF_STR_SIZE.
 */
int xsplit_bdf_format(const struct xsplit_bdf *bdf, char *buf, size_t size);

/*
 * Parse exactly @len bytes of @s as a list like "(0000:00:05.0)(00:06.0)"
 * and call @fn (if not NULL) once per entry, in order.
 *
 * The whole list is validated before @fn is first called, so a typo in the
 * last entry does not leave the caller with the first few applied.
 * @fn returns 0 to go on or a negative errno to stop; entries it has already
 * seen stay seen, undoing them is the caller's business.
 *
 * Returns the number of entries (0 for an empty string), -EINVAL if the list
 * is malformed, -E2BIG if it has more than XSPLIT_BDF_LIST_MAX entries, or
 * the error @fn stopped with.
 */
int xsplit_bdf_parse_list(const char *s, size_t len,
			  int (*fn)(const struct xsplit_bdf *bdf, void *arg),
			  void *arg);

#endif /* XSPLIT_BDF_H */
