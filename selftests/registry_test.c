// SPDX-License-Identifier: GPL-2.0
/*
 * registry_test: the lifetime of kvm_iobatch's per-VM state (module
 * loaded; run it on a kernel booted with slub_debug=P,kvm_iobatch_vm or
 * with KASAN, so that a use after free faults instead of reading stale
 * bytes).
 *
 * - A reader and teardown: a reader VM takes a PIO exit while a VM in
 *   front of it in the registry's hash chain is destroyed. Fault injection
 *   (its debugfs inject_find_delay_ms) holds its registry lookup inside
 *   the RCU read-side section for two seconds at every VM it walks past,
 *   so a teardown that does not wait for readers frees the VM that the
 *   reader is looking at.
 * - VM destroy is noticed whatever the ftrace sysctl says: a VM closed
 *   after `kernel.ftrace_enabled=0` was attempted still has its state
 *   freed, and batching still works afterwards.
 * - A CPU forgets a destroyed VM's vCPU state: the memo of "no block at
 *   this RIP" is found through the CPU's last vCPU state. A second VM
 *   whose vCPU exits at the same RIP on the same CPU (most likely from the
 *   first one's freed memory) must have every exit counted as its own.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guests.h"
#include "iobstat.h"
#include "module.h"
#include "tap.h"
#include "vmm.h"

#define MAX_TRIES	2000	/* VMs created to find one in the reader's chain */
#define READER_ROUNDS	3
#define IO_PER_ROUND	5	/* userspace accesses per round of "stress" */
#define DELAY_MS	"2000"
#define FTRACE_SYSCTL	"/proc/sys/kernel/ftrace_enabled"

