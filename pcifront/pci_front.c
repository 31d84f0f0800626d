// SPDX-License-Identifier: GPL-2.0
/* This module's own object of the shared reply checks (see pciback/bdf.c). */
#include <xsplit/pci_front.c>
