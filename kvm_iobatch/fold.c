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
 * - the events check runs at every boundary as everywhere in a block; an
 *   event seen before the run grows ends it with the accesses collected so
 *   far and RIP at the last of them. One that comes up after an OUT was
 *   retired (a PMI from its instruction count, an NMI or SMI from another
 *   thread) sends the collected accesses with RIP where the block stands,
 *   and the block ends there (IOB_PENDING_FOLD_CUT): the guest's result is
 *   stock's, only a VMM reading RIP during that exit sees it past the OUT.
 * An NMI or SMI that the VMM itself raises while handling a folded exit
 * arrives after the run, as with KVM's own `rep outs` (one exit for the
 * whole count). INs are not folded: the VMM would have to read N times
 * before the guest consumed the first value.
 */
#include <linux/kvm_host.h>

#include "kvm_cache_regs.h"	/* KVM private: kvm_register_read_raw() */
#include "x86.h"	/* KVM private: kvm_rax_read() */
#include "iobatch.h"

/* Does a register move write DX (RDX, EDX, DX, DL or DH)? */
static bool iob_writes_dx(const struct iob_insn *insn)
{
	return insn->op_dst == VCPU_REGS_RDX ||
	       insn->op_dst == IOB_REG_AH + VCPU_REGS_RDX;
}

/*
 * From @off on: register moves, then an OUT that may join a run of
 * @size-byte OUTs to @port. Return: its offset (and decode in @out), or 0.
 */
static unsigned int iob_fold_next(struct kvm_vcpu *vcpu,
				  struct iob_vcpu *vs, unsigned int off,
				  unsigned int size, u16 port,
				  struct iob_insn *out)
{
	bool first = true;

	while (off < vs->size) {
		int len;

		if (vs->trace && !iob_trace_has(&vs->map, off))
			return 0;
		len = iob_decode(vs->buf + off, vs->size - off, vs->mode, out);

		if (len <= 0)
			return 0;
		/*
		 * Mostly the run ends right here (another port, an ALU
		 * instruction); the executor then needs this decode after
		 * the exit, so it is kept rather than made twice.
		 */
		if (first) {
			vs->ahead = *out;
			vs->ahead_off = off;
			first = false;
		}
		if (out->kind == IOB_INSN_IO) {
			if (out->io_in || out->io_size != size)
				return 0;
			if (out->io_dx ? (u16)kvm_rdx_read(vcpu) != port :
					 out->io_port != port)
				return 0;
			return off;
		}
		if (out->kind != IOB_INSN_PLAIN ||
		    (out->op != IOB_OP_MOV_IMM && out->op != IOB_OP_MOV_REG) ||
		    iob_writes_dx(out))
			return 0;
		off += len;
	}
	return 0;
}

/**
 * iob_fold_outs() - let more OUTs ride along with a pending userspace OUT
 * @vcpu: the vCPU, RIP at the OUT at @vs->off, its access set up for
 *        userspace with count 1
 * @vm: its VM (statistics)
 * @vs: the block
 * @len: in: the OUT's length; out: the length of the last OUT of the run
 *
 * On return @vs->off is the offset of the last OUT of the run and the
 * access is set up for userspace with all the run's data; or, when an
 * event cut the run after an OUT was retired, @vs->off is where the block
 * stands, *@len is 0 and @vs->pending is IOB_PENDING_FOLD_CUT.
 */
void iob_fold_outs(struct kvm_vcpu *vcpu, struct iob_vm *vm,
		   struct iob_vcpu *vs, unsigned int *len)
{
	unsigned int size = vcpu->arch.pio.size, n = 1, off = 0;
	u16 port = vcpu->arch.pio.port;

	if (!READ_ONCE(iob_fold) ||
	    (kvm_get_rflags(vcpu) &
	     (X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_RF)))
		return;

	/* The PIO data page holds the data of the whole run. */
	while (n < PAGE_SIZE / size) {
		struct iob_insn out, mv;
		unsigned int at;
		unsigned long val;

		off = vs->off + *len;
		at = iob_fold_next(vcpu, vs, off, size, port, &out);
		if (!at || iob_guest_event_pending(vcpu))
			break;
		/* once a run may grow: the bus could have taken the OUT */
		if (n == 1 && kvm_io_bus_get_dev(vcpu->kvm, KVM_PIO_BUS, port))
			break;
		/* As the completion would: single-step is off (above). */
		iob_retire_io(vcpu, *len);
		while (off < at) {
			int l = iob_decode(vs->buf + off, vs->size - off,
					   vs->mode, &mv);

			if (iob_guest_event_pending(vcpu) ||
			    WARN_ON_ONCE(!iob_exec_simple(vcpu, &mv)))
				goto cut;
			iob_count(vm, IOB_STAT_INSNS, 1);
			iob_count(vm, IOB_STAT_DIRECT, 1);
			off += l;
		}
		if (iob_guest_event_pending(vcpu))
			goto cut;
		val = kvm_rax_read(vcpu);
		memcpy(vcpu->arch.pio_data + n * size, &val, size);
		n++;
		vs->off = at;
		*len = out.len;
		vs->io_lin = vs->lin + at;
		vs->io_len = out.len;
		iob_count(vm, IOB_STAT_INSNS, 1);
		iob_count(vm, IOB_STAT_IO_BATCHED, 1);
		iob_count(vm, IOB_STAT_EXITS_SAVED, 1);
		iob_count(vm, IOB_STAT_FOLDED, 1);
	}
	vcpu->arch.pio.count = n;
	vcpu->run->io.count = n;
	return;
cut:
	vcpu->arch.pio.count = n;
	vcpu->run->io.count = n;
	vs->pending = IOB_PENDING_FOLD_CUT;
	vs->off = off;
	*len = 0;
}
