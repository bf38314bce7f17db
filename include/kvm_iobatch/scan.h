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
};

/**
 * enum iob_op - IOB_INSN_PLAIN instructions simple enough to be run
 * without KVM's emulator: they write one general purpose register and
 * nothing else (no flags, no memory)
 * @IOB_OP_EMULATE: any other, left to KVM's emulator
 * @IOB_OP_MOV_IMM: MOV reg, imm (B0-BF)
 * @IOB_OP_MOV_REG: MOV reg, reg (88-8B with a register operand)
 */
enum iob_op {
	IOB_OP_EMULATE = 0,
	IOB_OP_MOV_IMM,
	IOB_OP_MOV_REG,
};

/* Register numbers of struct iob_insn: 0-15 as encoded (RAX..R15), and */
#define IOB_REG_AH	16	/* AH, CH, DH, BH: 16..19 (8-bit, no REX) */

/**
 * struct iob_insn - one decoded instruction
 * @len: length in bytes (0 when @kind is IOB_INSN_BAD)
 * @kind: classification, see enum iob_kind
 * @io_in: for IOB_INSN_IO, 1 for IN, 0 for OUT
 * @io_dx: for IOB_INSN_IO, 1 when the port is DX, 0 for an imm8 port
 * @io_size: for IOB_INSN_IO, access size in bytes (1, 2 or 4)
 * @io_port: for IOB_INSN_IO with @io_dx == 0, the imm8 port
 * @op: for IOB_INSN_PLAIN, see enum iob_op
 * @op_size: operand size in bytes (1, 2, 4, 8) of @op
 * @op_dst: register written by @op
 * @op_src: register read by IOB_OP_MOV_REG
 * @op_imm: the immediate of IOB_OP_MOV_IMM, as encoded (not extended)
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
	u8 op_dst;
	u8 op_src;
	u64 op_imm;
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

#endif /* KVM_IOBATCH_SCAN_H */
