/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-iobatch instruction scanner: pure C, no kernel headers, shared by the
 * kernel module, the userspace unit test and the libFuzzer target.
 *
 * The scanner decodes x86 instruction lengths (16/32/64-bit code, legacy and
 * REX prefixes, ModRM/SIB/displacement/immediate) and classifies each
 * instruction as port IO (IN/OUT, imm8 and DX forms), batchable (straight-line
 * register-only work that KVM's emulator executes exactly like hardware), or
 * a stop (anything else: control flow, memory operands, privileged or
 * unknown opcodes, undecodable or truncated bytes).
 */
#ifndef KVM_IOBATCH_SCAN_H
#define KVM_IOBATCH_SCAN_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
#endif

/* Longest legal x86 instruction. */
#define IOB_MAX_INSN_LEN	15
/* Upper bound of the scan extent in bytes (one guest page). */
#define IOB_MAX_EXTENT		4096

/** enum iob_mode - code size of the guest code segment */
enum iob_mode {
	IOB_MODE_16 = 0,	/* real mode, vm86, 16-bit protected mode */
	IOB_MODE_32 = 1,	/* 32-bit protected mode, compatibility mode */
	IOB_MODE_64 = 2,	/* 64-bit long mode */
};

/** enum iob_kind - what the scanner thinks of one instruction */
enum iob_kind {
	IOB_INSN_BAD = 0,	/* undecodable, or truncated by the buffer end */
	IOB_INSN_STOP,		/* decodable, but a block must end before it */
	IOB_INSN_PLAIN,		/* register-only work, may sit inside a block */
	IOB_INSN_IO,		/* IN/OUT imm8 or DX form (not INS/OUTS) */
	IOB_INSN_MEM,		/* trace only: a whitelisted memory access */
	IOB_INSN_JUMP,		/* trace only: near JMP/Jcc/LOOP/CALL/RET */
};

/**
 * enum iob_jump - the control transfer of an IOB_INSN_JUMP instruction
 * @IOB_JUMP_NONE: not a jump
 * @IOB_JUMP_JMP: JMP rel8/rel16/rel32: to the target only
 * @IOB_JUMP_COND: Jcc, LOOP, LOOPcc, JCXZ: to the target or the next one
 * @IOB_JUMP_CALL: CALL rel: to the target, later back to the next one
 * @IOB_JUMP_RET: RET, RET imm16: to wherever the stack says
 */
enum iob_jump {
	IOB_JUMP_NONE = 0,
	IOB_JUMP_JMP,
	IOB_JUMP_COND,
	IOB_JUMP_CALL,
	IOB_JUMP_RET,
};

/**
 * enum iob_op - instructions simple enough to be run without KVM's
 * emulator, with their operands decoded
 * @IOB_OP_EMULATE: any other, left to KVM's emulator
 * @IOB_OP_MOV_IMM: MOV reg, imm (B0-BF): one register, no flags
 * @IOB_OP_MOV_REG: MOV reg, reg (88-8B with a register operand)
 * @IOB_OP_ALU: ADD OR ADC SBB AND SUB XOR CMP (@op_alu 0-7, the x86
 *              encoding's order) reg, reg or reg, imm: flags
 * @IOB_OP_TEST: TEST reg, reg or reg, imm
 * @IOB_OP_INC: INC reg
 * @IOB_OP_DEC: DEC reg
 * @IOB_OP_JCC: Jcc rel (@op_alu: the condition, 0-15)
 * @IOB_OP_JMP: JMP rel
 * @IOB_OP_LOOP: LOOPNE, LOOPE, LOOP, JCXZ (@op_alu 0-3, E0-E3)
 * @IOB_OP_LOAD: MOV reg, [mem] (8A, 8B) in 16/32-bit code: @mem_*
 * @IOB_OP_STORE: MOV [mem], reg (88, 89) in 16/32-bit code: @mem_*, the
 *                stored register in @op_src
 * @IOB_OP_MOV_SREG: MOV ES/DS/FS/GS, reg (8E, register form; @op_alu:
 *                   the segment register, @op_src the source)
 * @IOB_OP_SHIFT: ROL ROR RCL RCR SHL SHR SAR reg (C0, C1, D0-D3 register
 *                forms; @op_alu: the ModRM reg field, 0-5 or 7), by
 *                @op_imm (C0, C1: the imm8; D0, D1: 1) or, without
 *                @op_has_imm, by CL
 * @IOB_OP_LEA: LEA reg, [mem] (8D) in 16/32-bit code: the address of
 *              @mem_* (no segment, no access) into @op_dst, no flags
 * @IOB_OP_SETCC: SETcc reg8 (0F 90-9F, register form; @op_alu: the
 *                condition, 0-15)
 */
enum iob_op {
	IOB_OP_EMULATE = 0,
	IOB_OP_MOV_IMM,
	IOB_OP_MOV_REG,
	IOB_OP_ALU,
	IOB_OP_TEST,
	IOB_OP_INC,
	IOB_OP_DEC,
	IOB_OP_JCC,
	IOB_OP_JMP,
	IOB_OP_LOOP,
	IOB_OP_LOAD,
	IOB_OP_MOV_SREG,
	IOB_OP_STORE,
	IOB_OP_SHIFT,
	IOB_OP_LEA,
	IOB_OP_SETCC,
};

/* Register numbers of struct iob_insn: 0-15 as encoded (RAX..R15), and */
#define IOB_REG_AH	16	/* AH, CH, DH, BH: 16..19 (8-bit, no REX) */
#define IOB_REG_NONE	0xff	/* no base or index register */

/**
 * struct iob_insn - one decoded instruction
 * @len: length in bytes (0 when @kind is IOB_INSN_BAD)
 * @kind: classification, see enum iob_kind
 * @io_in: for IOB_INSN_IO, 1 for IN, 0 for OUT
 * @io_dx: for IOB_INSN_IO, 1 when the port is DX, 0 for an imm8 port
 * @io_size: for IOB_INSN_IO, access size in bytes (1, 2 or 4)
 * @io_port: for IOB_INSN_IO with @io_dx == 0, the imm8 port
 * @op: for IOB_INSN_PLAIN and IOB_INSN_JUMP, see enum iob_op
 * @op_size: operand size in bytes (1, 2, 4, 8) of @op
 * @op_adsz: address size in bytes (2, 4, 8): LOOP's count register
 * @op_dst: register written by @op (ALU, TEST: the first operand)
 * @op_src: register read by IOB_OP_MOV_REG, IOB_OP_ALU, IOB_OP_TEST,
 *          IOB_OP_STORE
 * @op_alu: see enum iob_op
 * @op_has_imm: IOB_OP_ALU, IOB_OP_TEST, IOB_OP_SHIFT: the source is @op_imm
 * @op_imm: the immediate of IOB_OP_MOV_IMM, as encoded (not extended);
 *          of IOB_OP_ALU and IOB_OP_TEST, sign-extended to 64 bits
 * @mem_base: IOB_OP_LOAD, IOB_OP_STORE, IOB_OP_LEA: base register, or
 *            IOB_REG_NONE
 * @mem_index: IOB_OP_LOAD, IOB_OP_STORE, IOB_OP_LEA: index register, or
 *             IOB_REG_NONE
 * @mem_scale: IOB_OP_LOAD, IOB_OP_STORE, IOB_OP_LEA: index scale, log2
 * @mem_seg: IOB_OP_LOAD, IOB_OP_STORE: segment register (0-5, ES CS SS DS FS GS)
 * @mem_disp: IOB_OP_LOAD, IOB_OP_STORE, IOB_OP_LEA: displacement,
 *            sign-extended
 * @jump: for IOB_INSN_JUMP, see enum iob_jump
 * @mem_write: for IOB_INSN_MEM and IOB_INSN_JUMP, the instruction may
 *             write memory (a store, a read-modify-write, PUSH, CALL)
 * @rel: for IOB_INSN_JUMP but IOB_JUMP_RET, the displacement, sign-extended
 * @sreg_load: for IOB_INSN_MEM, MOV ES/DS/FS/GS, r/m: only in real mode
 *             is it as simple as the rest (the executor checks the mode)
 */
struct iob_insn {
	u8 len;
	u8 kind;
	u8 io_in;
	u8 io_dx;
	u8 io_size;
	u8 io_port;
	u8 op;
	u8 op_size;
	u8 op_adsz;
	u8 op_dst;
	u8 op_src;
	u8 op_alu;
	u8 op_has_imm;
	u64 op_imm;
	u8 mem_base;
	u8 mem_index;
	u8 mem_scale;
	u8 mem_seg;
	s32 mem_disp;
	u8 jump;
	u8 mem_write;
	u8 sreg_load;
	s32 rel;
};

/** enum iob_stop - why a scan ended */
enum iob_stop {
	IOB_STOP_END = 0,	/* reached the end of the buffer (extent/page) */
	IOB_STOP_INSN,		/* an instruction that may not be batched */
	IOB_STOP_BAD,		/* undecodable or truncated instruction */
	IOB_STOP_LIMIT,		/* the instruction count limit */
};

/**
 * struct iob_block - result of scanning from an IO instruction
 * @size: bytes from the first IO instruction to the end of the last IO
 *        instruction of the straight-line run (the block)
 * @n_insns: instructions inside @size
 * @n_io: IO instructions inside @size (>= 1 on success)
 * @scanned: bytes decoded before the scan stopped (>= @size)
 * @stop: why the scan stopped, see enum iob_stop
 */
struct iob_block {
	u16 size;
	u16 n_insns;
	u16 n_io;
	u16 scanned;
	u8 stop;
};

/**
 * iob_decode() - decode and classify one instruction
 * @buf: instruction bytes
 * @avail: bytes available in @buf
 * @mode: code size
 * @out: result
 *
 * Never reads past @buf + @avail. Return: the instruction length, or 0 when
 * the bytes are undecodable or the instruction does not fit in @avail (then
 * @out->kind is IOB_INSN_BAD).
 */
int iob_decode(const u8 *buf, unsigned int avail, enum iob_mode mode,
	       struct iob_insn *out);

/**
 * iob_scan_block() - find the IO block that starts at @buf
 * @buf: guest bytes starting at the IO instruction that exited
 * @len: bytes available (already clamped to extent, page and segment)
 * @mode: code size
 * @max_insns: bound on instructions in a block (>= 1)
 * @out: result
 *
 * Return: 0 when @buf starts with an IO instruction (then @out->n_io >= 1
 * and @out->size covers at least that instruction), -1 otherwise.
 */
int iob_scan_block(const u8 *buf, unsigned int len, enum iob_mode mode,
		   unsigned int max_insns, struct iob_block *out);

/* Bytes a trace window spans at most (struct iob_trace's map). */
#define IOB_TRACE_MAX		256

/**
 * struct iob_trace - result of a trace scan: the instructions a trace may
 * run, within the window given to iob_scan_trace()
 * @lo: window offset of the first byte of any of them
 * @hi: window offset just past the last byte of any of them
 * @n_io: IO instructions among them
 * @n_insns: how many there are
 * @map: bit (off - @lo) set for each of their start offsets @off
 * @via_ret: bit (off - @lo) set for those of them from which IO can be
 *           reached only through a RET (a RET may return after any CALL
 *           of the window; it mostly returns out of it)
 */
struct iob_trace {
	u16 lo;
	u16 hi;
	u16 n_io;
	u16 n_insns;
	u8 map[IOB_TRACE_MAX / 8];
	u8 via_ret[IOB_TRACE_MAX / 8];
};

/**
 * struct iob_trace_work - scratch memory of iob_scan_trace() (too large for
 * a kernel stack frame)
 * @succ: per start offset, its static successors (IOB_TRACE_NONE: none)
 * @state: per start offset, TS_* bits (scan.c)
 * @len: per start offset, the instruction length
 * @dist: per start offset, instructions to the next IO one (255: none)
 * @dist_noret: the same without a RET's way back into the window
 * @stack: offsets still to decode
 * @order: the start offsets a trace may run, in the order found
 * @n_run: entries in @order
 */
struct iob_trace_work {
	u16 succ[IOB_TRACE_MAX][2];
	u8 state[IOB_TRACE_MAX];
	u8 len[IOB_TRACE_MAX];
	u8 dist[IOB_TRACE_MAX];
	u8 dist_noret[IOB_TRACE_MAX];
	u16 stack[IOB_TRACE_MAX];
	u16 order[IOB_TRACE_MAX];
	unsigned int n_run;
};

/* No successor in struct iob_trace_work. */
#define IOB_TRACE_NONE		0xffff

/**
 * iob_trace_has() - may a trace run the instruction at a window offset
 * @t: the trace
 * @off: offset in the window given to iob_scan_trace()
 *
 * Return: nonzero when @off starts one of the trace's instructions.
 */
static inline int iob_trace_has(const struct iob_trace *t, unsigned int off)
{
	off -= t->lo;
	return off < (unsigned int)(t->hi - t->lo) &&
	       (t->map[off / 8] >> (off % 8)) & 1;
}

/**
 * iob_trace_via_ret() - can the trace reach IO from an offset only
 * through a RET
 * @t: the trace
 * @off: offset in the window, one iob_trace_has() says the trace runs
 *
 * Return: nonzero when every way from @off to an IO instruction of the
 * trace passes a RET.
 */
static inline int iob_trace_via_ret(const struct iob_trace *t,
				    unsigned int off)
{
	off -= t->lo;
	return off < (unsigned int)(t->hi - t->lo) &&
	       (t->via_ret[off / 8] >> (off % 8)) & 1;
}

/**
 * iob_scan_trace() - find the trace that starts at an IO instruction
 * @buf: the window: guest code bytes around the IO instruction
 * @len: bytes in @buf (at most IOB_TRACE_MAX are looked at)
 * @start: offset of the IO instruction in @buf
 * @mode: code size
 * @max_insns: instructions a trace may run per exit (0 is taken as 1)
 * @w: scratch memory
 * @out: result
 *
 * Follows every path from @start through IOB_INSN_PLAIN, IOB_INSN_IO,
 * IOB_INSN_MEM and IOB_INSN_JUMP instructions that lie wholly in @buf:
 * the fall-through, the static target of JMP/Jcc/LOOP/CALL rel, and from
 * a RET the instructions after every CALL found (where it may return). The
 * trace is the instructions on those paths from which an IO instruction
 * can be reached again within @max_insns instructions (so that a trace
 * does not emulate what the guest would run natively between two distant
 * IO instructions); everything else ends a trace when it gets there.
 *
 * Return: 0 when another IO instruction can run after the one at @start
 * (a block worth running), -1 otherwise (then @out->n_io is 0 when @start
 * is no IO instruction at all).
 */
int iob_scan_trace(const u8 *buf, unsigned int len, unsigned int start,
		   enum iob_mode mode, unsigned int max_insns,
		   struct iob_trace_work *w, struct iob_trace *out);

#endif /* KVM_IOBATCH_SCAN_H */
