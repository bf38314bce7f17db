// SPDX-License-Identifier: GPL-2.0
/*
 * The executor's direct paths: register moves, ALU instructions, TEST,
 * INC/DEC, SETcc, LEA and jumps of a block run here, without KVM's
 * emulator, whose entry, decode and write back cost about two thousand
 * instructions each time (measured
 * under -icount: Documentation/bench.rst), more than the VM exit a block
 * saves.
 *
 * - The arithmetic runs on the host CPU with the guest's arithmetic flags
 *   loaded, as the emulator's fastop does (alu.c), so results and flags
 *   are the CPU's own, undefined flags included.
 * - RFLAGS is written the way the emulator's write back writes it
 *   (__kvm_set_rflags(): no KVM_REQ_EVENT, which only a change of IF
 *   needs; these instructions change the six arithmetic flags only). KVM
 *   exports only kvm_set_rflags(), which raises KVM_REQ_EVENT and so would
 *   end the block at its next boundary; on SVM the module writes the
 *   VMCB's RFLAGS as svm_set_rflags() does. On VMX (vmx_set_rflags() also
 *   keeps real-mode and cache state) flag-writing instructions stay with
 *   the emulator.
 * - A load (MOV reg, [mem]) without paging reads guest RAM as the
 *   emulator would, after the same segment checks; MOV to ES/DS/FS/GS in
 *   real mode sets the base as the emulator does. Anything else about
 *   memory (paging, MMIO, faults, stores) stays with the emulator.
 * - A jump is done here only when its target lies in the block's own
 *   bytes (so inside the CS limit, which the window was clipped to, and
 *   canonical); before a jump taken elsewhere the trace ends (exec.c),
 *   and the guest jumps itself, its CPU checking the target. LOOP in
 *   64-bit code (the upper half of RCX) is left to the emulator.
 * RFLAGS.RF set (an instruction restarted after a fault) leaves every
 * instruction to the emulator, which clears it. Each instruction is
 * retired as the emulator retires it: RIP, the vPMU's instruction (and
 * branch) count, the L1D flush hint.
 */
#include <asm/apicdef.h>
#include <asm/desc.h>
#include <linux/kvm_host.h>

#include "kvm_cache_regs.h"	/* KVM private: kvm_register_*_raw() */
#include "x86.h"	/* KVM private: kvm_rip_*() */
#include "svm/svm.h"	/* KVM private: to_svm() */
#include "iobatch.h"
#include "vcpu_state.h"

/*
 * A register as struct iob_insn numbers it (AH..BH: the byte itself).
 * Inlined, as iob_reg_write(): a call cost about a third of a register
 * move (legacy teletype: 15,800 writes).
 */
static __always_inline unsigned long iob_reg_read(struct kvm_vcpu *vcpu, u8 reg)
{
	if (reg >= IOB_REG_AH)	/* AH, CH, DH, BH */
		return (kvm_register_read_raw(vcpu, reg - IOB_REG_AH) >> 8) &
		       0xff;
	return kvm_register_read_raw(vcpu, reg);
}

/* Write @size bytes of @val as the emulator does (32-bit zero-extends). */
static __always_inline void iob_reg_write(struct kvm_vcpu *vcpu, u8 reg,
					  unsigned int size, unsigned long val)
{
	unsigned long old;

	if (reg >= IOB_REG_AH) {
		reg -= IOB_REG_AH;
		old = kvm_register_read_raw(vcpu, reg);
		val = (old & ~0xff00UL) | ((val & 0xff) << 8);
	} else if (size < 4) {
		old = kvm_register_read_raw(vcpu, reg);
		val = (old & ~((1UL << (8 * size)) - 1)) |
		      (val & ((1UL << (8 * size)) - 1));
	} else if (size == 4) {
		val = (u32)val;
	}
	kvm_register_write_raw(vcpu, reg, val);
}

/**
 * iob_exec_move() - run a register move without KVM's emulator
 * @vcpu: the vCPU, RIP at the instruction, RFLAGS.RF clear
 * @insn: its decode, IOB_OP_MOV_IMM or IOB_OP_MOV_REG
 *
 * The emulator's entry, decode and write back cost about a thousand
 * instructions each time. A move writes one register and no flags; what
 * the emulator's write back would also do is moot inside a block (no
 * interrupt shadow, no pending exception, no single-step) or done here:
 * RIP, KVM's L1D flush hint after emulation; the vPMU's count is the
 * caller's (exec.c counts it when a counter is enabled, fold.c folds
 * only when none is). It cannot fail (fold.c relies on that).
 */
