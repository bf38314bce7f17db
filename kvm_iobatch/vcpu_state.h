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

#endif
