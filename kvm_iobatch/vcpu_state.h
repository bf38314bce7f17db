/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU state the executor reads at every instruction, read the way KVM's
 * own accessors would return it but without their static call where the
 * state sits in the VMCB (SVM). On VMX, and wherever KVM's accessor
 * would adjust what it read, KVM's accessor is called.
 */
#ifndef KVM_IOBATCH_VCPU_STATE_H
#define KVM_IOBATCH_VCPU_STATE_H

#include <linux/kvm_host.h>

#include "x86.h"	/* KVM private: kvm_get_rflags() */
#include "svm/svm.h"	/* KVM private: to_svm() */

/**
 * iob_rflags() - what kvm_get_rflags() returns
 * @vcpu: the vCPU
 *
 * kvm_get_rflags() is svm_get_rflags() through a static call, which
 * returns the VMCB's RFLAGS unless KVM single-steps the guest for an NMI
 * window (nmi_singlestep), and clears TF when userspace single-steps it
 * (KVM_GUESTDBG_SINGLESTEP). About 20 instructions, called two or three
 * times for each instruction a block runs.
 *
 * Return: the guest's RFLAGS.
 */
static __always_inline unsigned long iob_rflags(struct kvm_vcpu *vcpu)
{
	if (!boot_cpu_has(X86_FEATURE_SVM) || to_svm(vcpu)->nmi_singlestep ||
	    (vcpu->guest_debug & KVM_GUESTDBG_SINGLESTEP))
		return kvm_get_rflags(vcpu);
	return to_svm(vcpu)->vmcb->save.rflags;
}

/**
 * iob_cpl() - the guest's current privilege level, as KVM's get_cpl
 * @vcpu: the vCPU
 *
 * svm_get_cpl() returns the VMCB's CPL; on VMX, KVM's own through the
 * emulator's callbacks (its static call is not exported).
 *
 * Return: 0 to 3.
 */
static __always_inline int iob_cpl(struct kvm_vcpu *vcpu)
{
	struct x86_emulate_ctxt *ctxt = vcpu->arch.emulate_ctxt;

	if (boot_cpu_has(X86_FEATURE_SVM))
		return to_svm(vcpu)->vmcb->save.cpl;
	return ctxt->ops->cpl(ctxt);
}

#endif
