/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XSPLIT_PCIBACK_H
#define XSPLIT_PCIBACK_H

#include <linux/list.h>
#include <linux/pci.h>
#include <xsplit/bdf.h>

/*
 * The name stock toolstacks look for: libxl drives passthrough through
 * /sys/bus/pci/drivers/pciback, whichever module provides it.
 */
#define PCIBK_DRIVER_NAME	"pciback"

/* A PCI function bound to the pciback driver, ready to be given to a guest. */
struct pcibk_dev {
	struct list_head node;
	struct pci_dev *pdev;
	/* Administrator allowed unchecked config writes (sysfs "permissive"). */
	bool permissive;
};

int pcibk_slots_add_list(const char *list);
void pcibk_slots_report_bound(void);
int pcibk_driver_register(void);
void pcibk_driver_unregister(void);
void pcibk_slots_free(void);

#endif /* XSPLIT_PCIBACK_H */
