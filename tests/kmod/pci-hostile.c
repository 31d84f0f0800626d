// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-test-pci-hostile: a test-only PCI frontend for a PV guest that
 * talks to the PCI backend the way a malicious guest would. It speaks the
 * pciif protocol (one xen_pci_sharedinfo page, one event channel) itself,
 * sends well-formed and malformed ops, races the backend over the shared
 * page and floods its event channel, and checks every answer against the
 * error the backend must give.
 *
 * Each case prints "xsplit-hostile: case <name> ok" or "xsplit-hostile:
 * case <name> FAIL expected <x> got <y>", and the run ends with
 * "xsplit-hostile: done <tried> tried <passed> passed" for
 * tests/vm/pci-hostile.sh to read. The guest must have been given QEMU's
 * edu device (1234:11e8) at the virtual slot 0000:00:00.0, and the kernel's
 * xen-pcifront must not be loaded: both drivers claim the "pci" device.
 *
 * With cases=0 it only answers the backend's AER requests, the way dom0
 * says in the xenstore key aer-answer of the frontend's device (absent or
 * "none": no AER handler announced; 0: take requests and never answer;
 * any other number: the answer to put in aer_op.err at every step; 77 is
 * no result a driver can give). tests/vm/pci-nic.sh injects the errors in
 * dom0; the guest is then given any function.
 */
#define pr_fmt(fmt) "xsplit-hostile: " fmt

#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/interface/io/pciif.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

/* Far above a normal answer, even under emulation: no answer is a bug. */
#define HOSTILE_TIMEOUT_MS	2000
/*
 * After the storm the backend's late EOI may hold the channel for up to a
 * second (the kernel's back-pressure on spurious events), possibly twice
 * if a spurious event is handled just before our op's.
 */
#define HOSTILE_STORM_TIMEOUT_MS	5000
#define HOSTILE_STORM_KICKS	100000
/* Keeps the run well under a minute even if a hypercall is very slow. */
#define HOSTILE_STORM_MAX_MS	15000
#define HOSTILE_RACE_ROUNDS	32

/*
 * Put in op.err before an op is handed over. The backend only ever writes
 * 0 or a negative XEN_PCI_ERR_*, so seeing it afterwards means the slot was
 * released without an answer.
 */
#define HOSTILE_NO_ANSWER	0x5a5a5a5a

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_CFG_SIZE		256

#define CFG_VENDOR_ID		0x00
#define CFG_DEVICE_ID		0x02
#define CFG_BAR0		0x10
#define CFG_CAP_PTR		0x34
#define CFG_LAST_DWORD		(EDU_CFG_SIZE - 4)
#define CFG_LAST_BYTE		(EDU_CFG_SIZE - 1)

struct hostile_addr {
	u32 domain;
	u32 bus;
	u32 devfn;
};

static bool cases = true;
module_param(cases, bool, 0444);
MODULE_PARM_DESC(cases, "Run the op cases once connected (0: only answer AER requests)");

/* Where virtual-slot mode puts the only function we were given. */
static const struct hostile_addr edu = { 0, 0, 0 };

struct hostile {
	struct xenbus_device *xdev;
	struct xen_pci_sharedinfo *sh;
	grant_ref_t gref;
	evtchn_port_t evtchn;
	bool have_evtchn;
	int irq;		/* bound only to take AER requests */
	bool started;
	struct work_struct work;
	struct work_struct aer_work;
	unsigned int aer_seen;
	int aer_answer;			/* from xenstore's aer-answer */
	struct xenbus_watch aer_watch;
	bool aer_watching;
	/* Built here, not on the stack: an op is over half a kilobyte. */
	struct xen_pci_op op;
	unsigned int tried;
	unsigned int passed;
	/* Answers pciback always logs: dom0 compares them with its log. */
	unsigned int refused;
};

struct hostile_answer {
	int ret;	/* 0: answered; -EBUSY: slot never freed; -ETIMEDOUT */
	s32 err;
	u32 value;
};

enum hostile_race {
	RACE_CONF,	/* offset, size and command */
	RACE_ADDR,	/* the function's address */
	RACE_MSIX,	/* command and MSI-X vector count */
};

