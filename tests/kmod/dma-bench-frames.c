// SPDX-License-Identifier: GPL-2.0
/* The DMA bench's own object of the shared machine-frame helpers (a .o links into one module). */
#include <xsplit/xen_frames.c>
