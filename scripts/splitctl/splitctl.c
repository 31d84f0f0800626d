// SPDX-License-Identifier: GPL-2.0
/*
 * splitctl: look at Xen split-driver devices from the backend domain, and
 * pass PCI functions through to running guests.
 *
 * `status` and `pci list` read what the toolstack, the kernel and the
 * drivers have published in xenstore and sysfs, and change nothing;
 * `pci assign` and `pci detach` are in pci_assign.c. Each prints text or
 * (--json) one JSON document.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenstore.h>

#include <xsplit/bar_page.h>
#include <xsplit/bdf.h>

#include "json.h"
#include "parse.h"
#include "splitctl.h"

_Static_assert(SPLITCTL_DOMID_MAX == DOMID_FIRST_RESERVED - 1,
	       "parse.h's domid limit must be Xen's");

static const char *const backend_types[] = { "vbd", "vif", "pci" };

static void usage(FILE *out)
{
	fputs("usage: splitctl [--json] <command> [args]\n"
	      "\n"
	      "commands:\n"
	      "  status [DOMID]         list backend devices (vbd, vif, pci) of this\n"
	      "                         domain with their frontends and statistics;\n"
	      "                         only DOMID's if given\n"
	      "  pci list               list PCI functions: driver, whether assignable,\n"
	      "                         owner, whether Xen has an IOMMU on, BARs\n"
	      "  pci assign BDF DOMID [--vslot N] [--permissive] [--allow-no-iommu]\n"
	      "             [--force] [--timeout S]\n"
	      "                         pass a PCI function through to a running PV\n"
	      "                         guest and wait until its pcifront has it\n"
	      "  pci detach BDF DOMID [--timeout S]\n"
	      "                         take it back: unplug, revoke, reset\n"
	      "  help, --help           show this text\n"
	      "\n"
	      "options:\n"
	      "  --json                 one JSON document on stdout instead of text\n"
	      "  --vslot N              the guest's virtual slot (0-31) for the function\n"
	      "  --permissive           let the guest write config space registers\n"
	      "                         pciback does not know\n"
	      "  --allow-no-iommu       assign even though Xen has no IOMMU on\n"
	      "  --force                assign a function the kernel cannot reset\n"
	      "  --timeout S            wait at most S seconds (default 30) for the\n"
	      "                         guest\n"
	      "\n"
	      "exit status: 0 done or nothing to do, 1 a step failed (an assign is\n"
	      "rolled back), 2 bad usage or input, or refused (nothing changed)\n"
	      "environment: XSPLIT_SYSFS  where sysfs is (default /sys)\n"
	      "             XSPLIT_FAIL_STEP  make that step of assign or detach fail\n"
	      "                               (for tests)\n",
	      out);
}

/*
 * Frontend nodes are writable by the guest, so anything printed from
 * xenstore is reduced to printable ASCII: a guest must not be able to send
 * escape sequences to the administrator's terminal.
 */
const char *printable(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return s;
}

bool make_path(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_SIZE, fmt, ap);
	va_end(ap);
	return n >= 0 && n < PATH_SIZE;
}

/*
 * Returns a malloc()ed string or NULL if the node is missing or unreadable.
 * Its length goes to @len (if not NULL): a value may hold a NUL.
 */
char *read_node(struct xs_handle *xs, const char *path,
		       unsigned int *len)
{
	unsigned int n;

	return xs_read(xs, XBT_NULL, path, len ? len : &n);
}

/* "4(Connected)", "-" for a missing node, "?(invalid)" for junk. */
static void format_state(char *buf, size_t size, const char *raw)
{
	unsigned long v;

	if (!raw)
		snprintf(buf, size, "-");
	else if (splitctl_parse_uint(raw, ~0ul, &v))
		snprintf(buf, size, "?(invalid)");
	else
		snprintf(buf, size, "%lu(%s)", v, splitctl_state_name(v));
}

/* Numeric names first, in numeric order; xenstore lists them unordered. */
static int cmp_names(const void *a, const void *b)
{
	const char *x = *(const char *const *)a;
	const char *y = *(const char *const *)b;
	unsigned long vx, vy;
	bool nx = !splitctl_parse_uint(x, ~0ul, &vx);
	bool ny = !splitctl_parse_uint(y, ~0ul, &vy);

	if (nx && ny)
		return vx < vy ? -1 : vx > vy;
	if (nx != ny)
		return nx ? -1 : 1;
	return strcmp(x, y);
}

/*
 * List @path's children, sorted. A missing directory is not an error: most
 * domains have no devices of most types. The result is one allocation.
 */
int list_dir(struct xs_handle *xs, const char *path, char ***names,
		    unsigned int *count)
{
	*names = xs_directory(xs, XBT_NULL, path, count);
	if (*names) {
		qsort(*names, *count, sizeof(**names), cmp_names);
		return 0;
	}
	*count = 0;
	if (errno == ENOENT)
		return 0;
	fprintf(stderr, "splitctl: cannot list %s: %s\n", path,
		strerror(errno));
	return -1;
}

/*
 * Where sysfs is; tests point XSPLIT_SYSFS at a fake tree so that the PCI
 * side can be checked on a machine with no Xen and no such devices.
 */
const char *sysfs_root = "/sys";

/* The sysfs root followed by @fmt; false if that does not fit. */
bool sys_path(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, SYS_PATH_SIZE, "%s", sysfs_root);
	if (n < 0 || n >= SYS_PATH_SIZE)
		return false;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, SYS_PATH_SIZE - n, fmt, ap);
	va_end(ap);
	return m >= 0 && m < SYS_PATH_SIZE - n;
}

