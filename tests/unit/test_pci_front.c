// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/pci_front.h>

#include "unit.h"

/* Through an exact-size heap copy of @len bytes so ASan catches over-reads. */
static int parse_n(const char *s, size_t len, struct xsplit_pci_root *root)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	if (!copy)
		abort();
	memcpy(copy, s, len);
	ret = xsplit_pci_root_parse(copy, len, root);
	free(copy);
	return ret;
}

static int parse(const char *s, struct xsplit_pci_root *root)
{
	size_t len;
	char *copy = unit_exact_copy(s, &len);
	int ret;

	ret = xsplit_pci_root_parse(copy, len, root);
	free(copy);
	return ret;
}

static bool parses_to(const char *s, unsigned int domain, unsigned int bus)
{
	struct xsplit_pci_root root = { 0x1234, 0x56 };

	return parse(s, &root) == 0 && root.domain == domain &&
	       root.bus == bus;
}

/* Rejected, and the output left alone. */
static bool rejects_n(const char *s, size_t len)
{
	struct xsplit_pci_root root = { 0x1234, 0x56 };

	return parse_n(s, len, &root) == -EINVAL && root.domain == 0x1234 &&
	       root.bus == 0x56;
}

static bool rejects(const char *s)
{
	return rejects_n(s, strlen(s));
}

TEST(pci_front_root_valid)
{
	CHECK(parses_to("0000:00", 0, 0));
	CHECK(parses_to("0:0", 0, 0));
	CHECK(parses_to("ffff:ff", 0xffff, 0xff));
	CHECK(parses_to("0001:1f", 1, 0x1f));
	CHECK(parses_to("abcd:ef", 0xabcd, 0xef));
	CHECK(parses_to("12:3", 0x12, 3));
	CHECK(parses_to("123:45", 0x123, 0x45));
	CHECK(parses_to("1:ab", 1, 0xab));
}

TEST(pci_front_root_upper_case_hex)
{
	CHECK(parses_to("FFFF:FF", 0xffff, 0xff));
	CHECK(parses_to("ABCD:EF", 0xabcd, 0xef));
	CHECK(parses_to("aBcD:eF", 0xabcd, 0xef));
	CHECK(parses_to("A:B", 0xa, 0xb));
}

TEST(pci_front_root_empty_fields)
{
	CHECK(rejects(""));
	CHECK(rejects(":"));
	CHECK(rejects("0000:"));
	CHECK(rejects(":00"));
	CHECK(rejects("0000"));
	CHECK(rejects("0"));
	CHECK(rejects("::"));
	CHECK(rejects("0::0"));
}

TEST(pci_front_root_overlong_fields)
{
	CHECK(rejects("00000:00"));
	CHECK(rejects("10000:00"));
	CHECK(rejects("0000:000"));
	CHECK(rejects("0000:100"));
	CHECK(rejects("0:000"));
	CHECK(rejects("00000000000000000000:00"));
}

TEST(pci_front_root_spaces_and_garbage)
{
	CHECK(rejects("0000:00 "));
	CHECK(rejects(" 0000:00"));
	CHECK(rejects("0000 :00"));
	CHECK(rejects("0000: 00"));
	CHECK(rejects("0000:00\n"));
	CHECK(rejects("\t0000:00"));
	CHECK(rejects("0000:00:00"));
	CHECK(rejects("0000:00:00.0"));
	CHECK(rejects("0000:00,"));
}

TEST(pci_front_root_bad_digits_and_separators)
{
	CHECK(rejects("0x00:00"));
	CHECK(rejects("0000:0x"));
	CHECK(rejects("-1:00"));
	CHECK(rejects("+1:00"));
	CHECK(rejects("0000:-1"));
	CHECK(rejects("0000;00"));
	CHECK(rejects("0000.00"));
	CHECK(rejects("0000-00"));
	CHECK(rejects("0000:0g"));
	CHECK(rejects("000g:00"));
	CHECK(rejects("g:0"));
	CHECK(rejects("0:G"));
}

