// SPDX-License-Identifier: GPL-2.0
/*
 * The executor: runs a block, instruction by instruction, from the bytes
 * that were hashed, in one exit.
 *
 * - The IO instruction that exited goes to kvm_fast_pio() itself, exactly
 *   as on stock KVM; its userspace completion is resume.c's on SVM, the
 *   same steps as KVM's (iob_first_io_user()).
 * - A later OUT goes straight to KVM's PIO bus (in-kernel devices,
 *   coalesced PIO, ioeventfd) or, failing that, to userspace the way
 *   kvm_fast_pio() sends it: RIP still at the OUT while userspace holds
 *   the vCPU, and retired only by the completion (resume.c).
 * - A later IN to a port no in-kernel device covers goes to userspace the
 *   same way; any other later IN goes through KVM's emulator, whose
 *   in-kernel reads are KVM's own. When that one goes to userspace after
 *   all, its completion is taken over (resume.c) and finished as
 *   kvm_fast_pio() finishes an IN.
 * - A later IN or OUT that the CPU would check against the TSS's I/O
 *   permission bitmap (CPL above IOPL, virtual-8086 mode) ends the block
 *   before it: the guest runs it, and its CPU checks it.
 * - Register moves, ALU instructions with register or immediate operands,
 *   SETcc, LEA, RAM loads and stores without paging and jumps within the
 *   block run without the emulator (direct.c); before a jump taken out of
 *   the block the trace ends; every other instruction runs in KVM's
 *   emulator.
 * Before every instruction but the first, pending events end the block
 * (guest.c), as hardware checks for them at every instruction boundary.
 */
#include <linux/bsearch.h>
#include <linux/kvm_host.h>

#include "kvm_cache_regs.h"	/* KVM private: kvm_register_*_raw() */
#include "x86.h"	/* KVM private: kvm_*_read(), kvm_check_has_quirk() */
#include "iobatch.h"
#include "vcpu_state.h"

/* iob_exec_io(): the instruction was not executed, end the block before it */
#define IOB_NOT_RUN 2

/**
 * iob_retire_io_to() - move RIP past an IO instruction whose access is done
 * @vcpu: the vCPU, RIP at the instruction (or where userspace moved it
 *        with the same linear address)
 * @next: RIP of the instruction after it, as the vendor's skip would set
 *        it: on SVM the absolute next RIP the CPU gives for an exit
 *
 * What kvm_skip_emulated_instruction() does after kvm_fast_pio(), with the
 * length known from the decode (KVM's vendor code takes it from the exit,
 * which only describes the instruction that exited): RIP, on SVM the
 * interrupt shadow cleared (svm_skip_emulated_instruction(): one that a
 * VMM set with KVM_SET_VCPU_EVENTS during the access's exit goes, so that
 * an NMI or interrupt due comes before the next instruction), the PMU's
 * instruction count, and single-step (#DB, or KVM_EXIT_DEBUG while
 * userspace single-steps the guest), which only a VMM that changed the
 * vCPU during a userspace exit can have turned on inside a block. (On VMX
 * the shadow is the VMCS's, reachable only through kvm_x86_ops, which is
 * not exported: a VMM-set one stays, Documentation/kvm_iobatch.rst.)
 *
 * Return: 1 to go on, 0 for a KVM_EXIT_DEBUG to userspace.
 */
int iob_retire_io_to(struct kvm_vcpu *vcpu, u64 next)
{
	/* Before the skip, as kvm_skip_emulated_instruction() reads it */
	unsigned long rflags = iob_raw_rflags(vcpu);
	struct kvm_run *run = vcpu->run;

	kvm_rip_write(vcpu, next);
	if (boot_cpu_has(X86_FEATURE_SVM))
		to_svm(vcpu)->vmcb->control.int_state &=
			~SVM_INTERRUPT_SHADOW_MASK;
	iob_pmu_insn_retired(vcpu);
	if (likely(!(rflags & X86_EFLAGS_TF)))
		return 1;
	/* kvm_vcpu_do_singlestep() */
	if (vcpu->guest_debug & KVM_GUESTDBG_SINGLESTEP) {
		run->debug.arch.dr6 = DR6_BS | DR6_ACTIVE_LOW;
		run->debug.arch.pc = kvm_get_linear_rip(vcpu);
		run->debug.arch.exception = DB_VECTOR;
		run->exit_reason = KVM_EXIT_DEBUG;
		return 0;
	}
	kvm_queue_exception_p(vcpu, DB_VECTOR, DR6_BS);
	return 1;
}