static const char *const hostile_err_names[] = {
	"success", "dev_not_found", "invalid_offset", "access_denied",
	"not_implemented", "op_failed",
};

static bool hostile_err_defined(s32 err)
{
	return err <= XEN_PCI_ERR_success && err >= XEN_PCI_ERR_op_failed;
}

static unsigned long *hostile_flags(struct hostile *h)
{
	return (unsigned long *)&h->sh->flags;
}

static void hostile_describe(const struct hostile_answer *a, char *buf,
			     size_t len)
{
	if (a->ret == -EBUSY)
		snprintf(buf, len, "slot-still-busy");
	else if (a->ret)
		snprintf(buf, len, "timeout");
	else if (a->err == HOSTILE_NO_ANSWER)
		snprintf(buf, len, "no-answer");
	else if (hostile_err_defined(a->err))
		snprintf(buf, len, "%s(%d)", hostile_err_names[-a->err], a->err);
	else
		snprintf(buf, len, "undefined-err(%d)", a->err);
}

static void hostile_result(struct hostile *h, const char *name, bool ok,
			   const char *want, const char *got)
{
	h->tried++;
	if (ok) {
		h->passed++;
		pr_info("case %s ok\n", name);
	} else {
		pr_info("case %s FAIL expected %s got %s\n", name, want, got);
	}
}

/* Wait for the backend to release the slot; bounded, never on an irq. */
static int hostile_wait_idle(struct hostile *h, unsigned int ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);

	while (test_bit(_XEN_PCIF_active, hostile_flags(h))) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(20, 100);
	}
	/* The backend wrote its answer before it cleared the bit. */
	rmb();
	return 0;
}

/* Hand h->op to the backend; -EBUSY if an earlier op still holds the slot. */
static int hostile_post(struct hostile *h)
{
	if (hostile_wait_idle(h, HOSTILE_TIMEOUT_MS))
		return -EBUSY;
	memcpy(&h->sh->op, &h->op, sizeof(h->op));
	h->sh->op.err = HOSTILE_NO_ANSWER;
	/* The backend may take the op the moment it sees the bit. */
	wmb();
	set_bit(_XEN_PCIF_active, hostile_flags(h));
	notify_remote_via_evtchn(h->evtchn);
	return 0;
}

static void hostile_collect(struct hostile *h, int ret,
			    struct hostile_answer *a)
{
	a->ret = ret;
	a->err = READ_ONCE(h->sh->op.err);
	a->value = READ_ONCE(h->sh->op.value);
	/*
	 * A lower bound of what pciback logs: it logs every refusal but that
	 * of a config read of an absent function.
	 */
	if (!ret && a->err != XEN_PCI_ERR_success &&
	    a->err != XEN_PCI_ERR_dev_not_found && hostile_err_defined(a->err))
		h->refused++;
}

static void hostile_send(struct hostile *h, unsigned int ms,
			 struct hostile_answer *a)
{
	int ret = hostile_post(h);

	if (!ret)
		ret = hostile_wait_idle(h, ms);
	hostile_collect(h, ret, a);
}

static void hostile_build(struct hostile *h, u32 cmd,
			  const struct hostile_addr *addr, s32 offset,
			  s32 size, u32 value)
{
	memset(&h->op, 0, sizeof(h->op));
	h->op.cmd = cmd;
	h->op.domain = addr->domain;
	h->op.bus = addr->bus;
	h->op.devfn = addr->devfn;
	h->op.offset = offset;
	h->op.size = size;
	h->op.value = value;
}

static void hostile_op(struct hostile *h, u32 cmd,
		       const struct hostile_addr *addr, s32 offset, s32 size,
		       u32 value, struct hostile_answer *a)
{
	hostile_build(h, cmd, addr, offset, size, value);
	hostile_send(h, HOSTILE_TIMEOUT_MS, a);
}

static bool expect_err(struct hostile *h, const char *name,
		       const struct hostile_answer *a, s32 want)
{
	char got[40];
	bool ok = !a->ret && a->err == want;

	hostile_describe(a, got, sizeof(got));
	hostile_result(h, name, ok, hostile_err_names[-want], got);
	return ok;
}

