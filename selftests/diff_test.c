// SPDX-License-Identifier: GPL-2.0
/*
 * diff_test: differential test of random guest programs, stock KVM against
 * kvm_iobatch.
 *
 *   diff_test --record FILE     stock KVM: run every program, save results
 *   diff_test --compare FILE    module loaded: run every program with the
 *                               default knobs and again with the largest
 *                               extent and block, compare with stock
 *   diff_test --dump SEED       write program SEED's bytes to stdout
 *   diff_test --one SEED [LAST] run programs SEED..LAST, say how they ended
 *
 * With DIFF_VERBOSE set in the environment each program's seed is printed
 * to stderr before it runs (to find the one a hang is in); with DIFF_IOLOG
 * every userspace port and MMIO access is printed after it ran; DIFF_SECS
 * bounds each run in seconds (default PROG_SECS).
 *
 * Each program is real-mode code made from a fixed seed: random register
 * setup, then a random mix of IN/OUT (imm8 and DX forms, 8/16/32-bit), the
 * register-only instructions a block may hold, runs of OUTs to one port
 * with register moves between (folded by the module), memory operands, forward
 * branches, DIV that may fault (#DE) and other block stoppers, then HLT.
 * Flags an instruction leaves undefined are defined by an ADD right after
 * it, before anything can see them: KVM's emulator runs such an
 * instruction on the host CPU with the guest's flags loaded (fastop), as
 * the guest would natively, but the TCG bed derives undefined flags from
 * its lazy flag state, which differs between the two paths (seen: BT's OF
 * after IMUL, program 92 of the run that added OUT runs).
 * (No #UD, INT3: on the TCG test bed, those in a real-mode L2 guest now
 * and then wedge the L1 kernel, with stock KVM as well.) Every exception vector points at a HLT, so every program ends.
 * The final registers and segment registers, all of guest RAM and the
 * userspace IO sequence must be identical with and without the module. For odd seeds the VMM reads
 * the registers at every userspace access and the RIP it sees is part of
 * the IO sequence; for every fourth seed it also writes them back
 * unchanged (as QEMU's vmport device does).
 *
 * Seeds from TRACE_SEED0 on are trace programs, a family of their own in
 * all three modes, with loops, calls, stack, memory, MMIO and
 * self-modifying code (see make_trace()); the MMIO accesses, in order,
 * are compared like the port IO.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iobstat.h"
#include "result.h"
#include "tap.h"
#include "vmm.h"

#ifndef N_PROGS
#define N_PROGS		120
#endif
#define N_INSNS		48
#define HANDLER		0x0f00	/* HLT for every exception vector */
#define MAX_RUNS	10000
/* Wall-clock bound of one program run (a stock run takes milliseconds) */
#define PROG_SECS	60

struct prog {
	unsigned char b[4096];
	unsigned int n;
	unsigned long long rng;
};

static unsigned int rnd(struct prog *p, unsigned int n)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return (unsigned int)(p->rng % n);
}

static void put(struct prog *p, unsigned int byte)
{
	p->b[p->n++] = (unsigned char)byte;
}

static void put16(struct prog *p, unsigned int v)
{
	put(p, v & 0xff);
	put(p, (v >> 8) & 0xff);
}

/* An immediate of the operand size: 16 bits, or 32 with a 0x66 prefix. */
static void put_iz(struct prog *p, int o32)
{
	put16(p, rnd(p, 65536));
	if (o32)
		put16(p, rnd(p, 65536));
}

/* A general register other than SP (number 0-7, never 4). */
static unsigned int reg(struct prog *p)
{
	unsigned int r = rnd(p, 7);

	return r >= 4 ? r + 1 : r;
}

static unsigned int modrm_rr(struct prog *p)
{
	return 0xc0 | reg(p) << 3 | reg(p);
}

static void emit_io(struct prog *p)
{
	static const unsigned char ports[] = { 0x70, 0x71, 0x80, 0x84 };
	static const unsigned short dx_ports[] = { 0x3d4, 0x3d5, 0x71, 0x80 };
	unsigned int form = rnd(p, 6);
	int o32 = rnd(p, 4) == 0;

	if (o32)
		put(p, 0x66);
	switch (form) {
	case 0:
	case 1:
		put(p, 0xe4 + 2 * (form == 1) + rnd(p, 2));	/* IN/OUT imm8 */
		put(p, ports[rnd(p, 4)]);
		break;
	case 2:
		put(p, 0xba);					/* mov dx, port */
		put16(p, dx_ports[rnd(p, 4)]);
		if (o32)
			put16(p, 0);
		break;
	default:
		put(p, 0xec + rnd(p, 4));			/* IN/OUT dx */
		break;
	}
}

/*
 * A run of OUTs of one form and size to one port, with register moves
 * (MOV r, imm; MOV r, r; now and then into DX, which may change the port
 * of OUT DX) or an INC DX between them: what kvm_iobatch folds into one
 * userspace exit, and the cases that must end a run.
 */
static void emit_out_run(struct prog *p)
{
	unsigned int n = 2 + rnd(p, 5), i, j;
	int o32 = rnd(p, 4) == 0, dx = rnd(p, 2);
	unsigned int op = dx ? 0xee : 0xe6, port = rnd(p, 2) ? 0x80 : 0x84;

	op += rnd(p, 2);				/* AL or eAX */
	if (dx) {
		put(p, 0xba);				/* mov dx, 0x3d5/0x80 */
		put16(p, rnd(p, 2) ? 0x3d5 : 0x80);
	}
	for (i = 0; i < n; i++) {
		for (j = rnd(p, 3); j; j--) {
			switch (rnd(p, 8)) {
			case 0:
				put(p, 0x42);		/* inc dx: ends a run */
				break;
			case 1:
				put(p, 0xb2);		/* mov dl, imm8 */
				put(p, rnd(p, 2) ? 0xd5 : 0x80);
				break;
			case 2:
			case 3:
				put(p, 0x88 + rnd(p, 2));	/* mov r, r */
				put(p, 0xc0 | rnd(p, 8) << 3 | reg(p));
				break;
			default:
				put(p, 0xb0 + rnd(p, 8));	/* mov r8, imm8 */
				put(p, rnd(p, 256));
				break;
			}
		}
		if (o32)
			put(p, 0x66);
		put(p, op);
		if (!dx)
			put(p, port);
	}
}

/* ADD r, r: defines every arithmetic flag (see the header) */
static void emit_add(struct prog *p)
{
	unsigned int src = reg(p);	/* drawn first: seeds stay the same */

	put(p, 0x01);
	put(p, 0xc0 | src << 3 | reg(p));
}

/*
 * Return: true when the instruction may leave arithmetic flags undefined
 * (multiply, divide, BT*, BSF/BSR, double and multi-bit shifts).
 */
static bool emit_plain(struct prog *p)
{
	static const unsigned char alu[] = {
		0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11,
		0x12, 0x13, 0x18, 0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23,
		0x28, 0x29, 0x2a, 0x2b, 0x30, 0x31, 0x32, 0x33, 0x38, 0x39,
		0x3a, 0x3b, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b,
	};
	static const unsigned char twobyte_rr[] = {
		0xaf, 0xb6, 0xb7, 0xbe, 0xbf, 0xa3, 0xab, 0xb3, 0xbb, 0xbc,
		0xbd, 0xc0, 0xc1, 0xa5, 0xad, 0x40, 0x44, 0x4f, 0x94, 0x9c,
	};
	int o32 = rnd(p, 4) == 0;
	unsigned int r, w, op;

	if (o32)
		put(p, 0x66);
	switch (rnd(p, 16)) {
	case 0:	/* ALU, TEST, XCHG, MOV r, r */
	case 1:
		put(p, alu[rnd(p, sizeof(alu))]);
		put(p, modrm_rr(p));
		break;
	case 2:	/* ALU acc, imm */
		put(p, (rnd(p, 8) << 3) | 4);
		put(p, rnd(p, 256));
		break;
	case 3:	/* group 1 */
		put(p, rnd(p, 2) ? 0x83 : 0x80);
		put(p, 0xc0 | rnd(p, 8) << 3 | reg(p));
		put(p, rnd(p, 256));
		break;
	case 4:	/* INC/DEC */
		r = reg(p);
		put(p, 0x40 + r + 8 * rnd(p, 2));
		break;
	case 5:	/* shifts and rotates */
		put(p, 0xc0 + rnd(p, 2));
		put(p, 0xc0 | rnd(p, 8) << 3 | reg(p));
		put(p, rnd(p, 40));
		return true;
	case 6:	/* group 3: TEST NOT NEG MUL IMUL DIV IDIV */
		r = rnd(p, 8);
		w = rnd(p, 2);
		put(p, 0xf6 + w);
		put(p, 0xc0 | r << 3 | reg(p));
		if (r < 2 && w)
			put_iz(p, o32);
		else if (r < 2)
			put(p, rnd(p, 256));
		return r >= 4;
	case 7:	/* MOV r8, imm8 (AH..BH too) / MOV r16/32, imm (not SP) */
		r = rnd(p, 2) ? rnd(p, 8) : 8 + reg(p);
		put(p, 0xb0 + r);
		if (r < 8)
			put(p, rnd(p, 256));
		else
			put_iz(p, o32);
		break;
	case 8:	/* 0F register forms */
		put(p, 0x0f);
		op = twobyte_rr[rnd(p, sizeof(twobyte_rr))];
		put(p, op);
		put(p, modrm_rr(p));
		return memchr("\xaf\xa3\xab\xb3\xbb\xbc\xbd\xa5\xad", op, 9);
	case 9:	/* LEA with a memory form that accesses nothing */
		put(p, 0x8d);
		put(p, (rnd(p, 2) + 1) << 6 | reg(p) << 3 | rnd(p, 8));
		put(p, rnd(p, 256));
		if (p->b[p->n - 2] >> 6 == 2)
			put(p, rnd(p, 256));
		break;
	case 10:	/* IMUL r, r, imm8 */
		put(p, 0x6b);
		put(p, modrm_rr(p));
		put(p, rnd(p, 256));
		return true;
	case 11:	/* flags and conversions */
		put(p, (const unsigned char[]){ 0x98, 0x99, 0xf5, 0xf8, 0xf9,
						0xfc, 0xfd, 0x90 }[rnd(p, 8)]);
		break;
	case 12:	/* SHLD/SHRD imm, BT* imm */
		put(p, 0x0f);
		put(p, (const unsigned char[]){ 0xa4, 0xac, 0xba }[rnd(p, 3)]);
		put(p, 0xc0 | (4 + rnd(p, 4)) << 3 | reg(p));
		put(p, rnd(p, 32));
		return true;
	default:	/* MOV r16/r32, imm */
		put(p, 0xb8 + reg(p));
		put_iz(p, o32);
		break;
	}
	return false;
}

