// SPDX-License-Identifier: GPL-2.0
/*
 * Folding: a block's OUTs to one userspace port go to the VMM as ONE
 * KVM_EXIT_IO with count = N, the ABI every VMM implements for `rep outs`
 * (QEMU's kvm_handle_io() performs the N accesses in order). The module
 * saves VM exits with or without this; folding also saves the far larger
 * round trips through userspace.
 *
 * A later OUT of a block that goes to userspace (exec.c) is the first of a
 * run. The run grows while the next instructions are register moves the
 * executor does itself (no flags, no memory, no fault, no emulator: they
 * cannot exit or fail) and then an OUT of the same size to the same port,
 * which no in-kernel device covers (so that the bus could not have taken
 * it, whatever the data). Each OUT's data is collected in the PIO data page
 * as the block runs; the exit is taken at the LAST OUT of the run, with RIP
 * at it: the VMM then sees the vCPU exactly as stock KVM shows it at that
 * OUT's own exit, and the completion (resume.c) is stock's for that OUT.
 *
 * What the VMM cannot get is an exit between the folded accesses. So a run
 * folds only where nothing could have happened between them on stock KVM:
 * - RFLAGS.IF is clear (and the moves cannot set it), so no interrupt a
 *   device raises while the VMM handles an access could have been taken
 *   before the next one; nor TF, RF or any debugging;
 * - no vPMU counter is enabled: KVM delivers the PMI of an emulated
 *   instruction's count before the next instruction, which inside a run
 *   would be after the next OUT;
 * - events are checked at the boundary before each OUT joins: one seen
 *   there ends the run, its exit at the last OUT collected. Past that
 *   check the OUT before is retired and the moves run, and nothing may
 *   stop the run until it reaches the next OUT: the exit of a run always
 *   stands at an OUT, RIP at it, as stock KVM's exits do. An event that
 *   comes up meanwhile can only come from elsewhere (an NMI or SMI from
 *   another thread, a signal, a due reschedule: the moves raise none) and
 *   is taken after the run, as if it had come a few instructions later.
 *   (Once a run cut there exited with RIP past its last OUT, which stock
 *   KVM never shows a VMM; vmm_edit_test caught it under load.)
 * An NMI or SMI that the VMM itself raises while handling a folded exit
 * arrives after the run, as with KVM's own `rep outs` (one exit for the
 * whole count); so does an in-kernel device (ioeventfd, coalesced PIO)
 * that the VMM registers on the port meanwhile: the run's accesses
 * were all decided for userspace, as a `rep outs`'s are. INs are not
 * folded: the VMM would have to read N times before the guest consumed
 * the first value.
 */
#include <linux/kvm_host.h>

#include "kvm_cache_regs.h"	/* KVM private: kvm_register_read_raw() */
#include "x86.h"	/* KVM private: kvm_rax_read() */
#include "iobatch.h"
#include "vcpu_state.h"

/* Does a register move write DX (RDX, EDX, DX, DL or DH)? */
static bool iob_writes_dx(const struct iob_insn *insn)
{
	return insn->op_dst == VCPU_REGS_RDX ||
	       insn->op_dst == IOB_REG_AH + VCPU_REGS_RDX;
}

/* iob_fold_next(): no OUT can ever join, whatever the registers hold */
#define IOB_FOLD_NEVER (-1)

/*
 * From @off on: register moves, then an OUT that may join a run of
 * @size-byte OUTs to @port. Return: its offset (and decode in @out), 0
 * when the registers decide against it (DX holds another port), or
 * IOB_FOLD_NEVER when the code alone does.
 */
static int iob_fold_next(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			 unsigned int off, unsigned int size, u16 port,
			 struct iob_insn *out)
{
	while (off < vs->size) {
		int len;

		if (vs->trace && !iob_trace_has(iob_map(vs), off))
			return IOB_FOLD_NEVER;
		/* kept: mostly the run ends here, and the executor goes on */
		len = iob_decode_at(vs, off, out);
		if (len <= 0)
			return IOB_FOLD_NEVER;
		if (out->kind == IOB_INSN_IO) {
			if (out->io_in || out->io_size != size)
				return IOB_FOLD_NEVER;
			if (out->io_dx ? (u16)kvm_rdx_read(vcpu) != port :
					 out->io_port != port)
				return 0;
			return off;
		}
		if (out->kind != IOB_INSN_PLAIN ||
		    (out->op != IOB_OP_MOV_IMM && out->op != IOB_OP_MOV_REG) ||
		    iob_writes_dx(out))
			return IOB_FOLD_NEVER;
		off += len;
	}
	return IOB_FOLD_NEVER;
}

