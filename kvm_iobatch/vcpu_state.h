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
#include <kvm_iobatch/scan.h>	/* IOB_MAX_INSN_LEN */

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

/**
 * iob_vmcb_seg() - the VMCB's copy of segment register ES, CS, SS or DS
 * @vcpu: the vCPU (SVM)
 * @seg: VCPU_SREG_ES, _CS, _SS or _DS
 *
 * Return: the segment in the VMCB's save area.
 */
static __always_inline struct vmcb_seg *iob_vmcb_seg(struct kvm_vcpu *vcpu,
						     int seg)
{
	struct vmcb_save_area *save = &to_svm(vcpu)->vmcb->save;

	return seg == VCPU_SREG_ES ? &save->es : seg == VCPU_SREG_CS ?
	       &save->cs : seg == VCPU_SREG_SS ? &save->ss : &save->ds;
}

bool iob_seg_flat_slow(struct kvm_vcpu *vcpu, int seg, u32 *base, u32 *limit,
		       unsigned int *type);

/**
 * iob_seg_flat() - a segment's base, limit in bytes and type
 * @vcpu: the vCPU
 * @seg: VCPU_SREG_*
 * @base: its base (32 bits)
 * @limit: its limit, in bytes (G applied)
 * @type: its descriptor type, as iob_seg_get() gives it
 *
 * iob_seg_get()'s descriptor taken apart, read in place from the VMCB on
 * SVM for ES, CS, SS and DS: its conversion to a descriptor and back
 * cost about 110 instructions a block start (CS, iob_guest_where()).
 *
 * Return: false when the segment is unusable.
 */
static __always_inline bool iob_seg_flat(struct kvm_vcpu *vcpu, int seg,
					 u32 *base, u32 *limit,
					 unsigned int *type)
{
	const struct vmcb_seg *s;

	if (!boot_cpu_has(X86_FEATURE_SVM) || seg > VCPU_SREG_DS)
		return iob_seg_flat_slow(vcpu, seg, base, limit, type);
	s = iob_vmcb_seg(vcpu, seg);
	if (!(s->attrib & SVM_SELECTOR_P_MASK))
		return false;
	*type = s->attrib & SVM_SELECTOR_TYPE_MASK;
	if (seg == VCPU_SREG_ES || seg == VCPU_SREG_DS)
		*type |= 1;	/* accessed, as svm_get_segment() says */
	*limit = s->limit > 0xfffff ? s->limit | 0xfff : s->limit;
	*base = s->base;
	return true;
}

/**
 * iob_svm_linear_rip() - what kvm_get_linear_rip() returns, on SVM
 * @vcpu: the vCPU (SVM)
 *
 * RIP in 64-bit code (EFER.LMA and CS.L), else CS's base plus RIP, 32
 * bits: kvm_get_linear_rip() through two static calls, read in place.
 *
 * Return: the linear address of the instruction at RIP.
 */
static __always_inline u64 iob_svm_linear_rip(struct kvm_vcpu *vcpu)
{
	const struct vmcb_save_area *save = &to_svm(vcpu)->vmcb->save;
	u64 rip = kvm_rip_read(vcpu);

	if (is_long_mode(vcpu) && (save->cs.attrib & SVM_SELECTOR_L_MASK))
		return rip;
	return (u32)(save->cs.base + rip);
}

/**
 * iob_raw_rflags() - RFLAGS as kvm_skip_emulated_instruction() reads it
 * @vcpu: the vCPU
 *
 * The vendor's get_rflags, before kvm_get_rflags() hides the TF that KVM
 * sets for userspace's single-step (KVM_GUESTDBG_SINGLESTEP): KVM steps
 * by this TF, which the guest or KVM_SET_REGS away from the step's RIP
 * can clear while stepping stays on. On SVM svm_get_rflags(), read in
 * place; on VMX (its static call is not exported) as if KVM's TF were
 * set whenever userspace steps.
 *
 * Return: the guest's RFLAGS with KVM's single-step TF.
 */
static __always_inline unsigned long iob_raw_rflags(struct kvm_vcpu *vcpu)
{
	const struct vcpu_svm *svm;
	unsigned long rflags;

	if (!boot_cpu_has(X86_FEATURE_SVM))
		return kvm_get_rflags(vcpu) |
		       (vcpu->guest_debug & KVM_GUESTDBG_SINGLESTEP ?
			X86_EFLAGS_TF : 0);
	svm = to_svm(vcpu);
	rflags = svm->vmcb->save.rflags;
	if (svm->nmi_singlestep) {
		/* KVM's own TF and RF, unless the guest's too */
		if (!(svm->nmi_singlestep_guest_rflags & X86_EFLAGS_TF))
			rflags &= ~X86_EFLAGS_TF;
		if (!(svm->nmi_singlestep_guest_rflags & X86_EFLAGS_RF))
			rflags &= ~X86_EFLAGS_RF;
	}
	return rflags;
}

/**
 * iob_svm_exit_len() - the length of the IO instruction that exited
 * @vcpu: the vCPU (SVM), in an IO exit
 *
 * From the next RIP the CPU gave (EXITINFO2, which io_interception()
 * keeps in svm->next_rip; the NRIPS field where set), as
 * svm_skip_emulated_instruction() takes it.
 *
 * Return: 0 when the two disagree or it is not one instruction's length.
 */
static __always_inline unsigned int iob_svm_exit_len(struct kvm_vcpu *vcpu)
{
	const struct vcpu_svm *svm = to_svm(vcpu);
	u64 rip = kvm_rip_read(vcpu), next = svm->next_rip;

	if (svm->vmcb->control.next_rip && svm->vmcb->control.next_rip != next)
		return 0;
	if (next <= rip || next - rip > IOB_MAX_INSN_LEN)
		return 0;
	return next - rip;
}

/**
 * iob_out_7e_quirk() - does KVM retire this OUT before its exit?
 * @vcpu: the vCPU
 * @port: the OUT's port
 *
 * Under KVM_X86_QUIRK_OUT_7E_INC_RIP, KVM moves RIP past an OUT to port
 * 0x7e before it exits to userspace (for old VMMs): such an OUT is left
 * to KVM's own path.
 *
 * Return: true for such an OUT.
 */
static __always_inline bool iob_out_7e_quirk(struct kvm_vcpu *vcpu, u16 port)
{
	return port == 0x7e &&
	       kvm_check_has_quirk(vcpu->kvm, KVM_X86_QUIRK_OUT_7E_INC_RIP);
}

#endif