static void emit_other(struct prog *p)
{
	unsigned int at;

	switch (rnd(p, 8)) {
	case 0:	/* memory operands in the data area */
		put(p, (const unsigned char[]){ 0xa2, 0xa3, 0xa0, 0x01, 0x8b,
						0x00 }[rnd(p, 6)]);
		if (p->b[p->n - 1] < 0xa0)
			put(p, reg(p) << 3 | 6);	/* [disp16] */
		put16(p, 0x600 + rnd(p, 0x100));
		break;
	case 1:	/* forward branch over the next instruction */
	case 2:
		put(p, rnd(p, 2) ? 0xeb : 0x70 + rnd(p, 16));
		at = p->n;
		put(p, 0);
		if (rnd(p, 2))
			emit_io(p);
		else if (emit_plain(p))
			emit_add(p);
		p->b[at] = (unsigned char)(p->n - at - 1);
		break;
	case 3:	/* PUSH/POP pair */
		at = reg(p);
		put(p, 0x50 + at);
		put(p, 0x58 + reg(p));
		break;
	case 4:	/* other stops: PAUSE, CLI, STI, PUSHF/POPF */
		switch (rnd(p, 4)) {
		case 0:
			put(p, 0xf3);
			put(p, 0x90);
			break;
		case 1:
			put(p, 0xfa);
			break;
		case 2:
			put(p, 0xfb);
			break;
		default:
			put(p, 0x9c);
			put(p, 0x9d);
			break;
		}
		break;
	default:
		emit_io(p);
		break;
	}
}

static void make_prog(struct prog *p, unsigned int seed)
{
	unsigned int i, r;

	memset(p, 0, sizeof(*p));
	p->rng = 0x9e3779b97f4a7c15ULL * (seed + 1);
	for (r = 0; r < 8; r++) {
		if (r == 4)
			continue;
		put(p, 0x66);
		put(p, 0xb8 + r);		/* mov e<r>, imm32 */
		put16(p, rnd(p, 65536));
		put16(p, rnd(p, 65536));
	}
	for (i = 0; i < N_INSNS; i++) {
		unsigned int k = rnd(p, 10);

		if (k < 3)
			emit_io(p);
		else if (k < 4)
			emit_out_run(p);
		else if (k < 8 && emit_plain(p))
			emit_add(p);
		else
			emit_other(p);
	}
	put(p, 0xf4);
}

/*
 * Trace programs (seeds TRACE_SEED0 and up): what a trace block runs
 * through, in real mode, 32-bit protected mode and 64-bit mode (the seed
 * picks the mode in turn). Counted loops (LOOP, LOOPcc, DEC+JNZ, a counter
 * in memory, INC+CMP+JB, DEC+JCXZ+JMP back) with IO in every iteration;
 * near CALLs to small helpers ("out dx, al; ret", "out dx, al; ret 2" as
 * SeaVGABIOS has at its offset 0x2b), next to their callers and at the
 * program's start; PUSH/POP of registers, immediates and memory; memory
 * operands (MOV, ALU, INC/DEC, TEST, MOVZX, NOT/NEG, XCHG, SETcc, moffs)
 * on a RAM data area with ES/DS/SS overrides and RIP-relative in 64-bit
 * code; the same on the VMM's MMIO hole (KVM_EXIT_MMIO) and across a page
 * edge (RAM to RAM, RAM to the hole); segment register loads (to the
 * values the program relies on); stores into the
 * program's own code (an immediate or a port of a later instruction of the
 * same loop, which the CPU then runs with the new bytes) and near it (a
 * gap jumped over, the bytes before and after the program); JCXZ; JMP
 * rel8 and rel16/32 forward and back over junk bytes; a SeaVGABIOS-like
 * DAC palette loop. Every eighth program ends in #DE inside a loop, the
 * others at their final HLT.
 *
 * Invariants that keep every program finite and its stores in RAM that
 * holds no code, stack or tables: random work writes only AX and DX
 * (AL, AH, DL, DH); CX counts loops and nothing else writes it; BX, BP,
 * SI and DI point into the data area (SI and DI are set afresh by the
 * chunks that move them); SP moves only by balanced PUSH/POP and
 * CALL/RET; stores into code change immediates and ports only.
 */
#define TRACE_SEED0	10000
#ifndef N_TRACE
#define N_TRACE		120
#endif
#define T_COUNT		0x4f00	/* iterations, counted by every loop */
#define T_VARS		0x4f10	/* loop counters in memory */
#define T_SEGVAR	0x4f20	/* a selector, loaded from memory */
#define T_DIVISOR	0x4f30
#define T_DATA		0x5000	/* BX BP SI DI: T_DATA + 0x100..0x6ff */
#define T_MMIO		0xe0000u	/* the VMM's MMIO hole */
#define T_MMIO_LEN	0x10000u
#define T_ES		0x0800	/* real mode: ES base 0x8000 (no stack) */
#define T_ES2		0x0900	/* real mode: the other ES value */
#define T_FS		0xe000	/* real mode: FS is the MMIO hole */
#define T_GS		0xdff0	/* real mode: GS:0x100 is the hole's start */
#define T_EDGE		0xdfffc	/* RAM up to 0xdffff, then the hole */
#define T_SEL_DATA	0x10	/* vmm_trap_exceptions()'s data selector */
#define T_BEFORE	0x0ff0	/* bytes just before the code */
#define T_MAX_HELPERS	16
#define T_MAX_FIX	16

enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI };

enum { H_OUT, H_OUT_RETN, H_IN, H_MIX };

struct thelper {
	unsigned int addr;
	unsigned char kind;
};

/* A displacement to write once its target is known (t_fix()). */
struct tfix {
	unsigned int at;		/* offset of the displacement in p.b */
	unsigned char len;
	unsigned long long base;	/* subtracted: next RIP if RIP-relative */
};

struct tprog {
	struct prog p;
	enum vmm_mode mode;
	unsigned int bits;		/* 16, 32, 64 */
	bool fault;			/* built to end by #DE */
	struct thelper helpers[T_MAX_HELPERS];
	unsigned int n_helpers;
	struct tfix end_fix[T_MAX_FIX];	/* stores just past the program */
	unsigned int n_end_fix;
};

/* A memory operand; its ModRM reg field is given when it is emitted. */
struct mop {
	unsigned char seg;		/* segment override prefix, 0: none */
	unsigned char modrm;		/* mod and r/m bits */
	int sib;			/* -1: none */
	unsigned char dlen;		/* displacement bytes */
	unsigned int disp;
	unsigned long long rip_target;	/* 64-bit RIP-relative: the address */
};

static unsigned int t_rnd(struct tprog *t, unsigned int n)
{
	return rnd(&t->p, n);
}

static void t_put(struct tprog *t, unsigned int byte)
{
	if (t->p.n >= sizeof(t->p.b)) {
		fprintf(stderr, "diff_test: trace program too long\n");
		abort();
	}
	put(&t->p, byte);
}

static void t_putn(struct tprog *t, unsigned long long v, unsigned int n)
{
	while (n--) {
		t_put(t, v & 0xff);
		v >>= 8;
	}
}

/* Guest address of the next byte. */
static unsigned int t_here(const struct tprog *t)
{
	return VMM_CODE_GPA + t->p.n;
}

static unsigned int t_nat(const struct tprog *t)
{
	return t->bits == 16 ? 2 : 4;
}

/* An operand size: byte, the native one, the other one, 8 in 64-bit. */
static unsigned int t_size(struct tprog *t)
{
	switch (t_rnd(t, 6)) {
	case 0:
	case 1:
		return 1;
	case 2:
		return t->bits == 16 ? 4 : 2;
	case 3:
		return t->bits == 64 ? 8 : t_nat(t);
	default:
		return t_nat(t);
	}
}