void iob_exec_move(struct kvm_vcpu *vcpu, const struct iob_insn *insn)
{
	unsigned long val;

	if (insn->op == IOB_OP_MOV_IMM)
		val = insn->op_imm;
	else
		val = iob_reg_read(vcpu, insn->op_src);
	iob_reg_write(vcpu, insn->op_dst, insn->op_size, val);
	kvm_rip_write(vcpu, kvm_rip_read(vcpu) + insn->len);
	vcpu->arch.l1tf_flush_l1d = true;
}

/*
 * Can RFLAGS be written as __kvm_set_rflags() writes it? On SVM, unless
 * KVM single-steps the guest to open an NMI window (it then owns TF/RF).
 */
static bool iob_flags_writable(struct kvm_vcpu *vcpu)
{
	return boot_cpu_has(X86_FEATURE_SVM) && !to_svm(vcpu)->nmi_singlestep;
}

static void iob_write_flags(struct kvm_vcpu *vcpu, unsigned long rflags)
{
	to_svm(vcpu)->vmcb->save.rflags = rflags;
}

/* x86 condition @cc (0-15, the Jcc/SETcc/CMOVcc encoding) on @f. */
static bool iob_cond(unsigned int cc, unsigned long f)
{
	bool of = f & X86_EFLAGS_OF, sf = f & X86_EFLAGS_SF;
	bool zf = f & X86_EFLAGS_ZF, cf = f & X86_EFLAGS_CF;
	bool r;

	switch (cc >> 1) {
	case 0:
		r = of;
		break;
	case 1:
		r = cf;
		break;
	case 2:
		r = zf;
		break;
	case 3:
		r = cf || zf;
		break;
	case 4:
		r = sf;
		break;
	case 5:
		r = f & X86_EFLAGS_PF;
		break;
	case 6:
		r = sf != of;
		break;
	default:
		r = zf || sf != of;
		break;
	}
	return cc & 1 ? !r : r;
}

/*
 * Retire a directly run instruction as the emulator's write back does
 * (the vPMU's counts are exec.c's, as for iob_exec_move()).
 */
static void iob_direct_retire(struct kvm_vcpu *vcpu, unsigned long rip)
{
	kvm_rip_write(vcpu, rip);
	vcpu->arch.l1tf_flush_l1d = true;
}

static unsigned long iob_size_mask(unsigned int size)
{
	return size >= 8 ? ~0UL : (1UL << (8 * size)) - 1;
}

/* An ALU or shift instruction's end: result (unless @compare), flags, RIP */
static bool iob_direct_alu_done(struct kvm_vcpu *vcpu,
				const struct iob_insn *in, unsigned long r,
				bool compare, unsigned long rflags)
{
	if (!compare)
		iob_reg_write(vcpu, in->op_dst, in->op_size, r);
	iob_write_flags(vcpu, rflags);
	iob_direct_retire(vcpu, kvm_rip_read(vcpu) + in->len);
	return true;
}

static bool iob_direct_shift(struct kvm_vcpu *vcpu, const struct iob_insn *in,
			     unsigned long rflags)
{
	u8 count = in->op_has_imm ? in->op_imm : kvm_rcx_read(vcpu);
	unsigned long r;

	r = iob_shift(in->op_alu, in->op_size, iob_reg_read(vcpu, in->op_dst),
		      count, &rflags);
	return iob_direct_alu_done(vcpu, in, r, false, rflags);
}

static bool iob_direct_alu(struct kvm_vcpu *vcpu, const struct iob_insn *in)
{
	unsigned long rflags = iob_rflags(vcpu), a, b = 0, r;
	unsigned int op;

	if (!iob_flags_writable(vcpu))
		return false;
	switch (in->op) {
	case IOB_OP_ALU:
		op = in->op_alu;
		break;
	case IOB_OP_TEST:
		op = IOB_ALU_TEST;
		break;
	case IOB_OP_INC:
		op = IOB_ALU_INC;
		break;
	case IOB_OP_SHIFT:
		return iob_direct_shift(vcpu, in, rflags);
	default:
		op = IOB_ALU_DEC;
		break;
	}
	a = iob_reg_read(vcpu, in->op_dst);
	if (in->op == IOB_OP_ALU || in->op == IOB_OP_TEST)
		b = in->op_has_imm ? in->op_imm : iob_reg_read(vcpu, in->op_src);
	r = iob_alu(op, in->op_size, a, b, &rflags);
	return iob_direct_alu_done(vcpu, in, r,
				   op == IOB_ALU_CMP || op == IOB_ALU_TEST,
				   rflags);
}

