/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest programs for the kvm-iobatch selftests. Each one is loaded at
 * guest physical/linear address 0x1000 (GUEST_BASE) and ends with HLT or
 * an OUT to port 0xf4 (the VMM's "done" port). Each lives in a section of
 * its own so that .org places code relative to the guest's first byte.
 */
#include "guest_asm.h"

#define GUEST(name)	GUEST_PROG(guest, name)
#define END(name)	GUEST_PROG_END(guest, name)

	.code16

/* CMOS read pair, userspace device: out 0x70 / in 0x71, 8 times. */
GUEST(cmos)
	mov	$8, %cx
	mov	$0x600, %di
1:	mov	%cl, %al
	out	%al, $0x70
	in	$0x71, %al
	mov	%al, (%di)
	inc	%di
	dec	%cx
	jnz	1b
	hlt
END(cmos)

/* VGA cursor update: 4 OUTs to 0x3d4/0x3d5 with register work between. */
GUEST(vga)
	mov	$8, %cx
1:	mov	%cx, %bx
	imul	$0x51, %bx, %bx
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
	dec	%cx
	jnz	1b
	hlt
END(vga)

/*
 * PIT reprogramming, in-kernel PIT: none of it reaches userspace. The
 * count is 0xff00 + round (a tick every 55 ms): a count of a few units
 * made KVM's PIT tick at its 200 us floor, and on a loaded test bed a
 * tick (KVM_REQ_EVENT) cut every block before its jump.
 */
GUEST(pit)
	mov	$8, %cx
1:	mov	$0x34, %al
	out	%al, $0x43
	mov	%cl, %al
	out	%al, $0x40
	mov	$0xff, %al
	out	%al, $0x40
	dec	%cx
	jnz	1b
	mov	$1, %al
	out	%al, $0xf4
END(pit)

/*
 * Runs of OUTs to one userspace port (kvm_iobatch folds each into one
 * exit with count = N): byte OUTs with register moves between, a run of
 * word OUTs (same port, other size: a run of its own), a run to an imm8
 * port. IF is clear (reset RFLAGS). Per round: 8 accesses; with folding
 * 4 exits (0x80 alone, 3 x 0x3c9, 2 x 0x3c9 words, 2 x 0x99).
 */
GUEST(fold)
	mov	$4, %cx
	mov	$0x3c9, %dx
1:	mov	%cl, %al
	out	%al, $0x80		/* block start */
	mov	$0x11, %al
	out	%al, %dx		/* a run starts */
	mov	$0x22, %al
	out	%al, %dx
	mov	%cl, %al
	mov	%al, %bl
	out	%al, %dx
	mov	$0x1234, %ax
	out	%ax, %dx		/* words: a run of its own */
	mov	%cx, %ax
	out	%ax, %dx
	out	%al, $0x99		/* another port: another run */
	out	%al, $0x99
	dec	%cx
	jnz	1b
	hlt
END(fold)

/*
 * The same, with interrupts enabled: nothing is folded (a device could
 * raise one while the VMM handles an access, and stock KVM would deliver
 * it before the next OUT).
 */
GUEST(fold_if)
	sti
	mov	$4, %cx
	mov	$0x3c9, %dx
1:	mov	%cl, %al
	out	%al, $0x80
	mov	$0x11, %al
	out	%al, %dx
	mov	$0x22, %al
	out	%al, %dx
	out	%al, %dx
	dec	%cx
	jnz	1b
	hlt
END(fold_if)

/*
 * In-kernel accesses between userspace OUTs to one port (coalesced 0x70,
 * the in-kernel PIT at 0x43) end a run: every access keeps its place.
 * Per round: 7 userspace accesses; with folding 5 exits.
 */
GUEST(fold_kern)
	mov	$4, %cx
1:	mov	%cl, %al
	out	%al, $0x99		/* block start */
	out	%al, $0x99		/* a run of one: 0x70 follows */
	out	%al, $0x70		/* coalesced */
	out	%al, $0x99
	out	%al, $0x99		/* folded */
	mov	$0x34, %al
	out	%al, $0x43		/* in-kernel PIT */
	out	%al, $0x99
	mov	%cl, %al
	out	%al, $0x99		/* folded */
	out	%al, $0x98		/* alone */
	dec	%cx
	jnz	1b
	mov	$1, %al
	out	%al, $0xf4
END(fold_kern)

/* ALU work between the IO instructions of a block. */
GUEST(alu)
	mov	$8, %cx
	xor	%bx, %bx
	mov	$0x1234, %si
1:	mov	%cl, %al
	out	%al, $0x70
	add	%ax, %bx
	shl	$1, %bx
	xor	$0x5a5a, %bx
	imul	%bx, %si
	movzbw	%bl, %bp
	lea	3(%bx,%si), %dx
	rol	$3, %dx
	in	$0x71, %al
	add	%al, %bl
	adc	%dx, %si
	dec	%cx
	jnz	1b
	hlt
END(alu)

/* A branch between two IO instructions: never batched across. */
GUEST(branch)
	mov	$8, %cx
1:	mov	%cl, %al
	out	%al, $0x70
	jmp	2f
2:	in	$0x71, %al
	add	%ax, %bx
	dec	%cx
	jnz	1b
	hlt
END(branch)

/*
 * Self-modifying: each of @rounds rounds patches an immediate inside the
 * block (@start: the guest's first byte, for the absolute address).
 */
	.macro	SMC rounds, start
	mov	$\rounds, %cx
1:	mov	%cl, %al
	add	$0x10, %al
	mov	%al, ABS(2f, \start) + 1
	mov	$0x0e, %al
	out	%al, $0x70
2:	mov	$0x00, %al
	out	%al, $0x71
	add	%ax, %bx
	dec	%cx
	jnz	1b
	hlt
	.endm

GUEST(smc)
	SMC	8, guest_smc_start
END(smc)

/* For knob_test's back-off bound: 2048 IO instructions in changing code */
GUEST(smclong)
	SMC	1024, guest_smclong_start
END(smclong)

/* Two OUTs that end exactly at a page end (batched), then two that
 * straddle the next page boundary (never batched across it). */
GUEST(pgend)
	mov	$4, %cx
	mov	$0x55, %al
	jmp	1f
	.org	0xffc
1:	out	%al, $0x80		/* 0x1ffc */
	out	%al, $0x80		/* 0x1ffe, ends at the page end */
	inc	%al			/* 0x2000 */
	jmp	2f
	.org	0x1ffe
2:	out	%al, $0x80		/* 0x2ffe */
	out	%al, $0x80		/* 0x3000: next page */
	dec	%cx
	jnz	1b
	hlt
END(pgend)

/* A faulting instruction inside a block: #DE from DIV by zero. */
GUEST(fault)
	movw	$ABS(9f, guest_fault_start), 0
	movw	$0, 2
	mov	$0x0e, %al
	xor	%bl, %bl
	out	%al, $0x70
	out	%al, $0x80
	div	%bl
	out	%al, $0x80
	hlt
9:	mov	$0xdead, %si
	pop	%di
	pop	%bp
	hlt
END(fault)

/*
 * One OUT per round of an outer loop, an inner loop of 16 x 4 ALU
 * instructions between: the next OUT is 12 instructions away on paper
 * (one pass of the inner loop) and 70 in fact. A trace would emulate
 * max_insns instructions at every exit and save none: the module drops
 * the site after its first trace (trace_dropped) and the exits stay
 * stock's.
 */
GUEST(inner)
	mov	$8, %cx
1:	mov	%cl, %al
	out	%al, $0x80
	add	%ax, %bx
	xor	%cx, %bx
	mov	$16, %di
2:	add	%di, %bx
	ror	$1, %bx
	dec	%di
	jnz	2b
	dec	%cx
	jnz	1b
	hlt
END(inner)

/*
 * Two instructions for KVM's emulator in a row (PUSH, POP) between the
 * OUTs of each round: a trace ends before them (exec.c, the cost rule),
 * the guest runs them itself and exits at the next OUT, which starts a
 * trace through the rest of the round. No instruction is emulated.
 */
GUEST(costly)
	mov	$8, %cx
1:	mov	%cl, %al
	out	%al, $0x80
	push	%ax
	pop	%ax
	out	%al, $0x81
	dec	%cx
	jnz	1b
	hlt
END(costly)

/*
 * Two blocks that take turns, too far apart for one window (SeaBIOS's
 * CMOS read: a status block, then the data block), and a lone OUT after
 * them: block A in the loop, block B in a routine 0x200 bytes on (two
 * OUTs each), the lone OUT in another 0x200 bytes on; an exit each a
 * round. The vCPU keeps the bytes and decodes of both blocks (batch.c,
 * struct iob_code), and the lone OUT takes no place there: from round 2
 * on, each block runs from them, but for A in round 2 (the lone OUT's
 * first scan read its window into A's place): 13 in all (code_kept).
 * With one block kept: none; with the lone OUT taking a place: none.
 */
GUEST(twoblk)
	mov	$8, %cx
1:	mov	%cl, %al
	out	%al, $0x80		/* block A */
	out	%al, $0x81
	call	2f
	call	3f
	dec	%cx
	jnz	1b
	hlt
	.org	0x200, 0x90
2:	out	%al, $0x82		/* block B */
	out	%al, $0x83
	ret
	.org	0x400, 0x90
3:	out	%al, $0x84		/* alone */
	ret
END(twoblk)

/*
 * A loop whose way out is a conditional jump taken out of the window
 * (SeaVGABIOS's JE at 0xc0d35 leaves its trace that way): the trace ends
 * before the jump and the guest jumps itself; KVM's emulator ran it
 * before, for nothing. One exit; the rest runs directly.
 */
GUEST(jmpout)
	mov	$8, %cx
1:	mov	%cl, %al
	out	%al, $0x80
	out	%al, $0x81
	dec	%cx
	jz	2f
	jmp	1b
	.org	0x100, 0x90
2:	hlt
END(jmpout)

/*
 * A routine far from its caller (SeaVGABIOS's cursor update): it calls a
 * helper of its own, then two OUTs, then a register move, a MOVZX for
 * KVM's emulator, an ADD and its RET. After the last OUT, IO is reachable
 * only through the RET (to after the CALL of the routine), which returns
 * to the caller outside the window: a trace ends right after the last
 * OUT (exec.c, iob_trace_tail()), and runs nothing but the two OUTs.
 */
GUEST(rettail)
	mov	$8, %cx
	mov	$0x600, %bx
1:	call	3f
	dec	%cx
	jnz	1b
	hlt
	.org	0x100, 0x90	/* NOPs: the window decodes to the CALL */
3:	call	4f
	out	%al, $0x80
	out	%al, $0x81
	mov	%cl, %dl
	movzbw	(%bx), %ax
	add	%cx, %ax
	ret
4:	mov	%cl, %al
	ret
END(rettail)

/*
 * A real-mode segment load between OUTs, and a store through it
 * (SeaVGABIOS's DAC read-back: mov es, si; mov es:[ebx], al): a trace
 * runs the loop in one exit, the load written straight into the VMCB on
 * SVM; ES must end as on stock KVM, base, limit and attributes.
 */
GUEST(sreg)
	mov	$8, %cx
	mov	$0x60, %si
	xor	%bx, %bx
1:	mov	%cl, %al
	out	%al, $0x80
	mov	%si, %es
	mov	%al, %es:(%bx)
	inc	%bx
	out	%al, $0x81
	dec	%cx
	jnz	1b
	hlt
END(sreg)

/* Single IO instructions with ALU work around them (nothing to batch). */
GUEST(single)
	mov	$8, %cx
1:	mov	%cl, %al
	out	%al, $0x80
	add	%ax, %bx
	imul	%bx, %bx
	dec	%cx
	jnz	1b
	hlt
END(single)

/*
 * The in-kernel PIC's mask register, written and read back by lone IO
 * instructions (16 rounds of ALU work apart: no block): the memo passes
 * them, the OUT through the module's bus write, the IN (a device takes
 * it) to kvm_fast_pio(), after the first one without asking the bus
 * (struct iob_memo, to_kvm). BX sums what the INs read.
 */
GUEST(pic_in)
	mov	$40, %cx
	xor	%bx, %bx
	mov	$0x1234, %si
1:	mov	%cl, %al
	out	%al, $0x21
	mov	$16, %di
2:	add	%si, %bx
	ror	$1, %bx
	imul	%si, %bx
	dec	%di
	jnz	2b
	in	$0x21, %al
	add	%ax, %bx
	mov	$16, %di
3:	add	%si, %bx
	rol	$3, %bx
	imul	%si, %bx
	dec	%di
	jnz	3b
	dec	%cx
	jnz	1b
	mov	$1, %al		/* HLT stays in the kernel with its irqchip */
	out	%al, $0xf4
END(pic_in)

/*
 * Stress: iteration count at 0x500; every round patches an immediate
 * inside its own block (vCPUs sharing the code patch it concurrently).
 * Five userspace IO instructions per round, whatever the patches.
 */
GUEST(stress)
	mov	0x500, %cx
1:	mov	%cl, %al
	and	$0x3f, %al
	mov	%al, ABS(2f, guest_stress_start) + 1
	mov	$0x0e, %al
	out	%al, $0x70
2:	mov	$0x00, %al
	out	%al, $0x71
	in	$0x71, %al
	mov	$0x3d4, %dx
	out	%al, %dx
	inc	%dx
	out	%al, %dx
	dec	%cx
	jnz	1b
	hlt
END(stress)

/* @n straight-line blocks of two OUTs, each its own IO site (trace=N) */
	.macro	LINES n
	.rept	\n
	out	%al, $0x80
	out	%al, $0x80
	jmp	.+2
	.endr
	.endm

/*
 * For knob_test's table bounds: 16 blocks that run once, then 2 blocks
 * that run 32 times each (18 IO sites, 2 of them hot).
 */
GUEST(sites)
	mov	$0x55, %al
	LINES	16
	mov	$32, %cx
1:	out	%al, $0x80
	out	%al, $0x80
	jmp	.+2
	out	%al, $0x80
	out	%al, $0x80
	dec	%cx
	jnz	1b
	hlt
END(sites)

/*
 * For knob_test's CLOCK check of kept blocks (straight lines, trace=N):
 * 16 blocks that run once; 2 hot blocks that take turns 32 times, from
 * the vCPU's copies after their first run (no table lookup); 4 more
 * blocks that run once, which take the vCPU's two places and make a table
 * of 4 entries evict 4 times; then the 2 hot blocks once more. 22 sites.
 */
GUEST(clock)
	mov	$0x55, %al
	LINES	16
	mov	$2, %si
	mov	$32, %cx
1:	out	%al, $0x80			/* hot block 1 */
	out	%al, $0x80
	jmp	.+2
	out	%al, $0x80			/* hot block 2 */
	out	%al, $0x80
	dec	%cx
	jnz	1b
	dec	%si
	jz	2f
	LINES	4
	mov	$1, %cx
	jmp	1b
2:	hlt
END(clock)

/*
 * The vmm_edit_test guests' common parts: #DB and NMI vectors (IVT[1],
 * IVT[2]) and a stack; at VMM_CODE_GPA + 0x100 the alternative RIP the
 * VMM moves RIP to, then the #DB and NMI handlers.
 */
	.macro	EDIT_VECTORS start
	movw	$ABS(8f, \start), 4		/* IVT[1]: #DB */
	movw	$0, 6
	movw	$ABS(9f, \start), 8		/* IVT[2]: NMI */
	movw	$0, 10
	mov	$0x8000, %sp
	.endm

	.macro	EDIT_HANDLERS
	.org	0x100				/* VMM_CODE_GPA + 0x100 */
	mov	%bl, %al
	out	%al, $0x97
	out	%al, $0xf4
8:	mov	%cl, %al			/* #DB */
	out	%al, $0x96
	out	%al, $0xf4
9:	out	%al, $0x95			/* NMI */
	inc	%si
	iret
	.endm

/*
 * For vmm_edit_test: a block of IO instructions whose accesses the VMM
 * answers while it edits vCPU state (registers, RIP, guest debugging,
 * interrupt window, NMI, dirty logging). Access n of a round: 0 OUT (first
 * of the block), 1 IN, 2 OUT, 3 IN, 4 OUT; between 1 and 2 a store to RAM
 * (dirty logging turned on at access 2 must see the next round's). #DB,
 * NMI and a moved RIP each end up in code of their own that reports on
 * port 0x95-0x97. It ends with an OUT to the VMM's done port, not HLT:
 * with the LAPIC in KVM (split irqchip) HLT would block in KVM_RUN.
 */
GUEST(edit)
	EDIT_VECTORS guest_edit_start
	sti
	mov	$2, %cx
1:	mov	$0x11, %al
	mov	$0x2222, %bx
	out	%al, $0x80
	in	$0x99, %al
	mov	%bx, 0x3000			/* a store in the block: page 3 */
	out	%al, $0x98
	add	%al, %bl
	in	$0x99, %al
	out	%al, $0x98
	dec	%cx
	jnz	1b
	mov	%bx, 0x600
	out	%al, $0xf4			/* done (no HLT: LAPIC in KVM) */
	EDIT_HANDLERS
END(edit)

/*
 * vmm_edit_test with lone IO instructions: PUSHF/POPF (no trace runs
 * them) keep the OUT (accesses 0, 2) and the IN (1, 3) apart; in round 2
 * the vCPU's memo holds both RIPs, so that kvm_iobatch runs them itself
 * (single.c). Same layout of handlers and alternative RIP as "edit".
 */
GUEST(edits)
	EDIT_VECTORS guest_edits_start
	sti
	mov	$2, %cx
1:	mov	$0x11, %al
	mov	$0x2222, %bx
	out	%al, $0x98
	pushf
	popf
	in	$0x99, %al
	pushf
	popf
	add	%al, %bl
	dec	%cx
	jnz	1b
	mov	%bx, 0x600
	out	%al, $0xf4			/* done */
	EDIT_HANDLERS
END(edits)

/*
 * vmm_edit_test with a folded run: IF clear, so the three OUTs to 0x98
 * (accesses 1-3) reach userspace in one exit under kvm_iobatch, the one
 * of access 3; the IN (access 4) is an exit of its own. Same layout of
 * handlers and alternative RIP as "edit".
 */
GUEST(editf)
	EDIT_VECTORS guest_editf_start
	mov	$2, %cx
1:	mov	$0x11, %al
	mov	$0x2222, %bx
	out	%al, $0x80		/* access 0 */
	mov	$0x33, %al
	out	%al, $0x98		/* access 1: a run starts */
	mov	%bl, %al
	out	%al, $0x98		/* 2 */
	mov	$0x44, %al
	out	%al, $0x98		/* 3: the run's exit */
	in	$0x99, %al		/* 4 */
	add	%al, %bl
	dec	%cx
	jnz	1b
	mov	%bx, 0x600
	out	%al, $0xf4
	EDIT_HANDLERS
END(editf)

/*
 * Long runs: IF clear, 128 rounds of 16 byte OUTs to port 0x3c9 (DX), a
 * register move before each: the round number, then 1..15. A round fits
 * in the default extent (49 bytes). Lines: the round's first OUT exits,
 * OUTs 2-16 are one run (14 folded). Traces: one exit, and from round 2
 * on a run starts at the round's first OUT (15 folded).
 */
GUEST(foldlong)
	mov	$128, %cx
	mov	$0x3c9, %dx
1:	mov	%cl, %al
	out	%al, %dx
	.irp	v, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	mov	$\v, %al
	out	%al, %dx
	.endr
	dec	%cx
	jnz	1b
	hlt
END(foldlong)

	.code32
/* 32-bit protected mode: CMOS pair and VGA update, 32-bit operands. */
GUEST(prot32)
	mov	$8, %ecx
	mov	$0x600, %edi
1:	mov	%cl, %al
	out	%al, $0x70
	in	$0x71, %al
	mov	%al, (%edi)
	inc	%edi
	mov	$0x3d4, %edx
	mov	$0x0e, %al
	out	%al, %dx
	inc	%edx
	lea	0x1234(%ecx,%ecx,2), %eax
	out	%ax, %dx
	bswap	%eax
	out	%eax, %dx
	dec	%ecx
	jnz	1b
	hlt
END(prot32)

/*
 * IO permission: ring 3 with IOPL 0, a TSS whose I/O bitmap allows port
 * 0x80 only. OUT 0x80 is allowed and exits; the OUT 0x81 after it raises
 * #GP (the CPU checks the bitmap before any intercept), whose handler
 * takes the error code and the faulting EIP into EBX/ECX and halts.
 * A block must not run that OUT 0x81 (nor the OUT 0x80 after it).
 */
#define IOPL_GDT	0x8000
#define IOPL_TSS	0x9000
#define IOPL_IDT	0xa000
#define IOPL_DTR	0xb000
GUEST(iopl)
	mov	$IOPL_GDT, %edi
	movl	$0, 0(%edi)
	movl	$0, 4(%edi)
	movl	$0x0000ffff, 8(%edi)		/* 0x08: code, DPL 0 */
	movl	$0x00cf9b00, 12(%edi)
	movl	$0x0000ffff, 16(%edi)		/* 0x10: data, DPL 0 */
	movl	$0x00cf9300, 20(%edi)
	movl	$(IOPL_TSS << 16 | 0x88), 24(%edi) /* 0x18: 32-bit TSS */
	movl	$0x00008900, 28(%edi)
	movl	$0x0000ffff, 32(%edi)		/* 0x23: code, DPL 3 */
	movl	$0x00cffb00, 36(%edi)
	movl	$0x0000ffff, 40(%edi)		/* 0x2b: data, DPL 3 */
	movl	$0x00cff300, 44(%edi)
	/* TSS: ring-0 stack, I/O bitmap at 0x68: all ports denied but 0x80 */
	mov	$IOPL_TSS, %edi
	xor	%eax, %eax
	mov	$0x68 / 4, %ecx
	rep stosl
	movl	$0x7000, IOPL_TSS + 4
	movl	$0x10, IOPL_TSS + 8
	movw	$0x68, IOPL_TSS + 0x66
	mov	$0xff, %al
	mov	$0x21, %ecx
	rep stosb
	movb	$0xfe, IOPL_TSS + 0x68 + 0x10
	/* IDT: 32 interrupt gates to 0x08:handler */
	mov	$IOPL_IDT, %edi
	mov	$32, %ecx
1:	movl	$(0x8 << 16 | ABS(9f, guest_iopl_start)), 0(%edi)
	movl	$0x8e00, 4(%edi)
	add	$8, %edi
	dec	%ecx
	jnz	1b
	movw	$6 * 8 - 1, IOPL_DTR
	movl	$IOPL_GDT, IOPL_DTR + 2
	lgdt	IOPL_DTR
	movw	$32 * 8 - 1, IOPL_DTR + 8
	movl	$IOPL_IDT, IOPL_DTR + 10
	lidt	IOPL_DTR + 8
	ljmp	$0x08, $ABS(2f, guest_iopl_start)
2:	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7000, %esp
	mov	$0x18, %ax
	ltr	%ax
	/* to ring 3, IOPL 0, IF clear */
	push	$0x2b
	push	$0x6000
	push	$0x2
	push	$0x23
	push	$ABS(3f, guest_iopl_start)
	iret
3:	mov	$1, %al
	out	%al, $0x80
	inc	%eax
	out	%al, $0x81
	inc	%eax
	out	%al, $0x80
	hlt
9:	pop	%ebx
	pop	%ecx
	hlt
END(iopl)

	.code64
/* 64-bit code: VGA update with REX-prefixed register work. */
GUEST(long)
	mov	$8, %ecx
	movabs	$0x1122334455667788, %r9
1:	mov	$0x3d4, %edx
	mov	$0x0e, %al
	out	%al, %dx
	inc	%edx
	mov	%r9b, %al
	out	%al, %dx
	ror	$8, %r9
	dec	%edx
	mov	$0x0f, %al
	out	%al, %dx
	add	%r9, %r10
	inc	%edx
	mov	%cl, %al
	out	%al, %dx
	dec	%ecx
	jnz	1b
	hlt
END(long)

/*
 * For xlat_test: a 64-bit block around a userspace IN (access 1) at which
 * the VMM maps the code page elsewhere (a copy whose OUTs to 0x98 go to
 * 0x9b): a new CR3, or a rewritten page table entry with a paravirtual
 * TLB flush asked for. Access n of a round: 0 OUT, 1 IN, 2 OUT, 3 IN,
 * 4 OUT. With R8 set, the guest itself maps it so after round 1: R8 into
 * the page table entry at R9, then INVLPG of R10 (which ends the trace);
 * with R11 set, by loading CR3 with it.
 */
GUEST(xlat)
	mov	$2, %ecx
1:	mov	$0x11, %al
	out	%al, $0x80
	in	$0x99, %al
	add	%al, %bl
	out	%al, $0x98
	in	$0x99, %al
	out	%al, $0x98
	test	%r8, %r8
	jz	2f
	mov	%r8, (%r9)
	invlpg	(%r10)
	xor	%r8d, %r8d
2:	test	%r11, %r11
	jz	3f
	mov	%r11, %cr3
	xor	%r11d, %r11d
3:	dec	%ecx
	jnz	1b
	out	%al, $0xf4
END(xlat)
	.section .note.GNU-stack, "", @progbits