/* Immediate bytes of an operand of @sz (8: imm32, sign-extended). */
static unsigned int t_ilen(unsigned int sz)
{
	return sz == 8 ? 4 : sz;
}

/* Operand size prefixes for @sz, right before the opcode. */
static void t_osz(struct tprog *t, unsigned int sz)
{
	if ((sz == 2 && t->bits != 16) || (sz == 4 && t->bits == 16))
		t_put(t, 0x66);
	if (sz == 8)
		t_put(t, 0x48);			/* REX.W */
}

static void t_pfx(struct tprog *t, const struct mop *m, unsigned int sz)
{
	if (m->seg)
		t_put(t, m->seg);
	t_osz(t, sz);
}

/* A register random work may write: AX or DX (AL, DL, AH, DH). */
static unsigned int t_dst(struct tprog *t, unsigned int sz)
{
	if (sz == 1)
		return 2 * t_rnd(t, 4);
	return 2 * t_rnd(t, 2);
}

/* The 16-bit addressing forms, all inside the data area (or FS: hole). */
static void t_mop16(struct tprog *t, struct mop *m)
{
	switch (t_rnd(t, 5)) {
	case 0:						/* [disp16] */
		m->modrm = 0x06;
		m->dlen = 2;
		m->disp = T_DATA + t_rnd(t, 0x800);
		break;
	case 1:						/* [regs + d16] */
		m->modrm = 0x80 | t_rnd(t, 8);
		m->dlen = 2;
		m->disp = t_rnd(t, 0x80);
		break;
	default:					/* [regs + d8] */
		m->modrm = 0x40 | t_rnd(t, 8);
		m->dlen = 1;
		m->disp = t_rnd(t, 256);
		break;
	}
}

/* An absolute address in 32/64-bit code (RIP-relative now and then). */
static void t_mop_abs32(struct tprog *t, struct mop *m, unsigned int addr)
{
	m->dlen = 4;
	if (t->bits == 64 && t_rnd(t, 2)) {
		m->modrm = 0x05;
		m->rip_target = addr;
	} else if (t->bits == 64) {
		m->modrm = 0x04;			/* SIB, no base/index */
		m->sib = 0x25;
		m->disp = addr;
	} else {
		m->modrm = 0x05;
		m->disp = addr;
	}
}

static const unsigned char t_segs[] = { 0, 0, 0x26, 0x3e, 0x36 };

/* A memory operand in the RAM data areas. */
static void t_mop_data(struct tprog *t, struct mop *m)
{
	static const unsigned char base[] = { R_BX, R_BP, R_SI, R_DI };

	memset(m, 0, sizeof(*m));
	m->sib = -1;
	m->seg = t_segs[t_rnd(t, sizeof(t_segs))];
	if (t->bits == 16) {
		t_mop16(t, m);
		return;
	}
	switch (t_rnd(t, 6)) {
	case 0:
		t_mop_abs32(t, m, T_DATA + t_rnd(t, 0x800));
		break;
	case 1:		/* [BX/BP + SI/DI * 1/2 + d8] */
		m->modrm = 0x44;
		m->sib = t_rnd(t, 2) << 6 | (6 + t_rnd(t, 2)) << 3 |
			 (t_rnd(t, 2) ? R_BP : R_BX);
		m->dlen = 1;
		m->disp = t_rnd(t, 256);
		break;
	case 2:		/* [reg + d32] */
		m->modrm = 0x80 | base[t_rnd(t, 4)];
		m->dlen = 4;
		m->disp = t_rnd(t, 0x100);
		break;
	default:	/* [reg + d8] */
		m->modrm = 0x40 | base[t_rnd(t, 4)];
		m->dlen = 1;
		m->disp = t_rnd(t, 256);
		break;
	}
}

/* A memory operand in the MMIO hole. */
static void t_mop_mmio(struct tprog *t, struct mop *m)
{
	static const unsigned char base[] = { R_BX, R_BP, R_SI, R_DI };

	memset(m, 0, sizeof(*m));
	m->sib = -1;
	if (t->bits == 16) {
		t_mop16(t, m);
		m->seg = 0x64;				/* FS */
		return;
	}
	if (t_rnd(t, 3)) {	/* [reg + T_MMIO + d] */
		m->modrm = 0x80 | base[t_rnd(t, 4)];
		m->dlen = 4;
		m->disp = T_MMIO + t_rnd(t, 0x100);
	} else {
		t_mop_abs32(t, m, T_MMIO + t_rnd(t, 0x1000));
	}
}

/* An absolute address (DS base 0 in every mode). */
static void t_mop_at(struct tprog *t, struct mop *m, unsigned int addr)
{
	memset(m, 0, sizeof(*m));
	m->sib = -1;
	if (t->bits == 16) {
		m->modrm = 0x06;
		m->dlen = 2;
		m->disp = addr;
	} else {
		t_mop_abs32(t, m, addr);
	}
}

/*
 * ModRM, SIB and displacement of @m with @reg; @ilen immediate bytes
 * follow. Return: where the displacement is, for t_fix().
 */
static struct tfix t_mop_put(struct tprog *t, const struct mop *m,
			     unsigned int reg, unsigned int ilen)
{
	struct tfix f = { .len = m->dlen };
	unsigned long long disp = m->disp;

	t_put(t, m->modrm | reg << 3);
	if (m->sib >= 0)
		t_put(t, m->sib);
	f.at = t->p.n;
	if (m->rip_target) {
		f.base = t_here(t) + m->dlen + ilen;
		disp = m->rip_target - f.base;
	}
	t_putn(t, disp, m->dlen);
	return f;
}

/* Make a displacement written by t_mop_put() point at @addr. */
static void t_fix(struct tprog *t, const struct tfix *f, unsigned int addr)
{
	unsigned long long v = addr - f->base;
	unsigned int i;

	for (i = 0; i < f->len; i++, v >>= 8)
		t->p.b[f->at + i] = v & 0xff;
}

/* rel8 from the end of this byte to @target; must reach. */
static void t_rel8(struct tprog *t, unsigned int target)
{
	int d = (int)target - (int)(t_here(t) + 1);

	if (d < -128 || d > 127) {
		fprintf(stderr, "diff_test: rel8 %d out of reach\n", d);
		abort();
	}
	t_put(t, d & 0xff);
}

/* rel16/rel32 (the code size's) to @target. */
static void t_reln(struct tprog *t, unsigned int target)
{
	unsigned int n = t_nat(t);

	t_putn(t, target - (t_here(t) + n), n);
}

/* Jcc/JMP back to @target: rel8 where it reaches and now and then not. */
static void t_jump_back(struct tprog *t, int cc, unsigned int target)
{
	bool near = t_here(t) + 2 - target > 128 || !t_rnd(t, 3);

	if (cc < 0) {
		t_put(t, near ? 0xe9 : 0xeb);
	} else if (near) {
		t_put(t, 0x0f);
		t_put(t, 0x80 | cc);
	} else {
		t_put(t, 0x70 | cc);
	}
	if (near)
		t_reln(t, target);
	else
		t_rel8(t, target);
}

/* MOV (E)DX, port */
static void t_mov_dx(struct tprog *t, unsigned int port)
{
	t_put(t, 0xb8 + R_DX);
	t_putn(t, port, t_nat(t));
}

/* MOV (E)CX, n (the count of a loop) */
static void t_mov_cx(struct tprog *t, unsigned int n)
{
	t_put(t, 0xb8 + R_CX);
	t_putn(t, n, t_nat(t));
}

/* A pointer register into the data area, set afresh. */
static void t_ptr(struct tprog *t, unsigned int reg)
{
	t_put(t, 0xb8 + reg);
	t_putn(t, T_DATA + 0x100 + t_rnd(t, 0x600), t_nat(t));
}

/* IN or OUT, imm8 or DX form, mostly bytes. */
static void t_io(struct tprog *t)
{
	static const unsigned char out_ports[] = { 0x70, 0x80, 0x84 };
	static const unsigned char in_ports[] = { 0x71, 0x80 };
	static const unsigned short dx_ports[] = { 0x3c8, 0x3c9, 0x80, 0x71 };
	unsigned int form = t_rnd(t, 4);
	unsigned int sz = t_rnd(t, 4) ? 1 : t_rnd(t, 2) ? 2 : 4;
	unsigned int w = sz != 1;

	if (form >= 2)
		t_mov_dx(t, dx_ports[t_rnd(t, 4)]);
	t_osz(t, sz);
	switch (form) {
	case 0:
		t_put(t, 0xe6 | w);
		t_put(t, out_ports[t_rnd(t, 3)]);
		break;
	case 1:
		t_put(t, 0xe4 | w);
		t_put(t, in_ports[t_rnd(t, 2)]);
		break;
	case 2:
		t_put(t, 0xee | w);
		break;
	default:
		t_put(t, 0xec | w);
		break;
	}
}

