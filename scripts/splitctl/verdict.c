// SPDX-License-Identifier: GPL-2.0
/*
 * Argument parsing and the assign preflight of splitctl; see verdict.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "verdict.h"

static int say(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int say(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "--name=value" or "--name value": the value, or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *arg = argv[*i];

	if (strncmp(arg, name, n))
		return NULL;
	if (arg[n] == '=')
		return arg + n + 1;
	if (arg[n] || *i + 1 >= argc)
		return NULL;
	(*i)++;
	return argv[*i];
}

static bool is_opt(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(arg, name, n) && (!arg[n] || arg[n] == '=');
}

static int parse_option(int argc, char **argv, int *i, bool assign,
			struct splitctl_pci_args *a, char *why, size_t size)
{
	const char *arg = argv[*i], *v;
	unsigned long n;

	if (is_opt(arg, "--timeout")) {
		v = opt_value(argc, argv, i, "--timeout");
		if (!v || splitctl_parse_uint(v, SPLITCTL_TIMEOUT_MAX, &n) || !n)
			return say(why, size,
				   "--timeout wants seconds, 1 to 600 (got '%s')",
				   v ? v : "");
		a->timeout = n;
		return 0;
	}
	if (!assign)
		return say(why, size, "detach takes no option '%s'", arg);
	if (is_opt(arg, "--vslot")) {
		v = opt_value(argc, argv, i, "--vslot");
		if (!v || splitctl_parse_uint(v, SPLITCTL_VSLOTS - 1, &n))
			return say(why, size,
				   "--vslot wants a slot 0 to 31 (got '%s')",
				   v ? v : "");
		a->vslot = (int)n;
		return 0;
	}
	if (!strcmp(arg, "--permissive"))
		a->permissive = true;
	else if (!strcmp(arg, "--allow-no-iommu"))
		a->allow_no_iommu = true;
	else if (!strcmp(arg, "--force"))
		a->force = true;
	else
		return say(why, size, "unknown option '%s'", arg);
	return 0;
}

int splitctl_parse_pci_args(int argc, char **argv, bool assign,
			    struct splitctl_pci_args *a, char *why,
			    size_t size)
{
	int i, ret;

	memset(a, 0, sizeof(*a));
	a->vslot = SPLITCTL_NO_VSLOT;
	a->timeout = SPLITCTL_TIMEOUT_DEFAULT;
	if (argc < 2 || !strncmp(argv[0], "--", 2) ||
	    !strncmp(argv[1], "--", 2))
		return say(why, size, "%s", "wants BDF DOMID first");
	if (xsplit_bdf_parse(argv[0], strlen(argv[0]), &a->bdf))
		return say(why, size,
			   "'%s' is not a PCI address (DDDD:BB:DD.F or BB:DD.F)",
			   argv[0]);
	if (splitctl_parse_uint(argv[1], SPLITCTL_DOMID_MAX, &a->domid))
		return say(why, size, "'%s' is not a domain id", argv[1]);
	if (!a->domid)
		return say(why, size, "%s",
			   "domain 0 is where the backend runs, not a guest");
	for (i = 2; i < argc; i++) {
		ret = parse_option(argc, argv, &i, assign, a, why, size);
		if (ret)
			return ret;
	}
	return 0;
}

enum splitctl_verdict splitctl_assign_verdict(const struct splitctl_pci_args *a,
					      const struct splitctl_assign_facts *f,
					      char *why, size_t size)
{
	if (f->owner >= 0 && (unsigned long)f->owner == a->domid) {
		snprintf(why, size, "already assigned to domain %lu",
			 a->domid);
		return SPLITCTL_ALREADY;
	}
	if (f->owner >= 0) {
		snprintf(why, size,
			 "assigned to domain %ld; detach it from there first",
			 f->owner);
		return SPLITCTL_REFUSE;
	}
	if (f->driver[0] && !splitctl_driver_is_pciback(f->driver)) {
		snprintf(why, size,
			 "in use by dom0's driver %s; unbind it first if dom0 can do without it",
			 f->driver);
		return SPLITCTL_REFUSE;
	}
	if (f->shares_with) {
		snprintf(why, size,
			 "a memory BAR shares a 4 KiB page with %s: the guest would reach into that device",
			 f->shares_with);
		return SPLITCTL_REFUSE;
	}
	if (!f->driver[0] && !f->pciback_loaded) {
		snprintf(why, size,
			 "no pciback driver is loaded to hold it (insmod xsplit-pciback)");
		return SPLITCTL_REFUSE;
	}
	if (!f->iommu && !a->allow_no_iommu) {
		snprintf(why, size,
			 "Xen has no IOMMU on: the guest could DMA anywhere in the machine (--allow-no-iommu to accept that)");
		return SPLITCTL_REFUSE;
	}
	if (!f->can_reset && !a->force) {
		snprintf(why, size,
			 "the kernel has no way to reset it, so state may pass between guests (--force to accept that)");
		return SPLITCTL_REFUSE;
	}
	return SPLITCTL_GO;
}

int splitctl_format_opts(const struct splitctl_pci_args *a, char *buf,
			 size_t size)
{
	int n = snprintf(buf, size,
			 "msitranslate=0,power_mgmt=0,permissive=%d,rdm_policy=strict",
			 a->permissive ? 1 : 0);

	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}
