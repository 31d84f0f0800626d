// SPDX-License-Identifier: GPL-2.0
/* Shared request checker built into this module: see ring_check.c here. */
#include <xsplit/blk_req.c>
