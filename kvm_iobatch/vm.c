// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM and per-vCPU state and its lifetime.
 *
 * A VM gets its state at its first PIO exit and loses it when KVM destroys
 * the VM (hook.c calls iob_vm_destroyed()). Each VM with state holds a
 * reference on this module: a vCPU may have our userspace-completion
 * callback pending, so the module must stay while any such VM exists;
 * `rmmod` then fails with EBUSY, like for kvm_amd while VMs run.
 */
#include <linux/hashtable.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "iobatch.h"

#define IOB_VM_HASH_BITS 6

static DEFINE_HASHTABLE(iob_vms, IOB_VM_HASH_BITS);
/* Own cache: visible in slabinfo, and slub_debug=P,kvm_iobatch_vm poisons it */
static struct kmem_cache *iob_vm_cache;
static DEFINE_SPINLOCK(iob_vms_lock);		/* writers of iob_vms */
static DEFINE_MUTEX(iob_vms_create_lock);	/* one creator at a time */
static struct workqueue_struct *iob_wq;
static atomic_t iob_nr_vms = ATOMIC_INIT(0);
/*
 * Global counters are the sums over the live VMs plus what the VMs that
 * are gone had counted (folded in when KVM destroys them): the exit path
 * adds to one per-CPU counter only.
 */
static atomic64_t iob_retired[IOB_STAT_NR];

/*
 * Each CPU's last vCPU state that a PIO exit used: batch.c's memo path
 * finds the state of the vCPU that exits again on the same CPU with no
 * registry lookup. A VM's states leave every CPU's slot before they are
 * freed (iob_vm_destroyed()).
 */
DEFINE_PER_CPU(struct iob_vcpu *, iob_cpu_vcpu);

/*
 * Fault injection for registry_test: with a VM's debugfs file
 * inject_find_delay_ms set, every registry lookup for that VM waits this
 * long at each other VM it walks past, inside its RCU read-side section,
 * so that VMs destroyed meanwhile are freed while it still looks at them
 * unless their teardown waits for readers. Off (a static branch, no cost)
 * unless set.
 */
static DEFINE_STATIC_KEY_FALSE(iob_find_delay_on);
static struct kvm *iob_find_delay_kvm;
static u32 iob_find_delay_ms;

static void iob_inject_find_delay(struct kvm *kvm)
{
	u64 end;

	if (!static_branch_unlikely(&iob_find_delay_on) ||
	    kvm != READ_ONCE(iob_find_delay_kvm))
		return;
	/* A clock, not mdelay(): delay loops run short under TCG. */
	end = ktime_get_ns() + READ_ONCE(iob_find_delay_ms) * NSEC_PER_MSEC;
	while (ktime_get_ns() < end)
		cpu_relax();
}

/**
 * iob_vm_inject_find_delay() - arm or disarm the lookup fault injection
 * @vm: the VM whose lookups wait
 * @ms: milliseconds per VM walked past, 0 disarms
 */
void iob_vm_inject_find_delay(struct iob_vm *vm, u32 ms)
{
	WRITE_ONCE(iob_find_delay_ms, ms);
	WRITE_ONCE(iob_find_delay_kvm, ms ? vm->kvm : NULL);
	if (ms)
		static_branch_enable(&iob_find_delay_on);
	else
		static_branch_disable(&iob_find_delay_on);
}

