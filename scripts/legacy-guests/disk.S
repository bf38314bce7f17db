/* SPDX-License-Identifier: GPL-2.0 */
/*
 * legacy-suite workload "disk": sector reads through the BIOS disk
 * service from the IDE disk the guest booted from, as a boot loader loads
 * a kernel.
 *
 * CALLS times int 13h AH=42h (extended read, LBA) of SECTORS sectors into
 * 0000:2000, from LBA 1 + 8 * ((13 * i) mod 250): scattered over the
 * first 2009 sectors of the disk image, which scripts/legacy-suite fills
 * with pseudo-random bytes (its own sector 0 is this boot sector).
 * SeaBIOS reads the IDE disk with PIO: register writes, status reads and
 * one `rep insw` per sector.
 *
 * Checksum: rol5-add hash (common.S) of every byte read, in order, and
 * the number of calls that failed (carry set); scripts/legacy-suite
 * computes the hash the image should give and compares.
 */
#define CALLS	160
#define SECTORS	8
#define DAP	0x600
#define DATA	0x2000

#define LEGACY_HEAD
#include "common.S"
#undef LEGACY_HEAD

	mov	$MARK_START, %eax
	call	mark

	xor	%ebx, %ebx		/* hash */
	xor	%ebp, %ebp		/* failed calls */
	xor	%di, %di		/* call number */
call:
	/* the disk address packet: size 16, count, buffer, LBA */
	movw	$16, DAP
	movw	$SECTORS, DAP + 2
	movw	$DATA, DAP + 4
	movw	$0, DAP + 6
	mov	%di, %ax
	imul	$13, %ax
	xor	%dx, %dx
	mov	$250, %cx
	div	%cx
	mov	%dx, %ax
	shl	$3, %ax
	inc	%ax
	movzwl	%ax, %eax
	mov	%eax, DAP + 8
	movl	$0, DAP + 12

	push	%ebx
	mov	$0x42, %ah
	mov	boot_drive, %dl
	mov	$DAP, %si
	int	$0x13
	pop	%ebx
	jnc	1f
	inc	%ebp
1:	mov	$DATA, %si
	mov	$SECTORS * 512, %cx
	call	hash
	inc	%di
	cmp	$CALLS, %di
	jb	call

	mov	$s_name, %si
	mov	%ebx, %eax
	call	puthex
	mov	$s_bad, %si
	mov	%ebp, %eax
	call	puthex
	mov	$s_nl, %si
	call	puts
	jmp	finish

s_name:	.asciz	"disk data "
s_bad:	.asciz	" failed "
s_nl:	.asciz	"\n"

#include "common.S"