struct reader {
	struct vmm vm;
	int status;
	double secs;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *reader_thread(void *arg)
{
	struct reader *r = arg;
	double t0 = now();

	r->status = vmm_run(&r->vm, READER_ROUNDS * IO_PER_ROUND * 4);
	r->secs = now() - t0;
	return NULL;
}

/* Wait up to 10 s for every VM's state to be freed; the count left. */
static long long vms_left(void)
{
	long long n = -1;
	int i;

	for (i = 0; i < 100; i++) {
		n = iob_global_stat("vms");
		if (n == 0)
			break;
		usleep(100000);
	}
	return n;
}

/*
 * Create VMs until one lands in front of the reader in the registry's hash
 * chain (the reader's lookup_depth grows); the others are closed again.
 * Return: 0 with that VM in @victim, -1 when none did.
 */
static int victim_in_front(struct vmm *reader, struct vmm *victim)
{
	long long depth0 = iob_vm_stat(reader, "lookup_depth");
	int i;

	for (i = 0; i < MAX_TRIES && depth0 >= 0; i++) {
		if (guest_stress_create(victim, 1))
			return -1;
		if (vmm_run(victim, 1) == -2 &&
		    iob_vm_stat(reader, "lookup_depth") > depth0) {
			tap_diag("VM %d of %d created lands in front of the reader",
				 i + 1, MAX_TRIES);
			return 0;
		}
		vmm_destroy(victim);
	}
	return -1;
}

static void test_teardown_under_reader(void)
{
	struct vmm victim;
	struct reader reader;
	long long live = -1;
	char path[256];
	pthread_t tid;
	int err;

	/* The reader first: VMs added later sit in front of it. */
	err = guest_stress_create(&reader.vm, READER_ROUNDS);
	if (!err && vmm_run(&reader.vm, 1) != -2)
		err = -1;
	if (!err)
		err = victim_in_front(&reader.vm, &victim);
	tap_ok(!err, "a VM in front of the reader in the registry's hash chain");
	if (!err) {
		iob_vm_path(&reader.vm, "inject_find_delay_ms", path,
			    sizeof(path));
		err = iob_write_file(path, DELAY_MS);
	}
	tap_ok(!err, "reader VM: its registry lookups wait %s ms at every VM walked past (fault injection)",
	       DELAY_MS);
	if (err) {
		tap_ok(false, "reader ran");
		tap_ok(false, "state freed");
		return;
	}

	/* Destroy that VM while the reader's next lookup looks at it. */
	pthread_create(&tid, NULL, reader_thread, &reader);
	usleep(500000);
	vmm_destroy(&victim);
	pthread_join(tid, NULL);
	tap_ok(reader.status == 0 &&
	       reader.vm.n_io == READER_ROUNDS * IO_PER_ROUND,
	       "reader ran all %d rounds while the VM it was looking at was destroyed (status %d, %u accesses, %.2f s)",
	       READER_ROUNDS, reader.status, reader.vm.n_io, reader.secs);
	iob_write_file(path, "0");
	vmm_destroy(&reader.vm);
	live = vms_left();
	tap_ok(live == 0, "every VM's state freed (vms %lld)", live);
}

static void test_ftrace_sysctl(void)
{
	const struct guest_case *c = &guest_cases[0];	/* cmos */
	long long live, blocks = -1;
	struct vmm vm;
	int wr;

	if (guest_stress_create(&vm, 10) || vmm_run(&vm, 1) != -2) {
		tap_ok(false, "ftrace sysctl: VM started");
		tap_ok(false, "ftrace sysctl: batching after");
		return;
	}
	wr = iob_write_file(FTRACE_SYSCTL, "0");
	tap_diag("writing 0 to %s: %s", FTRACE_SYSCTL,
		 wr ? strerror(-wr) : "accepted");
	vmm_destroy(&vm);
	live = vms_left();
	iob_write_file(FTRACE_SYSCTL, "1");
	tap_ok(live == 0,
	       "a VM closed after ftrace_enabled=0 was tried: state freed (vms %lld, write %s)",
	       live, wr ? "refused" : "accepted");

	if (!vmm_create(&vm, VMM_REAL, c->start, c->end - c->start) &&
	    !vmm_run(&vm, 1000))
		blocks = iob_vm_stat(&vm, "blocks");
	vmm_destroy(&vm);
	tap_ok(blocks > 0, "batching still on afterwards (blocks %lld)",
	       blocks);
	vms_left();
}

/* The exits of a guest of lone IO instructions, in a new VM on CPU 0 */
static long long lone_exits(const struct guest_case *c, long long *kvm_exits)
{
	long long n = -1;
	struct vmm vm;

	*kvm_exits = -1;
	if (vmm_create(&vm, c->mode, c->start, c->end - c->start))
		return -1;
	if (!vmm_run(&vm, 1000)) {
		n = iob_vm_stat(&vm, "pio_exits");
		*kvm_exits = vmm_vcpu_stat(&vm, "io_exits");
	}
	vmm_destroy(&vm);
	return n;
}

static void test_memo_forgets_vm(void)
{
	const struct guest_case *c = NULL;
	long long first = -1, second = -1, io1 = -1, io2 = -1;
	cpu_set_t cpus;
	bool pinned;
	unsigned int i;
	int was;

	for (i = 0; i < n_guest_cases; i++)
		if (!strcmp(guest_cases[i].name, "single"))
			c = &guest_cases[i];
	if (!c) {
		tap_ok(false, "memo: the single guest exists");
		return;
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	pinned = !sched_setaffinity(0, sizeof(cpus), &cpus);
	/* Straight-line blocks: a trace would run the guest's whole loop */
	was = iob_set_trace(false);
	first = lone_exits(c, &io1);
	vms_left();
	second = lone_exits(c, &io2);
	if (was > 0)
		iob_set_trace(true);
	tap_ok(pinned && first > 1 && first == io1 && second == io2,
	       "a VM after a destroyed one, same RIP, same CPU: every exit its own (pio_exits %lld of %lld, then %lld of %lld)",
	       first, io1, second, io2);
	vms_left();
}

int main(int argc, char **argv)
{
	int ret = iob_module_require(&argc, argv);

	if (ret)
		return ret;
	tap_plan(7);
	test_teardown_under_reader();
	test_ftrace_sysctl();
	test_memo_forgets_vm();
	return tap_finish();
}
