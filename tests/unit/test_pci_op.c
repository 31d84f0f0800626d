// SPDX-License-Identifier: GPL-2.0
#include <limits.h>
#include <string.h>

#include <xsplit/pci_op.h>

#include "unit.h"

#define CFG	256u
#define XCFG	4096u

static struct xsplit_pci_op conf(u32 cmd, s32 offset, s32 size)
{
	struct xsplit_pci_op op;

	memset(&op, 0, sizeof(op));
	op.cmd = cmd;
	op.offset = offset;
	op.size = size;
	return op;
}

/* An enable_msix for @n entries 0, 1, 2 ... as pcifront would send. */
static struct xsplit_pci_op msix(u32 n)
{
	struct xsplit_pci_op op;
	u32 i;

	memset(&op, 0, sizeof(op));
	op.cmd = XEN_PCI_OP_enable_msix;
	op.value = n;
	op.nr_msix = n < SH_INFO_MAX_VEC ? n : SH_INFO_MAX_VEC;
	for (i = 0; i < op.nr_msix; i++)
		op.msix_entry[i] = (u16)i;
	return op;
}

static int check(const struct xsplit_pci_op *op)
{
	return xsplit_pci_op_check(op, XCFG, 16);
}

TEST(pci_op_copy_fields)
{
	struct xen_pci_op wire;
	struct xsplit_pci_op op;

	memset(&wire, 0xa5, sizeof(wire));
	wire.cmd = XEN_PCI_OP_conf_write;
	wire.domain = 0x12345;
	wire.bus = 0x101;
	wire.devfn = 0x28;
	wire.offset = -4;
	wire.size = 2;
	wire.value = 0xdeadbeef;
	wire.info = 7;
	memset(&op, 0x5a, sizeof(op));

	xsplit_pci_op_copy(&op, &wire);
	CHECK(op.cmd == XEN_PCI_OP_conf_write);
	CHECK(op.domain == 0x12345 && op.bus == 0x101 && op.devfn == 0x28);
	CHECK(op.offset == -4 && op.size == 2);
	CHECK(op.value == 0xdeadbeef && op.info == 7);
	/* Entries are only meaningful for enable_msix. */
	CHECK(op.nr_msix == 0);
	CHECK(op.msix_entry[0] == 0 && op.msix_entry[SH_INFO_MAX_VEC - 1] == 0);
}

TEST(pci_op_copy_msix_entries)
{
	struct xen_pci_op wire;
	struct xsplit_pci_op op;
	u32 i;

	memset(&wire, 0, sizeof(wire));
	wire.cmd = XEN_PCI_OP_enable_msix;
	wire.value = 3;
	for (i = 0; i < SH_INFO_MAX_VEC; i++) {
		wire.msix_entries[i].entry = (u16)(100 + i);
		wire.msix_entries[i].vector = 0xffff;
	}
	xsplit_pci_op_copy(&op, &wire);
	CHECK(op.nr_msix == 3);
	CHECK(op.msix_entry[0] == 100 && op.msix_entry[1] == 101 &&
	      op.msix_entry[2] == 102);
	CHECK(op.msix_entry[3] == 0);

	/* A count beyond the array copies the array, and no further. */
	wire.value = 0xffffffffu;
	xsplit_pci_op_copy(&op, &wire);
	CHECK(op.nr_msix == SH_INFO_MAX_VEC);
	CHECK(op.msix_entry[SH_INFO_MAX_VEC - 1] == 100 + SH_INFO_MAX_VEC - 1);
	CHECK(check(&op) == XEN_PCI_ERR_invalid_offset);

	wire.value = 0;
	xsplit_pci_op_copy(&op, &wire);
	CHECK(op.nr_msix == 0);
}

