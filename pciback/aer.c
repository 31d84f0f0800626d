// SPDX-License-Identifier: GPL-2.0
/*
 * PCIe error recovery for functions a guest has.
 *
 * Dom0's AER core finds the error and runs the recovery steps on each
 * function below the port; for ours the driver that must recover is the
 * guest's. Each step is relayed through the shared page's aer_op slot:
 * we fill it, set _XEN_PCIB_active and kick the event channel; pcifront
 * runs its driver's handler, writes the result in aer_op.err, clears the
 * bit and kicks back. The answer is judged by xsplit_pci_aer_answer()
 * before the AER core sees it. Only a frontend that set
 * _XEN_PCIB_AERHANDLER is asked, and an unanswered request is not
 * followed by another.
 *
 * The AER core calls us with the function's device lock held, and detach
 * takes that lock (to reset the function) while holding the connection's
 * lock, so a relay never takes px->lock: it works from a snapshot of the
 * page published under aer_lock, which is also held across the wait so
 * that the page stays mapped. Disconnecting first cancels the wait.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/wait.h>
#include <xen/events.h>
#include <xen/interface/io/pciif.h>
#include <xsplit/pci_op.h>

#include "pciback.h"

static unsigned int aer_timeout_ms = 30000;

static int aer_timeout_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int ret = kstrtouint(val, 0, &ms);

	if (ret)
		return ret;
	if (ms < 100 || ms > 300000)
		return -ERANGE;
	WRITE_ONCE(aer_timeout_ms, ms);
	return 0;
}

static const struct kernel_param_ops aer_timeout_ops = {
	.set = aer_timeout_set,
	.get = param_get_uint,
};
module_param_cb(aer_timeout_ms, &aer_timeout_ops, &aer_timeout_ms, 0644);
MODULE_PARM_DESC(aer_timeout_ms,
		 "How long a guest may take over one step of PCIe error recovery, in ms (100-300000, default 30000); a late guest counts as failed to recover");

static_assert(XSPLIT_PCI_ERS_NONE == (__force int)PCI_ERS_RESULT_NONE);
static_assert(XSPLIT_PCI_ERS_CAN_RECOVER ==
	      (__force int)PCI_ERS_RESULT_CAN_RECOVER);
static_assert(XSPLIT_PCI_ERS_NEED_RESET ==
	      (__force int)PCI_ERS_RESULT_NEED_RESET);
static_assert(XSPLIT_PCI_ERS_DISCONNECT ==
	      (__force int)PCI_ERS_RESULT_DISCONNECT);
static_assert(XSPLIT_PCI_ERS_RECOVERED ==
	      (__force int)PCI_ERS_RESULT_RECOVERED);

static unsigned long *aer_flags(struct xen_pci_sharedinfo *sh)
{
	return (unsigned long *)&sh->flags;
}

/* Connected: relays may use the page from now on. */
void pcibk_aer_connected(struct pcibk_xdev *px)
{
	mutex_lock(&px->aer_lock);
	px->aer_sh = px->chan.ring;
	px->aer_irq = px->chan.irq;
	WRITE_ONCE(px->aer_cancel, false);
	mutex_unlock(&px->aer_lock);
}

/* About to unmap the page: stop a relay waiting on it, and wait for it. */
void pcibk_aer_disconnect(struct pcibk_xdev *px)
{
	WRITE_ONCE(px->aer_cancel, true);
	wake_up(&px->aer_wq);
	mutex_lock(&px->aer_lock);
	px->aer_sh = NULL;
	px->aer_irq = 0;
	mutex_unlock(&px->aer_lock);
}

/* From the event handler: true if the event answered a relay. */
bool pcibk_aer_event(struct pcibk_xdev *px)
{
	struct xen_pci_sharedinfo *sh = READ_ONCE(px->aer_waiting);

	if (!sh || test_bit(_XEN_PCIB_active, aer_flags(sh)))
		return false;
	wake_up(&px->aer_wq);
	return true;
}

static const char *aer_step_name(u32 cmd)
{
	switch (cmd) {
	case XEN_PCI_OP_aer_detected:
		return "error_detected";
	case XEN_PCI_OP_aer_mmio:
		return "mmio_enabled";
	case XEN_PCI_OP_aer_slotreset:
		return "slot_reset";
	default:
		return "resume";
	}
}

/* Put one request on the page and wait for pcifront to take it off. */
static int aer_exchange(struct pcibk_xdev *px, const struct xsplit_bdf *vaddr,
			u32 cmd, s32 arg, s32 *reply)
{
	struct xen_pci_sharedinfo *sh = px->aer_sh;

	lockdep_assert_held(&px->aer_lock);
	if (!test_bit(_XEN_PCIB_AERHANDLER, aer_flags(sh)))
		return -EOPNOTSUPP;
	/* The last request is still the guest's: it never answered. */
	if (test_bit(_XEN_PCIB_active, aer_flags(sh)))
		return -EBUSY;

	WRITE_ONCE(sh->aer_op.cmd, cmd);
	WRITE_ONCE(sh->aer_op.err, arg);
	WRITE_ONCE(sh->aer_op.domain, vaddr->domain);
	WRITE_ONCE(sh->aer_op.bus, vaddr->bus);
	WRITE_ONCE(sh->aer_op.devfn, vaddr->devfn);
	/* The request must be whole before the flag says it is there. */
	wmb();
	WRITE_ONCE(px->aer_waiting, sh);
	set_bit(_XEN_PCIB_active, aer_flags(sh));
	notify_remote_via_irq(px->aer_irq);

	wait_event_timeout(px->aer_wq,
			   !test_bit(_XEN_PCIB_active, aer_flags(sh)) ||
			   READ_ONCE(px->aer_cancel),
			   msecs_to_jiffies(READ_ONCE(aer_timeout_ms)));
	WRITE_ONCE(px->aer_waiting, NULL);
	if (test_bit(_XEN_PCIB_active, aer_flags(sh)))
		return READ_ONCE(px->aer_cancel) ? -ENOTCONN : -ETIMEDOUT;
	/* The answer is read after the flag, and once. */
	rmb();
	*reply = READ_ONCE(sh->aer_op.err);
	return 0;
}