/* A NUL inside the counted range is garbage, not a terminator. */
TEST(pci_front_root_embedded_nul)
{
	struct xsplit_pci_root root;

	CHECK(parse_n("0000:00", 7, &root) == 0);
	CHECK(rejects_n("0000:00\0", 8));
	CHECK(rejects_n("0000\0:00", 8));
	CHECK(rejects_n("0000:\0" "00", 8));
	CHECK(rejects_n("00\0" "0:00", 7));
	CHECK(rejects_n("0000:0\0", 7));
	CHECK(rejects_n("\0" "000:00", 7));
	CHECK(rejects_n("\0\0\0\0\0\0\0", 7));
	CHECK(rejects_n("\0", 1));
}

/* Only @len bytes count: a valid prefix is parsed, bytes past it ignored. */
TEST(pci_front_root_len_bounds_input)
{
	static const char s[] = "0001:02garbage";
	struct xsplit_pci_root root = { 0x1234, 0x56 };

	CHECK(parse_n(s, 7, &root) == 0);
	CHECK(root.domain == 1 && root.bus == 2);
	CHECK(rejects_n(s, 8));
	CHECK(parse_n(s, 6, &root) == 0);	/* "0001:0" */
	CHECK(root.domain == 1 && root.bus == 0);
	CHECK(rejects_n(s, 5));
	CHECK(rejects_n(s, 4));
	CHECK(rejects_n(s, 0));
}

/* Every domain/bus value, in short and zero-padded form. */
TEST(pci_front_root_round_trip)
{
	static const char *const fmts[] = { "%x:%x", "%04x:%02x", "%X:%X" };
	struct xsplit_pci_root root;
	unsigned int f, domain, bus;
	char buf[16];

	for (f = 0; f < ARRAY_SIZE(fmts); f++) {
		for (domain = 0; domain <= 0xffff; domain += 0x101) {
			for (bus = 0; bus <= 0xff; bus++) {
				snprintf(buf, sizeof(buf), fmts[f], domain,
					 bus);
				CHECK(parse(buf, &root) == 0);
				CHECK(root.domain == domain && root.bus == bus);
			}
		}
	}
}

TEST(pci_front_err_known)
{
	CHECK(xsplit_pci_err_to_errno(XEN_PCI_ERR_success) == 0);
	CHECK(xsplit_pci_err_to_errno(XEN_PCI_ERR_dev_not_found) == -ENODEV);
	CHECK(xsplit_pci_err_to_errno(XEN_PCI_ERR_invalid_offset) == -EINVAL);
	CHECK(xsplit_pci_err_to_errno(XEN_PCI_ERR_access_denied) == -EPERM);
	CHECK(xsplit_pci_err_to_errno(XEN_PCI_ERR_not_implemented) ==
	      -EOPNOTSUPP);
	CHECK(xsplit_pci_err_to_errno(XEN_PCI_ERR_op_failed) == -EIO);
}

/* Garbage must neither pass for success nor leak through as an errno. */
TEST(pci_front_err_unknown)
{
	CHECK(xsplit_pci_err_to_errno(1) == -EPROTO);
	CHECK(xsplit_pci_err_to_errno(-6) == -EPROTO);
	CHECK(xsplit_pci_err_to_errno(INT32_MIN) == -EPROTO);
	CHECK(xsplit_pci_err_to_errno(INT32_MAX) == -EPROTO);
	CHECK(xsplit_pci_err_to_errno(-EPROTO) == -EPROTO);
}

static void msi_reply(struct xen_pci_op *op, s32 err, u32 value)
{
	memset(op, 0, sizeof(*op));
	op->cmd = XEN_PCI_OP_enable_msi;
	op->err = err;
	op->value = value;
}

