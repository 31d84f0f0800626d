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

/*
 * The control ring (net_ctrl.h). The static grant mapping requests (types
 * 8 to 10) are missing from older kernels' copies; net_ctrl.c refuses them
 * as unknown types and so needs no names for them.
 */
#if !defined(XEN_NETIF_CTRL_HASH_TYPE_IPV4) || \
	!defined(XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP) || \
	!defined(XEN_NETIF_CTRL_HASH_TYPE_IPV6) || \
	!defined(XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP) || \
	!defined(XEN_NETIF_CTRL_HASH_ALGORITHM_NONE) || \
	!defined(XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ) || \
	!defined(XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS) || \
	!defined(XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS) || \
	!defined(XEN_NETIF_CTRL_TYPE_SET_HASH_KEY) || \
	!defined(XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE) || \
	!defined(XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE) || \
	!defined(XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING) || \
	!defined(XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM) || \
	!defined(XEN_NETIF_CTRL_STATUS_SUCCESS) || \
	!defined(XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED) || \
	!defined(XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER) || \
	!defined(XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW)
#error "netif.h lacks the control ring constants net_ctrl.c needs"
#endif

#endif /* XSPLIT_NETIF_H */
