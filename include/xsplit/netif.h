/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network protocol's public header, from whichever world we are built
 * in: the kernel's copy or Xen's (Debian libxen-dev) for the unit tests.
 * Their structs are named differently (xen_netif_* and netif_*), so shared
 * code uses only the constants, which both spell the same, and its own
 * copies of the slots (net_tx.h).
 */
#ifndef XSPLIT_NETIF_H
#define XSPLIT_NETIF_H

#include <xsplit/plain.h>

/*
 * The two copies also spell the slot flags differently (the kernel's
 * XEN_NETTXF_*, Xen's NETTXF_*): shared code uses these names.
 */
#ifdef __KERNEL__
#include <xen/interface/io/netif.h>
#define XSPLIT_NETTXF_CSUM_BLANK	XEN_NETTXF_csum_blank
#define XSPLIT_NETTXF_DATA_VALIDATED	XEN_NETTXF_data_validated
#define XSPLIT_NETTXF_MORE_DATA		XEN_NETTXF_more_data
#define XSPLIT_NETTXF_EXTRA_INFO	XEN_NETTXF_extra_info
#else
#include <xen/xen.h>
#include <xen/io/netif.h>
#define XSPLIT_NETTXF_CSUM_BLANK	NETTXF_csum_blank
#define XSPLIT_NETTXF_DATA_VALIDATED	NETTXF_data_validated
#define XSPLIT_NETTXF_MORE_DATA		NETTXF_more_data
#define XSPLIT_NETTXF_EXTRA_INFO	NETTXF_extra_info
#endif

#if !defined(XEN_NETIF_NR_SLOTS_MIN) || \
	!defined(XEN_NETIF_EXTRA_TYPE_GSO) || \
	!defined(XEN_NETIF_EXTRA_TYPE_MCAST_ADD) || \
	!defined(XEN_NETIF_EXTRA_TYPE_MCAST_DEL) || \
	!defined(XEN_NETIF_EXTRA_TYPE_HASH) || \
	!defined(XEN_NETIF_EXTRA_FLAG_MORE) || \
	!defined(XEN_NETIF_GSO_TYPE_TCPV4) || \
	!defined(XEN_NETIF_GSO_TYPE_TCPV6)
#error "netif.h lacks constants the xsplit checkers need"
#endif

#endif /* XSPLIT_NETIF_H */