static bool expect_value(struct hostile *h, const char *name,
			 const struct hostile_answer *a, u32 want)
{
	char want_s[40], got[40];
	bool ok = !a->ret && a->err == XEN_PCI_ERR_success && a->value == want;

	snprintf(want_s, sizeof(want_s), "success-value-0x%x", want);
	if (!a->ret && a->err == XEN_PCI_ERR_success)
		snprintf(got, sizeof(got), "success-value-0x%x", a->value);
	else
		hostile_describe(a, got, sizeof(got));
	hostile_result(h, name, ok, want_s, got);
	return ok;
}

/* A config read of the edu that must succeed; its value, or ~0 if not. */
static u32 hostile_read(struct hostile *h, const char *name, s32 offset,
			s32 size)
{
	struct hostile_answer a;

	hostile_op(h, XEN_PCI_OP_conf_read, &edu, offset, size, 0, &a);
	expect_err(h, name, &a, XEN_PCI_ERR_success);
	return !a.ret && a.err == XEN_PCI_ERR_success ? a.value : ~0u;
}

/* The function we were given is the edu, as seen through the backend. */
static void case_identity(struct hostile *h, const char *prefix)
{
	struct hostile_answer a;
	char name[32];

	hostile_op(h, XEN_PCI_OP_conf_read, &edu, CFG_VENDOR_ID, 2, 0, &a);
	snprintf(name, sizeof(name), "%s-vendor", prefix);
	expect_value(h, name, &a, EDU_VENDOR);
	hostile_op(h, XEN_PCI_OP_conf_read, &edu, CFG_DEVICE_ID, 2, 0, &a);
	snprintf(name, sizeof(name), "%s-device", prefix);
	expect_value(h, name, &a, EDU_DEVICE);
}

/* The AER commands go backend to frontend only; the rest do not exist. */
static void cases_unknown_cmd(struct hostile *h)
{
	static const u32 cmds[] = {
		XEN_PCI_OP_aer_detected, XEN_PCI_OP_aer_resume,
		XEN_PCI_OP_aer_mmio, XEN_PCI_OP_aer_slotreset, 10, 42,
		0x80000000, 0xffffffff,
	};
	struct hostile_answer a;
	char name[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		snprintf(name, sizeof(name), "cmd-0x%x", cmds[i]);
		hostile_op(h, cmds[i], &edu, 0, 4, 0, &a);
		expect_err(h, name, &a, XEN_PCI_ERR_not_implemented);
	}
}

static void cases_bad_conf(struct hostile *h)
{
	static const struct {
		const char *name;
		u32 cmd;
		s32 offset;
		s32 size;
	} bad[] = {
		{ "read-size-0", XEN_PCI_OP_conf_read, 0, 0 },
		{ "read-size-3", XEN_PCI_OP_conf_read, 0, 3 },
		{ "read-size-8", XEN_PCI_OP_conf_read, 0, 8 },
		{ "read-size-minus1", XEN_PCI_OP_conf_read, 0, -1 },
		{ "read-size-minint", XEN_PCI_OP_conf_read, 0, S32_MIN },
		{ "read-offset-minus4", XEN_PCI_OP_conf_read, -4, 4 },
		{ "read-offset-minint", XEN_PCI_OP_conf_read, S32_MIN, 1 },
		{ "read-offset-256", XEN_PCI_OP_conf_read, EDU_CFG_SIZE, 1 },
		{ "read-offset-254-size-4", XEN_PCI_OP_conf_read, 254, 4 },
		{ "read-offset-4096", XEN_PCI_OP_conf_read, 4096, 4 },
		{ "read-offset-0x7fffffff", XEN_PCI_OP_conf_read, S32_MAX, 1 },
		{ "read-offset-0x7ffffffc", XEN_PCI_OP_conf_read, S32_MAX - 3, 4 },
		{ "read-misaligned-1-2", XEN_PCI_OP_conf_read, 1, 2 },
		{ "read-misaligned-2-4", XEN_PCI_OP_conf_read, 2, 4 },
		{ "write-size-3", XEN_PCI_OP_conf_write, 0, 3 },
		{ "write-offset-256", XEN_PCI_OP_conf_write, EDU_CFG_SIZE, 4 },
		{ "write-misaligned-3-2", XEN_PCI_OP_conf_write, 3, 2 },
	};
	struct hostile_answer a;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		hostile_op(h, bad[i].cmd, &edu, bad[i].offset, bad[i].size,
			   0xffffffff, &a);
		expect_err(h, bad[i].name, &a, XEN_PCI_ERR_invalid_offset);
	}
}