TEST(pci_op_address_range)
{
	struct xsplit_pci_op op = conf(XEN_PCI_OP_conf_read, 0, 4);

	op.domain = 0xffff;
	op.bus = 0xff;
	op.devfn = 0xff;
	CHECK(check(&op) == XEN_PCI_ERR_success);

	op.domain = 0x10000;
	CHECK(check(&op) == XEN_PCI_ERR_dev_not_found);
	op.domain = 0xffffffffu;
	CHECK(check(&op) == XEN_PCI_ERR_dev_not_found);
	op.domain = 0;

	op.bus = 0x100;
	CHECK(check(&op) == XEN_PCI_ERR_dev_not_found);
	op.bus = 0;

	op.devfn = 0x100;
	CHECK(check(&op) == XEN_PCI_ERR_dev_not_found);
	op.devfn = 0x80000000u;
	CHECK(check(&op) == XEN_PCI_ERR_dev_not_found);
}

/* The address is judged before the command, for every command. */
TEST(pci_op_address_before_command)
{
	struct xsplit_pci_op op = conf(0x1234, 0, 4);

	CHECK(check(&op) == XEN_PCI_ERR_not_implemented);
	op.bus = 0x100;
	CHECK(check(&op) == XEN_PCI_ERR_dev_not_found);
	op = conf(XEN_PCI_OP_conf_read, -1, 3);
	op.devfn = 0x100;
	CHECK(check(&op) == XEN_PCI_ERR_dev_not_found);
	op = msix(0);
	op.domain = 0x10000;
	CHECK(check(&op) == XEN_PCI_ERR_dev_not_found);
}

TEST(pci_op_unknown_commands)
{
	static const u32 cmds[] = {
		XEN_PCI_OP_aer_detected, XEN_PCI_OP_aer_resume,
		XEN_PCI_OP_aer_mmio, XEN_PCI_OP_aer_slotreset,
		10, 11, 0x100, 0x7fffffff, 0x80000000u, 0xffffffffu,
	};
	struct xsplit_pci_op op;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		op = conf(cmds[i], 0, 4);
		CHECK(check(&op) == XEN_PCI_ERR_not_implemented);
	}
#ifdef XEN_PCI_OP_enable_multi_msi
	op = conf(XEN_PCI_OP_enable_multi_msi, 0, 4);
	op.info = 4;
	CHECK(check(&op) == XEN_PCI_ERR_not_implemented);
#endif
}

TEST(pci_op_conf_sizes)
{
	static const s32 bad[] = { 0, 3, 5, 6, 7, 8, 16, -1, -2, -4,
				   INT_MIN, INT_MAX };
	struct xsplit_pci_op op;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		op = conf(XEN_PCI_OP_conf_read, 0, bad[i]);
		CHECK(check(&op) == XEN_PCI_ERR_invalid_offset);
		op.cmd = XEN_PCI_OP_conf_write;
		CHECK(check(&op) == XEN_PCI_ERR_invalid_offset);
	}
	op = conf(XEN_PCI_OP_conf_read, 0, 1);
	CHECK(check(&op) == XEN_PCI_ERR_success);
	op.size = 2;
	CHECK(check(&op) == XEN_PCI_ERR_success);
	op.size = 4;
	CHECK(check(&op) == XEN_PCI_ERR_success);
}

TEST(pci_op_conf_negative_offsets)
{
	static const s32 bad[] = { -1, -2, -4, -256, INT_MIN, INT_MIN + 4 };
	struct xsplit_pci_op op;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		op = conf(XEN_PCI_OP_conf_write, bad[i], 4);
		CHECK(check(&op) == XEN_PCI_ERR_invalid_offset);
		op.size = 1;
		CHECK(check(&op) == XEN_PCI_ERR_invalid_offset);
	}
}

