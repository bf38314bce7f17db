/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-iobatch demo guest: a 512-byte boot sector that SeaBIOS loads at
 * 0000:7c00 and that does a fixed amount of real port IO, the way BIOS and
 * OS code does it, then reports on the serial port and stops.
 *
 *   cmos     out 0x70 / in 0x71 pairs through a small subroutine (QEMU's
 *            RTC: the index write is coalesced PIO, the data read goes to
 *            QEMU) for 16 registers that do not change while it runs
 *   vga      CRTC cursor updates: four OUTs to 0x3d4/0x3d5 in a row (the
 *            demo runs QEMU with -vga none: QEMU gets them and drops them)
 *   scratch  the UART scratch register 0x3ff: write, read back, write the
 *            complement, read back (QEMU's 16550: every access reaches
 *            userspace, and a read must see the write just before it)
 *   pit      program PIT channel 2 and read its status back (KVM's
 *            in-kernel PIT: no access leaves the kernel)
 *   debugcon "IOBATCH" and a newline, one OUT per byte to QEMU's
 *            isa-debugcon at 0xe9, which writes each byte to a file in
 *            the order it gets them (kvm_iobatch sends the 8 OUTs of a
 *            round to QEMU as one exit with count 8)
 *
 * Then it prints the CMOS values and sums as hex on COM1 (0x3f8, polling
 * LSR bit 5 before each byte), "DONE", and halts with interrupts off.
 * Nothing it prints depends on time, so two runs print the same bytes.
 *
 * Built by scripts/demo: gcc -c, ld -Ttext=0x7c00, objcopy -O binary.
 */

#define CMOS_ITER	100	/* x 16 registers x 2 IO */
#define VGA_ITER	500	/* x 4 IO */
#define SCR_ITER	200	/* x 4 IO */
#define PIT_ITER	300	/* x 5 IO */
#define DCON_ITER	100	/* x 8 IO */
#define DEBUGCON	0xe9

#define COM1		0x3f8
#define CMOS_VALS	0x600	/* the last CMOS values read, 16 bytes */

	.code16
	.text
	.globl	_start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7c00, %sp
	ljmp	$0, $start
start:
	cld
	xor	%ebp, %ebp		/* checksum over every value read */

	/* UART 115200 8N1, FIFO on, no interrupts: one straight-line run */
	mov	$COM1 + 3, %dx
	mov	$0x80, %al
	.globl	first_io
first_io:				/* scripts/demo: the trace starts here */
	out	%al, %dx		/* LCR: DLAB */
	sub	$3, %dx
	mov	$1, %al
	out	%al, %dx		/* DLL */
	inc	%dx
	xor	%al, %al
	out	%al, %dx		/* DLM */
	inc	%dx
	mov	$0x07, %al
	out	%al, %dx		/* FCR */
	inc	%dx
	mov	$0x03, %al
	out	%al, %dx		/* LCR: 8N1 */
	sub	$2, %dx
	xor	%al, %al
	out	%al, %dx		/* IER */

	/* cmos: bx = sum of all values */
	xor	%bx, %bx
	mov	$CMOS_ITER, %cx
cmos_loop:
	mov	$cmos_regs, %si
	mov	$CMOS_VALS, %di
1:	lodsw				/* al = register, ah = mask */
	call	cmos_read
	and	%ah, %al
	stosb
	xor	%dx, %dx
	mov	%al, %dl
	add	%dx, %bx
	call	mix
	cmp	$cmos_regs_end, %si
	jb	1b
	loop	cmos_loop
	push	%bx

	/* vga: cursor position in bx, four OUTs per update */
	xor	%bx, %bx
	mov	$VGA_ITER, %cx
vga_loop:
	add	$81, %bx
	and	$0x7ff, %bx
	mov	$0x3d4, %dx
	mov	$0x0e, %al
	out	%al, %dx
	inc	%dx
	mov	%bh, %al
	out	%al, %dx
	dec	%dx
	mov	$0x0f, %al
	out	%al, %dx
	inc	%dx
	mov	%bl, %al
	out	%al, %dx
	loop	vga_loop
	push	%bx

	/* scratch: bl = read-back errors */
	xor	%bx, %bx
	mov	$SCR_ITER, %cx
	mov	$COM1 + 7, %dx
