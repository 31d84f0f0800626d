// SPDX-License-Identifier: GPL-2.0
/* The shared rate-limit arithmetic built into this module: see ring_check.c here. */
#include <xsplit/net_credit.c>
