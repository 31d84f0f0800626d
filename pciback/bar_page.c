// SPDX-License-Identifier: GPL-2.0
/* Shared code built into this module: see bdf.c here. */
#include <xsplit/bar_page.c>