/* Every offset and size, against both config space sizes. */
TEST(pci_op_conf_alignment_and_end)
{
	static const s32 sizes[] = { 1, 2, 4 };
	static const u32 spaces[] = { CFG, XCFG };
	struct xsplit_pci_op op;
	u32 s, c;
	s32 off;

	for (c = 0; c < ARRAY_SIZE(spaces); c++) {
		for (s = 0; s < ARRAY_SIZE(sizes); s++) {
			for (off = 0; off < 4200; off++) {
				bool ok = !(off % sizes[s]) &&
					  (u32)(off + sizes[s]) <= spaces[c];
				int want = ok ? XEN_PCI_ERR_success :
						XEN_PCI_ERR_invalid_offset;

				op = conf(XEN_PCI_OP_conf_read, off, sizes[s]);
				CHECK(xsplit_pci_op_check(&op, spaces[c], 0) ==
				      want);
			}
		}
	}

	/* Offsets whose sum with size would overflow. */
	op = conf(XEN_PCI_OP_conf_read, INT_MAX - 3, 4);
	CHECK(check(&op) == XEN_PCI_ERR_invalid_offset);
	op = conf(XEN_PCI_OP_conf_read, INT_MAX, 1);
	CHECK(check(&op) == XEN_PCI_ERR_invalid_offset);
	/* The last dword of each space, and one past it. */
	op = conf(XEN_PCI_OP_conf_write, 252, 4);
	CHECK(xsplit_pci_op_check(&op, CFG, 0) == XEN_PCI_ERR_success);
	op.offset = 256;
	CHECK(xsplit_pci_op_check(&op, CFG, 0) == XEN_PCI_ERR_invalid_offset);
	op.offset = 4092;
	CHECK(xsplit_pci_op_check(&op, XCFG, 0) == XEN_PCI_ERR_success);
	op.offset = 4096;
	CHECK(xsplit_pci_op_check(&op, XCFG, 0) == XEN_PCI_ERR_invalid_offset);
	/* A caller's oversized space is held to PCI Express's. */
	CHECK(xsplit_pci_op_check(&op, 0x10000, 0) ==
	      XEN_PCI_ERR_invalid_offset);
	/* And an absurdly small one admits nothing. */
	op.offset = 0;
	CHECK(xsplit_pci_op_check(&op, 2, 0) == XEN_PCI_ERR_invalid_offset);
	CHECK(xsplit_pci_op_check(&op, 0, 0) == XEN_PCI_ERR_invalid_offset);
}

/* value and info mean nothing on input to these; any is accepted. */
TEST(pci_op_msi_and_disables)
{
	static const u32 cmds[] = { XEN_PCI_OP_enable_msi,
				    XEN_PCI_OP_disable_msi,
				    XEN_PCI_OP_disable_msix };
	struct xsplit_pci_op op;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		op = conf(cmds[i], -1, 3);
		op.value = 0xffffffffu;
		op.info = 0xffffffffu;
		CHECK(xsplit_pci_op_check(&op, CFG, 0) == XEN_PCI_ERR_success);
		op.info = 0;
		op.value = 0;
		CHECK(xsplit_pci_op_check(&op, CFG, 16) ==
		      XEN_PCI_ERR_success);
	}
}

TEST(pci_op_msix_valid)
{
	struct xsplit_pci_op op = msix(1);

	CHECK(xsplit_pci_op_check(&op, CFG, 1) == XEN_PCI_ERR_success);
	op = msix(16);
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_success);
	/* Any order, any subset of the table. */
	op = msix(3);
	op.msix_entry[0] = 15;
	op.msix_entry[1] = 0;
	op.msix_entry[2] = 7;
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_success);
	/* The most the shared page can carry, on the largest table. */
	op = msix(SH_INFO_MAX_VEC);
	op.msix_entry[SH_INFO_MAX_VEC - 1] = 2047;
	CHECK(xsplit_pci_op_check(&op, CFG, 2048) == XEN_PCI_ERR_success);
	/* info is not the count on the wire, and is ignored. */
	op = msix(2);
	op.info = 0xffffffffu;
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_success);
}

TEST(pci_op_msix_no_table)
{
	struct xsplit_pci_op op = msix(1);

	CHECK(xsplit_pci_op_check(&op, CFG, 0) == XEN_PCI_ERR_access_denied);
	/* Whatever else is wrong with the request. */
	op = msix(0);
	CHECK(xsplit_pci_op_check(&op, CFG, 0) == XEN_PCI_ERR_access_denied);
	op = msix(1000);
	CHECK(xsplit_pci_op_check(&op, CFG, 0) == XEN_PCI_ERR_access_denied);
}

