/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the legacy-suite boot sectors (scripts/legacy-guests/*.S):
 * each of them #includes this file twice, once with LEGACY_HEAD before
 * its own code (start-up, register set-up) and once at its end (the
 * helpers below). Built by scripts/legacy-suite: gcc -c, ld -Ttext=0x7c00,
 * objcopy -O binary; 512 bytes ending in 0x55 0xaa.
 *
 * Markers: the suite counts exits between two CPUID instructions with a
 * leaf of ours (MARK_START, MARK_END): KVM always intercepts CPUID, so the
 * marker exits with stock KVM and with kvm_iobatch alike, whatever the
 * module batches around it, and the kvm_cpuid trace event names the leaf.
 *
 * Output goes to QEMU's isa-debugcon at 0xe9 (one OUT per byte). A guest
 * ends with an ACPI power-off (PIIX4 PM1a_CNT at 0x604, SLP_EN with
 * SLP_TYP 0: QEMU's soft power off); QEMU runs with -no-shutdown, so the
 * VM stays for the suite to read its counters.
 */
#define MARK_START	0x4c470001	/* "LG", 1 */
#define MARK_END	0x4c470002
#define DEBUGCON	0xe9
#define PM1A_CNT	0x604
#define BUF		0x1000		/* scratch buffers from here */

#ifdef LEGACY_HEAD
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
	ljmp	$0, $1f
1:	cld
	mov	%dl, boot_drive		/* the BIOS passes the boot drive in DL */
	/*
	 * Interrupts stay off in our code (the firmware services may open
	 * them for a moment while they wait): no timer interrupt handler
	 * runs between the services, so the IO counts do not depend on how
	 * long a run takes.
	 */
#else
/* the window marker: CPUID with leaf EAX (clobbers EAX..EDX) */
mark:
	cpuid
	ret

/* print the NUL-terminated string at SI on the debug console */
puts:
	lodsb
	test	%al, %al
	jz	1f
	out	%al, $DEBUGCON
	jmp	puts
1:	ret

/* print the string at SI, then EAX as 8 hex digits */
puthex:
	push	%eax
	call	puts
	pop	%eax
	/* fall through */

/* print EAX as 8 hex digits */
hex32:
	mov	$8, %cx
1:	rol	$4, %eax
	push	%eax
	and	$0xf, %al
	add	$'0', %al
	cmp	$'9', %al
	jbe	2f
	add	$'a' - '9' - 1, %al
2:	out	%al, $DEBUGCON
	pop	%eax
	loop	1b
	ret

/* EBX = rol(EBX, 5) + each of the CX bytes at DS:SI (SI advances) */
hash:
	movzbl	(%si), %eax
	rol	$5, %ebx
	add	%eax, %ebx
	inc	%si
	loop	hash
	ret

/* "END", the end marker, power off; never returns */
finish:
	mov	$s_end, %si
	call	puts
	mov	$MARK_END, %eax
	call	mark
	mov	$PM1A_CNT, %dx
	mov	$0x2000, %ax
	out	%ax, %dx
2:	hlt
	jmp	2b

s_end:	.asciz	"END\n"
boot_drive:
	.byte	0

	.org	510
	.byte	0x55, 0xaa
#endif
