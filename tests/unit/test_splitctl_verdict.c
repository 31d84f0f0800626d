// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <stdio.h>

#include "verdict.h"
#include "unit.h"

/* Parse a command line given as one string of blank-separated words. */
static int args(const char *line, bool assign, struct splitctl_pci_args *a,
		char *why, size_t size)
{
	static char buf[256];
	char *argv[16], *p;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (p = strtok(buf, " "); p && argc < 15; p = strtok(NULL, " "))
		argv[argc++] = p;
	argv[argc] = NULL;
	return splitctl_parse_pci_args(argc, argv, assign, a, why, size);
}

TEST(splitctl_args_assign_with_every_option)
{
	struct splitctl_pci_args a;
	char why[128] = "";

	CHECK(args("0000:00:05.0 7 --vslot 3 --permissive --allow-no-iommu --force --timeout=90",
		   true, &a, why, sizeof(why)) == 0);
	CHECK(a.bdf.domain == 0 && a.bdf.bus == 0 && a.bdf.devfn == (5 << 3));
	CHECK(a.domid == 7);
	CHECK(a.vslot == 3);
	CHECK(a.permissive && a.allow_no_iommu && a.force);
	CHECK(a.timeout == 90);
	CHECK(args("01:00.1 32751 --vslot=31", true, &a, why, sizeof(why)) == 0);
	CHECK(a.bdf.bus == 1 && a.bdf.devfn == 1 && a.domid == 0x7fef);
	CHECK(a.vslot == 31 && !a.permissive && !a.force);
	CHECK(a.timeout == SPLITCTL_TIMEOUT_DEFAULT);
}

TEST(splitctl_args_defaults)
{
	struct splitctl_pci_args a;
	char why[128];

	CHECK(args("00:05.0 1", false, &a, why, sizeof(why)) == 0);
	CHECK(a.vslot == SPLITCTL_NO_VSLOT);
	CHECK(!a.permissive && !a.allow_no_iommu && !a.force);
	CHECK(a.timeout == SPLITCTL_TIMEOUT_DEFAULT);
}

TEST(splitctl_args_refuse_bad_input)
{
	static const char *const bad_assign[] = {
		"",				/* nothing */
		"00:05.0",			/* no domid */
		"00:5.0 1",			/* short device number */
		"00:05.8 1",			/* function 8 */
		"0000:00:05.0x 1",		/* trailing junk */
		"00:05.0 0",			/* dom0 */
		"00:05.0 32752",		/* DOMID_FIRST_RESERVED */
		"00:05.0 -1",
		"00:05.0 1x",
		"00:05.0 +1",
		"--force 00:05.0 1",		/* options after the two */
		"00:05.0 --force 1",
		"00:05.0 1 --vslot 32",
		"00:05.0 1 --vslot",
		"00:05.0 1 --vslot=",
		"00:05.0 1 --vslot -1",
		"00:05.0 1 --timeout 0",
		"00:05.0 1 --timeout 601",
		"00:05.0 1 --forced",
		"00:05.0 1 extra",
		"00:05.0 1 --permissive=1",
	};
	static const char *const bad_detach[] = {
		"00:05.0 1 --force", "00:05.0 1 --vslot 1",
		"00:05.0 1 --permissive",
	};
	struct splitctl_pci_args a;
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(bad_assign) / sizeof(bad_assign[0]); i++) {
		why[0] = '\0';
		CHECK(args(bad_assign[i], true, &a, why, sizeof(why)) == -EINVAL);
		CHECK(why[0] != '\0');
	}
	for (i = 0; i < sizeof(bad_detach) / sizeof(bad_detach[0]); i++)
		CHECK(args(bad_detach[i], false, &a, why, sizeof(why)) == -EINVAL);
	CHECK(args("00:05.0 1 --timeout 5", false, &a, why, sizeof(why)) == 0);
	CHECK(a.timeout == 5);
}

static struct splitctl_assign_facts good_facts(void)
{
	struct splitctl_assign_facts f = {
		.driver = "pciback", .pciback_loaded = true, .owner = -1,
		.shares_with = NULL, .iommu = true, .can_reset = true,
	};
	return f;
}

