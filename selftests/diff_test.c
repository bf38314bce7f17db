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
 *   diff_test --one SEED        run program SEED, say how it ended
 *
 * With DIFF_VERBOSE set in the environment each program's seed is printed
 * to stderr before it runs (to find the one a hang is in); with DIFF_IOLOG
 * every userspace access is printed after it ran.
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
 * The final registers, all of guest RAM and the userspace IO sequence must
 * be identical with and without the module. For odd seeds the VMM reads
 * the registers at every userspace access and the RIP it sees is part of
 * the IO sequence; for every fourth seed it also writes them back
 * unchanged (as QEMU's vmport device does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct prog {
	unsigned char b[1024];
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
	vm.mem[HANDLER] = 0xf4;
	for (v = 0; v < 128; v++)
		vm.cmos[v] = (unsigned char)(v * 13 + 1);
	/* Half the VMMs watch RIP at every access, a quarter also sync. */
	vm.no_done_port = true;	/* programs end with HLT */
	vm.log_rip = seed & 1;
	vm.sync_regs = seed % 4 == 3;
	snprintf(name, sizeof(name), "prog%u", seed);
	result_collect(&vm, vmm_run(&vm, MAX_RUNS), name, r);
	if (getenv("DIFF_IOLOG"))
		for (v = 0; v < vm.n_io && v < VMM_MAX_IOLOG; v++)
			printf("  io %u: %s port %#x size %u data %#x rip %#llx%s\n",
			       v, vm.iolog[v].in ? "in" : "out",
			       vm.iolog[v].port, vm.iolog[v].size,
			       vm.iolog[v].data,
			       (unsigned long long)vm.iolog[v].rip,
			       vm.iolog[v].folded ? " folded" : "");
	vmm_destroy(&vm);
	return 0;
}

static int record(const char *file)
{
	static struct run_result r[N_PROGS];
	unsigned int i, ended = 0;

	if (iob_loaded())
		return tap_skip_all("kvm_iobatch is loaded: record needs stock KVM");
	tap_plan(2);
	for (i = 0; i < N_PROGS; i++)
		if (!run_prog(i, &r[i]) && r[i].status == 0)
			ended++;
	tap_ok(ended == N_PROGS, "stock: %u of %u random programs ran to HLT",
	       ended, N_PROGS);
	tap_ok(!result_save(file, r, N_PROGS), "saved to %s", file);
	return tap_finish();
}

static void compare_pass(const char *label, const struct run_result *s)
{
	unsigned int i, same = 0;
	struct run_result m;

	for (i = 0; i < N_PROGS; i++) {
		if (!run_prog(i, &m) && result_same_guest(&m, &s[i]))
			same++;
		else
			tap_diag("%s: program %u differs (diff_test --one %u)",
				 label, i, i);
	}
	tap_ok(same == N_PROGS,
	       "%s: %u of %u random programs identical to stock (regs, RAM, userspace IO)",
	       label, same, N_PROGS);
}

static int compare(const char *file)
{
	static struct run_result s[N_PROGS];
	long long saved0, saved1, cuts, folded0, folded1;

	if (!iob_loaded())
		return tap_skip_all("kvm_iobatch is not loaded");
	if (result_load(file, s, N_PROGS))
		return tap_skip_all("no stock record %s", file);
	tap_plan(4);
	saved0 = iob_global_stat("exits_saved");
	folded0 = iob_global_stat("folded");
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
	return tap_finish();
}

/* The bytes of one program, for a disassembler (objdump -m i8086). */
static int dump(const char *seed)
{
	struct prog p;

	make_prog(&p, (unsigned int)strtoul(seed, NULL, 0));
	return fwrite(p.b, 1, p.n, stdout) == p.n ? 0 : 1;
}

/* Run one program and describe how it ended (for debugging). */
static int one(const char *seed)
{
	struct run_result r;
	int err = run_prog((unsigned int)strtoul(seed, NULL, 0), &r);

	printf("%s: err %d status %d rip %#llx io %u io_exits %lld mem %016llx io %016llx\n",
	       r.name, err, r.status, r.regs.rip, r.n_io, r.io_exits,
	       (unsigned long long)r.mem_hash, (unsigned long long)r.io_hash);
	printf("  userspace IO exits %lu, folded %u, exit hash %016llx\n",
	       r.user_io_exits, r.n_folded, (unsigned long long)r.exit_hash);
	printf("  rax %llx rbx %llx rcx %llx rdx %llx rsi %llx rdi %llx rbp %llx rsp %llx rflags %llx\n",
	       r.regs.rax, r.regs.rbx, r.regs.rcx, r.regs.rdx, r.regs.rsi,
	       r.regs.rdi, r.regs.rbp, r.regs.rsp, r.regs.rflags);
	return err || r.status;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--dump"))
		return dump(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--one"))
		return one(argv[2]);
	/* --record, --compare, or both with --ko PATH (lib/result.c) */
	return result_main(argc, argv, record, compare);
}