/*
 * Read all of a small sysfs file into @buf (not terminated). Returns 0 and
 * its length in @len, or a negative errno; -EFBIG if it does not fit,
 * since a cut-off file would parse as something it is not.
 */
int read_small_file(const char *path, char *buf, size_t size,
			   size_t *len)
{
	size_t got = 0;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (!err && got == size)
		err = -EFBIG;
	close(fd);
	*len = got;
	return err;
}

/* Set by --json: each command then writes one JSON document instead. */
struct json_out *json;

/* More than any backend of ours publishes; the rest are left out. */
#define MAX_STATS	64

struct stat_entry {
	char name[SPLITCTL_NAME_SIZE];
	u64 v;
};

struct stat_set {
	bool known;
	unsigned int n;
	struct stat_entry e[MAX_STATS];
};

static int stat_add(const char *name, u64 v, void *arg)
{
	struct stat_set *s = arg;
	size_t len = strlen(name);

	if (s->n == MAX_STATS)
		return -ENOSPC;
	/* Callers have checked the name already; this keeps the copy safe. */
	if (len >= sizeof(s->e[0].name))
		return -ENAMETOOLONG;
	memcpy(s->e[s->n].name, name, len + 1);
	s->e[s->n].v = v;
	s->n++;
	return 0;
}

static int cmp_stat(const void *a, const void *b)
{
	return strcmp(((const struct stat_entry *)a)->name,
		      ((const struct stat_entry *)b)->name);
}

/*
 * A statistics/ directory of one counter per file, as xsplit-blkback,
 * xsplit-netback and the in-tree xen-blkback publish under their xenbus
 * device. No directory is no error: not every backend has one.
 */
static void read_stat_dir(const char *dir_path, struct stat_set *s)
{
	char path[SYS_PATH_SIZE], buf[64];
	struct dirent *de;
	bool failed = false;
	size_t len;
	DIR *dir;
	int ret;
	u64 v;

	s->known = false;
	s->n = 0;
	dir = opendir(dir_path);
	if (!dir) {
		if (errno != ENOENT)
			fprintf(stderr, "splitctl: cannot list %s: %s\n",
				dir_path, strerror(errno));
		return;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			failed = errno != 0;
			break;
		}
		/* Also keeps "." and ".." out: the name set has no dot. */
		if (!splitctl_stat_name_ok(de->d_name))
			continue;
		ret = snprintf(path, sizeof(path), "%s/%s", dir_path,
			       de->d_name);
		if (ret < 0 || ret >= (int)sizeof(path))
			continue;
		ret = read_small_file(path, buf, sizeof(buf), &len);
		if (!ret)
			ret = splitctl_parse_counter(buf, len, &v);
		if (ret) {
			fprintf(stderr, "splitctl: skipping %s: %s\n", path,
				ret == -EINVAL ? "not a counter" : strerror(-ret));
			continue;
		}
		if (stat_add(de->d_name, v, s)) {
			fprintf(stderr,
				"splitctl: %s: more than %d counters; the rest are left out\n",
				dir_path, MAX_STATS);
			break;
		}
	}
	if (failed)
		fprintf(stderr, "splitctl: cannot list %s: %s\n", dir_path,
			strerror(errno));
	closedir(dir);
	if (failed)
		return;
	qsort(s->e, s->n, sizeof(s->e[0]), cmp_stat);
	s->known = true;
}

/* The xenbus device a backend's statistics hang off, if its ids are numbers. */
static void read_backend_stats(const char *type, const char *domid,
			       const char *devid, struct stat_set *s)
{
	char path[SYS_PATH_SIZE];
	unsigned long d, v;

	s->known = false;
	s->n = 0;
	/* Rebuilt from numbers, so a name cannot walk out of the directory. */
	if (splitctl_parse_uint(domid, ~0ul, &d) ||
	    splitctl_parse_uint(devid, ~0ul, &v))
		return;
	if (!sys_path(path, "/bus/xen-backend/devices/%s-%lu-%lu/statistics",
		      type, d, v))
		return;
	read_stat_dir(path, s);
}

/* xsplit-pciback's per-function counters, in the order it prints them. */
static void read_pci_stats(const char *bdf, struct stat_set *s)
{
	char path[SYS_PATH_SIZE], buf[1024];
	size_t len;
	int ret;

	s->known = false;
	s->n = 0;
	if (!sys_path(path, "/bus/pci/devices/%s/xsplit_stats", bdf))
		return;
	ret = read_small_file(path, buf, sizeof(buf), &len);
	if (ret == -ENOENT)
		return;
	if (ret) {
		fprintf(stderr, "splitctl: cannot read %s: %s\n", path,
			strerror(-ret));
		return;
	}
	ret = splitctl_parse_stat_lines(buf, len, stat_add, s);
	if (ret < 0) {
		fprintf(stderr, "splitctl: %s: %s\n", path,
			ret == -EINVAL ? "malformed" : "too many counters");
		s->n = 0;
		return;
	}
	s->known = true;
}

static void print_stats_text(const struct stat_set *s)
{
	unsigned int i;

	printf(" statistics:");
	for (i = 0; i < s->n; i++)
		printf(" %s=%llu", s->e[i].name, (unsigned long long)s->e[i].v);
}

/* An object of name -> number, or null if there were none to read. */
static void json_stats(const struct stat_set *s)
{
	unsigned int i;

	if (!s->known) {
		json_null(json);
		return;
	}
	json_open_object(json);
	for (i = 0; i < s->n; i++) {
		json_key(json, s->e[i].name);
		json_uint(json, s->e[i].v);
	}
	json_close_object(json);
}

