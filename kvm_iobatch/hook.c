// SPDX-License-Identifier: GPL-2.0
/*
 * Redirects into stock KVM, without patching kvm.ko: an ftrace direct
 * call (the mechanism of BPF trampolines) turns calls of kvm_fast_pio()
 * made by kvm_amd/kvm_intel into calls of iob_fast_pio() (hook_entry.S),
 * and an ftrace callback tells us when KVM destroys a VM.
 *
 * The callback is FTRACE_OPS_FL_PERMANENT, as livepatch's: `sysctl
 * kernel.ftrace_enabled=0` is refused (EBUSY) while the module is loaded,
 * instead of silently stopping them: a VM destroyed unseen would leak its
 * state and its module reference, and hand both to the next VM allocated
 * at the same address.
 *
 * Lifetime, as livepatch's: a redirected call takes no module reference.
 * Module exit unregisters the redirect and then waits, with
 * synchronize_rcu_tasks(), until every task that was sent into this
 * module's code has left it (a task in the middle of an exit handler has
 * passed no RCU-tasks quiescent state). Per-VM state holds a reference
 * (vm.c), so the module cannot go while a VM has state; a redirected call
 * that would create state while the module is going finds try_module_get()
 * failing and leaves the exit to KVM. (A reference per call cost two
 * atomics on one cache line that every vCPU of the host shares, on every
 * PIO exit.) The module's own calls of kvm_fast_pio(), all through
 * iob_stock_fast_pio(), are not redirected.
 *
 * This file is the only ftrace glue around the exit handler (batch.c): in
 * KVM, kvm_fast_pio() would call iob_fast_pio() itself
 * (Documentation/upstream.rst).
 */
#include <linux/ftrace.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/rcupdate_wait.h>

#include "iobatch.h"

static void notrace iob_destroy_thunk(unsigned long ip,
				      unsigned long parent_ip,
				      struct ftrace_ops *op,
				      struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs)
		iob_vm_destroyed((struct kvm *)regs->di);
}

/*
 * A direct call (hook_entry.S): the site in kvm_fast_pio() calls
 * iob_pio_entry itself, with no ftrace trampoline, no saved registers and
 * no callback in between. The ftrace_ops with a callback that set the
 * instruction pointer (livepatch's way) cost about 120 instructions on
 * every PIO exit, batched or not (Documentation/bench.rst).
 *
 * Not FTRACE_OPS_FL_PERMANENT (ftrace sets a direct call's flags itself),
 * but the destroy callback below is, and that is what makes ftrace refuse
 * `sysctl kernel.ftrace_enabled=0`. Were the redirect ever off, every
 * exit would simply go to stock KVM.
 */
static struct ftrace_ops iob_pio_ops;

/*
 * Every function of KVM through which userspace can change a vCPU's
 * registers, segment registers, control registers, MSRs or mode between
 * two KVM_RUNs: the KVM_SET_REGS/KVM_SET_SREGS bodies, which the
 * kvm_run sync_regs path calls too (it bypasses the ioctls), every
 * x86-specific vCPU ioctl (KVM_SET_SREGS2, KVM_SET_MSRS,
 * KVM_SET_NESTED_STATE, ...), KVM_SET_MP_STATE, the events that the sync
 * path sets, and reset and SMM transitions for good measure. Each runs
 * with vcpu->mutex held, so a count read inside KVM_RUN before and after
 * userspace had the vCPU tells whether any of them ran in between.
 * The generic KVM_SET_FPU, KVM_SET_SIGNAL_MASK and KVM_SET_GUEST_DEBUG
 * change nothing resume.c relies on (it checks guest_debug itself).
 */
static const char * const iob_vcpu_writers[] = {
	"__set_regs",
	"__set_sregs",
	"kvm_arch_vcpu_ioctl",
	"kvm_arch_vcpu_ioctl_set_mpstate",
	"kvm_vcpu_ioctl_x86_set_vcpu_events",
	"kvm_vcpu_reset",
	"kvm_smm_changed",
};

static struct ftrace_ops iob_writes_ops;

