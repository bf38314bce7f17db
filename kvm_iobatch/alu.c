// SPDX-License-Identifier: GPL-2.0
/*
 * The host CPU's ALU for direct.c: one ALU, shift or rotate instruction
 * of the guest's,
 * run on the host with the guest's six arithmetic flags loaded and read
 * back, as KVM's emulator does it (fastop, arch/x86/kvm/emulate.c): the
 * results and flags are the CPU's own, undefined flags included. The
 * host's other flags (IF, AC, DF ...) are loaded unchanged.
 *
 * Written out per operation and size, without macros (one asm statement
 * each), so that each reads as the instruction it runs.
 */
#include <asm/irqflags.h>
#include <linux/kvm_host.h>

#include "iobatch.h"

#define IOB_ARITH_FLAGS (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)


static u8 iob_alu_b(unsigned int op, u8 a, u8 b, unsigned long *fl)
{
	unsigned long f = *fl;

	switch (op) {
	case 0:
		asm("push %[f]\n\tpopf\n\taddb %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 1:
		asm("push %[f]\n\tpopf\n\torb %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 2:
		asm("push %[f]\n\tpopf\n\tadcb %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 3:
		asm("push %[f]\n\tpopf\n\tsbbb %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 4:
		asm("push %[f]\n\tpopf\n\tandb %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 5:
		asm("push %[f]\n\tpopf\n\tsubb %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 6:
		asm("push %[f]\n\tpopf\n\txorb %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 7:
		asm("push %[f]\n\tpopf\n\tcmpb %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 8:
		asm("push %[f]\n\tpopf\n\ttestb %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 9:
		asm("push %[f]\n\tpopf\n\tincb %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : : "cc");
		break;
	default:
		asm("push %[f]\n\tpopf\n\tdecb %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : : "cc");
		break;
	}
	*fl = f;
	return a;
}

static u16 iob_alu_w(unsigned int op, u16 a, u16 b, unsigned long *fl)
{
	unsigned long f = *fl;

	switch (op) {
	case 0:
		asm("push %[f]\n\tpopf\n\taddw %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 1:
		asm("push %[f]\n\tpopf\n\torw %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 2:
		asm("push %[f]\n\tpopf\n\tadcw %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 3:
		asm("push %[f]\n\tpopf\n\tsbbw %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 4:
		asm("push %[f]\n\tpopf\n\tandw %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 5:
		asm("push %[f]\n\tpopf\n\tsubw %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 6:
		asm("push %[f]\n\tpopf\n\txorw %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 7:
		asm("push %[f]\n\tpopf\n\tcmpw %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 8:
		asm("push %[f]\n\tpopf\n\ttestw %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 9:
		asm("push %[f]\n\tpopf\n\tincw %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : : "cc");
		break;
	default:
		asm("push %[f]\n\tpopf\n\tdecw %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : : "cc");
		break;
	}
	*fl = f;
	return a;
}

static u32 iob_alu_l(unsigned int op, u32 a, u32 b, unsigned long *fl)
{
	unsigned long f = *fl;

	switch (op) {
	case 0:
		asm("push %[f]\n\tpopf\n\taddl %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 1:
		asm("push %[f]\n\tpopf\n\torl %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 2:
		asm("push %[f]\n\tpopf\n\tadcl %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 3:
		asm("push %[f]\n\tpopf\n\tsbbl %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 4:
		asm("push %[f]\n\tpopf\n\tandl %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 5:
		asm("push %[f]\n\tpopf\n\tsubl %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 6:
		asm("push %[f]\n\tpopf\n\txorl %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 7:
		asm("push %[f]\n\tpopf\n\tcmpl %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 8:
		asm("push %[f]\n\tpopf\n\ttestl %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 9:
		asm("push %[f]\n\tpopf\n\tincl %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : : "cc");
		break;
	default:
		asm("push %[f]\n\tpopf\n\tdecl %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : : "cc");
		break;
	}
	*fl = f;
	return a;
}

static u64 iob_alu_q(unsigned int op, u64 a, u64 b, unsigned long *fl)
{
	unsigned long f = *fl;

	switch (op) {
	case 0:
		asm("push %[f]\n\tpopf\n\taddq %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 1:
		asm("push %[f]\n\tpopf\n\torq %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 2:
		asm("push %[f]\n\tpopf\n\tadcq %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 3:
		asm("push %[f]\n\tpopf\n\tsbbq %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 4:
		asm("push %[f]\n\tpopf\n\tandq %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 5:
		asm("push %[f]\n\tpopf\n\tsubq %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 6:
		asm("push %[f]\n\tpopf\n\txorq %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 7:
		asm("push %[f]\n\tpopf\n\tcmpq %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 8:
		asm("push %[f]\n\tpopf\n\ttestq %[s], %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : [s] "q" (b) : "cc");
		break;
	case 9:
		asm("push %[f]\n\tpopf\n\tincq %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : : "cc");
		break;
	default:
		asm("push %[f]\n\tpopf\n\tdecq %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : : "cc");
		break;
	}
	*fl = f;
	return a;
}

static u8 iob_shift_b(unsigned int op, u8 a, u8 n, unsigned long *fl)
{
	unsigned long f = *fl;

	switch (op) {
	case 0:
		asm("push %[f]\n\tpopf\n\trolb %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 1:
		asm("push %[f]\n\tpopf\n\trorb %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 2:
		asm("push %[f]\n\tpopf\n\trclb %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 3:
		asm("push %[f]\n\tpopf\n\trcrb %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 4:
		asm("push %[f]\n\tpopf\n\tshlb %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 5:
		asm("push %[f]\n\tpopf\n\tshrb %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	default:
		asm("push %[f]\n\tpopf\n\tsarb %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	}
	*fl = f;
	return a;
}

static u16 iob_shift_w(unsigned int op, u16 a, u8 n, unsigned long *fl)
{
	unsigned long f = *fl;

	switch (op) {
	case 0:
		asm("push %[f]\n\tpopf\n\trolw %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 1:
		asm("push %[f]\n\tpopf\n\trorw %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 2:
		asm("push %[f]\n\tpopf\n\trclw %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 3:
		asm("push %[f]\n\tpopf\n\trcrw %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 4:
		asm("push %[f]\n\tpopf\n\tshlw %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 5:
		asm("push %[f]\n\tpopf\n\tshrw %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	default:
		asm("push %[f]\n\tpopf\n\tsarw %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	}
	*fl = f;
	return a;
}

static u32 iob_shift_l(unsigned int op, u32 a, u8 n, unsigned long *fl)
{
	unsigned long f = *fl;

	switch (op) {
	case 0:
		asm("push %[f]\n\tpopf\n\troll %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 1:
		asm("push %[f]\n\tpopf\n\trorl %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 2:
		asm("push %[f]\n\tpopf\n\trcll %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 3:
		asm("push %[f]\n\tpopf\n\trcrl %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 4:
		asm("push %[f]\n\tpopf\n\tshll %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 5:
		asm("push %[f]\n\tpopf\n\tshrl %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	default:
		asm("push %[f]\n\tpopf\n\tsarl %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	}
	*fl = f;
	return a;
}

static u64 iob_shift_q(unsigned int op, u64 a, u8 n, unsigned long *fl)
{
	unsigned long f = *fl;

	switch (op) {
	case 0:
		asm("push %[f]\n\tpopf\n\trolq %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 1:
		asm("push %[f]\n\tpopf\n\trorq %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 2:
		asm("push %[f]\n\tpopf\n\trclq %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 3:
		asm("push %[f]\n\tpopf\n\trcrq %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 4:
		asm("push %[f]\n\tpopf\n\tshlq %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	case 5:
		asm("push %[f]\n\tpopf\n\tshrq %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	default:
		asm("push %[f]\n\tpopf\n\tsarq %%cl, %[d]\n\tpushf\n\tpop %[f]"
		    : [d] "+q" (a), [f] "+r" (f) : "c" (n) : "cc");
		break;
	}
	*fl = f;
	return a;
}

/**
 * iob_shift() - run one shift or rotate on the host CPU
 * @op: the ModRM reg field of C0/C1/D0-D3: 0 ROL, 1 ROR, 2 RCL, 3 RCR,
 *      4 SHL, 5 SHR, 7 SAR
 * @size: operand size in bytes (1, 2, 4, 8)
 * @a: the operand
 * @count: the count as the instruction has it (the CPU masks it)
 * @rflags: in: the guest's RFLAGS; out: with the arithmetic flags the
 *          operation left (the other bits unchanged)
 *
 * Return: the result, @size bytes.
 */
unsigned long iob_shift(unsigned int op, unsigned int size, unsigned long a,
			u8 count, unsigned long *rflags)
{
	unsigned long fl = (native_save_fl() & ~IOB_ARITH_FLAGS) |
			   (*rflags & IOB_ARITH_FLAGS);

	switch (size) {
	case 1:
		a = iob_shift_b(op, a, count, &fl);
		break;
	case 2:
		a = iob_shift_w(op, a, count, &fl);
		break;
	case 4:
		a = iob_shift_l(op, a, count, &fl);
		break;
	default:
		a = iob_shift_q(op, a, count, &fl);
		break;
	}
	*rflags = (*rflags & ~IOB_ARITH_FLAGS) | (fl & IOB_ARITH_FLAGS);
	return a;
}

/**
 * iob_alu() - run one ALU operation on the host CPU
 * @op: IOB_ALU_ADD ... IOB_ALU_CMP (0-7, the x86 encoding's order),
 *      IOB_ALU_TEST, IOB_ALU_INC, IOB_ALU_DEC
 * @size: operand size in bytes (1, 2, 4, 8)
 * @a: first operand (the destination)
 * @b: second operand (unused by INC and DEC)
 * @rflags: in: the guest's RFLAGS; out: with the arithmetic flags the
 *          operation left (the other bits unchanged)
 *
 * Return: the result, @size bytes (CMP and TEST: @a's value, unused).
 */
unsigned long iob_alu(unsigned int op, unsigned int size, unsigned long a,
		      unsigned long b, unsigned long *rflags)
{
	unsigned long fl = (native_save_fl() & ~IOB_ARITH_FLAGS) |
			   (*rflags & IOB_ARITH_FLAGS);

	switch (size) {
	case 1:
		a = iob_alu_b(op, a, b, &fl);
		break;
	case 2:
		a = iob_alu_w(op, a, b, &fl);
		break;
	case 4:
		a = iob_alu_l(op, a, b, &fl);
		break;
	default:
		a = iob_alu_q(op, a, b, &fl);
		break;
	}
	*rflags = (*rflags & ~IOB_ARITH_FLAGS) | (fl & IOB_ARITH_FLAGS);
	return a;
}
