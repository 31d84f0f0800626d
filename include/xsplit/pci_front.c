// SPDX-License-Identifier: GPL-2.0
/*
 * Shared with the unit tests: plain C only, see plain.h.
 */

#include <xsplit/bdf.h>
#include <xsplit/pci_front.h>

/* Between @min and @max hex digits, nothing else; the value fits in u32. */
static size_t hex_run(const char *s, size_t len, size_t min, size_t max,
		      u32 *val)
{
	u32 v = 0;
	size_t i;

	for (i = 0; i < len && i < max; i++) {
		int d = xsplit_hex_digit(s[i]);

		if (d < 0)
			break;
		v = (v << 4) | (u32)d;
	}
	if (i < min)
		return 0;
	*val = v;
	return i;
}

int xsplit_pci_root_parse(const char *s, size_t len,
			  struct xsplit_pci_root *root)
{
	u32 domain, bus;
	size_t n;

	/* Linux's pciback writes "%04x:%02x"; short fields are still valid. */
	n = hex_run(s, len, 1, 4, &domain);
	if (!n || n == len || s[n] != ':')
		return -EINVAL;
	s += n + 1;
	len -= n + 1;
	n = hex_run(s, len, 1, 2, &bus);
	if (!n || n != len)
		return -EINVAL;

	root->domain = (u16)domain;
	root->bus = (u8)bus;
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