/* A decimal name as a number; anything else (never seen) as null. */
static void json_id(const char *key, const char *s)
{
	unsigned long v;

	json_key(json, key);
	if (splitctl_parse_uint(s, ~0ul, &v))
		json_null(json);
	else
		json_uint(json, v);
}

/* KEY: the state as a number, KEY_name: its name; null for a missing node. */
static void json_state(const char *key, const char *key_name,
		       const char *raw)
{
	unsigned long v;
	bool valid = raw && !splitctl_parse_uint(raw, ~0ul, &v);

	json_key(json, key);
	if (valid)
		json_uint(json, v);
	else
		json_null(json);
	json_key(json, key_name);
	if (valid)
		json_string(json, splitctl_state_name(v));
	else if (raw)
		json_string(json, "invalid");
	else
		json_null(json);
}

struct dev_key {
	unsigned long n;
	const char *key;
};

static int cmp_dev_key(const void *a, const void *b)
{
	unsigned long x = ((const struct dev_key *)a)->n;
	unsigned long y = ((const struct dev_key *)b)->n;

	return x < y ? -1 : x > y;
}

/*
 * The functions a pci backend device passes through (libxl's dev-N, in
 * N's order) with xsplit-pciback's counters for each: that backend keeps
 * them per function, not per device.
 */
static int show_pci_functions(struct xs_handle *xs, const char *base)
{
	char path[PATH_SIZE], name[XSPLIT_BDF_STR_SIZE];
	struct xsplit_bdf addr;
	struct stat_set stats;
	struct dev_key *order;
	unsigned int i, n, m = 0, len;
	unsigned long idx;
	char **keys, *val;

	if (list_dir(xs, base, &keys, &n)) {
		if (json)
			json_null(json);
		return -1;
	}
	order = calloc(n ? n : 1, sizeof(*order));
	if (!order) {
		fprintf(stderr, "splitctl: out of memory\n");
		free(keys);
		if (json)
			json_null(json);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (splitctl_parse_dev_key(keys[i], &idx))
			continue;
		order[m].n = idx;
		order[m].key = keys[i];
		m++;
	}
	qsort(order, m, sizeof(*order), cmp_dev_key);

	if (json)
		json_open_array(json);
	for (i = 0; i < m; i++) {
		if (!make_path(path, "%s/%s", base, order[i].key))
			continue;
		val = xs_read(xs, XBT_NULL, path, &len);
		/* Gone since the listing: libxl removes it on detach. */
		if (!val)
			continue;
		if (xsplit_bdf_parse(val, len, &addr)) {
			fprintf(stderr,
				"splitctl: ignoring %s: not a PCI address\n",
				printable(path));
			free(val);
			continue;
		}
		free(val);
		xsplit_bdf_format(&addr, name, sizeof(name));
		read_pci_stats(name, &stats);
		if (json) {
			json_open_object(json);
			json_key(json, "dev");
			json_uint(json, order[i].n);
			json_key(json, "bdf");
			json_string(json, name);
			json_key(json, "statistics");
			json_stats(&stats);
			json_close_object(json);
		} else {
			printf("  function %s", name);
			if (stats.known)
				print_stats_text(&stats);
			putchar('\n');
		}
	}
	if (json)
		json_close_array(json);
	free(order);
	free(keys);
	return 0;
}

static int show_device(struct xs_handle *xs, const char *type,
		       const char *domid, const char *devid)
{
	char base[PATH_SIZE], path[PATH_SIZE];
	char be_state[32], fe_state[32];
	char *state, *frontend, *fstate = NULL;
	bool is_pci = !strcmp(type, "pci");
	unsigned int fe_len = 0;
	struct stat_set stats;
	int ret = 0;

	if (!make_path(base, "%s/%s/%s/%s", BACKEND_ROOT, type, domid, devid)) {
		fprintf(stderr, "splitctl: xenstore path too long\n");
		return -1;
	}

	make_path(path, "%s/state", base);
	state = read_node(xs, path, NULL);
	make_path(path, "%s/frontend", base);
	frontend = read_node(xs, path, &fe_len);
	if (frontend && make_path(path, "%s/state", frontend))
		fstate = read_node(xs, path, NULL);
	read_backend_stats(type, domid, devid, &stats);

	if (json) {
		json_open_object(json);
		json_key(json, "type");
		json_string(json, type);
		json_id("domid", domid);
		json_id("devid", devid);
		json_key(json, "backend");
		json_string(json, base);
		json_state("backend_state", "backend_state_name", state);
		json_key(json, "frontend");
		if (frontend)
			json_string_len(json, frontend, fe_len);
		else
			json_null(json);
		json_state("frontend_state", "frontend_state_name", fstate);
		json_key(json, "statistics");
		json_stats(&stats);
		if (is_pci) {
			json_key(json, "functions");
			ret = show_pci_functions(xs, base);
		}
		json_close_object(json);
	} else {
		format_state(be_state, sizeof(be_state), state);
		format_state(fe_state, sizeof(fe_state), fstate);
		printf("%s domid=%s devid=%s backend=%s frontend=%s frontend-state=%s\n",
		       type, domid, devid, be_state,
		       frontend ? printable(frontend) : "-", fe_state);
		if (stats.known) {
			printf(" ");
			print_stats_text(&stats);
			putchar('\n');
		}
		if (is_pci)
			ret = show_pci_functions(xs, base);
	}

	free(fstate);
	free(frontend);
	free(state);
	return ret;
}

