/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a guest run left behind, in a form that can be saved on stock KVM
 * and compared with a run under kvm_iobatch: final registers, a hash of
 * guest RAM and of the userspace IO sequence, exit counts.
 */
#ifndef IOB_RESULT_H
#define IOB_RESULT_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm.h"

/* RIPs kept per run, for the first accesses */
#define RESULT_MAX_RIPS	2048

struct run_result {
	char name[64];
	int status;
	struct kvm_regs regs;
	uint64_t mem_hash;
	uint64_t io_hash;
	unsigned int n_io;
	/* see struct vmm: accesses that rode along in another's exit */
	unsigned int n_folded;
	/* RIP at each access (vmm.log_rip), unless @folded says none */
	uint64_t rips[RESULT_MAX_RIPS];
	uint8_t folded[RESULT_MAX_RIPS];
	/* accesses to the MMIO hole, and a hash of them with their RIPs */
	unsigned int n_mmio;
	uint64_t mmio_hash;
	unsigned long user_io_exits;
	uint64_t exit_hash;	/* every exit userspace saw, in order */
	long long io_exits;
	long long evfd_writes;	/* writes an ioeventfd took, or -1 */
	/* ES, CS, SS, DS, FS, GS as KVM_GET_SREGS shows them, padding 0 */
	struct kvm_segment segs[6];
	/* the pages KVM logged as written (vmm_dirty_log()), else all 0 */
	uint64_t dirty[VMM_DIRTY_WORDS];
};

/* Fill @r from @vm after vmm_run() returned @status. */
void result_collect(struct vmm *vm, int status, const char *name,
		    struct run_result *r);
/* Save/load @n results; 0 or -1. */
int result_save(const char *file, const struct run_result *r, unsigned int n);
int result_load(const char *file, struct run_result *r, unsigned int n);
/* Same userspace IO and MMIO sequences, RIPs and exits, folding aside? */
bool result_same_io(const struct run_result *m, const struct run_result *s);
/* Same segment registers (base, limit, selector, attributes)? */
bool result_same_segs(const struct run_result *m, const struct run_result *s);
/*
 * Same registers, segment registers, RAM, pages logged dirty, and
 * result_same_io()?
 */
bool result_same_guest(const struct run_result *m, const struct run_result *s);

/*
 * main() of a test that records on stock KVM and compares under the
 * module: "--record FILE", "--compare FILE", or both in one run with the
 * module loaded by the test ("--ko PATH" or $KVM_IOBATCH_KO, module.h).
 */
int result_main(int argc, char **argv, int (*record)(const char *file),
		int (*compare)(const char *file));

#endif /* IOB_RESULT_H */