scr_loop:
	mov	%cl, %ah
	xor	$0x5a, %ah
	mov	%ah, %al
	out	%al, %dx
	in	%dx, %al
	cmp	%ah, %al
	setne	%al
	add	%al, %bl		/* error count, folded in below */
	not	%ah
	mov	%ah, %al
	out	%al, %dx
	in	%dx, %al
	cmp	%ah, %al
	setne	%al
	add	%al, %bl
	loop	scr_loop
	/* bl = errors; bh = last value read back */
	mov	%ah, %bh
	push	%bx
	mov	%bl, %al
	call	mix
	mov	%bh, %al
	call	mix

	/* pit: channel 2, mode 3, then read-back status; dx = status sum */
	xor	%dx, %dx
	mov	$PIT_ITER, %cx
pit_loop:
	mov	$0xb6, %al
	out	%al, $0x43
	mov	%cl, %al
	out	%al, $0x42
	mov	%ch, %al
	out	%al, $0x42
	mov	$0xe8, %al		/* read back: status of channel 2 */
	out	%al, $0x43
	in	$0x42, %al
	and	$0x3f, %al		/* drop OUT and null-count bits */
	xor	%ah, %ah
	add	%ax, %dx
	loop	pit_loop
	push	%dx
	mov	%dl, %al
	call	mix
	mov	%dh, %al
	call	mix

	/* debugcon: 8 bytes a round, register moves between the OUTs */
	mov	$DCON_ITER, %cx
	mov	$DEBUGCON, %dx
dcon_loop:
	.irp	c, 'I', 'O', 'B', 'A', 'T', 'C', 'H', '\n'
	mov	$\c, %al
	out	%al, %dx
	.endr
	loop	dcon_loop

	/* report: "iobatch-demo: cmos=v v ... sum=.. vga=.. ..." */
	mov	$s_head, %si
	call	puts
	mov	$CMOS_VALS, %di
1:	mov	(%di), %al
	call	hex8
	mov	$' ', %al
	call	putc
	inc	%di
	cmp	$CMOS_VALS + (cmos_regs_end - cmos_regs) / 2, %di
	jb	1b
	mov	$s_names, %si
	mov	$0x7c00 - 2, %di	/* the pushed results, first pushed first */
2:	call	puts
	mov	(%di), %ax
	call	hex16
	sub	$2, %di
	cmp	$0x7c00 - 8, %di
	jae	2b
	call	puts			/* " checksum=" */
	mov	%ebp, %eax
	shr	$16, %eax
	call	hex16
	mov	%bp, %ax
	call	hex16
	call	puts			/* "\r\nDONE\r\n" */
halt:	cli
	hlt
	jmp	halt

/* al = CMOS register -> al = its value */
cmos_read:
	out	%al, $0x70
	in	$0x71, %al
	ret

/* ebp = rol(ebp, 5) + al */
mix:
	push	%eax
	movzbl	%al, %eax
	rol	$5, %ebp
	add	%eax, %ebp
	pop	%eax
	ret

/* print the string at si, leave si after its NUL */
puts:
	lodsb
	test	%al, %al
	jz	1f
	call	putc
	jmp	puts
1:	ret

hex16:
	push	%ax
	mov	%ah, %al
	call	hex8
	pop	%ax
hex8:
	push	%ax
	shr	$4, %al
	call	nibble
	pop	%ax
	and	$0x0f, %al
nibble:
	add	$'0', %al
	cmp	$'9', %al
	jbe	putc
	add	$'a' - '9' - 1, %al
/* al -> COM1, once the transmitter holding register is empty */
putc:
	push	%dx
	push	%ax
	mov	$COM1 + 5, %dx
1:	in	%dx, %al
	test	$0x20, %al
	jz	1b
	pop	%ax
	mov	$COM1, %dx
	out	%al, %dx
	pop	%dx
	ret

/* register, mask: constant while the guest runs (no time, no flags) */
cmos_regs:
	.byte	0x0a, 0x7f		/* A without UIP */
	.byte	0x0b, 0xff, 0x0d, 0xff, 0x0f, 0xff, 0x10, 0xff
	.byte	0x12, 0xff, 0x14, 0xff, 0x15, 0xff, 0x16, 0xff
	.byte	0x17, 0xff, 0x18, 0xff, 0x30, 0xff, 0x31, 0xff
	.byte	0x34, 0xff, 0x35, 0xff, 0x3d, 0xff
cmos_regs_end:

s_head:	.asciz	"iobatch-demo: cmos="
s_names:
	.asciz	"sum="
	.asciz	" vga="
	.asciz	" scratch="
	.asciz	" pit="
	.asciz	" checksum="
	.asciz	"\r\nDONE\r\n"

	.org	510
	.byte	0x55, 0xaa