const char * const iob_stat_names[IOB_STAT_NR] = {
	[IOB_STAT_EXITS] = "pio_exits",
	[IOB_STAT_PASSED] = "passed_to_kvm",
	[IOB_STAT_BLOCKS] = "blocks",
	[IOB_STAT_INSNS] = "insns_emulated",
	[IOB_STAT_IO_BATCHED] = "io_batched",
	[IOB_STAT_EXITS_SAVED] = "exits_saved",
	[IOB_STAT_SCANS] = "scans",
	[IOB_STAT_HITS] = "hits",
	[IOB_STAT_MISMATCHES] = "hash_mismatches",
	[IOB_STAT_SINGLES] = "singles",
	[IOB_STAT_USER_RESUMES] = "user_resumes",
	[IOB_STAT_CUTS] = "cuts",
	[IOB_STAT_TABLE_FULL] = "table_full",
	[IOB_STAT_READ_FAULTS] = "read_faults",
	[IOB_STAT_DIRECT] = "insns_direct",
	[IOB_STAT_FOLDED] = "folded",
	[IOB_STAT_TRACES] = "traces",
	[IOB_STAT_JUMPS] = "trace_jumps",
	[IOB_STAT_SMC] = "trace_smc",
	[IOB_STAT_TRACE_DROPPED] = "trace_dropped",
	[IOB_STAT_CODE_COPIED] = "code_copied",
	[IOB_STAT_CODE_KEPT] = "code_kept",
	[IOB_STAT_BACKOFF] = "backoff_passed",
	[IOB_STAT_MEMO] = "memo_passed",
	[IOB_STAT_SINGLE_OWN] = "singles_own",
};


static u64 iob_stat_sum(struct iob_stats __percpu *stats, enum iob_stat stat)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(stats, cpu)->v[stat];
	return sum;
}

/**
 * iob_vm_stat() - read a per-VM counter
 * @vm: the VM
 * @stat: which counter
 *
 * Return: the sum over all CPUs (a snapshot while vCPUs run).
 */
u64 iob_vm_stat(struct iob_vm *vm, enum iob_stat stat)
{
	u64 n = iob_stat_sum(vm->stats, stat);

	/* The memo path counts one counter for three (batch.c) */
	if (stat == IOB_STAT_EXITS || stat == IOB_STAT_SINGLES ||
	    stat == IOB_STAT_PASSED)
		n += iob_stat_sum(vm->stats, IOB_STAT_MEMO);
	return n;
}

/**
 * iob_global_stat() - read a global counter
 * @stat: which counter
 *
 * Return: the sum over all VMs since the module was loaded (a snapshot).
 */
u64 iob_global_stat(enum iob_stat stat)
{
	u64 sum = atomic64_read(&iob_retired[stat]);
	struct iob_vm *vm;
	int bkt;

	rcu_read_lock();
	hash_for_each_rcu(iob_vms, bkt, vm, node)
		sum += iob_vm_stat(vm, stat);
	rcu_read_unlock();
	return sum;
}

/**
 * iob_vm_count() - VMs that currently have state
 *
 * Return: the number of live per-VM states (0 once every VM is gone and
 * its teardown ran; debugfs shows it to check for leaks).
 */
unsigned int iob_vm_count(void)
{
	return atomic_read(&iob_nr_vms);
}

/**
 * iob_vm_find() - the state of @kvm, if it has one
 * @kvm: the VM
 *
 * Callers run in a vCPU ioctl of @kvm, which keeps the state alive.
 * Other VMs' states in the chain are freed after an RCU grace period; a
 * section with preemption off is an RCU reader too since 4.20, and costs
 * two instructions where PREEMPT_RCU's rcu_read_lock() costs two calls
 * (this runs on every PIO exit).
 *
 * Return: the state or NULL.
 */
struct iob_vm *iob_vm_find(struct kvm *kvm)
{
	struct iob_vm *vm, *found = NULL;

	rcu_read_lock_sched();
	hash_for_each_possible_rcu(iob_vms, vm, node, (unsigned long)kvm) {
		if (vm->kvm == kvm) {
			found = vm;
			break;
		}
		iob_inject_find_delay(kvm);
	}
	rcu_read_unlock_sched();
	return found;
}

/*
 * Runs from iob_wq one RCU grace period after the VM left the registry:
 * lookups walk the registry under RCU from any VM's vCPU (and the table
 * trim in table.c walks every VM), so none may still look at this one.
 */
/**
 * iob_vm_lookup_depth() - how many other VMs a lookup of @vm walks past
 * @vm: the VM
 *
 * Return: its position in its registry hash chain (debugfs stats).
 */
unsigned int iob_vm_lookup_depth(struct iob_vm *vm)
{
	unsigned int depth = 0;
	struct iob_vm *other;

	rcu_read_lock();
	hash_for_each_possible_rcu(iob_vms, other, node,
				   (unsigned long)vm->kvm) {
		if (other == vm)
			break;
		depth++;
	}
	rcu_read_unlock();
	return depth;
}

