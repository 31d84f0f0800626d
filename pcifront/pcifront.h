/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XSPLIT_PCIFRONT_H
#define XSPLIT_PCIFRONT_H

#include <linux/interrupt.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <asm/xen/pci.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen/interface/io/pciif.h>

struct pcifront_dev;

/*
 * One root bus the backend described. The PCI core hands bus->sysdata
 * back to our config accessors, and on x86 it must start with a
 * struct pci_sysdata (pci_domain_nr() reads it), hence the layout.
 */
struct pcifront_root {
	struct pci_sysdata sd;
	struct pcifront_dev *pf;
	struct pci_bus *bus;
	struct resource busn;		/* bus numbers the root may use */
	struct list_head node;
};

/* What the administrator can read in xsplit_stats. */
struct pcifront_stats {
	u64 conf_read;
	u64 conf_write;
	u64 msi;
	u64 msix;
	u64 refused;	/* ops the backend answered with an error */
	u64 bad_replies;	/* answers we could not accept */
	u64 timeouts;
	u64 not_sent;	/* backend gone, or still busy with a timed-out op */
	u64 aer;
};

struct pcifront_dev {
	struct xenbus_device *xdev;
	struct xen_pci_sharedinfo *sh;	/* granted to the backend */
	grant_ref_t gref;
	evtchn_port_t evtchn;
	int irq;			/* 0 until bound */

	/*
	 * Serialises use of the shared op. Config accessors run under the
	 * PCI core's pci_lock, a raw spinlock, so this must be raw as well.
	 */
	raw_spinlock_t op_lock;
	bool backend_gone;		/* fail ops at once, do not wait */

	struct mutex bus_lock;		/* roots, connect, reconfigure */
	struct list_head roots;
	bool swiotlb_done;

	struct work_struct aer_work;
	struct pcifront_stats stats;	/* under op_lock */
	struct ratelimit_state log_rs;
};

/* op.c */
extern struct pci_ops pcifront_bus_ops;
extern struct xen_pci_frontend_ops pcifront_msi_ops;
extern unsigned int pcifront_op_timeout_ms;
void pcifront_aer_work(struct work_struct *work);
irqreturn_t pcifront_event(int irq, void *dev_id);

/* bus.c */
int pcifront_scan_roots(struct pcifront_dev *pf);
int pcifront_detach_closing(struct pcifront_dev *pf);
void pcifront_free_roots(struct pcifront_dev *pf);

static inline struct pcifront_dev *pcifront_of_bus(struct pci_bus *bus)
{
	struct pcifront_root *root = bus->sysdata;

	return root->pf;
}

#endif /* XSPLIT_PCIFRONT_H */
