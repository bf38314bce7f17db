// SPDX-License-Identifier: GPL-2.0
/*
 * The guest scenarios and what batching must do to each: KVM io_exits with
 * the module (at most @slack more when an event or a reschedule cut a
 * block), or "unchanged" (0).
 */
#include <string.h>

#include "guests.h"
#include "tap.h"

#define G(n) .start = guest_##n##_start, .end = guest_##n##_end

const struct guest_case guest_cases[] = {
	{ .name = "cmos", G(cmos), .io_exits_batched = 8, .slack = 2,
	  .stat = "exits_saved" },
	{ .name = "cmos_coalesced", G(cmos), .coalesce_port = 0x70,
	  .io_exits_batched = 8, .slack = 2, .stat = "exits_saved" },
	{ .name = "vga", G(vga), .io_exits_batched = 8, .slack = 2,
	  .stat = "user_resumes" },
	{ .name = "pit", G(pit), .irqchip = 1, .io_exits_batched = 9,
	  .slack = 8, .stat = "insns_direct" },
	{ .name = "alu", G(alu), .io_exits_batched = 8, .slack = 2,
	  .stat = "insns_emulated" },
	{ .name = "branch", G(branch), .stat = "singles" },
	{ .name = "smc", G(smc), .io_exits_batched = 8, .slack = 2,
	  .stat = "hash_mismatches" },
	{ .name = "pgend", G(pgend), .io_exits_batched = 12, .slack = 2,
	  .stat = "singles" },
	{ .name = "fault", G(fault), .io_exits_batched = 1, .slack = 2,
	  .stat = "cuts" },
	{ .name = "single", G(single), .stat = "singles" },
	{ .name = "prot32", G(prot32), .mode = VMM_PROT32,
	  .io_exits_batched = 16, .slack = 2, .stat = "blocks" },
	{ .name = "long", G(long), .mode = VMM_LONG, .io_exits_batched = 8,
	  .slack = 2,
	  .stat = "blocks" },
	/* 4 rounds of 8 IO insns: 1 exit per round, 4 folded accesses */
	{ .name = "fold", G(fold), .io_exits_batched = 4, .slack = 2,
	  .stat = "folded", .folded = 16 },
	{ .name = "fold_if", G(fold_if), .io_exits_batched = 4, .slack = 2,
	  .stat = "user_resumes" },
	/* 4 rounds: 9 IO insns, 1 exit; 7 reach userspace, 2 folded */
	{ .name = "fold_kern", G(fold_kern), .irqchip = 1,
	  .coalesce_port = 0x70, .io_exits_batched = 5, .slack = 8,
	  .stat = "folded", .folded = 8 },
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
