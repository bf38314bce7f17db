// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the kvm-iobatch instruction scanner (kvm_iobatch/scan.c).
 *
 * Every instruction is placed at the very end of a mapping that is followed
 * by a PROT_NONE guard page, so any read past the available bytes crashes
 * the test instead of passing silently.
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -I include -o scan_test \
 *            selftests/scan_test.c kvm_iobatch/scan.c
 * Output is TAP (kselftest style); exit status 1 if any test failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kvm_iobatch/scan.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define M16 IOB_MODE_16
#define M32 IOB_MODE_32
#define M64 IOB_MODE_64

#define BAD IOB_INSN_BAD
#define STP IOB_INSN_STOP
#define PLN IOB_INSN_PLAIN
#define IO  IOB_INSN_IO
#define MEM IOB_INSN_MEM
#define JMP IOB_INSN_JUMP

/* ------------------------------------------------------------------ */
/* TAP bookkeeping: results are buffered so the plan can come first.  */

#define MAX_RESULTS 1024

struct result {
	int ok;
	char name[112];
	char diag[200];
};

static struct result results[MAX_RESULTS];
static unsigned int n_results;

static void __attribute__((format(printf, 3, 4)))
report(int ok, const char *diag, const char *fmt, ...)
{
	struct result *r;
	va_list ap;

	if (n_results >= MAX_RESULTS) {
		fprintf(stderr, "too many results\n");
		exit(1);
	}
	r = &results[n_results++];
	r->ok = ok;
	va_start(ap, fmt);
	vsnprintf(r->name, sizeof(r->name), fmt, ap);
	va_end(ap);
	snprintf(r->diag, sizeof(r->diag), "%s", diag ? diag : "");
}

/* ------------------------------------------------------------------ */
/* Guarded buffer: GUARD_DATA readable bytes, then a PROT_NONE page.   */

static unsigned char *guard_base;
static size_t guard_data;