/**
 * iob_retire_io() - iob_retire_io_to() the instruction @len bytes on
 * @vcpu: the vCPU, RIP at the instruction
 * @len: its length
 *
 * Return: as iob_retire_io_to().
 */
int iob_retire_io(struct kvm_vcpu *vcpu, unsigned int len)
{
	return iob_retire_io_to(vcpu, kvm_rip_read(vcpu) + len);
}

/**
 * iob_pio_user() - an access for userspace, set up as
 * emulator_pio_in_out() sets it up
 * @vcpu: the vCPU
 * @vs: its block state: the access is left pending there for resume.c
 * @size: access size
 * @port: port
 * @in: 1 for IN
 * @val: the OUT's data
 *
 * The OUT's data, or zeroes for an IN, in the PIO data page.
 *
 * Return: 0 (exit to userspace).
 */
int iob_pio_user(struct kvm_vcpu *vcpu, struct iob_vcpu *vs, int size,
		 u16 port, int in, unsigned long val)
{
	struct kvm_run *run = vcpu->run;

	vcpu->arch.pio.port = port;
	vcpu->arch.pio.in = in;
	vcpu->arch.pio.count = 1;
	vcpu->arch.pio.size = size;
	if (in)
		memset(vcpu->arch.pio_data, 0, size);
	else
		memcpy(vcpu->arch.pio_data, &val, size);
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	run->io.count = 1;
	run->io.port = port;
	vs->pending = in ? IOB_PENDING_IN : IOB_PENDING_OUT;
	return 0;
}

/* kvm_io_bus_cmp() of virt/kvm/kvm_main.c, the order of a bus's ranges */
static int iob_io_range_cmp(const void *key, const void *elt)
{
	const struct kvm_io_range *r1 = key, *r2 = elt;
	gpa_t addr1 = r1->addr, addr2 = r2->addr;

	if (addr1 < addr2)
		return -1;
	/* a range of length 0 matches its address alone */
	if (r2->len) {
		addr1 += r1->len;
		addr2 += r2->len;
	}
	return addr1 > addr2;
}

/**
 * iob_pio_bus_has_dev() - may a device on KVM's PIO bus take this access
 * @vcpu: the vCPU, in its KVM_RUN (kvm->srcu held)
 * @port: the port
 * @len: the access size
 *
 * The search that kvm_io_bus_write() and kvm_io_bus_read() start with
 * (kvm_io_bus_get_first_dev()): the same bsearch() over the bus's sorted
 * ranges with the same compare, inlined. KVM's took about 230
 * instructions for a port no device covers, every port QEMU handles (its
 * compare is an indirect call: bsearch() is out of line).
 *
 * Return: false when KVM's bus finds no device for the access; true when
 * it finds one (which may still decline it).
 */
bool iob_pio_bus_has_dev(struct kvm_vcpu *vcpu, u16 port, int len)
{
	struct kvm_io_range key = { .addr = port, .len = len };
	struct kvm_io_bus *bus;

	bus = srcu_dereference(vcpu->kvm->buses[KVM_PIO_BUS],
			       &vcpu->kvm->srcu);
	return bus && __inline_bsearch(&key, bus->range, bus->dev_count,
				       sizeof(key), iob_io_range_cmp);
}

/* A later OUT: KVM's PIO bus first, as emulator_pio_in_out() does. */
static int iob_pio_out(struct kvm_vcpu *vcpu, struct iob_vcpu *vs, int size,
		       u16 port, unsigned int len)
{
	unsigned long val = kvm_rax_read(vcpu);
	bool dev;

	if (iob_out_7e_quirk(vcpu, port))
		return IOB_NOT_RUN;
	dev = iob_pio_bus_has_dev(vcpu, port, size);
	if (dev && !kvm_io_bus_write(vcpu, KVM_PIO_BUS, port, size, &val))
		return iob_retire_io(vcpu, len);
	vs->out_bus_dev = dev;
	return iob_pio_user(vcpu, vs, size, port, 0, val);
}

/*
 * Does the CPU consult the TSS's I/O permission bitmap before this IO
 * instruction: in virtual-8086 mode, and in protected mode at a CPL above
 * IOPL (the emulator's emulator_bad_iopl())? The module does not read the
 * bitmap: such an IO is left to the guest, whose CPU checks it and raises
 * #GP or exits. (The exiting IO instruction passed that check already.)
 */
