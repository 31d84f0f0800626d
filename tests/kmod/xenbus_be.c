// SPDX-License-Identifier: GPL-2.0
/* The hostile backend's own object of the shared plumbing (see pciback/bdf.c). */
#include <xsplit/xenbus_be.c>