static void guard_init(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	guard_data = 2 * pg;
	guard_base = mmap(NULL, guard_data + pg, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_base == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	if (mprotect(guard_base + guard_data, pg, PROT_NONE)) {
		perror("mprotect");
		exit(1);
	}
}

/* Copy @n bytes so that they end exactly at the guard page. */
static const u8 *at_end(const void *bytes, size_t n)
{
	unsigned char *p = guard_base + guard_data - n;

	if (n > guard_data) {
		fprintf(stderr, "buffer too large\n");
		exit(1);
	}
	memcpy(p, bytes, n);
	return p;
}

static void hexdump(char *dst, size_t sz, const u8 *b, size_t n)
{
	size_t i, o = 0;

	dst[0] = 0;
	for (i = 0; i < n && o + 4 < sz; i++)
		o += snprintf(dst + o, sz - o, "%s%02x", i ? " " : "", b[i]);
}

static const char *const mode_name[] = { "16", "32", "64" };
static const char *const kind_name[] = { "BAD", "STOP", "PLAIN", "IO", "MEM",
					  "JUMP" };
static const char *const stop_name[] = { "END", "INSN", "BAD", "LIMIT" };

/* ------------------------------------------------------------------ */
/* iob_decode() cases                                                  */

struct dec_case {
	enum iob_mode mode;
	const char *bytes;
	unsigned int n;
	unsigned int len;	/* expected length, 0 for BAD */
	unsigned int kind;
	unsigned int io_in, io_dx, io_size, io_port;
	const char *name;
};

#define D(m, b, l, k, nm) { m, b, sizeof(b) - 1, l, k, 0, 0, 0, 0, nm }
#define DIO(m, b, l, in, dx, sz, port, nm) \
	{ m, b, sizeof(b) - 1, l, IO, in, dx, sz, port, nm }

static const struct dec_case dec_cases[] = {
	/* port IO */
	DIO(M32, "\xe4\x70", 2, 1, 0, 1, 0x70, "in al, 0x70"),
	DIO(M32, "\xe5\x71", 2, 1, 0, 4, 0x71, "in eax, 0x71"),
	DIO(M32, "\x66\xe5\x71", 3, 1, 0, 2, 0x71, "in ax, 0x71 (66)"),
	DIO(M32, "\xe6\x80", 2, 0, 0, 1, 0x80, "out 0x80, al"),
	DIO(M32, "\xe7\x80", 2, 0, 0, 4, 0x80, "out 0x80, eax"),
	DIO(M32, "\xec", 1, 1, 1, 1, 0, "in al, dx"),
	DIO(M32, "\xed", 1, 1, 1, 4, 0, "in eax, dx"),
	DIO(M32, "\x66\xef", 2, 0, 1, 2, 0, "out dx, ax (66)"),
	DIO(M32, "\x3e\x67\xee", 3, 0, 1, 1, 0, "out dx, al with ds/67"),
	DIO(M16, "\xe5\x60", 2, 1, 0, 2, 0x60, "16: in ax, 0x60"),
	DIO(M16, "\x66\xe5\x60", 3, 1, 0, 4, 0x60, "16: in eax, 0x60 (66)"),
	DIO(M16, "\xed", 1, 1, 1, 2, 0, "16: in ax, dx"),
	DIO(M16, "\x66\xef", 2, 0, 1, 4, 0, "16: out dx, eax (66)"),
	DIO(M64, "\xed", 1, 1, 1, 4, 0, "64: in eax, dx"),
	DIO(M64, "\x48\xe5\x60", 3, 1, 0, 4, 0x60, "64: REX.W in is 4 bytes"),
	DIO(M64, "\x66\xe7\x60", 3, 0, 0, 2, 0x60, "64: out 0x60, ax"),
	DIO(M64, "\x66\x48\xed", 3, 1, 1, 4, 0, "64: 66 REX.W in: REX.W wins"),
	DIO(M64, "\x48\x66\xed", 3, 1, 1, 2, 0,
	    "64: REX before 66 is ignored"),
	D(M32, "\xf3\xec", 2, STP, "rep in al, dx stops"),
	D(M32, "\xf0\xe6\x80", 3, STP, "lock out stops"),
	D(M32, "\x6c", 1, STP, "insb"),
	D(M32, "\x6f", 1, STP, "outsd"),
	D(M32, "\xf3\x6e", 2, STP, "rep outsb"),

	/* ALU, immediates, operand size */
	D(M32, "\x90", 1, PLN, "nop"),
	D(M32, "\xf3\x90", 2, STP, "pause"),
	D(M32, "\x04\x12", 2, PLN, "add al, imm8"),
	D(M32, "\x05\x78\x56\x34\x12", 5, PLN, "add eax, imm32"),
	D(M32, "\x66\x05\x34\x12", 4, PLN, "add ax, imm16 (66)"),
	D(M16, "\x05\x34\x12", 3, PLN, "16: add ax, imm16"),
	D(M16, "\x66\x05\x78\x56\x34\x12", 6, PLN, "16: add eax, imm32 (66)"),
	D(M32, "\x01\xc8", 2, PLN, "add eax, ecx"),
	D(M32, "\x01\x08", 2, MEM, "add [eax], ecx"),
	D(M32, "\x3b\xc1", 2, PLN, "cmp eax, ecx"),
	D(M32, "\x81\xc1\x78\x56\x34\x12", 6, PLN, "add ecx, imm32"),
	D(M32, "\x66\x81\xc1\x34\x12", 5, PLN, "add cx, imm16"),
	D(M32, "\x83\xc1\x01", 3, PLN, "add ecx, imm8"),
	D(M32, "\x80\xc1\x01", 3, PLN, "add cl, imm8"),
	D(M32, "\x82\xc1\x01", 3, STP, "82 alias of 80 (undocumented): stop"),
	D(M32, "\xc1\xf0\x01", 3, STP, "shl alias C1 /6 (undocumented): stop"),
	D(M32, "\xc1\xe0\x01", 3, PLN, "shl eax, 1 (C1 /4)"),
	D(M32, "\x69\xc0\x10\x00\x00\x00", 6, PLN, "imul eax, eax, imm32"),
	D(M32, "\x6b\xc0\x10", 3, PLN, "imul eax, eax, imm8"),
	D(M32, "\x69\x00\x10\x00\x00\x00", 6, MEM, "imul eax, [eax], imm32"),
	D(M32, "\x40", 1, PLN, "inc eax"),
	D(M16, "\x4a", 1, PLN, "16: dec dx"),
	D(M32, "\x87\xcb", 2, PLN, "xchg ebx, ecx"),
	D(M32, "\x88\xe0", 2, PLN, "mov al, ah"),
	D(M32, "\x8c\xd8", 2, STP, "mov eax, ds"),
	D(M32, "\x8e\xd8", 2, MEM, "mov ds, eax"),
	D(M32, "\x98", 1, PLN, "cwde"),
	D(M32, "\x99", 1, PLN, "cdq"),
	D(M32, "\xa8\x01", 2, PLN, "test al, imm8"),
	D(M32, "\xa9\x78\x56\x34\x12", 5, PLN, "test eax, imm32"),
	D(M32, "\xb0\x0e", 2, PLN, "mov al, imm8"),
	D(M32, "\xb8\x78\x56\x34\x12", 5, PLN, "mov eax, imm32"),
	D(M32, "\x66\xb8\x34\x12", 4, PLN, "mov ax, imm16"),
	D(M16, "\xba\xd4\x03", 3, PLN, "16: mov dx, 0x3d4"),
	D(M32, "\xc1\xe0\x04", 3, PLN, "shl eax, 4"),
	D(M32, "\xd3\xe8", 2, PLN, "shr eax, cl"),
	D(M32, "\xd1\x20", 2, MEM, "shl [eax], 1"),
	D(M32, "\xf5", 1, PLN, "cmc"),
	D(M32, "\xfc", 1, PLN, "cld"),
	D(M32, "\xfa", 1, STP, "cli"),
	D(M32, "\xfb", 1, STP, "sti"),
	D(M32, "\xf4", 1, STP, "hlt"),
	D(M32, "\x9c", 1, STP, "pushf"),
	D(M32, "\x50", 1, MEM, "push eax"),
	D(M32, "\xa4", 1, STP, "movsb"),
	D(M32, "\xc6\xc0\x12", 3, STP, "mov al, imm8 via C6 (not listed)"),
	D(M32, "\xc6\xc8\x12", 0, BAD, "C6 /1 is undefined"),
	D(M32, "\xc7\xf8\x00\x00\x00\x00", 6, STP, "xbegin rel32"),

	/* group 3, 4, 5 */
	D(M32, "\xf6\xc0\x01", 3, PLN, "test al, imm8 (F6 /0)"),
	D(M32, "\xf6\xc8\x01", 3, STP, "test alias F6 /1 (undocumented, #UD on TCG): stop"),
	D(M32, "\xf7\xc0\x78\x56\x34\x12", 6, PLN, "test eax, imm32"),
	D(M32, "\x66\xf7\xc0\x34\x12", 5, PLN, "test ax, imm16"),
	D(M16, "\xf7\xc0\x34\x12", 4, PLN, "16: test ax, imm16"),
	D(M32, "\xf7\xd0", 2, PLN, "not eax (no imm)"),
	D(M32, "\xf7\xf1", 2, PLN, "div ecx"),
	D(M32, "\xf6\x00\x01", 3, MEM, "test byte [eax], imm8"),
	D(M32, "\xf7\x60\x08", 3, MEM, "mul dword [eax+8]"),
	D(M32, "\xfe\xc0", 2, PLN, "inc al"),
	D(M32, "\xfe\xd0", 0, BAD, "FE /2 is undefined"),
	D(M32, "\xff\xc9", 2, PLN, "dec ecx"),
	D(M32, "\xff\xd0", 2, STP, "call eax"),
	D(M32, "\xff\x30", 2, STP, "push [eax]"),
	D(M32, "\xff\xf8", 0, BAD, "FF /7 is undefined"),

	/* ModRM, SIB, displacement: 32-bit addressing */
	D(M32, "\x8b\x44\x24\x08", 4, MEM, "mov eax, [esp+8]"),
	D(M32, "\x8b\x04\x25\x78\x56\x34\x12", 7, MEM,
	  "SIB base=5 mod=0: disp32"),
	D(M32, "\x8b\x44\x25\x08", 4, MEM, "SIB base=5 mod=1: ebp+disp8"),
	D(M32, "\x8b\x84\x24\x78\x56\x34\x12", 7, MEM, "SIB mod=2 disp32"),
	D(M32, "\x8b\x05\x78\x56\x34\x12", 6, MEM, "mod=0 rm=5 disp32"),
	D(M32, "\x8d\x04\x8d\x00\x00\x00\x00", 7, PLN,
	  "lea eax, [ecx*4+0] (SIB, no base)"),
	D(M32, "\x8d\x44\x88\x04", 4, PLN, "lea eax, [eax+ecx*4+4]"),
	D(M32, "\x8d\xc0", 2, STP, "lea with mod=3 (#UD)"),
	D(M32, "\x67\x8d\x46\xfe", 4, PLN, "67: lea eax, [bp-2]"),
	D(M32, "\x67\x8b\x06\x34\x12", 5, MEM, "67: mov eax, [0x1234]"),

	/* 16-bit addressing */
	D(M16, "\x8b\x46\x08", 3, MEM, "16: mov ax, [bp+8]"),
	D(M16, "\x8b\x06\x34\x12", 4, MEM, "16: mov ax, [disp16]"),
	D(M16, "\x8b\x86\x34\x12", 4, MEM, "16: mov ax, [bp+disp16]"),
	D(M16, "\x8b\x04", 2, MEM, "16: mov ax, [si]"),
	D(M16, "\x88\x07", 2, MEM, "16: mov [bx], al"),
	D(M16, "\x8d\x00", 2, PLN, "16: lea ax, [bx+si]"),
	D(M16, "\x8d\x36\x34\x12", 4, PLN, "16: lea si, [disp16]"),
	D(M16, "\x8d\x84\x34\x12", 4, PLN, "16: lea ax, [si+disp16]"),
	D(M16, "\x67\x8d\x04\x24", 4, PLN, "16: 67 lea ax, [esp] (SIB)"),
	D(M16, "\x67\x8d\x05\x78\x56\x34\x12", 7, PLN,
	  "16: 67 lea ax, [disp32]"),
	D(M16, "\x66\x67\x81\x84\x24\x78\x56\x34\x12\xef\xbe\xad\xde", 13,
	  MEM, "16: 66 67 add [esp+disp32], imm32"),

	/* moffs, ENTER, far pointers, branches */
	D(M32, "\xa1\x78\x56\x34\x12", 5, MEM, "mov eax, [moffs32]"),
	D(M32, "\x67\xa1\x34\x12", 4, MEM, "67: mov eax, [moffs16]"),
	D(M16, "\xa0\x34\x12", 3, MEM, "16: mov al, [moffs16]"),
	D(M16, "\x67\xa3\x78\x56\x34\x12", 6, MEM, "16: 67 moffs32"),
	D(M32, "\xc8\x10\x00\x01", 4, STP, "enter 16, 1"),
	D(M16, "\xc8\x10\x00\x00", 4, STP, "16: enter 16, 0"),
	D(M32, "\x9a\x78\x56\x34\x12\x08\x00", 7, STP, "call far ptr16:32"),
	D(M32, "\x66\x9a\x34\x12\x08\x00", 6, STP, "66: call far ptr16:16"),
	D(M16, "\xea\x00\x7c\x00\x00", 5, STP, "16: jmp far ptr16:16"),
	D(M16, "\x66\xea\x00\x7c\x00\x00\x08\x00", 8, STP,
	  "16: 66 jmp far ptr16:32"),
	D(M32, "\xeb\xfe", 2, JMP, "jmp short"),
	D(M32, "\xe8\x00\x00\x00\x00", 5, JMP, "call rel32"),
	D(M32, "\x66\xe8\x00\x00", 4, JMP, "66: call rel16"),
	D(M16, "\xe9\x00\x00", 3, JMP, "16: jmp rel16"),
	D(M32, "\x0f\x84\x00\x00\x00\x00", 6, JMP, "je rel32"),
	D(M32, "\x75\x02", 2, JMP, "jne rel8"),
	D(M32, "\xe2\xfe", 2, JMP, "loop"),
	D(M32, "\xc2\x08\x00", 3, JMP, "ret imm16"),
	D(M32, "\xc3", 1, JMP, "ret"),
	D(M32, "\xcd\x10", 2, STP, "int 0x10"),
	D(M32, "\xcf", 1, STP, "iret"),
	D(M32, "\x9b", 1, STP, "fwait"),
	D(M32, "\xd9\xc0", 2, STP, "fld st0"),
	D(M32, "\xdd\x44\x24\x08", 4, STP, "fld qword [esp+8]"),

	/* 0F map */
	D(M32, "\x0f\xb6\xc0", 3, PLN, "movzx eax, al"),
	D(M32, "\x0f\xb6\x00", 3, MEM, "movzx eax, byte [eax]"),
	D(M32, "\x0f\xbf\xc1", 3, PLN, "movsx eax, cx"),
	D(M32, "\x0f\x44\xc1", 3, PLN, "cmove eax, ecx"),
	D(M32, "\x0f\x94\xc0", 3, PLN, "sete al"),
	D(M32, "\x0f\xa3\xc8", 3, PLN, "bt eax, ecx"),
	D(M32, "\x0f\xba\xe0\x05", 4, PLN, "bt eax, 5 (0F BA /4)"),
	D(M32, "\x0f\xba\xc0\x05", 4, STP, "0F BA /0 is N in the emulator"),
	D(M32, "\x0f\xa4\xc1\x04", 4, PLN, "shld ecx, eax, 4"),
	D(M32, "\x0f\xad\xc1", 3, PLN, "shrd ecx, eax, cl"),
	D(M32, "\x0f\xaf\xc1", 3, PLN, "imul eax, ecx"),
	D(M32, "\x0f\xc8", 2, PLN, "bswap eax"),
	D(M32, "\x66\x0f\xc8", 3, STP, "bswap ax (undefined)"),
	D(M32, "\x0f\xbc\xc1", 3, PLN, "bsf eax, ecx"),
	D(M32, "\xf3\x0f\xbc\xc1", 4, STP, "tzcnt (F3)"),
	D(M32, "\x0f\xc1\xc0", 3, PLN, "xadd eax, eax"),
	D(M32, "\x0f\xb1\xc1", 3, STP, "cmpxchg ecx, eax"),
	D(M32, "\x0f\xa2", 2, STP, "cpuid"),
	D(M32, "\x0f\x31", 2, STP, "rdtsc"),
	D(M32, "\x0f\x0b", 2, STP, "ud2"),
	D(M32, "\x0f\x1f\x44\x00\x00", 5, STP, "nopl [eax+eax+0]"),
	D(M32, "\x0f\x01\xd0", 3, STP, "xgetbv"),
	D(M32, "\x0f\x20\xc0", 3, STP, "mov eax, cr0"),
	D(M32, "\x0f\x22\x05", 3, STP, "mov cr0, ebp: mod ignored, no disp"),
	D(M32, "\x0f\x38\xf0\x00", 4, STP, "movbe eax, [eax]"),
	D(M32, "\x66\x0f\x38\x00\x04\x24", 6, STP, "pshufb xmm0, [esp]"),
	D(M32, "\x0f\x3a\x0f\xc1\x08", 5, STP, "palignr mm0, mm1, 8"),
	D(M32, "\x66\x0f\x3a\x0f\x44\x24\x08\x04", 8, STP,
	  "palignr xmm0, [esp+8], 4"),
	D(M32, "\x0f\x70\xc1\x1b", 4, STP, "pshufw (0F 70 imm8)"),
	D(M32, "\x0f\x04", 0, BAD, "0F 04 undefined"),
	D(M32, "\x0f\x24\xc0", 0, BAD, "0F 24 (mov from tr) undefined"),
	D(M32, "\x0f\x39", 0, BAD, "0F 39 undefined"),
	D(M32, "\xf2\x0f\x78\xc1\x01\x02", 0, BAD, "F2 0F 78 vendor specific"),

	/* VEX, EVEX, XOP and their legacy twins */
	D(M32, "\xc5\xf8\x77", 0, BAD, "vzeroupper (VEX C5)"),
	D(M32, "\xc4\xe2\x79\x00\xc1", 0, BAD, "VEX C4"),
	D(M32, "\xc4\x00", 2, STP, "les eax, [eax]"),
	D(M32, "\x62\xf1\x7c\x48\x28\xc1", 0, BAD, "EVEX"),
	D(M32, "\x62\x00", 2, STP, "bound eax, [eax]"),
	D(M32, "\x8f\xe8\x78\xc0\xc1\x01", 0, BAD, "XOP"),
	D(M32, "\x8f\xc0", 2, STP, "pop eax (8F /0)"),

	/* opcodes that exist only outside 64-bit mode */
	D(M32, "\x06", 1, STP, "push es"),
	D(M32, "\x27", 1, STP, "daa"),
	D(M32, "\xd4\x0a", 2, STP, "aam"),
	D(M32, "\xd6", 1, STP, "salc"),
	D(M32, "\xce", 1, STP, "into"),
	D(M64, "\x06", 0, BAD, "64: push es"),
	D(M64, "\x07", 0, BAD, "64: pop es"),
	D(M64, "\x0e", 0, BAD, "64: push cs"),
	D(M64, "\x16", 0, BAD, "64: push ss"),
	D(M64, "\x17", 0, BAD, "64: pop ss"),
	D(M64, "\x1e", 0, BAD, "64: push ds"),
	D(M64, "\x1f", 0, BAD, "64: pop ds"),
	D(M64, "\x27", 0, BAD, "64: daa"),
	D(M64, "\x2f", 0, BAD, "64: das"),
	D(M64, "\x37", 0, BAD, "64: aaa"),
	D(M64, "\x3f", 0, BAD, "64: aas"),
	D(M64, "\x60", 0, BAD, "64: pusha"),
	D(M64, "\x61", 0, BAD, "64: popa"),
	D(M64, "\x62\x00", 0, BAD, "64: 62 (EVEX)"),
	D(M64, "\x82\xc0\x01", 0, BAD, "64: 82"),
	D(M64, "\x9a\x00\x00\x00\x00\x08\x00", 0, BAD, "64: call far"),
	D(M64, "\xc4\x00\x00\x00", 0, BAD, "64: C4 (VEX)"),
	D(M64, "\xc5\x00\x00", 0, BAD, "64: C5 (VEX)"),
	D(M64, "\xce", 0, BAD, "64: into"),
	D(M64, "\xd4\x0a", 0, BAD, "64: aam"),
	D(M64, "\xd5\x0a", 0, BAD, "64: aad"),
	D(M64, "\xd6", 0, BAD, "64: salc"),
	D(M64, "\xea\x00\x00\x00\x00\x08\x00", 0, BAD, "64: jmp far"),

	/* 64-bit: REX, imm64, RIP-relative, moffs64 */
	D(M64, "\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11", 10, PLN,
	  "64: mov rax, imm64"),
	D(M64, "\xb8\x78\x56\x34\x12", 5, PLN, "64: mov eax, imm32"),
	D(M64, "\x66\xb8\x34\x12", 4, PLN, "64: mov ax, imm16"),
	D(M64, "\x66\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11", 11, PLN,
	  "64: 66 REX.W mov: imm64"),
	D(M64, "\x48\x66\xb8\x34\x12", 5, PLN,
	  "64: REX.W then 66: REX ignored, imm16"),
	D(M64, "\x41\xb8\x78\x56\x34\x12", 6, PLN, "64: mov r8d, imm32"),
	D(M64, "\x49\xbf\x88\x77\x66\x55\x44\x33\x22\x11", 10, PLN,
	  "64: mov r15, imm64"),
	D(M64, "\x48\x05\x78\x56\x34\x12", 6, PLN, "64: add rax, imm32"),
	D(M64, "\x48\x81\xc1\x78\x56\x34\x12", 7, PLN, "64: add rcx, imm32"),
	D(M64, "\x48\xc7\xc0\x78\x56\x34\x12", 7, STP, "64: mov rax, imm32 (C7)"),
	D(M64, "\x48\x8d\x05\x00\x10\x00\x00", 7, PLN, "64: lea rax, [rip+x]"),
	D(M64, "\x67\x8d\x05\x00\x10\x00\x00", 7, PLN, "64: lea eax, [eip+x]"),
	D(M64, "\x8b\x05\x00\x10\x00\x00", 6, MEM, "64: mov eax, [rip+x]"),
	D(M64, "\x4f\x8d\x64\xa5\x00", 5, PLN,
	  "64: lea r12, [r13+r12*4] (REX.B base=5 mod=1)"),
	D(M64, "\x8d\x04\x25\x00\x10\x00\x00", 7, PLN, "64: lea eax, [abs32]"),
	D(M64, "\x4c\x8b\x04\x24", 4, MEM, "64: mov r8, [rsp]"),
	D(M64, "\x48\xa1\x88\x77\x66\x55\x44\x33\x22\x11", 10, MEM,
	  "64: mov rax, [moffs64]"),
	D(M64, "\xa0\x88\x77\x66\x55\x44\x33\x22\x11", 9, MEM,
	  "64: mov al, [moffs64]"),
	D(M64, "\x67\xa1\x78\x56\x34\x12", 6, MEM, "64: 67 moffs32"),
	D(M64, "\x2e\x67\x48\x81\x84\x88\x78\x56\x34\x12\xef\xbe\xad\xde", 14,
	  MEM, "64: add [eax+ecx*4+d32], imm32"),
	D(M64, "\xe8\x00\x00\x00\x00", 5, JMP, "64: call rel32"),
	D(M64, "\x66\xe8\x00\x00\x00\x00", 6, STP, "64: 66 call: still rel32"),
	D(M64, "\x66\x0f\x85\x00\x00\x00\x00", 7, STP, "64: 66 jne: rel32"),
	D(M64, "\x68\x78\x56\x34\x12", 5, MEM, "64: push imm32"),
	D(M64, "\x40\x90", 2, PLN, "64: rex nop"),
	D(M64, "\x41\x90", 2, PLN, "64: xchg r8d, eax"),
	D(M64, "\x48\x98", 2, PLN, "64: cdqe"),
	D(M64, "\x48\x99", 2, PLN, "64: cqo"),
	D(M64, "\xff\xc0", 2, PLN, "64: inc eax (FF /0)"),
	D(M64, "\x48\xff\xca", 3, PLN, "64: dec rdx"),
	D(M64, "\x0f\xbc\xc1", 3, STP, "64: bsf eax, ecx (upper-half quirk)"),
	D(M64, "\x48\x0f\xbc\xc1", 4, PLN, "64: bsf rax, rcx"),
	D(M64, "\x66\x0f\xbd\xc1", 4, PLN, "64: bsr ax, cx"),
	D(M64, "\x49\x0f\xc8", 3, PLN, "64: bswap r8"),
	D(M64, "\x48\x63\xc1", 3, STP, "64: movsxd (not listed)"),
	D(M64, "\x0f\x05", 2, STP, "64: syscall"),
	D(M64, "\x4d\x0f\x44\xc1", 4, PLN, "64: cmove r8, r9"),
	D(M64, "\x40\x0f\xb6\xc6", 4, PLN, "64: movzx eax, sil"),

	/* prefix counting and the 15-byte limit */
	D(M32, "\x26\x2e\x36\x3e\x64\x65\x8b\xc0", 8, PLN,
	  "segment overrides on mov eax, eax"),
	D(M32, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
	  "\x90", 15, PLN, "14 prefixes + nop = 15 bytes"),
	D(M32, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
	  "\x66\x90", 0, BAD, "15 prefixes + nop = 16 bytes"),
	D(M64, "\x48\x48\x48\x48\x48\x48\x48\x48\x48\x48\x48\x48\x48\x48"
	  "\x90", 15, PLN, "64: 14 REX + nop = 15 bytes"),
	D(M64, "\x2e\x2e\x67\x48\x81\x84\x88\x78\x56\x34\x12\xef\xbe\xad\xde",
	  15, MEM, "64: 15-byte add"),
	D(M64, "\x2e\x2e\x2e\x67\x48\x81\x84\x88\x78\x56\x34\x12\xef\xbe\xad"
	  "\xde", 0, BAD, "64: 16-byte add"),
	D(M32, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
	  "\x66\x66\x66\x66", 0, BAD, "prefixes only, past 15 bytes"),
};

static void run_dec_cases(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dec_cases); i++) {
		const struct dec_case *c = &dec_cases[i];
		const u8 *p = at_end(c->bytes, c->n);
		struct iob_insn in;
		char diag[200], hex[64];
		int ret, ok;

		memset(&in, 0xa5, sizeof(in));
		ret = iob_decode(p, c->n, c->mode, &in);
		ok = ret == (int)c->len && in.len == c->len &&
		     in.kind == c->kind;
		if (ok && c->kind == IO)
			ok = in.io_in == c->io_in && in.io_dx == c->io_dx &&
			     in.io_size == c->io_size &&
			     in.io_port == c->io_port;
		hexdump(hex, sizeof(hex), p, c->n);
		snprintf(diag, sizeof(diag),
			 "[%s] got ret %d len %u kind %s in %u dx %u size %u port %#x; want len %u kind %s",
			 hex, ret, in.len,
			 in.kind < 6 ? kind_name[in.kind] : "?", in.io_in,
			 in.io_dx, in.io_size, in.io_port, c->len,
			 kind_name[c->kind]);
		report(ok, diag, "decode %s-bit: %s", mode_name[c->mode],
		       c->name);
	}
}

