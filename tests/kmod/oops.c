// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-test-oops: a test-only module whose init hits BUG(), so that
 * tests/host/testbed-failures.sh can prove the test bed turns a dom0 oops
 * into a clear, bounded failure.  Never load it anywhere else.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init xsplit_test_oops_init(void)
{
	BUG();
	return 0;
}
module_init(xsplit_test_oops_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xsplit test bed: oopses on load (test use only)");
