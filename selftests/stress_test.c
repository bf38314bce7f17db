// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test: kvm_iobatch under concurrency and churn (module loaded).
 *
 * - two VMs with two vCPUs each run the "stress" guest at once; the vCPUs
 *   of a VM share (and keep rewriting) the same block;
 * - meanwhile a thread keeps changing the sysfs knobs (extent, max_insns,
 *   max_entries) through all their ranges;
 * - meanwhile another thread creates VMs, runs each for a few exits
 *   (often leaving a block waiting for its userspace completion) and
 *   destroys it mid-run, and kills a child process that runs a VM;
 * then every vCPU must have completed every round with every IO access
 * seen by userspace, and all per-VM state must be freed.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guests.h"
#include "iobstat.h"
#include "module.h"
#include "tap.h"
#include "vmm.h"

#define N_VMS		2
#define N_CPUS		2
#define ROUNDS		300
#define IO_PER_ROUND	5
#define CHURN		20

static int vcpus_running;

struct cpu_job {
	struct vmm *cpu;
	int status;
};

static void *vcpu_thread(void *arg)
{
	struct cpu_job *job = arg;

	job->status = vmm_run(job->cpu, ROUNDS * IO_PER_ROUND * 4);
	__sync_fetch_and_sub(&vcpus_running, 1);
	return NULL;
}

static void *knob_thread(void *arg)
{
	static const char * const extents[] = { "0", "16", "4096", "8", "64" };
	static const char * const insns[] = { "1", "2", "256", "32" };
	static const char * const entries[] = { "0", "1", "65536", "1024" };
	unsigned long *changes = arg;
	unsigned int i = 0;

	while (__atomic_load_n(&vcpus_running, __ATOMIC_ACQUIRE) > 0) {
		iob_write_file(IOB_SYSFS "/extent", extents[i % 5]);
		iob_write_file(IOB_SYSFS "/max_insns", insns[i % 4]);
		iob_write_file(IOB_SYSFS "/max_entries", entries[i % 4]);
		i++;
		usleep(2000);
	}
	iob_write_file(IOB_SYSFS "/extent", "64");
	iob_write_file(IOB_SYSFS "/max_insns", "32");
	iob_write_file(IOB_SYSFS "/max_entries", "1024");
	*changes = i;
	return NULL;
}

static void *churn_thread(void *arg)
{
	int *ok = arg;
	struct vmm vm;
	int i;

	*ok = 0;
	for (i = 0; i < CHURN; i++) {
		if (guest_stress_create(&vm, ROUNDS))
			return NULL;
		/* 1..4 exits: usually stops with a block half done. */
		if (vmm_run(&vm, 1 + i % 4) == -1) {
			vmm_destroy(&vm);
			return NULL;
		}
		vmm_destroy(&vm);
	}
	*ok = 1;
	return NULL;
}

/* A process that dies with SIGKILL while its VM runs. */
static int killed_child(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct vmm vm;

		if (guest_stress_create(&vm, 60000))
			_exit(1);
		vmm_run(&vm, ~0UL);
		_exit(2);
	}
	usleep(300000);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

int main(int argc, char **argv)
{
	struct vmm vms[N_VMS], cpus[N_VMS][N_CPUS];
	struct cpu_job jobs[N_VMS][N_CPUS];
	pthread_t tids[N_VMS][N_CPUS], knob, churn;
	long long mism0, mism1, vms_left = -1;
	unsigned long changes = 0;
	int churn_ok = 0, v, c, err = 0, i;
	struct kvm_regs regs;

	err = iob_module_require(&argc, argv);
	if (err)
		return err;
	tap_plan(N_VMS * N_CPUS + 5);
	mism0 = iob_global_stat("hash_mismatches");

	for (v = 0; v < N_VMS && !err; v++) {
		err = guest_stress_create(&vms[v], ROUNDS);
		for (c = 1; c < N_CPUS && !err; c++)
			err = vmm_add_vcpu(&vms[v], &cpus[v][c], c, VMM_CODE_GPA);
	}
	if (err) {
		tap_diag("cannot create VMs: %s", strerror(-err));
		return tap_skip_all("cannot create the stress VMs");
	}
	vcpus_running = N_VMS * N_CPUS;
	for (v = 0; v < N_VMS; v++) {
		for (c = 0; c < N_CPUS; c++) {
			jobs[v][c].cpu = c ? &cpus[v][c] : &vms[v];
			pthread_create(&tids[v][c], NULL, vcpu_thread, &jobs[v][c]);
		}
	}
	pthread_create(&knob, NULL, knob_thread, &changes);
	pthread_create(&churn, NULL, churn_thread, &churn_ok);
	tap_ok(killed_child(), "a process killed with SIGKILL while its VM runs");

	for (v = 0; v < N_VMS; v++) {
		for (c = 0; c < N_CPUS; c++) {
			struct vmm *cpu = jobs[v][c].cpu;

			pthread_join(tids[v][c], NULL);
			memset(&regs, 0, sizeof(regs));
			vmm_get_regs(cpu, &regs);
			tap_ok(jobs[v][c].status == 0 && (regs.rcx & 0xffff) == 0 &&
			       cpu->n_io == ROUNDS * IO_PER_ROUND,
			       "VM %d vCPU %d: all %d rounds, %u of %d IO accesses seen by userspace",
			       v, c, ROUNDS, cpu->n_io, ROUNDS * IO_PER_ROUND);
		}
	}
	pthread_join(knob, NULL);
	pthread_join(churn, NULL);
	tap_ok(changes > 0, "sysfs knobs changed %lu times meanwhile", changes);
	tap_ok(churn_ok, "%d VMs destroyed in the middle of their run", CHURN);
	mism1 = iob_global_stat("hash_mismatches");
	tap_ok(mism1 > mism0, "rewritten blocks were noticed (%lld hash mismatches)",
	       mism1 - mism0);

	for (v = 0; v < N_VMS; v++) {
		for (c = 1; c < N_CPUS; c++)
			vmm_destroy(&cpus[v][c]);
		vmm_destroy(&vms[v]);
	}
	for (i = 0; i < 100; i++) {
		vms_left = iob_global_stat("vms");
		if (vms_left == 0)
			break;
		usleep(100000);
	}
	tap_ok(vms_left == 0, "every VM's state freed (vms %lld)", vms_left);
	return tap_finish();
}
