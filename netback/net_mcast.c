// SPDX-License-Identifier: GPL-2.0
/* The shared multicast list logic built into this module: see ring_check.c here. */
#include <xsplit/net_mcast.c>