static bool iob_direct_jump(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			    const struct iob_insn *in)
{
	unsigned long rip = kvm_rip_read(vcpu), next = rip + in->len;
	unsigned long cx = 0, amask = iob_size_mask(in->op_adsz);
	bool taken = true;
	unsigned long target;

	if (in->op == IOB_OP_JCC) {
		taken = iob_cond(in->op_alu, iob_rflags(vcpu));
	} else if (in->op == IOB_OP_LOOP) {
		if (vs->mode == IOB_MODE_64)
			return false;
		cx = kvm_rcx_read(vcpu);
		if (in->op_alu != 3)	/* LOOPcc and LOOP count down */
			cx = (cx & ~amask) | ((cx - 1) & amask);
		taken = in->op_alu == 3 ? !(cx & amask) :
			(cx & amask) &&
			(in->op_alu == 2 ||
			 (in->op_alu == 1) ==
			 !!(iob_rflags(vcpu) & X86_EFLAGS_ZF));
	}
	target = next;
	if (taken) {
		target = (next + in->rel) & iob_size_mask(in->op_size);
		/* Elsewhere: the guest jumps itself (exec.c) */
		if (target - vs->rip0 >= vs->size) {
			vs->jump_out = true;
			return false;
		}
	}
	if (in->op == IOB_OP_LOOP && in->op_alu != 3)
		kvm_rcx_write(vcpu, cx);
	iob_direct_retire(vcpu, target);
	return true;
}

/**
 * iob_seg_get() - a segment register as KVM's emulator sees it
 * @vcpu: the vCPU
 * @seg: VCPU_SREG_*
 * @sel: its selector
 * @desc: its descriptor
 *
 * As the emulator's get_segment callback returns it
 * (emulator_get_segment() of svm_get_segment(): the limit in its 20-bit
 * descriptor form, G synthesized from the limit, the accessed bit set in
 * DS and ES, SS's DPL from the CPL, false and all zero when not present),
 * read from the VMCB on SVM for ES, CS, SS and DS: the callback chain
 * costs about 190 instructions a call, and a real-mode BIOS loop makes
 * one or two per access (Documentation/bench.rst), a block start one for
 * CS. FS and GS (kept in vmcb01) and VMX go through the callback.
 *
 * Return: false when the segment is unusable (@desc all zero).
 */
bool iob_seg_get(struct kvm_vcpu *vcpu, int seg, u16 *sel,
		 struct desc_struct *desc)
{
	struct x86_emulate_ctxt *ctxt = vcpu->arch.emulate_ctxt;
	const struct vmcb_save_area *save;
	const struct vmcb_seg *s;
	u32 base3, limit;
	u16 attr;

	if (!boot_cpu_has(X86_FEATURE_SVM) || seg > VCPU_SREG_DS)
		return ctxt && ctxt->ops->get_segment(ctxt, sel, desc, &base3,
						      seg);
	save = &to_svm(vcpu)->vmcb->save;
	s = iob_vmcb_seg(vcpu, seg);
	attr = s->attrib;
	*sel = s->selector;
	memset(desc, 0, sizeof(*desc));
	if (!((attr >> SVM_SELECTOR_P_SHIFT) & 1))
		return false;
	limit = s->limit;
	desc->g = limit > 0xfffff;
	set_desc_limit(desc, desc->g ? limit >> 12 : limit);
	set_desc_base(desc, (u32)s->base);
	desc->type = attr & SVM_SELECTOR_TYPE_MASK;
	if (seg == VCPU_SREG_ES || seg == VCPU_SREG_DS)
		desc->type |= 1;
	desc->s = (attr >> SVM_SELECTOR_S_SHIFT) & 1;
	desc->dpl = seg == VCPU_SREG_SS ? save->cpl :
		    (attr >> SVM_SELECTOR_DPL_SHIFT) & 3;
	desc->p = 1;
	desc->avl = (attr >> SVM_SELECTOR_AVL_SHIFT) & 1;
	desc->l = (attr >> SVM_SELECTOR_L_SHIFT) & 1;
	desc->d = (attr >> SVM_SELECTOR_DB_SHIFT) & 1;
	return true;
}

/**
 * iob_seg_flat_slow() - iob_seg_flat() through iob_seg_get()
 * @vcpu: the vCPU
 * @seg: VCPU_SREG_*
 * @base: its base (32 bits)
 * @limit: its limit, in bytes
 * @type: its descriptor type
 *
 * For FS and GS, and on VMX.
 *
 * Return: false when the segment is unusable.
 */
