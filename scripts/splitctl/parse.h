/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text splitctl reads from sysfs and xenstore, turned into values.
 * No I/O here: every function takes the bytes read, so the unit tests can
 * hand them whatever a kernel, a toolstack or a hostile guest might write.
 * Like include/xsplit/, the grammar is the narrow one the writers use.
 */
#ifndef SPLITCTL_PARSE_H
#define SPLITCTL_PARSE_H

#include <xsplit/plain.h>
#include <xsplit/bdf.h>

/* Highest domid a guest can have: Xen reserves 0x7ff0 and up. */
#define SPLITCTL_DOMID_MAX	0x7fefu

/* The resource flags sysfs prints raw, from include/linux/ioport.h. */
#define SPLITCTL_RES_IO		0x00000100ull
#define SPLITCTL_RES_MEM	0x00000200ull
#define SPLITCTL_RES_PREFETCH	0x00002000ull
#define SPLITCTL_RES_MEM_64	0x00100000ull
#define SPLITCTL_RES_DISABLED	0x10000000ull
#define SPLITCTL_RES_UNSET	0x20000000ull

/* The first lines of a function's resource file: BARs 0-5, then the ROM. */
#define SPLITCTL_NR_BARS	6
#define SPLITCTL_ROM		6
#define SPLITCTL_NR_RES		7

/* Longest name accepted for a driver or a statistic, NUL included. */
#define SPLITCTL_NAME_SIZE	64

/* One line of the resource file; an unused slot is all zeroes. */
struct splitctl_res {
	u64 start;
	u64 end;
	u64 flags;
};

/*
 * Decimal without sign, blanks or trailing junk, at most @max; strtoul
 * alone allows all three. @s is NUL-terminated (a command-line argument,
 * a xenstore directory name or value).
 * Returns 0 or -EINVAL; @out is written only on success.
 */
int splitctl_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* Name of XenbusState @state, "Unknown" for values no state has. */
const char *splitctl_state_name(unsigned long state);

/*
 * Parse the first @max lines of a sysfs resource file, exactly @len bytes
 * of @text: "0x<start> 0x<end> 0x<flags>\n", 1 to 16 hex digits each.
 * Lines after the first @max are not looked at (bridges list their
 * windows there). Returns the number of lines stored in @res, or -EINVAL
 * if one of them is malformed; on error @res is left partly written.
 */
int splitctl_parse_resources(const char *text, size_t len,
			     struct splitctl_res *res, unsigned int max);

/*
 * Whether @r is a range the function decodes: memory or I/O, assigned by
 * the kernel (not UNSET or DISABLED), and not empty.
 */
bool splitctl_res_present(const struct splitctl_res *r);

/* Only meaningful for a present resource, which never spans 2^64. */
static inline u64 splitctl_res_size(const struct splitctl_res *r)
{
	return r->end - r->start + 1;
}

/*
 * The driver's name from the target of a device's "driver" symlink, e.g.
 * "../../../bus/pci/drivers/pciback", exactly @len bytes: its last
 * component, which must be non-empty and printable ASCII without blanks.
 * Writes it and a NUL to @name. Returns 0, -EINVAL, or -ENAMETOOLONG if
 * it does not fit in @size.
 */
int splitctl_link_basename(const char *target, size_t len, char *name,
			   size_t size);

/* Both our xsplit-pciback and the in-tree xen-pciback register this. */
bool splitctl_driver_is_pciback(const char *name);

/*
 * A pci backend key "dev-N" as libxl writes it: N decimal without leading
 * zeroes. @key is NUL-terminated. Returns 0 and N, or -EINVAL.
 */
int splitctl_parse_dev_key(const char *key, unsigned long *n);

/*
 * xsplit-pciback's /sys/bus/pci/devices/BDF/xsplit_guest, exactly @len
 * bytes: "domain D as DDDD:BB:DD.F\n" or "none\n". Returns 1 with the
 * domain and the address the guest sees (@vaddr may be NULL) for the
 * first, 0 for the second, -EINVAL for anything else; outputs are written
 * only when 1 is returned.
 */
int splitctl_parse_xsplit_guest(const char *text, size_t len,
				unsigned long *domid, struct xsplit_bdf *vaddr);

/*
 * One counter file, exactly @len bytes: decimal, one optional trailing
 * newline, no more than 2^64 - 1. Returns 0 or -EINVAL; @v is written
 * only on success.
 */
int splitctl_parse_counter(const char *text, size_t len, u64 *v);

/* A statistic's name: 1 to 63 of [A-Za-z0-9_-]. @name is NUL-terminated. */
bool splitctl_stat_name_ok(const char *name);

/*
 * "name value\n" lines, exactly @len bytes (xsplit-pciback's xsplit_stats),
 * names as splitctl_stat_name_ok() wants them and values as in
 * splitctl_parse_counter(). The whole text is checked before @fn is first
 * called, so a malformed line at the end does not leave the caller with
 * half an answer. @fn gets a NUL-terminated name; it returns 0 to go on or
 * a negative errno to stop.
 * Returns the number of lines, -EINVAL if any is malformed, or @fn's error.
 */
int splitctl_parse_stat_lines(const char *text, size_t len,
			      int (*fn)(const char *name, u64 v, void *arg),
			      void *arg);

#endif /* SPLITCTL_PARSE_H */
