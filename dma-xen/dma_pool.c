// SPDX-License-Identifier: GPL-2.0
/* This module's own object of the shared code (see pciback/bdf.c). */
#include <xsplit/dma_pool.c>