bool iob_seg_flat_slow(struct kvm_vcpu *vcpu, int seg, u32 *base, u32 *limit,
		       unsigned int *type)
{
	struct desc_struct desc;
	u16 sel;

	if (!iob_seg_get(vcpu, seg, &sel, &desc))
		return false;
	*type = desc.type;
	*limit = get_desc_limit(&desc);
	if (desc.g)
		*limit = (*limit << 12) | 0xfff;
	*base = get_desc_base(&desc);
	return true;
}

/*
 * A memory operand's effective address (offset in its segment), as the
 * emulator's decode_modrm() forms it: base + index << scale + disp, at
 * the address size.
 */
static unsigned long iob_mem_ea(struct kvm_vcpu *vcpu,
				const struct iob_insn *in)
{
	unsigned long ea = (unsigned long)(long)in->mem_disp;

	if (in->mem_base != IOB_REG_NONE)
		ea += kvm_register_read_raw(vcpu, in->mem_base);
	if (in->mem_index != IOB_REG_NONE)
		ea += kvm_register_read_raw(vcpu, in->mem_index) <<
		      in->mem_scale;
	return ea & iob_size_mask(in->op_adsz);
}

/*
 * A load's or a store's linear address, as the emulator's __linearize()
 * forms and checks it outside 64-bit mode: false when the segment would
 * fault or is one this path leaves to the emulator (expand-down,
 * unreadable code; for a store any code segment, which real mode would
 * let it write, and a read-only one).
 */
static bool iob_mem_linear(struct kvm_vcpu *vcpu, const struct iob_insn *in,
			   bool write, unsigned long *lin)
{
	unsigned long ea = iob_mem_ea(vcpu, in);
	unsigned int type;
	u32 lim, base;

	if (!iob_seg_flat(vcpu, in->mem_seg, &base, &lim, &type))
		return false;
	if (((type & 8) && !(type & 2)) ||	/* unreadable code */
	    (!(type & 8) && (type & 4)))	/* expand-down */
		return false;
	if (write && ((type & 8) || !(type & 2)))
		return false;
	if (ea > lim || in->op_size - 1 > lim - ea)
		return false;
	*lin = (u32)(base + ea);
	return true;
}

/*
 * LEA: the emulator's em_lea() writes the effective address at the
 * operand size, and touches no memory, segment or flag. (SeaBIOS forms
 * its PCI and ATA port numbers with it between two IO instructions.)
 */
static bool iob_direct_lea(struct kvm_vcpu *vcpu, const struct iob_insn *in)
{
	iob_reg_write(vcpu, in->op_dst, in->op_size, iob_mem_ea(vcpu, in));
	iob_direct_retire(vcpu, kvm_rip_read(vcpu) + in->len);
	return true;
}

/* SETcc r8: the condition on the flags, as em_setcc() writes it. */
static bool iob_direct_setcc(struct kvm_vcpu *vcpu, const struct iob_insn *in)
{
	iob_reg_write(vcpu, in->op_dst, 1, iob_cond(in->op_alu,
						    iob_rflags(vcpu)));
	iob_direct_retire(vcpu, kvm_rip_read(vcpu) + in->len);
	return true;
}

/*
 * MOV reg, [mem] without paging (a linear address is a guest physical
 * one): guest RAM is read as the emulator reads it; MMIO (no memslot,
 * the APIC page) and an access across a page are left to the emulator.
 */
static bool iob_direct_load(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			    const struct iob_insn *in)
{
	unsigned long lin, val = 0;

	if (is_paging(vcpu) || !iob_mem_linear(vcpu, in, false, &lin))
		return false;
	if ((lin & ~PAGE_MASK) + in->op_size > PAGE_SIZE ||
	    (lin & PAGE_MASK) == APIC_DEFAULT_PHYS_BASE ||
	    !iob_ram_read(vcpu, vs, lin, in->op_size, &val))
		return false;
	iob_reg_write(vcpu, in->op_dst, in->op_size, val);
	iob_direct_retire(vcpu, kvm_rip_read(vcpu) + in->len);
	return true;
}

/*
 * MOV [mem], reg without paging, as the emulator's write back writes
 * guest RAM (emulator_write_phys()), while no write tracking needs to see
 * it (iob_write_tracked()). MMIO, a read-only memslot (the write fails),
 * the APIC page and an access across a page are left to the emulator.
 * Dirty logging is kvm_vcpu_write_guest()'s, as for the emulator. A store
 * into the block's own code is seen afterwards (exec.c), as after any
 * store.
 */