/* ------------------------------------------------------------------ */
/* Truncation: every cut of a long instruction is BAD, never overreads */

struct trunc_case {
	enum iob_mode mode;
	const char *bytes;
	unsigned int n;
	const char *name;
};

#define T(m, b, nm) { m, b, sizeof(b) - 1, nm }

static const struct trunc_case trunc_cases[] = {
	T(M64, "\x2e\x67\x48\x81\x84\x88\x78\x56\x34\x12\xef\xbe\xad\xde",
	  "64: add [eax+ecx*4+d32], imm32"),
	T(M64, "\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11", "64: mov rax, imm64"),
	T(M64, "\x2e\x2e\x67\x48\x81\x84\x88\x78\x56\x34\x12\xef\xbe\xad\xde",
	  "64: 15-byte add"),
	T(M64, "\x48\x8d\x05\x00\x10\x00\x00", "64: lea rip-relative"),
	T(M16, "\x66\x67\x81\x84\x24\x78\x56\x34\x12\xef\xbe\xad\xde",
	  "16: 66 67 add [esp+d32], imm32"),
	T(M16, "\x8b\x86\x34\x12", "16: mov ax, [bp+disp16]"),
	T(M32, "\xc8\x10\x00\x01", "enter"),
	T(M32, "\x9a\x78\x56\x34\x12\x08\x00", "call far"),
	T(M32, "\x66\x0f\x3a\x0f\x44\x24\x08\x04", "palignr xmm, [esp+8]"),
	T(M32, "\xf7\xc0\x78\x56\x34\x12", "test eax, imm32"),
	T(M32, "\x66\xe5\x71", "in ax, imm8"),
};

