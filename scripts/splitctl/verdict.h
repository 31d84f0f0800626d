/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `pci assign` and `pci detach` decide before they change anything:
 * their arguments, and whether a function may go to a guest. No I/O, so
 * the unit tests can put every case to it.
 */
#ifndef SPLITCTL_VERDICT_H
#define SPLITCTL_VERDICT_H

#include <xsplit/plain.h>
#include <xsplit/bdf.h>

/* Virtual slots of the bus pcifront shows: 0 to 31. */
#define SPLITCTL_VSLOTS		32
#define SPLITCTL_NO_VSLOT	(-1)

/* Bounds of --timeout, in seconds. */
#define SPLITCTL_TIMEOUT_DEFAULT	30
#define SPLITCTL_TIMEOUT_MAX		600

struct splitctl_pci_args {
	struct xsplit_bdf bdf;
	unsigned long domid;
	int vslot;		/* SPLITCTL_NO_VSLOT unless --vslot */
	bool permissive;
	bool allow_no_iommu;
	bool force;
	unsigned long timeout;	/* seconds to wait for the guest */
};

/*
 * `assign` (@assign true) or `detach` arguments after the subcommand:
 * BDF DOMID, then options, in any order after the two. BDF is
 * DDDD:BB:DD.F or BB:DD.F (domain 0); DOMID a guest's (1 to
 * SPLITCTL_DOMID_MAX: dom0 is no target). detach takes only --timeout.
 * Returns 0, or -EINVAL with the reason in @why.
 */
int splitctl_parse_pci_args(int argc, char **argv, bool assign,
			    struct splitctl_pci_args *a, char *why,
			    size_t size);

/* What is known about the function and the domain when assign runs. */
struct splitctl_assign_facts {
	const char *driver;	/* bound driver, "" for none */
	bool pciback_loaded;	/* /sys/bus/pci/drivers/pciback exists */
	long owner;		/* domain its pci backend serves, or -1 */
	const char *shares_with; /* function with memory in a page of ours */
	bool iommu;		/* Xen has I/O virtualisation on */
	bool can_reset;		/* the kernel has a reset method for it */
};

enum splitctl_verdict {
	SPLITCTL_GO,		/* assign it */
	SPLITCTL_ALREADY,	/* it is the domain's already: nothing to do */
	SPLITCTL_REFUSE,	/* say why, change nothing */
};

/*
 * Whether @f may go to @a->domid. The order matters only for which reason
 * is given when several hold: who has the function comes first, then what
 * is wrong with the function, then what is missing on this host.
 * @why gets the reason for SPLITCTL_REFUSE and SPLITCTL_ALREADY.
 */
enum splitctl_verdict splitctl_assign_verdict(const struct splitctl_pci_args *a,
					      const struct splitctl_assign_facts *f,
					      char *why, size_t size);

/*
 * opts-N for the backend, in the form libxl writes: both backends parse
 * it. Returns the length, or -ENOSPC.
 */
int splitctl_format_opts(const struct splitctl_pci_args *a, char *buf,
			 size_t size);

#endif /* SPLITCTL_VERDICT_H */
