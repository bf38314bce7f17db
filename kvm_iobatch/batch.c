// SPDX-License-Identifier: GPL-2.0
/*
 * The PIO exit handler: stands in for kvm_fast_pio() (hook.c redirects it).
 *
 * 1. Look the guest's linear RIP up in the per-VM table.
 * 2. Hit: hash the recorded block's bytes; equal -> emulate the block.
 * 3. Miss or changed bytes: scan the extent from the IO instruction; two
 *    or more IO instructions in a straight-line run form a block. Store
 *    the result (also "no block here", so the next exit is cheap: such an
 *    entry is trusted without reading the guest, and checked every
 *    IOB_SINGLE_RECHECK hits).
 * 4. Emulate the block instruction by instruction with KVM's own emulator,
 *    from the very bytes that were hashed, in this one exit. The block
 *    ends early when an event becomes due, the emulator raises a fault or
 *    RIP goes anywhere but to the next instruction.
 * 5. An access that userspace must handle exits to userspace as usual;
 *    the block continues from the userspace completion, so the guest sees
 *    one exit while userspace sees every access, in order.
 */
#include <linux/module.h>
#include <linux/string.h>
#include <linux/xxhash.h>

#include "x86.h"	/* KVM private: X86EMUL_*, kvm_emulate_*() */
#include "iobatch.h"

static int iob_step(struct kvm_vcpu *vcpu, struct iob_vm *vm,
		    struct iob_vcpu *vs);

/* A "no block here" entry is checked against the guest bytes every Nth hit. */
#define IOB_SINGLE_RECHECK 16

/*
 * Runs first on KVM_RUN after a userspace exit in the middle of a block:
 * KVM's own completion (the IN's data) first, then the rest of the block.
 */
static int iob_complete_userspace_io(struct kvm_vcpu *vcpu)
{
	struct iob_vm *vm = iob_vm_find(vcpu->kvm);
	struct iob_vcpu *vs = vm ? xa_load(&vm->vcpus, vcpu->vcpu_idx) : NULL;
	int (*cui)(struct kvm_vcpu *vcpu);
	int r;

	if (WARN_ON_ONCE(!vs))
		return 1;
	cui = vs->saved_cui;
	vs->saved_cui = NULL;
	if (cui) {
		r = cui(vcpu);
		if (r <= 0) {
			vs->active = false;
			return r;
		}
	}
	if (!vs->active)
		return 1;
	/*
	 * KVM_RUN with immediate_exit: userspace wants the access completed
	 * and the guest not to run on (e.g. to save its state). The rest of
	 * the block then runs natively at the next KVM_RUN. Likewise when
	 * userspace started debugging the guest meanwhile.
	 */
	if (!vcpu->wants_to_run || !iob_guest_batchable(vcpu))
		goto cut;
	iob_count(vm, IOB_STAT_USER_RESUMES, 1);

	/*
	 * Userspace may have moved RIP or rewritten the code while it held
	 * the vCPU: then the rest of the block is not ours to run.
	 */
	if (kvm_get_linear_rip(vcpu) != vs->lin + vs->off)
		goto cut;
	{
		u8 now[IOB_MAX_INSN_LEN * 4];
		unsigned int left = vs->size - vs->off;
		unsigned int off = vs->off;

		while (left) {
			unsigned int n = min_t(unsigned int, left, sizeof(now));

			if (!iob_guest_read(vcpu, vs->lin + off, now, n) ||
			    memcmp(now, vs->buf + off, n))
				goto cut;
			off += n;
			left -= n;
		}
	}
	return iob_step(vcpu, vm, vs);
cut:
	vs->active = false;
	iob_count(vm, IOB_STAT_CUTS, 1);
	return 1;
}

/*
 * Emulate from vs->off to the end of the block. Return: 1 to re-enter the
 * guest, 0 to exit to userspace (our completion is then installed when the
 * block has more to do), < 0 on error, as KVM's exit handlers do.
 */
static int iob_step(struct kvm_vcpu *vcpu, struct iob_vm *vm,
		    struct iob_vcpu *vs)
{
	while (vs->off < vs->size) {
		struct iob_insn insn;
		u64 next;
		int len, r;

		if (vs->off && iob_guest_event_pending(vcpu))
			goto cut;
		len = iob_decode(vs->buf + vs->off, vs->size - vs->off,
				 vs->mode, &insn);
		if (len <= 0 || insn.kind < IOB_INSN_PLAIN)
			goto cut;	/* cannot happen: the scan said so */
		next = vs->lin + vs->off + len;

		r = kvm_emulate_instruction_from_buffer(vcpu, vs->buf + vs->off,
							len);
		iob_count(vm, IOB_STAT_INSNS, 1);
		if (insn.kind == IOB_INSN_IO) {
			iob_count(vm, IOB_STAT_IO_BATCHED, 1);
			if (vs->off)
				iob_count(vm, IOB_STAT_EXITS_SAVED, 1);
		}
		vs->off += len;

		if (r <= 0) {
			/*
			 * Userspace handles this access. An OUT has retired
			 * (RIP is past it); an IN retires in KVM's completion.
			 */
			if (r == 0 && vcpu->run->exit_reason == KVM_EXIT_IO &&
			    vs->off < vs->size) {
				vs->saved_cui = vcpu->arch.complete_userspace_io;
				vcpu->arch.complete_userspace_io =
					iob_complete_userspace_io;
				return 0;
			}
			vs->active = false;
			return r;
		}
		/* A fault was injected, or the emulator went elsewhere. */
		if (kvm_get_linear_rip(vcpu) != next)
			goto cut;
	}
	vs->active = false;
	return 1;
cut:
	vs->active = false;
	iob_count(vm, IOB_STAT_CUTS, 1);
	return 1;
}