static void run_trunc_cases(void)
{
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(trunc_cases); i++) {
		const struct trunc_case *c = &trunc_cases[i];
		struct iob_insn in;
		char diag[160];
		int ok = 1, ret;

		diag[0] = 0;
		for (k = 0; k < c->n; k++) {
			const u8 *p = at_end(c->bytes, k);

			ret = iob_decode(p, k, c->mode, &in);
			if (ret != 0 || in.len != 0 || in.kind != BAD) {
				snprintf(diag, sizeof(diag),
					 "cut at %u: ret %d kind %u", k, ret,
					 in.kind);
				ok = 0;
				break;
			}
		}
		if (ok) {
			const u8 *p = at_end(c->bytes, c->n);

			ret = iob_decode(p, c->n, c->mode, &in);
			if (ret != (int)c->n) {
				snprintf(diag, sizeof(diag),
					 "full: ret %d want %u", ret, c->n);
				ok = 0;
			}
		}
		report(ok, diag, "truncate %s-bit at every cut: %s",
		       mode_name[c->mode], c->name);
	}
}

/* ------------------------------------------------------------------ */
/* iob_scan_block() cases                                              */

struct blk_case {
	enum iob_mode mode;
	const char *bytes;
	unsigned int n;
	unsigned int max_insns;
	int ret;
	unsigned int size, n_insns, n_io, scanned, stop;
	const char *name;
};

#define BLK(m, b, max, r, sz, ni, nio, sc, st, nm) \
	{ m, b, sizeof(b) - 1, max, r, sz, ni, nio, sc, IOB_STOP_##st, nm }

static const struct blk_case blk_cases[] = {
	/* mov al, 0x0e; out 0x70, al; in al, 0x71 */
	BLK(M16, "\xb0\x0e\xe6\x70\xe4\x71", 16, -1, 0, 0, 0, 0, INSN,
	    "CMOS: starting at mov is not a block"),
	/* out 0x70, al; in al, 0x71; mov al, 0x0f; out; in; ret */
	BLK(M16, "\xe6\x70\xe4\x71\xb0\x0f\xe6\x70\xe4\x71\xc3", 16, 0, 10,
	    5, 4, 10, INSN, "CMOS: two index/data pairs, ends at ret"),
	BLK(M16, "\xe6\x70\xe4\x71", 16, 0, 4, 2, 2, 4, END,
	    "CMOS: out/in up to the buffer end"),
	/* out dx, al; inc dx; mov al, ah; out dx, al; dec dx; mov al, 0x0f;
	 * out dx, al; inc dx; mov al, bl; out dx, al; jmp $
	 */
	BLK(M16, "\xee\x42\x88\xe0\xee\x4a\xb0\x0f\xee\x42\x88\xd8\xee\xeb\xfe",
	    16, 0, 13, 10, 4, 13, INSN, "VGA: 4x out dx with inc/dec/mov"),
	BLK(M32, "\xee\x42\x88\xe0\xee\x4a\xb0\x0f\xee\x42\x88\xd8\xee\xeb\xfe",
	    16, 0, 13, 10, 4, 13, INSN, "VGA 32-bit"),
	/* 64-bit: 42 is REX, use FF C2 / FF CA for inc/dec edx */
	BLK(M64, "\xee\xff\xc2\x88\xe0\xee\xff\xca\xb0\x0f\xee\xff\xc2\x88"
	    "\xd8\xee\xeb\xfe", 16, 0, 16, 10, 4, 16, INSN, "VGA 64-bit"),
	/* out 0x43; out 0x40; out 0x40; cli */
	BLK(M16, "\xe6\x43\xe6\x40\xe6\x40\xfa", 16, 0, 6, 3, 3, 6, INSN,
	    "PIT: out 0x43, out 0x40, out 0x40"),
	BLK(M32, "\xe6\x43\xb0\x9c\xe6\x40\xb0\x2e\xe6\x40\xc3", 16, 0, 10, 5,
	    3, 10, INSN, "PIT with mov al, imm between"),
	/* in al, dx; and al, 0x7f; or al, 0x80; xor al, 1; out dx, al; hlt */
	BLK(M32, "\xec\x24\x7f\x0c\x80\x34\x01\xee\xf4", 16, 0, 8, 5, 2, 8,
	    INSN, "ALU between in and out"),
	BLK(M32, "\xec\x0f\xb6\xc0\x83\xe0\x0f\x66\x81\xc2\x01\x00\xee\xf4",
	    16, 0, 13, 5, 2, 13, INSN, "movzx, and, add dx between IO"),
	/* out 0x80, al; jmp $+2; out 0x80, al */
	BLK(M32, "\xe6\x80\xeb\x00\xe6\x80", 16, 0, 2, 1, 1, 2, INSN,
	    "jmp between IO ends the block before the jmp"),
	BLK(M16, "\xec\x88\x07\xec", 16, 0, 1, 1, 1, 1, INSN,
	    "memory operand between IO ends the block"),
	BLK(M32, "\xec\x90\x90\x8b\x00\xec", 16, 0, 1, 1, 1, 3, INSN,
	    "trailing plain insns are not in size"),
	BLK(M32, "\xe6\x80\xb0\x01\xe6\x81", 16, 0, 6, 3, 2, 6, END,
	    "IO at the very end of the buffer"),
	BLK(M32, "\xe6\x80\xb0\x01\xe6", 16, 0, 2, 1, 1, 4, END,
	    "IO truncated by the buffer end"),
	BLK(M32, "\xe6\x80\xb0\x01", 16, 0, 2, 1, 1, 4, END,
	    "plain insn at the end is not in size"),
	BLK(M32, "\xec\x0f", 16, 0, 1, 1, 1, 1, END,
	    "cut inside a valid opcode: END"),
	BLK(M32, "\xec\x0f\x04\xec", 16, 0, 1, 1, 1, 1, BAD,
	    "undefined opcode: BAD"),
	BLK(M64, "\xec\x06\xec", 16, 0, 1, 1, 1, 1, BAD,
	    "64: push es is BAD"),
	BLK(M32, "\xec\xec\xec\xec\xec", 3, 0, 3, 3, 3, 3, LIMIT,
	    "max_insns limit"),
	BLK(M32, "\xec\x90\x90\xec", 3, 0, 1, 1, 1, 3, LIMIT,
	    "limit after plain insns"),
	BLK(M32, "\xec\xec\xec", 0, 0, 1, 1, 1, 1, LIMIT,
	    "max_insns 0 is treated as 1"),
	BLK(M32, "\xec\xec\xec", 3, 0, 3, 3, 3, 3, END,
	    "limit and end together: END"),
	BLK(M64, "\x66\xed\x48\x89\xc3\x48\xc1\xe8\x08\x66\xef\xc3", 16, 0, 11,
	    4, 2, 11, INSN, "64: in ax, dx; mov rbx, rax; shr; out dx, ax"),
	BLK(M64, "\xe4\x60\x48\x8b\x05\x00\x00\x00\x00\xe6\x60", 16, 0, 2, 1,
	    1, 2, INSN, "64: rip-relative load between IO ends the block"),
	BLK(M64, "\xe4\x60\x48\x8d\x05\x00\x00\x00\x00\xe6\x60", 16, 0, 11, 3,
	    2, 11, END, "64: rip-relative lea between IO is plain"),
	BLK(M32, "\x90\xe6\x80", 16, -1, 0, 0, 0, 0, INSN,
	    "non-IO first byte returns -1"),
	BLK(M32, "\xf3\xec\xec", 16, -1, 0, 0, 0, 0, INSN,
	    "rep in first returns -1"),
	BLK(M32, "\x6e\xec", 16, -1, 0, 0, 0, 0, INSN,
	    "outsb first returns -1"),
	BLK(M32, "\x66", 16, -1, 0, 0, 0, 0, END,
	    "truncated first insn returns -1"),
	BLK(M32, "", 16, -1, 0, 0, 0, 0, END, "empty buffer returns -1"),
	BLK(M64, "\x0f\x04\xec", 16, -1, 0, 0, 0, 0, BAD,
	    "BAD first insn returns -1"),
};

static void run_blk_cases(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(blk_cases); i++) {
		const struct blk_case *c = &blk_cases[i];
		const u8 *p = at_end(c->bytes, c->n);
		struct iob_block b;
		char diag[200];
		int ret, ok;

		memset(&b, 0xa5, sizeof(b));
		ret = iob_scan_block(p, c->n, c->mode, c->max_insns, &b);
		ok = ret == c->ret && b.size == c->size &&
		     b.n_insns == c->n_insns && b.n_io == c->n_io &&
		     b.scanned == c->scanned && b.stop == c->stop;
		snprintf(diag, sizeof(diag),
			 "got ret %d size %u n_insns %u n_io %u scanned %u stop %s; want %d %u %u %u %u %s",
			 ret, b.size, b.n_insns, b.n_io, b.scanned,
			 b.stop < 4 ? stop_name[b.stop] : "?", c->ret,
			 c->size, c->n_insns, c->n_io, c->scanned,
			 stop_name[c->stop]);
		report(ok, diag, "block %s-bit: %s", mode_name[c->mode],
		       c->name);
	}
}

