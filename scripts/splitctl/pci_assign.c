// SPDX-License-Identifier: GPL-2.0
/*
 * `splitctl pci assign` and `splitctl pci detach`: pass a PCI function
 * through to a running PV guest and take it back, without a toolstack.
 *
 * assign does, in order, each step undone if a later one fails:
 *   bind            hand the function to pciback, if no driver has it
 *   iomem, ioport   let the domain map its BARs (and ROM) and use its ports
 *   map_pirq, irq_permission   route its INTx line to the domain
 *   assign_device   put it in the domain's IOMMU context (if Xen has one)
 *   xenstore        the pci backend and frontend nodes, one transaction
 *   wait            until pciback exported it and pcifront is connected
 * detach runs the xenstore protocol backwards, then revokes all of it and
 * resets the function; a step that fails there does not stop the others.
 *
 * The xenstore layout and protocol are the ones libxl uses, so xl, the
 * in-tree xen-pciback and ours all understand what we write. What libxl
 * keeps in its own per-domain config is not written: `xl pci-list` reads
 * xenstore and shows our devices, but xl will not re-create them if it
 * rebuilds the domain (migration, save/restore).
 *
 * Invocations are serialised with an flock() on LOCK_PATH. Exit status:
 * 0 done or nothing to do, 1 a step failed (assign: rolled back), 2 bad
 * input or a refusal, with nothing changed.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "json.h"
#include "parse.h"
#include "splitctl.h"
#include "verdict.h"

#define LOCK_PATH	"/run/xsplit-splitctl.lock"
#define PCIBACK		"/bus/pci/drivers/pciback"
/* Between looks at xenstore: 100 ms. */
#define POLL_NS		100000000L
/* The most dev-N a backend may have: 32 slots of 8 functions. */
#define MAX_DEVS	256

struct pci_job {
	struct splitctl_pci_args a;
	const char *verb;		/* "assign" or "detach" */
	char bdf[XSPLIT_BDF_STR_SIZE];
	xc_interface *xch;
	struct xs_handle *xs;
	char be[PATH_SIZE];		/* our backend device's node */
	char fe[PATH_SIZE];		/* the guest's frontend node */
	struct pci_fn fn;
	bool iommu;
	int irq;			/* the function's INTx, 0 for none */

	/* What assign did, for rollback. */
	bool bound, added_slot;
	/* Resources granted, a bit per index. */
	unsigned int iomem_done, ioport_done;
	bool pirq_mapped, irq_allowed, assigned;
	enum { XS_NONE, XS_CREATED, XS_ADDED } xs_done;
	unsigned int dev_index;

	/* The first failure, and how far we got. */
	const char *failed_step;
	int failed_errno;
	char failed_detail[256];
	unsigned int steps_done;
	const char *steps[16];
	char vdev[32];
	char reason[256];		/* why it refused or did nothing */
};

