/* SPDX-License-Identifier: GPL-2.0 */
/*
 * legacy-suite workload "seabios-boot": SeaBIOS and SeaVGABIOS starting
 * the machine, from QEMU's reset vector to the first instruction of this
 * boot sector (a fixed point that every run reaches once: POST, the VGA
 * option ROM's mode set and banner, PCI, ACPI and SMBIOS tables, disk
 * detection, the boot menu skipped as QEMU asks by default, the boot
 * sector read). The suite counts from the VM's first exit to the start
 * marker below.
 *
 * Checksum of what the firmware left behind: rol5-add hash (common.S) of
 * the text page (B800:0000, 4000 bytes: SeaBIOS's banner and "Booting
 * from Hard Disk..."), the interrupt vector table (0000:0000, 1024
 * bytes: the handlers SeaBIOS and the VGA BIOS installed) and the BIOS
 * data area's equipment word, memory size and video fields (0040:0010,
 * 4 bytes; 0040:0049, 30 bytes: mode, columns, page size, cursors,
 * CRTC port), none of which changes with time.
 */
#define LEGACY_HEAD
#include "common.S"
#undef LEGACY_HEAD

	mov	$MARK_START, %eax	/* the window ends here */
	call	mark

	xor	%ebx, %ebx
	push	%ds
	mov	$0xb800, %ax
	mov	%ax, %ds
	xor	%si, %si
	mov	$80 * 25 * 2, %cx
	call	hash
	pop	%ds
	xor	%si, %si
	mov	$1024, %cx
	call	hash
	mov	$0x410, %si
	mov	$4, %cx
	call	hash
	mov	$0x449, %si
	mov	$30, %cx
	call	hash

	mov	$s_name, %si
	mov	%ebx, %eax
	call	puthex
	mov	$s_nl, %si
	call	puts
	jmp	finish

s_name:	.asciz	"seabios-boot screen+ivt+bda "
s_nl:	.asciz	"\n"

#include "common.S"
