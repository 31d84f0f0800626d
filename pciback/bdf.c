// SPDX-License-Identifier: GPL-2.0
/*
 * Each module gets its own object of the shared parser: kbuild refuses to
 * link one .o into several modules, and the parser is not worth exporting.
 */
#include <xsplit/bdf.c>