static bool iob_io_needs_bitmap(struct kvm_vcpu *vcpu)
{
	unsigned long rflags;

	if (!is_protmode(vcpu))
		return false;
	rflags = iob_rflags(vcpu);
	return (rflags & X86_EFLAGS_VM) ||
	       iob_cpl(vcpu) > (rflags & X86_EFLAGS_IOPL) >> X86_EFLAGS_IOPL_BIT;
}

/*
 * The exiting IO instruction went to userspace through kvm_fast_pio(),
 * which left complete_fast_pio_out() or complete_fast_pio_in() to finish
 * it: resume.c finishes it instead, as it finishes a later access, which
 * is what those do (the RIP check, the IN's merge into RAX, and
 * kvm_skip_emulated_instruction(): on SVM the next RIP the CPU gave for
 * the exit, the interrupt shadow cleared, the vPMU's count, single-step)
 * for about 190 instructions instead of about 460, most of them the vPMU
 * event call with no counter enabled (legacy teletype: 4,400 times).
 * Taken over only where that is exactly KVM's: on SVM, for one access,
 * with that next RIP the decoded one's (io_interception() took it from
 * EXITINFO2, NRIPS gives it too), and not for OUT 0x7e under
 * KVM_X86_QUIRK_OUT_7E_INC_RIP (KVM retired that one before the exit).
 * Else KVM's completion stays (IOB_PENDING_KVM).
 */
static void iob_first_io_user(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			      const struct iob_insn *insn, u16 port,
			      unsigned int len)
{
	vs->pending = IOB_PENDING_KVM;
	if (!boot_cpu_has(X86_FEATURE_SVM) || vcpu->arch.pio.count != 1 ||
	    (!insn->io_in && iob_out_7e_quirk(vcpu, port)) ||
	    iob_svm_exit_len(vcpu) != len)
		return;
	vcpu->arch.complete_userspace_io = NULL;
	vs->pending = insn->io_in ? IOB_PENDING_IN : IOB_PENDING_OUT;
	vs->io_first = true;
	vs->io_lin = vs->lin + vs->off;
	vs->io_len = len;
}

/* Return: as an exit handler, or IOB_NOT_RUN. */
static int iob_exec_io(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
		       const struct iob_insn *insn, unsigned int len)
{
	u16 port = insn->io_dx ? (u16)kvm_rdx_read(vcpu) : insn->io_port;
	int r;

	if (!vs->n_run) {
		r = iob_stock_fast_pio(vcpu, insn->io_size, port,
				       insn->io_in);
		if (!r && vcpu->arch.complete_userspace_io)
			iob_first_io_user(vcpu, vs, insn, port, len);
		return r;
	}
	if (iob_io_needs_bitmap(vcpu))
		return IOB_NOT_RUN;
	vs->io_lin = vs->lin + vs->off;
	vs->io_len = len;
	vs->io_next = kvm_rip_read(vcpu) + len;
	if (!insn->io_in)
		return iob_pio_out(vcpu, vs, insn->io_size, port, len);
	/*
	 * No device on the PIO bus covers the access: kvm_io_bus_read() would
	 * fail, KVM would go to userspace. (KVM's bus read is not exported,
	 * so an IN that may be in-kernel goes through the emulator.)
	 */
	if (!iob_pio_bus_has_dev(vcpu, port, insn->io_size))
		return iob_pio_user(vcpu, vs, insn->io_size, port, 1, 0);

	r = kvm_emulate_instruction_from_buffer(vcpu, vs->code->buf + vs->off,
						len);
	if (!r && vcpu->run->exit_reason == KVM_EXIT_IO &&
	    vcpu->arch.pio.count == 1 && vcpu->arch.pio.in) {
		/*
		 * The emulator would finish the IN from its saved decode
		 * state, blind to registers userspace changes meanwhile.
		 * Nothing is written back yet (its register cache equals
		 * the vCPU's): drop that state, resume.c finishes the IN.
		 */
		vcpu->arch.emulate_regs_need_sync_to_vcpu = false;
		vs->pending = IOB_PENDING_IN;
	}
	return r;
}

static int iob_exec_cut(struct iob_vm *vm, struct iob_vcpu *vs)
{
	vs->active = false;
	iob_count(vm, IOB_STAT_CUTS, 1);
	return 1;
}

