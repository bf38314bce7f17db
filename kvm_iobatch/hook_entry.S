/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two instructions' worth of glue between kvm_fast_pio()'s ftrace
 * site and iob_fast_pio() (hook.c registers iob_pio_entry as the site's
 * direct call, the way BPF trampolines attach).
 *
 * The site calls iob_pio_entry before kvm_fast_pio()'s first instruction,
 * with every argument register as KVM's caller set it:
 *
 *	0(%rsp)  return into kvm_fast_pio(), past the site
 *	8(%rsp)  return into KVM's caller (svm/vmx io_interception())
 *
 * A call from this module (iob_stock_fast_pio(), the one place the module
 * runs stock KVM's handler) goes on into kvm_fast_pio(). Any other drops
 * the return into kvm_fast_pio() and jumps to iob_fast_pio(), which then
 * returns to KVM's caller in kvm_fast_pio()'s place. Nothing else is
 * saved or restored: the argument registers are untouched and %r11 is
 * free at a function's entry in the x86-64 ABI.
 *
 * Return-stack accounting (call depth tracking on 6.12): the site's call
 * into this code is not accounted by a call thunk, so the path that
 * returns from here accounts it first; the other path never returns from
 * here, and iob_fast_pio()'s return stands for kvm_fast_pio()'s.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

	.text

SYM_FUNC_START(iob_pio_entry)
	leaq	.Liob_stock_ret(%rip), %r11
	cmpq	%r11, 8(%rsp)
	je	.Liob_go_on
	addq	$8, %rsp
	/* Now as at a function's entry: 0(%rsp) returns to KVM's caller */
	UNWIND_HINT_FUNC
	jmp	iob_fast_pio
.Liob_go_on:
#ifdef CONFIG_MITIGATION_CALL_DEPTH_TRACKING
	CALL_DEPTH_ACCOUNT
#endif
	RET
SYM_FUNC_END(iob_pio_entry)

/*
 * int iob_stock_fast_pio(struct kvm_vcpu *vcpu, int size,
 *			  unsigned short port, int in): stock kvm_fast_pio(),
 * which iob_pio_entry knows by this call's return address.
 */
SYM_FUNC_START(iob_stock_fast_pio)
	call	kvm_fast_pio
.Liob_stock_ret:
	RET
SYM_FUNC_END(iob_stock_fast_pio)

/*
 * The direct call at the entry of each KVM function through which
 * userspace changes a vCPU's registers, segments or mode (hook.c,
 * iob_vcpu_writers): count it, nothing else. RFLAGS is not live at a
 * function's entry.
 */
SYM_FUNC_START(iob_vcpu_write_entry)
	lock incq iob_vcpu_writes(%rip)
#ifdef CONFIG_MITIGATION_CALL_DEPTH_TRACKING
	CALL_DEPTH_ACCOUNT
#endif
	RET
SYM_FUNC_END(iob_vcpu_write_entry)