static void job_say(struct pci_job *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* To stderr, so that stdout stays one JSON document with --json. */
static void job_say(struct pci_job *j, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "splitctl: pci %s %s %lu: ", j->verb, j->bdf,
		j->a.domid);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void job_refuse(struct pci_job *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Bad input or a refusal: kept for --json and said on stderr. */
static void job_refuse(struct pci_job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->reason, sizeof(j->reason), fmt, ap);
	va_end(ap);
	job_say(j, "refused: %s", j->reason);
}

static void step_done(struct pci_job *j, const char *step)
{
	if (j->steps_done < ARRAY_SIZE(j->steps))
		j->steps[j->steps_done++] = step;
}

/*
 * Record that @step failed with @err (an errno) and say so. Only the
 * first failure is kept for the summary; every one is printed.
 */
static int step_fail(struct pci_job *j, const char *step, int err,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int step_fail(struct pci_job *j, const char *step, int err,
		     const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	job_say(j, "step %s failed: %s: %s (errno %d)", step, detail,
		strerror(err), err);
	if (!j->failed_step) {
		j->failed_step = step;
		j->failed_errno = err;
		snprintf(j->failed_detail, sizeof(j->failed_detail), "%s",
			 detail);
	}
	return -1;
}

/*
 * XSPLIT_FAIL_STEP=NAME makes step NAME fail with EIO before it does
 * anything: how the tests prove that what came before is undone.
 */
static bool injected(const char *step)
{
	const char *s = getenv("XSPLIT_FAIL_STEP");

	if (s && !strcmp(s, step)) {
		errno = EIO;
		return true;
	}
	return false;
}

/* ---- sysfs ---- */

static int write_sys(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

static bool sys_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/* Whether pciback's slots file lists the function already. */
static bool pciback_has_slot(struct pci_job *j)
{
	char path[SYS_PATH_SIZE], buf[16384];
	struct xsplit_bdf b;
	size_t len, pos = 0, end;

	if (!sys_path(path, PCIBACK "/slots") ||
	    read_small_file(path, buf, sizeof(buf), &len))
		return false;
	while (pos < len) {
		for (end = pos; end < len && buf[end] != '\n'; end++)
			;
		if (!xsplit_bdf_parse(buf + pos, end - pos, &b) &&
		    same_bdf(&b, &j->a.bdf))
			return true;
		pos = end + 1;
	}
	return false;
}

static int read_irq(struct pci_job *j)
{
	char path[SYS_PATH_SIZE], buf[32];
	unsigned long v;
	size_t len;
	int ret;

	if (!sys_path(path, "/bus/pci/devices/%s/irq", j->bdf))
		return -ENAMETOOLONG;
	ret = read_small_file(path, buf, sizeof(buf) - 1, &len);
	if (ret == -ENOENT) {
		j->irq = 0;
		return 0;
	}
	if (ret)
		return ret;
	while (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	if (splitctl_parse_uint(buf, 0x7fffffff, &v))
		return -EINVAL;
	j->irq = (int)v;
	return 0;
}

/* The kernel offers a reset file only where it has a way to reset. */
static bool can_reset(struct pci_job *j)
{
	char path[SYS_PATH_SIZE];

	return sys_path(path, "/bus/pci/devices/%s/reset", j->bdf) &&
	       sys_exists(path);
}

/* ---- xenstore ---- */

static char *xs_get(struct pci_job *j, xs_transaction_t t, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

static char *xs_get(struct pci_job *j, xs_transaction_t t, const char *fmt,
		    ...)
{
	char path[PATH_SIZE];
	unsigned int len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(path))
		return NULL;
	return xs_read(j->xs, t, path, &len);
}

static bool xs_put(struct pci_job *j, xs_transaction_t t, const char *dir,
		   const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static bool xs_put(struct pci_job *j, xs_transaction_t t, const char *dir,
		   const char *key, const char *fmt, ...)
{
	char path[PATH_SIZE], val[512];
	va_list ap;
	int n;

	if (!make_path(path, "%s/%s", dir, key))
		return false;
	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(val))
		return false;
	return xs_write(j->xs, t, path, val, (unsigned int)n);
}

static bool xs_del(struct pci_job *j, xs_transaction_t t, const char *dir,
		   const char *key)
{
	char path[PATH_SIZE];

	if (!make_path(path, "%s/%s", dir, key))
		return false;
	return xs_rm(j->xs, t, path) || errno == ENOENT;
}

/* A state node as a number; -1 if missing or junk. */
static long read_state(struct pci_job *j, const char *dir, const char *key)
{
	unsigned long v;
	long ret = -1;
	char *s;

	s = xs_get(j, XBT_NULL, "%s/%s", dir, key);
	if (s && !splitctl_parse_uint(s, 255, &v))
		ret = (long)v;
	free(s);
	return ret;
}

static void sleep_poll(void)
{
	struct timespec ts = { 0, POLL_NS };

	nanosleep(&ts, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What xenbus_dev_fatal() left for us, if anything. */
static void backend_error(struct pci_job *j, char *buf, size_t size)
{
	char *s = xs_get(j, XBT_NULL, "/local/domain/0/error%s/error",
			 j->be + strlen("/local/domain/0"));

	snprintf(buf, size, "%s", s ? printable(s) : "no error node");
	free(s);
}

/*
 * Wait, at most the job's timeout, until the backend is Connected (and,
 * if @fe_too, the frontend as well). A backend that closes has failed.
 * Returns 0, -ETIMEDOUT or -EPIPE.
 */
static int wait_connected(struct pci_job *j, bool fe_too, long *be_state,
			  long *fe_state)
{
	double deadline = now() + (double)j->a.timeout;

	for (;;) {
		*be_state = read_state(j, j->be, "state");
		*fe_state = read_state(j, j->fe, "state");
		if (*be_state == XenbusStateConnected &&
		    (!fe_too || *fe_state == XenbusStateConnected))
			return 0;
		if (*be_state == XenbusStateClosing ||
		    *be_state == XenbusStateClosed)
			return -EPIPE;
		if (now() > deadline)
			return -ETIMEDOUT;
		sleep_poll();
	}
}

/* The index N of our function among the backend's dev-N, or -1. */
static int find_dev_index(struct pci_job *j, unsigned int num)
{
	struct xsplit_bdf b;
	unsigned int i;
	char *s;
	bool hit;

	for (i = 0; i < num; i++) {
		s = xs_get(j, XBT_NULL, "%s/dev-%u", j->be, i);
		hit = s && !xsplit_bdf_parse(s, strlen(s), &b) &&
		      same_bdf(&b, &j->a.bdf);
		free(s);
		if (hit)
			return (int)i;
	}
	return -1;
}

static int read_num_devs(struct pci_job *j, xs_transaction_t t,
			 unsigned int *num)
{
	unsigned long v;
	char *s;
	int ret = 0;

	s = xs_get(j, t, "%s/num_devs", j->be);
	if (!s)
		return errno == ENOENT ? -ENOENT : -errno;
	if (splitctl_parse_uint(s, MAX_DEVS, &v))
		ret = -EINVAL;
	else
		*num = (unsigned int)v;
	free(s);
	return ret;
}

/* ---- the domain ---- */

/* 0 if @domid is a guest that is alive, else -1 with the reason said. */
static int check_domain(struct pci_job *j)
{
	xc_dominfo_t info;
	int n;

	n = xc_domain_getinfo(j->xch, (uint32_t)j->a.domid, 1, &info);
	/* Xen answers with the next domain up, or ESRCH if there is none. */
	if (n < 0 && errno != ESRCH) {
		job_refuse(j, "cannot ask Xen about domain %lu: %s",
			   j->a.domid, strerror(errno));
		return -1;
	}
	if (n <= 0 || info.domid != j->a.domid) {
		job_refuse(j, "no domain %lu", j->a.domid);
		return -1;
	}
	if (info.dying || info.shutdown) {
		job_refuse(j, "domain %lu is %s", j->a.domid,
			   info.dying ? "dying" : "shut down");
		return -1;
	}
	return 0;
}

/* ---- the steps of assign, each with its undo ---- */

static uint32_t job_sbdf(const struct pci_job *j)
{
	return (uint32_t)j->a.bdf.domain << 16 | (uint32_t)j->a.bdf.bus << 8 |
	       j->a.bdf.devfn;
}

static int step_bind(struct pci_job *j)
{
	char path[SYS_PATH_SIZE];
	int ret;

	if (j->fn.driver[0])
		return 0;	/* the preflight let only pciback through */
	if (injected("bind"))
		return step_fail(j, "bind", errno, "injected");
	if (!pciback_has_slot(j)) {
		if (!sys_path(path, PCIBACK "/new_slot"))
			return step_fail(j, "bind", ENAMETOOLONG, "new_slot");
		ret = write_sys(path, j->bdf);
		if (ret)
			return step_fail(j, "bind", -ret, "writing %s", path);
		j->added_slot = true;
	}
	if (!sys_path(path, PCIBACK "/bind"))
		return step_fail(j, "bind", ENAMETOOLONG, "bind");
	ret = write_sys(path, j->bdf);
	if (ret)
		return step_fail(j, "bind", -ret, "writing %s", path);
	j->bound = true;
	step_done(j, "bind");
	return 0;
}

static void undo_bind(struct pci_job *j)
{
	char path[SYS_PATH_SIZE];
	int ret;

	if (j->bound && sys_path(path, PCIBACK "/unbind")) {
		ret = write_sys(path, j->bdf);
		if (ret)
			job_say(j, "rollback: unbinding from pciback: %s",
				strerror(-ret));
	}
	if (j->added_slot && sys_path(path, PCIBACK "/remove_slot")) {
		ret = write_sys(path, j->bdf);
		if (ret)
			job_say(j, "rollback: removing pciback's slot: %s",
				strerror(-ret));
	}
}

static bool res_io(const struct splitctl_res *r)
{
	return splitctl_res_present(r) && (r->flags & SPLITCTL_RES_IO);
}

/* The machine frames a memory resource covers, partial pages included. */
static void res_frames(const struct splitctl_res *r, unsigned long *mfn,
		       unsigned long *nr)
{
	*mfn = (unsigned long)(r->start >> XC_PAGE_SHIFT);
	*nr = (unsigned long)(r->end >> XC_PAGE_SHIFT) - *mfn + 1;
}

static int iomem_set(struct pci_job *j, unsigned int k, bool allow)
{
	unsigned long mfn, nr;

	res_frames(&j->fn.res[k], &mfn, &nr);
	return xc_domain_iomem_permission(j->xch, (uint32_t)j->a.domid, mfn,
					  nr, allow);
}

static int ioport_set(struct pci_job *j, unsigned int k, bool allow)
{
	const struct splitctl_res *r = &j->fn.res[k];

	return xc_domain_ioport_permission(j->xch, (uint32_t)j->a.domid,
					   (uint32_t)r->start,
					   (uint32_t)splitctl_res_size(r),
					   allow);
}

static int step_iomem(struct pci_job *j)
{
	unsigned long mfn, nr;
	unsigned int k;

	if (injected("iomem"))
		return step_fail(j, "iomem", errno, "injected");
	for (k = 0; k < SPLITCTL_NR_RES; k++) {
		if (!res_is_mem(&j->fn.res[k]))
			continue;
		if (iomem_set(j, k, true)) {
			res_frames(&j->fn.res[k], &mfn, &nr);
			return step_fail(j, "iomem", errno,
					 "xc_domain_iomem_permission(mfn 0x%lx, %lu pages)",
					 mfn, nr);
		}
		j->iomem_done |= 1u << k;
	}
	step_done(j, "iomem");
	return 0;
}

static int step_ioport(struct pci_job *j)
{
	unsigned int k;

	if (injected("ioport"))
		return step_fail(j, "ioport", errno, "injected");
	for (k = 0; k < SPLITCTL_NR_RES; k++) {
		if (!res_io(&j->fn.res[k]))
			continue;
		if (j->fn.res[k].end > 0xffff)
			return step_fail(j, "ioport", ERANGE,
					 "ports 0x%llx-0x%llx",
					 (unsigned long long)j->fn.res[k].start,
					 (unsigned long long)j->fn.res[k].end);
		if (ioport_set(j, k, true))
			return step_fail(j, "ioport", errno,
					 "xc_domain_ioport_permission(0x%llx, %llu ports)",
					 (unsigned long long)j->fn.res[k].start,
					 (unsigned long long)
					 splitctl_res_size(&j->fn.res[k]));
		j->ioport_done |= 1u << k;
	}
	step_done(j, "ioport");
	return 0;
}

/* Revoke what @mask says was granted; failures are said, not fatal. */
static int revoke_resources(struct pci_job *j, unsigned int iomem,
			    unsigned int ioport)
{
	unsigned int k;
	int bad = 0;

	for (k = 0; k < SPLITCTL_NR_RES; k++) {
		if ((iomem & (1u << k)) && iomem_set(j, k, false)) {
			job_say(j, "revoking BAR%u's memory: %s", k,
				strerror(errno));
			bad = -1;
		}
		if ((ioport & (1u << k)) && ioport_set(j, k, false)) {
			job_say(j, "revoking BAR%u's ports: %s", k,
				strerror(errno));
			bad = -1;
		}
	}
	return bad;
}

/*
 * INTx: the guest gets the line as a PIRQ of the same number, as libxl
 * does for PV guests. MSI and MSI-X are mapped by pciback when the guest
 * enables them.
 */
static int step_irq(struct pci_job *j)
{
	int pirq, ret;

	/* Only now: the kernel routes the line when pciback enables it. */
	ret = read_irq(j);
	if (ret)
		return step_fail(j, "map_pirq", -ret, "reading %s's irq",
				 j->bdf);
	if (!j->irq)
		return 0;
	pirq = j->irq;
	if (injected("map_pirq"))
		return step_fail(j, "map_pirq", errno, "injected");
	if (xc_physdev_map_pirq(j->xch, (uint32_t)j->a.domid, j->irq, &pirq))
		return step_fail(j, "map_pirq", errno,
				 "xc_physdev_map_pirq(irq %d)", j->irq);
	j->pirq_mapped = true;
	if (pirq != j->irq) {
		/* detach could not find it again: give it back now. */
		xc_physdev_unmap_pirq(j->xch, (uint32_t)j->a.domid, pirq);
		j->pirq_mapped = false;
		return step_fail(j, "map_pirq", EBUSY,
				 "irq %d came back as pirq %d", j->irq, pirq);
	}
	step_done(j, "map_pirq");
	if (injected("irq_permission"))
		return step_fail(j, "irq_permission", errno, "injected");
	if (xc_domain_irq_permission(j->xch, (uint32_t)j->a.domid, pirq, true))
		return step_fail(j, "irq_permission", errno,
				 "xc_domain_irq_permission(pirq %d)", pirq);
	j->irq_allowed = true;
	step_done(j, "irq_permission");
	return 0;
}

static int revoke_irq(struct pci_job *j, bool allowed, bool mapped)
{
	int bad = 0;

	if (allowed &&
	    xc_domain_irq_permission(j->xch, (uint32_t)j->a.domid, j->irq,
				     false)) {
		job_say(j, "revoking pirq %d: %s", j->irq, strerror(errno));
		bad = -1;
	}
	if (mapped &&
	    xc_physdev_unmap_pirq(j->xch, (uint32_t)j->a.domid, j->irq)) {
		job_say(j, "unmapping pirq %d: %s", j->irq, strerror(errno));
		bad = -1;
	}
	return bad;
}

static int step_assign_device(struct pci_job *j)
{
	if (!j->iommu)
		return 0;
	if (injected("assign_device"))
		return step_fail(j, "assign_device", errno, "injected");
	if (xc_assign_device(j->xch, (uint32_t)j->a.domid, job_sbdf(j), 0)) {
		int err = errno;

		if (err == EOPNOTSUPP || err == EINVAL)
			job_say(j, "hint: a PV guest needs passthrough=\"enabled\" (or a pci= list) in its xl config to take devices later");
		return step_fail(j, "assign_device", err,
				 "xc_assign_device(sbdf 0x%x)", job_sbdf(j));
	}
	j->assigned = true;
	step_done(j, "assign_device");
	return 0;
}

/* 0, or the errno (kept: printing may change errno). */
static int deassign_device(struct pci_job *j)
{
	int err;

	if (!xc_deassign_device(j->xch, (uint32_t)j->a.domid, job_sbdf(j)))
		return 0;
	err = errno;
	job_say(j, "xc_deassign_device: %s", strerror(err));
	return err;
}

/* The dev-N entries of one function, as libxl writes them. */
static bool write_dev_entries(struct pci_job *j, xs_transaction_t t,
			      unsigned int n, const char *opts)
{
	char key[32];
	bool ok = true;

	snprintf(key, sizeof(key), "dev-%u", n);
	ok &= xs_put(j, t, j->be, key, "%s", j->bdf);
	snprintf(key, sizeof(key), "key-%u", n);
	ok &= xs_put(j, t, j->be, key, "%s", j->bdf);
	snprintf(key, sizeof(key), "opts-%u", n);
	ok &= xs_put(j, t, j->be, key, "%s", opts);
	if (j->a.vslot != SPLITCTL_NO_VSLOT) {
		snprintf(key, sizeof(key), "vdevfn-%u", n);
		ok &= xs_put(j, t, j->be, key, "%x", j->a.vslot << 3);
	}
	snprintf(key, sizeof(key), "state-%u", n);
	ok &= xs_put(j, t, j->be, key, "%d", XenbusStateInitialising);
	return ok;
}

/*
 * A new backend and frontend pair, which pciback and pcifront then find
 * by their watches. The guest may read its backend's node; its own
 * frontend node is its to write, dom0 may read it.
 */
static bool create_device(struct pci_job *j, xs_transaction_t t)
{
	struct xs_permissions be_perms[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = (unsigned int)j->a.domid, .perms = XS_PERM_READ },
	};
	struct xs_permissions fe_perms[2] = {
		{ .id = (unsigned int)j->a.domid, .perms = XS_PERM_NONE },
		{ .id = 0, .perms = XS_PERM_READ },
	};
	char *name;
	bool ok = true;

	name = xs_get(j, t, "/local/domain/%lu/name", j->a.domid);
	xs_rm(j->xs, t, j->be);
	xs_rm(j->xs, t, j->fe);
	ok &= xs_mkdir(j->xs, t, j->be);
	ok &= xs_set_permissions(j->xs, t, j->be, be_perms, 2);
	ok &= xs_put(j, t, j->be, "frontend", "%s", j->fe);
	ok &= xs_put(j, t, j->be, "frontend-id", "%lu", j->a.domid);
	ok &= xs_put(j, t, j->be, "online", "1");
	ok &= xs_put(j, t, j->be, "state", "%d", XenbusStateInitialising);
	ok &= xs_put(j, t, j->be, "domain", "%s",
		     name ? printable(name) : "");
	free(name);
	ok &= xs_mkdir(j->xs, t, j->fe);
	ok &= xs_set_permissions(j->xs, t, j->fe, fe_perms, 2);
	ok &= xs_put(j, t, j->fe, "backend", "%s", j->be);
	ok &= xs_put(j, t, j->fe, "backend-id", "0");
	ok &= xs_put(j, t, j->fe, "state", "%d", XenbusStateInitialising);
	return ok;
}

static int step_xenstore(struct pci_job *j)
{
	long be_state, fe_state;
	char opts[128];
	unsigned int num = 0;
	xs_transaction_t t;
	bool exists, ok;
	int ret;

	if (splitctl_format_opts(&j->a, opts, sizeof(opts)) < 0)
		return step_fail(j, "xenstore", ENOSPC, "opts");
	if (injected("xenstore"))
		return step_fail(j, "xenstore", errno, "injected");

	/* A backend that is already serving: let it finish what it does. */
	ret = read_num_devs(j, XBT_NULL, &num);
	exists = !ret;
	if (ret && ret != -ENOENT)
		return step_fail(j, "xenstore", -ret, "reading %s/num_devs",
				 j->be);
	if (exists) {
		ret = wait_connected(j, false, &be_state, &fe_state);
		if (ret)
			return step_fail(j, "xenstore", -ret,
					 "backend %s not Connected (state %ld)",
					 j->be, be_state);
	}

	for (;;) {
		t = xs_transaction_start(j->xs);
		if (t == XBT_NULL)
			return step_fail(j, "xenstore", errno,
					 "xs_transaction_start");
		ret = read_num_devs(j, t, &num);
		if (ret && ret != -ENOENT) {
			xs_transaction_end(j->xs, t, true);
			return step_fail(j, "xenstore", -ret,
					 "reading %s/num_devs", j->be);
		}
		exists = !ret;
		if (!exists)
			num = 0;
		if (num >= MAX_DEVS) {
			xs_transaction_end(j->xs, t, true);
			return step_fail(j, "xenstore", E2BIG,
					 "%s has %u functions", j->be, num);
		}
		ok = exists || create_device(j, t);
		ok = ok && write_dev_entries(j, t, num, opts);
		ok = ok && xs_put(j, t, j->be, "num_devs", "%u", num + 1);
		/* A running pair learns of the new function this way. */
		if (ok && exists)
			ok = xs_put(j, t, j->be, "state", "%d",
				    XenbusStateReconfiguring);
		if (!ok) {
			ret = errno;
			xs_transaction_end(j->xs, t, true);
			return step_fail(j, "xenstore", ret ? ret : EIO,
					 "writing under %s", j->be);
		}
		if (xs_transaction_end(j->xs, t, false))
			break;
		if (errno != EAGAIN)
			return step_fail(j, "xenstore", errno,
					 "committing the transaction");
	}
	j->xs_done = exists ? XS_ADDED : XS_CREATED;
	j->dev_index = num;
	step_done(j, "xenstore");
	return 0;
}

/* Until pciback exported the function and pcifront is connected to it. */
static int step_wait(struct pci_job *j)
{
	double deadline = now() + (double)j->a.timeout;
	char key[32], err[256], *vdev;
	long be_state, fe_state, sub;

	if (injected("wait"))
		return step_fail(j, "wait", errno, "injected");
	snprintf(key, sizeof(key), "state-%u", j->dev_index);
	for (;;) {
		be_state = read_state(j, j->be, "state");
		fe_state = read_state(j, j->fe, "state");
		sub = read_state(j, j->be, key);
		if (be_state == XenbusStateConnected &&
		    fe_state == XenbusStateConnected &&
		    sub == XenbusStateInitialised)
			break;
		if (be_state == XenbusStateClosing ||
		    be_state == XenbusStateClosed) {
			backend_error(j, err, sizeof(err));
			return step_fail(j, "wait", EPIPE,
					 "the backend gave up: %s", err);
		}
		if (now() > deadline)
			return step_fail(j, "wait", ETIMEDOUT,
					 "after %lu s: backend state %ld, frontend state %ld, %s %ld%s",
					 j->a.timeout, be_state, fe_state,
					 key, sub,
					 fe_state <= XenbusStateInitialising ?
					 " (is xen-pcifront loaded in the guest?)" : "");
		sleep_poll();
	}
	vdev = xs_get(j, XBT_NULL, "%s/vdev-%u", j->be, j->dev_index);
	snprintf(j->vdev, sizeof(j->vdev), "%s", vdev ? printable(vdev) : "");
	free(vdev);
	step_done(j, "wait");
	/* Not a step: lets the tests roll back what a guest already has. */
	if (injected("connected"))
		return step_fail(j, "connected", errno, "injected");
	return 0;
}

/* Until no pci backend device serves the domain any more. */
static void wait_backend_gone(struct pci_job *j)
{
	double deadline = now() + (double)j->a.timeout;
	char path[SYS_PATH_SIZE];

	if (!sys_path(path, "/bus/xen-backend/devices/pci-%lu-0", j->a.domid))
		return;
	while (sys_exists(path)) {
		if (now() > deadline) {
			job_say(j, "pciback still has %s after %lu s", path,
				j->a.timeout);
			return;
		}
		sleep_poll();
	}
}

/*
 * The @levels directories above @path, each if nothing else is left in
 * it: the pair's parents (backend/pci/DOMID, backend/pci, device/pci)
 * were made for it, as libxl makes and removes them.
 */
static void prune_parents(struct pci_job *j, xs_transaction_t t,
			  const char *path, int levels)
{
	char dir[PATH_SIZE], **names;
	unsigned int n;
	char *slash;
	bool empty;

	snprintf(dir, sizeof(dir), "%s", path);
	while (levels-- > 0) {
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			return;
		*slash = '\0';
		names = xs_directory(j->xs, t, dir, &n);
		empty = names && !n;
		free(names);
		if (!empty || !xs_rm(j->xs, t, dir))
			return;
	}
}

/* Remove the device pair: what libxl does when the last function goes. */
static int remove_device(struct pci_job *j)
{
	char err_path[PATH_SIZE];
	xs_transaction_t t;

	make_path(err_path, "/local/domain/0/error%s",
		  j->be + strlen("/local/domain/0"));
	for (;;) {
		t = xs_transaction_start(j->xs);
		if (t == XBT_NULL)
			return -errno;
		xs_rm(j->xs, t, j->fe);
		xs_rm(j->xs, t, j->be);
		xs_rm(j->xs, t, err_path);
		prune_parents(j, t, j->fe, 1);
		prune_parents(j, t, j->be, 2);
		if (xs_transaction_end(j->xs, t, false))
			break;
		if (errno != EAGAIN)
			return -errno;
	}
	wait_backend_gone(j);
	return 0;
}

/* The per-function keys of a pci backend: KEY-N for function N. */
static const char *const dev_keys[] = { "state", "dev", "key", "vdev",
					"opts", "vdevfn", "name" };

/* Move the entries of function @from to index @to. */
static void move_entries(struct pci_job *j, xs_transaction_t t,
			 unsigned int from, unsigned int to)
{
	char old_key[32], new_key[32], *v;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(dev_keys); k++) {
		snprintf(old_key, sizeof(old_key), "%s-%u", dev_keys[k], from);
		snprintf(new_key, sizeof(new_key), "%s-%u", dev_keys[k], to);
		v = xs_get(j, t, "%s/%s", j->be, old_key);
		if (!v)
			continue;
		xs_put(j, t, j->be, new_key, "%s", v);
		xs_del(j, t, j->be, old_key);
		free(v);
	}
}

/*
 * Take function @n away from a connected pair: mark it Closing, let
 * pciback and pcifront reconfigure, then drop its entries and renumber
 * the rest, as libxl does. The last function takes the pair with it, even
 * if the pair does not answer; a pair with others is left alone then.
 */
static int remove_function(struct pci_job *j, unsigned int n,
			   unsigned int num)
{
	long be_state, fe_state;
	char key[32];
	xs_transaction_t t;
	unsigned int m;
	size_t k;
	int ret;

	ret = wait_connected(j, false, &be_state, &fe_state);
	if (ret && num == 1) {
		job_say(j, "backend not Connected (state %ld): removing the pair",
			be_state);
		return remove_device(j);
	}
	/* The pair carries other functions: not taken down with this one. */
	if (ret) {
		job_say(j, "backend not Connected (state %ld), and it has %u functions",
			be_state, num);
		return -EBUSY;
	}
	for (;;) {
		t = xs_transaction_start(j->xs);
		if (t == XBT_NULL)
			return -errno;
		snprintf(key, sizeof(key), "state-%u", n);
		xs_put(j, t, j->be, key, "%d", XenbusStateClosing);
		xs_put(j, t, j->be, "state", "%d", XenbusStateReconfiguring);
		if (xs_transaction_end(j->xs, t, false))
			break;
		if (errno != EAGAIN)
			return -errno;
	}
	ret = wait_connected(j, false, &be_state, &fe_state);
	if (ret && num > 1) {
		job_say(j, "backend did not reconfigure (state %ld, frontend %ld)",
			be_state, fe_state);
		return -EBUSY;
	}
	if (ret)
		job_say(j, "backend did not reconfigure (state %ld, frontend %ld): removing the pair",
			be_state, fe_state);
	if (num == 1)
		return remove_device(j);

	for (;;) {
		t = xs_transaction_start(j->xs);
		if (t == XBT_NULL)
			return -errno;
		for (k = 0; k < ARRAY_SIZE(dev_keys); k++) {
			snprintf(key, sizeof(key), "%s-%u", dev_keys[k], n);
			xs_del(j, t, j->be, key);
		}
		for (m = n + 1; m < num; m++)
			move_entries(j, t, m, m - 1);
		xs_put(j, t, j->be, "num_devs", "%u", num - 1);
		if (xs_transaction_end(j->xs, t, false))
			break;
		if (errno != EAGAIN)
			return -errno;
	}
	return 0;
}

/*
 * The guest may be half way through picking the function up: take it back
 * as detach does, once the pair has settled, rather than pulling the
 * nodes from under its pcifront (which Linux's does not survive well).
 */
static void undo_xenstore(struct pci_job *j)
{
	unsigned int num;
	int ret = 0;

	if (j->xs_done == XS_NONE)
		return;
	if (!read_num_devs(j, XBT_NULL, &num))
		ret = remove_function(j, j->dev_index, num);
	else if (j->xs_done == XS_CREATED)
		ret = remove_device(j);
	if (ret)
		job_say(j, "rollback: xenstore: %s", strerror(-ret));
}

/* Everything assign did, in reverse. */
static void rollback(struct pci_job *j)
{
	job_say(j, "rolling back");
	undo_xenstore(j);
	if (j->assigned)
		deassign_device(j);
	revoke_irq(j, j->irq_allowed, j->pirq_mapped);
	revoke_resources(j, j->iomem_done, j->ioport_done);
	undo_bind(j);
}

/* ---- shared by both commands ---- */

static int open_job(struct pci_job *j, int *lock_fd)
{
	char why[160];

	*lock_fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX))
		return -step_fail(j, "lock", errno, "%s", LOCK_PATH);
	j->xch = open_xc();
	if (!j->xch)
		return -step_fail(j, "open", errno,
				  "the hypervisor interface (is this dom0, and are you root?)");
	j->xs = xs_open(0);
	if (!j->xs)
		return -step_fail(j, "open", errno, "xenstore");
	j->iommu = query_iommu(why, sizeof(why)) == IOMMU_ON;
	make_path(j->be, "%s/pci/%lu/0", BACKEND_ROOT, j->a.domid);
	make_path(j->fe, "/local/domain/%lu/device/pci/0", j->a.domid);
	return 0;
}

static void close_job(struct pci_job *j, int lock_fd)
{
	if (j->xs)
		xs_close(j->xs);
	if (j->xch)
		xc_interface_close(j->xch);
	if (lock_fd >= 0)
		close(lock_fd);
}

/*
 * The function as sysfs and xenstore show it: -1 (said) if there is no
 * such function. @shares gets the name of a function with memory in one
 * of its pages, if any.
 */
static int load_function(struct pci_job *j, char *shares, size_t size)
{
	struct owner_map owners;
	const struct xs_owner *o;
	struct pci_fn *fns;
	size_t i, n, k;
	int ret = -1;

	shares[0] = '\0';
	if (list_functions(&fns, &n))
		return -1;
	for (i = 0; i < n; i++)
		load_resources(&fns[i]);
	if (find_shared_pages(fns, n))
		goto out;
	for (i = 0; i < n; i++)
		if (same_bdf(&fns[i].addr, &j->a.bdf))
			break;
	if (i == n) {
		job_refuse(j, "no PCI function %s on this host", j->bdf);
		goto out;
	}
	load_driver(&fns[i]);
	if (!fns[i].driver_known || !fns[i].res_known) {
		job_refuse(j, "cannot read %s's driver or resources in sysfs",
			   j->bdf);
		goto out;
	}
	for (k = 0; k < SPLITCTL_NR_RES; k++)
		if (fns[i].shares[k] >= 0)
			snprintf(shares, size, "%s",
				 fns[fns[i].shares[k]].name);
	j->fn = fns[i];
	load_owner_map(&owners);
	if (!owners.known) {
		job_refuse(j, "cannot tell who has it: %s", owners.why);
		free(owners.v);
		goto out;
	}
	o = owner_lookup(&owners, &j->a.bdf);
	j->fn.owner = o ? (long)o->domid : -1;
	free(owners.v);
	ret = 0;
out:
	free(fns);
	return ret;
}

static const char *result_name(int rc, bool nothing)
{
	if (rc == 2)
		return "refused";
	if (rc)
		return "failed";
	return nothing ? "nothing-to-do" : "done";
}

static void json_report(struct pci_job *j, int rc, bool nothing)
{
	unsigned int i;

	if (!json)
		return;
	json_open_object(json);
	json_key(json, "command");
	json_string(json, j->verb);
	json_key(json, "bdf");
	json_string(json, j->bdf);
	json_key(json, "domid");
	json_uint(json, j->a.domid);
	json_key(json, "result");
	json_string(json, result_name(rc, nothing));
	json_key(json, "exit");
	json_uint(json, (uint64_t)rc);
	json_key(json, "reason");
	if (j->reason[0])
		json_string(json, j->reason);
	else
		json_null(json);
	json_key(json, "steps");
	json_open_array(json);
	for (i = 0; i < j->steps_done; i++)
		json_string(json, j->steps[i]);
	json_close_array(json);
	json_key(json, "error");
	if (j->failed_step) {
		json_open_object(json);
		json_key(json, "step");
		json_string(json, j->failed_step);
		json_key(json, "errno");
		json_uint(json, (uint64_t)j->failed_errno);
		json_key(json, "message");
		json_string(json, strerror(j->failed_errno));
		json_key(json, "detail");
		json_string(json, j->failed_detail);
		json_close_object(json);
	} else {
		json_null(json);
	}
	json_key(json, "vdev");
	if (j->vdev[0])
		json_string(json, j->vdev);
	else
		json_null(json);
	json_close_object(json);
}

static int start_job(struct pci_job *j, int argc, char **argv, bool assign)
{
	memset(j, 0, sizeof(*j));
	j->verb = assign ? "assign" : "detach";
	if (splitctl_parse_pci_args(argc, argv, assign, &j->a, j->reason,
				    sizeof(j->reason))) {
		fprintf(stderr, "splitctl: pci %s: %s\n", j->verb, j->reason);
		return 2;
	}
	xsplit_bdf_format(&j->a.bdf, j->bdf, sizeof(j->bdf));
	return 0;
}

/* ---- assign ---- */

static int do_assign(struct pci_job *j)
{
	if (step_bind(j) || step_iomem(j) || step_ioport(j) || step_irq(j) ||
	    step_assign_device(j) || step_xenstore(j) || step_wait(j)) {
		rollback(j);
		return 1;
	}
	return 0;
}

static int preflight(struct pci_job *j, bool *nothing)
{
	char why[256];
	struct splitctl_assign_facts f;
	char shares[XSPLIT_BDF_STR_SIZE + 8], path[SYS_PATH_SIZE];

	if (check_domain(j) || load_function(j, shares, sizeof(shares)))
		return 2;
	f.driver = j->fn.driver;
	f.pciback_loaded = sys_path(path, PCIBACK) && sys_exists(path);
	f.owner = j->fn.owner;
	f.shares_with = shares[0] ? shares : NULL;
	f.iommu = j->iommu;
	f.can_reset = can_reset(j);
	switch (splitctl_assign_verdict(&j->a, &f, why, sizeof(why))) {
	case SPLITCTL_ALREADY:
		*nothing = true;
		snprintf(j->reason, sizeof(j->reason), "%s", why);
		job_say(j, "%s: nothing to do", why);
		return 0;
	case SPLITCTL_REFUSE:
		job_refuse(j, "%s", why);
		return 2;
	case SPLITCTL_GO:
		break;
	}
	if (!f.iommu)
		job_say(j, "warning: no IOMMU: the guest's device can DMA anywhere");
	if (!f.can_reset)
		job_say(j, "warning: no reset method: the guest may see state a previous user left");
	return 0;
}

int cmd_pci_assign(int argc, char **argv)
{
	struct pci_job j;
	bool nothing = false;
	int rc, lock_fd = -1;

	rc = start_job(&j, argc, argv, true);
	if (!rc)
		rc = open_job(&j, &lock_fd);
	if (!rc)
		rc = preflight(&j, &nothing);
	if (!rc && !nothing) {
		rc = do_assign(&j);
		if (!rc)
			job_say(&j, "assigned; the guest sees it at %s", j.vdev);
	}
	json_report(&j, rc, nothing);
	close_job(&j, lock_fd);
	return finish_json(rc);
}

/* ---- detach ---- */

/*
 * Reset through pciback, which does it only while it holds the function.
 * Returns 1 if there is no way to: not a failure, but no step done.
 */
static int reset_function(struct pci_job *j)
{
	char path[SYS_PATH_SIZE];
	int ret;

	if (!can_reset(j)) {
		job_say(j, "no reset method: pciback turned bus mastering off, nothing more");
		return 1;
	}
	if (!sys_path(path, PCIBACK "/do_flr"))
		return -1;
	ret = write_sys(path, j->bdf);
	if (ret) {
		job_say(j, "reset through %s: %s", path, strerror(-ret));
		return -1;
	}
	return 0;
}

static int do_detach(struct pci_job *j, unsigned int n, unsigned int num)
{
	unsigned int k, iomem = 0, ioport = 0;
	int ret, bad = 0;

	if (injected("xenstore"))
		return step_fail(j, "xenstore", errno, "injected");
	ret = remove_function(j, n, num);
	if (ret)
		return step_fail(j, "xenstore", -ret, "removing dev-%u", n);
	step_done(j, "xenstore");

	/* Revoked whatever granted them: xl, or us. */
	for (k = 0; k < SPLITCTL_NR_RES; k++) {
		if (res_is_mem(&j->fn.res[k]))
			iomem |= 1u << k;
		if (res_io(&j->fn.res[k]) && j->fn.res[k].end <= 0xffff)
			ioport |= 1u << k;
	}
	if (j->iommu) {
		ret = deassign_device(j);
		if (ret)
			bad = step_fail(j, "deassign_device", ret,
					"xc_deassign_device(sbdf 0x%x)",
					job_sbdf(j));
		else
			step_done(j, "deassign_device");
	}
	if (j->irq) {
		if (revoke_irq(j, true, true))
			bad = step_fail(j, "irq", EIO, "pirq %d", j->irq);
		else
			step_done(j, "irq");
	}
	if (revoke_resources(j, iomem, ioport))
		bad = step_fail(j, "resources", EIO, "see above");
	else
		step_done(j, "resources");
	ret = reset_function(j);
	if (ret < 0)
		bad = step_fail(j, "reset", EIO, "see above");
	else if (!ret)
		step_done(j, "reset");
	return bad ? 1 : 0;
}

/* Who has the function: 0 to go on, 2 refused, or nothing to do. */
static int detach_preflight(struct pci_job *j, bool *nothing)
{
	char shares[XSPLIT_BDF_STR_SIZE + 8];
	int ret;

	if (check_domain(j) || load_function(j, shares, sizeof(shares)))
		return 2;
	ret = read_irq(j);
	if (ret)
		return -step_fail(j, "sysfs", -ret, "reading %s's irq", j->bdf);
	if (j->fn.owner >= 0 && (unsigned long)j->fn.owner != j->a.domid) {
		job_refuse(j, "assigned to domain %ld, not %lu", j->fn.owner,
			   j->a.domid);
		return 2;
	}
	if (j->fn.owner < 0) {
		snprintf(j->reason, sizeof(j->reason),
			 "not assigned to domain %lu", j->a.domid);
		job_say(j, "%s: nothing to do", j->reason);
		*nothing = true;
	}
	return 0;
}

int cmd_pci_detach(int argc, char **argv)
{
	struct pci_job j;
	unsigned int num = 0;
	bool nothing = false;
	int rc, lock_fd = -1, n;

	rc = start_job(&j, argc, argv, false);
	if (!rc)
		rc = open_job(&j, &lock_fd);
	if (!rc)
		rc = detach_preflight(&j, &nothing);
	if (!rc && !nothing) {
		if (read_num_devs(&j, XBT_NULL, &num) ||
		    (n = find_dev_index(&j, num)) < 0)
			rc = -step_fail(&j, "xenstore", ENOENT,
					"%s's entry in %s", j.bdf, j.be);
		else
			rc = do_detach(&j, (unsigned int)n, num);
		if (!rc)
			job_say(&j, "detached");
	}
	json_report(&j, rc, nothing);
	close_job(&j, lock_fd);
	return finish_json(rc);
}
