/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-only plumbing every xsplit backend shares: the pages a frontend
 * grants us and the event channel it offers, set up and torn down in one
 * place so that each backend's state machine only says when, not how.
 *
 * Built into each module that uses it (see pciback/xenbus_be.c), like the
 * plain-C checkers: kbuild links an object into one module only.
 */
#ifndef XSPLIT_XENBUS_BE_H
#define XSPLIT_XENBUS_BE_H

#include <linux/interrupt.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>

/* Most pages one channel maps: a multi-page ring's upper bound. */
#define XSPLIT_BE_MAX_REFS	16

/* A frontend's shared pages and event channel as this domain sees them. */
struct xsplit_be_chan {
	void *ring;	/* the granted pages, mapped contiguously; or NULL */
	int irq;	/* the bound event channel; 0 when not bound */
};

/*
 * Read the grant references and event channel the frontend published:
 * @nr_refs keys named @ref_key (one page: the key itself; several:
 * "@ref_key%u") and "event-channel". Values are checked to be numbers and
 * nothing else; what they point at is checked by mapping them.
 */
int xsplit_be_read_frontend(struct xenbus_device *xdev, const char *ref_key,
			    unsigned int nr_refs, grant_ref_t *refs,
			    evtchn_port_t *port);

/*
 * The same under the frontend's subdirectory @dir (e.g. "queue-1" of a
 * multi-queue block frontend); NULL means the frontend's own directory.
 */
int xsplit_be_read_frontend_dir(struct xenbus_device *xdev, const char *dir,
				const char *ref_key, unsigned int nr_refs,
				grant_ref_t *refs, evtchn_port_t *port);

/*
 * Map @nr_refs pages granted by the other end and bind @port with a
 * late-EOI handler (the handler must call xen_irq_lateeoi(), which is
 * what stops an event storm from a frontend occupying a CPU). On failure
 * nothing stays mapped or bound, and the error is reported on xenbus
 * with xenbus_dev_fatal() so that the toolstack sees it.
 */
int xsplit_be_chan_connect(struct xenbus_device *xdev,
			   struct xsplit_be_chan *ch, const grant_ref_t *refs,
			   unsigned int nr_refs, evtchn_port_t port,
			   irq_handler_t handler, const char *name,
			   void *dev_id);

/*
 * The two halves of xsplit_be_chan_connect(), for a backend whose rings
 * and event channels do not pair up one to one (netif: two rings, one or
 * two channels). Each fails like the whole does, reported on xenbus.
 */
int xsplit_be_ring_map(struct xenbus_device *xdev, struct xsplit_be_chan *ch,
		       const grant_ref_t *refs, unsigned int nr_refs);
int xsplit_be_chan_bind(struct xenbus_device *xdev, struct xsplit_be_chan *ch,
			evtchn_port_t port, irq_handler_t handler,
			const char *name, void *dev_id);

/*
 * One unsigned number the frontend published, at @key or @dir/@key of its
 * directory: -EINVAL if it is absent or not a number.
 */
int xsplit_be_read_u32(struct xenbus_device *xdev, const char *dir,
		       const char *key, u32 *val);

/* Unbind and unmap; safe on a channel never or already disconnected. */
void xsplit_be_chan_disconnect(struct xenbus_device *xdev,
			       struct xsplit_be_chan *ch, void *dev_id);

/*
 * Follow the frontend to Closing or Closed (the parts every backend does
 * the same way): the caller has already stopped its I/O. Returns true when
 * the xenbus device should now be unregistered (the frontend is gone and
 * the toolstack has taken the device offline).
 */
bool xsplit_be_follow_close(struct xenbus_device *xdev,
			    enum xenbus_state fe_state);

#endif /* XSPLIT_XENBUS_BE_H */
