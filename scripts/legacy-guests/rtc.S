/* SPDX-License-Identifier: GPL-2.0 */
/*
 * legacy-suite workload "rtc": the BIOS clock services, as DOS reads the
 * time and date.
 *
 * CALLS times int 1Ah AH=02h (RTC time: CH hours, CL minutes, DH seconds
 * in BCD, DL daylight-saving flag) and AH=04h (RTC date: CH century, CL
 * year, DH month, DL day in BCD). SeaBIOS waits for the RTC's
 * update-in-progress bit to clear, then reads the CMOS registers
 * (out 0x70, in 0x71).
 *
 * Checksum: the clock's values differ from run to run, so only what must
 * not: the number of calls that returned with carry clear, and the number
 * of fields that are valid BCD within range (hours 00-23, minutes and
 * seconds 00-59, century 19-21, year 00-99, month 01-12, day 01-31; 7 per
 * pair of calls), and the OR of the daylight-saving flags.
 * The counts of IO instructions may differ a little between runs: a call
 * that meets an update in progress polls register 0x0a until it ends.
 */
#define CALLS	250

#define LEGACY_HEAD
#include "common.S"
#undef LEGACY_HEAD

	mov	$MARK_START, %eax
	call	mark

	xor	%ebx, %ebx		/* calls with carry clear */
	xor	%ebp, %ebp		/* valid fields */
	xor	%di, %di		/* call number */
call:
	mov	$0x02, %ah		/* read RTC time */
	clc
	int	$0x1a
	jc	1f
	inc	%ebx
	mov	$0x2300, %si		/* max 23, min 00 (BCD) */
	mov	%ch, %al
	call	bcd
	mov	$0x5900, %si
	mov	%cl, %al
	call	bcd
	mov	%dh, %al
	call	bcd
	and	$1, %dl
	or	%dl, dst
1:	mov	$0x04, %ah		/* read RTC date */
	clc
	int	$0x1a
	jc	2f
	inc	%ebx
	mov	$0x2119, %si
	mov	%ch, %al
	call	bcd
	mov	$0x9900, %si
	mov	%cl, %al
	call	bcd
	mov	$0x1201, %si
	mov	%dh, %al
	call	bcd
	mov	$0x3101, %si
	mov	%dl, %al
	call	bcd
2:	inc	%di
	cmp	$CALLS, %di
	jb	call

	mov	$s_name, %si
	mov	%ebx, %eax
	call	puthex
	mov	$s_val, %si
	mov	%ebp, %eax
	call	puthex
	mov	$s_dst, %si
	call	puts
	movzbl	dst, %eax
	call	hex32
	mov	$s_nl, %si
	call	puts
	jmp	finish

/* EBP += 1 when AL is valid BCD with SI's low byte <= AL <= its high byte */
bcd:
	push	%dx
	mov	%al, %ah
	and	$0x0f, %ah
	cmp	$9, %ah
	ja	1f
	mov	%al, %ah
	shr	$4, %ah
	cmp	$9, %ah
	ja	1f
	mov	%si, %dx
	cmp	%dl, %al
	jb	1f
	cmp	%dh, %al
	ja	1f
	inc	%ebp
1:	pop	%dx
	ret

dst:	.byte	0
s_name:	.asciz	"rtc calls_ok "
s_val:	.asciz	" valid_fields "
s_dst:	.asciz	" dst "
s_nl:	.asciz	"\n"

#include "common.S"
