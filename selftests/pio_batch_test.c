// SPDX-License-Identifier: GPL-2.0
/*
 * pio_batch_test: the same guests with stock KVM and with kvm_iobatch.
 *
 *   pio_batch_test --record FILE    stock KVM (module not loaded): run
 *                                   every guest, save its final state
 *   pio_batch_test --compare FILE   module loaded: run again and check,
 *                                   per guest, that registers, guest RAM
 *                                   and the userspace IO sequence are
 *                                   identical to the stock run, and that
 *                                   KVM's own io_exits counter dropped to
 *                                   the expected value (or did not move
 *                                   where batching must not apply)
 *
 * Every guest runs twice: with a plain VMM, and with a VMM that reads and
 * writes back the registers at every userspace IO exit, as QEMU's vmport
 * device does. The second run also logs the RIP userspace saw at each
 * access: KVM must show it and complete the access exactly as stock KVM.
 * --compare does all of it twice, once with straight-line blocks (module
 * parameter trace=N) and once with traces (trace=Y), against the one
 * stock record, and sets the parameter back as it found it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <sys/ioctl.h>

#include "guests.h"
#include "iobstat.h"
#include "result.h"
#include "tap.h"
#include "vmm.h"

#define MAX_RUNS 100000

/* Each guest runs with a plain VMM and with a register-syncing one. */
#define N_VMM_MODES 2

/*
 * check_signals(): SIGUSR1 is blocked except while the guest runs, so
 * that only KVM_RUN gets interrupted (not VM creation, not the TAP output).
 */
static bool signals_in_run;
static sigset_t usr1;

/* Run one guest; the VM stays alive for the caller to inspect. */
static int run_case(const struct guest_case *c, bool sync_regs,
		    struct vmm *vm, struct run_result *r)
{
	size_t len = c->end - c->start;
	int err;

	memset(r, 0, sizeof(*r));
	err = c->irqchip ? vmm_create_with_irqchip(vm, c->mode, c->start, len)
			 : vmm_create(vm, c->mode, c->start, len);
	if (err) {
		tap_diag("%s: cannot create VM: %s", c->name, strerror(-err));
		return err;
	}
	/* Known CMOS contents so that IN 0x71 returns something real. */
	for (int i = 0; i < 128; i++)
		vm->cmos[i] = (unsigned char)(i * 7 + 3);
	vm->sync_regs = sync_regs;
	/* check_signals() compares where each exit stood */
	vm->log_rip = signals_in_run;
	if (c->rom && vmm_rom(vm, VMM_CODE_GPA, 0x1000)) {
		tap_diag("%s: no read-only memslot", c->name);
		return -1;
	}
	if (c->coalesce_port && vmm_coalesce_pio(vm, c->coalesce_port, 1)) {
		tap_diag("%s: no coalesced PIO", c->name);
		return -1;
	}
	if (c->dirty_log && vmm_dirty_log(vm)) {
		tap_diag("%s: no dirty logging", c->name);
		return -1;
	}
	if (c->evfd_port &&
	    vmm_pio_eventfd(vm, c->evfd_port, 1,
			    c->evfd_match ? (c->evfd_match & 0xff) : -1)) {
		tap_diag("%s: no ioeventfd", c->name);
		return -1;
	}
	if (signals_in_run)
		pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	err = vmm_run(vm, MAX_RUNS);
	if (signals_in_run)
		pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	result_collect(vm, err, c->name, r);
	return 0;
}

/*
 * KVM_RUN with immediate_exit after the first userspace access of a block
 * completes that access only: RIP just past the first OUT, nothing more
 * reaches userspace (as with stock KVM, where each access is its own
 * exit). KVM's selftests save vCPU state this way.
 */
