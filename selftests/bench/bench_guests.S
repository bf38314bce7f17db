/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest programs for iobatch_bench. Real mode, loaded at guest address
 * 0x1000 (BENCH_BASE). Each takes its iteration count from the word at
 * guest address 0x500 (BENCH_COUNT, written by the bench before every run),
 * so the same code runs with any count, and ends with HLT, or with an OUT
 * to port 0xf4 (the VMM's "done" port) when it runs with the in-kernel
 * irqchip (HLT then blocks in the kernel). Each lives in a section of its
 * own so that ABS() can compute guest addresses of labels.
 */
#include "../guests/guest_asm.h"

#define BENCH_BASE	GUEST_BASE
#define BENCH_COUNT	0x500

#define GUEST(name)	GUEST_PROG(bench, name)
#define END(name)	GUEST_PROG_END(bench, name)

	.code16

/*
 * CMOS read pair: index to 0x70, data from 0x71, as an RTC driver does.
 * 2 IO instructions per iteration, both handled by userspace (0x70 may be
 * registered as coalesced PIO).
 */
GUEST(cmos)
	mov	BENCH_COUNT, %cx
	xor	%bx, %bx
1:	mov	%cl, %al
	and	$0x7f, %al
	out	%al, $0x70
	in	$0x71, %al
	add	%ax, %bx
	dec	%cx
	jnz	1b
	hlt
END(cmos)

/*
 * VGA cursor update (CRTC registers 0x0e/0x0f through 0x3d4/0x3d5), as
 * vgacon does: 4 OUTs per iteration with register work between them. The
 * block from the first to the last OUT is 19 bytes long, so a 16-byte
 * extent sees only the first three OUTs.
 */
GUEST(vga)
	mov	BENCH_COUNT, %cx
	xor	%si, %si
1:	add	$81, %si
	and	$0x7ff, %si
	mov	%si, %bx
	mov	$0x3d4, %dx
	mov	$0x0e, %al
	out	%al, %dx		/* block start */
	inc	%dx
	mov	%bx, %ax
	shr	$8, %ax
	out	%al, %dx
	dec	%dx
	mov	$0x0f, %al
	out	%al, %dx
	inc	%dx
	mov	%bl, %al
	and	$0xff, %ax
	out	%al, %dx		/* block end: 19 bytes */
	dec	%cx
	jnz	1b
	hlt
END(vga)

/*
 * PIT channel 0 reprogram (mode 2, lobyte/hibyte), in-kernel PIT: 3 OUTs
 * per iteration, none reaches userspace. The count (>= 0x8000, about
 * 27 ms) is reloaded every iteration, long before it could expire.
 */
GUEST(pit)
	mov	BENCH_COUNT, %cx
1:	mov	$0x34, %al
	out	%al, $0x43
	mov	%cl, %al
	out	%al, $0x40
	mov	$0x80, %al
	out	%al, $0x40
	dec	%cx
	jnz	1b
	mov	$1, %al
	out	%al, $0xf4
END(pit)

/*
 * PIC end of interrupt on master and slave (non-specific EOI, OCW2 0x20),
 * in-kernel PIC: 2 OUTs per iteration.
 */
GUEST(pic)
	mov	BENCH_COUNT, %cx
	mov	$0x20, %al
1:	out	%al, $0x20
	out	%al, $0xa0
	add	%cx, %bx
	dec	%cx
	jnz	1b
	mov	$1, %al
	out	%al, $0xf4
END(pic)

/*
 * ALU work and one IO instruction per iteration (POST code port 0x80,
 * userspace): nothing to batch. The straight-line ALU run after the OUT
 * is what the module scans and then hashes at every exit.
 */
GUEST(mixed)
	mov	BENCH_COUNT, %cx
	xor	%bx, %bx
	mov	$0x1234, %si
1:	mov	%cl, %al
	out	%al, $0x80
	add	%ax, %bx
	imul	%bx, %si
	rol	$3, %si
	xor	%si, %bx
	lea	1(%bx,%si), %dx
	shl	$2, %dx
	sub	%dx, %bx
	adc	$7, %si
	not	%bx
	or	%cx, %si
	mov	$16, %di
2:	add	%si, %bx
	ror	$1, %bx
	imul	%si, %bx
	dec	%di
	jnz	2b
	dec	%cx
	jnz	1b
	hlt
END(mixed)

/*
 * The same loop with an in-kernel device (read of the PIC mask register
 * 0x21, in-kernel PIC): an exit costs no trip to userspace, so what the
 * module adds to each exit weighs more.
 */
GUEST(mixedk)
	mov	BENCH_COUNT, %cx
	xor	%bx, %bx
	mov	$0x1234, %si
1:	in	$0x21, %al
	add	%ax, %bx
	imul	%bx, %si
	rol	$3, %si
	xor	%si, %bx
	lea	1(%bx,%si), %dx
	shl	$2, %dx
	sub	%dx, %bx
	adc	$7, %si
	not	%bx
	or	%cx, %si
	mov	$16, %di
2:	add	%si, %bx
	ror	$1, %bx
	imul	%si, %bx
	dec	%di
	jnz	2b
	dec	%cx
	jnz	1b
	mov	$1, %al
	out	%al, $0xf4
END(mixedk)

/*
 * Self-modifying: every iteration patches the immediate of the MOV that
 * sits between the two OUTs of the block (CMOS index, then data written
 * to 0x71), so the table entry's hash never matches: a full rescan and a
 * table replace at every exit.
 */
GUEST(smc)
	mov	BENCH_COUNT, %cx
1:	mov	%cl, %al
	mov	%al, ABS(2f, bench_smc_start) + 1
	mov	$0x0e, %al
	out	%al, $0x70
2:	mov	$0x00, %al
	out	%al, $0x71
	add	%ax, %bx
	dec	%cx
	jnz	1b
	hlt
END(smc)

/*
 * VGA DAC palette load (index to 0x3c8, then red, green, blue of each
 * colour to 0x3c9), as a VGA BIOS or vgacon does: 13 IO instructions per
 * iteration, all handled by userspace; the 12 data OUTs go to one port
 * with register moves between them (kvm_iobatch folds them into one exit).
 */
GUEST(palette)
	mov	BENCH_COUNT, %cx
	mov	$0x2a15, %bx
1:	mov	$0x3c8, %dx
	mov	%cl, %al
	out	%al, %dx		/* block start */
	inc	%dx
	.rept	4			/* 4 colours: 12 OUTs, block end */
	.irp	r, %bl, %bh, %cl
	mov	\r, %al
	out	%al, %dx
	.endr
	.endr
	dec	%cx
	jnz	1b
	hlt
END(palette)

	.section .note.GNU-stack, "", @progbits