TEST(pci_front_msi_success)
{
	struct xen_pci_op op;

	msi_reply(&op, XEN_PCI_ERR_success, 1);
	CHECK(xsplit_pci_msi_reply(&op) == 1);
	msi_reply(&op, XEN_PCI_ERR_success, 0x7fffffff);
	CHECK(xsplit_pci_msi_reply(&op) == 0x7fffffff);
	msi_reply(&op, XEN_PCI_ERR_success, 0x1234);
	CHECK(xsplit_pci_msi_reply(&op) == 0x1234);
	/* The PIRQ is value, not anything in the MSI-X area. */
	op.msix_entries[0].vector = 99;
	CHECK(xsplit_pci_msi_reply(&op) == 0x1234);
}

TEST(pci_front_msi_bad_pirq)
{
	struct xen_pci_op op;

	msi_reply(&op, XEN_PCI_ERR_success, 0);
	CHECK(xsplit_pci_msi_reply(&op) == -EPROTO);
	msi_reply(&op, XEN_PCI_ERR_success, 0x80000000u);
	CHECK(xsplit_pci_msi_reply(&op) == -EPROTO);
	msi_reply(&op, XEN_PCI_ERR_success, 0xffffffffu);
	CHECK(xsplit_pci_msi_reply(&op) == -EPROTO);
}

TEST(pci_front_msi_op_error)
{
	struct xen_pci_op op;

	msi_reply(&op, XEN_PCI_ERR_dev_not_found, 5);
	CHECK(xsplit_pci_msi_reply(&op) == -ENODEV);
	msi_reply(&op, XEN_PCI_ERR_access_denied, 5);
	CHECK(xsplit_pci_msi_reply(&op) == -EPERM);
	msi_reply(&op, XEN_PCI_ERR_not_implemented, 0);
	CHECK(xsplit_pci_msi_reply(&op) == -EOPNOTSUPP);
	msi_reply(&op, XEN_PCI_ERR_op_failed, 0xffffffffu);
	CHECK(xsplit_pci_msi_reply(&op) == -EIO);
	msi_reply(&op, 1, 5);
	CHECK(xsplit_pci_msi_reply(&op) == -EPROTO);
	msi_reply(&op, INT32_MIN, 5);
	CHECK(xsplit_pci_msi_reply(&op) == -EPROTO);
}

#define SENTINEL	(-77)

/*
 * A successful reply for @nvec vectors with distinct nonzero PIRQs. The
 * entry fields are all 0 (as the frontend may well have sent them), so
 * a checker that looked at entry instead of vector would fail.
 */
static void msix_reply(struct xen_pci_op *op, u32 nvec)
{
	u32 i;

	memset(op, 0, sizeof(*op));
	op->cmd = XEN_PCI_OP_enable_msix;
	op->err = XEN_PCI_ERR_success;
	op->value = 0;
	op->info = nvec;
	for (i = 0; i < nvec && i < SH_INFO_MAX_VEC; i++)
		op->msix_entries[i].vector = (u16)(0x100 + 3 * i);
}

static void fill(int *pirqs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pirqs[i] = SENTINEL;
}

static bool untouched(const int *pirqs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pirqs[i] != SENTINEL)
			return false;
	return true;
}

/* Fails with @want and does not write a single PIRQ. */
static bool msix_fails(const struct xen_pci_op *op, u32 nvec, int want)
{
	int pirqs[SH_INFO_MAX_VEC + 2];

	fill(pirqs, ARRAY_SIZE(pirqs));
	return xsplit_pci_msix_reply(op, nvec, pirqs) == want &&
	       untouched(pirqs, ARRAY_SIZE(pirqs));
}

/* Succeeds into an exact-size heap array, PIRQs copied in order. */
static bool msix_ok(const struct xen_pci_op *op, u32 nvec)
{
	int *pirqs = malloc(nvec * sizeof(*pirqs));
	bool ok;
	u32 i;

	if (!pirqs)
		abort();
	fill(pirqs, nvec);
	ok = xsplit_pci_msix_reply(op, nvec, pirqs) == 0;
	for (i = 0; ok && i < nvec; i++)
		ok = pirqs[i] == op->msix_entries[i].vector;
	free(pirqs);
	return ok;
}