static enum splitctl_verdict verdict(const char *line,
				     const struct splitctl_assign_facts *f,
				     char *why, size_t size)
{
	struct splitctl_pci_args a;

	/* A line the parser refuses can be no verdict's: never GO. */
	if (args(line, true, &a, why, size))
		return (enum splitctl_verdict)-1;
	why[0] = '\0';
	return splitctl_assign_verdict(&a, f, why, size);
}

TEST(splitctl_verdict_go_and_already)
{
	struct splitctl_assign_facts f = good_facts();
	char why[256];

	CHECK(verdict("00:05.0 4", &f, why, sizeof(why)) == SPLITCTL_GO);
	f.driver = "";		/* unbound: assign binds it */
	CHECK(verdict("00:05.0 4", &f, why, sizeof(why)) == SPLITCTL_GO);
	f.owner = 4;
	CHECK(verdict("00:05.0 4", &f, why, sizeof(why)) == SPLITCTL_ALREADY);
	CHECK(strstr(why, "already assigned to domain 4") != NULL);
}

TEST(splitctl_verdict_refusals_and_their_overrides)
{
	struct splitctl_assign_facts f;
	char why[256];

	f = good_facts();
	f.owner = 9;
	CHECK(verdict("00:05.0 4 --force --allow-no-iommu", &f, why, sizeof(why)) == SPLITCTL_REFUSE);
	CHECK(strstr(why, "domain 9") != NULL);

	f = good_facts();
	f.driver = "nvme";
	CHECK(verdict("00:05.0 4 --force", &f, why, sizeof(why)) == SPLITCTL_REFUSE);
	CHECK(strstr(why, "nvme") != NULL);

	f = good_facts();
	f.shares_with = "0000:00:07.0";
	CHECK(verdict("00:05.0 4 --force --allow-no-iommu", &f, why, sizeof(why)) == SPLITCTL_REFUSE);
	CHECK(strstr(why, "0000:00:07.0") != NULL);

	f = good_facts();
	f.driver = "";
	f.pciback_loaded = false;
	CHECK(verdict("00:05.0 4 --force", &f, why, sizeof(why)) == SPLITCTL_REFUSE);
	CHECK(strstr(why, "pciback") != NULL);

	f = good_facts();
	f.iommu = false;
	CHECK(verdict("00:05.0 4 --force", &f, why, sizeof(why)) == SPLITCTL_REFUSE);
	CHECK(strstr(why, "IOMMU") != NULL);
	CHECK(verdict("00:05.0 4 --allow-no-iommu", &f, why, sizeof(why)) == SPLITCTL_GO);

	f = good_facts();
	f.can_reset = false;
	CHECK(verdict("00:05.0 4 --allow-no-iommu", &f, why, sizeof(why)) == SPLITCTL_REFUSE);
	CHECK(strstr(why, "reset") != NULL);
	CHECK(verdict("00:05.0 4 --force", &f, why, sizeof(why)) == SPLITCTL_GO);

	/* Who has it is said before what is wrong with it. */
	f = good_facts();
	f.owner = 2;
	f.driver = "nvme";
	f.iommu = false;
	CHECK(verdict("00:05.0 4", &f, why, sizeof(why)) == SPLITCTL_REFUSE);
	CHECK(strstr(why, "domain 2") != NULL);
}

TEST(splitctl_opts_as_libxl_writes_them)
{
	struct splitctl_pci_args a;
	char why[128], buf[128], tiny[8];

	CHECK(args("00:05.0 4 --permissive", true, &a, why, sizeof(why)) == 0);
	CHECK(splitctl_format_opts(&a, buf, sizeof(buf)) > 0);
	CHECK(!strcmp(buf, "msitranslate=0,power_mgmt=0,permissive=1,rdm_policy=strict"));
	a.permissive = false;
	CHECK(splitctl_format_opts(&a, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "permissive=0") != NULL);
	CHECK(splitctl_format_opts(&a, tiny, sizeof(tiny)) == -ENOSPC);
}
