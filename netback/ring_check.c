// SPDX-License-Identifier: GPL-2.0
/*
 * Each module gets its own object of the shared checker: kbuild refuses to
 * link one .o into several modules, and the checker is not worth exporting.
 */
#include <xsplit/ring_check.c>