TEST(pci_op_msix_counts)
{
	struct xsplit_pci_op op = msix(0);

	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_op_failed);
	op = msix(17);
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_invalid_offset);
	op = msix(SH_INFO_MAX_VEC + 1);
	CHECK(xsplit_pci_op_check(&op, CFG, 2048) ==
	      XEN_PCI_ERR_invalid_offset);
	op = msix(0xffffffffu);
	CHECK(xsplit_pci_op_check(&op, CFG, 2048) ==
	      XEN_PCI_ERR_invalid_offset);
	op = msix(0x80000000u);
	CHECK(xsplit_pci_op_check(&op, CFG, 2048) ==
	      XEN_PCI_ERR_invalid_offset);
}

/* A copy whose entry count disagrees with value was not made by _copy. */
TEST(pci_op_msix_inconsistent_copy)
{
	struct xsplit_pci_op op = msix(4);

	op.nr_msix = 3;
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_op_failed);
	op.nr_msix = 5;
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_op_failed);
}

TEST(pci_op_msix_entry_range)
{
	struct xsplit_pci_op op = msix(4);

	op.msix_entry[3] = 16;
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_invalid_offset);
	op.msix_entry[3] = 0xffff;
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_invalid_offset);
	op.msix_entry[3] = 15;
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_success);
	/* Only the first value entries count: junk after them is ignored. */
	op.msix_entry[4] = 0xffff;
	op.msix_entry[5] = 0;
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_success);
}

TEST(pci_op_msix_duplicates)
{
	struct xsplit_pci_op op = msix(4);

	op.msix_entry[3] = 0;
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_op_failed);
	op = msix(2);
	op.msix_entry[1] = 0;
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_op_failed);
	op = msix(SH_INFO_MAX_VEC);
	op.msix_entry[SH_INFO_MAX_VEC - 1] = SH_INFO_MAX_VEC - 2;
	CHECK(xsplit_pci_op_check(&op, CFG, 2048) == XEN_PCI_ERR_op_failed);
	/* Out of range is reported in preference to a duplicate. */
	op = msix(3);
	op.msix_entry[1] = 0;
	op.msix_entry[2] = 99;
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_invalid_offset);
}

/* Everything pcifront could put on the page is judged through the copy. */
TEST(pci_op_wire_to_verdict)
{
	struct xen_pci_op wire;
	struct xsplit_pci_op op;

	memset(&wire, 0, sizeof(wire));
	wire.cmd = XEN_PCI_OP_enable_msix;
	wire.value = 2;
	wire.msix_entries[0].entry = 1;
	wire.msix_entries[1].entry = 1;
	xsplit_pci_op_copy(&op, &wire);
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_op_failed);

	wire.msix_entries[1].entry = 2;
	xsplit_pci_op_copy(&op, &wire);
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_success);

	/* Changing the wire afterwards changes nothing already judged. */
	wire.msix_entries[1].entry = 1000;
	CHECK(op.msix_entry[1] == 2);
	CHECK(xsplit_pci_op_check(&op, CFG, 16) == XEN_PCI_ERR_success);
}

/* An AER answer as pcifront would give it: the result, and whether it was bad. */
static u32 aer(u32 cmd, s32 reply, bool *bad)
{
	*bad = !*bad;	/* a stale value must not survive the call */
	return xsplit_pci_aer_answer(cmd, reply, bad);
}