/* The edges of config space must still be readable: no over-refusal. */
static void cases_conf_edges(struct hostile *h)
{
	hostile_read(h, "read-last-dword", CFG_LAST_DWORD, 4);
	hostile_read(h, "read-last-byte", CFG_LAST_BYTE, 1);
}

static void cases_no_device(struct hostile *h)
{
	static const struct {
		const char *name;
		struct hostile_addr addr;
	} absent[] = {
		{ "nodev-devfn-0x08", { 0, 0, 0x08 } },
		{ "nodev-devfn-0x01", { 0, 0, 0x01 } },
		{ "nodev-bus-1", { 0, 1, 0 } },
		{ "nodev-domain-1", { 1, 0, 0 } },
		{ "nodev-domain-0x10000", { 0x10000, 0, 0 } },
		{ "nodev-bus-0x100", { 0, 0x100, 0 } },
		{ "nodev-devfn-0x100", { 0, 0, 0x100 } },
		{ "nodev-all-ones", { 0xffffffff, 0xffffffff, 0xffffffff } },
	};
	struct hostile_answer a;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(absent); i++) {
		hostile_op(h, XEN_PCI_OP_conf_read, &absent[i].addr,
			   CFG_VENDOR_ID, 2, 0, &a);
		expect_err(h, absent[i].name, &a, XEN_PCI_ERR_dev_not_found);
	}

	/* The ops that act on a function, aimed at one we do not have. */
	hostile_op(h, XEN_PCI_OP_conf_write, &absent[0].addr, CFG_BAR0, 4,
		   0, &a);
	expect_err(h, "nodev-write", &a, XEN_PCI_ERR_dev_not_found);
	hostile_op(h, XEN_PCI_OP_enable_msi, &absent[0].addr, 0, 0, 0, &a);
	expect_err(h, "nodev-enable-msi", &a, XEN_PCI_ERR_dev_not_found);
	hostile_op(h, XEN_PCI_OP_disable_msi, &absent[0].addr, 0, 0, 0, &a);
	expect_err(h, "nodev-disable-msi", &a, XEN_PCI_ERR_dev_not_found);
	hostile_op(h, XEN_PCI_OP_disable_msix, &absent[0].addr, 0, 0, 0, &a);
	expect_err(h, "nodev-disable-msix", &a, XEN_PCI_ERR_dev_not_found);
}

/*
 * An op on a function we were not given that is also wrong in another
 * way: the backend must say the function is absent and judge nothing
 * else, so a guest learns nothing about functions that are not its own.
 */
static void cases_no_device_order(struct hostile *h)
{
	static const struct hostile_addr absent = { 0, 0, 0x08 };
	struct hostile_answer a;

	hostile_op(h, 42, &absent, 0, 4, 0, &a);
	expect_err(h, "nodev-cmd-42", &a, XEN_PCI_ERR_dev_not_found);
	hostile_op(h, XEN_PCI_OP_conf_read, &absent, 0, 3, 0, &a);
	expect_err(h, "nodev-size-3", &a, XEN_PCI_ERR_dev_not_found);
	hostile_build(h, XEN_PCI_OP_enable_msix, &absent, 0, 0, 1);
	hostile_send(h, HOSTILE_TIMEOUT_MS, &a);
	expect_err(h, "nodev-enable-msix", &a, XEN_PCI_ERR_dev_not_found);
}

/* The edu has no MSI-X capability, so no vector count is acceptable. */
static void cases_msix(struct hostile *h)
{
	static const u32 counts[] = { 0, 1, SH_INFO_MAX_VEC + 1, 0xffffffff };
	struct hostile_answer a;
	char name[32];
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		snprintf(name, sizeof(name), "msix-count-0x%x", counts[i]);
		hostile_build(h, XEN_PCI_OP_enable_msix, &edu, 0, 0, counts[i]);
		for (j = 0; j < SH_INFO_MAX_VEC; j++)
			h->op.msix_entries[j].entry = j;
		hostile_send(h, HOSTILE_TIMEOUT_MS, &a);
		expect_err(h, name, &a, XEN_PCI_ERR_access_denied);
	}
}

