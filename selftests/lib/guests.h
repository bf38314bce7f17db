/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest programs of guests/guests.S and a table that describes them, shared
 * by the tests and the benchmark.
 */
#ifndef IOB_GUESTS_H
#define IOB_GUESTS_H

#include <stddef.h>
#include "vmm.h"

#define GUEST_DECL(n) \
	extern const unsigned char guest_##n##_start[], guest_##n##_end[]

GUEST_DECL(cmos);
GUEST_DECL(vga);
GUEST_DECL(pit);
GUEST_DECL(alu);
GUEST_DECL(branch);
GUEST_DECL(smc);
GUEST_DECL(smclong);
GUEST_DECL(pgend);
GUEST_DECL(fault);
GUEST_DECL(single);
GUEST_DECL(pic_in);
GUEST_DECL(costly);
GUEST_DECL(rettail);
GUEST_DECL(jmpout);
GUEST_DECL(twoblk);
GUEST_DECL(sreg);
GUEST_DECL(inner);
GUEST_DECL(long);
GUEST_DECL(prot32);
GUEST_DECL(iopl);
GUEST_DECL(stress);
GUEST_DECL(edit);
GUEST_DECL(sites);
GUEST_DECL(clock);
GUEST_DECL(fold);
GUEST_DECL(fold_if);
GUEST_DECL(fold_kern);
GUEST_DECL(editf);
GUEST_DECL(edits);
GUEST_DECL(xlat);
GUEST_DECL(foldlong);

/**
 * struct guest_case - one guest scenario
 * @name: short name
 * @start: first byte of the guest image
 * @end: one past its last byte
 * @mode: real or long mode
 * @irqchip: create the in-kernel PIC/IOAPIC/PIT
 * @coalesce_port: port to register as coalesced PIO (0: none)
 * @evfd_port: port with an ioeventfd for byte writes (0: none)
 * @evfd_match: with @evfd_port, the only byte it takes, plus 0x100 (0: any
 *              byte); KVM's bus finds the ioeventfd for every byte written
 *              there, and it declines the others
 * @dirty_log: KVM logs the guest's writes to RAM (vmm_dirty_log()): the
 *             pages it logs must be stock's
 * @io_exits_batched: expected KVM io_exits with batching; 0 when
 *                    batching must not change the count
 * @slack: extra io_exits tolerated with batching (blocks cut by events)
 * @stat: a kvm_iobatch debugfs counter that must be > 0 with batching
 * @folded: userspace accesses sent in another access's exit (fold.c),
 *          with a VMM that leaves the vCPU alone
 * @trace_exits: @io_exits_batched for trace blocks (module parameter
 *               trace=Y); the other fields are for straight lines
 * @trace_slack: @slack for trace blocks
 * @trace_stat: @stat for trace blocks
 * @trace_folded: @folded for trace blocks
 * @trace_all_direct: with traces (and a VMM that leaves the vCPU alone),
 *                    every instruction but the IO ones runs without KVM's
 *                    emulator: insns_emulated = io_batched + insns_direct
 * @trace_io_only: with traces, blocks run their IO instructions and
 *                 nothing else: insns_emulated = io_batched
 * @trace_resumes: with traces (and a VMM that leaves the vCPU alone), at
 *                 most this many blocks go on after a userspace access
 *                 (user_resumes; 0: not checked): a trace that would end
 *                 before the next instruction ends at the access
 * @trace_memo: with traces (and a VMM that leaves the vCPU alone), at
 *              least this many exits at a lone IO instruction passed by
 *              the vCPU's memo (memo_passed), blocks run in between
 * @singles_own: with straight lines, at least this many exits at a lone
 *               IO instruction that the module ran itself instead of
 *               kvm_fast_pio() (singles_own; SVM)
 */
struct guest_case {
	const char *name;
	const unsigned char *start, *end;
	enum vmm_mode mode;
	int irqchip;
	unsigned short coalesce_port;
	unsigned short evfd_port;
	unsigned short evfd_match;
	bool dirty_log;
	long io_exits_batched;
	long slack;
	const char *stat;
	unsigned int folded;
	long trace_exits;
	long trace_slack;
	const char *trace_stat;
	unsigned int trace_folded;
	bool trace_all_direct;
	bool trace_io_only;
	unsigned int trace_resumes;
	unsigned int trace_memo;
	unsigned int trace_kept;
	unsigned int singles_own;
	bool rom;
};

/*
 * Create a VM running the "stress" guest for @rounds rounds (the count
 * it reads at 0x500). 0 or -errno.
 */
int guest_stress_create(struct vmm *vm, unsigned short rounds);

extern const struct guest_case guest_cases[];
extern const unsigned int n_guest_cases;

#endif /* IOB_GUESTS_H */
