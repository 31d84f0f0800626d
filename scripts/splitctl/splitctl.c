// SPDX-License-Identifier: GPL-2.0
/*
 * splitctl: look at (and later manage) Xen split-driver devices from the
 * backend domain.
 *
 * Only `status` works so far. It reads what the toolstack and the drivers
 * have published in xenstore; it changes nothing.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xenstore.h>

#include "parse.h"

#define BACKEND_ROOT	"/local/domain/0/backend"
#define PATH_SIZE	3072	/* xenstore's own limit on absolute paths */

static const char *const backend_types[] = { "vbd", "vif", "pci" };

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void usage(FILE *out)
{
	fputs("usage: splitctl <command> [args]\n"
	      "\n"
	      "commands:\n"
	      "  status [DOMID]         list backend devices (vbd, vif, pci) of this\n"
	      "                         domain with their frontends; only DOMID's if given\n"
	      "  help, --help           show this text\n"
	      "\n"
	      "planned, not implemented yet:\n"
	      "  pci list               list PCI functions that can be passed through\n"
	      "  pci assign BDF DOMID   pass a PCI function through to a guest\n"
	      "  pci detach BDF         take a PCI function back from its guest\n"
	      "  --json                 machine-readable output for any command\n",
	      out);
}

static int not_implemented(const char *what)
{
	fprintf(stderr, "splitctl: '%s' is not implemented yet\n", what);
	return 2;
}

/*
 * Frontend nodes are writable by the guest, so anything printed from
 * xenstore is reduced to printable ASCII: a guest must not be able to send
 * escape sequences to the administrator's terminal.
 */
static const char *printable(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return s;
}

static bool make_path(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool make_path(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_SIZE, fmt, ap);
	va_end(ap);
	return n >= 0 && n < PATH_SIZE;
}

/* Returns a malloc()ed string or NULL if the node is missing or unreadable. */
static char *read_node(struct xs_handle *xs, const char *path)
{
	unsigned int len;

	return xs_read(xs, XBT_NULL, path, &len);
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
static int list_dir(struct xs_handle *xs, const char *path, char ***names,
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

static int show_device(struct xs_handle *xs, const char *type,
		       const char *domid, const char *devid)
{
	char base[PATH_SIZE], path[PATH_SIZE];
	char be_state[32], fe_state[32];
	char *state, *frontend, *fstate = NULL;

	if (!make_path(base, "%s/%s/%s/%s", BACKEND_ROOT, type, domid, devid)) {
		fprintf(stderr, "splitctl: xenstore path too long\n");
		return -1;
	}

	make_path(path, "%s/state", base);
	state = read_node(xs, path);
	make_path(path, "%s/frontend", base);
	frontend = read_node(xs, path);
	if (frontend && make_path(path, "%s/state", frontend))
		fstate = read_node(xs, path);

	format_state(be_state, sizeof(be_state), state);
	format_state(fe_state, sizeof(fe_state), fstate);
	printf("%s domid=%s devid=%s backend=%s frontend=%s frontend-state=%s\n",
	       type, domid, devid, be_state,
	       frontend ? printable(frontend) : "-", fe_state);

	free(fstate);
	free(frontend);
	free(state);
	return 0;
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

static void report_hypervisor(void)
{
	xentoollog_logger quiet = {
		.vmessage = quiet_vmessage,
		.destroy = quiet_destroy,
	};
	xc_interface *xch;
	int ver;

	xch = xc_interface_open(&quiet, &quiet, 0);
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

	report_hypervisor();

	for (i = 0; i < ARRAY_SIZE(backend_types) && !ret; i++) {
		if (argc == 1)
			ret = walk_domain(xs, backend_types[i], domid_str,
					  &shown);
		else
			ret = walk_type(xs, backend_types[i], &shown);
	}
	if (!ret && !shown)
		printf("no backend devices\n");

	xs_close(xs);
	return ret ? 1 : 0;
}

static int cmd_pci(int argc, char **argv)
{
	static const char *const planned[] = { "list", "assign", "detach" };
	char what[32];
	size_t i;

	if (argc < 1) {
		fprintf(stderr,
			"splitctl: 'pci' needs a subcommand (list, assign, detach)\n");
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(planned); i++) {
		if (!strcmp(argv[0], planned[i])) {
			snprintf(what, sizeof(what), "pci %s", planned[i]);
			return not_implemented(what);
		}
	}
	fprintf(stderr, "splitctl: unknown pci subcommand '%s'\n", argv[0]);
	return 2;
}

int main(int argc, char **argv)
{
	int i;

	/* Refuse --json up front rather than emit output it did not ask for. */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json"))
			return not_implemented("--json");

	if (argc < 2) {
		usage(stderr);
		return 2;
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
