/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-device options libxl writes to the pci backend as opts-N, e.g.
 * "msitranslate=0,power_mgmt=0,permissive=1,rdm_policy=strict". Plain C,
 * shared with the unit tests (see plain.h).
 */
#ifndef XSPLIT_PCI_OPTS_H
#define XSPLIT_PCI_OPTS_H

#include <xsplit/plain.h>

struct xsplit_pci_opts {
	bool permissive;
	bool power_mgmt;
	bool msitranslate;	/* an HVM device model's business; recorded */
	bool rdm_relaxed;	/* rdm_policy=relaxed; strict otherwise */
	u32 unknown;		/* keys we do not know, skipped */
};

/* Longest opts-N value we accept; libxl's is well under half of it. */
#define XSPLIT_PCI_OPTS_MAX	256

/*
 * Parse exactly @len bytes of @s. Every option defaults to off (strict);
 * an empty string is valid. Keys are comma-separated key=value pairs; the
 * boolean keys take 0 or 1, rdm_policy takes strict or relaxed. A key we
 * do not know is counted in @opts->unknown and otherwise ignored, so that
 * a newer toolstack's option does not stop a device from attaching.
 * Returns 0 or -EINVAL (malformed pair, bad value, a key given twice,
 * longer than XSPLIT_PCI_OPTS_MAX); @opts is written only on success.
 */
int xsplit_pci_opts_parse(const char *s, size_t len,
			  struct xsplit_pci_opts *opts);

#endif /* XSPLIT_PCI_OPTS_H */
