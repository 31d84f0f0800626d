/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What pcifront takes from its backend, judged in plain C so that the unit
 * tests and a fuzzer see exactly what the kernel module runs.
 *
 * The backend is usually dom0, but it may be a driver domain that the
 * guest has no more reason to trust than dom0 has to trust the guest: its
 * xenstore strings and op replies are parsed strictly and every number is
 * range-checked before the PCI core or the event-channel layer sees it.
 */
#ifndef XSPLIT_PCI_FRONT_H
#define XSPLIT_PCI_FRONT_H

#include <xsplit/bdf.h>
#include <xsplit/plain.h>
#include <xsplit/pciif.h>

/* A root bus the backend asks the frontend to scan (root-N). */
struct xsplit_pci_root {
	u16 domain;
	u8 bus;
};

/*
 * Parse exactly @len bytes of @s as root-N's "dddd:bb": one to four hex
 * digits, a colon, one or two hex digits. Returns 0 or -EINVAL; @root is
 * written only on success.
 */
int xsplit_pci_root_parse(const char *s, size_t len,
			  struct xsplit_pci_root *root);

/*
 * Parse exactly @len bytes of @s as vdev-N: "domain:bus:slot.func" in hex
 * with 1-4, 1-2, 1-2 and 1-2 digits. Backends differ in the widths they
 * print (Linux's pciback gives the function two digits), so any width is
 * taken, but nothing else: no blanks, signs or prefixes, a slot of at most
 * 0x1f and a function of at most 7. Returns 0 or -EINVAL; @bdf is written
 * only on success.
 */
int xsplit_pci_vdev_parse(const char *s, size_t len, struct xsplit_bdf *bdf);

/*
 * The errno for an op's err field: 0 for success, a negative errno for
 * each XEN_PCI_ERR_* code, -EPROTO for a value the protocol does not
 * define (a backend that answers with garbage must not pass for success).
 */
int xsplit_pci_err_to_errno(s32 err);

/*
 * The PIRQ an enable_msi reply carries, or a negative errno: the op's own
 * error, or -EPROTO if it claims success with a PIRQ that cannot exist
 * (zero or negative).
 */
int xsplit_pci_msi_reply(const struct xen_pci_op *reply);

/*
 * Check an enable_msix reply for @nvec vectors (1..SH_INFO_MAX_VEC) and
 * copy its PIRQs into @pirqs[0..nvec-1]. Returns 0 or a negative errno:
 * the op's own error; -EPROTO if value is not 0 (the backend's "done"), a
 * PIRQ is 0, or two entries got the same PIRQ (they would
 * end up sharing one Linux irq between two vectors); -EINVAL for an @nvec
 * out of range. @pirqs is written only on success.
 */
int xsplit_pci_msix_reply(const struct xen_pci_op *reply, u32 nvec,
			  int *pirqs);

#endif /* XSPLIT_PCI_FRONT_H */