/* ------------------------------------------------------------------ */
/* Miscellaneous                                                       */

static void run_misc(void)
{
	static unsigned char big[6000];
	struct iob_block b;
	struct iob_insn in;
	const u8 *p;
	char diag[160];
	int ret;

	/* The scan is clamped to IOB_MAX_EXTENT bytes. */
	memset(big, 0xec, sizeof(big));
	p = at_end(big, sizeof(big));
	ret = iob_scan_block(p, sizeof(big), M32, 100000, &b);
	snprintf(diag, sizeof(diag), "ret %d size %u n_insns %u scanned %u",
		 ret, b.size, b.n_insns, b.scanned);
	report(ret == 0 && b.size == IOB_MAX_EXTENT &&
	       b.n_insns == IOB_MAX_EXTENT && b.n_io == IOB_MAX_EXTENT &&
	       b.scanned == IOB_MAX_EXTENT && b.stop == IOB_STOP_END, diag,
	       "block: scan clamped to IOB_MAX_EXTENT");

	/* A 2-byte IO at the very end of the extent. */
	memset(big, 0x90, sizeof(big));
	big[0] = 0xe6;
	big[1] = 0x80;
	big[IOB_MAX_EXTENT - 2] = 0xe6;
	big[IOB_MAX_EXTENT - 1] = 0x81;
	p = at_end(big, IOB_MAX_EXTENT);
	ret = iob_scan_block(p, IOB_MAX_EXTENT, M32, 100000, &b);
	snprintf(diag, sizeof(diag), "ret %d size %u n_insns %u n_io %u",
		 ret, b.size, b.n_insns, b.n_io);
	report(ret == 0 && b.size == IOB_MAX_EXTENT &&
	       b.n_insns == IOB_MAX_EXTENT - 2 && b.n_io == 2 &&
	       b.stop == IOB_STOP_END, diag,
	       "block: nops up to IO at the end of a page");

	/* Bad mode. */
	p = at_end("\xec", 1);
	ret = iob_decode(p, 1, (enum iob_mode)3, &in);
	report(ret == 0 && in.kind == BAD, NULL, "decode: invalid mode is BAD");

	/* avail 0 never touches the buffer. */
	ret = iob_decode(guard_base + guard_data, 0, M32, &in);
	report(ret == 0 && in.kind == BAD, NULL,
	       "decode: avail 0 at the guard page is BAD");

	/* Larger avail does not change the result. */
	p = at_end("\xe5\x71\xf4\xf4\xf4\xf4\xf4\xf4\xf4\xf4\xf4\xf4\xf4\xf4"
		   "\xf4\xf4\xf4\xf4", 18);
	ret = iob_decode(p, 18, M32, &in);
	report(ret == 2 && in.kind == IO && in.io_port == 0x71, NULL,
	       "decode: avail beyond 15 bytes");
}

