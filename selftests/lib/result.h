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

struct run_result {
	char name[64];
	int status;
	struct kvm_regs regs;
	uint64_t mem_hash;
	uint64_t io_hash;
	unsigned int n_io;
	unsigned long user_io_exits;
	uint64_t exit_hash;	/* every exit userspace saw, in order */
	long long io_exits;
};

/* Fill @r from @vm after vmm_run() returned @status. */
void result_collect(struct vmm *vm, int status, const char *name,
		    struct run_result *r);
/* Save/load @n results; 0 or -1. */
int result_save(const char *file, const struct run_result *r, unsigned int n);
int result_load(const char *file, struct run_result *r, unsigned int n);
/* Same registers, RAM and userspace IO sequence? */
bool result_same_guest(const struct run_result *a, const struct run_result *b);

/*
 * main() of a test that records on stock KVM and compares under the
 * module: "--record FILE", "--compare FILE", or both in one run with the
 * module loaded by the test ("--ko PATH" or $KVM_IOBATCH_KO, module.h).
 */
int result_main(int argc, char **argv, int (*record)(const char *file),
		int (*compare)(const char *file));

#endif /* IOB_RESULT_H */