TEST(pci_aer_answers_allowed_per_step)
{
	bool bad = false;

	CHECK(aer(XEN_PCI_OP_aer_detected, XSPLIT_PCI_ERS_NEED_RESET, &bad) ==
	      XSPLIT_PCI_ERS_NEED_RESET && !bad);
	CHECK(aer(XEN_PCI_OP_aer_detected, XSPLIT_PCI_ERS_CAN_RECOVER, &bad) ==
	      XSPLIT_PCI_ERS_CAN_RECOVER && !bad);
	CHECK(aer(XEN_PCI_OP_aer_detected, XSPLIT_PCI_ERS_NONE, &bad) ==
	      XSPLIT_PCI_ERS_NONE && !bad);
	CHECK(aer(XEN_PCI_OP_aer_detected, XSPLIT_PCI_ERS_DISCONNECT, &bad) ==
	      XSPLIT_PCI_ERS_DISCONNECT && !bad);
	CHECK(aer(XEN_PCI_OP_aer_mmio, XSPLIT_PCI_ERS_RECOVERED, &bad) ==
	      XSPLIT_PCI_ERS_RECOVERED && !bad);
	CHECK(aer(XEN_PCI_OP_aer_mmio, XSPLIT_PCI_ERS_NEED_RESET, &bad) ==
	      XSPLIT_PCI_ERS_NEED_RESET && !bad);
	CHECK(aer(XEN_PCI_OP_aer_slotreset, XSPLIT_PCI_ERS_RECOVERED, &bad) ==
	      XSPLIT_PCI_ERS_RECOVERED && !bad);
	CHECK(aer(XEN_PCI_OP_aer_slotreset, XSPLIT_PCI_ERS_NONE, &bad) ==
	      XSPLIT_PCI_ERS_NONE && !bad);
}

/* An answer the step does not allow is a failed recovery, and flagged. */
TEST(pci_aer_answers_out_of_step)
{
	bool bad = false;

	/* "Recovered" before anything was done for it. */
	CHECK(aer(XEN_PCI_OP_aer_detected, XSPLIT_PCI_ERS_RECOVERED, &bad) ==
	      XSPLIT_PCI_ERS_DISCONNECT && bad);
	/* Asking for a reset after the reset. */
	CHECK(aer(XEN_PCI_OP_aer_slotreset, XSPLIT_PCI_ERS_NEED_RESET, &bad) ==
	      XSPLIT_PCI_ERS_DISCONNECT && bad);
	CHECK(aer(XEN_PCI_OP_aer_slotreset, XSPLIT_PCI_ERS_CAN_RECOVER, &bad) ==
	      XSPLIT_PCI_ERS_DISCONNECT && bad);
}

TEST(pci_aer_answers_garbage)
{
	static const s32 junk[] = { 0, -1, 6, 7, 31, 32, 33, 64, 0x7fffffff,
				    INT_MIN };
	static const u32 cmds[] = { XEN_PCI_OP_aer_detected,
				    XEN_PCI_OP_aer_mmio,
				    XEN_PCI_OP_aer_slotreset };
	bool bad;
	size_t i, c;

	for (c = 0; c < ARRAY_SIZE(cmds); c++)
		for (i = 0; i < ARRAY_SIZE(junk); i++) {
			bad = false;
			CHECK(aer(cmds[c], junk[i], &bad) ==
			      XSPLIT_PCI_ERS_DISCONNECT && bad);
		}
}

/* resume's handler returns nothing: whatever comes back is fine. */
TEST(pci_aer_resume_ignores_answer)
{
	bool bad = false;

	CHECK(aer(XEN_PCI_OP_aer_resume, -12345, &bad) == XSPLIT_PCI_ERS_NONE &&
	      !bad);
	CHECK(aer(XEN_PCI_OP_aer_resume, XSPLIT_PCI_ERS_RECOVERED, &bad) ==
	      XSPLIT_PCI_ERS_NONE && !bad);
}

/* Only the four AER requests have answers; anything else is our bug. */
TEST(pci_aer_answers_to_non_aer_commands)
{
	bool bad = false;

	CHECK(aer(XEN_PCI_OP_conf_read, XSPLIT_PCI_ERS_NONE, &bad) ==
	      XSPLIT_PCI_ERS_DISCONNECT && bad);
	CHECK(aer(0xffffffffu, XSPLIT_PCI_ERS_RECOVERED, &bad) ==
	      XSPLIT_PCI_ERS_DISCONNECT && bad);
}
