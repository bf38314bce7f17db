// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-iobatch instruction scanner.
 *
 * Pure C, shared by the kernel module, the userspace unit test and the
 * libFuzzer target: no libc, no kernel headers beyond what scan.h pulls in.
 *
 * Length decoding
 * ---------------
 * iob_decode() computes the length of one instruction in 16, 32 or 64-bit
 * code: legacy prefixes (66, 67, F0, F2, F3, 26, 2E, 36, 3E, 64, 65), REX
 * (40-4F, 64-bit mode only; like hardware and the KVM emulator, a REX prefix
 * followed by a legacy prefix is ignored and of several REX prefixes the last
 * one counts), the one-byte map, the 0F map, the 0F 38 map (ModRM) and the
 * 0F 3A map (ModRM + imm8), ModRM/SIB/displacement including the 16-bit
 * addressing forms and RIP-relative addressing, and all immediate forms
 * (imm8/16/32/64, moffs, ENTER, far pointers, group 3 TEST).
 *
 * Encodings that are undefined for every ModRM and prefix combination are
 * IOB_INSN_BAD (this includes 0F 24/0F 26, the 386/486 test register moves,
 * and the vendor specific 66/F2 0F 78, AMD's EXTRQ/INSERTQ), as are the
 * one-byte opcodes that do not exist in 64-bit mode (06 07 0E 16 17 1E 1F 27
 * 2F 37 3F 60 61 62 82 9A C4 C5 CE D4 D5 D6 EA) and VEX (C4/C5), EVEX (62)
 * and XOP (8F with ModRM.reg != 0) encodings in every mode. Instructions
 * longer than IOB_MAX_INSN_LEN bytes are IOB_INSN_BAD.
 *
 * Near branches with a 16/32-bit displacement (E8, E9, 0F 80-8F) always take
 * rel32 in 64-bit mode: the Intel (and KVM emulator) behaviour; AMD honours
 * a 66 prefix there. Such instructions end a block (IOB_INSN_STOP).
 *
 * Classification
 * --------------
 * IOB_INSN_IO: E4-E7 (port imm8) and EC-EF (port DX). Access size 1 for the
 * byte forms, else 2 or 4 by operand size; REX.W is ignored (the emulator
 * clamps the size to 4 bytes).
 *
 * Any F0, F2 or F3 prefix makes an instruction IOB_INSN_STOP (this covers
 * PAUSE, REP-prefixed IO, TZCNT/LZCNT/POPCNT and friends).
 *
 * The classes of every opcode are in one place, the tables map1_class,
 * map0f_class and the group tables (grp1 ... grp11) below; the reasons
 * are here. All of them are what the Linux 6.1 KVM emulator
 * (arch/x86/kvm/emulate.c) implements exactly like hardware.
 *
 * IOB_INSN_PLAIN (C_R; LEA: C_LEA) touches only general purpose registers
 * and RFLAGS: a ModRM instruction in register form (mod == 3), or one
 * without a ModRM byte; LEA needs mod != 3 and never accesses memory
 * (NoAccess in the emulator). Straight-line blocks hold only these and IO:
 * ALU (fastop), INC/DEC r (16/32-bit code; REX in 64-bit code), IMUL (69
 * 6B 0F AF, em_imul_3op), group 1, TEST, XCHG, MOV, LEA, NOP and XCHG
 * r, rAX (F3 90 PAUSE is a stop), CBW/CWD and kin, TEST rAX, MOV r, imm,
 * group 2 shifts and rotates but /6, CMC CLC STC CLD STD, group 3 but /1
 * (#DE from DIV/IDIV ends the block in the kernel), FE/FF /0 /1, CMOVcc (a
 * false 32-bit CMOV still zero-extends, as on hardware), SETcc, BT* (0F A3
 * AB B3 BB, group 8 /4-/7), SHLD/SHRD, MOVZX/MOVSX, BSF/BSR but a 32-bit
 * operand in 64-bit code, XADD (SrcWrite is written back before the
 * destination, so XADD r, r with one register matches hardware), BSWAP
 * but with a 16-bit operand.
 *
 * Traces (iob_scan_trace()) also run:
 *   IOB_INSN_MEM (C_MR reads memory, C_MW may write it): the memory forms
 *     of ALU, TEST, MOV (88-8B, C6/C7 /0, A0-A3 moffs), IMUL, group 1,
 *     group 2 but /6, group 3 but /1, INC/DEC, SETcc, MOVZX/MOVSX, CMOVcc,
 *     BT imm8; PUSH r, PUSH imm, POP r; and MOV ES/DS/FS/GS, r/m, which
 *     only in real mode is as simple as the rest (no descriptor load, no
 *     fault: the executor checks the mode). Memory goes through the
 *     emulator with the guest's page tables, as on a stock MMIO exit.
 *   IOB_INSN_JUMP (C_J): Jcc, JMP and CALL rel, RET, RET imm16, LOOPcc,
 *     JCXZ. In 64-bit code a 66 prefix makes near branches, PUSH and POP
 *     16-bit on AMD and is ignored on Intel and by the emulator: stop.
 * Left out of traces: XCHG and XADD with memory (implicitly locked), BT*
 * r/m, r with memory (the register bit offset reaches up to 256 MiB
 * away), SHLD/SHRD, BSF/BSR and XADD with memory (to keep the list small),
 * PUSH/POP r/m (FF /6, 8F), MOV SS (an interrupt shadow), indirect and far
 * branches, PUSHF/POPF (IF), ENTER/LEAVE.
 *
 * Undocumented aliases stay out even where the emulator runs them (82 for
 * 80, group 2 /6 for SHL, F6/F7 /1 for TEST): CPUs differ on them (QEMU's
 * TCG raises #UD for F6/F7 /1, which diff_test found), and a block must
 * not turn a fault into a result.
 *
 * Emulator gaps and divergences that keep an instruction out of the list:
 *   - BSF/BSR with a zero source: the emulator skips the write back
 *     (em_bsf_c/em_bsr_c), but Intel CPUs clear bits 63:32 of the
 *     destination for a 32-bit operand (see the comment in
 *     arch/x86/include/asm/bitops.h), so that form is not batched in 64-bit
 *     code.
 *   - BSWAP with a 16-bit operand is architecturally undefined.
 *   - 27 DAA, 37 AAA, 3F AAS are N (not implemented) in opcode_table; 2F
 *     DAS, D4 AAM, D5 AAD, D6 SALC are implemented but not whitelisted.
 *   - 0F BA /0-/3, FE /2-/7, FF /7, 8D with mod == 3 are undefined or N.
 *   - C6/C7 /0 with mod == 3 (MOV r, imm), 63 MOVSXD, 9E SAHF, 9F LAHF and
 *     the 0F 1F / 0F 18 hint NOPs look correctly emulated but are left out
 *     to keep the list small.
 * Everything else (INT/IRET, HLT, CLI/STI, PUSHF/POPF, string
 * instructions including INS/OUTS, system instructions, x87/MMX/SSE) is
 * IOB_INSN_STOP.
 */
#include <kvm_iobatch/scan.h>

/* Attributes of an opcode byte in the one-byte and 0F maps. */
#define A_M	0x01	/* a ModRM byte follows */
#define A_I8	0x02	/* imm8 */
#define A_IW	0x04	/* imm16 */
#define A_IZ	0x08	/* imm16 or imm32 by operand size */
#define A_JZ	0x10	/* rel16 or rel32: like A_IZ but rel32 in 64-bit mode */
#define A_X	0x20	/* needs opcode specific handling */
#define A_N64	0x40	/* invalid in 64-bit mode */
#define A_UD	0x80	/* undefined in every mode */

#define M	A_M
#define MI	(A_M | A_I8)
#define MZ	(A_M | A_IZ)
#define I8	A_I8
#define IZ	A_IZ
#define N64	A_N64
#define UD	A_UD

/*
 * One-byte map. Prefix bytes (26 2E 36 3E 40-4F in 64-bit mode, 64-67, F0
 * F2 F3) never reach this table; 40-4F outside 64-bit mode are INC/DEC.
 */
static const u8 map1_attr[256] = {
	/* 00 */ M, M, M, M, I8, IZ, N64, N64,
	/* 08 */ M, M, M, M, I8, IZ, N64, A_X,
	/* 10 */ M, M, M, M, I8, IZ, N64, N64,
	/* 18 */ M, M, M, M, I8, IZ, N64, N64,
	/* 20 */ M, M, M, M, I8, IZ, 0, N64,
	/* 28 */ M, M, M, M, I8, IZ, 0, N64,
	/* 30 */ M, M, M, M, I8, IZ, 0, N64,
	/* 38 */ M, M, M, M, I8, IZ, 0, N64,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 48 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 58 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ N64, N64, M | N64 | A_X, M, 0, 0, 0, 0,
	/* 68 */ IZ, MZ, I8, MI, 0, 0, 0, 0,
	/* 70 */ I8, I8, I8, I8, I8, I8, I8, I8,
	/* 78 */ I8, I8, I8, I8, I8, I8, I8, I8,
	/* 80 */ MI, MZ, MI | N64, MI, M, M, M, M,
	/* 88 */ M, M, M, M, M, M, M, M | A_X,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 98 */ 0, 0, A_X | N64, 0, 0, 0, 0, 0,
	/* a0 */ A_X, A_X, A_X, A_X, 0, 0, 0, 0,
	/* a8 */ I8, IZ, 0, 0, 0, 0, 0, 0,
	/* b0 */ I8, I8, I8, I8, I8, I8, I8, I8,
	/* b8 */ A_X, A_X, A_X, A_X, A_X, A_X, A_X, A_X,
	/* c0 */ MI, MI, A_IW, 0, M | N64 | A_X, M | N64 | A_X, MI | A_X,
		 MZ | A_X,
	/* c8 */ A_IW | A_I8, 0, A_IW, 0, 0, I8, N64, 0,
	/* d0 */ M, M, M, M, I8 | N64, I8 | N64, N64, 0,
	/* d8 */ M, M, M, M, M, M, M, M,
	/* e0 */ I8, I8, I8, I8, I8, I8, I8, I8,
	/* e8 */ A_JZ, A_JZ, A_X | N64, I8, 0, 0, 0, 0,
	/* f0 */ 0, 0, 0, 0, 0, 0, M | A_X, M | A_X,
	/* f8 */ 0, 0, 0, 0, 0, 0, M | A_X, M | A_X,
};

/* 0F map. 0F 38 and 0F 3A are escapes handled in the decoder. */
static const u8 map0f_attr[256] = {
	/* 00 */ M, M, M, M, UD, 0, 0, 0,
	/* 08 */ 0, 0, UD, 0, UD, M, 0, MI,
	/* 10 */ M, M, M, M, M, M, M, M,
	/* 18 */ M, M, M, M, M, M, M, M,
	/* 20 */ M | A_X, M | A_X, M | A_X, M | A_X, UD, UD, UD, UD,
	/* 28 */ M, M, M, M, M, M, M, M,
	/* 30 */ 0, 0, 0, 0, 0, 0, UD, 0,
	/* 38 */ A_X, UD, A_X, UD, UD, UD, UD, UD,
	/* 40 */ M, M, M, M, M, M, M, M,
	/* 48 */ M, M, M, M, M, M, M, M,
	/* 50 */ M, M, M, M, M, M, M, M,
	/* 58 */ M, M, M, M, M, M, M, M,
	/* 60 */ M, M, M, M, M, M, M, M,
	/* 68 */ M, M, M, M, M, M, M, M,
	/* 70 */ MI, MI, MI, MI, M, M, M, 0,
	/* 78 */ M, M, UD, UD, M, M, M, M,
	/* 80 */ A_JZ, A_JZ, A_JZ, A_JZ, A_JZ, A_JZ, A_JZ, A_JZ,
	/* 88 */ A_JZ, A_JZ, A_JZ, A_JZ, A_JZ, A_JZ, A_JZ, A_JZ,
	/* 90 */ M, M, M, M, M, M, M, M,
	/* 98 */ M, M, M, M, M, M, M, M,
	/* a0 */ 0, 0, 0, M, MI, M, UD, UD,
	/* a8 */ 0, 0, 0, M, MI, M, M, M,
	/* b0 */ M, M, M, M, M, M, M, M,
	/* b8 */ M, M, MI, M, M, M, M, M,
	/* c0 */ M, M, MI, M, MI, MI, MI, M,
	/* c8 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* d0 */ M, M, M, M, M, M, M, M,
	/* d8 */ M, M, M, M, M, M, M, M,
	/* e0 */ M, M, M, M, M, M, M, M,
	/* e8 */ M, M, M, M, M, M, M, M,
	/* f0 */ M, M, M, M, M, M, M, M,
	/* f8 */ M, M, M, M, M, M, M, M,
};

#undef M
#undef MI
#undef MZ
#undef I8
#undef IZ
#undef N64
#undef UD

/*
 * Classes of an opcode in its ModRM form: what a block may do with it.
 * The reasons for each entry are in the comment at the top of this file.
 */
#define C_R	0x01	/* plain: in register form (mod == 3), or no ModRM */
#define C_MR	0x02	/* trace: memory form (or implicit memory), reads */
#define C_MW	0x04	/* trace: memory form (or implicit), may write */
#define C_LEA	0x08	/* plain in memory form, which it never accesses */
#define C_J	0x10	/* trace: near JMP/Jcc/LOOP/CALL/RET */
#define C_IO	0x20	/* IN/OUT imm8 and DX forms */
#define C_G	0x40	/* the class is in a group table, by ModRM.reg */
#define C_UD	0x80	/* (group tables) undefined: undecodable */

#define R	C_R
#define RMR	(C_R | C_MR)
#define RMW	(C_R | C_MW)
#define MR	C_MR
#define MW	C_MW
#define J	C_J
#define IO	C_IO
#define G	C_G
#define U	C_UD

static const u8 map1_class[256] = {
	/* 00 */ RMW, RMW, RMR, RMR, R, R, 0, 0,	/* ADD */
	/* 08 */ RMW, RMW, RMR, RMR, R, R, 0, 0,	/* OR */
	/* 10 */ RMW, RMW, RMR, RMR, R, R, 0, 0,	/* ADC */
	/* 18 */ RMW, RMW, RMR, RMR, R, R, 0, 0,	/* SBB */
	/* 20 */ RMW, RMW, RMR, RMR, R, R, 0, 0,	/* AND */
	/* 28 */ RMW, RMW, RMR, RMR, R, R, 0, 0,	/* SUB */
	/* 30 */ RMW, RMW, RMR, RMR, R, R, 0, 0,	/* XOR */
	/* 38 */ RMR, RMR, RMR, RMR, R, R, 0, 0,	/* CMP */
	/* 40 */ R, R, R, R, R, R, R, R,		/* INC r (not 64) */
	/* 48 */ R, R, R, R, R, R, R, R,		/* DEC r (not 64) */
	/* 50 */ MW, MW, MW, MW, MW, MW, MW, MW,	/* PUSH r */
	/* 58 */ MR, MR, MR, MR, MR, MR, MR, MR,	/* POP r */
	/* 60 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 68 */ MW, RMR, MW, RMR, 0, 0, 0, 0,	/* PUSH imm, IMUL */
	/* 70 */ J, J, J, J, J, J, J, J,		/* Jcc rel8 */
	/* 78 */ J, J, J, J, J, J, J, J,
	/* 80 */ G, G, 0, G, RMR, RMR, R, R,	/* grp1, TEST, XCHG */
	/* 88 */ RMW, RMW, RMR, RMR, 0, C_LEA, 0, G,	/* MOV, LEA */
	/* 90 */ R, R, R, R, R, R, R, R,		/* NOP, XCHG rAX */
	/* 98 */ R, R, 0, 0, 0, 0, 0, 0,		/* CBW, CWD */
	/* a0 */ MR, MR, MW, MW, 0, 0, 0, 0,	/* MOV moffs */
	/* a8 */ R, R, 0, 0, 0, 0, 0, 0,		/* TEST rAX, imm */
	/* b0 */ R, R, R, R, R, R, R, R,		/* MOV r, imm */
	/* b8 */ R, R, R, R, R, R, R, R,
	/* c0 */ G, G, J, J, 0, 0, G, G,		/* grp2, RET, grp11 */
	/* c8 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* d0 */ G, G, G, G, 0, 0, 0, 0,		/* grp2 */
	/* d8 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* e0 */ J, J, J, J, IO, IO, IO, IO,	/* LOOPcc, JCXZ, IN/OUT */
	/* e8 */ J, J, 0, J, IO, IO, IO, IO,	/* CALL, JMP */
	/* f0 */ 0, 0, 0, 0, 0, R, G, G,		/* CMC, grp3 */
	/* f8 */ R, R, 0, 0, R, R, G, G,		/* CLC STC CLD STD, grp4/5 */
};

static const u8 map0f_class[256] = {
	[0x40 ... 0x4f] = RMR,			/* CMOVcc */
	[0x80 ... 0x8f] = J,			/* Jcc rel16/32 */
	[0x90 ... 0x9f] = RMW,			/* SETcc */
	[0xa3] = R, [0xab] = R, [0xb3] = R, [0xbb] = R,	/* BT* r/m, r */
	[0xa4] = R, [0xa5] = R, [0xac] = R, [0xad] = R,	/* SHLD, SHRD */
	[0xaf] = RMR,				/* IMUL r, r/m */
	[0xb6] = RMR, [0xb7] = RMR, [0xbe] = RMR, [0xbf] = RMR, /* MOVZX/SX */
	[0xba] = G,				/* grp8 */
	[0xbc] = R, [0xbd] = R,			/* BSF, BSR */
	[0xc0] = R, [0xc1] = R,			/* XADD */
	[0xc8 ... 0xcf] = R,			/* BSWAP */
};

/* Group tables, indexed by ModRM.reg. */
static const u8 grp1[8] = { RMW, RMW, RMW, RMW, RMW, RMW, RMW, RMR };
static const u8 grp1a[8] = { 0, U, U, U, U, U, U, U };	/* 8F: POP, XOP */
static const u8 grp2[8] = { RMW, RMW, RMW, RMW, RMW, RMW, 0, RMW };
static const u8 grp3[8] = { RMR, 0, RMW, RMW, RMR, RMR, RMR, RMR };
static const u8 grp4[8] = { RMW, RMW, U, U, U, U, U, U };
static const u8 grp5[8] = { RMW, RMW, 0, 0, 0, 0, 0, U };
static const u8 grp8[8] = { 0, 0, 0, 0, RMR, RMW, RMW, RMW };
static const u8 grp11[8] = { MW, U, U, U, U, U, U, U };

#undef R
#undef RMR
#undef RMW
#undef MR
#undef MW
#undef J
#undef IO
#undef G
#undef U

/* Opcode maps. */
#define MAP_1		1	/* one-byte opcodes */
#define MAP_0F		2	/* 0F xx */
#define MAP_0F38	3	/* 0F 38 xx */
#define MAP_0F3A	4	/* 0F 3A xx */

/* Internal decode status; DEC_TRUNC means "ran out of bytes" only. */
#define DEC_OK		0
#define DEC_BAD		1
#define DEC_TRUNC	2

/**
 * struct iob_dec - decoder state for one instruction
 * @buf: instruction bytes
 * @avail: bytes readable at @buf
 * @pos: bytes consumed so far
 * @mode: code size
 * @opsz: effective operand size in bytes (2, 4 or 8)
 * @adsz: effective address size in bytes (2, 4 or 8)
 * @rex: effective REX prefix, 0 if none
 * @pfx_lock_rep: an F0, F2 or F3 prefix was seen
 * @pfx_66_f2: a 66 or F2 prefix was seen
 * @map: opcode map, MAP_*
 * @op: last opcode byte
 * @has_modrm: a ModRM byte was decoded
 * @modrm: the ModRM byte
 * @modrm_pos: offset of the ModRM byte (a SIB byte follows it)
 * @seg: segment override (0-5, ES CS SS DS FS GS) + 1, 0 if none
 */
struct iob_dec {
	const u8 *buf;
	unsigned int avail;
	unsigned int pos;
	unsigned int mode;
	unsigned int opsz;
	unsigned int adsz;
	unsigned int rex;
	unsigned int pfx_lock_rep;
	unsigned int pfx_66_f2;
	unsigned int map;
	unsigned int op;
	unsigned int has_modrm;
	unsigned int modrm;
	unsigned int modrm_pos;
	unsigned int seg;
};

/* The class of the decoded opcode (C_*), its group resolved by ModRM.reg. */
static unsigned int dec_class(const struct iob_dec *d)
{
	unsigned int reg = (d->modrm >> 3) & 7;
	unsigned int cls;

	if (d->map == MAP_0F)
		cls = map0f_class[d->op];
	else if (d->map == MAP_1)
		cls = map1_class[d->op];
	else
		return 0;
	if (!(cls & C_G))
		return cls;
	if (d->map == MAP_0F)
		return grp8[reg];	/* 0F BA */
	switch (d->op) {
	case 0x80: case 0x81: case 0x83:
		return grp1[reg];
	case 0x8f:
		return grp1a[reg];
	case 0xc0: case 0xc1: case 0xd0 ... 0xd3:
		return grp2[reg];
	case 0xc6: case 0xc7:
		return grp11[reg];
	case 0xf6: case 0xf7:
		return grp3[reg];
	case 0xfe:
		return grp4[reg];
	default:
		return grp5[reg];	/* FF */
	}
}

/*
 * Check that @n more bytes may be consumed: more than IOB_MAX_INSN_LEN bytes
 * in total is DEC_BAD whatever @avail says, running past @avail is
 * DEC_TRUNC.
 */
static int dec_need(const struct iob_dec *d, unsigned int n)
{
	if (d->pos + n > IOB_MAX_INSN_LEN)
		return DEC_BAD;
	if (d->pos + n > d->avail)
		return DEC_TRUNC;
	return DEC_OK;
}

static int dec_byte(struct iob_dec *d, unsigned int *b)
{
	int st = dec_need(d, 1);

	if (st != DEC_OK)
		return st;
	*b = d->buf[d->pos++];
	return DEC_OK;
}

/* Consume prefixes, leave the first opcode byte in d->op. */
static int dec_prefixes(struct iob_dec *d)
{
	unsigned int b, pfx66 = 0, pfx67 = 0;
	int st;

	for (;;) {
		st = dec_byte(d, &b);
		if (st != DEC_OK)
			return st;
		if (b == 0x66) {
			pfx66 = 1;
			d->pfx_66_f2 = 1;
		} else if (b == 0x67) {
			pfx67 = 1;
		} else if (b == 0xf0 || b == 0xf2 || b == 0xf3) {
			d->pfx_lock_rep = 1;
			if (b == 0xf2)
				d->pfx_66_f2 = 1;
		} else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e) {
			d->seg = 1 + ((b >> 3) & 3);	/* ES CS SS DS */
		} else if (b == 0x64 || b == 0x65) {
			d->seg = 1 + (b & 1) + 4;	/* FS GS */
		} else if (d->mode == IOB_MODE_64 && (b & 0xf0) == 0x40) {
			d->rex = b;
			continue;
		} else {
			break;
		}
		/* A legacy prefix after REX cancels the REX prefix. */
		d->rex = 0;
	}
	d->op = b;

	switch (d->mode) {
	case IOB_MODE_16:
		d->opsz = pfx66 ? 4 : 2;
		d->adsz = pfx67 ? 4 : 2;
		break;
	case IOB_MODE_32:
		d->opsz = pfx66 ? 2 : 4;
		d->adsz = pfx67 ? 2 : 4;
		break;
	default:
		if (d->rex & 0x08)
			d->opsz = 8;	/* REX.W wins over 66 */
		else
			d->opsz = pfx66 ? 2 : 4;
		d->adsz = pfx67 ? 4 : 8;
		break;
	}
	return DEC_OK;
}

/* Bytes of SIB and displacement after the ModRM byte (SIB is consumed). */
static int dec_modrm_tail(struct iob_dec *d, unsigned int *disp)
{
	unsigned int mod = d->modrm >> 6, rm = d->modrm & 7, sib;
	int st;

	*disp = 0;
	if (mod == 3)
		return DEC_OK;

	if (d->adsz == 2) {
		if (mod == 1)
			*disp = 1;
		else if (mod == 2 || rm == 6)
			*disp = 2;
		return DEC_OK;
	}

	if (rm == 4) {
		st = dec_byte(d, &sib);
		if (st != DEC_OK)
			return st;
		/* base == 5 with mod == 0: no base, disp32 */
		if (mod == 0 && (sib & 7) == 5)
			*disp = 4;
	} else if (mod == 0 && rm == 5) {
		*disp = 4;	/* disp32, RIP-relative in 64-bit mode */
	}
	if (mod == 1)
		*disp = 1;
	else if (mod == 2)
		*disp = 4;
	return DEC_OK;
}

/*
 * Opcode specific checks and immediates of the one-byte map entries marked
 * A_X. The ModRM byte, if any, has been read. Adds to *imm.
 */
static int dec_special1(const struct iob_dec *d, unsigned int *imm)
{
	unsigned int reg = (d->modrm >> 3) & 7;
	unsigned int mod = d->modrm >> 6;

	switch (d->op) {
	case 0x62:		/* BOUND, or EVEX with mod == 3 */
	case 0xc4:		/* LES, or 3-byte VEX with mod == 3 */
	case 0xc5:		/* LDS, or 2-byte VEX with mod == 3 */
		if (mod == 3)
			return DEC_BAD;
		break;
	case 0x9a:		/* CALL ptr16:16/32 */
	case 0xea:		/* JMP ptr16:16/32 */
		*imm += d->opsz == 2 ? 4 : 6;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:	/* MOV moffs */
		*imm += d->adsz;
		break;
	case 0xb8: case 0xb9: case 0xba: case 0xbb:	/* MOV r, imm */
	case 0xbc: case 0xbd: case 0xbe: case 0xbf:
		*imm += d->opsz;
		break;
	case 0xc6:		/* F8 XABORT imm8 (group 11 has /0 only) */
	case 0xc7:		/* F8 XBEGIN rel */
		if (d->modrm == 0xf8)
			return DEC_OK;
		break;
	case 0xf6:		/* group 3: /0 /1 TEST r/m, imm */
		if (reg < 2)
			*imm += 1;
		break;
	case 0xf7:
		if (reg < 2)
			*imm += d->opsz == 2 ? 2 : 4;
		break;
	}
	if (d->has_modrm && (dec_class(d) & C_UD))
		return DEC_BAD;
	return DEC_OK;
}

/* Decode the length of one instruction into @d. */
static int dec_insn(struct iob_dec *d)
{
	unsigned int attr, imm = 0, disp = 0, b;
	int st;

	st = dec_prefixes(d);
	if (st != DEC_OK)
		return st;

	d->map = MAP_1;
	attr = map1_attr[d->op];
	if (d->op == 0x0f) {
		st = dec_byte(d, &b);
		if (st != DEC_OK)
			return st;
		d->op = b;
		d->map = MAP_0F;
		attr = map0f_attr[b];
		if (b == 0x38 || b == 0x3a) {
			st = dec_byte(d, &b);
			if (st != DEC_OK)
				return st;
			d->map = d->op == 0x38 ? MAP_0F38 : MAP_0F3A;
			d->op = b;
			attr = d->map == MAP_0F38 ? A_M : A_M | A_I8;
		}
	}

	if (attr & A_UD)
		return DEC_BAD;
	if ((attr & A_N64) && d->mode == IOB_MODE_64)
		return DEC_BAD;
	/*
	 * 66/F2 0F 78 is EXTRQ/INSERTQ with two imm8 on AMD and undefined on
	 * Intel (VMREAD): vendor specific, so undecodable.
	 */
	if (d->map == MAP_0F && d->op == 0x78 && d->pfx_66_f2)
		return DEC_BAD;

	if (attr & A_M) {
		st = dec_byte(d, &b);
		if (st != DEC_OK)
			return st;
		d->has_modrm = 1;
		d->modrm = b;
		d->modrm_pos = d->pos - 1;
	}

	if (d->map == MAP_1 && (attr & A_X)) {
		st = dec_special1(d, &imm);
		if (st != DEC_OK)
			return st;
	}

	/*
	 * MOV to/from control and debug registers (0F 20-23) ignore the mod
	 * field: the ModRM byte always names a register.
	 */
	if (d->has_modrm && !(d->map == MAP_0F && (attr & A_X))) {
		st = dec_modrm_tail(d, &disp);
		if (st != DEC_OK)
			return st;
	}

	if (attr & A_I8)
		imm += 1;
	if (attr & A_IW)
		imm += 2;
	if (attr & A_IZ)
		imm += d->opsz == 2 ? 2 : 4;
	if (attr & A_JZ)
		imm += (d->opsz == 2 && d->mode != IOB_MODE_64) ? 2 : 4;

	st = dec_need(d, disp + imm);
	if (st != DEC_OK)
		return st;
	d->pos += disp + imm;
	return DEC_OK;
}

/*
 * The kind of a decoded instruction, from its class (dec_class()) and the
 * few facts that depend on the mode or the operand size.
 */
static unsigned int dec_kind(const struct iob_dec *d)
{
	unsigned int cls = dec_class(d);
	unsigned int mem = d->has_modrm && (d->modrm >> 6) != 3;

	if (d->pfx_lock_rep)
		return IOB_INSN_STOP;
	if (cls & C_IO)
		return IOB_INSN_IO;
	if (d->map == MAP_0F) {
		/* BSF/BSR: the comment at the top; BSWAP r16 is undefined */
		if ((d->op == 0xbc || d->op == 0xbd) &&
		    d->mode == IOB_MODE_64 && d->opsz == 4)
			return IOB_INSN_STOP;
		if (d->op >= 0xc8 && d->op <= 0xcf && d->opsz == 2)
			return IOB_INSN_STOP;
	}
	/*
	 * In 64-bit code a 66 prefix makes near branches, PUSH and POP
	 * 16-bit on AMD and is ignored by Intel and the emulator.
	 */
	if (d->mode == IOB_MODE_64 && d->opsz == 2 &&
	    (cls & C_J || (d->map == MAP_1 &&
			   ((d->op >= 0x50 && d->op <= 0x5f) ||
			    d->op == 0x68 || d->op == 0x6a))))
		return IOB_INSN_STOP;
	if (cls & C_J)
		return IOB_INSN_JUMP;
	/* MOV Sreg, r/m: ES, DS, FS, GS (SS makes an interrupt shadow) */
	if (d->map == MAP_1 && d->op == 0x8e)
		return (0x39 >> ((d->modrm >> 3) & 7)) & 1 ?
		       IOB_INSN_MEM : IOB_INSN_STOP;
	if (mem)
		return cls & C_LEA ? IOB_INSN_PLAIN :
		       cls & (C_MR | C_MW) ? IOB_INSN_MEM : IOB_INSN_STOP;
	if (d->has_modrm || !(cls & (C_MR | C_MW)))
		return cls & C_R ? IOB_INSN_PLAIN : IOB_INSN_STOP;
	return IOB_INSN_MEM;	/* PUSH, POP, MOV moffs */
}

/* Fill @out's jump fields for an IOB_INSN_JUMP instruction. */
static void dec_jump(const struct iob_dec *d, struct iob_insn *out)
{
	const u8 *end = d->buf + d->pos;
	unsigned int op = d->op;

	out->mem_write = 0;
	if (d->map == MAP_0F) {
		out->jump = IOB_JUMP_COND;
	} else if (op == 0xc2 || op == 0xc3) {
		out->jump = IOB_JUMP_RET;
		return;
	} else if (op == 0xe8) {
		out->jump = IOB_JUMP_CALL;
		out->mem_write = 1;
	} else if (op == 0xe9 || op == 0xeb) {
		out->jump = IOB_JUMP_JMP;
	} else {
		out->jump = IOB_JUMP_COND;	/* 70-7F, E0-E3 */
	}
	if (d->map == MAP_1 && op != 0xe8 && op != 0xe9)	/* rel8 */
		out->rel = (s32)(signed char)end[-1];
	else if (!(d->opsz == 2 && d->mode != IOB_MODE_64))
		out->rel = (s32)((u32)end[-4] | (u32)end[-3] << 8 |
				 (u32)end[-2] << 16 | (u32)end[-1] << 24);
	else
		out->rel = (s32)(short)((u32)end[-2] | (u32)end[-1] << 8);
}

/* A register number of struct iob_insn for ModRM/opcode bits @n (0-7). */
static u8 dec_reg(const struct iob_dec *d, unsigned int n, unsigned int rexbit,
		  unsigned int size)
{
	if (size == 1 && !d->rex && n >= 4)
		return IOB_REG_AH + n - 4;
	return n | (d->rex & rexbit ? 8 : 0);
}

/*
 * Fill @out->op* for the plain instructions that only write a register:
 * MOV reg, imm and MOV reg, reg.
 */
static void dec_simple_op(const struct iob_dec *d, struct iob_insn *out)
{
	unsigned int op = d->op, rm = d->modrm & 7, reg = (d->modrm >> 3) & 7;
	unsigned int i, n;

	if (d->map != MAP_1)
		return;
	if (op >= 0xb0 && op <= 0xbf) {
		out->op = IOB_OP_MOV_IMM;
		out->op_size = op < 0xb8 ? 1 : d->opsz;
		out->op_dst = dec_reg(d, op & 7, 0x01, out->op_size);
		n = out->op_size;
		for (i = 0; i < n; i++)
			out->op_imm |= (u64)d->buf[d->pos - n + i] << (8 * i);
	} else if (op >= 0x88 && op <= 0x8b && d->has_modrm &&
		   (d->modrm >> 6) == 3) {
		out->op = IOB_OP_MOV_REG;
		out->op_size = op & 1 ? d->opsz : 1;
		/* 88/89: r/m <- reg; 8A/8B: reg <- r/m */
		if (op & 2) {
			out->op_dst = dec_reg(d, reg, 0x04, out->op_size);
			out->op_src = dec_reg(d, rm, 0x01, out->op_size);
		} else {
			out->op_dst = dec_reg(d, rm, 0x01, out->op_size);
			out->op_src = dec_reg(d, reg, 0x04, out->op_size);
		}
	}
}

/* The last @n bytes of the instruction, little endian, sign-extended. */
static u64 dec_imm_sx(const struct iob_dec *d, unsigned int n)
{
	const u8 *p = d->buf + d->pos - n;
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (u64)p[i] << (8 * i);
	if (n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~0ULL << (8 * n);
	return v;
}

/*
 * Fill @out->op* for the flag-writing register instructions the executor
 * runs itself: ALU and TEST (register or immediate source), INC, DEC,
 * shifts and rotates; and for SETcc, which reads the flags.
 */
static void dec_alu_op(const struct iob_dec *d, struct iob_insn *out)
{
	unsigned int op = d->op, rm = d->modrm & 7, reg = (d->modrm >> 3) & 7;
	unsigned int size = op & 1 ? d->opsz : 1;
	unsigned int zsz = size == 2 ? 2 : 4;	/* imm16 or imm32 */

	if (d->map == MAP_0F && op >= 0x90 && op <= 0x9f) {	/* SETcc r8 */
		out->op = IOB_OP_SETCC;
		out->op_alu = op & 15;
		out->op_dst = dec_reg(d, rm, 0x01, 1);
		out->op_size = 1;
		return;
	}
	if (d->map != MAP_1)
		return;
	if (op < 0x40 && (op & 7) < 4) {		/* ALU r/m, r and r, r/m */
		out->op = IOB_OP_ALU;
		out->op_alu = op >> 3;
		if (op & 2) {
			out->op_dst = dec_reg(d, reg, 0x04, size);
			out->op_src = dec_reg(d, rm, 0x01, size);
		} else {
			out->op_dst = dec_reg(d, rm, 0x01, size);
			out->op_src = dec_reg(d, reg, 0x04, size);
		}
	} else if (op < 0x40 && (op & 7) < 6) {		/* ALU acc, imm */
		out->op = IOB_OP_ALU;
		out->op_alu = op >> 3;
		out->op_dst = 0;
		out->op_has_imm = 1;
		out->op_imm = dec_imm_sx(d, size == 1 ? 1 : zsz);
	} else if (op >= 0x40 && op <= 0x4f) {		/* INC, DEC r */
		out->op = op < 0x48 ? IOB_OP_INC : IOB_OP_DEC;
		out->op_dst = op & 7;
		size = d->opsz;
	} else if (op == 0x80 || op == 0x81 || op == 0x83) {
		out->op = IOB_OP_ALU;
		out->op_alu = reg;
		out->op_dst = dec_reg(d, rm, 0x01, size);
		out->op_has_imm = 1;
		out->op_imm = dec_imm_sx(d, op == 0x81 ? zsz : 1);
	} else if (op == 0x84 || op == 0x85) {		/* TEST r/m, r */
		out->op = IOB_OP_TEST;
		out->op_dst = dec_reg(d, rm, 0x01, size);
		out->op_src = dec_reg(d, reg, 0x04, size);
	} else if (op == 0xa8 || op == 0xa9) {		/* TEST acc, imm */
		out->op = IOB_OP_TEST;
		out->op_dst = 0;
		out->op_has_imm = 1;
		out->op_imm = dec_imm_sx(d, size == 1 ? 1 : zsz);
	} else if ((op == 0xf6 || op == 0xf7) && reg == 0) {
		out->op = IOB_OP_TEST;
		out->op_dst = dec_reg(d, rm, 0x01, size);
		out->op_has_imm = 1;
		out->op_imm = dec_imm_sx(d, size == 1 ? 1 : zsz);
	} else if ((op == 0xfe || op == 0xff) && reg <= 1) {
		out->op = reg ? IOB_OP_DEC : IOB_OP_INC;
		out->op_dst = dec_reg(d, rm, 0x01, size);
	} else if ((op == 0xc0 || op == 0xc1 || (op >= 0xd0 && op <= 0xd3)) &&
		   reg != 6) {				/* shifts, rotates */
		out->op = IOB_OP_SHIFT;
		out->op_alu = reg;
		out->op_dst = dec_reg(d, rm, 0x01, size);
		if (op <= 0xd1) {			/* else by CL */
			out->op_has_imm = 1;
			out->op_imm = op <= 0xc1 ? d->buf[d->pos - 1] : 1;
		}
	} else {
		return;
	}
	out->op_size = size;
}

/*
 * Fill @out->op* and @out->mem_* for the moves between a register and
 * memory the executor runs itself: MOV reg, [mem] (8A, 8B) and MOV [mem],
 * reg (88, 89) in 16/32-bit code (no RIP-relative forms); and for LEA
 * (8D), which forms the same address and accesses nothing.
 */
static void dec_mem_op(const struct iob_dec *d, struct iob_insn *out)
{
	unsigned int mod = d->modrm >> 6, rm = d->modrm & 7, ss = 0;
	unsigned int reg = (d->modrm >> 3) & 7, disp_len = 0;
	/* 16-bit forms: base, index (8: none) of rm 0-7 */
	static const u8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
	static const u8 index16[8] = { 6, 7, 6, 7, 8, 8, 8, 8 };

	if (d->map != MAP_1 || ((d->op < 0x88 || d->op > 0x8b) &&
				d->op != 0x8d) ||
	    d->mode == IOB_MODE_64 || mod == 3)
		return;
	out->mem_base = IOB_REG_NONE;
	out->mem_index = IOB_REG_NONE;
	if (d->adsz == 2) {
		if (mod == 0 && rm == 6) {
			disp_len = 2;
		} else {
			out->mem_base = base16[rm];
			if (index16[rm] != 8)
				out->mem_index = index16[rm];
			ss = out->mem_base == 5;	/* BP: SS */
			disp_len = mod == 1 ? 1 : mod == 2 ? 2 : 0;
		}
	} else {
		unsigned int base = rm;

		if (rm == 4) {
			/* SIB: the byte after ModRM */
			unsigned int sib = d->buf[d->modrm_pos + 1];

			base = sib & 7;
			if (((sib >> 3) & 7) != 4) {
				out->mem_index = (sib >> 3) & 7;
				out->mem_scale = sib >> 6;
			}
		}
		if (mod == 0 && base == 5) {
			disp_len = 4;
		} else {
			out->mem_base = base;
			ss = base == 4 || base == 5;	/* ESP, EBP: SS */
			disp_len = mod == 1 ? 1 : mod == 2 ? 4 : 0;
		}
	}
	out->mem_disp = disp_len ? (s32)dec_imm_sx(d, disp_len) : 0;
	out->mem_seg = d->seg ? d->seg - 1 : ss ? 2 : 3;
	out->op_size = d->op & 1 ? d->opsz : 1;
	out->op_adsz = d->adsz;
	if (d->op == 0x8d) {
		out->op = IOB_OP_LEA;
		out->op_dst = dec_reg(d, reg, 0x04, out->op_size);
	} else if (d->op & 2) {
		out->op = IOB_OP_LOAD;
		out->op_dst = dec_reg(d, reg, 0x04, out->op_size);
	} else {
		out->op = IOB_OP_STORE;
		out->op_src = dec_reg(d, reg, 0x04, out->op_size);
	}
}

/* Fill @out->op* for the jumps the executor runs itself. */
static void dec_jump_op(const struct iob_dec *d, struct iob_insn *out)
{
	unsigned int op = d->op;

	if (d->map == MAP_0F || (op >= 0x70 && op <= 0x7f)) {
		out->op = IOB_OP_JCC;
		out->op_alu = op & 15;
	} else if (op == 0xe9 || op == 0xeb) {
		out->op = IOB_OP_JMP;
	} else if (op >= 0xe0 && op <= 0xe3) {
		out->op = IOB_OP_LOOP;
		out->op_alu = op & 3;
	} else {
		return;
	}
	/* near branches are 64-bit in 64-bit code (66 ones are stops) */
	out->op_size = d->mode == IOB_MODE_64 ? 8 : d->opsz;
	out->op_adsz = d->adsz;
	/* CALL and RET write and read the stack: the emulator's */
}

/* Decode the length of one instruction into @d: DEC_OK, DEC_BAD, DEC_TRUNC. */
static int dec_one(struct iob_dec *d, const u8 *buf, unsigned int avail,
		   enum iob_mode mode)
{
	*d = (struct iob_dec){
		.buf = buf,
		.avail = avail,
		.mode = mode,
	};
	if (mode > IOB_MODE_64)
		return DEC_BAD;
	return dec_insn(d);
}

/* Decode and classify; returns DEC_OK, DEC_BAD or DEC_TRUNC. */
static int iob_decode_st(const u8 *buf, unsigned int avail,
			 enum iob_mode mode, struct iob_insn *out)
{
	struct iob_dec d;
	unsigned int op;
	int st;

	out->len = 0;
	out->kind = IOB_INSN_BAD;
	out->io_in = 0;
	out->io_dx = 0;
	out->io_size = 0;
	out->io_port = 0;
	out->op = IOB_OP_EMULATE;
	out->op_size = 0;
	out->op_dst = 0;
	out->op_src = 0;
	out->op_adsz = 0;
	out->op_alu = 0;
	out->op_has_imm = 0;
	out->op_imm = 0;
	out->mem_base = 0;
	out->mem_index = 0;
	out->mem_scale = 0;
	out->mem_seg = 0;
	out->mem_disp = 0;
	out->jump = IOB_JUMP_NONE;
	out->mem_write = 0;
	out->sreg_load = 0;
	out->rel = 0;

	st = dec_one(&d, buf, avail, mode);
	if (st != DEC_OK)
		return st;

	out->len = d.pos;
	op = d.op;
	out->kind = dec_kind(&d);
	if (out->kind == IOB_INSN_IO) {
		out->io_in = !(op & 2);
		out->io_dx = !!(op & 8);
		if (!(op & 1))
			out->io_size = 1;
		else
			out->io_size = d.opsz == 2 ? 2 : 4;
		if (!out->io_dx)
			out->io_port = d.buf[d.pos - 1];
	} else if (out->kind == IOB_INSN_PLAIN) {
		dec_simple_op(&d, out);
		/* register forms only: LEA is plain too */
		if (out->op == IOB_OP_EMULATE &&
		    (!d.has_modrm || d.modrm >> 6 == 3))
			dec_alu_op(&d, out);
		if (out->op == IOB_OP_EMULATE && d.map == MAP_1 && op == 0x8d)
			dec_mem_op(&d, out);
	} else if (out->kind == IOB_INSN_MEM) {
		out->mem_write = !!(dec_class(&d) & C_MW);
		out->sreg_load = d.map == MAP_1 && op == 0x8e;
		dec_mem_op(&d, out);
		if (out->sreg_load && d.modrm >> 6 == 3) {
			out->op = IOB_OP_MOV_SREG;
			out->op_alu = (d.modrm >> 3) & 7;
			out->op_size = 2;
			out->op_src = d.modrm & 7;
		}
	} else if (out->kind == IOB_INSN_JUMP) {
		dec_jump(&d, out);
		dec_jump_op(&d, out);
	}
	return DEC_OK;
}

/**
 * iob_decode() - decode and classify one instruction
 * @buf: instruction bytes
 * @avail: bytes available in @buf
 * @mode: code size
 * @out: result
 *
 * Never reads past @buf + @avail. Undefined encodings, VEX/EVEX/XOP, opcodes
 * that do not exist in 64-bit mode and instructions longer than
 * IOB_MAX_INSN_LEN bytes are IOB_INSN_BAD, as is an instruction that does
 * not fit in @avail.
 *
 * Return: the instruction length, or 0 when the bytes are undecodable or the
 * instruction does not fit in @avail (then @out->kind is IOB_INSN_BAD).
 */
int iob_decode(const u8 *buf, unsigned int avail, enum iob_mode mode,
	       struct iob_insn *out)
{
	iob_decode_st(buf, avail, mode, out);
	return out->len;
}

/**
 * iob_scan_block() - find the IO block that starts at @buf
 * @buf: guest bytes starting at the IO instruction that exited
 * @len: bytes available (already clamped to extent, page and segment)
 * @mode: code size
 * @max_insns: bound on instructions in a block (>= 1; 0 is taken as 1)
 * @out: result
 *
 * Decodes instructions from @buf on while each one fits in @len (at most
 * IOB_MAX_EXTENT bytes are looked at) and fewer than @max_insns have been
 * decoded. The scan stops at an IOB_INSN_STOP instruction (IOB_STOP_INSN),
 * at undecodable bytes (IOB_STOP_BAD), after @max_insns instructions
 * (IOB_STOP_LIMIT), or at the end of the buffer (IOB_STOP_END). An
 * instruction that is cut by the end of the buffer, i.e. that failed to
 * decode only because the bytes ran out, also ends the scan with
 * IOB_STOP_END. @out->size ends after the last IO instruction seen,
 * @out->scanned at the start of the instruction that stopped the scan (or
 * at the end of the last one decoded).
 *
 * Return: 0 when @buf starts with an IO instruction (then @out->n_io >= 1
 * and @out->size covers at least that instruction), -1 otherwise.
 */
int iob_scan_block(const u8 *buf, unsigned int len, enum iob_mode mode,
		   unsigned int max_insns, struct iob_block *out)
{
	struct iob_insn insn;
	unsigned int off = 0, n = 0, n_io = 0;
	unsigned int size = 0, size_insns = 0;
	unsigned int stop;
	int st;

	if (len > IOB_MAX_EXTENT)
		len = IOB_MAX_EXTENT;
	if (!max_insns)
		max_insns = 1;

	for (;;) {
		if (off >= len) {
			stop = IOB_STOP_END;
			break;
		}
		if (n >= max_insns) {
			stop = IOB_STOP_LIMIT;
			break;
		}
		st = iob_decode_st(buf + off, len - off, mode, &insn);
		if (st == DEC_TRUNC) {
			stop = IOB_STOP_END;
			break;
		}
		if (st != DEC_OK) {
			stop = IOB_STOP_BAD;
			break;
		}
		if (insn.kind != IOB_INSN_PLAIN && insn.kind != IOB_INSN_IO) {
			stop = IOB_STOP_INSN;	/* MEM, JUMP: traces only */
			break;
		}
		if (off == 0 && insn.kind != IOB_INSN_IO) {
			stop = IOB_STOP_INSN;
			break;
		}
		off += insn.len;
		n++;
		if (insn.kind == IOB_INSN_IO) {
			n_io++;
			size = off;
			size_insns = n;
		}
	}

	out->size = size;
	out->n_insns = size_insns;
	out->n_io = n_io;
	out->scanned = off;
	out->stop = stop;
	return size ? 0 : -1;
}

/* struct iob_trace_work's state bits */
#define TS_QUEUED	0x01	/* on the stack or decoded */
#define TS_RUN		0x02	/* decoded: a trace may run it */
#define TS_IO		0x04	/* an IO instruction */
#define TS_RET		0x08	/* a RET */
#define TS_RETSITE	0x10	/* the instruction after a CALL */
#define TS_REACH	0x20	/* an IO instruction can be reached from it */
#define TS_VIA_RET	0x40	/* ... but only through a RET */
#define TS_CALL		0x80	/* decoded (TS_RUN): a CALL */

/*
 * What the walk needs of an instruction: its kind, length and jump. The
 * operand fields that iob_decode_st() fills in as well are a quarter of
 * its cost, and no trace scan looks at them.
 */
static void trace_decode(const u8 *buf, unsigned int avail,
			 enum iob_mode mode, struct iob_insn *in)
{
	struct iob_dec d;

	in->len = 0;
	in->kind = IOB_INSN_BAD;
	in->jump = IOB_JUMP_NONE;
	in->rel = 0;
	if (dec_one(&d, buf, avail, mode) != DEC_OK)
		return;
	in->len = d.pos;
	in->kind = dec_kind(&d);
	if (in->kind == IOB_INSN_JUMP)
		dec_jump(&d, in);
}

static void trace_push(struct iob_trace_work *w, unsigned int *sp,
		       unsigned int off, unsigned int len)
{
	if (off < len && !(w->state[off] & TS_QUEUED)) {
		w->state[off] |= TS_QUEUED;
		w->stack[(*sp)++] = off;
	}
}

/*
 * A RET returns after some CALL, most likely one in the window (a helper
 * called from nearby): find the CALLs by decoding the window from its
 * start, and queue the instructions after them. A wrong guess costs
 * nothing: the trace runs only bytes it hashed, wherever the RET goes.
 * Where the walk decoded an instruction already (TS_RUN), its length and
 * TS_CALL are enough: a decode costs 120 to 230 instructions. Elsewhere
 * the length is, and only E8 needs classifying: a CALL is E8 in the
 * one-byte map (dec_jump()). No instruction that starts after the
 * window's last E8 byte is a CALL: the sweep ends there.
 */
static void trace_sweep_calls(const u8 *buf, unsigned int len,
			      enum iob_mode mode, struct iob_trace_work *w,
			      unsigned int *sp)
{
	unsigned int off = 0, end = len;
	struct iob_dec d;

	while (end > 0 && buf[end - 1] != 0xe8)
		end--;
	while (off < end) {
		int call;

		if (w->state[off] & TS_RUN) {
			call = !!(w->state[off] & TS_CALL);
			off += w->len[off];
		} else if (dec_one(&d, buf + off, len - off, mode) != DEC_OK) {
			off++;
			continue;
		} else {
			call = d.map == MAP_1 && d.op == 0xe8 &&
			       dec_kind(&d) == IOB_INSN_JUMP;
			off += d.pos;
		}
		if (call && off < len) {
			w->state[off] |= TS_RETSITE;
			trace_push(w, sp, off, len);
		}
	}
}

/*
 * Decode the instructions reachable from @start; TS_RUN those a trace may.
 * A RET found makes the walk sweep the window for CALLs once, when all
 * else is decoded (so that the sweep decodes least). Return: -1 when
 * @start is no IO instruction, else 1 when a RET was found, 0 when not.
 */
static int trace_walk(const u8 *buf, unsigned int len, unsigned int start,
		      enum iob_mode mode, struct iob_trace_work *w)
{
	unsigned int sp = 0, ret = 0, swept = 0;

	w->n_run = 0;
	trace_push(w, &sp, start, len);
	for (;;) {
		unsigned int off, next;
		struct iob_insn in;
		long tgt;

		if (!sp) {
			if (!ret || swept)
				break;
			trace_sweep_calls(buf, len, mode, w, &sp);
			swept = 1;
			continue;
		}
		off = w->stack[--sp];

		w->succ[off][0] = IOB_TRACE_NONE;
		w->succ[off][1] = IOB_TRACE_NONE;
		trace_decode(buf + off, len - off, mode, &in);
		if (in.kind < IOB_INSN_PLAIN)
			continue;
		if (off == start && in.kind != IOB_INSN_IO)
			return -1;
		next = off + in.len;
		w->len[off] = in.len;
		w->state[off] |= TS_RUN;
		w->order[w->n_run++] = off;
		if (in.kind == IOB_INSN_IO)
			w->state[off] |= TS_IO;
		if (in.kind != IOB_INSN_JUMP) {
			if (next < len)
				w->succ[off][0] = next;
			trace_push(w, &sp, next, len);
			continue;
		}
		if (in.jump == IOB_JUMP_RET) {
			w->state[off] |= TS_RET;
			ret = 1;
			continue;
		}
		tgt = (long)next + in.rel;
		if (tgt >= 0 && tgt < (long)len) {
			w->succ[off][0] = (u16)tgt;
			trace_push(w, &sp, (unsigned int)tgt, len);
		}
		if (in.jump == IOB_JUMP_JMP)
			continue;
		if (next >= len)
			continue;
		/*
		 * After a CALL the trace goes on at its target; the
		 * instruction after it is reached only by a RET (TS_RETSITE).
		 * A CALL out of the window leaves the trace: the emulator
		 * would run it for nothing.
		 */
		if (in.jump == IOB_JUMP_CALL) {
			w->state[off] |= TS_CALL;
			w->state[next] |= TS_RETSITE;
		} else {
			w->succ[off][1] = next;
		}
		trace_push(w, &sp, next, len);
	}
	return ret;
}

/*
 * Instructions from each decoded one to the next IO instruction, into
 * @dist (IO itself: 0, none: 255), a fixed point over the successors;
 * with @via_ret a RET may also return after any CALL of the window.
 */
static void trace_dist(struct iob_trace_work *w, unsigned int len,
		       u8 *dist, int via_ret)
{
	/* Locals: stores through @dist (u8) may alias all of @w otherwise */
	const unsigned int n = w->n_run;
	const u16 *order = w->order;
	const u8 *state = w->state;
	unsigned int i, off, pass, changed = 1, ret_dist = 255;

	/* Successors that did not decode stay at 255 */
	__builtin_memset(dist, 255, len);
	for (i = 0; i < n; i++) {
		off = order[i];
		if (state[off] & TS_IO)
			dist[off] = 0;
	}
	/* Over the decoded instructions only, latest found first */
	for (pass = 0; changed && pass <= n; pass++) {
		changed = 0;
		for (i = 0; via_ret && i < n; i++) {
			off = order[i];
			if (state[off] & TS_RETSITE && dist[off] < ret_dist)
				ret_dist = dist[off];
		}
		for (i = n; i-- > 0;) {
			u16 s0, s1;
			unsigned int d = 255;

			off = order[i];
			if (!dist[off])
				continue;
			s0 = w->succ[off][0];
			s1 = w->succ[off][1];
			if (s0 != IOB_TRACE_NONE && dist[s0] < d)
				d = dist[s0];
			if (s1 != IOB_TRACE_NONE && dist[s1] < d)
				d = dist[s1];
			if (state[off] & TS_RET && ret_dist < d)
				d = ret_dist;
			if (d + 1 < dist[off]) {
				dist[off] = d + 1;
				changed = 1;
			}
		}
	}
}

/*
 * Mark TS_REACH: the instructions from which an IO instruction is reached
 * within @limit instructions (IO itself: 0). An instruction farther from
 * the next IO than a trace may run per exit is not worth emulating: the
 * guest runs it natively, for free. TS_VIA_RET: reached only through a
 * RET, which mostly returns out of the window (the executor's cost rule).
 * Without a RET (@ret: trace_walk() found none) the RET's ways back count
 * for nothing: the distances are those without them, computed once.
 */
static void trace_reach(unsigned int len, unsigned int limit, int ret,
			struct iob_trace_work *w)
{
	unsigned int i, off;

	trace_dist(w, len, w->dist, ret);
	if (ret)
		trace_dist(w, len, w->dist_noret, 0);
	for (i = 0; i < w->n_run; i++) {
		off = w->order[i];
		if (w->dist[off] > limit)
			continue;
		w->state[off] |= TS_REACH;
		if (ret && w->dist_noret[off] > limit)
			w->state[off] |= TS_VIA_RET;
	}
}

/**
 * iob_scan_trace() - find the trace that starts at an IO instruction
 * @buf: the window: guest code bytes around the IO instruction
 * @len: bytes in @buf (at most IOB_TRACE_MAX are looked at)
 * @start: offset of the IO instruction in @buf
 * @mode: code size
 * @max_insns: instructions a trace may run per exit
 * @w: scratch memory
 * @out: result
 *
 * See scan.h. Every instruction is decoded once; the distances to the
 * next IO instruction are a fixed point over the successors kept in @w.
 *
 * Return: 0 when another IO instruction can run after the one at @start,
 * -1 otherwise.
 */
int iob_scan_trace(const u8 *buf, unsigned int len, unsigned int start,
		   enum iob_mode mode, unsigned int max_insns,
		   struct iob_trace_work *w, struct iob_trace *out)
{
	unsigned int i, off, lo = IOB_TRACE_MAX, hi = 0;
	const u8 run = TS_RUN | TS_REACH;
	u16 s0, s1;
	int ret;

	if (len > IOB_TRACE_MAX)
		len = IOB_TRACE_MAX;
	out->lo = 0;
	out->hi = 0;
	out->n_io = 0;
	out->n_insns = 0;
	__builtin_memset(out->map, 0, sizeof(out->map));
	__builtin_memset(out->via_ret, 0, sizeof(out->via_ret));
	if (start >= len)
		return -1;
	__builtin_memset(w->state, 0, len);
	ret = trace_walk(buf, len, start, mode, w);
	if (ret < 0)
		return -1;
	trace_reach(len, max_insns ? max_insns : 1, ret, w);

	/* Every TS_RUN offset is in w->order, once */
	for (i = 0; i < w->n_run; i++) {
		off = w->order[i];
		if ((w->state[off] & run) != run)
			continue;
		if (off < lo)
			lo = off;
		if (off + w->len[off] > hi)
			hi = off + w->len[off];
	}
	if (lo > hi)
		return -1;	/* not even @start can run */
	out->lo = lo;
	out->hi = hi;
	for (i = 0; i < w->n_run; i++) {
		off = w->order[i];
		if ((w->state[off] & run) != run)
			continue;
		out->map[(off - lo) / 8] |= 1 << ((off - lo) % 8);
		if (w->state[off] & TS_VIA_RET)
			out->via_ret[(off - lo) / 8] |= 1 << ((off - lo) % 8);
		out->n_insns++;
		if (w->state[off] & TS_IO)
			out->n_io++;
	}
	/* Worth a block when IO can follow the first IO instruction. */
	s0 = w->succ[start][0];
	s1 = w->succ[start][1];
	if ((s0 != IOB_TRACE_NONE && w->state[s0] & TS_REACH) ||
	    (s1 != IOB_TRACE_NONE && w->state[s1] & TS_REACH))
		return 0;
	return -1;
}
