// SPDX-License-Identifier: GPL-2.0
/*
 * The guest scenarios and what batching must do to each: KVM io_exits with
 * the module (at most @slack more when an event or a reschedule cut a
 * block), or "unchanged" (0); once for straight-line blocks (trace=N) and
 * once for traces (trace=Y, T() below).
 *
 * A trace runs a guest's whole loop in one exit when every round has an
 * access that goes to userspace (the bound of max_insns instructions
 * counts from each entry into the kernel): 1 exit, the loop's HLT then
 * runs in the guest. pit's accesses all stay in the kernel: 8 rounds of 8
 * instructions and the final 2 are 66 instructions from the first OUT,
 * run 32 per exit: 3 exits. smc stores into its loop's code (a trace
 * ends after the store: trace_smc; code that keeps changing is left to
 * KVM), pgend's IO sits at page ends (a trace
 * stays in one page) and fault's #DE ends its block: as with lines.
 */
#include <string.h>

#include "guests.h"
#include "tap.h"

#define G(n) .start = guest_##n##_start, .end = guest_##n##_end
#define T(e, s, st) .trace_exits = (e), .trace_slack = (s), .trace_stat = (st)

const struct guest_case guest_cases[] = {
	/* with traces, the store into RAM runs without the emulator */
	{ .name = "cmos", G(cmos), .io_exits_batched = 8, .slack = 2,
	  .stat = "exits_saved", T(1, 2, "trace_jumps"),
	  .trace_all_direct = true },
	/*
	 * Dirty logging on, as a VMM has it during live migration: a store
	 * a block runs marks its page as KVM's emulator or a write fault
	 * would (guest.c, iob_ram_write())
	 */
	{ .name = "cmos_dirty", G(cmos), .dirty_log = true,
	  .io_exits_batched = 8, .slack = 2, .stat = "exits_saved",
	  T(1, 2, "trace_jumps"), .trace_all_direct = true },
	/* its code in a read-only memslot, as firmware is under QEMU */
	{ .name = "cmos_rom", G(cmos), .rom = true, .io_exits_batched = 8,
	  .slack = 2, .stat = "exits_saved", T(1, 2, "trace_jumps"),
	  .trace_all_direct = true },
	{ .name = "cmos_coalesced", G(cmos), .coalesce_port = 0x70,
	  .io_exits_batched = 8, .slack = 2, .stat = "exits_saved",
	  T(1, 2, "trace_jumps"), .trace_all_direct = true },
	{ .name = "vga", G(vga), .io_exits_batched = 8, .slack = 2,
	  .stat = "user_resumes", T(1, 2, "trace_jumps") },
	{ .name = "pit", G(pit), .irqchip = 1, .io_exits_batched = 9,
	  .slack = 8, .stat = "insns_direct", T(3, 8, "trace_jumps") },
	/*
	 * Lines run IMUL and MOVZX in KVM's emulator (LEA directly). A trace
	 * ends before the two (the cost rule), the guest runs them and the
	 * rest and exits at the IN: the
	 * first exit, then one per round, with no instruction emulated.
	 * The exits at the IN after the first run the trace found at the
	 * first, from its bytes and decodes: 7 (code_kept).
	 */
	{ .name = "alu", G(alu), .io_exits_batched = 8, .slack = 2,
	  .stat = "insns_emulated", T(9, 2, "traces"),
	  .trace_all_direct = true, .trace_kept = 7 },
	/*
	 * two blocks and a lone OUT a round: 13 of 16 blocks run kept code;
	 * the lone OUT's exits after its first are the memo's: 7
	 */
	{ .name = "twoblk", G(twoblk), .io_exits_batched = 24, .slack = 2,
	  .stat = "exits_saved", T(24, 2, "traces"), .trace_all_direct = true,
	  .trace_kept = 13, .trace_memo = 7 },
	/*
	 * Lines: OUT 0x70 and IN 0x71 alone, 8 rounds; after the first
	 * exit at each, the memo's, run by the module: 14 (singles_own)
	 */
	{ .name = "branch", G(branch), .stat = "singles",
	  T(1, 2, "trace_jumps"), .singles_own = 14 },
	/*
	 * Rounds 1 and 2 rescan and run a block (1 exit each); at round 3
	 * the code changed at two lookups in a row: KVM gets it from then on
	 * (the back-off, or the memo once OUT 0x71 was found alone), 2 exits
	 * a round. As traces (each ends after the store into its code) the
	 * same count.
	 */
	{ .name = "smc", G(smc), .io_exits_batched = 14, .slack = 2,
	  .stat = "hash_mismatches", T(14, 2, "trace_smc") },
	{ .name = "pgend", G(pgend), .io_exits_batched = 12, .slack = 2,
	  .stat = "singles", T(12, 2, "singles") },
	{ .name = "fault", G(fault), .io_exits_batched = 1, .slack = 2,
	  .stat = "cuts", T(1, 2, "cuts") },
	{ .name = "single", G(single), .stat = "singles",
	  T(1, 2, "trace_jumps") },
	/*
	 * Lone OUT and IN of the in-kernel PIC, 40 rounds: nothing batched,
	 * both passed by the memo after their first exit (2 x 39)
	 */
	{ .name = "pic_in", G(pic_in), .irqchip = 1, .stat = "memo_passed",
	  T(0, 0, "memo_passed") },
	/*
	 * Lines end at PUSH (memory). A trace ends before PUSH, POP: the
	 * first exit, then one per round at the OUT after them
	 */
	{ .name = "costly", G(costly), .stat = "singles",
	  T(9, 2, "traces"), .trace_all_direct = true },
	/* a trace to the JZ out of the window, then the guest's own jump */
	{ .name = "jmpout", G(jmpout), .io_exits_batched = 8, .slack = 2,
	  .stat = "exits_saved", T(1, 2, "trace_jumps"),
	  .trace_all_direct = true },
	/*
	 * One exit a round (at OUT 0x80), lines and traces; a trace stops
	 * right after the last OUT (the MOV, MOVZX and ADD after it lead
	 * back to IO only through the RET): it runs the two OUTs only, and
	 * goes on after the first one's userspace exit only: 8 resumes
	 */
	{ .name = "rettail", G(rettail), .io_exits_batched = 8, .slack = 2,
	  .stat = "exits_saved", T(8, 2, "traces"),
	  .trace_all_direct = true, .trace_io_only = true,
	  .trace_resumes = 8 },
	/* a line stops at MOV ES (none batched); a trace is the loop */
	{ .name = "sreg", G(sreg), .stat = "singles",
	  T(1, 2, "trace_jumps"), .trace_all_direct = true },
	{ .name = "inner", G(inner), .stat = "singles",
	  T(0, 0, "trace_dropped") },
	{ .name = "prot32", G(prot32), .mode = VMM_PROT32,
	  .io_exits_batched = 16, .slack = 2, .stat = "blocks",
	  T(1, 2, "trace_jumps") },
	/*
	 * Ring 3, IOPL 0: the OUT after the first is denied by the TSS's
	 * I/O bitmap (#GP). The block ends before it, the CPU checks it.
	 */
	{ .name = "iopl", G(iopl), .mode = VMM_PROT32, .stat = "cuts",
	  T(0, 0, "cuts") },
	{ .name = "long", G(long), .mode = VMM_LONG, .io_exits_batched = 8,
	  .slack = 2, .stat = "blocks", T(1, 2, "trace_jumps") },
	/* 4 rounds of 8 IO insns: 1 exit per round, 4 folded accesses */
	{ .name = "fold", G(fold), .io_exits_batched = 4, .slack = 2,
	  .stat = "folded", .folded = 16, T(1, 2, "folded"),
	  .trace_folded = 16 },
	/*
	 * The same with an ioeventfd on port 0x3c9 for byte writes: those
	 * 3 OUTs a round stay in the kernel; the word OUTs to that port match
	 * no device of KVM's PIO bus and go to userspace, folded.
	 */
	{ .name = "fold_evfd", G(fold), .evfd_port = 0x3c9,
	  .io_exits_batched = 4, .slack = 2, .stat = "folded", .folded = 8,
	  T(1, 2, "folded"), .trace_folded = 8 },
	/*
	 * An ioeventfd on 0x3c9 that takes only the byte 0x22: KVM's bus
	 * finds it for the round's first OUT there (0x11), declines, and the
	 * OUT goes to userspace; the next OUT (0x22) must not join it but go
	 * to the ioeventfd. The byte run folds nothing, the words and 0x99
	 * one each per round.
	 */
	{ .name = "fold_evmatch", G(fold), .evfd_port = 0x3c9,
	  .evfd_match = 0x100 | 0x22, .io_exits_batched = 4, .slack = 2,
	  .stat = "folded", .folded = 8, T(1, 2, "folded"),
	  .trace_folded = 8 },
	{ .name = "fold_if", G(fold_if), .io_exits_batched = 4, .slack = 2,
	  .stat = "user_resumes", T(1, 2, "user_resumes") },
	/*
	 * 4 rounds: 9 IO insns, 1 exit; 7 reach userspace, 2 folded. As a
	 * trace, rounds 2-4 start at a later OUT, which joins the next one.
	 */
	{ .name = "fold_kern", G(fold_kern), .irqchip = 1,
	  .coalesce_port = 0x70, .io_exits_batched = 5, .slack = 8,
	  .stat = "folded", .folded = 8, T(1, 8, "folded"),
	  .trace_folded = 11 },
	/*
	 * 128 rounds of 16 OUTs to one port: lines 1 exit and 14 folded
	 * per round, traces 1 exit and 14 + 127 * 15 folded (guests.S)
	 */
	{ .name = "foldlong", G(foldlong), .io_exits_batched = 128,
	  .slack = 2, .stat = "folded", .folded = 128 * 14,
	  T(1, 2, "folded"), .trace_folded = 14 + 127 * 15,
	  .trace_all_direct = true },
};

const unsigned int n_guest_cases = ARRAY_SIZE(guest_cases);

/**
 * guest_stress_create() - a VM that runs the "stress" guest
 * @vm: zeroed and set up
 * @rounds: iteration count the guest reads at 0x500
 *
 * Return: 0 or -errno from vmm_create().
 */
int guest_stress_create(struct vmm *vm, unsigned short rounds)
{
	const unsigned char *g = guest_stress_start;
	int err = vmm_create(vm, VMM_REAL, g, guest_stress_end - g);

	if (!err)
		memcpy(vm->mem + 0x500, &rounds, sizeof(rounds));
	return err;
}