static int walk_domain(struct xs_handle *xs, const char *type,
		       const char *domid, unsigned int *shown)
{
	char path[PATH_SIZE];
	char **devids;
	unsigned int i, n;
	int ret = 0;

	if (!make_path(path, "%s/%s/%s", BACKEND_ROOT, type, domid)) {
		fprintf(stderr, "splitctl: xenstore path too long\n");
		return -1;
	}
	if (list_dir(xs, path, &devids, &n))
		return -1;

	for (i = 0; i < n && !ret; i++) {
		ret = show_device(xs, type, domid, devids[i]);
		if (!ret)
			(*shown)++;
	}
	free(devids);
	return ret;
}

static int walk_type(struct xs_handle *xs, const char *type,
		     unsigned int *shown)
{
	char path[PATH_SIZE];
	char **domids;
	unsigned int i, n;
	int ret = 0;

	make_path(path, "%s/%s", BACKEND_ROOT, type);
	if (list_dir(xs, path, &domids, &n))
		return -1;

	for (i = 0; i < n && !ret; i++)
		ret = walk_domain(xs, type, printable(domids[i]), shown);
	free(domids);
	return ret;
}

/* libxenctrl logs to stderr by default; we report failures ourselves. */
static void quiet_vmessage(struct xentoollog_logger *logger,
			   xentoollog_level level, int errnoval,
			   const char *context, const char *format, va_list al)
{
	(void)logger;
	(void)level;
	(void)errnoval;
	(void)context;
	(void)format;
	(void)al;
}

static void quiet_destroy(struct xentoollog_logger *logger)
{
	(void)logger;
}

static xentoollog_logger quiet_logger = {
	.vmessage = quiet_vmessage,
	.destroy = quiet_destroy,
};

/* NULL with errno set when this is not a domain that may talk to Xen. */
xc_interface *open_xc(void)
{
	return xc_interface_open(&quiet_logger, &quiet_logger, 0);
}

static void report_hypervisor(void)
{
	xc_interface *xch;
	int ver;

	xch = open_xc();
	if (!xch) {
		printf("hypervisor: not reachable (%s)\n", strerror(errno));
		return;
	}
	ver = xc_version(xch, XENVER_version, NULL);
	if (ver < 0)
		printf("hypervisor: reachable, version unknown\n");
	else
		printf("hypervisor: Xen %d.%d\n", ver >> 16, ver & 0xffff);
	xc_interface_close(xch);
}


bool same_bdf(const struct xsplit_bdf *a, const struct xsplit_bdf *b)
{
	return a->domain == b->domain && a->bus == b->bus &&
	       a->devfn == b->devfn;
}

static int owner_add(struct owner_map *m, const struct xsplit_bdf *addr,
		     unsigned long domid)
{
	struct xs_owner *v;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;

		v = realloc(m->v, cap * sizeof(*v));
		if (!v) {
			fprintf(stderr, "splitctl: out of memory\n");
			return -1;
		}
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].addr = *addr;
	m->v[m->n].domid = domid;
	m->n++;
	return 0;
}

/* dev-N of one pci backend device: the functions it passes through. */
static int owners_of_device(struct xs_handle *xs, struct owner_map *m,
			    unsigned long domid, const char *devid)
{
	char path[PATH_SIZE];
	struct xsplit_bdf addr;
	unsigned int i, n, len;
	unsigned long idx;
	char **keys, *val;
	int ret = 0;

	if (!make_path(path, "%s/pci/%lu/%s", BACKEND_ROOT, domid, devid)) {
		fprintf(stderr, "splitctl: xenstore path too long\n");
		return -1;
	}
	if (list_dir(xs, path, &keys, &n))
		return -1;
	for (i = 0; i < n && !ret; i++) {
		if (splitctl_parse_dev_key(keys[i], &idx))
			continue;
		if (!make_path(path, "%s/pci/%lu/%s/%s", BACKEND_ROOT, domid,
			       devid, keys[i]))
			continue;
		val = xs_read(xs, XBT_NULL, path, &len);
		/* Gone since the listing: libxl removes it on detach. */
		if (!val)
			continue;
		if (xsplit_bdf_parse(val, len, &addr))
			fprintf(stderr,
				"splitctl: ignoring %s: not a PCI address\n",
				printable(path));
		else
			ret = owner_add(m, &addr, domid);
		free(val);
	}
	free(keys);
	return ret;
}

/*
 * Every function a pci backend of ours (dom0's) passes through, by walking
 * BACKEND_ROOT/pci/DOMID/DEVID/dev-N. Works for xsplit-pciback and the
 * in-tree xen-pciback alike, since libxl writes these, not the backend.
 */
static int read_owner_map(struct xs_handle *xs, struct owner_map *m)
{
	char path[PATH_SIZE];
	char **domids, **devids;
	unsigned int i, j, nd, nv;
	unsigned long domid;
	int ret = 0;

	make_path(path, "%s/pci", BACKEND_ROOT);
	if (list_dir(xs, path, &domids, &nd))
		return -1;
	for (i = 0; i < nd && !ret; i++) {
		if (splitctl_parse_uint(domids[i], SPLITCTL_DOMID_MAX, &domid))
			continue;
		make_path(path, "%s/pci/%lu", BACKEND_ROOT, domid);
		/* On failure devids is NULL and nv 0. */
		ret = list_dir(xs, path, &devids, &nv);
		for (j = 0; j < nv && !ret; j++)
			ret = owners_of_device(xs, m, domid, devids[j]);
		free(devids);
	}
	free(domids);
	return ret;
}

