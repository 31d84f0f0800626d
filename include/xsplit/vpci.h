/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a passed-through function appears to its guest in the virtual-slot
 * mode: one virtual bus 0000:00, the guest sees nothing of the host's
 * topology. Plain C, shared with the unit tests (see plain.h).
 */
#ifndef XSPLIT_VPCI_H
#define XSPLIT_VPCI_H

#include <xsplit/bdf.h>

/* Slots on the one virtual bus. */
#define XSPLIT_VPCI_SLOTS	32

/* One function already on the virtual bus. */
struct xsplit_vpci_ent {
	struct xsplit_bdf phys;
	u8 vdevfn;
};

/*
 * Choose the virtual devfn for @phys, given the @n functions already
 * placed in @in_use. Functions of one physical slot (a multi-function
 * device) share a virtual slot and keep their function numbers, since
 * their drivers may find each other by function number; any other device
 * gets the lowest free slot.
 *
 * Returns 0 and sets *@vdevfn; -EEXIST if @phys is already placed, or if
 * its slot's virtual twin already holds that function number (only
 * possible with a hand-built @in_use); -ENOSPC if every slot is taken.
 */
int xsplit_vpci_place(const struct xsplit_vpci_ent *in_use, unsigned int n,
		      const struct xsplit_bdf *phys, u8 *vdevfn);

/*
 * The same, but in virtual slot @slot, which the toolstack asked for
 * (vdevfn-N). The function number is kept.
 * Returns 0 and sets *@vdevfn; -EINVAL if @slot is not below
 * XSPLIT_VPCI_SLOTS, or if another function of @phys's device already sits
 * in another slot (one device, one slot); -EBUSY if another device holds
 * @slot; -EEXIST as for xsplit_vpci_place().
 */
int xsplit_vpci_place_at(const struct xsplit_vpci_ent *in_use, unsigned int n,
			 const struct xsplit_bdf *phys, unsigned int slot,
			 u8 *vdevfn);

#endif /* XSPLIT_VPCI_H */