/* Register moves the executor runs itself: their decoded operands. */
static void run_op_cases(void)
{
	static const struct {
		const char *bytes;
		unsigned int n;
		enum iob_mode mode;
		u8 op, size, dst, src;
		u64 imm;
		const char *name;
	} c[] = {
		{ "\xb0\x5a", 2, M16, IOB_OP_MOV_IMM, 1, 0, 0, 0x5a,
		  "mov al, 0x5a" },
		{ "\xb7\x12", 2, M16, IOB_OP_MOV_IMM, 1, IOB_REG_AH + 3, 0, 0x12,
		  "mov bh, 0x12 (high byte)" },
		{ "\xba\xd4\x03", 3, M16, IOB_OP_MOV_IMM, 2, 2, 0, 0x3d4,
		  "mov dx, 0x3d4" },
		{ "\x66\xb9\x78\x56\x34\x12", 6, M16, IOB_OP_MOV_IMM, 4, 1, 0,
		  0x12345678, "66 mov ecx, imm32 in 16-bit code" },
		{ "\x41\xb4\x01", 3, M64, IOB_OP_MOV_IMM, 1, 12, 0, 1,
		  "mov r12b, 1 (REX.B)" },
		{ "\x40\xb4\x01", 3, M64, IOB_OP_MOV_IMM, 1, 4, 0, 1,
		  "mov spl, 1 (REX: no AH)" },
		{ "\x49\xbf\x08\x07\x06\x05\x04\x03\x02\x01", 10, M64,
		  IOB_OP_MOV_IMM, 8, 15, 0, 0x0102030405060708ULL,
		  "mov r15, imm64" },
		{ "\x88\xf8", 2, M16, IOB_OP_MOV_REG, 1, 0, IOB_REG_AH + 3, 0,
		  "mov al, bh (88)" },
		{ "\x8a\xc7", 2, M16, IOB_OP_MOV_REG, 1, 0, IOB_REG_AH + 3, 0,
		  "mov al, bh (8a)" },
		{ "\x89\xd8", 2, M32, IOB_OP_MOV_REG, 4, 0, 3, 0,
		  "mov eax, ebx (89)" },
		{ "\x4c\x8b\xc1", 3, M64, IOB_OP_MOV_REG, 8, 8, 1, 0,
		  "mov r8, rcx (REX.WR)" },
		{ "\x8b\x07", 2, M32, IOB_OP_LOAD, 4, 0, 0, 0,
		  "mov eax, [edi]: a load" },
		{ "\x40", 1, M32, IOB_OP_INC, 4, 0, 0, 0, "inc eax" },
		{ "\x66\x4e", 2, M16, IOB_OP_DEC, 4, 6, 0, 0,
		  "16: 66 dec esi (SeaVGABIOS DAC loop)" },
		{ "\xfe\xcc", 2, M32, IOB_OP_DEC, 1, IOB_REG_AH + 0, 0, 0,
		  "dec ah" },
		{ "\x48\xff\xc1", 3, M64, IOB_OP_INC, 8, 1, 0, 0, "inc rcx" },
		{ "\x66\x83\xc3\x03", 4, M16, IOB_OP_ALU, 4, 3, 0, 3,
		  "16: 66 add ebx, 3" },
		{ "\x83\xe8\xff", 3, M32, IOB_OP_ALU, 4, 0, 0, ~0ULL,
		  "sub eax, -1 (imm8 sign-extended)" },
		{ "\x48\x81\xf1\x00\x00\x00\x80", 7, M64, IOB_OP_ALU, 8, 1,
		  0, 0xffffffff80000000ULL, "xor rcx, imm32 (sign-extended)" },
		{ "\x3c\x80", 2, M32, IOB_OP_ALU, 1, 0, 0, ~0x7fULL,
		  "cmp al, 0x80" },
		{ "\x31\xd8", 2, M32, IOB_OP_ALU, 4, 0, 3, 0, "xor eax, ebx" },
		{ "\x02\xc4", 2, M32, IOB_OP_ALU, 1, 0, IOB_REG_AH + 0, 0,
		  "add al, ah" },
		{ "\x66\x85\xf6", 3, M16, IOB_OP_TEST, 4, 6, 6, 0,
		  "16: 66 test esi, esi" },
		{ "\xa8\x01", 2, M32, IOB_OP_TEST, 1, 0, 0, 1, "test al, 1" },
		{ "\xf7\xc1\x00\x01\x00\x00", 6, M32, IOB_OP_TEST, 4, 1, 0,
		  0x100, "test ecx, 0x100" },
		{ "\x0f\xaf\xc1", 3, M32, IOB_OP_EMULATE, 0, 0, 0, 0,
		  "imul eax, ecx: left to the emulator" },
		{ "\xc1\xe8\x08", 3, M16, IOB_OP_SHIFT, 2, 0, 0, 8,
		  "16: shr ax, 8 (bench vga)" },
		{ "\xd1\xe3", 2, M32, IOB_OP_SHIFT, 4, 3, 0, 1,
		  "shl ebx, 1 (D1: by one)" },
		{ "\xd3\xf8", 2, M32, IOB_OP_SHIFT, 4, 0, 0, 0,
		  "sar eax, cl (D3: by CL, no immediate)" },
		{ "\xc0\xc4\x04", 3, M16, IOB_OP_SHIFT, 1, IOB_REG_AH + 0, 0, 4,
		  "rol ah, 4 (high byte)" },
		{ "\x49\xd1\xd8", 3, M64, IOB_OP_SHIFT, 8, 8, 0, 1,
		  "rcr r8, 1 (REX.WB)" },
		{ "\xc1\xf0\x01", 3, M32, IOB_OP_EMULATE, 0, 0, 0, 0,
		  "C1 /6 (SAL alias): left to the emulator" },
		{ "\xc1\x28\x01", 3, M32, IOB_OP_EMULATE, 0, 0, 0, 0,
		  "shr dword [eax], 1: memory, left to the emulator" },
		{ "\x74\x1b", 2, M16, IOB_OP_JCC, 2, 0, 0, 0, "16: je rel8" },
		{ "\xeb\xe0", 2, M16, IOB_OP_JMP, 2, 0, 0, 0, "16: jmp rel8" },
		{ "\xe2\xfe", 2, M32, IOB_OP_LOOP, 4, 0, 0, 0, "32: loop" },
		{ "\xe9\x00\x00\x00\x00", 5, M64, IOB_OP_JMP, 8, 0, 0, 0,
		  "64: jmp rel32 (64-bit operand)" },
		{ "\xe8\x00\x00\x00\x00", 5, M32, IOB_OP_EMULATE, 0, 0, 0, 0,
		  "call: left to the emulator (stack)" },
		{ "\x0f\x95\xc1", 3, M16, IOB_OP_SETCC, 1, 1, 0, 0,
		  "16: setne cl (SeaBIOS's A20 helper)" },
		{ "\x0f\x94\xc4", 3, M32, IOB_OP_SETCC, 1, IOB_REG_AH + 0, 0, 0,
		  "sete ah (high byte)" },
		{ "\x40\x0f\x94\xc4", 4, M64, IOB_OP_SETCC, 1, 4, 0, 0,
		  "sete spl (REX: no AH)" },
		{ "\x0f\x94\x00", 3, M32, IOB_OP_EMULATE, 0, 0, 0, 0,
		  "sete [eax]: memory, left to the emulator" },
	};
	struct iob_insn in;
	char diag[160];
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ret = iob_decode(at_end(c[i].bytes, c[i].n), c[i].n, c[i].mode,
				 &in);
		snprintf(diag, sizeof(diag),
			 "ret %d op %u size %u dst %u src %u imm %#llx", ret,
			 in.op, in.op_size, in.op_dst, in.op_src,
			 (unsigned long long)in.op_imm);
		report(ret == (int)c[i].n && in.op == c[i].op &&
		       in.op_size == c[i].size && in.op_dst == c[i].dst &&
		       in.op_src == c[i].src && in.op_imm == c[i].imm, diag,
		       "op: %s", c[i].name);
	}
}

/* Shifts and rotates: which one (ModRM reg) and where the count is. */
static void run_shift_cases(void)
{
	static const struct {
		const char *bytes;
		unsigned int n;
		enum iob_mode mode;
		u8 alu, has_imm;
		const char *name;
	} c[] = {
		{ "\xc1\xe8\x08", 3, M16, 5, 1, "shr ax, 8: SHR, imm8" },
		{ "\xd1\xe3", 2, M32, 4, 1, "shl ebx, 1: SHL, by one" },
		{ "\xd3\xf8", 2, M32, 7, 0, "sar eax, cl: SAR, by CL" },
		{ "\xd2\xc8", 2, M32, 1, 0, "ror al, cl: ROR, by CL" },
		{ "\xc0\xc4\x04", 3, M16, 0, 1, "rol ah, 4: ROL, imm8" },
		{ "\x49\xd1\xd8", 3, M64, 3, 1, "rcr r8, 1: RCR, by one" },
		{ "\xd0\xd1", 2, M32, 2, 1, "rcl cl, 1: RCL, by one" },
	};
	struct iob_insn in;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ret = iob_decode(at_end(c[i].bytes, c[i].n), c[i].n, c[i].mode,
				 &in);
		report(ret == (int)c[i].n && in.op == IOB_OP_SHIFT &&
		       in.op_alu == c[i].alu && in.op_has_imm == c[i].has_imm,
		       "", "shift: %s (ret %d op %u alu %u imm? %u)",
		       c[i].name, ret, in.op, in.op_alu, in.op_has_imm);
	}
}

/* ------------------------------------------------------------------ */
/* Trace instructions: jumps, memory operands                          */