static bool iob_direct_store(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			     const struct iob_insn *in)
{
	unsigned long lin, val;

	if (is_paging(vcpu) || iob_write_tracked(vcpu->kvm) ||
	    !iob_mem_linear(vcpu, in, true, &lin))
		return false;
	if ((lin & ~PAGE_MASK) + in->op_size > PAGE_SIZE ||
	    (lin & PAGE_MASK) == APIC_DEFAULT_PHYS_BASE)
		return false;
	val = iob_reg_read(vcpu, in->op_src);
	if (!iob_ram_write(vcpu, vs, lin, in->op_size, val))
		return false;
	iob_direct_retire(vcpu, kvm_rip_read(vcpu) + in->len);
	return true;
}

/*
 * The emulator's set_segment callback for ES or DS on SVM, written into
 * the VMCB: what svm_set_segment() makes of emulator_set_segment()'s
 * struct kvm_segment (limit in bytes, present unless unusable), without
 * the callback chain (about 250 instructions a call).
 */
static void iob_seg_set_vmcb(struct kvm_vcpu *vcpu, int seg, u16 sel,
			     const struct desc_struct *desc)
{
	struct vmcb_seg *s = iob_vmcb_seg(vcpu, seg);
	u32 limit = get_desc_limit(desc);

	if (desc->g)
		limit = (limit << 12) | 0xfff;
	s->base = get_desc_base(desc);
	s->limit = limit;
	s->selector = sel;
	s->attrib = (desc->type & SVM_SELECTOR_TYPE_MASK) |
		    (desc->s & 1) << SVM_SELECTOR_S_SHIFT |
		    (desc->dpl & 3) << SVM_SELECTOR_DPL_SHIFT |
		    (desc->p & 1) << SVM_SELECTOR_P_SHIFT |
		    (desc->avl & 1) << SVM_SELECTOR_AVL_SHIFT |
		    (desc->l & 1) << SVM_SELECTOR_L_SHIFT |
		    (desc->d & 1) << SVM_SELECTOR_DB_SHIFT |
		    (desc->g & 1) << SVM_SELECTOR_G_SHIFT;
	vmcb_mark_dirty(to_svm(vcpu)->vmcb, VMCB_SEG);
}

/*
 * MOV ES/DS/FS/GS, reg in real mode: the base becomes selector x 16, the
 * rest of the cached descriptor stays (unreal mode), as the emulator's
 * load_segment_descriptor() does in real mode.
 */
static bool iob_direct_sreg(struct kvm_vcpu *vcpu, const struct iob_insn *in)
{
	struct x86_emulate_ctxt *ctxt = vcpu->arch.emulate_ctxt;
	u16 sel = kvm_register_read_raw(vcpu, in->op_src), old;
	int seg = in->op_alu;
	struct desc_struct desc;

	if (is_protmode(vcpu) || !ctxt)
		return false;
	iob_seg_get(vcpu, seg, &old, &desc);	/* zero when unusable */
	set_desc_base(&desc, (u32)sel << 4);
	if (boot_cpu_has(X86_FEATURE_SVM) &&
	    (seg == VCPU_SREG_ES || seg == VCPU_SREG_DS))
		iob_seg_set_vmcb(vcpu, seg, sel, &desc);
	else
		ctxt->ops->set_segment(ctxt, sel, &desc, 0, seg);
	iob_direct_retire(vcpu, kvm_rip_read(vcpu) + in->len);
	return true;
}

/**
 * iob_exec_direct() - run an instruction without the emulator
 * @vcpu: the vCPU, RIP at the instruction
 * @vs: its block
 * @insn: the instruction's decode
 *
 * Return: true when done; false when it is left to KVM's emulator
 * (nothing was changed).
 */
bool iob_exec_direct(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
		     const struct iob_insn *insn)
{
	if (iob_rflags(vcpu) & X86_EFLAGS_RF)
		return false;
	switch (insn->op) {
	case IOB_OP_MOV_IMM:
	case IOB_OP_MOV_REG:
		iob_exec_move(vcpu, insn);
		return true;
	case IOB_OP_ALU:
	case IOB_OP_TEST:
	case IOB_OP_INC:
	case IOB_OP_DEC:
	case IOB_OP_SHIFT:
		return iob_direct_alu(vcpu, insn);
	case IOB_OP_JCC:
	case IOB_OP_JMP:
	case IOB_OP_LOOP:
		return vs->trace && iob_direct_jump(vcpu, vs, insn);
	case IOB_OP_LOAD:
		return iob_direct_load(vcpu, vs, insn);
	case IOB_OP_STORE:
		return vs->trace && iob_direct_store(vcpu, vs, insn);
	case IOB_OP_MOV_SREG:
		return iob_direct_sreg(vcpu, insn);
	case IOB_OP_LEA:
		return iob_direct_lea(vcpu, insn);
	case IOB_OP_SETCC:
		return iob_direct_setcc(vcpu, insn);
	default:
		return false;
	}
}
