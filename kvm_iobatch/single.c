// SPDX-License-Identifier: GPL-2.0
/*
 * The unbatched path: an IO instruction with no block to run, at a RIP
 * the vCPU's memo holds (batch.c), is run here as kvm_fast_pio() and its
 * completion would run it, through the executor's PIO dispatch (exec.c)
 * and resume.c's completion, on SVM:
 *
 * - an OUT goes to KVM's PIO bus (in-kernel devices, coalesced PIO,
 *   ioeventfd) and is retired, else to userspace;
 * - an IN to a port no in-kernel device covers goes to userspace (KVM's
 *   bus read is not exported: one a device may take goes to
 *   kvm_fast_pio());
 * - the userspace access is finished on the next KVM_RUN as
 *   complete_fast_pio_out() and complete_fast_pio_in() finish it.
 *
 * kvm_fast_pio() and complete_fast_pio_*() cost about 960 instructions
 * for an access that goes to userspace (about 300 of them the vPMU event
 * call with no counter enabled, about 170 the bus search through an
 * indirect compare); this path about 370. A firmware's lone status read
 * between two blocks (SeaVGABIOS's IN from 0x3cc, once per character)
 * and its polling loops take it. What stock KVM does besides, the module
 * leaves out: the kvm_pio tracepoint (not exported).
 *
 * An IN that a device takes costs the checks and the bus search on top of
 * kvm_fast_pio() (about 110 instructions, 6% of an in-kernel PIO exit):
 * the memo remembers it (@to_kvm) and batch.c passes the rest of its
 * grant to kvm_fast_pio() straight away, without calling here. A device
 * gone meanwhile costs nothing but the module's path: passing to KVM is
 * always correct.
 *
 * Left to kvm_fast_pio(): VMX, a guest whose state KVM cannot read
 * (SEV-ES), a guest userspace debugs (KVM_SET_GUEST_DEBUG: KVM steps by
 * the raw RFLAGS.TF, which a guest's POPF or a KVM_SET_REGS away from the
 * step's RIP clears while single-stepping stays on), an access already
 * pending, OUT 0x7e under KVM_X86_QUIRK_OUT_7E_INC_RIP (KVM retires it
 * before the exit), and a next RIP from the CPU that is not that of one
 * instruction after RIP.
 */
#include <linux/kvm_host.h>

#include "x86.h"	/* KVM private: kvm_rax_read(), kvm_check_has_quirk() */
#include "iobatch.h"
#include "vcpu_state.h"

/**
 * iob_single_pio() - run an IO instruction with no block as KVM would
 * @vcpu: the vCPU in a non-string IN/OUT exit
 * @vs: its state
 * @m: the memo that passed the exit (batch.c)
 * @size: access size
 * @port: port
 * @in: 1 for IN
 *
 * Return: as kvm_fast_pio(): 1 to re-enter the guest, 0 to exit to
 * userspace (resume.c finishes the access).
 */
int iob_single_pio(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
		   struct iob_memo *m, int size, u16 port, int in)
{
	unsigned long val = 0;
	unsigned int len;
	bool dev;

	if (!boot_cpu_has(X86_FEATURE_SVM) ||
	    vcpu->arch.guest_state_protected || sev_es_guest(vcpu->kvm) ||
	    vcpu->guest_debug || vcpu->arch.pio.count ||
	    vcpu->arch.complete_userspace_io || vs->active)
		goto stock;
	len = iob_svm_exit_len(vcpu);
	if (!len)
		goto stock;
	dev = iob_pio_bus_has_dev(vcpu, port, size);
	if (in) {
		if (dev) {
			/* Until the memo's next grant (about 110 each) */
			m->to_kvm = true;
			goto stock;
		}
	} else {
		if (iob_out_7e_quirk(vcpu, port))
			goto stock;
		val = kvm_rax_read(vcpu);
		if (dev && !kvm_io_bus_write(vcpu, KVM_PIO_BUS, port, size,
					     &val)) {
			iob_count(vs->vm, IOB_STAT_SINGLE_OWN, 1);
			return iob_retire_io(vcpu, len);
		}
	}
	iob_pio_user(vcpu, vs, size, port, in, val);
	vs->io_first = true;
	vs->io_lin = iob_svm_linear_rip(vcpu);
	vs->io_len = len;
	iob_resume_after_userspace(vcpu, vs);
	iob_count(vs->vm, IOB_STAT_SINGLE_OWN, 1);
	return 0;
stock:
	/* hook_entry.S does not redirect this call */
	return iob_stock_fast_pio(vcpu, size, port, in);
}
