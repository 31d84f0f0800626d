/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What splitctl's commands share: where things are, how sysfs and
 * xenstore are read, what is known about a PCI function.
 */
#ifndef SPLITCTL_H
#define SPLITCTL_H

#include <stdbool.h>
#include <stddef.h>

#include <xenctrl.h>
#include <xenstore.h>

#include <xsplit/bdf.h>

#include "parse.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define BACKEND_ROOT	"/local/domain/0/backend"
#define PATH_SIZE	3072	/* xenstore's own limit on absolute paths */
#define SYS_PATH_SIZE	4096	/* PATH_MAX */

/* Set by --json: each command then writes one JSON document instead. */
extern struct json_out *json;

/* Where sysfs is: XSPLIT_SYSFS, for tests on a fake tree, or /sys. */
extern const char *sysfs_root;

/* Where a function's owner came from. */
enum owner_source {
	OWNER_UNKNOWN,		/* neither xenstore nor xsplit_guest said */
	OWNER_XENSTORE,		/* dev-N of dom0's pci backends */
	OWNER_XSPLIT_GUEST,	/* xenstore unreadable: xsplit_guest */
};

struct pci_fn {
	struct xsplit_bdf addr;
	char name[XSPLIT_BDF_STR_SIZE];
	bool driver_known;
	char driver[SPLITCTL_NAME_SIZE];	/* "" when none is bound */
	bool res_known;
	struct splitctl_res res[SPLITCTL_NR_RES];
	/* Per resource: the function whose memory shares a page, or -1. */
	int shares[SPLITCTL_NR_RES];
	enum owner_source owner_src;
	long owner;				/* a domid, or -1 for none */
};

/* What the pci backends in xenstore hand to whom. */
struct xs_owner {
	struct xsplit_bdf addr;
	unsigned long domid;
};

struct owner_map {
	bool known;
	char why[160];		/* when not known */
	struct xs_owner *v;
	size_t n, cap;
};

enum iommu_state { IOMMU_UNKNOWN, IOMMU_OFF, IOMMU_ON };
extern const char *const iommu_names[];

const char *printable(char *s);
bool make_path(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *read_node(struct xs_handle *xs, const char *path, unsigned int *len);
int list_dir(struct xs_handle *xs, const char *path, char ***names,
	     unsigned int *count);
bool sys_path(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int read_small_file(const char *path, char *buf, size_t size, size_t *len);
xc_interface *open_xc(void);
bool same_bdf(const struct xsplit_bdf *a, const struct xsplit_bdf *b);
void load_owner_map(struct owner_map *m);
const struct xs_owner *owner_lookup(const struct owner_map *m,
				    const struct xsplit_bdf *addr);
void load_driver(struct pci_fn *fn);
void load_resources(struct pci_fn *fn);
/* A present memory BAR or ROM (not an I/O one). */
bool res_is_mem(const struct splitctl_res *r);
int find_shared_pages(struct pci_fn *fns, size_t n);
int list_functions(struct pci_fn **out, size_t *count);
enum iommu_state query_iommu(char *why, size_t size);
int finish_json(int ret);
int domain_exists(struct xs_handle *xs, unsigned long domid);

/* pci_assign.c */
int cmd_pci_assign(int argc, char **argv);
int cmd_pci_detach(int argc, char **argv);

#endif /* SPLITCTL_H */