static void check_immediate_exit(const char *who)
{
	const struct guest_case *c = &guest_cases[0];	/* cmos */
	struct kvm_regs regs = { 0 };
	unsigned int n_io = 0;
	int err, ret, eintr = 0;
	struct vmm vm;

	err = vmm_create(&vm, VMM_REAL, c->start, c->end - c->start);
	if (!err) {
		if (vmm_run(&vm, 1) != -2) {
			err = -1;
		} else {
			vm.run->immediate_exit = 1;
			ret = ioctl(vm.vcpu_fd, KVM_RUN, 0);
			eintr = ret == -1 && errno == EINTR;
		}
		vmm_get_regs(&vm, &regs);
		n_io = vm.n_io;
		vmm_destroy(&vm);
	}
	tap_ok(!err && eintr && regs.rip == VMM_CODE_GPA + 0xa && n_io == 1,
	       "%s: immediate_exit completes the first OUT only (KVM_RUN %s, rip %#llx, %u accesses)",
	       who, eintr ? "EINTR" : "ran on", regs.rip, n_io);
}

static int record(const char *file)
{
	static struct run_result r[64 * N_VMM_MODES];
	unsigned int i;
	struct vmm vm;

	if (iob_loaded())
		return tap_skip_all("kvm_iobatch is loaded: record needs stock KVM");
	tap_plan(n_guest_cases * N_VMM_MODES + 2);
	check_immediate_exit("stock");
	for (i = 0; i < n_guest_cases * N_VMM_MODES; i++) {
		const struct guest_case *c = &guest_cases[i / N_VMM_MODES];
		bool sync = i % N_VMM_MODES;
		int err = run_case(c, sync, &vm, &r[i]);

		tap_ok(!err && r[i].status == 0 && r[i].io_exits > 0,
		       "stock %s%s: ran to the end, %u userspace IO, io_exits %lld",
		       c->name, sync ? "+sync" : "", r[i].n_io, r[i].io_exits);
		if (!err)
			vmm_destroy(&vm);
	}
	tap_ok(!result_save(file, r, n_guest_cases * N_VMM_MODES),
	       "saved to %s", file);
	return tap_finish();
}

/* Pages set in a dirty bitmap (struct run_result) */
static unsigned int n_pages(const uint64_t *dirty)
{
	unsigned int i, n = 0;

	for (i = 0; i < VMM_DIRTY_WORDS; i++)
		n += __builtin_popcountll(dirty[i]);
	return n;
}