void load_owner_map(struct owner_map *m)
{
	struct xs_handle *xs;

	memset(m, 0, sizeof(*m));
	xs = xs_open(0);
	if (!xs) {
		snprintf(m->why, sizeof(m->why), "cannot open xenstore: %s",
			 strerror(errno));
		return;
	}
	if (read_owner_map(xs, m)) {
		snprintf(m->why, sizeof(m->why),
			 "cannot read %s/pci (see above)", BACKEND_ROOT);
		m->n = 0;
	} else {
		m->known = true;
	}
	xs_close(xs);
}

const struct xs_owner *owner_lookup(const struct owner_map *m,
					   const struct xsplit_bdf *addr)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (same_bdf(&m->v[i].addr, addr))
			return &m->v[i];
	return NULL;
}

void load_driver(struct pci_fn *fn)
{
	char path[SYS_PATH_SIZE], target[SYS_PATH_SIZE];
	ssize_t n;
	int ret;

	if (!sys_path(path, "/bus/pci/devices/%s/driver", fn->name)) {
		fprintf(stderr, "splitctl: %s: sysfs path too long\n",
			fn->name);
		return;
	}
	n = readlink(path, target, sizeof(target));
	if (n < 0 && errno == ENOENT) {
		fn->driver[0] = '\0';
		fn->driver_known = true;
		return;
	}
	if (n < 0) {
		fprintf(stderr, "splitctl: %s: cannot read link %s: %s\n",
			fn->name, path, strerror(errno));
		return;
	}
	if ((size_t)n == sizeof(target)) {
		fprintf(stderr, "splitctl: %s: link %s is too long\n",
			fn->name, path);
		return;
	}
	ret = splitctl_link_basename(target, (size_t)n, fn->driver,
				     sizeof(fn->driver));
	if (ret) {
		fprintf(stderr,
			"splitctl: %s: link %s names no driver: %s\n",
			fn->name, path, strerror(-ret));
		return;
	}
	fn->driver_known = true;
}

void load_resources(struct pci_fn *fn)
{
	char path[SYS_PATH_SIZE], buf[4096];
	size_t len;
	int ret;

	memset(fn->res, 0, sizeof(fn->res));
	if (!sys_path(path, "/bus/pci/devices/%s/resource", fn->name)) {
		fprintf(stderr, "splitctl: %s: sysfs path too long\n",
			fn->name);
		return;
	}
	ret = read_small_file(path, buf, sizeof(buf), &len);
	if (ret) {
		fprintf(stderr, "splitctl: %s: cannot read %s: %s\n",
			fn->name, path, strerror(-ret));
		return;
	}
	/* Fewer lines than resources leaves the rest empty, as zeroes. */
	ret = splitctl_parse_resources(buf, len, fn->res, SPLITCTL_NR_RES);
	if (ret < 0) {
		memset(fn->res, 0, sizeof(fn->res));
		fprintf(stderr, "splitctl: %s: %s is malformed\n", fn->name,
			path);
		return;
	}
	fn->res_known = true;
}

/*
 * xsplit-pciback's own record of the owner: 1 and the domid, 0 for none,
 * -1 when there is no such file (another driver, or the in-tree pciback)
 * or it cannot be read.
 */
static int read_xsplit_guest(const struct pci_fn *fn, unsigned long *domid)
{
	char path[SYS_PATH_SIZE], buf[128];
	size_t len;
	int ret;

	if (!sys_path(path, "/bus/pci/devices/%s/xsplit_guest", fn->name))
		return -1;
	ret = read_small_file(path, buf, sizeof(buf), &len);
	if (ret == -ENOENT)
		return -1;
	if (ret) {
		fprintf(stderr, "splitctl: %s: cannot read %s: %s\n",
			fn->name, path, strerror(-ret));
		return -1;
	}
	ret = splitctl_parse_xsplit_guest(buf, len, domid, NULL);
	if (ret < 0) {
		fprintf(stderr, "splitctl: %s: %s is malformed\n", fn->name,
			path);
		return -1;
	}
	return ret;
}

static void describe_owner(char *buf, size_t size, long domid)
{
	if (domid < 0)
		snprintf(buf, size, "none");
	else
		snprintf(buf, size, "domain %ld", domid);
}

/*
 * xenstore first: it is what the toolstack acts on, and it covers the
 * in-tree pciback too. xsplit_guest checks it where there is one, and
 * stands in for it when xenstore cannot be read.
 */
static void resolve_owner(struct pci_fn *fn, const struct owner_map *m)
{
	const struct xs_owner *o;
	unsigned long guest_domid = 0;
	char xs_says[32], guest_says[32];
	long guest_owner;
	int guest;

	guest = read_xsplit_guest(fn, &guest_domid);
	guest_owner = guest > 0 ? (long)guest_domid : -1;
	if (m->known) {
		o = owner_lookup(m, &fn->addr);
		fn->owner_src = OWNER_XENSTORE;
		fn->owner = o ? (long)o->domid : -1;
		/* They differ for a moment while xl assigns or detaches. */
		if (guest >= 0 && guest_owner != fn->owner) {
			describe_owner(xs_says, sizeof(xs_says), fn->owner);
			describe_owner(guest_says, sizeof(guest_says),
				       guest_owner);
			fprintf(stderr,
				"splitctl: %s: owner: xenstore says %s, xsplit_guest says %s; showing xenstore's\n",
				fn->name, xs_says, guest_says);
		}
	} else if (guest >= 0) {
		fn->owner_src = OWNER_XSPLIT_GUEST;
		fn->owner = guest_owner;
	} else {
		fn->owner_src = OWNER_UNKNOWN;
		fn->owner = -1;
	}
}

