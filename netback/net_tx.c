// SPDX-License-Identifier: GPL-2.0
/* The shared packet checker built into this module: see ring_check.c here. */
#include <xsplit/net_tx.c>