/*
 * Ask the guest that has @pd's function to run recovery step @cmd.
 * Returns the result for the AER core, or @fallback when there is no one
 * to ask (no guest, not connected, a frontend without AER support).
 */
static pci_ers_result_t aer_relay(struct pcibk_dev *pd, u32 cmd, s32 arg,
				  pci_ers_result_t fallback)
{
	struct pci_dev *pdev = pd->pdev;
	const char *step = aer_step_name(cmd);
	struct pcibk_xdev *px = pcibk_owner_get(pd);
	pci_ers_result_t res = fallback;
	s32 reply = 0;
	bool bad;
	int domid, ret;

	if (!px)
		return fallback;

	mutex_lock(&px->aer_lock);
	if (!px->aer_sh || READ_ONCE(px->aer_cancel)) {
		mutex_unlock(&px->aer_lock);
		pcibk_xdev_put(px);
		pci_warn(pdev, "PCIe error: %s not relayed, its guest is not connected\n",
			 step);
		pd->stats.aer_failed++;
		return fallback;
	}
	/* xdev lives until the disconnect that aer_lock keeps out. */
	domid = px->xdev->otherend_id;
	ret = aer_exchange(px, &pd->vaddr, cmd, arg, &reply);
	mutex_unlock(&px->aer_lock);
	pcibk_xdev_put(px);

	switch (ret) {
	case 0:
		res = (__force pci_ers_result_t)xsplit_pci_aer_answer(cmd, reply,
								       &bad);
		if (bad) {
			pd->stats.aer_failed++;
			dev_warn_ratelimited(&pdev->dev, "PCIe error: domain %d answered %s with %d, which that step does not allow: recovery failed\n",
					     domid, step, reply);
			break;
		}
		pd->stats.aer_relayed++;
		pci_info(pdev, "PCIe error: domain %d ran %s, result %d\n",
			 domid, step, (__force int)res);
		break;
	case -EOPNOTSUPP:
		pd->stats.aer_failed++;
		pci_warn(pdev, "PCIe error: domain %d's frontend cannot handle errors; %s not relayed\n",
			 domid, step);
		break;
	default:
		/* Unanswered: the guest's driver has not recovered it. */
		pd->stats.aer_failed++;
		res = PCI_ERS_RESULT_DISCONNECT;
		pci_warn(pdev, "PCIe error: domain %d did not answer %s (%pe): recovery failed\n",
			 domid, step, ERR_PTR(ret));
		break;
	}
	return res;
}

static pci_ers_result_t pcibk_error_detected(struct pci_dev *pdev,
					     pci_channel_state_t state)
{
	struct pcibk_dev *pd = pci_get_drvdata(pdev);
	pci_ers_result_t res;

	if (!pd)
		return PCI_ERS_RESULT_NONE;
	res = aer_relay(pd, XEN_PCI_OP_aer_detected, (__force s32)state,
			PCI_ERS_RESULT_NONE);
	/*
	 * A frozen link is reset by the AER core, which loses the config
	 * state we keep for the guest: ask for slot_reset to put it back.
	 */
	if (state == pci_channel_io_frozen &&
	    (res == PCI_ERS_RESULT_NONE || res == PCI_ERS_RESULT_CAN_RECOVER))
		res = PCI_ERS_RESULT_NEED_RESET;
	return res;
}

static pci_ers_result_t pcibk_mmio_enabled(struct pci_dev *pdev)
{
	struct pcibk_dev *pd = pci_get_drvdata(pdev);

	if (!pd)
		return PCI_ERS_RESULT_NONE;
	return aer_relay(pd, XEN_PCI_OP_aer_mmio, 0, PCI_ERS_RESULT_NONE);
}

static pci_ers_result_t pcibk_slot_reset(struct pci_dev *pdev)
{
	struct pcibk_dev *pd = pci_get_drvdata(pdev);

	if (!pd)
		return PCI_ERS_RESULT_NONE;
	/*
	 * BARs, command register and MSI as dom0 set them up: the guest's
	 * driver restores the rest through config writes of its own.
	 */
	pcibk_restore(pd);
	return aer_relay(pd, XEN_PCI_OP_aer_slotreset, 0,
			 PCI_ERS_RESULT_RECOVERED);
}

static void pcibk_resume(struct pci_dev *pdev)
{
	struct pcibk_dev *pd = pci_get_drvdata(pdev);

	if (pd)
		aer_relay(pd, XEN_PCI_OP_aer_resume, 0, PCI_ERS_RESULT_NONE);
}

const struct pci_error_handlers pcibk_err_handlers = {
	.error_detected = pcibk_error_detected,
	.mmio_enabled = pcibk_mmio_enabled,
	.slot_reset = pcibk_slot_reset,
	.resume = pcibk_resume,
};
