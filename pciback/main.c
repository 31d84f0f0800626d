// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-pciback: PCI passthrough backend.
 *
 * Intended: take PCI functions away from this domain's drivers and serve
 * them to a guest's pcifront over xenbus: config space reads and writes
 * filtered and virtualised, MSI/MSI-X set up on the guest's behalf, and the
 * function reset when it is handed back.  The guest then does its real I/O
 * (MMIO, ports, interrupts, DMA) on the device directly.
 *
 * Done: the "pciback" PCI driver that seizes functions (hide= at load,
 * the new_slot/remove_slot/slots/permissive/quirks/do_flr sysfs files and
 * driver_override), so stock `xl pci-assignable-add/-remove/-list` work;
 * the xenbus "pci" backend (virtual-slot and passthrough modes, attach and
 * detach at run time), the shared page's config read/write through the
 * config-space engine, MSI/MSI-X enable/disable, PCIe error recovery
 * relayed to the guest, reset on release, and the refusal of BARs sharing
 * a page with another device's.
 *
 * Not done: the warning at assignment on a host without an IOMMU (the
 * kernel has no stable way to ask Xen, and stock xl 4.17 refuses such
 * hosts anyway; splitctl, which assigns through libxenctrl, is to warn).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <xen/xen.h>

#include "pciback.h"

static char *hide = "";
module_param(hide, charp, 0444);
MODULE_PARM_DESC(hide,
		 "PCI functions to seize at load, e.g. \"(0000:00:05.0)(00:06.0)\"");

static int __init xsplit_pciback_init(void)
{
	int ret;

	/* Not dom0 only: a PCI driver domain can own the devices too. */
	if (!xen_domain())
		return -ENODEV;

	ret = pcibk_slots_add_list(hide);
	if (ret) {
		pr_err("hide=\"%s\" is not a list like (0000:00:05.0)(00:06.0): %pe\n",
		       hide, ERR_PTR(ret));
		pcibk_slots_free();
		return ret;
	}

	ret = pcibk_driver_register();
	if (ret) {
		pr_err("cannot register the pciback PCI driver: %pe\n", ERR_PTR(ret));
		pcibk_slots_free();
		return ret;
	}
	pcibk_slots_report_bound();

	ret = pcibk_xenbus_register();
	if (ret) {
		pr_err("cannot register the xenbus pci backend: %pe\n", ERR_PTR(ret));
		pcibk_driver_unregister();
		pcibk_slots_free();
		return ret;
	}
	pr_info("loaded: PCI driver \"%s\", xenbus backend \"pci\" (%s mode)\n",
		PCIBK_DRIVER_NAME,
		pcibk_passthrough ? "passthrough" : "virtual-slot");
	return 0;
}

/* Guests lose their functions first, then dom0 gets them back. */
static void __exit xsplit_pciback_exit(void)
{
	pcibk_xenbus_unregister();
	pcibk_driver_unregister();
	pcibk_slots_free();
	pr_info("unloaded\n");
}

module_init(xsplit_pciback_init);
module_exit(xsplit_pciback_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("xsplit developers");
MODULE_DESCRIPTION("Xen PCI passthrough backend (xsplit)");