/* Register-only work on AX/DX (flags always defined). */
static void t_rop(struct tprog *t)
{
	/* CLC, STC, CMC */
	static const unsigned char flag_ops[] = { 0xf8, 0xf9, 0xf5 };
	unsigned int sz = t_size(t), w = sz != 1, d = t_dst(t, sz);

	switch (t_rnd(t, 8)) {
	case 0:		/* MOV r, imm (64-bit: MOVABS) */
		if (sz == 1) {
			t_put(t, 0xb0 + d);
			t_put(t, t_rnd(t, 256));
			break;
		}
		t_osz(t, sz);
		t_put(t, 0xb8 + d);
		t_putn(t, (unsigned long long)t_rnd(t, 1u << 31) << 32 |
			  t_rnd(t, 1u << 31), sz);
		break;
	case 1:		/* ALU r, r */
		t_osz(t, sz);
		t_put(t, t_rnd(t, 8) << 3 | 2 | w);
		t_put(t, 0xc0 | d << 3 | t_rnd(t, 8));
		break;
	case 2:		/* ALU r, imm8 */
		t_osz(t, sz);
		t_put(t, w ? 0x83 : 0x80);
		t_put(t, 0xc0 | t_rnd(t, 8) << 3 | d);
		t_put(t, t_rnd(t, 256));
		break;
	case 3:		/* INC, DEC */
		t_osz(t, sz);
		t_put(t, 0xfe | w);
		t_put(t, 0xc0 | t_rnd(t, 2) << 3 | d);
		break;
	case 4:		/* NOT, NEG */
		t_osz(t, sz);
		t_put(t, 0xf6 | w);
		t_put(t, 0xc0 | (2 + t_rnd(t, 2)) << 3 | d);
		break;
	case 5:		/* MOVZX r, r8 */
		sz = sz == 1 ? t_nat(t) : sz;
		t_osz(t, sz);
		t_put(t, 0x0f);
		t_put(t, 0xb6);
		t_put(t, 0xc0 | t_dst(t, 2) << 3 | t_rnd(t, 8));
		break;
	case 6:
		t_put(t, flag_ops[t_rnd(t, 3)]);
		break;
	default:	/* MOV r, r */
		t_osz(t, sz);
		t_put(t, 0x8a | w);
		t_put(t, 0xc0 | d << 3 | t_rnd(t, 8));
		break;
	}
}

/* An instruction with a memory operand in the data area or the hole. */
enum { A_DATA, A_MMIO, A_EDGE };

/*
 * Accesses across a page edge: RAM to RAM (0x6000), or RAM to the MMIO
 * hole (0xe0000: in real mode by GS), which KVM's emulator splits.
 */
static void t_mop_edge(struct tprog *t, struct mop *m)
{
	memset(m, 0, sizeof(*m));
	m->sib = -1;
	if (t_rnd(t, 2)) {
		t_mop_at(t, m, T_DATA + 0xffc + t_rnd(t, 4));
	} else if (t->bits == 16) {
		m->seg = 0x65;				/* GS */
		m->modrm = 0x06;
		m->dlen = 2;
		m->disp = 0xfc + t_rnd(t, 4);
	} else {
		t_mop_abs32(t, m, T_EDGE + t_rnd(t, 4));
	}
}

static void t_memop(struct tprog *t, unsigned int area)
{
	bool mmio = area != A_DATA;

	unsigned int sz = t_size(t), w = sz != 1, il = t_ilen(sz), op;
	struct mop m;

	if (area == A_MMIO)
		t_mop_mmio(t, &m);
	else if (area == A_EDGE)
		t_mop_edge(t, &m);
	else
		t_mop_data(t, &m);
	op = t_rnd(t, 8);
	/*
	 * every kind below 12 accesses memory (an MMIO chunk must); no XCHG
	 * with MMIO, which KVM's emulator does as a plain write
	 */
	switch (t_rnd(t, mmio ? 12 : 16)) {
	case 0:		/* MOV r, m */
		t_pfx(t, &m, sz);
		t_put(t, 0x8a | w);
		t_mop_put(t, &m, t_dst(t, sz), 0);
		break;
	case 1:		/* MOV m, r */
		t_pfx(t, &m, sz);
		t_put(t, 0x88 | w);
		t_mop_put(t, &m, t_rnd(t, 8), 0);
		break;
	case 2:		/* MOV m, imm */
		t_pfx(t, &m, sz);
		t_put(t, 0xc6 | w);
		t_mop_put(t, &m, 0, il);
		t_putn(t, t_rnd(t, 1u << 31), il);
		break;
	case 3:		/* ALU r, m */
		t_pfx(t, &m, sz);
		t_put(t, op << 3 | 2 | w);
		t_mop_put(t, &m, t_dst(t, sz), 0);
		break;
	case 4:		/* ALU m, r */
		t_pfx(t, &m, sz);
		t_put(t, op << 3 | w);
		t_mop_put(t, &m, t_rnd(t, 8), 0);
		break;
	case 5:		/* ALU m, imm */
		t_pfx(t, &m, sz);
		if (w && t_rnd(t, 2)) {
			t_put(t, 0x81);
		} else {
			t_put(t, w ? 0x83 : 0x80);
			il = 1;
		}
		t_mop_put(t, &m, op, il);
		t_putn(t, t_rnd(t, 1u << 31), il);
		break;
	case 6:		/* INC, DEC m */
		t_pfx(t, &m, sz);
		t_put(t, 0xfe | w);
		t_mop_put(t, &m, op & 1, 0);
		break;
	case 7:		/* TEST m, r / TEST m, imm */
		t_pfx(t, &m, sz);
		if (op & 1) {
			t_put(t, 0x84 | w);
			t_mop_put(t, &m, t_rnd(t, 8), 0);
		} else {
			t_put(t, 0xf6 | w);
			t_mop_put(t, &m, 0, il);
			t_putn(t, t_rnd(t, 1u << 31), il);
		}
		break;
	case 8:		/* MOVZX r, m8/m16 */
		t_pfx(t, &m, sz == 1 ? t_nat(t) : sz);
		t_put(t, 0x0f);
		t_put(t, 0xb6 | (op & 1));
		t_mop_put(t, &m, t_dst(t, 2), 0);
		break;
	case 9:		/* NOT, NEG m */
		t_pfx(t, &m, sz);
		t_put(t, 0xf6 | w);
		t_mop_put(t, &m, 2 + (op & 1), 0);
		break;
	case 10:	/* PUSH m; POP r */
		t_pfx(t, &m, t->bits == 64 ? 4 : t_nat(t));
		t_put(t, 0xff);
		t_mop_put(t, &m, 6, 0);
		t_put(t, 0x58 + t_dst(t, 2));
		break;
	case 11:	/* PUSH r/imm8; POP m */
		if (op & 1) {
			t_put(t, 0x50 + t_rnd(t, 8));
		} else {
			t_put(t, 0x6a);
			t_put(t, t_rnd(t, 256));
		}
		t_pfx(t, &m, t->bits == 64 ? 4 : t_nat(t));
		t_put(t, 0x8f);
		t_mop_put(t, &m, 0, 0);
		break;
	case 12:	/* LEA r, m: no access */
		sz = w ? sz : t_nat(t);
		t_pfx(t, &m, sz);
		t_put(t, 0x8d);
		t_mop_put(t, &m, t_dst(t, 2), 0);
		break;
	case 13:	/* XCHG r, m (implicitly locked) */
		t_pfx(t, &m, sz);
		t_put(t, 0x86 | w);
		t_mop_put(t, &m, t_dst(t, sz), 0);
		break;
	case 14:	/* SETcc m8 */
		t_pfx(t, &m, 1);
		t_put(t, 0x0f);
		t_put(t, 0x90 | t_rnd(t, 16));
		t_mop_put(t, &m, 0, 0);
		break;
	default:	/* MOV AL/eAX, moffs; MOV moffs, AL/eAX */
		if (m.seg)
			t_put(t, m.seg);
		t_osz(t, sz);
		t_put(t, 0xa0 | (op & 2) | w);
		t_putn(t, T_DATA + t_rnd(t, 0x800),
		       t->bits == 64 ? 8 : t_nat(t));
		break;
	}
}

/* A MOV to/from the hole by moffs, the one form t_memop() leaves out. */
static void t_mmio_moffs(struct tprog *t)
{
	unsigned int sz = t_size(t), off = t_rnd(t, 0x1000);

	if (sz == 8 || (sz == 4 && t->bits == 16))
		sz = t_nat(t);
	if (t->bits == 16)
		t_put(t, 0x64);				/* FS */
	t_osz(t, sz);
	t_put(t, 0xa0 | 2 * t_rnd(t, 2) | (sz != 1));
	t_putn(t, t->bits == 16 ? off : T_MMIO + off,
	       t->bits == 64 ? 8 : t_nat(t));
}

/* A helper routine here: IO, then RET or RET imm16. */
static void t_helper(struct tprog *t)
{
	struct thelper *h = &t->helpers[t->n_helpers % T_MAX_HELPERS];

	t->n_helpers++;
	h->addr = t_here(t);
	h->kind = t_rnd(t, 4);
	if (h->kind == H_MIX) {
		t_memop(t, A_DATA);
		t_put(t, t_rnd(t, 2) ? 0xee : 0xef);	/* OUT DX, AL/eAX */
	} else {
		t_put(t, h->kind == H_IN ? 0xec : 0xee);
	}
	if (h->kind == H_OUT_RETN) {
		/* drop the argument the caller pushed */
		t_put(t, 0xc2);
		t_putn(t, t->bits / 8, 2);
	} else {
		t_put(t, 0xc3);
	}
}