/* Incremented by iob_vcpu_write_entry (hook_entry.S) */
u64 iob_vcpu_writes;
/* Does iob_vcpu_writes count every writer? (resume.c) */
bool iob_vcpu_writes_counted __read_mostly;

/*
 * All or nothing: a writer that cannot be watched (renamed or inlined in
 * another kernel) makes every resume check everything, as before.
 */
static void iob_watch_vcpu_writes(void)
{
	unsigned char name[64];
	int i, r = 0;

	for (i = 0; i < ARRAY_SIZE(iob_vcpu_writers) && !r; i++) {
		strscpy(name, iob_vcpu_writers[i], sizeof(name));
		r = ftrace_set_filter(&iob_writes_ops, name, strlen(name),
				      i == 0);
		if (r)
			pr_info(IOB_NAME ": cannot trace %s (%d): resumes check the vCPU's state in full\n",
				name, r);
	}
	if (!r)
		r = iob_ftrace_direct_register(&iob_writes_ops,
					       (unsigned long)iob_vcpu_write_entry);
	if (r) {
		ftrace_free_filter(&iob_writes_ops);
		return;
	}
	iob_vcpu_writes_counted = true;
}

static void iob_unwatch_vcpu_writes(void)
{
	if (!iob_vcpu_writes_counted)
		return;
	iob_vcpu_writes_counted = false;
	iob_ftrace_direct_unregister(&iob_writes_ops,
				     (unsigned long)iob_vcpu_write_entry);
}

static struct ftrace_ops iob_destroy_ops = {
	.func = iob_destroy_thunk,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_RECURSION |
		 FTRACE_OPS_FL_PERMANENT,
};

/**
 * iob_hooks_install() - start redirecting kvm_fast_pio()
 *
 * The destroy notification goes in first, so that no VM state can be
 * created that would miss it.
 *
 * Return: 0 or a negative errno from ftrace.
 */
int iob_hooks_install(void)
{
	/* KVM calls it from kvm_destroy_vm() once the VM's last ref is gone */
	unsigned char destroy_fn[] = "kvm_arch_destroy_vm";
	int r;

	/* ftrace parses the pattern in place: hand it a writable copy. */
	r = ftrace_set_filter(&iob_destroy_ops, destroy_fn,
			      strlen(destroy_fn), 1);
	if (r) {
		pr_err(IOB_NAME ": cannot trace %s: %d\n", destroy_fn, r);
		return r;
	}
	r = register_ftrace_function(&iob_destroy_ops);
	if (r)
		goto free_destroy;

	r = ftrace_set_filter_ip(&iob_pio_ops, (unsigned long)kvm_fast_pio,
				 0, 0);
	if (r) {
		pr_err(IOB_NAME ": cannot trace kvm_fast_pio: %d\n", r);
		goto unreg_destroy;
	}
	/* Before the redirect: no block may start unwatched */
	iob_watch_vcpu_writes();
	r = iob_ftrace_direct_register(&iob_pio_ops,
				       (unsigned long)iob_pio_entry);
	if (r)
		goto free_pio;
	return 0;

free_pio:
	iob_unwatch_vcpu_writes();
	ftrace_set_filter_ip(&iob_pio_ops, (unsigned long)kvm_fast_pio, 1, 0);
unreg_destroy:
	unregister_ftrace_function(&iob_destroy_ops);
free_destroy:
	ftrace_free_filter(&iob_destroy_ops);
	return r;
}

/**
 * iob_hooks_remove() - stop redirecting; wait until no task runs our code
 *
 * After unregistering, synchronize_rcu_tasks() also waits for a task that
 * was sent into iob_pio_entry or iob_fast_pio() and has not left yet.
 */
void iob_hooks_remove(void)
{
	iob_ftrace_direct_unregister(&iob_pio_ops,
				     (unsigned long)iob_pio_entry);
	iob_unwatch_vcpu_writes();
	unregister_ftrace_function(&iob_destroy_ops);
	ftrace_free_filter(&iob_destroy_ops);
	synchronize_rcu_tasks();
}
