// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-test-edu: a test-only PCI driver for QEMU's "edu" teaching device
 * (1234:11e8, register map in QEMU's docs/specs/edu.rst), loaded in a
 * guest the device was passed through to. It proves the guest drives the
 * device itself: MMIO to its BAR, and its interrupt (INTx or MSI, as
 * asked) delivered to the guest. Each step prints one line
 * "xsplit-test-edu: <step> ok|FAIL ..." for the test to read from dmesg.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>

#define EDU_ID			0x00
#define EDU_LIVENESS		0x04
#define EDU_FACTORIAL		0x08
#define EDU_STATUS		0x20
#define EDU_STATUS_COMPUTING	0x01
#define EDU_STATUS_IRQ_FACT	0x80
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64
#define EDU_IRQ_FACT_DONE	0x01	/* what the device raises for a factorial */
#define EDU_IRQ_TEST		0x5a00

#define EDU_ID_MASK		0xff
#define EDU_ID_LOW		0xed

static char *irq_mode = "msi";
module_param(irq_mode, charp, 0444);
MODULE_PARM_DESC(irq_mode, "Interrupt to use: msi or intx");

static unsigned int conf_bench_ms;
module_param(conf_bench_ms, uint, 0444);
MODULE_PARM_DESC(conf_bench_ms,
		 "First read the vendor/device dword from config space for this many ms and report the rate (bench/pci)");

static bool keep_irq;
module_param(keep_irq, bool, 0444);
MODULE_PARM_DESC(keep_irq,
		 "Keep the interrupt set up until the driver is unbound, so that removal has MSI to tear down");

struct edu {
	void __iomem *bar;
	bool irq_kept;
	struct completion done;
	u32 irq_seen;
	unsigned int irqs;
};

static irqreturn_t edu_irq(int irq, void *data)
{
	struct edu *edu = data;
	u32 st = ioread32(edu->bar + EDU_IRQ_STATUS);

	if (!st)
		return IRQ_NONE;	/* INTx may be shared */
	iowrite32(st, edu->bar + EDU_IRQ_ACK);
	edu->irq_seen |= st;
	edu->irqs++;
	complete(&edu->done);
	return IRQ_HANDLED;
}

static bool edu_wait_irq(struct edu *edu, u32 want)
{
	if (!wait_for_completion_timeout(&edu->done, msecs_to_jiffies(5000)))
		return false;
	return (edu->irq_seen & want) == want;
}

static void edu_report(struct pci_dev *pdev, const char *step, bool ok,
		       u32 val)
{
	pci_info(pdev, "xsplit-test-edu: %s %s 0x%x\n", step, ok ? "ok" : "FAIL",
		 val);
}

/*
 * Config-space round trips in a tight loop: in a PV guest each one is an
 * op on pcifront's shared page answered by dom0's pciback, natively a
 * config cycle.
 */
static void edu_conf_bench(struct pci_dev *pdev)
{
	unsigned long end = jiffies + msecs_to_jiffies(conf_bench_ms);
	unsigned long start = jiffies, n = 0;
	u32 v;

	while (time_before(jiffies, end)) {
		pci_read_config_dword(pdev, PCI_VENDOR_ID, &v);
		n++;
		cond_resched();
	}
	pci_info(pdev, "xsplit-test-edu: conf-bench %lu reads in %u ms (last 0x%x)\n",
		 n, jiffies_to_msecs(jiffies - start), v);
}

static int edu_run(struct pci_dev *pdev, struct edu *edu)
{
	unsigned int flags = strcmp(irq_mode, "intx") ? PCI_IRQ_MSI :
							PCI_IRQ_LEGACY;
	bool got;
	u32 v;
	int ret, n;

	v = ioread32(edu->bar + EDU_ID);
	edu_report(pdev, "id", (v & EDU_ID_MASK) == EDU_ID_LOW, v);

	iowrite32(0x12345678, edu->bar + EDU_LIVENESS);
	v = ioread32(edu->bar + EDU_LIVENESS);
	edu_report(pdev, "liveness", v == ~0x12345678u, v);

	ret = pci_alloc_irq_vectors(pdev, 1, 1, flags);
	if (ret < 0) {
		edu_report(pdev, "irq-setup", false, -ret);
		return ret;
	}
	ret = request_irq(pci_irq_vector(pdev, 0), edu_irq,
			  flags == PCI_IRQ_LEGACY ? IRQF_SHARED : 0,
			  "xsplit-test-edu", edu);
	if (ret) {
		edu_report(pdev, "irq-setup", false, -ret);
		pci_free_irq_vectors(pdev);
		return ret;
	}
	pci_info(pdev, "xsplit-test-edu: irq-setup ok %s irq %d\n",
		 pdev->msi_enabled ? "msi" : "intx", pci_irq_vector(pdev, 0));

	/* An interrupt on demand ... */
	reinit_completion(&edu->done);
	iowrite32(EDU_IRQ_TEST, edu->bar + EDU_IRQ_RAISE);
	got = edu_wait_irq(edu, EDU_IRQ_TEST);
	edu_report(pdev, "irq-raise", got, edu->irq_seen);

	/* ... and one at the end of a computation: 7! = 5040. */
	reinit_completion(&edu->done);
	iowrite32(EDU_STATUS_IRQ_FACT, edu->bar + EDU_STATUS);
	iowrite32(7, edu->bar + EDU_FACTORIAL);
	ret = edu_wait_irq(edu, EDU_IRQ_FACT_DONE);
	for (n = 0; n < 1000 && (ioread32(edu->bar + EDU_STATUS) &
				 EDU_STATUS_COMPUTING); n++)
		usleep_range(100, 200);
	v = ioread32(edu->bar + EDU_FACTORIAL);
	edu_report(pdev, "factorial-irq", ret && v == 5040, v);
	iowrite32(0, edu->bar + EDU_STATUS);

	pci_info(pdev, "xsplit-test-edu: done, %u interrupt(s)\n", edu->irqs);
	if (keep_irq) {
		edu->irq_kept = true;
		return 0;
	}
	free_irq(pci_irq_vector(pdev, 0), edu);
	pci_free_irq_vectors(pdev);
	return 0;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu *edu = pci_get_drvdata(pdev);

	if (!edu->irq_kept)
		return;
	free_irq(pci_irq_vector(pdev, 0), edu);
	pci_free_irq_vectors(pdev);
	pci_info(pdev, "xsplit-test-edu: interrupt released on remove\n");
}

/*
 * Error recovery, for the AER requests a PCI backend relays to the guest
 * (tests/vm/pcifront-hostile-back.sh). Each callback logs one line,
 * "xsplit-test-edu: aer <callback> [state N]", and leaves the device
 * alone: the function may be a fake with nothing behind it. The results,
 * which the frontend hands back to the backend, say which callback ran:
 *
 *   error_detected  CAN_RECOVER (2) when the channel still works,
 *                   NEED_RESET (3) when it is frozen,
 *                   DISCONNECT (4) when it failed for good;
 *   mmio_enabled    RECOVERED (5);
 *   slot_reset      RECOVERED (5);
 *   resume          nothing (the frontend answers NONE, 1).
 *
 * mmio_enabled and slot_reset can only differ in the order they come in.
 */
static pci_ers_result_t edu_error_detected(struct pci_dev *pdev,
					   pci_channel_state_t state)
{
	pci_info(pdev, "xsplit-test-edu: aer error_detected state %u\n",
		 (__force unsigned int)state);
	if (state == pci_channel_io_normal)
		return PCI_ERS_RESULT_CAN_RECOVER;
	if (state == pci_channel_io_frozen)
		return PCI_ERS_RESULT_NEED_RESET;
	return PCI_ERS_RESULT_DISCONNECT;
}

static pci_ers_result_t edu_mmio_enabled(struct pci_dev *pdev)
{
	pci_info(pdev, "xsplit-test-edu: aer mmio_enabled\n");
	return PCI_ERS_RESULT_RECOVERED;
}

static pci_ers_result_t edu_slot_reset(struct pci_dev *pdev)
{
	pci_info(pdev, "xsplit-test-edu: aer slot_reset\n");
	return PCI_ERS_RESULT_RECOVERED;
}

static void edu_resume(struct pci_dev *pdev)
{
	pci_info(pdev, "xsplit-test-edu: aer resume\n");
}

static const struct pci_error_handlers edu_err_handlers = {
	.error_detected = edu_error_detected,
	.mmio_enabled = edu_mmio_enabled,
	.slot_reset = edu_slot_reset,
	.resume = edu_resume,
};

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu *edu;
	int ret;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	init_completion(&edu->done);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), "xsplit-test-edu");
	if (ret)
		return ret;
	edu->bar = pcim_iomap_table(pdev)[0];
	/* An MSI is a memory write by the device. */
	pci_set_master(pdev);
	pci_set_drvdata(pdev, edu);
	if (conf_bench_ms)
		edu_conf_bench(pdev);
	edu_run(pdev, edu);
	return 0;
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};

static struct pci_driver edu_driver = {
	.name = "xsplit-test-edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
	.err_handler = &edu_err_handlers,
};
module_pci_driver(edu_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xsplit test bed: drives QEMU's edu device (test use only)");
