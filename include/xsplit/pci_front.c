// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h.
 */

#include <xsplit/bdf.h>
#include <xsplit/pci_front.h>

/* The number of leading hex digits, at most @max (<= 8, so it fits). */
static size_t hex_run(const char *s, size_t len, size_t max, u32 *val)
{
	u32 v = 0;
	size_t i;

	for (i = 0; i < len && i < max; i++) {
		int d = xsplit_hex_digit(s[i]);

		if (d < 0)
			break;
		v = (v << 4) | (u32)d;
	}
	*val = v;
	return i;
}

/*
 * One field of @s: 1 to @max hex digits followed by @sep, or by the end
 * of the string when @sep is NUL. Advances @s and @len past both.
 */
static bool hex_field_sep(const char **s, size_t *len, size_t max, char sep,
			  u32 *val)
{
	size_t n = hex_run(*s, *len, max, val);

	if (!n)
		return false;
	if (sep) {
		if (n == *len || (*s)[n] != sep)
			return false;
		n++;
	} else if (n != *len) {
		return false;
	}
	*s += n;
	*len -= n;
	return true;
}

int xsplit_pci_root_parse(const char *s, size_t len,
			  struct xsplit_pci_root *root)
{
	u32 domain, bus;

	/* Linux's pciback writes "%04x:%02x"; short fields are still valid. */
	if (!hex_field_sep(&s, &len, 4, ':', &domain) ||
	    !hex_field_sep(&s, &len, 2, 0, &bus))
		return -EINVAL;

	root->domain = (u16)domain;
	root->bus = (u8)bus;
	return 0;
}

int xsplit_pci_vdev_parse(const char *s, size_t len, struct xsplit_bdf *bdf)
{
	u32 domain, bus, slot, func;

	if (!hex_field_sep(&s, &len, 4, ':', &domain) ||
	    !hex_field_sep(&s, &len, 2, ':', &bus) ||
	    !hex_field_sep(&s, &len, 2, '.', &slot) ||
	    !hex_field_sep(&s, &len, 2, 0, &func))
		return -EINVAL;
	if (slot > 0x1f || func > 7)
		return -EINVAL;

	bdf->domain = (u16)domain;
	bdf->bus = (u8)bus;
	bdf->devfn = (u8)((slot << 3) | func);
	return 0;
}

int xsplit_pci_err_to_errno(s32 err)
{
	switch (err) {
	case XEN_PCI_ERR_success:
		return 0;
	case XEN_PCI_ERR_dev_not_found:
		return -ENODEV;
	case XEN_PCI_ERR_invalid_offset:
		return -EINVAL;
	case XEN_PCI_ERR_access_denied:
		return -EPERM;
	case XEN_PCI_ERR_not_implemented:
		return -EOPNOTSUPP;
	case XEN_PCI_ERR_op_failed:
		return -EIO;
	}
	return -EPROTO;
}

int xsplit_pci_msi_reply(const struct xen_pci_op *reply)
{
	int ret = xsplit_pci_err_to_errno(reply->err);

	if (ret)
		return ret;
	/* value is a u32 on the wire; a PIRQ is a positive int. */
	if (reply->value == 0 || reply->value > 0x7fffffffu)
		return -EPROTO;
	return (int)reply->value;
}

int xsplit_pci_msix_reply(const struct xen_pci_op *reply, u32 nvec,
			  int *pirqs)
{
	int ret = xsplit_pci_err_to_errno(reply->err);
	u32 i, j;

	if (nvec == 0 || nvec > SH_INFO_MAX_VEC)
		return -EINVAL;
	if (ret)
		return ret;
	if (reply->value != 0)
		return -EPROTO;

	for (i = 0; i < nvec; i++) {
		u16 pirq = reply->msix_entries[i].vector;

		/* The wire's u16 leaves 0 as the one PIRQ that cannot be. */
		if (pirq == 0)
			return -EPROTO;
		/* At most SH_INFO_MAX_VEC squared compares, on a slow path. */
		for (j = 0; j < i; j++)
			if (reply->msix_entries[j].vector == pirq)
				return -EPROTO;
	}

	for (i = 0; i < nvec; i++)
		pirqs[i] = reply->msix_entries[i].vector;
	return 0;
}