/*
 * Writes the backend must swallow: success for the guest, as on hardware
 * where these bits are read-only or dom0's, and nothing changed.
 */
static void case_write_ignored(struct hostile *h, const char *name,
			       s32 offset, s32 size, u32 value)
{
	struct hostile_answer a;
	char tag[48];
	u32 before;

	snprintf(tag, sizeof(tag), "%s-read", name);
	before = hostile_read(h, tag, offset, size);
	/* Never write what is already there: that is not an attempt. */
	if (value == before)
		value = ~value & (size == 4 ? ~0u : (1u << (8 * size)) - 1);

	hostile_op(h, XEN_PCI_OP_conf_write, &edu, offset, size, value, &a);
	snprintf(tag, sizeof(tag), "%s-write", name);
	expect_err(h, tag, &a, XEN_PCI_ERR_success);

	hostile_op(h, XEN_PCI_OP_conf_read, &edu, offset, size, 0, &a);
	snprintf(tag, sizeof(tag), "%s-unchanged", name);
	expect_value(h, tag, &a, before);
}

static void cases_writes(struct hostile *h)
{
	/* Anything but the real address or a sizing probe (all ones). */
	case_write_ignored(h, "bar0", CFG_BAR0, 4, 0xdead0000);
	case_write_ignored(h, "bar0-low-word", CFG_BAR0, 2, 0x1230);
	case_write_ignored(h, "cap-ptr", CFG_CAP_PTR, 1, 0xfc);
	case_write_ignored(h, "vendor-id", CFG_VENDOR_ID, 2, 0xffff);
	case_write_ignored(h, "vendor-device", CFG_VENDOR_ID, 4, 0xdeadbeef);
}

static void cases_msi(struct hostile *h)
{
	struct hostile_answer a;
	const char *want = "success-value-above-0";
	char got[40];
	bool ok;

	hostile_op(h, XEN_PCI_OP_enable_msi, &edu, 0, 0, 0, &a);
	ok = !a.ret && a.err == XEN_PCI_ERR_success && (s32)a.value > 0;
	if (!a.ret && a.err == XEN_PCI_ERR_success)
		snprintf(got, sizeof(got), "success-value-%d", (s32)a.value);
	else
		hostile_describe(&a, got, sizeof(got));
	hostile_result(h, "msi-enable", ok, want, got);
	if (ok)
		pr_info("msi-enable gave pirq %u\n", a.value);

	hostile_op(h, XEN_PCI_OP_enable_msi, &edu, 0, 0, 0, &a);
	expect_err(h, "msi-enable-again", &a, XEN_PCI_ERR_op_failed);
	/* Refused while MSI is on, whatever the count. */
	hostile_build(h, XEN_PCI_OP_enable_msix, &edu, 0, 0, 1);
	hostile_send(h, HOSTILE_TIMEOUT_MS, &a);
	expect_err(h, "msix-while-msi", &a, XEN_PCI_ERR_access_denied);

	hostile_op(h, XEN_PCI_OP_disable_msi, &edu, 0, 0, 0, &a);
	expect_err(h, "msi-disable", &a, XEN_PCI_ERR_success);
	hostile_op(h, XEN_PCI_OP_disable_msi, &edu, 0, 0, 0, &a);
	expect_err(h, "msi-disable-again", &a, XEN_PCI_ERR_success);
	hostile_op(h, XEN_PCI_OP_disable_msix, &edu, 0, 0, 0, &a);
	expect_err(h, "msix-disable-never-enabled", &a, XEN_PCI_ERR_success);
}

/*
 * Rewrite the op in the slot until the backend answers. The backend takes
 * one copy and must act on it alone, so whatever mix of values it caught,
 * the answer is one it could have given to some single op.
 */
