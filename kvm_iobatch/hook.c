// SPDX-License-Identifier: GPL-2.0
/*
 * Redirects into stock KVM, without patching kvm.ko: ftrace with
 * FTRACE_OPS_FL_IPMODIFY (the livepatch mechanism) turns calls of
 * kvm_fast_pio() made by kvm_amd/kvm_intel into calls of iob_fast_pio(),
 * and a second ftrace callback tells us when KVM destroys a VM.
 *
 * Both are FTRACE_OPS_FL_PERMANENT, as livepatch's: `sysctl
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
 * PIO exit.) Calls of kvm_fast_pio() made from this module are not
 * redirected.
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

static void notrace iob_pio_thunk(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *op,
				  struct ftrace_regs *fregs)
{
	if (within_module(parent_ip, THIS_MODULE))
		return;
#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
	iob_ftrace_set_ip(fregs, (unsigned long)iob_fast_pio);
#else
	ftrace_get_regs(fregs)->ip = (unsigned long)iob_fast_pio;
#endif
}

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
 * Where ftrace can hand the callback the argument registers only (x86
 * since 5.11), it uses its lighter trampoline, as livepatch does: the
 * redirect needs to set the instruction pointer, nothing else. The thunk
 * calls nothing traceable, so it needs no recursion protection from
 * ftrace (FTRACE_OPS_FL_RECURSION would route it through
 * ftrace_ops_assist_func() on every exit).
 */
static struct ftrace_ops iob_pio_ops = {
	.func = iob_pio_thunk,
	.flags = FTRACE_OPS_FL_IPMODIFY |
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
		 FTRACE_OPS_FL_SAVE_REGS |
#endif
		 FTRACE_OPS_FL_PERMANENT,
};

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
	r = register_ftrace_function(&iob_pio_ops);
	if (r)
		goto free_pio;
	return 0;

free_pio:
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
 * dropped its reference in iob_fast_pio_hooked() but has not returned yet.
 */
void iob_hooks_remove(void)
{
	unregister_ftrace_function(&iob_pio_ops);
	ftrace_set_filter_ip(&iob_pio_ops, (unsigned long)kvm_fast_pio, 1, 0);
	unregister_ftrace_function(&iob_destroy_ops);
	ftrace_free_filter(&iob_destroy_ops);
	synchronize_rcu_tasks();
}
