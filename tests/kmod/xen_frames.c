// SPDX-License-Identifier: GPL-2.0
/* The edu test's own object of the shared machine-frame helpers (dma-straddle). */
#include <xsplit/xen_frames.c>