/**
 * iob_block_unchanged() - are the block's guest bytes those it runs from
 * @vcpu: the vCPU
 * @vs: the block
 * @from: offset of the first byte to compare
 *
 * Reads the guest physical page an instruction fetch at those addresses
 * would read now (the block's translation, kept as the guest's TLB keeps
 * it: guest.c), so a write through any alias is seen.
 *
 * Return: true when the guest bytes from @from to the end equal vs->code->buf.
 */
bool iob_block_unchanged(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			 unsigned int from)
{
	bool copied = false, same;

	if (from >= vs->size)
		return true;
	same = iob_guest_equal(vcpu, vs, vs->lin + from, vs->code->buf + from,
			       vs->size - from, &copied);
	if (copied)
		iob_count(vs->vm, IOB_STAT_CODE_COPIED, 1);
	return same;
}

/* May the instruction at vs->off run as part of the block? */
static bool iob_exec_may_run(const struct iob_vcpu *vs)
{
	if (vs->trace)
		return iob_trace_has(iob_map(vs), vs->off);
	return vs->off < vs->size;
}

/*
 * After a trace's instruction ran: where it went. Return: false when the
 * trace must end (it wrote into its own code).
 */
static bool iob_trace_step(struct kvm_vcpu *vcpu, struct iob_vm *vm,
			   struct iob_vcpu *vs, const struct iob_insn *insn)
{
	unsigned long off = kvm_rip_read(vcpu) - vs->rip0;

	if (insn->kind == IOB_INSN_JUMP && off != vs->off + insn->len)
		iob_count(vm, IOB_STAT_JUMPS, 1);
	/*
	 * Hardware fetches the next instruction from memory as it is now:
	 * after a store into the hashed bytes, the copy is stale.
	 */
	if (insn->mem_write && !iob_block_unchanged(vcpu, vs, 0)) {
		iob_count(vm, IOB_STAT_SMC, 1);
		return false;
	}
	vs->off = off < vs->size ? off : vs->size;
	return true;
}

/**
 * iob_decode_at() - the decode of the block's instruction at @off
 * @vs: the block, @off < @vs->size
 * @off: offset in @vs->code->buf
 * @insn: result
 *
 * A decode costs about 200 instructions (measured under -icount), and a
 * trace runs the same few instructions round after round, each round
 * after a userspace exit: decodes of @vs->code->buf are kept in
 * @vs->code->dc until it is filled anew (batch.c empties them).
 *
 * Return: the length, or 0 when undecodable or truncated.
 */
int iob_decode_at(struct iob_vcpu *vs, unsigned int off,
		  struct iob_insn *insn)
{
	const struct iob_insn *d = iob_decode_ref(vs, off);

	if (!d)
		return 0;
	*insn = *d;
	return d->len;
}

/**
 * iob_decode_fill() - decode the block's instruction at @off into the cache
 * @vs: the block, @off < @vs->size
 * @off: offset in @vs->code->buf
 *
 * The slow path of iob_decode_ref().
 *
 * Return: the decode in its cache slot, or NULL when undecodable or
 * truncated.
 */
const struct iob_insn *iob_decode_fill(struct iob_vcpu *vs, unsigned int off)
{
	unsigned int i = off % IOB_DCACHE;
	struct iob_insn *insn = &vs->code->dc[i];

	vs->code->dc_valid &= ~BIT_ULL(i);
	if (iob_decode(vs->code->buf + off, vs->size - off, vs->mode,
		       insn) <= 0)
		return NULL;
	vs->code->dc_off[i] = off;
	vs->code->dc_valid |= BIT_ULL(i);
	vs->code->dc_nofold &= ~BIT_ULL(i);
	return insn;
}

/* Is @insn one the block may run (as the scan found it, and here)? */
static bool iob_exec_allowed(struct kvm_vcpu *vcpu, const struct iob_vcpu *vs,
			     const struct iob_insn *insn)
{
	if (insn->kind == IOB_INSN_PLAIN || insn->kind == IOB_INSN_IO)
		return true;
	if (!vs->trace ||
	    (insn->kind != IOB_INSN_MEM && insn->kind != IOB_INSN_JUMP))
		return false;
	/* A segment load is simple in real mode only (scan.h) */
	return !insn->sreg_load || !is_protmode(vcpu);
}