static void check_case(const struct guest_case *c, bool sync, bool trace,
		       const struct run_result *s)
{
	const char *mode = trace ? (sync ? "+sync/trace" : "/trace") :
			   (sync ? "+sync" : "");
	long long want_exits = trace ? c->trace_exits : c->io_exits_batched;
	long long slack = trace ? c->trace_slack : c->slack;
	unsigned int folded = trace ? c->trace_folded : c->folded;
	const char *stat = trace ? c->trace_stat : c->stat;
	struct run_result m;
	long long st, lo, hi, cuts;
	bool exact;
	struct vmm vm;
	int err = run_case(c, sync, &vm, &m);

	tap_ok(!err && m.status == 0 && s->status == 0,
	       "%s%s: ran to the end (stock %d, module %d)", c->name, mode, s->status,
	       m.status);
	tap_ok(!err && !memcmp(&m.regs, &s->regs, sizeof(m.regs)) &&
	       result_same_segs(&m, s),
	       "%s%s: registers and segment registers identical (rip %#llx/%#llx rax %#llx/%#llx rbx %#llx/%#llx es %#x/%#x)",
	       c->name, mode, s->regs.rip, m.regs.rip, s->regs.rax, m.regs.rax,
	       s->regs.rbx, m.regs.rbx, s->segs[0].selector,
	       m.segs[0].selector);
	tap_ok(!err && m.mem_hash == s->mem_hash &&
	       !memcmp(m.dirty, s->dirty, sizeof(m.dirty)) &&
	       (!c->dirty_log || n_pages(s->dirty) > 0),
	       "%s%s: guest RAM identical, and the pages KVM logged as written (%u/%u)",
	       c->name, mode, n_pages(s->dirty), n_pages(m.dirty));
	tap_ok(!err && result_same_io(&m, s),
	       "%s%s: userspace IO, its RIPs and exit sequence identical (%u/%u accesses, %lu/%lu exits, ioeventfd %lld/%lld)",
	       c->name, mode, s->n_io, m.n_io, s->user_io_exits, m.user_io_exits,
	       s->evfd_writes, m.evfd_writes);
	/*
	 * Folding: exactly the expected accesses shared an exit, and the
	 * module counted each of them. With a register-syncing VMM, blocks
	 * end after the first userspace access (below) and fold less; so
	 * do blocks an event cut short (the VM's "cuts", seen on 6.12).
	 */
	st = err ? -1 : iob_vm_stat(&vm, "folded");
	cuts = err ? -1 : iob_vm_stat(&vm, "cuts");
	exact = !sync && cuts == 0;
	tap_ok(!err && st == m.n_folded &&
	       (exact ? m.n_folded == folded : m.n_folded <= folded),
	       "%s%s: %u accesses folded into other exits (expected %s%u; %lld blocks cut), module's count %lld",
	       c->name, mode, m.n_folded, exact ? "" : "<= ", folded,
	       cuts, st);
	if (sync) {
		/*
		 * KVM_SET_REGS raises KVM_REQ_EVENT, which ends a block at
		 * its next boundary: a block goes on past a userspace access
		 * only when the VMM leaves the vCPU alone.
		 */
		tap_ok(!err && m.io_exits <= s->io_exits,
		       "%s%s: KVM io_exits not above stock: stock %lld, module %lld",
		       c->name, mode, s->io_exits, m.io_exits);
	} else if (want_exits) {
		lo = want_exits;
		hi = lo + slack;
		/*
		 * Not "below stock": where the slack reaches stock (fault:
		 * one block), an event may cut that block on a slow kernel
		 * (seen on the debug kernel); c->stat shows the path ran.
		 */
		tap_ok(!err && m.io_exits >= lo && m.io_exits <= hi,
		       "%s%s: KVM io_exits stock %lld -> module %lld (expected %lld..%lld)",
		       c->name, mode, s->io_exits, m.io_exits, lo, hi);
	} else {
		tap_ok(!err && m.io_exits == s->io_exits,
		       "%s%s: KVM io_exits unchanged: stock %lld, module %lld",
		       c->name, mode, s->io_exits, m.io_exits);
	}
	st = err ? -1 : iob_vm_stat(&vm, sync ? "pio_exits" : stat);
	tap_ok(st > 0, "%s%s: kvm_iobatch %s = %lld", c->name, mode,
	       sync ? "pio_exits" : stat, st);
	/*
	 * A resume compares the block's code where the memslot maps it, ROM
	 * included, after one translation where there is paging (guest.c):
	 * never a copy through KVM.
	 */
	st = err ? -1 : iob_vm_stat(&vm, "code_copied");
	tap_ok(st == 0,
	       "%s%s: code compared in place at resumes (code_copied %lld)",
	       c->name, mode, st);
	/*
	 * A block an event cut resumes at an exit of its own, whose scan may
	 * take one of the vCPU's two places and so cost one kept start of
	 * each block there, or push a lone IO instruction out of the memo
	 * (seen once: code_kept 12 of 13 on 6.12): two fewer per cut.
	 */
	if (trace && !sync && c->trace_kept) {
		st = err ? -1 : iob_vm_stat(&vm, "code_kept");
		tap_ok(st >= 0 && st >= (long long)c->trace_kept - 2 * cuts,
		       "%s%s: blocks run from the last block's bytes and decodes: code_kept %lld (expected >= %u - 2 x %lld cuts)",
		       c->name, mode, st, c->trace_kept, cuts);
	}
	if (trace && !sync && c->trace_all_direct) {
		long long insns = err ? -1 : iob_vm_stat(&vm, "insns_emulated");
		long long io = err ? -1 : iob_vm_stat(&vm, "io_batched");
		long long direct = err ? -1 : iob_vm_stat(&vm, "insns_direct");

		tap_ok(insns > 0 && insns == io + direct,
		       "%s%s: no instruction went through KVM's emulator (%lld run in blocks: %lld IO, %lld direct)",
		       c->name, mode, insns, io, direct);
	}
	if (trace && !sync && c->trace_resumes) {
		st = err ? -1 : iob_vm_stat(&vm, "user_resumes");
		tap_ok(st > 0 && st <= c->trace_resumes,
		       "%s%s: blocks that went on after a userspace access: user_resumes %lld (expected 1..%u)",
		       c->name, mode, st, c->trace_resumes);
	}
	if (trace && !sync && c->trace_memo) {
		st = err ? -1 : iob_vm_stat(&vm, "memo_passed");
		tap_ok(st >= 0 && st >= (long long)c->trace_memo - 2 * cuts,
		       "%s%s: exits at a lone IO instruction passed by the memo: memo_passed %lld (expected >= %u - 2 x %lld cuts)",
		       c->name, mode, st, c->trace_memo, cuts);
	}
	if (!trace && c->singles_own) {
		st = err ? -1 : iob_vm_stat(&vm, "singles_own");
		tap_ok(st >= 0 && st >= (long long)c->singles_own - 2 * cuts,
		       "%s%s: lone IO instructions run by the module, not kvm_fast_pio(): singles_own %lld (expected >= %u - 2 x %lld cuts)",
		       c->name, mode, st, c->singles_own, cuts);
	}
	if (trace && !sync && c->trace_io_only) {
		long long insns = err ? -1 : iob_vm_stat(&vm, "insns_emulated");
		long long io = err ? -1 : iob_vm_stat(&vm, "io_batched");

		tap_ok(insns > 0 && insns == io,
		       "%s%s: blocks ran their IO instructions only (%lld run in blocks: %lld IO)",
		       c->name, mode, insns, io);
	}
	if (!err)
		vmm_destroy(&vm);
}