/* A helper right here, jumped over. */
static void t_local_helper(struct tprog *t)
{
	unsigned int at;

	t_put(t, 0xeb);
	at = t->p.n;
	t_put(t, 0);
	t_helper(t);
	t->p.b[at] = t->p.n - at - 1;
}

/* CALL a helper (the newest or any), with its port and argument. */
static void t_call(struct tprog *t)
{
	static const unsigned short ports[] = { 0x3c9, 0x80, 0x71, 0x84 };
	const struct thelper *h;
	unsigned int n = t->n_helpers < T_MAX_HELPERS ? t->n_helpers :
			 T_MAX_HELPERS;

	if (t_rnd(t, 2))
		h = &t->helpers[(t->n_helpers - 1) % T_MAX_HELPERS];
	else
		h = &t->helpers[t_rnd(t, n)];
	t_mov_dx(t, ports[t_rnd(t, 4)]);
	if (t_rnd(t, 2)) {
		t_put(t, 0xb0);				/* MOV AL, imm8 */
		t_put(t, t_rnd(t, 256));
	}
	if (h->kind == H_OUT_RETN)
		t_put(t, 0x50 + t_rnd(t, 8));	/* PUSH r: argument */
	t_put(t, 0xe8);
	t_reln(t, h->addr);
}

/*
 * A segment register load to a value it may have: real mode ES (either
 * value), FS, DS, SS (MOV SS also blocks interrupts for an instruction);
 * in protected and long mode the flat data selector, which reads the
 * descriptor from the GDT. From DX or from memory; PUSH ES; POP ES.
 */
static void t_sreg(struct tprog *t)
{
	static const unsigned char sregs[] = { 0, 3, 2, 4 };	/* ES DS SS FS */
	unsigned int sreg = t_rnd(t, 4), sel = T_SEL_DATA;
	struct mop m;

	/* ES, DS, SS or FS; real mode FS only to the hole */
	if (t->bits == 16) {
		static const unsigned short val[] = { T_ES, 0, 0, T_FS };

		sel = sreg ? val[sreg] : t_rnd(t, 2) ? T_ES : T_ES2;
	} else if (sreg == 3) {
		sreg = 0;
	}
	sreg = sregs[sreg];
	switch (t_rnd(t, 3)) {
	case 0:
		if (t->bits != 64) {
			t_put(t, 0x06);			/* PUSH ES; POP ES */
			t_put(t, 0x07);
			break;
		}
		/* fall through */
	case 1:
		t_mov_dx(t, sel);
		t_put(t, 0x8e);				/* MOV Sreg, DX */
		t_put(t, 0xc0 | sreg << 3 | R_DX);
		break;
	default:
		t_mop_at(t, &m, T_SEGVAR);		/* MOV word [var], sel */
		t_osz(t, 2);
		t_put(t, 0xc7);
		t_mop_put(t, &m, 0, 2);
		t_putn(t, sel, 2);
		t_mop_at(t, &m, T_SEGVAR);		/* MOV Sreg, [var] */
		t_put(t, 0x8e);
		t_mop_put(t, &m, sreg, 0);
		break;
	}
}

/*
 * The program's last segment load, between two IO instructions: a trace
 * runs it (in real mode the executor writes ES into the VMCB itself), and
 * the final segment registers show what it wrote. Loads earlier in a
 * program are mostly loaded again natively before it ends.
 */
static void t_sreg_tail(struct tprog *t)
{
	unsigned int sel = T_SEL_DATA;

	if (t->bits == 16)
		sel = t_rnd(t, 2) ? T_ES : T_ES2;
	t_io(t);
	t_mov_dx(t, sel);
	t_put(t, 0x8e);				/* MOV ES, DX */
	t_put(t, 0xc0 | R_DX);
	t_io(t);
}

/* PUSH r/imm/m ... POP r/m, balanced. */
static void t_pushpop(struct tprog *t)
{
	struct mop m;

	switch (t_rnd(t, 3)) {
	case 0:
		t_put(t, 0x50 + t_rnd(t, 8));
		break;
	case 1:
		if (t_rnd(t, 2)) {
			t_put(t, 0x6a);
			t_put(t, t_rnd(t, 256));
		} else {
			t_put(t, 0x68);
			t_putn(t, t_rnd(t, 1u << 31), t_nat(t));
		}
		break;
	default:
		t_mop_data(t, &m);
		t_pfx(t, &m, t->bits == 64 ? 4 : t_nat(t));
		t_put(t, 0xff);
		t_mop_put(t, &m, 6, 0);
		break;
	}
	if (t_rnd(t, 2))
		t_io(t);
	if (t_rnd(t, 2)) {
		t_put(t, 0x58 + t_dst(t, 2));
	} else {
		t_mop_data(t, &m);
		t_pfx(t, &m, t->bits == 64 ? 4 : t_nat(t));
		t_put(t, 0x8f);
		t_mop_put(t, &m, 0, 0);
	}
}

/*
 * A store into bytes next to code, at most @room bytes wide; @addr 0:
 * after the program's end.
 */
static void t_store_at(struct tprog *t, unsigned int addr, unsigned int room)
{
	unsigned int il = 0, kind = t_rnd(t, 4);
	struct mop m;
	struct tfix f;

	if (kind == 1 && room < t_nat(t))
		kind = 0;
	t_mop_at(t, &m, addr ? addr : T_DATA);	/* fixed up below */
	switch (kind) {
	case 0:
		t_put(t, 0x88);			/* MOV m8, AL */
		break;
	case 1:
		t_osz(t, t_nat(t));
		t_put(t, 0x89);			/* MOV m, AX/EAX */
		break;
	case 2:
		t_put(t, 0xfe);			/* INC m8 */
		break;
	default:
		t_put(t, 0xc6);			/* MOV m8, imm8 */
		il = 1;
		break;
	}
	f = t_mop_put(t, &m, 0, il);
	if (il)
		t_put(t, t_rnd(t, 256));
	if (addr)
		t_fix(t, &f, addr);
	else if (t->n_end_fix < T_MAX_FIX)
		t->end_fix[t->n_end_fix++] = f;
	else
		t_fix(t, &f, T_BEFORE);
}

/* Stores near the code but not into it. */
static void t_store_near(struct tprog *t)
{
	unsigned int gap, at;

	switch (t_rnd(t, 3)) {
	case 0:
		at = T_BEFORE + t_rnd(t, 16);
		t_store_at(t, at, VMM_CODE_GPA - at);
		break;
	case 1:
		t_store_at(t, 0, 4);
		break;
	default:	/* bytes inside the code, jumped over */
		gap = 1 + t_rnd(t, 4);
		t_put(t, 0xeb);
		t_put(t, gap);
		t_putn(t, 0, gap);
		at = t_here(t) - 1 - t_rnd(t, gap);
		t_store_at(t, at, t_here(t) - at);
		break;
	}
}

/* The instruction t_smc() patches. Return: the address of its byte. */
static unsigned int t_smc_insn(struct tprog *t, bool port)
{
	unsigned int target;

	if (port) {				/* OUT imm8, AL */
		t_put(t, 0xe6);
		target = t_here(t);
		t_put(t, t_rnd(t, 2) ? 0x80 : 0x84);
	} else {				/* MOV AL, imm8; OUT 0x80, AL */
		t_put(t, 0xb0);
		target = t_here(t);
		t_put(t, t_rnd(t, 256));
		t_put(t, 0xe6);
		t_put(t, 0x80);
	}
	return target;
}

/* The store of t_smc(), to be fixed up. */
static struct tfix t_smc_store(struct tprog *t, bool port)
{
	struct tfix f;
	struct mop m;

	t_mop_at(t, &m, T_DATA);
	if (port) {				/* XOR m8, 4: 0x80 <-> 0x84 */
		t_put(t, 0x80);
		f = t_mop_put(t, &m, 6, 1);
		t_put(t, 4);
		return f;
	}
	switch (t_rnd(t, 5)) {
	case 0:
		t_put(t, 0xfe);			/* INC m8 */
		f = t_mop_put(t, &m, 0, 0);
		break;
	case 1:
		t_put(t, 0x80);			/* ADD m8, imm8 */
		f = t_mop_put(t, &m, 0, 1);
		t_put(t, t_rnd(t, 256));
		break;
	case 2:
		t_put(t, 0xc6);			/* MOV m8, imm8 */
		f = t_mop_put(t, &m, 0, 1);
		t_put(t, t_rnd(t, 256));
		break;
	case 3:
		t_put(t, 0x88);			/* MOV m8, DL */
		f = t_mop_put(t, &m, R_DX, 0);
		break;
	default:
		t_put(t, 0xf6);			/* NOT m8 */
		f = t_mop_put(t, &m, 2, 0);
		break;
	}
	return f;
}

/*
 * Self-modifying code: a store into the immediate or port of an
 * instruction that ends in an OUT. Stored before it, this iteration runs
 * the new bytes; after it, the next one does.
 *
 * In 64-bit code a JMP to the next instruction separates the store from
 * the instruction it patches: the test bed's CPU (QEMU 7.2's TCG) runs
 * the old bytes of an instruction in the translation block that stored
 * into it, in 64-bit mode only (Documentation/testing.rst), where real
 * CPUs and KVM's emulator run the new ones. A taken jump ends the block.
 */
