/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel version shims: the one place where kvm-iobatch knows which
 * kernel it is built for. Everything else is written against the
 * interfaces of the newest supported kernel, through the names below.
 *
 * Supported: Linux 6.1 (Debian 12) and 6.12 (Debian 13, and Debian 12's
 * security archive). Each shim is keyed on 6.12, the first supported
 * kernel with the new form: the KVM internals the module uses were read
 * in both kernels' sources, not in the ones in between, which is why the
 * others are refused below rather than guessed at (the Makefile says the
 * same before kbuild starts).
 *
 * Upstream KVM after 6.12 exports kvm_fast_pio() and
 * kvm_emulate_instruction_from_buffer() to kvm-amd and kvm-intel only
 * (EXPORT_SYMBOL_FOR_KVM_INTERNAL): an out-of-tree module cannot link
 * there at all. See Documentation/upstream.rst for the way forward.
 */
#ifndef KVM_IOBATCH_COMPAT_H
#define KVM_IOBATCH_COMPAT_H

#include <linux/ftrace.h>
#include <linux/kvm_host.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>	/* get_unaligned(): moved from asm/ in 6.12 */
#else
#include <asm/unaligned.h>
#endif

#include "x86.h"	/* KVM private: what pmu.h needs first */
#include "lapic.h"	/* KVM private: struct kvm_lapic */
#include "pmu.h"	/* KVM private: kvm_pmu_trigger_event() */

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0) && \
	 LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0))
#error "kvm-iobatch: only Linux 6.1 and 6.12 are supported"
#endif
#ifndef CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS
#error "kvm-iobatch: needs CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS (hook.c)"
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "kvm-iobatch: after 6.12 KVM exports kvm_fast_pio() to kvm-amd/kvm-intel only; see Documentation/upstream.rst"
#endif

/**
 * iob_ftrace_direct_register() - make the traced sites of @ops call @addr
 * @ops: an ftrace_ops with its filter set and no callback
 * @addr: the code the sites call directly
 *
 * 6.12 renamed 6.1's register_ftrace_direct_multi() (6.1's
 * register_ftrace_direct() took a single site); both need
 * DYNAMIC_FTRACE_WITH_DIRECT_CALLS, which Debian's x86 kernels have.
 *
 * Return: 0 or a negative errno from ftrace.
 */
static inline int iob_ftrace_direct_register(struct ftrace_ops *ops,
					     unsigned long addr)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return register_ftrace_direct(ops, addr);
#else
	return register_ftrace_direct_multi(ops, addr);
#endif
}

/**
 * iob_ftrace_direct_unregister() - undo iob_ftrace_direct_register()
 * @ops: as registered
 * @addr: as registered
 *
 * Also frees the filter, so that @ops can be registered again.
 */
static inline void iob_ftrace_direct_unregister(struct ftrace_ops *ops,
						unsigned long addr)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	unregister_ftrace_direct(ops, addr, true);
#else
	unregister_ftrace_direct_multi(ops, addr);
	ftrace_free_filter(ops);
#endif
}

/**
 * iob_pmu_counting() - may the vPMU count an instruction KVM retires
 * @vcpu: the vCPU
 *
 * kvm_pmu_trigger_event() counts an emulated instruction only in a
 * general purpose counter whose event select has the enable bit, or in an
 * enabled fixed counter (pmc_speculative_in_use() in 6.1 and 6.12), and
 * delivers an overflow's PMI at the next VM entry, before the guest's next
 * instruction. With none enabled it does
 * nothing, after walking every valid counter through two static calls
 * each: about 240 instructions, more than many a whole instruction the
 * executor runs, and paid for every instruction of a block. Any enabled
 * counter, whatever its event, counts here.
 *
 * Return: true when some vPMU counter is enabled.
 */
static inline bool iob_pmu_counting(struct kvm_vcpu *vcpu)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;
	unsigned int i, n = min_t(unsigned int, pmu->nr_arch_gp_counters,
				  ARRAY_SIZE(pmu->gp_counters));

	if (pmu->fixed_ctr_ctrl)
		return true;
	for (i = 0; i < n; i++)
		if (pmu->gp_counters[i].eventsel & ARCH_PERFMON_EVENTSEL_ENABLE)
			return true;
	return false;
}

/**
 * iob_pmu_insn_retired() - count one retired instruction for the guest PMU
 * @vcpu: the vCPU whose instruction KVM, not the CPU, retired
 *
 * What kvm_skip_emulated_instruction() and the emulator do. 6.1 names the
 * event by its generic perf id, 6.12 by the vendor's event selector
 * (kvm_pmu_eventsel): the argument is a u64 in both, so passing the
 * wrong one would build and silently count the wrong event, or none.
 */
static inline void iob_pmu_insn_retired(struct kvm_vcpu *vcpu)
{
	if (!iob_pmu_counting(vcpu))
		return;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	kvm_pmu_trigger_event(vcpu, kvm_pmu_eventsel.INSTRUCTIONS_RETIRED);
#else
	kvm_pmu_trigger_event(vcpu, PERF_COUNT_HW_INSTRUCTIONS);
#endif
}

/* The vPMU's count of retired branch instructions, as the emulator's. */
static inline void iob_pmu_branch_retired(struct kvm_vcpu *vcpu)
{
	if (!iob_pmu_counting(vcpu))
		return;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	kvm_pmu_trigger_event(vcpu,
			      kvm_pmu_eventsel.BRANCH_INSTRUCTIONS_RETIRED);
#else
	kvm_pmu_trigger_event(vcpu, PERF_COUNT_HW_BRANCH_INSTRUCTIONS);
#endif
}

/**
 * iob_write_tracked() - would KVM want to see a write to guest memory
 * @kvm: the VM
 *
 * The emulator tells KVM's page-write tracking of every guest memory
 * write it makes (kvm_page_track_write(), not exported): the shadow MMU
 * zaps or updates shadow pages of guest page tables written that way, an
 * external user (KVMGT) watches its pages. Neither matters while the VM
 * has no indirect shadow pages and no external user, which is what a
 * write made without the emulator needs. 6.1 lists the shadow MMU's own
 * notifier with the external ones; 6.12 keeps external users alone in
 * the list.
 *
 * Return: true when a write must go through the emulator.
 */
static inline bool iob_write_tracked(struct kvm *kvm)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	struct hlist_node *first;
#endif

	if (READ_ONCE(kvm->arch.indirect_shadow_pages))
		return true;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#ifdef CONFIG_KVM_EXTERNAL_WRITE_TRACKING
	return !hlist_empty(&kvm->arch.track_notifier_head.track_notifier_list);
#else
	return false;
#endif
#else
	first = READ_ONCE(kvm->arch.track_notifier_head.track_notifier_list.first);
	return first != &kvm->arch.mmu_sp_tracker.node ||
	       READ_ONCE(first->next);
#endif
}

/**
 * iob_lapic_hv_timer_in_use() - does the VMX preemption timer run the
 * vCPU's LAPIC timer
 * @vcpu: the vCPU
 *
 * 6.12 no longer exports kvm_lapic_hv_timer_in_use(): read the field it
 * reads, which 6.1 has too (struct kvm_timer, lapic.h).
 *
 * Return: true when it does.
 */
static inline bool iob_lapic_hv_timer_in_use(struct kvm_vcpu *vcpu)
{
	return lapic_in_kernel(vcpu) &&
	       vcpu->arch.apic->lapic_timer.hv_timer_in_use;
}

#endif /* KVM_IOBATCH_COMPAT_H */