TEST(pci_front_msix_success)
{
	struct xen_pci_op op;

	msix_reply(&op, 1);
	CHECK(msix_ok(&op, 1));
	msix_reply(&op, 2);
	CHECK(msix_ok(&op, 2));
	msix_reply(&op, SH_INFO_MAX_VEC);
	CHECK(msix_ok(&op, SH_INFO_MAX_VEC));

	/* Order is the backend's, not sorted. */
	msix_reply(&op, 3);
	op.msix_entries[0].vector = 30;
	op.msix_entries[1].vector = 10;
	op.msix_entries[2].vector = 20;
	CHECK(msix_ok(&op, 3));

	/* The full u16 range is a valid PIRQ, no sign games. */
	msix_reply(&op, 2);
	op.msix_entries[0].vector = 0xffff;
	op.msix_entries[1].vector = 0x8000;
	CHECK(msix_ok(&op, 2));

	/* Entries past nvec are none of the reply's business. */
	msix_reply(&op, 2);
	op.msix_entries[2].vector = 0;
	op.msix_entries[3].vector = op.msix_entries[0].vector;
	CHECK(msix_ok(&op, 2));
}

TEST(pci_front_msix_exact_values)
{
	struct xen_pci_op op;
	int pirqs[4];

	msix_reply(&op, 3);
	op.msix_entries[0].vector = 7;
	op.msix_entries[0].entry = 0xaaaa;
	op.msix_entries[1].vector = 1;
	op.msix_entries[1].entry = 0xbbbb;
	op.msix_entries[2].vector = 0xffff;
	op.msix_entries[2].entry = 0xcccc;
	fill(pirqs, ARRAY_SIZE(pirqs));
	CHECK(xsplit_pci_msix_reply(&op, 3, pirqs) == 0);
	CHECK(pirqs[0] == 7 && pirqs[1] == 1 && pirqs[2] == 0xffff);
	CHECK(pirqs[3] == SENTINEL);
}

TEST(pci_front_msix_nvec_range)
{
	struct xen_pci_op op;

	msix_reply(&op, SH_INFO_MAX_VEC);
	CHECK(msix_fails(&op, 0, -EINVAL));
	CHECK(msix_fails(&op, SH_INFO_MAX_VEC + 1, -EINVAL));
	CHECK(msix_fails(&op, 0x80000000u, -EINVAL));
	CHECK(msix_fails(&op, 0xffffffffu, -EINVAL));
}

TEST(pci_front_msix_value_not_done)
{
	struct xen_pci_op op;

	msix_reply(&op, 4);
	op.value = 1;
	CHECK(msix_fails(&op, 4, -EPROTO));
	op.value = 0xffffffffu;
	CHECK(msix_fails(&op, 4, -EPROTO));
	op.value = 0x80000000u;
	CHECK(msix_fails(&op, 1, -EPROTO));
}

TEST(pci_front_msix_zero_pirq)
{
	struct xen_pci_op op;

	msix_reply(&op, SH_INFO_MAX_VEC);
	op.msix_entries[0].vector = 0;
	CHECK(msix_fails(&op, SH_INFO_MAX_VEC, -EPROTO));

	msix_reply(&op, SH_INFO_MAX_VEC);
	op.msix_entries[SH_INFO_MAX_VEC - 1].vector = 0;
	CHECK(msix_fails(&op, SH_INFO_MAX_VEC, -EPROTO));

	msix_reply(&op, 1);
	op.msix_entries[0].vector = 0;
	op.msix_entries[0].entry = 5;
	CHECK(msix_fails(&op, 1, -EPROTO));
}

TEST(pci_front_msix_duplicate_pirq)
{
	struct xen_pci_op op;

	msix_reply(&op, SH_INFO_MAX_VEC);
	op.msix_entries[SH_INFO_MAX_VEC - 1].vector =
		op.msix_entries[0].vector;
	CHECK(msix_fails(&op, SH_INFO_MAX_VEC, -EPROTO));

	msix_reply(&op, 2);
	op.msix_entries[1].vector = op.msix_entries[0].vector;
	CHECK(msix_fails(&op, 2, -EPROTO));

	msix_reply(&op, 5);
	op.msix_entries[3].vector = op.msix_entries[2].vector;
	CHECK(msix_fails(&op, 5, -EPROTO));
}