static void run_jump_cases(void)
{
	static const struct {
		enum iob_mode mode;
		const char *bytes;
		unsigned int n, kind, jump, mem_write, sreg;
		int rel;
		const char *name;
	} c[] = {
		{ M16, "\xeb\xe0", 2, JMP, IOB_JUMP_JMP, 0, 0, -32,
		  "jmp rel8 back (SeaVGABIOS DAC loop)" },
		{ M16, "\x74\x1b", 2, JMP, IOB_JUMP_COND, 0, 0, 27, "je rel8" },
		{ M16, "\xe9\xfd\xff", 3, JMP, IOB_JUMP_JMP, 0, 0, -3,
		  "jmp rel16" },
		{ M16, "\x66\xe8\x10\x00\x00\x00", 6, JMP, IOB_JUMP_CALL, 1,
		  0, 16, "16: 66 call rel32" },
		{ M32, "\x0f\x85\x00\x01\x00\x00", 6, JMP, IOB_JUMP_COND, 0,
		  0, 256, "jne rel32" },
		{ M32, "\x66\x0f\x85\x00\x01", 5, JMP, IOB_JUMP_COND, 0, 0,
		  256, "32: 66 jne rel16" },
		{ M32, "\xe2\xfe", 2, JMP, IOB_JUMP_COND, 0, 0, -2, "loop" },
		{ M32, "\xe3\x05", 2, JMP, IOB_JUMP_COND, 0, 0, 5, "jecxz" },
		{ M16, "\xc2\x02\x00", 3, JMP, IOB_JUMP_RET, 0, 0, 0,
		  "ret 2 (SeaVGABIOS helper)" },
		{ M64, "\xe8\xfb\xff\xff\xff", 5, JMP, IOB_JUMP_CALL, 1, 0, -5,
		  "64: call rel32" },
		{ M64, "\x66\xe9\x00\x00\x00\x00", 6, STP, 0, 0, 0, 0,
		  "64: 66 jmp (AMD and Intel differ): stop" },
		{ M64, "\x66\xc3", 2, STP, 0, 0, 0, 0, "64: 66 ret: stop" },
		{ M64, "\x66\x50", 2, STP, 0, 0, 0, 0, "64: 66 push: stop" },
		{ M32, "\xff\xd0", 2, STP, 0, 0, 0, 0, "call eax: stop" },
		{ M32, "\xff\x20", 2, STP, 0, 0, 0, 0, "jmp [eax]: stop" },
		{ M32, "\xcb", 1, STP, 0, 0, 0, 0, "retf: stop" },
		{ M16, "\x26\x67\x8a\x03", 4, MEM, 0, 0, 0, 0,
		  "mov al, es:[ebx] reads" },
		{ M16, "\x88\x07", 2, MEM, 0, 1, 0, 0, "mov [bx], al writes" },
		{ M32, "\x39\x08", 2, MEM, 0, 0, 0, 0, "cmp [eax], ecx reads" },
		{ M32, "\x83\x38\x01", 3, MEM, 0, 0, 0, 0,
		  "cmp dword [eax], 1 reads" },
		{ M32, "\x83\x00\x01", 3, MEM, 0, 1, 0, 0,
		  "add dword [eax], 1 writes" },
		{ M32, "\xf6\x00\x01", 3, MEM, 0, 0, 0, 0, "test [eax] reads" },
		{ M32, "\xf7\x18", 2, MEM, 0, 1, 0, 0, "neg [eax] writes" },
		{ M32, "\xfe\x00", 2, MEM, 0, 1, 0, 0, "inc byte [eax] writes" },
		{ M32, "\xc6\x00\x05", 3, MEM, 0, 1, 0, 0, "mov byte [eax], 5" },
		{ M32, "\xa2\x00\x10\x00\x00", 5, MEM, 0, 1, 0, 0,
		  "mov [moffs], al writes" },
		{ M32, "\x50", 1, MEM, 0, 1, 0, 0, "push eax writes" },
		{ M32, "\x5b", 1, MEM, 0, 0, 0, 0, "pop ebx reads" },
		{ M32, "\x6a\x01", 2, MEM, 0, 1, 0, 0, "push imm8 writes" },
		{ M32, "\x0f\x94\x00", 3, MEM, 0, 1, 0, 0, "sete [eax] writes" },
		{ M32, "\x0f\xb6\x00", 3, MEM, 0, 0, 0, 0, "movzx [eax] reads" },
		{ M16, "\x8e\xc7", 2, MEM, 0, 0, 1, 0, "mov es, di (sreg)" },
		{ M16, "\x8e\x1e\x00\x10", 4, MEM, 0, 0, 1, 0,
		  "mov ds, [0x1000] (sreg)" },
		{ M16, "\x8e\xd0", 2, STP, 0, 0, 0, 0,
		  "mov ss, ax (interrupt shadow): stop" },
		{ M32, "\x86\x00", 2, STP, 0, 0, 0, 0,
		  "xchg [eax], al (locked): stop" },
		{ M32, "\x0f\xab\x00", 3, STP, 0, 0, 0, 0,
		  "bts [eax], eax (bit offset reaches far): stop" },
		{ M32, "\xff\x30", 2, STP, 0, 0, 0, 0, "push [eax]: stop" },
		{ M32, "\x8f\x00", 2, STP, 0, 0, 0, 0, "pop [eax]: stop" },
		{ M32, "\xf0\x01\x08", 3, STP, 0, 0, 0, 0, "lock add: stop" },
	};
	struct iob_insn in;
	char diag[160];
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ret = iob_decode(at_end(c[i].bytes, c[i].n), c[i].n, c[i].mode,
				 &in);
		snprintf(diag, sizeof(diag),
			 "ret %d kind %u jump %u mem_write %u sreg %u rel %d",
			 ret, in.kind, in.jump, in.mem_write, in.sreg_load,
			 in.rel);
		report(ret == (int)c[i].n && in.kind == c[i].kind &&
		       in.jump == c[i].jump && in.mem_write == c[i].mem_write &&
		       in.sreg_load == c[i].sreg && in.rel == c[i].rel, diag,
		       "trace insn %s-bit: %s", mode_name[c[i].mode],
		       c[i].name);
	}
}

/*
 * A trace case: @in lists the offsets that must be in the map, -1 ends;
 * @via has bit off set for those from which IO is reached only through a
 * RET (iob_trace_via_ret()).
 */
struct trace_case {
	enum iob_mode mode;
	const char *bytes;
	unsigned int n, start;
	int ret;
	unsigned int lo, hi, n_io;
	int in[24];
	const char *name;
	unsigned long long via;
};

/* SeaVGABIOS (Debian's vgabios-stdvga.bin) 0xd23..0xd5d: the DAC loop */
#define DAC_LOOP							\
	"\x66\xba\xc8\x03\x00\x00" "\x88\xc8" "\xee"			\
	"\x66\xba\xc9\x03\x00\x00" "\x66\x85\xf6" "\x74\x1b"		\
	"\x8e\xc7" "\x26\x67\x8a\x03" "\xee" "\x26\x67\x8a\x43\x01"	\
	"\xee" "\x26\x67\x8a\x43\x02" "\xee" "\x66\x83\xc3\x03"		\
	"\x66\x4e" "\xeb\xe0"						\
	"\x66\x5b" "\x66\x5e" "\x66\x5f" "\x66\x5d" "\xc2\x02\x00"

static const struct trace_case trace_cases[] = {
	{ M16, DAC_LOOP, sizeof(DAC_LOOP) - 1, 8, 0, 8, 0x2f, 4,
	  { 8, 9, 0xf, 0x12, 0x14, 0x16, 0x1a, 0x1b, 0x20, 0x21, 0x26,
	    0x27, 0x2b, 0x2d, -1 },
	  "SeaVGABIOS DAC loop: index OUT, then 256 x 3 data OUTs", 0 },
	/* l: mov al, [bx]; out dx, al; inc bx; jmp l; hlt */
	{ M16, "\x8a\x07\xee\x43\xeb\xfa\xf4", 7, 2, 0, 0, 6, 1,
	  { 0, 2, 3, 4, -1 }, "loop head before the exiting OUT", 0 },
	/* l: out dx, al; inc al; loop l; hlt */
	{ M32, "\xee\xfe\xc0\xe2\xfb\xf4", 6, 0, 0, 0, 5, 1,
	  { 0, 1, 3, -1 }, "one OUT in a LOOP", 0 },
	/* out dx, al; l: dec ecx; jnz l; hlt: no IO after the first */
	{ M32, "\xee\x49\x75\xfd\xf4", 5, 0, -1, 0, 1, 1, { 0, -1 },
	  "loop without IO after the exit: no block", 0 },
	/* out dx, al; jmp +0x100 (out of the window) */
	{ M32, "\xee\xe9\x00\x01\x00\x00", 6, 0, -1, 0, 1, 1, { 0, -1 },
	  "jump out of the window: no block", 0 },
	/*
	 * out dx, al; call +0x100 (out of the window); out dx, al: the
	 * CALL goes on outside (KVM's emulator would run it for nothing);
	 * the OUT after it is reached only by a RET, and there is none
	 * (it stays in the map, no instruction of the block leads to it)
	 */
	{ M16, "\xee\xe8\x00\x01\xee\xf4", 6, 0, -1, 0, 5, 2, { 0, 4, -1 },
	  "call out of the window: no block", 0 },
	/* out; je +2; out 0x80; out 0x81: both paths reach IO */
	{ M32, "\xee\x74\x02\xe6\x80\xe6\x81\xf4", 8, 0, 0, 0, 7, 3,
	  { 0, 1, 3, 5, -1 }, "forward branch around IO", 0 },
	/*
	 * 0: call 9; 3: mov al, 1; 5: call 9; 8: hlt; 9: out dx, al; 10: ret
	 * exit at 9: the RET returns after a CALL of the window
	 */
	{ M16, "\xe8\x06\x00\xb0\x01\xe8\x01\x00\xf4\xee\xc3", 11, 9, 0, 3,
	  11, 1, { 3, 5, 9, 10, -1 }, "helper called twice: out; ret",
	  1ull << 10 },
	/*
	 * 0: call 6; 3: out dx, al; 4: hlt; 5: hlt; 6: out dx, al;
	 * 7: movzx ax, byte [bx]; 10: ret. Exit at 6: after it, only the RET
	 * leads back to IO (SeaVGABIOS's cursor update, whose caller is
	 * elsewhere): 7 and 10 are reached through a RET only.
	 */
	{ M16, "\xe8\x03\x00\xee\xf4\xf4\xee\x0f\xb6\x07\xc3", 11, 6, 0, 3,
	  11, 2, { 3, 6, 7, 10, -1 }, "after the last OUT, IO only through a RET",
	  1ull << 7 | 1ull << 10 },
	/* out; mov [bx], al; out: a store between IO */
	{ M16, "\xee\x88\x07\xee", 4, 0, 0, 0, 4, 2, { 0, 1, 3, -1 },
	  "store between IO", 0 },
	/* out; hlt; out: nothing after the first OUT can run */
	{ M32, "\xee\xf4\xee", 3, 0, -1, 0, 1, 1, { 0, -1 },
	  "hlt after the exit: no block", 0 },
	/* start is not IO */
	{ M32, "\x90\xee", 2, 0, -1, 0, 0, 0, { -1 }, "start not IO", 0 },
	/* out; jmp into the middle of the mov: decoded on its own */
	{ M32, "\xee\xeb\x01\xb0\xee\xee", 6, 0, 0, 0, 6, 3,
	  { 0, 1, 4, 5, -1 }, "jump into the middle of an instruction", 0 },
};

/*
 * out dx, al; 40 x nop; jmp back to the out: the next IO is 41
 * instructions after the first; a trace may run 32 per exit, so it is no
 * trace (the guest runs the nops natively); with 64 it is one.
 */