/*
 * Checks of the trace pass with the plain VMM, beyond every case's:
 * trace_all_direct, trace_kept, trace_io_only, trace_resumes, trace_memo;
 * and of the line pass with both VMMs: singles_own
 */
static unsigned int n_trace_checks(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < n_guest_cases; i++)
		n += guest_cases[i].trace_all_direct +
		     !!guest_cases[i].trace_kept +
		     guest_cases[i].trace_io_only +
		     !!guest_cases[i].trace_resumes +
		     !!guest_cases[i].trace_memo +
		     N_VMM_MODES * !!guest_cases[i].singles_own;
	return n;
}

#define SIGNAL_ROUNDS 100

static void on_signal(int sig)
{
	(void)sig;
}

static volatile int signals_stop;

/* Signal the vCPU thread every 20 us until told to stop. */
static void *signaller(void *arg)
{
	const struct timespec ts = { 0, 20000 };
	pthread_t vcpu = *(pthread_t *)arg;

	while (!signals_stop) {
		pthread_kill(vcpu, SIGUSR1);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/*
 * The folding guests again, SIGNAL_ROUNDS times each, while another thread
 * signals the vCPU thread every 20 us: a pending signal ends a block at
 * its next boundary, so runs of OUTs get cut at random places, also after
 * an OUT of the run was retired. KVM_RUN returns EINTR now and then, and
 * vmm_run() goes on. The signal is blocked outside vmm_run() (VM creation
 * returned EINTR under load, and a write of TAP output could be cut).
 * Every round must still be stock's, including the RIP at every exit (the
 * stock record of the register-syncing VMM has them): a run cut after an
 * OUT was retired once exited with RIP past that OUT, which stock KVM
 * never shows a VMM (seen in CI as a vmm_edit_test flake).
 */
static void check_signals(const struct run_result *s, const char *mode,
			  bool trace)
{
	struct sigaction sa = { .sa_handler = on_signal };
	long long cuts0 = iob_global_stat("cuts");
	pthread_t self = pthread_self(), t;
	unsigned int i, r;


	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: KVM_RUN -> EINTR */
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	signals_in_run = true;
	signals_stop = 0;
	if (pthread_create(&t, NULL, signaller, &self))
		tap_diag("no signalling thread");
	for (i = 0; i < n_guest_cases; i++) {
		const struct guest_case *c = &guest_cases[i];
		unsigned int want = trace ? c->trace_folded : c->folded;
		unsigned int same = 0, folded = 0, uncounted = 0;

		if (!c->folded)
			continue;
		/* the register-syncing VMM's record: it has RIPs */
		const struct run_result *st = &s[i * N_VMM_MODES + 1];

		for (r = 0; r < SIGNAL_ROUNDS; r++) {
			struct run_result m;
			struct vmm vm;
			int err = run_case(c, false, &vm, &m);

			if (err) {
				if (r - same <= 3)
					tap_diag("%s round %u: error %d", c->name, r, err);
				continue;
			}
			if (result_same_guest(&m, st)) {
				same++;
			} else if (r - same <= 3) {	/* the first few */
				tap_diag("%s round %u: status %d/%d rip %#llx/%#llx mem %d io %u/%u hash %d exits %lu+%u/%lu+%u exit hash %d",
					 c->name, r, st->status, m.status,
					 st->regs.rip, m.regs.rip,
					 st->mem_hash == m.mem_hash, st->n_io,
					 m.n_io, st->io_hash == m.io_hash,
					 st->user_io_exits, st->n_folded,
					 m.user_io_exits, m.n_folded,
					 st->exit_hash == m.exit_hash);
			}
			folded += m.n_folded;
			/* fewer folded than expected: a cut must say why */
			if (m.n_folded > want ||
			    (m.n_folded < want && iob_vm_stat(&vm, "cuts") <= 0))
				uncounted++;
			vmm_destroy(&vm);
		}
		tap_ok(same == SIGNAL_ROUNDS && !uncounted,
		       "%s+signals%s: %u of %u rounds with registers, RAM, userspace IO and the RIP at each exit as on stock (%u folded); %u rounds folded other than %u with no cut counted",
		       c->name, mode, same, SIGNAL_ROUNDS, folded, uncounted,
		       want);
	}
	signals_stop = 1;
	pthread_join(t, NULL);
	signals_in_run = false;
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	tap_diag("blocks cut while the signals came: %lld",
		 iob_global_stat("cuts") - cuts0);
}

static unsigned int n_folding_cases(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < n_guest_cases; i++)
		n += guest_cases[i].folded > 0;
	return n;
}

static int compare(const char *file)
{
	static struct run_result s[64 * N_VMM_MODES];
	unsigned int i;
	int pass, was;

	if (!iob_loaded())
		return tap_skip_all("kvm_iobatch is not loaded");
	if (result_load(file, s, n_guest_cases * N_VMM_MODES))
		return tap_skip_all("no stock record %s", file);
	was = iob_set_trace(false);
	if (was < 0)
		return tap_skip_all("cannot set kvm_iobatch's trace parameter: %s",
				    strerror(-was));
	tap_plan(2 * (n_guest_cases * N_VMM_MODES * 8 + n_folding_cases()) +
		 n_trace_checks() + 2);
	check_immediate_exit("module");
	for (pass = 0; pass < 2; pass++) {
		iob_set_trace(pass);
		for (i = 0; i < n_guest_cases * N_VMM_MODES; i++)
			check_case(&guest_cases[i / N_VMM_MODES],
				   i % N_VMM_MODES, pass, &s[i]);
		check_signals(s, pass ? "/trace" : "", pass);
	}
	tap_ok(iob_set_trace(was) == 1, "trace parameter set back to %s",
	       was ? "Y" : "N");
	return tap_finish();
}

int main(int argc, char **argv)
{
	return result_main(argc, argv, record, compare);
}