static void t_smc(struct tprog *t)
{
	bool port = !t_rnd(t, 3);
	unsigned int target;
	struct tfix f;

	if (t_rnd(t, 3)) {
		f = t_smc_store(t, port);
		if (t->bits == 64) {
			t_put(t, 0xeb);			/* JMP $+2 */
			t_put(t, 0);
		}
		target = t_smc_insn(t, port);
	} else {
		target = t_smc_insn(t, port);
		f = t_smc_store(t, port);
	}
	t_fix(t, &f, target);
}

/* INC [T_COUNT]: every loop counts its iterations. */
static void t_count(struct tprog *t)
{
	struct mop m;

	t_mop_at(t, &m, T_COUNT);
	t_put(t, 0xff);
	t_mop_put(t, &m, 0, 0);
}

/* Point a rel16/rel32 (or rel8, @len 1) written earlier at @target. */
static void t_patch_rel(struct tprog *t, unsigned int at, unsigned int len,
			unsigned int target)
{
	unsigned long long v = target - (VMM_CODE_GPA + at + len);
	unsigned int i;

	if (len == 1 && target - (VMM_CODE_GPA + at + len) > 127) {
		fprintf(stderr, "diff_test: forward rel8 out of reach\n");
		abort();
	}
	for (i = 0; i < len; i++, v >>= 8)
		t->p.b[at + i] = v & 0xff;
}

/* Random work of about @bytes bytes: the body of a chunk or a loop. */
static void t_body(struct tprog *t, unsigned int bytes)
{
	unsigned int start = t->p.n, at;

	do {
		switch (t_rnd(t, 16)) {
		case 0:
		case 1:
		case 2:
		case 3:
			t_io(t);
			break;
		case 4:
		case 5:
			t_rop(t);
			break;
		case 6:
		case 7:
		case 8:
			t_memop(t, A_DATA);
			break;
		case 9:
			t_memop(t, A_MMIO);
			break;
		case 10:
			t_pushpop(t);
			break;
		case 11:
		case 12:
			t_call(t);
			break;
		case 13:
			if (t_rnd(t, 2)) {
				t_sreg(t);
				break;
			}
			t_put(t, 0x9c);			/* PUSHF; POPF */
			t_put(t, 0x9d);
			break;
		case 14:
			t_store_near(t);
			break;
		default:	/* Jcc over one instruction */
			t_put(t, 0x70 | t_rnd(t, 16));
			at = t->p.n;
			t_put(t, 0);
			if (t_rnd(t, 2))
				t_io(t);
			else
				t_rop(t);
			t->p.b[at] = t->p.n - at - 1;
			break;
		}
	} while (t->p.n - start < bytes && t_rnd(t, 4));
}

/*
 * A counted loop with IO in every iteration, 1 to 8 times round (the
 * count-up kind from 0 to n), small enough for LOOP's rel8.
 */
static void t_loop(struct tprog *t)
{
	unsigned int kind = t_rnd(t, 6), n = 1 + t_rnd(t, 8);
	unsigned int var = T_VARS + 4 * t_rnd(t, 4), top, at;
	struct mop m;

	if (!t_rnd(t, 3))
		t_local_helper(t);
	if (t_rnd(t, 2))
		t_ptr(t, R_SI);
	if (t_rnd(t, 2))
		t_ptr(t, R_DI);
	if (kind == 3) {			/* MOV [var], n */
		t_mop_at(t, &m, var);
		t_put(t, 0xc7);
		t_mop_put(t, &m, 0, t_nat(t));
		t_putn(t, n, t_nat(t));
	} else {
		t_mov_cx(t, kind == 4 ? 0 : n);
	}
	if (t_rnd(t, 2))
		t_io(t);
	top = t_here(t);
	t_io(t);
	if (!t_rnd(t, 3))
		t_smc(t);
	t_body(t, 40);
	t_count(t);
	switch (kind) {
	case 0:
		t_put(t, 0xe2);				/* LOOP */
		t_rel8(t, top);
		break;
	case 1:
		t_put(t, 0xe0 | t_rnd(t, 2));		/* LOOPNE, LOOPE */
		t_rel8(t, top);
		break;
	case 2:
		t_put(t, 0xff);				/* DEC (E)CX; JNZ */
		t_put(t, 0xc9);
		t_jump_back(t, 5, top);
		break;
	case 3:
		t_mop_at(t, &m, var);			/* DEC [var]; JNZ */
		t_put(t, 0xff);
		t_mop_put(t, &m, 1, 0);
		t_jump_back(t, 5, top);
		break;
	case 4:
		t_put(t, 0xff);				/* INC (E)CX */
		t_put(t, 0xc1);
		t_put(t, 0x83);			/* CMP (E)CX, n; JB */
		t_put(t, 0xf9);
		t_put(t, n);
		t_jump_back(t, 2, top);
		break;
	default:
		t_put(t, 0xff);				/* DEC (E)CX */
		t_put(t, 0xc9);
		t_put(t, 0xe3);			/* JCXZ out; JMP back */
		at = t->p.n;
		t_put(t, 0);
		t_jump_back(t, -1, top);
		t_patch_rel(t, at, 1, t_here(t));
		break;
	}
}

/*
 * SeaVGABIOS's DAC palette load: the index to 0x3c8, then a loop of three
 * loads (ES: in real mode now and then) and OUTs to 0x3c9 per colour.
 */
static void t_dac(struct tprog *t)
{
	unsigned int n = 2 + t_rnd(t, 15), top, k;
	bool es = t->bits == 16 && t_rnd(t, 2);

	t_mov_dx(t, 0x3c8);
	t_put(t, 0xb0);
	t_put(t, t_rnd(t, 256));
	t_put(t, 0xee);					/* OUT DX, AL */
	t_put(t, 0xff);					/* INC (E)DX */
	t_put(t, 0xc2);
	t_ptr(t, R_SI);
	t_mov_cx(t, n);
	top = t_here(t);
	for (k = 0; k < 3; k++) {
		if (es)
			t_put(t, 0x26);
		t_put(t, 0x8a);			/* MOV AL, [(E)SI + k] */
		t_put(t, t->bits == 16 ? 0x44 : 0x46);
		t_put(t, k);
		t_put(t, 0xee);
	}
	t_put(t, 0x83);					/* ADD (E)SI, 3 */
	t_put(t, 0xc6);
	t_put(t, 3);
	t_count(t);
	if (t_rnd(t, 2)) {
		t_put(t, 0xe2);
		t_rel8(t, top);
	} else {
		t_put(t, 0xff);
		t_put(t, 0xc9);
		t_jump_back(t, 5, top);
	}
	t_ptr(t, R_SI);
}

/* JMP forward over junk, JMP back, JMP forward out: rel8 and rel16/32. */
static void t_jumps(struct tprog *t)
{
	unsigned int la = t_rnd(t, 2) ? 1 : t_nat(t);
	unsigned int lc = t_rnd(t, 2) ? 1 : t_nat(t);
	unsigned int a, c, b, junk = t_rnd(t, 6);

	t_put(t, la == 1 ? 0xeb : 0xe9);
	a = t->p.n;
	t_putn(t, 0, la);
	while (junk--)
		t_put(t, t_rnd(t, 256));
	b = t_here(t);
	t_io(t);
	if (t_rnd(t, 2))
		t_memop(t, A_DATA);
	else
		t_rop(t);
	t_put(t, lc == 1 ? 0xeb : 0xe9);
	c = t->p.n;
	t_putn(t, 0, lc);
	t_patch_rel(t, a, la, t_here(t));
	t_io(t);
	t_rop(t);
	t_jump_back(t, -1, b);
	t_patch_rel(t, c, lc, t_here(t));
}

/* JCXZ over IO, with CX zero or not. */
static void t_jcxz(struct tprog *t)
{
	unsigned int at;

	t_mov_cx(t, t_rnd(t, 2) ? 0 : 1 + t_rnd(t, 3));
	t_io(t);
	t_put(t, 0xe3);
	at = t->p.n;
	t_put(t, 0);
	t_io(t);
	if (t_rnd(t, 2))
		t_memop(t, A_DATA);
	else
		t_rop(t);
	t_patch_rel(t, at, 1, t_here(t));
}

/* MMIO between IO: loads, stores, read-modify-writes, moffs. */
static void t_mmio(struct tprog *t)
{
	unsigned int i, n = 2 + t_rnd(t, 3);

	for (i = 0; i < n; i++) {
		if (t_rnd(t, 2))
			t_io(t);
		switch (i ? t_rnd(t, 6) : 2) {	/* the first one: MMIO */
		case 0:
			t_mmio_moffs(t);
			break;
		case 1:
			t_memop(t, A_EDGE);
			break;
		default:
			t_memop(t, A_MMIO);
			break;
		}
	}
}

/* Calls to a helper right here and to others, work between them. */
static void t_calls(struct tprog *t)
{
	unsigned int i, n = 2 + t_rnd(t, 3);

	t_local_helper(t);
	for (i = 0; i < n; i++) {
		t_call(t);
		if (t_rnd(t, 2))
			t_rop(t);
	}
}

/*
 * The last chunk of every eighth program: a loop whose divisor in memory
 * reaches 0 in its 1st to 3rd iteration: #DE.
 */
