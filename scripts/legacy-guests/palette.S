/* SPDX-License-Identifier: GPL-2.0 */
/*
 * legacy-suite workload "palette": the VGA BIOS's DAC services, as a game
 * or a splash screen fades its colours.
 *
 * ROUNDS times: fill a 768-byte table (red, green, blue of 256 colours,
 * 6-bit values that change from round to round), load it with int 10h
 * AX=1012h (BX=0, CX=256, ES:DX = table), read all 256 colours back with
 * AX=1017h into a second buffer, compare and hash what came back.
 *
 * Checksum: rol5-add hash (common.S) of every colour read back, over all
 * rounds, and the number of bytes read back that differ from what was
 * set (0 on a correct DAC).
 */
#define ROUNDS	16
#define SET	BUF		/* the table set, 768 bytes */
#define GOT	(BUF + 0x400)	/* the colours read back */

#define LEGACY_HEAD
#include "common.S"
#undef LEGACY_HEAD

	mov	$MARK_START, %eax
	call	mark

	xor	%ebx, %ebx		/* hash */
	xor	%ebp, %ebp		/* mismatches */
	xor	%dx, %dx		/* round */
round:
	/* SET[i] = (5 * i + 11 * round) mod 64 */
	mov	$SET, %di
	xor	%cx, %cx
1:	mov	%cx, %ax
	imul	$5, %ax
	push	%dx
	imul	$11, %dx
	add	%dx, %ax
	pop	%dx
	and	$0x3f, %al
	stosb
	inc	%cx
	cmp	$768, %cx
	jb	1b

	push	%dx
	push	%ebx
	mov	$0x1012, %ax		/* set a block of DAC registers */
	xor	%bx, %bx
	mov	$256, %cx
	mov	$SET, %dx
	int	$0x10
	mov	$0x1017, %ax		/* read a block of DAC registers */
	xor	%bx, %bx
	mov	$256, %cx
	mov	$GOT, %dx
	int	$0x10
	pop	%ebx

	mov	$SET, %si		/* count the differences */
	mov	$GOT, %di
	mov	$768, %cx
2:	cmpsb
	je	3f
	inc	%ebp
3:	loop	2b
	mov	$GOT, %si
	mov	$768, %cx
	call	hash
	pop	%dx
	inc	%dx
	cmp	$ROUNDS, %dx
	jb	round

	mov	$s_name, %si
	mov	%ebx, %eax
	call	puthex
	mov	$s_bad, %si
	mov	%ebp, %eax
	call	puthex
	mov	$s_nl, %si
	call	puts
	jmp	finish

s_name:	.asciz	"palette readback "
s_bad:	.asciz	" mismatches "
s_nl:	.asciz	"\n"

#include "common.S"
