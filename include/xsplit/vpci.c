// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h.
 */

#include <xsplit/vpci.h>

static bool same_slot(const struct xsplit_bdf *a, const struct xsplit_bdf *b)
{
	return a->domain == b->domain && a->bus == b->bus &&
	       xsplit_bdf_slot(a) == xsplit_bdf_slot(b);
}

int xsplit_vpci_place(const struct xsplit_vpci_ent *in_use, unsigned int n,
		      const struct xsplit_bdf *phys, u8 *vdevfn)
{
	u32 taken = 0;
	unsigned int i;
	int twin = -1;
	u8 func = xsplit_bdf_func(phys);

	for (i = 0; i < n; i++) {
		const struct xsplit_vpci_ent *e = &in_use[i];

		if (same_slot(&e->phys, phys)) {
			if (xsplit_bdf_func(&e->phys) == func)
				return -EEXIST;
			twin = e->vdevfn >> 3;
		}
		taken |= 1u << (e->vdevfn >> 3);
	}

	if (twin >= 0) {
		for (i = 0; i < n; i++)
			if (in_use[i].vdevfn == (u8)(twin << 3 | func))
				return -EEXIST;
		*vdevfn = (u8)(twin << 3 | func);
		return 0;
	}
	for (i = 0; i < XSPLIT_VPCI_SLOTS; i++) {
		if (!(taken & (1u << i))) {
			*vdevfn = (u8)(i << 3 | func);
			return 0;
		}
	}
	return -ENOSPC;
}

int xsplit_vpci_place_at(const struct xsplit_vpci_ent *in_use, unsigned int n,
			 const struct xsplit_bdf *phys, unsigned int slot,
			 u8 *vdevfn)
{
	u8 func = xsplit_bdf_func(phys);
	unsigned int i;

	if (slot >= XSPLIT_VPCI_SLOTS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const struct xsplit_vpci_ent *e = &in_use[i];
		bool twin = same_slot(&e->phys, phys);

		if (twin && xsplit_bdf_func(&e->phys) == func)
			return -EEXIST;
		if (twin && (unsigned int)(e->vdevfn >> 3) != slot)
			return -EINVAL;
		if (!twin && (unsigned int)(e->vdevfn >> 3) == slot)
			return -EBUSY;
		if (e->vdevfn == (u8)(slot << 3 | func))
			return -EEXIST;
	}
	*vdevfn = (u8)(slot << 3 | func);
	return 0;
}