static int hostile_race(struct hostile *h, enum hostile_race what)
{
	struct xen_pci_op *op = &h->sh->op;
	unsigned long deadline = jiffies + msecs_to_jiffies(HOSTILE_TIMEOUT_MS);
	u32 i;

	for (i = 0; test_bit(_XEN_PCIF_active, hostile_flags(h)); i++) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		switch (what) {
		case RACE_CONF:
			WRITE_ONCE(op->offset, i & 1 ? S32_MAX - 3 : 0);
			WRITE_ONCE(op->size, i & 2 ? 3 : 4);
			WRITE_ONCE(op->cmd, i & 4 ? 42 : XEN_PCI_OP_conf_read);
			break;
		case RACE_ADDR:
			WRITE_ONCE(op->domain, i & 1 ? 0x10000 : 0);
			WRITE_ONCE(op->bus, i & 2 ? 0xff : 0);
			WRITE_ONCE(op->devfn, i & 4 ? 0x100 : 0);
			break;
		case RACE_MSIX:
			/* Never enable_msi: its success would change the device. */
			WRITE_ONCE(op->cmd, i & 1 ? XEN_PCI_OP_enable_msix :
						    XEN_PCI_OP_conf_read);
			WRITE_ONCE(op->value, i & 2 ? 0xffffffff : 1);
			WRITE_ONCE(op->msix_entries[i % SH_INFO_MAX_VEC].entry,
				   (u16)i);
			break;
		}
		if (!(i & 1023))
			cond_resched();
	}
	rmb();
	return 0;
}

static void case_race(struct hostile *h, const char *name,
		      enum hostile_race what)
{
	unsigned int hist[ARRAY_SIZE(hostile_err_names)] = { 0 };
	struct hostile_answer a, bad = { 0 };
	unsigned int round, nbad = 0;
	char got[40];
	int ret;

	for (round = 0; round < HOSTILE_RACE_ROUNDS; round++) {
		hostile_build(h, XEN_PCI_OP_conf_read, &edu, CFG_VENDOR_ID, 2, 0);
		ret = hostile_post(h);
		if (!ret)
			ret = hostile_race(h, what);
		hostile_collect(h, ret, &a);
		if (!ret && hostile_err_defined(a.err)) {
			hist[-a.err]++;
		} else if (!nbad++) {
			bad = a;
		}
	}
	pr_info("race %s: success %u dev_not_found %u invalid_offset %u access_denied %u not_implemented %u op_failed %u other %u\n",
		name, hist[0], hist[1], hist[2], hist[3], hist[4], hist[5], nbad);
	hostile_describe(&bad, got, sizeof(got));
	hostile_result(h, name, !nbad, "defined-err", got);
}

/* Kicks without an op: the backend must shrug them off and still serve. */
static void case_storm(struct hostile *h, const char *name)
{
	ktime_t start = ktime_get();
	struct hostile_answer a;
	unsigned int i;
	s64 ms = 0;

	for (i = 0; i < HOSTILE_STORM_KICKS; i++) {
		notify_remote_via_evtchn(h->evtchn);
		if (!(i & 1023)) {
			cond_resched();
			ms = ktime_ms_delta(ktime_get(), start);
			if (ms > HOSTILE_STORM_MAX_MS)
				break;
		}
	}
	ms = ktime_ms_delta(ktime_get(), start);
	pr_info("storm: %u kicks in %lld ms\n", i, ms);

	hostile_build(h, XEN_PCI_OP_conf_read, &edu, CFG_VENDOR_ID, 2, 0);
	start = ktime_get();
	hostile_send(h, HOSTILE_STORM_TIMEOUT_MS, &a);
	pr_info("storm: first answer after %lld ms\n",
		ktime_ms_delta(ktime_get(), start));
	expect_value(h, name, &a, EDU_VENDOR);
}

/* Every field all ones, flags included, as a confused guest would leave. */
static void case_garbage(struct hostile *h, const char *name)
{
	struct hostile_answer a;
	int ret;

	ret = hostile_wait_idle(h, HOSTILE_TIMEOUT_MS) ? -EBUSY : 0;
	if (!ret) {
		memset(&h->sh->op, 0xff, sizeof(h->sh->op));
		/* All ones is dev_not_found: the one field we must tell apart. */
		h->sh->op.err = HOSTILE_NO_ANSWER;
		wmb();
		WRITE_ONCE(h->sh->flags, 0xffffffff);
		notify_remote_via_evtchn(h->evtchn);
		ret = hostile_wait_idle(h, HOSTILE_TIMEOUT_MS);
	}
	hostile_collect(h, ret, &a);
	/* Its address is impossible, and the address is judged first. */
	expect_err(h, name, &a, XEN_PCI_ERR_dev_not_found);
	if (!ret)
		WRITE_ONCE(h->sh->flags, 0);
}