bool res_is_mem(const struct splitctl_res *r)
{
	return splitctl_res_present(r) && (r->flags & SPLITCTL_RES_MEM) &&
	       !(r->flags & SPLITCTL_RES_IO);
}

/*
 * The check xsplit-pciback makes before it passes a function through
 * (pciback/conf.c): a guest maps whole 4 KiB pages, so a memory BAR or
 * ROM that shares a page with another function's hands the guest part of
 * that function. Shown here so that the refusal is no surprise.
 */
int find_shared_pages(struct pci_fn *fns, size_t n)
{
	struct xsplit_range *others, bar;
	size_t i, j, k, total = 0;
	unsigned int m;
	int *who, hit;

	for (i = 0; i < n; i++)
		for (k = 0; k < SPLITCTL_NR_RES; k++)
			fns[i].shares[k] = -1;
	for (i = 0; i < n; i++)
		for (k = 0; k < SPLITCTL_NR_RES; k++)
			total += fns[i].res_known && res_is_mem(&fns[i].res[k]);
	if (!total)
		return 0;
	others = calloc(total, sizeof(*others));
	who = calloc(total, sizeof(*who));
	if (!others || !who) {
		free(others);
		free(who);
		fprintf(stderr, "splitctl: out of memory\n");
		return -1;
	}

	for (i = 0; i < n; i++) {
		if (!fns[i].res_known)
			continue;
		m = 0;
		for (j = 0; j < n; j++) {
			if (j == i || !fns[j].res_known)
				continue;
			for (k = 0; k < SPLITCTL_NR_RES; k++) {
				if (!res_is_mem(&fns[j].res[k]))
					continue;
				others[m].start = fns[j].res[k].start;
				others[m].end = fns[j].res[k].end;
				who[m++] = (int)j;
			}
		}
		for (k = 0; k < SPLITCTL_NR_RES; k++) {
			if (!res_is_mem(&fns[i].res[k]))
				continue;
			bar.start = fns[i].res[k].start;
			bar.end = fns[i].res[k].end;
			hit = xsplit_bar_page_conflict(&bar, others, m);
			fns[i].shares[k] = hit < 0 ? -1 : who[hit];
		}
	}
	free(others);
	free(who);
	return 0;
}

static int cmp_fn(const void *a, const void *b)
{
	const struct xsplit_bdf *x = &((const struct pci_fn *)a)->addr;
	const struct xsplit_bdf *y = &((const struct pci_fn *)b)->addr;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->bus != y->bus)
		return x->bus < y->bus ? -1 : 1;
	return x->devfn < y->devfn ? -1 : x->devfn > y->devfn;
}

/* The functions under /sys/bus/pci/devices, sorted by address. */
int list_functions(struct pci_fn **out, size_t *count)
{
	char path[SYS_PATH_SIZE], canon[XSPLIT_BDF_STR_SIZE];
	struct pci_fn *fns = NULL, *grown;
	size_t n = 0, cap = 0;
	struct xsplit_bdf addr;
	struct dirent *de;
	DIR *dir;

	if (!sys_path(path, "/bus/pci/devices")) {
		fprintf(stderr, "splitctl: sysfs path too long\n");
		return -1;
	}
	dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "splitctl: cannot list %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de)
			break;
		if (de->d_name[0] == '.')
			continue;
		/* Only the form the kernel gives them, so paths stay ours. */
		if (xsplit_bdf_parse(de->d_name, strlen(de->d_name), &addr) ||
		    xsplit_bdf_format(&addr, canon, sizeof(canon)) < 0 ||
		    strcmp(canon, de->d_name)) {
			char shown[sizeof(de->d_name)];

			snprintf(shown, sizeof(shown), "%s", de->d_name);
			fprintf(stderr,
				"splitctl: skipping %s/%s: not a PCI address\n",
				path, printable(shown));
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			grown = realloc(fns, cap * sizeof(*fns));
			if (!grown) {
				fprintf(stderr, "splitctl: out of memory\n");
				goto fail;
			}
			fns = grown;
		}
		memset(&fns[n], 0, sizeof(fns[n]));
		fns[n].addr = addr;
		memcpy(fns[n].name, canon, sizeof(canon));
		n++;
	}
	if (errno) {
		fprintf(stderr, "splitctl: cannot list %s: %s\n", path,
			strerror(errno));
		goto fail;
	}
	closedir(dir);
	if (n)
		qsort(fns, n, sizeof(*fns), cmp_fn);
	*out = fns;
	*count = n;
	return 0;
fail:
	closedir(dir);
	free(fns);
	return -1;
}


const char *const iommu_names[] = { "unknown", "off", "on" };

/*
 * Whether Xen has I/O virtualisation on, i.e. whether a passed-through
 * device's DMA is confined to its guest. Not being in dom0 is not an
 * error for a listing: the answer is then "unknown", and @why says why.
 */
enum iommu_state query_iommu(char *why, size_t size)
{
	xc_physinfo_t info = { 0 };
	xc_interface *xch;
	int ret;

	xch = open_xc();
	if (!xch) {
		snprintf(why, size, "cannot open the hypervisor interface: %s",
			 strerror(errno));
		return IOMMU_UNKNOWN;
	}
	ret = xc_physinfo(xch, &info);
	if (ret) {
		snprintf(why, size, "xc_physinfo: %s", strerror(errno));
		xc_interface_close(xch);
		return IOMMU_UNKNOWN;
	}
	xc_interface_close(xch);
	return info.capabilities & XEN_SYSCTL_PHYSCAP_directio ? IOMMU_ON :
								 IOMMU_OFF;
}

