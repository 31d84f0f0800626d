/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI config space register definitions for the plain-C checkers.
 *
 * <linux/pci_regs.h> is a uapi header: nothing but #defines, no includes.
 * In the kernel the name resolves to include/uapi/linux/pci_regs.h; in
 * userspace to linux-libc-dev's exported copy of that same file. Going
 * through this wrapper keeps the one place that relies on that fact.
 */
#ifndef XSPLIT_PCI_REGS_H
#define XSPLIT_PCI_REGS_H

#include <linux/pci_regs.h>

#endif /* XSPLIT_PCI_REGS_H */
