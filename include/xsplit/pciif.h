/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PV PCI protocol's public header, from whichever world we are built
 * in: the kernel's own copy, or Xen's (Debian libxen-dev) for the unit
 * tests. Both spell the constants identically; taking them from there
 * rather than restating them keeps us bound to the real ABI.
 *
 * Neither copy includes anything itself although both use uint32_t and
 * friends, so plain.h (linux/types.h or stdint.h) has to come first.
 */
#ifndef XSPLIT_PCIIF_H
#define XSPLIT_PCIIF_H

#include <xsplit/plain.h>

#ifdef __KERNEL__
#include <xen/interface/io/pciif.h>
#else
#include <xen/io/pciif.h>
#endif

/*
 * What the checkers rely on. XEN_PCI_OP_enable_multi_msi is deliberately
 * not in the list: only Xen's copy defines it, the kernel's does not, and
 * code shared by both worlds must not behave differently between them.
 */
#if !defined(XEN_PCI_OP_conf_read) || !defined(XEN_PCI_OP_conf_write) || \
	!defined(XEN_PCI_OP_enable_msi) || \
	!defined(XEN_PCI_OP_disable_msi) || \
	!defined(XEN_PCI_OP_enable_msix) || \
	!defined(XEN_PCI_OP_disable_msix) || \
	!defined(XEN_PCI_OP_aer_detected) || !defined(XEN_PCI_OP_aer_mmio) || \
	!defined(XEN_PCI_OP_aer_slotreset) || \
	!defined(XEN_PCI_OP_aer_resume) || \
	!defined(XEN_PCI_ERR_success) || \
	!defined(XEN_PCI_ERR_dev_not_found) || \
	!defined(XEN_PCI_ERR_invalid_offset) || \
	!defined(XEN_PCI_ERR_access_denied) || \
	!defined(XEN_PCI_ERR_not_implemented) || \
	!defined(XEN_PCI_ERR_op_failed) || !defined(SH_INFO_MAX_VEC)
#error "pciif.h lacks constants the xsplit checkers need"
#endif

#endif /* XSPLIT_PCIIF_H */