static void run_trace_distance(struct iob_trace_work *w)
{
	unsigned char b[43];
	struct iob_trace t;
	int r32, r64;
	unsigned int n64;

	memset(b, 0x90, sizeof(b));
	b[0] = 0xee;
	b[41] = 0xeb;
	b[42] = (unsigned char)-43;
	r32 = iob_scan_trace(at_end(b, 43), 43, 0, M32, 32, w, &t);
	r64 = iob_scan_trace(at_end(b, 43), 43, 0, M32, 64, w, &t);
	n64 = t.n_insns;
	report(r32 == -1 && r64 == 0 && n64 == 42, NULL,
	       "trace 32-bit: IO 41 instructions apart: no trace at max_insns 32 (%d), a trace of %u at 64 (%d)",
	       r32, n64, r64);
}

static void run_trace_cases(void)
{
	static struct iob_trace_work w;
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(trace_cases); i++) {
		const struct trace_case *c = &trace_cases[i];
		const u8 *p = at_end(c->bytes, c->n);
		unsigned int want = 0, got = 0, off;
		struct iob_trace t;
		char diag[200];
		int ret, ok;

		memset(&t, 0xa5, sizeof(t));
		ret = iob_scan_trace(p, c->n, c->start, c->mode, 32, &w, &t);
		ok = ret == c->ret && t.lo == c->lo && t.hi == c->hi &&
		     t.n_io == c->n_io;
		for (k = 0; c->in[k] >= 0; k++) {
			want++;
			ok &= !!iob_trace_has(&t, c->in[k]);
		}
		for (off = 0; off < c->n; off++) {
			got += !!iob_trace_has(&t, off);
			if (iob_trace_has(&t, off) &&
			    !!iob_trace_via_ret(&t, off) != ((c->via >> off) & 1))
				ok = 0;
		}
		ok &= got == want && t.n_insns == want;
		snprintf(diag, sizeof(diag),
			 "got ret %d lo %#x hi %#x n_io %u n_insns %u (%u in map); want %d %#x %#x %u %u",
			 ret, t.lo, t.hi, t.n_io, t.n_insns, got, c->ret,
			 c->lo, c->hi, c->n_io, want);
		report(ok, diag, "trace %s-bit: %s", mode_name[c->mode],
		       c->name);
	}
	run_trace_distance(&w);
}

/*
 * Loads, stores and LEA the executor runs itself: their memory operands
 * (for a store, "dst" is the stored register).
 */
static void run_load_cases(void)
{
	static const struct {
		const char *bytes;
		unsigned int n;
		enum iob_mode mode;
		u8 op, size, dst, base, index, scale, seg;
		int disp;
		const char *name;
	} c[] = {
		{ "\x26\x67\x8a\x43\x01", 5, M16, IOB_OP_LOAD, 1, 0, 3,
		  IOB_REG_NONE, 0, 0, 1,
		  "16: mov al, es:[ebx+1] (SeaVGABIOS DAC loop)" },
		{ "\x8b\x46\x08", 3, M16, IOB_OP_LOAD, 2, 0, 5, IOB_REG_NONE,
		  0, 2, 8, "16: mov ax, [bp+8]: SS" },
		{ "\x8b\x00", 2, M16, IOB_OP_LOAD, 2, 0, 3, 6, 0, 3, 0,
		  "16: mov ax, [bx+si]" },
		{ "\x8a\x26\x34\x12", 4, M16, IOB_OP_LOAD, 1, IOB_REG_AH + 0,
		  IOB_REG_NONE, IOB_REG_NONE, 0, 3, 0x1234,
		  "16: mov ah, [0x1234]" },
		{ "\x3e\x8b\x46\xfe", 4, M16, IOB_OP_LOAD, 2, 0, 5,
		  IOB_REG_NONE, 0, 3, -2, "16: mov ax, ds:[bp-2]: override" },
		{ "\x8b\x44\x8d\x10", 4, M32, IOB_OP_LOAD, 4, 0, 5, 1, 2, 2,
		  16, "mov eax, [ebp+ecx*4+16]: SS" },
		{ "\x8b\x04\x8d\x00\x10\x00\x00", 7, M32, IOB_OP_LOAD, 4, 0,
		  IOB_REG_NONE, 1, 2, 3, 0x1000, "mov eax, [ecx*4+0x1000]" },
		{ "\x64\x8b\x1c\x24", 4, M32, IOB_OP_LOAD, 4, 3, 4,
		  IOB_REG_NONE, 0, 4, 0, "mov ebx, fs:[esp]" },
		{ "\x8b\x05\x00\x00\x00\x00", 6, M64, IOB_OP_EMULATE, 0, 0, 0, 0,
		  0, 0, 0, "64: rip-relative: the emulator's" },
		{ "\x89\x07", 2, M32, IOB_OP_STORE, 4, 0, 7, IOB_REG_NONE, 0,
		  3, 0, "mov [edi], eax: a store" },
		{ "\x26\x67\x88\x03", 4, M16, IOB_OP_STORE, 1, 0, 3,
		  IOB_REG_NONE, 0, 0, 0,
		  "16: mov es:[ebx], al (SeaVGABIOS DAC read loop)" },
		{ "\x88\x65\x02", 3, M16, IOB_OP_STORE, 1, IOB_REG_AH + 0,
		  7, IOB_REG_NONE, 0, 3, 2, "16: mov [di+2], ah" },
		{ "\x66\x89\x46\xfc", 4, M16, IOB_OP_STORE, 4, 0, 5,
		  IOB_REG_NONE, 0, 2, -4, "16: 66 mov [bp-4], eax: SS" },
		{ "\x89\x05\x00\x00\x00\x00", 6, M64, IOB_OP_EMULATE, 0, 0,
		  0, 0, 0, 0, 0, "64: rip-relative store: the emulator's" },
		{ "\xc7\x07\x01\x00\x00\x00", 6, M32, IOB_OP_EMULATE, 0, 0,
		  0, 0, 0, 0, 0, "mov dword [edi], 1: the emulator's" },
		{ "\x8e\xc7", 2, M16, IOB_OP_MOV_SREG, 2, 0, 0, 0, 0, 0, 0,
		  "16: mov es, di" },
		{ "\x8d\x91\xfc\x0c\x00\x00", 6, M32, IOB_OP_LEA, 4, 2, 1,
		  IOB_REG_NONE, 0, 3, 0xcfc,
		  "lea edx, [ecx+0xcfc] (SeaBIOS's PCI config read)" },
		{ "\x67\x66\x8d\x55\x07", 5, M16, IOB_OP_LEA, 4, 2, 5,
		  IOB_REG_NONE, 0, 2, 7,
		  "16: 67 66 lea edx, [ebp+7] (SeaBIOS's ATA code)" },
		{ "\x8d\x00", 2, M16, IOB_OP_LEA, 2, 0, 3, 6, 0, 3, 0,
		  "16: lea ax, [bx+si]" },
		{ "\x8d\x04\x8d\x00\x10\x00\x00", 7, M32, IOB_OP_LEA, 4, 0,
		  IOB_REG_NONE, 1, 2, 3, 0x1000, "lea eax, [ecx*4+0x1000]" },
		{ "\x48\x8d\x05\x00\x00\x00\x00", 7, M64, IOB_OP_EMULATE, 0,
		  0, 0, 0, 0, 0, 0, "64: lea rax, [rip]: the emulator's" },
	};
	struct iob_insn in;
	char diag[200];
	unsigned int i;
	int ret, ok;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ret = iob_decode(at_end(c[i].bytes, c[i].n), c[i].n, c[i].mode,
				 &in);
		snprintf(diag, sizeof(diag),
			 "ret %d op %u size %u dst %u src %u base %u index %u scale %u seg %u disp %d",
			 ret, in.op, in.op_size, in.op_dst, in.op_src, in.mem_base,
			 in.mem_index, in.mem_scale, in.mem_seg, in.mem_disp);
		ok = ret == (int)c[i].n && in.op == c[i].op;
		if (c[i].op == IOB_OP_LOAD || c[i].op == IOB_OP_STORE ||
		    c[i].op == IOB_OP_LEA)
			ok &= in.op_size == c[i].size &&
			      (c[i].op == IOB_OP_STORE ? in.op_src : in.op_dst) ==
			      c[i].dst &&
			      in.mem_base == c[i].base &&
			      in.mem_index == c[i].index &&
			      in.mem_scale == c[i].scale &&
			      in.mem_seg == c[i].seg &&
			      in.mem_disp == c[i].disp;
		if (c[i].op == IOB_OP_MOV_SREG)
			ok &= in.op_alu == 0 && in.op_src == 7;
		report(ok, diag, "load/store %s-bit: %s", mode_name[c[i].mode],
		       c[i].name);
	}
}

int main(void)
{
	unsigned int i, failed = 0;

	guard_init();
	run_dec_cases();
	run_trunc_cases();
	run_blk_cases();
	run_misc();
	run_op_cases();
	run_shift_cases();
	run_jump_cases();
	run_trace_cases();
	run_load_cases();

	printf("TAP version 13\n1..%u\n", n_results);
	for (i = 0; i < n_results; i++) {
		printf("%sok %u - %s\n", results[i].ok ? "" : "not ",
		       i + 1, results[i].name);
		if (!results[i].ok) {
			failed++;
			if (results[i].diag[0])
				printf("# %s\n", results[i].diag);
		}
	}
	printf("# Totals: pass:%u fail:%u\n", n_results - failed, failed);
	return failed ? 1 : 0;
}