TEST(pci_front_msix_op_error)
{
	struct xen_pci_op op;

	msix_reply(&op, 4);
	op.err = XEN_PCI_ERR_dev_not_found;
	CHECK(msix_fails(&op, 4, -ENODEV));
	op.err = XEN_PCI_ERR_invalid_offset;
	CHECK(msix_fails(&op, 4, -EINVAL));
	op.err = XEN_PCI_ERR_access_denied;
	CHECK(msix_fails(&op, 4, -EPERM));
	op.err = XEN_PCI_ERR_not_implemented;
	CHECK(msix_fails(&op, 4, -EOPNOTSUPP));
	op.err = XEN_PCI_ERR_op_failed;
	CHECK(msix_fails(&op, 4, -EIO));
	op.err = 1;
	CHECK(msix_fails(&op, 4, -EPROTO));
	op.err = INT32_MIN;
	CHECK(msix_fails(&op, 4, -EPROTO));

	/* The op's error wins over whatever value says. */
	op.err = XEN_PCI_ERR_op_failed;
	op.value = 3;
	CHECK(msix_fails(&op, 4, -EIO));
}

/* vdev-N, through an exact-size heap copy like the root strings. */
static int vdev_parse(const char *s, struct xsplit_bdf *bdf)
{
	size_t len;
	char *copy = unit_exact_copy(s, &len);
	int ret = xsplit_pci_vdev_parse(copy, len, bdf);

	free(copy);
	return ret;
}

static bool vdev_is(const char *s, unsigned int domain, unsigned int bus,
		    unsigned int slot, unsigned int func)
{
	struct xsplit_bdf bdf;

	return vdev_parse(s, &bdf) == 0 && bdf.domain == domain &&
	       bdf.bus == bus && xsplit_bdf_slot(&bdf) == slot &&
	       xsplit_bdf_func(&bdf) == func;
}

static bool vdev_rejects(const char *s)
{
	struct xsplit_bdf bdf = { 0x1234, 0x56, 0x78 };

	return vdev_parse(s, &bdf) == -EINVAL && bdf.domain == 0x1234 &&
	       bdf.bus == 0x56 && bdf.devfn == 0x78;
}

TEST(pci_front_vdev_widths)
{
	/* Linux's pciback prints the function with two digits. */
	CHECK(vdev_is("0000:00:00.00", 0, 0, 0, 0));
	CHECK(vdev_is("0000:00:05.0", 0, 0, 5, 0));
	CHECK(vdev_is("0:0:1f.7", 0, 0, 0x1f, 7));
	CHECK(vdev_is("ffff:ff:1F.07", 0xffff, 0xff, 0x1f, 7));
	CHECK(vdev_is("12:3:4.5", 0x12, 3, 4, 5));
}

TEST(pci_front_vdev_rejects)
{
	CHECK(vdev_rejects(""));
	CHECK(vdev_rejects("0000:00:00"));
	CHECK(vdev_rejects("0000:00:00."));
	CHECK(vdev_rejects("0000:00:20.0"));	/* slot above 0x1f */
	CHECK(vdev_rejects("0000:00:00.8"));	/* function above 7 */
	CHECK(vdev_rejects("0000:00:00.000"));
	CHECK(vdev_rejects("00000:00:00.0"));
	CHECK(vdev_rejects("0000:000:00.0"));
	CHECK(vdev_rejects("0000:00:000.0"));
	CHECK(vdev_rejects("0000:00:00.0 "));
	CHECK(vdev_rejects(" 0000:00:00.0"));
	CHECK(vdev_rejects("0000:00.00:0"));
	CHECK(vdev_rejects("0x00:00:00.0"));
	CHECK(vdev_rejects("0000:00:-1.0"));
	CHECK(vdev_rejects("0000:00:00:0"));
	CHECK(vdev_rejects("::."));
}
