// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry for what pcifront takes from its backend, built by
 * `make fuzz`. The whole input is a root-N string for
 * xsplit_pci_root_parse() and a vdev-N string for xsplit_pci_vdev_parse();
 * the same bytes are also read as
 *
 *   1 byte      nvec for the enable_msix reply (0 and 129..255 are out of
 *               range on purpose)
 *   then        a struct xen_pci_op, zero-padded or truncated to its size
 *
 * for xsplit_pci_msi_reply() and xsplit_pci_msix_reply(). Besides the
 * sanitizers' own checks it asserts what the frontend relies on:
 * - an accepted root is 3 to 7 bytes and formats with "%x:%x" back to a
 *   string that parses to the same domain and bus;
 * - an MSI PIRQ is positive and is the reply's value, and success needs
 *   err == 0; failure is a negative errno;
 * - an MSI-X success needs nvec in range, err == 0 and value == 0, and
 *   yields exactly the reply's vectors, all nonzero and distinct, with
 *   nothing written past nvec; a failure writes no PIRQ at all.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xsplit/pci_front.h>

#define SENTINEL	(-77)

static void check_root(const char *s, size_t size)
{
	struct xsplit_pci_root a = { 0x1234, 0x56 }, b;
	char buf[16];
	int n;

	if (xsplit_pci_root_parse(s, size, &a) != 0) {
		if (a.domain != 0x1234 || a.bus != 0x56)
			abort();
		return;
	}
	if (size < 3 || size > 7)
		abort();
	n = snprintf(buf, sizeof(buf), "%x:%x", a.domain, a.bus);
	if (n < 3 || n > 7)
		abort();
	if (xsplit_pci_root_parse(buf, (size_t)n, &b) != 0 ||
	    a.domain != b.domain || a.bus != b.bus)
		abort();
}

static void check_vdev(const char *s, size_t size)
{
	struct xsplit_bdf a = { 0x1234, 0x56, 0x78 }, b;
	char buf[24];
	int n;

	if (xsplit_pci_vdev_parse(s, size, &a) != 0) {
		if (a.domain != 0x1234 || a.bus != 0x56 || a.devfn != 0x78)
			abort();
		return;
	}
	if (size < 7 || size > 13)
		abort();
	n = snprintf(buf, sizeof(buf), "%x:%x:%x.%x", a.domain, a.bus,
		     xsplit_bdf_slot(&a), xsplit_bdf_func(&a));
	if (xsplit_pci_vdev_parse(buf, (size_t)n, &b) != 0 ||
	    a.domain != b.domain || a.bus != b.bus || a.devfn != b.devfn)
		abort();
}

static void check_msi(const struct xen_pci_op *op)
{
	int ret = xsplit_pci_msi_reply(op);

	if (ret > 0) {
		if (op->err != XEN_PCI_ERR_success || (u32)ret != op->value)
			abort();
	} else if (ret == 0 || ret < -4095) {
		abort();
	} else if (op->err == XEN_PCI_ERR_success &&
		   op->value != 0 && op->value <= 0x7fffffffu) {
		abort();
	}
}

static void check_msix(const struct xen_pci_op *op, u32 nvec)
{
	int pirqs[SH_INFO_MAX_VEC + 1];
	u32 i, j;
	int ret;

	for (i = 0; i < SH_INFO_MAX_VEC + 1; i++)
		pirqs[i] = SENTINEL;
	ret = xsplit_pci_msix_reply(op, nvec, pirqs);

	if (nvec == 0 || nvec > SH_INFO_MAX_VEC) {
		if (ret != -EINVAL)
			abort();
	}
	if (ret != 0) {
		if (ret > 0 || ret < -4095)
			abort();
		for (i = 0; i < SH_INFO_MAX_VEC + 1; i++)
			if (pirqs[i] != SENTINEL)
				abort();
		return;
	}

	if (nvec == 0 || nvec > SH_INFO_MAX_VEC ||
	    op->err != XEN_PCI_ERR_success || op->value != 0)
		abort();
	for (i = 0; i < nvec; i++) {
		if (pirqs[i] <= 0 || pirqs[i] != op->msix_entries[i].vector)
			abort();
		for (j = 0; j < i; j++)
			if (pirqs[j] == pirqs[i])
				abort();
	}
	for (; i < SH_INFO_MAX_VEC + 1; i++)
		if (pirqs[i] != SENTINEL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xen_pci_op op;
	size_t n;

	/* libFuzzer's buffer is exactly @size bytes: ASan sees over-reads. */
	check_root((const char *)data, size);
	check_vdev((const char *)data, size);

	if (size < 1)
		return 0;
	memset(&op, 0, sizeof(op));
	n = size - 1 < sizeof(op) ? size - 1 : sizeof(op);
	memcpy(&op, data + 1, n);

	check_msi(&op);
	check_msix(&op, data[0]);
	return 0;
}