static void iob_vcpu_free(struct iob_vcpu *vs)
{
	if (vs)
		kvfree(vs->codes);
	kfree(vs);
}

static void iob_vm_free_work(struct work_struct *work)
{
	struct iob_vm *vm = container_of(to_rcu_work(work), struct iob_vm,
					 free_rwork);
	unsigned int i;

	iob_debugfs_vm_remove(vm);
	iob_table_destroy(vm);
	free_percpu(vm->stats);
	for (i = 0; i < KVM_MAX_VCPUS; i++)
		iob_vcpu_free(vm->vcpus[i]);
	kvfree(vm->vcpus);
	kmem_cache_free(iob_vm_cache, vm);
	atomic_dec(&iob_nr_vms);
}

/**
 * iob_vm_get() - the state of @kvm, created on first use
 * @kvm: the VM; called from its vCPU's PIO exit (may sleep)
 *
 * Return: the state, or NULL when it cannot be allocated or the module
 * is going.
 */
struct iob_vm *iob_vm_get(struct kvm *kvm)
{
	struct iob_vm *vm = iob_vm_find(kvm);

	if (vm)
		return vm;

	mutex_lock(&iob_vms_create_lock);
	vm = iob_vm_find(kvm);
	if (vm)
		goto out;
	/* The module is going: no new state (hook.c, lifetime) */
	if (!try_module_get(THIS_MODULE))
		goto out;
	vm = kmem_cache_zalloc(iob_vm_cache, GFP_KERNEL_ACCOUNT);
	if (!vm) {
		module_put(THIS_MODULE);
		goto out;
	}
	vm->kvm = kvm;
	vm->extent = IOB_EXTENT_GLOBAL;
	INIT_RCU_WORK(&vm->free_rwork, iob_vm_free_work);
	vm->vcpus = kvcalloc(KVM_MAX_VCPUS, sizeof(*vm->vcpus),
			     GFP_KERNEL_ACCOUNT);
	vm->stats = alloc_percpu_gfp(struct iob_stats, GFP_KERNEL_ACCOUNT);
	if (!vm->vcpus || !vm->stats || iob_table_init(vm)) {
		free_percpu(vm->stats);
		kvfree(vm->vcpus);
		kmem_cache_free(iob_vm_cache, vm);
		module_put(THIS_MODULE);
		vm = NULL;
		goto out;
	}
	atomic_inc(&iob_nr_vms);
	iob_debugfs_vm_add(vm);
	spin_lock(&iob_vms_lock);
	hash_add_rcu(iob_vms, &vm->node, (unsigned long)kvm);
	spin_unlock(&iob_vms_lock);
out:
	mutex_unlock(&iob_vms_create_lock);
	return vm;
}

/*
 * No CPU may keep one of @vm's vCPU states past the grace period that
 * frees them. Only @vm's vCPUs store them, and none runs any more; a
 * slot that another VM's vCPU changes meanwhile is not ours (cmpxchg).
 * Other VMs' states read here are freed after a grace period too.
 */
static void iob_vm_uncache(struct iob_vm *vm)
{
	int cpu;

	rcu_read_lock_sched();
	for_each_possible_cpu(cpu) {
		struct iob_vcpu **slot = per_cpu_ptr(&iob_cpu_vcpu, cpu);
		struct iob_vcpu *vs = READ_ONCE(*slot);

		if (vs && vs->vm == vm)
			cmpxchg(slot, vs, NULL);
	}
	rcu_read_unlock_sched();
}

/**
 * iob_vm_destroyed() - KVM is destroying @kvm: drop its state
 * @kvm: the VM; no vCPU ioctl can run any more
 *
 * Runs in atomic context (an ftrace callback): the state is unlinked now,
 * so a new VM at the same address starts afresh, and freed from a work
 * item after an RCU grace period. The VM's module reference is dropped
 * here.
 */
