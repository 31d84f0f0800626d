/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XSPLIT_PCIBACK_H
#define XSPLIT_PCIBACK_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/xenbus.h>
#include <xsplit/bdf.h>
#include <xsplit/pci_conf.h>
#include <xsplit/xenbus_be.h>

/*
 * The name stock toolstacks look for: libxl drives passthrough through
 * /sys/bus/pci/drivers/pciback, whichever module provides it.
 */
#define PCIBK_DRIVER_NAME	"pciback"

struct pcibk_xdev;

/* Counters of a function's current (or last) guest, shown in sysfs. */
struct pcibk_stats {
	u64 conf_reads;
	u64 conf_writes;
	u64 dropped_writes;	/* refused bits, see xsplit_pcicfg_write() */
	u64 msi_ops;
	u64 bad_ops;		/* answered with an error code */
	u64 aer_relayed;	/* recovery steps the guest answered */
	u64 aer_failed;		/* not relayed, unanswered or answered wrong */
};

/* A PCI function bound to the pciback driver, ready to be given to a guest. */
struct pcibk_dev {
	struct list_head node;
	struct pci_dev *pdev;
	/* Administrator allowed unchecked config writes (sysfs "permissive"). */
	bool permissive;
	/* The guest connection it is exported to, or NULL; under pcibk_lock. */
	struct pcibk_xdev *owner;
	/* Where that guest sees it, and what it did: under owner->lock. */
	struct xsplit_bdf vaddr;
	struct pcibk_stats stats;
	/* Unbound from pciback while a guest had it: freed on release. */
	bool removed;
	/* Registers the administrator opened (sysfs "quirks"): next guest on. */
	unsigned int nr_quirks;
	struct xsplit_pcicfg_quirk quirks[XSPLIT_PCICFG_MAX_QUIRKS];
	/* Config state found at seizing, restored for every next owner. */
	struct pci_saved_state *saved;
};

/* One function as exported to one guest. */
struct pcibk_export {
	struct list_head node;
	struct pcibk_dev *pd;
	struct xsplit_bdf phys;		/* its dev-N: libxl renumbers N */
	struct xsplit_bdf vaddr;	/* the address the guest uses */
	u32 flags;			/* XSPLIT_PCICFG_PERMISSIVE, ... */
	struct xsplit_pcicfg *cfg;
};

/* Passthrough mode: expose real addresses rather than one virtual bus. */
extern bool pcibk_passthrough;

struct xen_pci_sharedinfo;

/* A guest's connection: one xenbus "pci" backend device. */
struct pcibk_xdev {
	struct xenbus_device *xdev;
	/* Held by AER relays, which may outlive the xenbus device. */
	struct kref ref;
	/* Serializes state changes, (un)export and op handling. */
	struct mutex lock;
	struct list_head exports;
	struct xsplit_be_chan chan;	/* the xen_pci_sharedinfo page */
	struct work_struct op_work;
	struct xenbus_watch be_watch;
	bool be_watching;
	/*
	 * Each guest's refusals are rate-limited on their own, so that one
	 * hostile guest cannot hide another's from the log.
	 */
	struct ratelimit_state log_rs;
	/* Ops handled and refused for the connection as a whole. */
	u64 ops;
	u64 bad_ops;
	u64 spurious_events;
	/*
	 * PCIe error recovery (aer.c): the page as relays may use it,
	 * published and withdrawn under aer_lock, which a relay holds while
	 * it waits for the guest's answer.
	 */
	struct mutex aer_lock;
	struct xen_pci_sharedinfo *aer_sh;
	int aer_irq;
	bool aer_cancel;		/* disconnecting: stop waiting */
	struct xen_pci_sharedinfo *aer_waiting;	/* a relay waits on it */
	wait_queue_head_t aer_wq;
};

/* seize.c: the PCI driver */
int pcibk_slots_add_list(const char *list);
void pcibk_slots_report_bound(void);
int pcibk_driver_register(void);
void pcibk_driver_unregister(void);
void pcibk_slots_free(void);
struct pcibk_dev *pcibk_claim(const struct xsplit_bdf *bdf,
			      struct pcibk_xdev *owner);
void pcibk_release(struct pcibk_dev *pd);
unsigned int pcibk_quirks_copy(struct pcibk_dev *pd,
			       struct xsplit_pcicfg_quirk *out);
void pcibk_restore(struct pcibk_dev *pd);
struct pcibk_xdev *pcibk_owner_get(struct pcibk_dev *pd);

/* xenbus.c: the xenbus backend */
int pcibk_xenbus_register(void);
void pcibk_xenbus_unregister(void);
void pcibk_xdev_put(struct pcibk_xdev *px);

/* conf.c: the config engine on a real pci_dev */
int pcibk_check_bar_pages(struct pci_dev *pdev);
int pcibk_conf_attach(struct pcibk_export *ex);
void pcibk_conf_detach(struct pcibk_export *ex);

/* op.c: the shared page */
irqreturn_t pcibk_handle_event(int irq, void *dev_id);
void pcibk_do_op(struct work_struct *work);
void pcibk_op_teardown(struct pcibk_export *ex);

/* aer.c: PCIe error recovery relayed to the guest */
extern const struct pci_error_handlers pcibk_err_handlers;
void pcibk_aer_connected(struct pcibk_xdev *px);
void pcibk_aer_disconnect(struct pcibk_xdev *px);
bool pcibk_aer_event(struct pcibk_xdev *px);

#endif /* XSPLIT_PCIBACK_H */
