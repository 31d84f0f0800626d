// SPDX-License-Identifier: GPL-2.0
/* Shared backend plumbing built into this module: see ring_check.c here. */
#include <xsplit/xenbus_be.c>