void iob_vm_destroyed(struct kvm *kvm)
{
	struct iob_vm *vm = iob_vm_find(kvm);
	int i;

	if (!vm)
		return;
	if (READ_ONCE(iob_find_delay_kvm) == kvm)
		WRITE_ONCE(iob_find_delay_kvm, NULL);
	spin_lock(&iob_vms_lock);
	hash_del_rcu(&vm->node);
	spin_unlock(&iob_vms_lock);
	/* No vCPU runs: the counts are final. */
	for (i = 0; i < IOB_STAT_NR; i++)
		atomic64_add(iob_vm_stat(vm, i), &iob_retired[i]);
	iob_vm_uncache(vm);
	queue_rcu_work(iob_wq, &vm->free_rwork);
	/*
	 * No vCPU of this VM runs any more, so none can call into us: the
	 * module may go now (rmmod right after the VM is closed works);
	 * iob_vms_exit() drains iob_wq, so the teardown still completes.
	 */
	module_put(THIS_MODULE);
}

/**
 * iob_vcpu_get() - per-vCPU block state, created on first use
 * @vm: the VM
 * @vcpu: one of its vCPUs, in its own ioctl (may sleep)
 *
 * Return: the state, or NULL when it cannot be allocated or the module
 * is going.
 */
struct iob_vcpu *iob_vcpu_get(struct iob_vm *vm, struct kvm_vcpu *vcpu)
{
	struct iob_vcpu *vs = iob_vcpu_find(vm, vcpu);
	struct iob_vcpu *old;

	if (vs || vcpu->vcpu_idx >= KVM_MAX_VCPUS)
		return vs;
	vs = kzalloc(sizeof(*vs), GFP_KERNEL_ACCOUNT);
	if (!vs)
		return NULL;
	/* Apart, and maybe not contiguous: IOB_CODES copies take ~28 KiB */
	vs->codes = kvcalloc(IOB_CODES, sizeof(*vs->codes), GFP_KERNEL_ACCOUNT);
	if (!vs->codes) {
		kfree(vs);
		return NULL;
	}
	vs->code = vs->codes;
	vs->vcpu = vcpu;
	vs->vm = vm;
	/* Only the vCPU itself gets here, in its ioctl: cmpxchg is belt */
	old = cmpxchg(&vm->vcpus[vcpu->vcpu_idx], NULL, vs);
	if (old) {
		iob_vcpu_free(vs);
		return old;
	}
	return vs;
}

/**
 * iob_vms_trim_tables() - make every VM's table obey a lowered bound
 * @max: the new max_entries
 *
 * Under RCU: a VM being destroyed is freed only after a grace period.
 */
void iob_vms_trim_tables(unsigned int max)
{
	struct iob_vm *vm;
	int bkt;

	rcu_read_lock();
	hash_for_each_rcu(iob_vms, bkt, vm, node)
		iob_table_trim(vm, max);
	rcu_read_unlock();
}

/**
 * iob_vms_init() - set up the registry
 *
 * Return: 0 or -ENOMEM.
 */
int iob_vms_init(void)
{
	iob_vm_cache = kmem_cache_create("kvm_iobatch_vm", sizeof(struct iob_vm),
				0, SLAB_ACCOUNT, NULL);
	if (!iob_vm_cache)
		return -ENOMEM;
	iob_wq = alloc_workqueue(IOB_NAME, 0, 0);
	if (!iob_wq) {
		kmem_cache_destroy(iob_vm_cache);
		return -ENOMEM;
	}
	return 0;
}

/**
 * iob_vms_flush() - wait for every pending VM teardown
 */
void iob_vms_flush(void)
{
	rcu_barrier();		/* teardowns still waiting for their grace period */
	flush_workqueue(iob_wq);
}

/**
 * iob_vms_exit() - wait for pending teardowns; no VM has state any more
 *
 * Module exit can only run when no VM holds a module reference, so every
 * state is either freed or being freed by iob_wq.
 */
void iob_vms_exit(void)
{
	rcu_barrier();		/* queue_rcu_work() items not queued yet */
	destroy_workqueue(iob_wq);
	WARN_ON(atomic_read(&iob_nr_vms));
	kmem_cache_destroy(iob_vm_cache);
}
