/* SPDX-License-Identifier: GPL-2.0 */
/*
 * legacy-suite workload "teletype": text output through the VGA BIOS's
 * teletype service, as DOS and boot loaders print.
 *
 * Sets text mode 3 (int 10h AX=0003h: a mode set, the DAC palette load
 * included), then prints LINES lines of COLS printable characters, each
 * line ended by CR LF, one int 10h AH=0Eh call per character: 48 x 74 =
 * 3552 calls; the screen has 25 rows, so the BIOS scrolls 24 times. Then
 * it reads the cursor back (int 10h AH=03h).
 *
 * Checksum: rol5-add hash (common.S) of the whole text page, characters
 * and attributes (B800:0000, 80 x 25 x 2 = 4000 bytes), printed with the
 * cursor position on the debug console: what the guest (and a user) sees.
 */
#define LINES	48
#define COLS	72

#define LEGACY_HEAD
#include "common.S"
#undef LEGACY_HEAD

	mov	$MARK_START, %eax
	call	mark

	mov	$0x0003, %ax		/* set mode 3: 80x25 text, clears it */
	int	$0x10

	xor	%bp, %bp		/* line number */
line:
	xor	%di, %di		/* column */
char:
	/* character 0x21 + (7 * line + 3 * column) mod 94 */
	mov	%bp, %ax
	imul	$7, %ax
	mov	%di, %bx
	imul	$3, %bx
	add	%bx, %ax
	xor	%dx, %dx
	mov	$94, %bx
	div	%bx
	mov	%dl, %al
	add	$0x21, %al
	call	tty
	inc	%di
	cmp	$COLS, %di
	jb	char
	mov	$'\r', %al
	call	tty
	mov	$'\n', %al
	call	tty
	inc	%bp
	cmp	$LINES, %bp
	jb	line

	mov	$0x03, %ah		/* cursor position of page 0 -> DX */
	xor	%bh, %bh
	int	$0x10
	push	%dx

	xor	%ebx, %ebx		/* hash the text page */
	mov	$0xb800, %ax
	mov	%ax, %ds
	xor	%si, %si
	mov	$80 * 25 * 2, %cx
	call	hash
	xor	%ax, %ax
	mov	%ax, %ds

	mov	$s_name, %si
	mov	%ebx, %eax
	call	puthex
	mov	$s_cur, %si
	call	puts
	pop	%ax
	movzwl	%ax, %eax
	call	hex32
	mov	$s_nl, %si
	call	puts
	jmp	finish

/* int 10h AH=0Eh: print AL on page 0 */
tty:
	mov	$0x0e, %ah
	mov	$0x07, %bx		/* page 0, colour (graphics modes only) */
	int	$0x10
	ret

s_name:	.asciz	"teletype screen "
s_cur:	.asciz	" cursor "
s_nl:	.asciz	"\n"

#include "common.S"
