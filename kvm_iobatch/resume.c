// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace continuation: a block's access went to userspace; on the
 * next KVM_RUN finish that access exactly as stock KVM's kvm_fast_pio()
 * completion would, against whatever userspace left in the vCPU, then run
 * the rest of the block only when nothing that matters changed.
 *
 * Between the exit and KVM_RUN userspace may read and write registers,
 * segment registers, events, debug state, the interrupt-window request or
 * guest memory. Stock KVM's completion (complete_fast_pio_in/out) then
 * drops the access when RIP moved, merges an IN into RAX as it is now, and
 * single-steps after it; later IO of a block is finished the same way
 * here. The rest of the block runs only while RIP, code size and code
 * bytes are those of the block and no event or debugging stands in the
 * way; otherwise the guest resumes at the next instruction and stock KVM
 * takes over.
 *
 * What userspace can change there only through KVM's functions (registers,
 * segments, mode) is not re-read when none of them ran meanwhile
 * (hook.c's count, iob_vcpu_writes); guest memory it can change without
 * KVM, so the block's bytes are always compared.
 */
#include <linux/kvm_host.h>

#include "x86.h"	/* KVM private: kvm_rax_*(), kvm_is_linear_rip() */
#include "iobatch.h"

/*
 * Did userspace leave the vCPU's registers, segments and mode as the
 * block left them? Then RIP is still past the access and CS and the mode
 * are those the block was found with: nothing to read or recompute.
 */
static bool iob_vcpu_untouched(const struct iob_vcpu *vs)
{
	return iob_vcpu_writes_counted &&
	       READ_ONCE(iob_vcpu_writes) == vs->writes;
}

/*
 * Retire the finished access's instruction. The exiting one's (@first:
 * its completion taken over from KVM's, exec.c, or a single's, single.c)
 * as KVM would: where userspace wrote the vCPU's state meanwhile, by
 * kvm_skip_emulated_instruction() itself, which moves RIP to the next RIP
 * the CPU gave for the exit, as an absolute address (a VMM that moved
 * CS's base and RIP so that the linear RIP stayed passed the RIP check),
 * reads the raw RFLAGS for single-step, and takes a VMCB that
 * KVM_SET_NESTED_STATE swapped in; else iob_retire_io(), the same for
 * RIP, CS and flags as they were at the exit. A later one as the vendor's
 * skip would have retired it after an exit of its own: on SVM to the
 * absolute next RIP the CPU would have given, on VMX by its length from
 * RIP as it is now (skip_emulated_instruction() adds the exit's
 * instruction length), the two alike unless userspace moved CS:IP.
 */
static int iob_retire_pending(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			      bool first, bool untouched)
{
	if (first && !untouched)
		return kvm_skip_emulated_instruction(vcpu);
	if (first || !boot_cpu_has(X86_FEATURE_SVM))
		return iob_retire_io(vcpu, vs->io_len);
	return iob_retire_io_to(vcpu, vs->io_next);
}

/* Finish a later IN as complete_fast_pio_in() does. */
static int iob_finish_in(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			 bool untouched, bool first)
{
	int size = vcpu->arch.pio.size;
	unsigned long val;

	if (WARN_ON_ONCE(vcpu->arch.pio.count != 1 || !vcpu->arch.pio.in)) {
		vcpu->arch.pio.count = 0;
		return 1;
	}
	if (!untouched && !kvm_is_linear_rip(vcpu, vs->io_lin)) {
		vcpu->arch.pio.count = 0;
		return 1;
	}
	/* For size less than 4 merge, else zero extend, as KVM does. */
	val = size < 4 ? kvm_rax_read(vcpu) : 0;
	memcpy(&val, vcpu->arch.pio_data, size);
	vcpu->arch.pio.count = 0;
	kvm_rax_write(vcpu, val);
	return iob_retire_pending(vcpu, vs, first, untouched);
}

/* Finish the access that went to userspace. Return: as an exit handler. */
static int iob_finish_access(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			     bool untouched)
{
	int (*cui)(struct kvm_vcpu *vcpu) = vs->saved_cui;
	bool first = vs->io_first;

	vs->saved_cui = NULL;
	vs->io_first = false;
	switch (vs->pending) {
	case IOB_PENDING_KVM:
		return cui(vcpu);
	case IOB_PENDING_OUT:
		/* complete_fast_pio_out() */
		vcpu->arch.pio.count = 0;
		if (!untouched && !kvm_is_linear_rip(vcpu, vs->io_lin))
			return 1;
		return iob_retire_pending(vcpu, vs, first, untouched);
	case IOB_PENDING_IN:
		return iob_finish_in(vcpu, vs, untouched, first);
	default:
		WARN_ON_ONCE(1);
		return 1;
	}
}

/* Is the rest of the block still ours to run, as it was scanned? */
static bool iob_may_resume(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			   bool untouched)
{
	struct iob_where w;

	/*
	 * KVM_RUN with immediate_exit: userspace wants the access completed
	 * and the guest not to run on (e.g. to save its state). Likewise
	 * when it started debugging the guest or queued an event meanwhile.
	 */
	if (!vcpu->wants_to_run || !iob_guest_readable(vcpu) ||
	    !iob_guest_batchable(vcpu))
		return false;
	if (!untouched &&
	    (!iob_guest_where(vcpu, &w) || w.lin != vs->lin + vs->off ||
	     w.mode != vs->mode))
		return false;
	/* The code's translation is kept only as the guest's TLB keeps it */
	if (!untouched || !iob_guest_tlb_kept(vcpu))
		vs->xl_ok = false;
	/* A trace may run any of its bytes again, a line only the rest */
	return iob_block_unchanged(vcpu, vs, vs->trace ? 0 : vs->off);
}

/*
 * Runs first on KVM_RUN after a userspace exit in the middle of a block,
 * in place of KVM's own completion.
 */
static int iob_complete_userspace_io(struct kvm_vcpu *vcpu)
{
	struct iob_vcpu *vs = iob_vcpu_here(vcpu);
	struct iob_vm *vm;
	bool untouched;
	int r;

	if (!vs) {
		vm = iob_vm_find(vcpu->kvm);
		vs = vm ? iob_vcpu_find_here(vm, vcpu) : NULL;
		if (WARN_ON_ONCE(!vs))
			return 1;
	}
	vm = vs->vm;
	untouched = iob_vcpu_untouched(vs);
	r = iob_finish_access(vcpu, vs, untouched);
	vs->pending = IOB_PENDING_NONE;
	if (r <= 0 || !vs->active) {
		vs->active = false;
		return r;
	}
	if (!iob_may_resume(vcpu, vs, untouched)) {
		vs->active = false;
		iob_count(vm, IOB_STAT_CUTS, 1);
		return 1;
	}
	iob_count(vm, IOB_STAT_USER_RESUMES, 1);
	/* iob_guest_batchable() checked events at this boundary */
	return iob_exec_block(vcpu, vm, vs, true);
}

/**
 * iob_resume_after_userspace() - arrange to finish a pending access
 * @vcpu: the vCPU, about to exit to userspace with @vs->pending set
 * @vs: the block; @vs->active when more of it is to run afterwards
 *
 * An access that kvm_fast_pio() sent out, at the end of the block, is
 * left to KVM's own completion; anything else is finished here.
 */
void iob_resume_after_userspace(struct kvm_vcpu *vcpu, struct iob_vcpu *vs)
{
	vs->writes = READ_ONCE(iob_vcpu_writes);
	if (vs->pending == IOB_PENDING_KVM) {
		if (!vs->active) {
			vs->pending = IOB_PENDING_NONE;
			return;
		}
		vs->saved_cui = vcpu->arch.complete_userspace_io;
	}
	vcpu->arch.complete_userspace_io = iob_complete_userspace_io;
}