static void t_fault(struct tprog *t)
{
	unsigned int k = 1 + t_rnd(t, 3), top;
	struct mop m;

	t_mop_at(t, &m, T_DIVISOR);		/* MOV byte [divisor], k */
	t_put(t, 0xc6);
	t_mop_put(t, &m, 0, 1);
	t_put(t, k);
	t_mov_cx(t, k + 2);
	top = t_here(t);
	t_io(t);
	t_mop_at(t, &m, T_DIVISOR);		/* DEC byte [divisor] */
	t_put(t, 0xfe);
	t_mop_put(t, &m, 1, 0);
	t_put(t, 0xb8 + R_AX);			/* MOV (E)AX, 7 */
	t_putn(t, 7, t_nat(t));
	t_mop_at(t, &m, T_DIVISOR);		/* DIV byte [divisor] */
	t_put(t, 0xf6);
	t_mop_put(t, &m, 6, 0);
	t_put(t, 0x01);			/* ADD AX, DX: defines flags */
	t_put(t, 0xc0 | R_DX << 3 | R_AX);
	t_count(t);
	t_put(t, 0xe2);
	t_rel8(t, top);
}

/* Registers, segments, the helpers every chunk may call. */
static void t_prologue(struct tprog *t)
{
	static const unsigned char ptrs[] = { R_BX, R_BP, R_SI, R_DI };
	unsigned int at, i;

	if (t->bits == 16) {
		t_put(t, 0xb8);				/* MOV AX, T_ES */
		t_putn(t, T_ES, 2);
		t_put(t, 0x8e);				/* MOV ES, AX */
		t_put(t, 0xc0);
		t_put(t, 0xb8);				/* MOV AX, T_FS */
		t_putn(t, T_FS, 2);
		t_put(t, 0x8e);				/* MOV FS, AX */
		t_put(t, 0xe0);
		t_put(t, 0xb8);				/* MOV AX, T_GS */
		t_putn(t, T_GS, 2);
		t_put(t, 0x8e);				/* MOV GS, AX */
		t_put(t, 0xe8);
	}
	for (i = 0; i < sizeof(ptrs); i++)
		t_ptr(t, ptrs[i]);
	for (i = R_AX; i <= R_DX; i++) {
		t_put(t, 0xb8 + i);
		t_putn(t, (unsigned long long)t_rnd(t, 65536) << 16 |
			  t_rnd(t, 65536), t_nat(t));
	}
	t_put(t, 0xe9);
	at = t->p.n;
	t_putn(t, 0, t_nat(t));
	t_helper(t);
	t_helper(t);
	t_patch_rel(t, at, t_nat(t), t_here(t));
}

static const enum vmm_mode t_modes[] = { VMM_REAL, VMM_PROT32, VMM_LONG };

static void make_trace(struct tprog *t, unsigned int seed)
{
	unsigned int i = seed - TRACE_SEED0, n, c, loop_at, mmio_at;

	memset(t, 0, sizeof(*t));
	t->p.rng = 0x9e3779b97f4a7c15ULL * (seed + 1);
	t->mode = t_modes[i % 3];
	t->bits = 16 << (i % 3);
	t->fault = i % 8 == 7;
	t_prologue(t);
	/* at least one loop and one MMIO chunk in every program */
	n = 5 + t_rnd(t, 4);
	loop_at = t_rnd(t, n);
	mmio_at = (loop_at + 1 + t_rnd(t, n - 1)) % n;
	for (c = 0; c < n; c++) {
		switch (c == loop_at ? 0 : c == mmio_at ? 9 : t_rnd(t, 10)) {
		case 0:
		case 1:
		case 2:
		case 3:
			t_loop(t);
			break;
		case 4:
			t_dac(t);
			break;
		case 5:
			t_jumps(t);
			break;
		case 6:
			t_jcxz(t);
			break;
		case 7:
			t_body(t, 48);
			break;
		case 8:
			t_calls(t);
			break;
		default:
			t_mmio(t);
			break;
		}
	}
	t_sreg_tail(t);
	if (t->fault)
		t_fault(t);
	t_put(t, 0xf4);
	for (c = 0; c < t->n_end_fix; c++)
		t_fix(t, &t->end_fix[c], t_here(t) + t_rnd(t, 16));
}

/* set around vmm_run(): alarm() is a call, the compiler keeps the order */
static struct kvm_run *running;

static void on_alarm(int sig)
{
	(void)sig;
	if (running)
		running->immediate_exit = 1;
}

/*
 * vmm_run() with a wall-clock bound: a program that went astray (under a
 * broken module) may spin in the guest without an exit, which MAX_RUNS
 * does not bound. SIGALRM sets immediate_exit: every further KVM_RUN
 * returns EINTR at once, and vmm_run() ends with -2 (runs exhausted), a
 * result no stock run has.
 */
static int run_bounded(struct vmm *vm)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	const char *secs = getenv("DIFF_SECS");
	int ret;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: KVM_RUN returns */
	running = vm->run;
	alarm(secs ? strtoul(secs, NULL, 0) : PROG_SECS);
	ret = vmm_run(vm, MAX_RUNS);
	alarm(0);
	running = NULL;
	return ret;
}

/* What a trace program did, read from the VM after its run. */
struct tstat {
	unsigned int loops;	/* iterations, as its loops counted them */
	unsigned int mmio;	/* accesses to the MMIO hole */
	unsigned int io;	/* userspace port accesses */
	bool smc;		/* its code bytes changed */
	bool at_end;		/* it ended at its final HLT */
	bool by_fault;		/* it ended at the exception handler's HLT */
};

static void print_iolog(const struct vmm *vm)
{
	unsigned int v;

	for (v = 0; v < vm->n_io && v < VMM_MAX_IOLOG; v++)
		printf("  io %u: %s port %#x size %u data %#x rip %#llx%s\n",
		       v, vm->iolog[v].in ? "in" : "out",
		       vm->iolog[v].port, vm->iolog[v].size,
		       vm->iolog[v].data,
		       (unsigned long long)vm->iolog[v].rip,
		       vm->iolog[v].folded ? " folded" : "");
	for (v = 0; v < vm->n_mmio && v < VMM_MAX_MMIOLOG; v++)
		printf("  mmio %u: %s %#llx len %u data %#llx rip %#llx\n",
		       v, vm->mmiolog[v].write ? "write" : "read",
		       (unsigned long long)vm->mmiolog[v].addr,
		       vm->mmiolog[v].len,
		       (unsigned long long)vm->mmiolog[v].data,
		       (unsigned long long)vm->mmiolog[v].rip);
}

/* The VMM side of both families: devices, and how it watches RIP. */
static void setup_vmm(struct vmm *vm, unsigned int seed)
{
	unsigned int v;

	vm->mem[HANDLER] = 0xf4;
	for (v = 0; v < 128; v++)
		vm->cmos[v] = (unsigned char)(v * 13 + 1);
	/* Half the VMMs watch RIP at every access, a quarter also sync. */
	vm->no_done_port = true;	/* programs end with HLT */
	vm->log_rip = seed & 1;
	vm->sync_regs = seed % 4 == 3;
}

static int run_prog(unsigned int seed, struct run_result *r)
{
	unsigned int v;
	struct prog p;
	struct vmm vm;
	char name[16];
	int err;

	make_prog(&p, seed);
	if (getenv("DIFF_VERBOSE"))
		fprintf(stderr, "# prog %u\n", seed);
	err = vmm_create(&vm, VMM_REAL, p.b, p.n);
	if (err)
		return err;
	for (v = 0; v < 32; v++) {		/* IVT: all vectors -> HLT */
		vm.mem[4 * v] = HANDLER & 0xff;
		vm.mem[4 * v + 1] = HANDLER >> 8;
	}
	setup_vmm(&vm, seed);
	snprintf(name, sizeof(name), "prog%u", seed);
	result_collect(&vm, run_bounded(&vm), name, r);
	if (getenv("DIFF_IOLOG"))
		print_iolog(&vm);
	vmm_destroy(&vm);
	return 0;
}

/* Data for the loads: the areas the pointers and ES reach, not the stack. */
static void trace_fill(struct vmm *vm, unsigned int seed)
{
	struct prog p = { .rng = 0xd1b54a32d192ed03ULL * (seed + 1) };
	unsigned int a;

	for (a = T_DATA; a < T_DATA + 0x1000; a++)
		vm->mem[a] = rnd(&p, 256);
	for (a = 0x9000; a < 0x11000; a++)
		vm->mem[a] = rnd(&p, 256);
}

static int run_trace(unsigned int seed, struct run_result *r,
		     struct tstat *st)
{
	static struct tprog t;
	struct vmm vm;
	char name[16];
	int err;

	make_trace(&t, seed);
	if (getenv("DIFF_VERBOSE"))
		fprintf(stderr, "# trace %u\n", seed);
	err = vmm_create(&vm, t.mode, t.p.b, t.p.n);
	if (err)
		return err;
	err = vmm_mmio_hole(&vm, T_MMIO, T_MMIO_LEN);
	if (!err)
		err = vmm_trap_exceptions(&vm, t.mode, HANDLER);
	if (err) {
		vmm_destroy(&vm);
		return err;
	}
	setup_vmm(&vm, seed);
	trace_fill(&vm, seed);
	snprintf(name, sizeof(name), "trace%u", seed);
	result_collect(&vm, run_bounded(&vm), name, r);
	memset(st, 0, sizeof(*st));
	st->loops = vm.mem[T_COUNT] | vm.mem[T_COUNT + 1] << 8;
	st->mmio = vm.n_mmio;
	st->io = vm.n_io;
	st->smc = memcmp(vm.mem + VMM_CODE_GPA, t.p.b, t.p.n);
	st->at_end = !r->status && r->regs.rip == VMM_CODE_GPA + t.p.n;
	st->by_fault = !r->status && r->regs.rip == HANDLER + 1;
	if (getenv("DIFF_IOLOG"))
		print_iolog(&vm);
	vmm_destroy(&vm);
	return 0;
}

