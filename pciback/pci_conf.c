// SPDX-License-Identifier: GPL-2.0
/* The shared config space engine, built into this module: see bdf.c here. */
#include <xsplit/pci_conf.c>
