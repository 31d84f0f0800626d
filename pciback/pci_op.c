// SPDX-License-Identifier: GPL-2.0
/* The shared request checker, built into this module: see bdf.c here. */
#include <xsplit/pci_op.c>