/*
 * The trace ended (its bound, or control left it) after more than half
 * of max_insns instructions since its last IO instruction: work the guest
 * would have done natively, for free, and no exit saved by it. The scan
 * sees the shortest path to the next IO, not how often an inner loop runs
 * on it; so the site is remembered as "no block here" (until its bytes
 * change or its entry is evicted) and its exits go to stock KVM.
 */
static void iob_trace_wasted(struct iob_vm *vm, struct iob_vcpu *vs)
{
	struct iob_desc d = vs->code->last;

	iob_count(vm, IOB_STAT_TRACE_DROPPED, 1);
	if (!d.size || d.key.lin != vs->lin + d.back)
		return;
	d.size = 0;
	d.n_io = 1;
	d.n_insns = 1;
	vs->code->last.size = 0;
	iob_table_store(vm, &d);
}

/*
 * The trace's cost rule. KVM's emulator costs about as much per
 * instruction (context set-up, decode, callbacks: ~2,300 instructions)
 * as the exit it might save (~1,800 plus the world switch;
 * Documentation/bench.rst). A trace ends before an instruction @insn at
 * vs->off that the executor cannot run when the next instruction of the
 * trace is none of the executor's either: two such in a row cost more
 * than letting the guest run them and exit at its next IO instruction.
 * (iob_trace_tail() ends it earlier in a routine's tail.) Out of line:
 * only instructions bound for the emulator pay for it.
 */
static noinline bool iob_exec_too_costly(struct iob_vcpu *vs,
					 const struct iob_insn *insn)
{
	unsigned int off = vs->off + insn->len;
	const struct iob_insn *next;

	if (!iob_trace_has(iob_map(vs), off))
		return false;
	next = iob_decode_ref(vs, off);
	return next && next->kind != IOB_INSN_IO &&
	       next->op == IOB_OP_EMULATE;
}

/*
 * Is @insn at vs->off in a routine's tail: IO can be reached from it only
 * through a RET (iob_trace_via_ret()), and it is not that RET? The scan
 * lets a RET return after any CALL of the window, but after the last IO
 * of a firmware helper it mostly returns to a caller elsewhere, and the
 * instructions on the way, direct or emulated, are pure loss: the trace
 * ends before them (SeaVGABIOS's cursor update ran three direct ones and
 * stopped at a MOVZX for each character). The RET itself runs: it may
 * return after a CALL of the window, where IO follows.
 */
static __always_inline bool iob_trace_tail(const struct iob_vcpu *vs,
					   const struct iob_insn *insn)
{
	return iob_trace_via_ret(iob_map(vs), vs->off) &&
	       !(insn->kind == IOB_INSN_JUMP && insn->jump == IOB_JUMP_RET);
}

/*
 * An access of the trace went to userspace: would the trace end at once,
 * before the instruction at vs->off, when it resumed there? Then it ends
 * now. The completion only finishes the access (KVM's own for the first
 * IO instruction, resume.c's for a later one), and the guest runs that
 * instruction itself, as after the resume; the resume would have checked
 * events and compared the block's bytes (about 500 instructions) to run
 * nothing. SeaVGABIOS's cursor update made one such resume per character:
 * after its last OUT comes a routine's tail (iob_trace_tail()).
 */
static noinline bool iob_trace_ends_next(struct iob_vcpu *vs)
{
	const struct iob_insn *next;

	if (!iob_trace_via_ret(iob_map(vs), vs->off))
		return false;
	next = iob_decode_ref(vs, vs->off);
	return next && iob_trace_tail(vs, next);
}

/*
 * The vPMU's counts of an instruction the executor ran (direct.c), as the
 * emulator's write back counts them: a branch also as a branch, taken or
 * not (the emulator's is_branch: Jcc, JMP, LOOP, JCXZ).
 */
static void iob_direct_pmu(struct kvm_vcpu *vcpu, const struct iob_insn *insn)
{
	iob_pmu_insn_retired(vcpu);
	if (insn->kind == IOB_INSN_JUMP)
		iob_pmu_branch_retired(vcpu);
}