static void hostile_run(struct work_struct *work)
{
	struct hostile *h = container_of(work, struct hostile, work);
	ktime_t start = ktime_get();

	pr_info("start\n");
	case_identity(h, "baseline");

	/*
	 * Early, so that the refusals below come in one burst: pciback logs
	 * them rate-limited, and the test looks for that.
	 */
	case_storm(h, "storm-then-read");
	cases_writes(h);
	cases_msi(h);

	cases_unknown_cmd(h);
	cases_bad_conf(h);
	cases_conf_edges(h);
	cases_no_device(h);
	cases_no_device_order(h);
	cases_msix(h);
	case_race(h, "race-conf", RACE_CONF);
	case_race(h, "race-addr", RACE_ADDR);
	case_race(h, "race-msix", RACE_MSIX);
	case_garbage(h, "garbage-op");

	/* Still served after all that, and still shown the same function. */
	case_identity(h, "final");

	pr_info("refused %u\n", h->refused);
	pr_info("run took %lld ms\n", ktime_ms_delta(ktime_get(), start));
	pr_info("done %u tried %u passed\n", h->tried, h->passed);
}

static void hostile_aer(struct work_struct *work)
{
	struct hostile *h = container_of(work, struct hostile, aer_work);
	int answer = READ_ONCE(h->aer_answer);
	u32 cmd;

	if (!test_bit(_XEN_PCIB_active, hostile_flags(h)))
		return;
	cmd = READ_ONCE(h->sh->aer_op.cmd);
	h->aer_seen++;
	pr_info("aer request %u (command %u) %s %d\n", h->aer_seen, cmd,
		answer ? "answered with" : "left unanswered", answer);
	if (!answer)
		return;
	WRITE_ONCE(h->sh->aer_op.err, answer);
	/* The answer first, then the flag that says it is there. */
	wmb();
	clear_bit(_XEN_PCIB_active, hostile_flags(h));
	notify_remote_via_evtchn(h->evtchn);
}

static irqreturn_t hostile_event(int irq, void *dev_id)
{
	struct hostile *h = dev_id;

	if (test_bit(_XEN_PCIB_active, hostile_flags(h)))
		schedule_work(&h->aer_work);
	return IRQ_HANDLED;
}

/* dom0 changed aer-answer: how the next AER request is answered. */
static void hostile_aer_mode(struct xenbus_watch *watch, const char *path,
			     const char *token)
{
	struct hostile *h = container_of(watch, struct hostile, aer_watch);
	char *val = xenbus_read(XBT_NIL, h->xdev->nodename, "aer-answer", NULL);
	int answer;

	if (IS_ERR(val) || kstrtoint(val, 0, &answer)) {
		clear_bit(_XEN_PCIB_AERHANDLER, hostile_flags(h));
		pr_info("aer answer now none\n");
	} else {
		WRITE_ONCE(h->aer_answer, answer);
		set_bit(_XEN_PCIB_AERHANDLER, hostile_flags(h));
		pr_info("aer answer now %d\n", answer);
	}
	if (!IS_ERR(val))
		kfree(val);
}

static int hostile_publish(struct hostile *h)
{
	struct xenbus_device *xdev = h->xdev;
	struct xenbus_transaction xbt;
	int ret;

again:
	ret = xenbus_transaction_start(&xbt);
	if (ret)
		return ret;
	ret = xenbus_printf(xbt, xdev->nodename, "pci-op-ref", "%u", h->gref);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "event-channel", "%u",
				    h->evtchn);
	if (!ret)
		ret = xenbus_printf(xbt, xdev->nodename, "magic", XEN_PCI_MAGIC);
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		return ret;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	return ret;
}

