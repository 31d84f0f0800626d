/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal type and errno environment for the plain-C checkers, which are
 * compiled both into the kernel modules and into the userspace unit tests.
 * Anything a checker needs beyond this must be written by hand, so the same
 * source behaves identically in both worlds.
 */
#ifndef XSPLIT_PLAIN_H
#define XSPLIT_PLAIN_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#else
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
#endif

#endif /* XSPLIT_PLAIN_H */