/**
 * iob_exec_block() - run a block from vs->off to its end
 * @vcpu: the vCPU
 * @vm: its VM
 * @vs: the block, active
 * @checked: events were just checked at this instruction boundary
 *
 * A straight line runs to its end; a trace runs while the next
 * instruction is one of its own (struct iob_trace), at most max_insns
 * instructions per entry into the kernel.
 *
 * Return: 1 to re-enter the guest, 0 to exit to userspace (with an access
 * pending, iob_complete_userspace_io() finishes it and goes on), < 0 on
 * error, as KVM's exit handlers do.
 */
int iob_exec_block(struct kvm_vcpu *vcpu, struct iob_vm *vm,
		   struct iob_vcpu *vs, bool checked)
{
	unsigned int max = READ_ONCE(iob_max_insns), n_now = 0;
	bool direct = false;	/* the last instruction ran in direct.c */

	/*
	 * Only a WRMSR (no block runs one) or userspace (between two
	 * entries) enables a vPMU counter: once per entry is enough.
	 */
	vs->pmu_on = iob_pmu_counting(vcpu);
	while (iob_exec_may_run(vs)) {
		const struct iob_insn *insn;
		unsigned int len;
		u64 next;
		int r;

		if (vs->n_run && !checked &&
		    (direct ? iob_guest_event_after_direct(vcpu) :
			      iob_guest_event_pending(vcpu)))
			return iob_exec_cut(vm, vs);
		checked = false;
		direct = false;
		if (vs->trace && n_now >= max)
			break;
		/*
		 * By reference: no decode below lands in its slot before the
		 * last use of @insn (the next instruction's is another slot;
		 * fold.c's, which may reach further, come after it).
		 */
		insn = iob_decode_ref(vs, vs->off);
		if (!insn || !iob_exec_allowed(vcpu, vs, insn))
			return iob_exec_cut(vm, vs); /* the scan said otherwise */
		if (vs->trace && iob_trace_tail(vs, insn))
			break;
		len = insn->len;
		next = vs->lin + vs->off + len;

		vs->pending = IOB_PENDING_NONE;
		if (insn->kind == IOB_INSN_IO) {
			r = iob_exec_io(vcpu, vs, insn, len);
		} else if (iob_exec_direct(vcpu, vs, insn)) {
			iob_count(vm, IOB_STAT_DIRECT, 1);
			if (vs->pmu_on)
				iob_direct_pmu(vcpu, insn);
			direct = true;
			r = 1;
		} else {
			/*
			 * A jump taken out of the block: the trace ends before
			 * it, and the guest jumps itself (and checks the CS
			 * limit). KVM's emulator ran it for nothing: about
			 * 2,300 instructions, 300 to 500 times per legacy
			 * workload (SeaVGABIOS's JE at 0xc0d35, twice per
			 * character of teletype).
			 */
			if (vs->jump_out) {
				vs->jump_out = false;
				break;
			}
			if (vs->trace && iob_exec_too_costly(vs, insn))
				break;
			r = kvm_emulate_instruction_from_buffer(vcpu,
					vs->code->buf + vs->off, len);
		}
		if (r == IOB_NOT_RUN)
			return iob_exec_cut(vm, vs);
		iob_count(vm, IOB_STAT_INSNS, 1);
		vs->since_io++;
		if (insn->kind == IOB_INSN_IO) {
			iob_count(vm, IOB_STAT_IO_BATCHED, 1);
			if (vs->n_run)
				iob_count(vm, IOB_STAT_EXITS_SAVED, 1);
			vs->since_io = 0;
		}
		vs->n_run++;
		n_now++;
		/* not after the exiting OUT, which KVM set up */
		if (!r && vs->pending == IOB_PENDING_OUT && !vs->io_first)
			iob_fold_outs(vcpu, vm, vs, &len);

		if (r <= 0) {
			vs->off += len;
			vs->active = !r && vs->pending && iob_exec_may_run(vs);
			/* out of line: inlined, it cost palette 0.7% */
			if (vs->active && vs->trace && iob_trace_ends_next(vs))
				vs->active = false;
			if (!r && vs->pending)
				iob_resume_after_userspace(vcpu, vs);
			return r;
		}
		if (vs->trace) {
			if (!iob_trace_step(vcpu, vm, vs, insn))
				break;
			continue;
		}
		vs->off += len;
		/* A fault was injected, or the emulator went elsewhere. */
		if (kvm_get_linear_rip(vcpu) != next)
			return iob_exec_cut(vm, vs);
	}
	if (vs->trace && vs->since_io > max / 2)
		iob_trace_wasted(vm, vs);
	vs->active = false;
	return 1;
}