static void hostile_free(struct hostile *h)
{
	if (h->aer_watching) {
		unregister_xenbus_watch(&h->aer_watch);
		kfree(h->aer_watch.node);
	}
	/* Unbinding closes the channel too. */
	if (h->irq > 0)
		unbind_from_irqhandler(h->irq, h);
	else if (h->have_evtchn)
		xenbus_free_evtchn(h->xdev, h->evtchn);
	cancel_work_sync(&h->aer_work);
	/* Ends the backend's access first; the page goes when it is unmapped. */
	if (h->sh)
		xenbus_teardown_ring((void **)&h->sh, 1, &h->gref);
	kfree(h);
}

static int hostile_probe(struct xenbus_device *xdev,
			 const struct xenbus_device_id *id)
{
	struct hostile *h;
	int ret;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->xdev = xdev;
	INIT_WORK(&h->work, hostile_run);
	INIT_WORK(&h->aer_work, hostile_aer);
	dev_set_drvdata(&xdev->dev, h);

	/* A zeroed page, granted to the backend (reports its own errors). */
	ret = xenbus_setup_ring(xdev, GFP_KERNEL, (void **)&h->sh, 1, &h->gref);
	if (ret)
		goto fail;
	ret = xenbus_alloc_evtchn(xdev, &h->evtchn);
	if (ret)
		goto fail;
	h->have_evtchn = true;
	if (!cases) {
		ret = bind_evtchn_to_irqhandler(h->evtchn, hostile_event, 0,
						"xsplit-hostile", h);
		if (ret < 0)
			goto fail;
		h->irq = ret;
		/* Fires once at once, which reads the starting mode. */
		ret = xenbus_watch_pathfmt(xdev, &h->aer_watch, NULL,
					   hostile_aer_mode, "%s/aer-answer",
					   xdev->nodename);
		if (ret)
			goto fail;
		h->aer_watching = true;
	}

	ret = hostile_publish(h);
	if (ret) {
		xenbus_dev_fatal(xdev, ret, "publishing the shared page");
		goto fail;
	}
	ret = xenbus_switch_state(xdev, XenbusStateInitialised);
	if (ret)
		goto fail;
	pr_info("probed %s: grant %u, event channel %u\n", xdev->nodename,
		h->gref, h->evtchn);
	return 0;

fail:
	dev_set_drvdata(&xdev->dev, NULL);
	hostile_free(h);
	return ret;
}

static void hostile_backend_changed(struct xenbus_device *xdev,
				    enum xenbus_state state)
{
	struct hostile *h = dev_get_drvdata(&xdev->dev);

	switch (state) {
	case XenbusStateConnected:
		if (xdev->state != XenbusStateInitialised || h->started)
			break;
		xenbus_switch_state(xdev, XenbusStateConnected);
		h->started = true;
		if (!cases) {
			pr_info("connected: answering AER requests only\n");
			break;
		}
		/* Seconds of work, the storm mostly: not for the system_wq. */
		queue_work(system_long_wq, &h->work);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		xenbus_frontend_closed(xdev);
		break;
	default:
		break;
	}
}

static void hostile_remove(struct xenbus_device *xdev)
{
	struct hostile *h = dev_get_drvdata(&xdev->dev);

	cancel_work_sync(&h->work);
	dev_set_drvdata(&xdev->dev, NULL);
	hostile_free(h);
}

static const struct xenbus_device_id hostile_ids[] = {
	{ "pci" },
	{ "" }
};

static struct xenbus_driver hostile_driver = {
	.name = "xsplit-test-pci-hostile",
	.ids = hostile_ids,
	.probe = hostile_probe,
	.remove = hostile_remove,
	.otherend_changed = hostile_backend_changed,
};

static int __init hostile_init(void)
{
	/* pciif is spoken by PV guests only; dom0 is the backend's side. */
	if (!xen_pv_domain() || xen_initial_domain())
		return -ENODEV;
	return xenbus_register_frontend(&hostile_driver);
}
module_init(hostile_init);

static void __exit hostile_exit(void)
{
	xenbus_unregister_driver(&hostile_driver);
}
module_exit(hostile_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xsplit test bed: hostile PCI frontend that attacks the PCI backend (test use only)");