/*
 * Retire the OUT before the next one of a run and run the register moves
 * between them, from @off up to @at: iob_fold_next() checked that they are
 * moves, so none of this can fail, exit or raise an event.
 */
static void iob_fold_step(struct kvm_vcpu *vcpu, struct iob_vm *vm,
			  struct iob_vcpu *vs, unsigned int len,
			  unsigned int off, unsigned int at)
{
	iob_retire_io(vcpu, len);
	while (off < at) {
		struct iob_insn mv;
		int l = iob_decode_at(vs, off, &mv);

		if (WARN_ON_ONCE(l <= 0))
			return;
		iob_exec_move(vcpu, &mv);
		iob_count(vm, IOB_STAT_INSNS, 1);
		iob_count(vm, IOB_STAT_DIRECT, 1);
		off += l;
	}
}

/**
 * iob_fold_outs() - let more OUTs ride along with a pending userspace OUT
 * @vcpu: the vCPU, RIP at the OUT at @vs->off, its access set up for
 *        userspace with count 1
 * @vm: its VM (statistics)
 * @vs: the block
 * @len: in: the OUT's length; out: the length of the last OUT of the run
 *
 * On return @vs->off is the offset of the last OUT of the run, RIP is at
 * it and the access is set up for userspace with all the run's data.
 */
void iob_fold_outs(struct kvm_vcpu *vcpu, struct iob_vm *vm,
		   struct iob_vcpu *vs, unsigned int *len)
{
	unsigned int size = vcpu->arch.pio.size, n = 1;
	u16 port = vcpu->arch.pio.port;
	int slot = iob_dc_slot(vs, vs->off);

	/*
	 * Most OUTs are followed by code that rules a run out: once known,
	 * cheap. The verdict sits with the OUT's decode (the executor just
	 * decoded it), and goes when the decode does.
	 */
	if (slot >= 0 && (vs->code->dc_nofold & BIT_ULL(slot)))
		return;
	/* the bus could have taken a later OUT (iob_pio_out()) */
	if (!READ_ONCE(iob_fold) || vs->out_bus_dev || vcpu->guest_debug ||
	    (iob_rflags(vcpu) &
	     (X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_RF)) ||
	    vs->pmu_on)
		return;

	/* The PIO data page holds the data of the whole run. */
	while (n < PAGE_SIZE / size) {
		unsigned int off = vs->off + *len;
		struct iob_insn out;
		unsigned long val;
		int at;

		at = iob_fold_next(vcpu, vs, off, size, port, &out);
		if (at == IOB_FOLD_NEVER) {
			slot = iob_dc_slot(vs, vs->off);
			if (slot >= 0)
				vs->code->dc_nofold |= BIT_ULL(slot);
		}
		if (at <= 0)
			break;
		/*
		 * The run's last boundary where an event may stop it: a run
		 * cut short, counted as such (pio_batch_test knows a run's
		 * length unless something was cut)
		 */
		if (iob_guest_event_pending(vcpu)) {
			iob_count(vm, IOB_STAT_CUTS, 1);
			break;
		}
		iob_fold_step(vcpu, vm, vs, *len, off, at);
		val = kvm_rax_read(vcpu);
		memcpy(vcpu->arch.pio_data + n * size, &val, size);
		n++;
		vs->off = at;
		*len = out.len;
		vs->io_lin = vs->lin + at;
		vs->io_len = out.len;
		vs->io_next = vs->rip0 + at + out.len;
		iob_count(vm, IOB_STAT_INSNS, 1);
		iob_count(vm, IOB_STAT_IO_BATCHED, 1);
		iob_count(vm, IOB_STAT_EXITS_SAVED, 1);
		iob_count(vm, IOB_STAT_FOLDED, 1);
	}
	vcpu->arch.pio.count = n;
	vcpu->run->io.count = n;
}