static void print_res_text(const struct pci_fn *fns, const struct pci_fn *fn,
			   unsigned int k)
{
	const struct splitctl_res *r = &fn->res[k];

	/* A ROM BAR has no width or prefetch bits, whatever the kernel sets. */
	if (k == SPLITCTL_ROM)
		printf("  ROM mem");
	else
		printf("  BAR%u %s%s%s", k,
		       r->flags & SPLITCTL_RES_IO ? "io" : "mem",
		       r->flags & SPLITCTL_RES_MEM_64 ? " 64-bit" : "",
		       r->flags & SPLITCTL_RES_PREFETCH ? " prefetchable" : "");
	printf(" 0x%llx size 0x%llx", (unsigned long long)r->start,
	       (unsigned long long)splitctl_res_size(r));
	if (fn->shares[k] >= 0)
		printf(" shares a 4 KiB page with %s", fns[fn->shares[k]].name);
	putchar('\n');
}

static void print_fn_text(const struct pci_fn *fns, const struct pci_fn *fn)
{
	char owner[24];
	unsigned int k;
	bool any = false;

	if (fn->owner_src == OWNER_UNKNOWN)
		snprintf(owner, sizeof(owner), "unknown");
	else if (fn->owner < 0)
		snprintf(owner, sizeof(owner), "-");
	else
		snprintf(owner, sizeof(owner), "%ld", fn->owner);

	printf("%s driver=%s assignable=%s owner=%s\n", fn->name,
	       !fn->driver_known ? "unknown" : fn->driver[0] ? fn->driver : "-",
	       !fn->driver_known ? "unknown" :
	       splitctl_driver_is_pciback(fn->driver) ? "yes" : "no",
	       owner);
	if (!fn->res_known) {
		printf("  BARs unknown\n");
		return;
	}
	for (k = 0; k < SPLITCTL_NR_RES; k++) {
		if (!splitctl_res_present(&fn->res[k]))
			continue;
		print_res_text(fns, fn, k);
		any = true;
	}
	if (!any)
		printf("  no BARs\n");
}

static void json_res(const struct pci_fn *fns, const struct pci_fn *fn,
		     unsigned int k)
{
	const struct splitctl_res *r = &fn->res[k];

	json_open_object(json);
	if (k != SPLITCTL_ROM) {
		json_key(json, "bar");
		json_uint(json, k);
		json_key(json, "type");
		json_string(json, r->flags & SPLITCTL_RES_IO ? "io" : "mem");
		json_key(json, "64bit");
		json_bool(json, r->flags & SPLITCTL_RES_MEM_64);
		json_key(json, "prefetchable");
		json_bool(json, r->flags & SPLITCTL_RES_PREFETCH);
	}
	json_key(json, "start");
	json_uint(json, r->start);
	json_key(json, "size");
	json_uint(json, splitctl_res_size(r));
	json_key(json, "shares_page_with");
	if (fn->shares[k] >= 0)
		json_string(json, fns[fn->shares[k]].name);
	else
		json_null(json);
	json_close_object(json);
}

static const char *const owner_source_names[] = {
	[OWNER_UNKNOWN] = "unknown",
	[OWNER_XENSTORE] = "xenstore",
	[OWNER_XSPLIT_GUEST] = "xsplit_guest",
};

static void print_fn_json(const struct pci_fn *fns, const struct pci_fn *fn)
{
	unsigned int k;

	json_open_object(json);
	json_key(json, "bdf");
	json_string(json, fn->name);
	json_key(json, "driver");
	if (fn->driver_known && fn->driver[0])
		json_string(json, fn->driver);
	else
		json_null(json);
	json_key(json, "assignable");
	if (fn->driver_known)
		json_bool(json, splitctl_driver_is_pciback(fn->driver));
	else
		json_null(json);
	json_key(json, "owner");
	if (fn->owner >= 0)
		json_uint(json, (u64)fn->owner);
	else
		json_null(json);
	json_key(json, "owner_source");
	json_string(json, owner_source_names[fn->owner_src]);

	json_key(json, "bars");
	if (fn->res_known) {
		json_open_array(json);
		for (k = 0; k < SPLITCTL_NR_BARS; k++)
			if (splitctl_res_present(&fn->res[k]))
				json_res(fns, fn, k);
		json_close_array(json);
	} else {
		json_null(json);
	}
	json_key(json, "rom");
	if (fn->res_known && splitctl_res_present(&fn->res[SPLITCTL_ROM]))
		json_res(fns, fn, SPLITCTL_ROM);
	else
		json_null(json);
	json_close_object(json);
}

/*
 * End a command's JSON document, if --json asked for one. A document that
 * could not be written whole must not pass for an answer.
 */
int finish_json(int ret)
{
	if (json && json_finish(json)) {
		fprintf(stderr, "splitctl: writing the JSON output failed\n");
		return ret ? ret : 1;
	}
	return ret;
}