/*
 * Scan the extent at w->lin, store what was found. Return: the block size
 * (>= 2 IO instructions found, bytes are in vs->buf) or 0.
 */
static unsigned int iob_scan(struct kvm_vcpu *vcpu, struct iob_vm *vm,
			     struct iob_vcpu *vs, const struct iob_key *key,
			     unsigned int avail)
{
	struct iob_entry e = { .key = *key, .avail = avail };
	struct iob_block blk;

	iob_count(vm, IOB_STAT_SCANS, 1);
	if (!iob_guest_read(vcpu, key->lin, vs->buf, avail)) {
		iob_count(vm, IOB_STAT_READ_FAULTS, 1);
		return 0;
	}
	/* The bytes may differ from what exited (another vCPU wrote them). */
	if (iob_scan_block(vs->buf, avail, key->mode,
			   READ_ONCE(iob_max_insns), &blk))
		return 0;

	if (blk.n_io >= 2) {
		e.size = blk.size;
		e.hashed = blk.size;
		e.n_io = blk.n_io;
		e.n_insns = blk.n_insns;
	} else {
		/* No block: remember the bytes that decided so. */
		e.hashed = min_t(unsigned int, avail,
				 blk.scanned + IOB_MAX_INSN_LEN);
		e.n_io = 1;
		e.n_insns = 1;
	}
	e.hash = xxh64(vs->buf, e.hashed, 0);
	iob_table_store(vm, &e);
	return e.size;
}

/*
 * Find the block at RIP: from the table when its hash still matches, else
 * by scanning. Return: block size with its bytes in vs->buf, or 0.
 */
static unsigned int iob_find_block(struct kvm_vcpu *vcpu, struct iob_vm *vm,
				   struct iob_vcpu *vs,
				   const struct iob_where *w,
				   unsigned int avail)
{
	struct iob_key key = { .lin = w->lin, .mode = w->mode };
	struct iob_entry e;

	if (iob_table_lookup(vm, &key, &e) && e.avail == avail) {
		/*
		 * "No block here" needs no proof on every exit: passing the
		 * exit to KVM is always correct. Code that has grown a block
		 * since is found at the next periodic recheck.
		 */
		if (!e.size && atomic64_read(&e.hits) % IOB_SINGLE_RECHECK)
			return 0;
		if (!iob_guest_read(vcpu, w->lin, vs->buf, e.hashed)) {
			iob_count(vm, IOB_STAT_READ_FAULTS, 1);
			return 0;
		}
		if (xxh64(vs->buf, e.hashed, 0) == e.hash) {
			iob_count(vm, IOB_STAT_HITS, 1);
			return e.size;
		}
		iob_count(vm, IOB_STAT_MISMATCHES, 1);
	}
	return iob_scan(vcpu, vm, vs, &key, avail);
}

/* Return: true when the exit was handled, its result in *ret. */
static bool iob_handle_pio(struct kvm_vcpu *vcpu, int *ret)
{
	struct iob_vcpu *vs;
	struct iob_where w;
	struct iob_vm *vm;
	unsigned int avail, size;

	vm = iob_vm_get(vcpu->kvm);
	if (!vm)
		return false;
	iob_count(vm, IOB_STAT_EXITS, 1);

	avail = iob_vm_extent(vm);
	if (!avail || !iob_guest_readable(vcpu) || !iob_guest_where(vcpu, &w))
		goto pass;
	avail = min(avail, w.avail);
	vs = iob_vcpu_get(vm, vcpu);
	if (!vs)
		goto pass;

	size = iob_find_block(vcpu, vm, vs, &w, avail);
	if (!size) {
		iob_count(vm, IOB_STAT_SINGLES, 1);
		goto pass;
	}
	if (!iob_guest_batchable(vcpu))
		goto pass;
	iob_count(vm, IOB_STAT_BLOCKS, 1);
	vs->active = true;
	vs->mode = w.mode;
	vs->lin = w.lin;
	vs->off = 0;
	vs->size = size;
	vs->saved_cui = NULL;
	*ret = iob_step(vcpu, vm, vs);
	return true;
pass:
	iob_count(vm, IOB_STAT_PASSED, 1);
	return false;
}

/**
 * iob_fast_pio() - stands in for KVM's kvm_fast_pio()
 * @vcpu: the vCPU in a non-string IN/OUT exit
 * @size: access size
 * @port: port
 * @in: 1 for IN
 *
 * hook.c took a module reference for this call; it is dropped here.
 *
 * Return: as kvm_fast_pio(): 1 to re-enter the guest, 0 to exit to
 * userspace.
 */
int iob_fast_pio(struct kvm_vcpu *vcpu, int size, unsigned short port, int in)
{
	int r;

	/* Else stock KVM; hook.c does not redirect calls made from here. */
	if (!iob_handle_pio(vcpu, &r))
		r = kvm_fast_pio(vcpu, size, port, in);
	module_put(THIS_MODULE);
	return r;
}