#define N_ALL	(N_PROGS + N_TRACE)

/* The seed of program @i of a record: the random ones, then traces. */
static unsigned int seed_of(unsigned int i)
{
	return i < N_PROGS ? i : TRACE_SEED0 + i - N_PROGS;
}

static int run_seed(unsigned int seed, struct run_result *r,
		    struct tstat *st)
{
	struct tstat dummy;

	if (seed >= TRACE_SEED0)
		return run_trace(seed, r, st ? st : &dummy);
	return run_prog(seed, r);
}

/*
 * The trace family must have run as built: each program to where it was
 * built to end (its final HLT, or #DE in its last loop), with loops that
 * went round, MMIO and port accesses; some rewrote their own code.
 */
static void trace_checks(const struct run_result *r, const struct tstat *st)
{
	unsigned int i, as_built = 0, at_end = 0, by_fault = 0, working = 0;
	unsigned int smc = 0, loops = 0, mmio = 0, io = 0, mode_end[3] = { 0 };
	static struct tprog t;

	for (i = 0; i < N_TRACE; i++) {
		make_trace(&t, TRACE_SEED0 + i);
		if (!r[i].status && (t.fault ? st[i].by_fault : st[i].at_end))
			as_built++;
		at_end += st[i].at_end;
		by_fault += st[i].by_fault;
		if (st[i].at_end)
			mode_end[i % 3]++;
		if (st[i].loops && st[i].mmio && st[i].io)
			working++;
		smc += st[i].smc;
		loops += st[i].loops;
		mmio += st[i].mmio;
		io += st[i].io;
	}
	tap_ok(as_built == N_TRACE && by_fault && mode_end[0] && mode_end[1] &&
	       mode_end[2],
	       "stock: %u of %u trace programs ended as built: %u at their final HLT (real/32/64-bit: %u/%u/%u), %u by #DE",
	       as_built, N_TRACE, at_end, mode_end[0], mode_end[1],
	       mode_end[2], by_fault);
	tap_ok(working == N_TRACE && smc,
	       "stock: %u of %u trace programs looped, did MMIO and port IO: %u loop iterations, %u MMIO and %u port accesses; %u rewrote their code",
	       working, N_TRACE, loops, mmio, io, smc);
}

static int record(const char *file)
{
	static struct run_result r[N_ALL];
	static struct tstat st[N_TRACE];
	unsigned int i, ended = 0;

	if (iob_loaded())
		return tap_skip_all("kvm_iobatch is loaded: record needs stock KVM");
	tap_plan(4);
	for (i = 0; i < N_PROGS; i++)
		if (!run_prog(i, &r[i]) && r[i].status == 0)
			ended++;
	tap_ok(ended == N_PROGS, "stock: %u of %u random programs ran to HLT",
	       ended, N_PROGS);
	for (i = 0; i < N_TRACE; i++)
		if (run_trace(TRACE_SEED0 + i, &r[N_PROGS + i], &st[i]))
			r[N_PROGS + i].status = -100;
	trace_checks(r + N_PROGS, st);
	tap_ok(!result_save(file, r, N_ALL), "saved to %s", file);
	return tap_finish();
}

/* Programs @from..@to-1 of the record, against stock's results. */
static void compare_range(const char *label, const char *what,
			  const struct run_result *s, unsigned int from,
			  unsigned int to)
{
	unsigned int i, same = 0, seed;
	struct run_result m;

	for (i = from; i < to; i++) {
		seed = seed_of(i);
		if (!run_seed(seed, &m, NULL) && result_same_guest(&m, &s[i]))
			same++;
		else
			tap_diag("%s: program %u differs (diff_test --one %u)",
				 label, seed, seed);
	}
	tap_ok(same == to - from,
	       "%s: %u of %u %s identical to stock (regs, RAM, userspace IO and MMIO)",
	       label, same, to - from, what);
}

static void compare_pass(const char *label, const struct run_result *s)
{
	compare_range(label, "random programs", s, 0, N_PROGS);
	compare_range(label, "trace programs", s, N_PROGS, N_ALL);
}

static int compare(const char *file)
{
	static struct run_result s[N_ALL];
	long long saved0, saved1, cuts, folded0, folded1;
	long long traces0, jumps0, smc0;

	if (!iob_loaded())
		return tap_skip_all("kvm_iobatch is not loaded");
	if (result_load(file, s, N_ALL))
		return tap_skip_all("no stock record %s", file);
	tap_plan(7);
	saved0 = iob_global_stat("exits_saved");
	folded0 = iob_global_stat("folded");
	traces0 = iob_global_stat("traces");
	jumps0 = iob_global_stat("trace_jumps");
	smc0 = iob_global_stat("trace_smc");
	compare_pass("extent 64, max_insns 32", s);
	iob_write_file(IOB_SYSFS "/extent", "4096");
	iob_write_file(IOB_SYSFS "/max_insns", "256");
	compare_pass("extent 4096, max_insns 256", s);
	iob_write_file(IOB_SYSFS "/extent", "64");
	iob_write_file(IOB_SYSFS "/max_insns", "32");
	saved1 = iob_global_stat("exits_saved");
	cuts = iob_global_stat("cuts");
	folded1 = iob_global_stat("folded");
	tap_ok(saved1 - saved0 > N_PROGS,
	       "batching was exercised: %lld exits saved, %lld blocks cut so far",
	       saved1 - saved0, cuts);
	tap_ok(folded1 - folded0 > N_PROGS / 4,
	       "folding was exercised: %lld OUTs sent in another OUT's exit",
	       folded1 - folded0);
	/* the trace programs ran as traces: loops, and stores into code */
	traces0 = iob_global_stat("traces") - traces0;
	jumps0 = iob_global_stat("trace_jumps") - jumps0;
	smc0 = iob_global_stat("trace_smc") - smc0;
	tap_ok(traces0 > N_TRACE && jumps0 > N_TRACE && smc0 > 0,
	       "traces were exercised: %lld traces, %lld jumps taken in them, %lld ended by a store into their code",
	       traces0, jumps0, smc0);
	return tap_finish();
}

/*
 * The bytes of one program, for a disassembler: objdump -b binary -m
 * i8086 (random programs; trace programs: the mode printed to stderr).
 */
static int dump(const char *arg)
{
	unsigned int seed = (unsigned int)strtoul(arg, NULL, 0);
	static struct tprog t;
	struct prog p;

	if (seed >= TRACE_SEED0) {
		make_trace(&t, seed);
		fprintf(stderr, "objdump -D -b binary -m %s --adjust-vma=%#x\n",
			t.bits == 16 ? "i8086" : t.bits == 32 ? "i386" :
			"i386:x86-64", VMM_CODE_GPA);
		p = t.p;
	} else {
		make_prog(&p, seed);
	}
	return fwrite(p.b, 1, p.n, stdout) == p.n ? 0 : 1;
}

/* Run one program and describe how it ended (for debugging). */
static int one(unsigned int seed)
{
	struct run_result r;
	struct tstat st = { 0 };
	int err = run_seed(seed, &r, &st);

	printf("%s: err %d status %d rip %#llx io %u io_exits %lld mem %016llx io %016llx\n",
	       r.name, err, r.status, r.regs.rip, r.n_io, r.io_exits,
	       (unsigned long long)r.mem_hash, (unsigned long long)r.io_hash);
	printf("  userspace IO exits %lu, folded %u, exit hash %016llx, mmio %u hash %016llx\n",
	       r.user_io_exits, r.n_folded, (unsigned long long)r.exit_hash,
	       r.n_mmio, (unsigned long long)r.mmio_hash);
	printf("  rax %llx rbx %llx rcx %llx rdx %llx rsi %llx rdi %llx rbp %llx rsp %llx rflags %llx\n",
	       r.regs.rax, r.regs.rbx, r.regs.rcx, r.regs.rdx, r.regs.rsi,
	       r.regs.rdi, r.regs.rbp, r.regs.rsp, r.regs.rflags);
	if (seed >= TRACE_SEED0)
		printf("  trace: loops %u, smc %d, ended %s\n", st.loops,
		       st.smc, st.at_end ? "at the final HLT" :
		       st.by_fault ? "by an exception" : "elsewhere");
	return err || r.status;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--dump"))
		return dump(argv[2]);
	/* --one SEED [LAST]: programs SEED..LAST in one process */
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "--one")) {
		unsigned int s = strtoul(argv[2], NULL, 0), last = s;
		int ret = 0;

		if (argc == 4)
			last = strtoul(argv[3], NULL, 0);
		for (; s <= last; s++)
			ret |= one(s);
		return ret;
	}
	/* --record, --compare, or both with --ko PATH (lib/result.c) */
	return result_main(argc, argv, record, compare);
}