static int cmd_pci_list(int argc, char **argv)
{
	struct owner_map owners;
	enum iommu_state iommu;
	char iommu_why[160];
	struct pci_fn *fns;
	size_t i, n;

	(void)argv;
	if (argc) {
		fprintf(stderr, "splitctl: 'pci list' takes no arguments\n");
		return 2;
	}

	if (list_functions(&fns, &n))
		return 1;
	iommu = query_iommu(iommu_why, sizeof(iommu_why));
	load_owner_map(&owners);
	for (i = 0; i < n; i++) {
		load_driver(&fns[i]);
		load_resources(&fns[i]);
		resolve_owner(&fns[i], &owners);
	}
	if (find_shared_pages(fns, n)) {
		free(owners.v);
		free(fns);
		return 1;
	}

	if (json) {
		json_open_object(json);
		json_key(json, "iommu");
		json_string(json, iommu_names[iommu]);
		json_key(json, "xenstore");
		json_bool(json, owners.known);
		json_key(json, "functions");
		json_open_array(json);
		for (i = 0; i < n; i++)
			print_fn_json(fns, &fns[i]);
		json_close_array(json);
		json_close_object(json);
	} else {
		if (iommu == IOMMU_UNKNOWN)
			printf("iommu: unknown (%s)\n", iommu_why);
		else
			printf("iommu: %s\n", iommu_names[iommu]);
		if (owners.known)
			printf("owners: from xenstore\n");
		else
			printf("owners: unknown (%s); from xsplit_guest where there is one\n",
			       owners.why);
		for (i = 0; i < n; i++)
			print_fn_text(fns, &fns[i]);
		if (!n)
			printf("no PCI functions\n");
	}
	/* Said in the text; for --json only stderr can carry the reason. */
	if (json && iommu == IOMMU_UNKNOWN)
		fprintf(stderr, "splitctl: iommu unknown: %s\n", iommu_why);
	if (json && !owners.known)
		fprintf(stderr, "splitctl: owners unknown: %s\n", owners.why);

	free(owners.v);
	free(fns);
	return finish_json(0);
}

/*
 * Every domain the toolstack made has its home in xenstore, and status
 * reads nothing else. Returns 1 if it exists, 0 (said on stderr) if not,
 * -1 if xenstore could not tell.
 */
int domain_exists(struct xs_handle *xs, unsigned long domid)
{
	char path[PATH_SIZE];
	unsigned int n;
	char **names;

	make_path(path, "/local/domain/%lu", domid);
	names = xs_directory(xs, XBT_NULL, path, &n);
	if (names) {
		free(names);
		return 1;
	}
	if (errno == ENOENT) {
		fprintf(stderr, "splitctl: no domain %lu (no %s in xenstore)\n",
			domid, path);
		return 0;
	}
	fprintf(stderr, "splitctl: cannot list %s: %s\n", path,
		strerror(errno));
	return -1;
}

static int cmd_status(int argc, char **argv)
{
	unsigned long domid = 0;
	char domid_str[16];
	struct xs_handle *xs;
	unsigned int shown = 0;
	size_t i;
	int ret = 0;

	if (argc > 1) {
		usage(stderr);
		return 2;
	}
	if (argc == 1) {
		if (splitctl_parse_uint(argv[0], DOMID_FIRST_RESERVED - 1,
					&domid)) {
			fprintf(stderr, "splitctl: invalid domain id '%s'\n",
				argv[0]);
			return 2;
		}
		snprintf(domid_str, sizeof(domid_str), "%lu", domid);
	}

	xs = xs_open(0);
	if (!xs) {
		fprintf(stderr,
			"splitctl: cannot open xenstore: %s (is this a Xen domain with xenstored running, and are you root?)\n",
			strerror(errno));
		return 1;
	}
	if (argc == 1) {
		ret = domain_exists(xs, domid);
		if (ret <= 0) {
			xs_close(xs);
			return ret ? 1 : 2;
		}
		ret = 0;
	}

	if (json)
		json_open_array(json);
	else
		report_hypervisor();

	for (i = 0; i < ARRAY_SIZE(backend_types) && !ret; i++) {
		if (argc == 1)
			ret = walk_domain(xs, backend_types[i], domid_str,
					  &shown);
		else
			ret = walk_type(xs, backend_types[i], &shown);
	}
	if (json)
		json_close_array(json);
	else if (!ret && !shown)
		printf("no backend devices\n");

	xs_close(xs);
	return finish_json(ret ? 1 : 0);
}

static int cmd_pci(int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr,
			"splitctl: 'pci' needs a subcommand (list, assign, detach)\n");
		return 2;
	}
	if (!strcmp(argv[0], "list"))
		return cmd_pci_list(argc - 1, argv + 1);
	if (!strcmp(argv[0], "assign"))
		return cmd_pci_assign(argc - 1, argv + 1);
	if (!strcmp(argv[0], "detach"))
		return cmd_pci_detach(argc - 1, argv + 1);
	fprintf(stderr, "splitctl: unknown pci subcommand '%s'\n", argv[0]);
	return 2;
}

int main(int argc, char **argv)
{
	static struct json_out json_doc;
	int i, n = 1;

	/* --json may come anywhere; the commands see the other words only. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = &json_doc;
			json_init(json, stdout);
		} else {
			argv[n++] = argv[i];
		}
	}
	argc = n;
	argv[argc] = NULL;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (getenv("XSPLIT_SYSFS")) {
		sysfs_root = getenv("XSPLIT_SYSFS");
		if (!*sysfs_root) {
			fprintf(stderr, "splitctl: XSPLIT_SYSFS is set but empty\n");
			return 2;
		}
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "status"))
		return cmd_status(argc - 2, argv + 2);
	if (!strcmp(argv[1], "pci"))
		return cmd_pci(argc - 2, argv + 2);

	fprintf(stderr, "splitctl: unknown command '%s' (try 'splitctl help')\n",
		argv[1]);
	return 2;
}
