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
 * 4. Run the block in this one exit (exec.c), from the very bytes that
 *    were hashed. It ends early when an event becomes due, a fault is
 *    raised or RIP goes anywhere but to the next instruction.
 * 5. An access that userspace must handle exits to userspace as usual;
 *    the block continues from the userspace completion (resume.c), so the
 *    guest sees one exit while userspace sees every access, in order.
 */
#include <linux/module.h>
#include <linux/string.h>
#include <linux/xxhash.h>

#include "x86.h"	/* KVM private: X86EMUL_*, kvm_emulate_*() */
#include "iobatch.h"

/* A "no block here" entry is checked against the guest bytes every Nth hit. */
#define IOB_SINGLE_RECHECK 16
/*
 * Exits a vCPU passes to KVM without a lookup when it exits again at the
 * RIP where it last found no block (struct iob_vcpu, memo_*).
 */
#define IOB_SINGLE_MEMO 15

/*
 * Scan the extent at key->lin, store what was found in the table and in
 * *@e. Return: the block size (>= 2 IO instructions found, bytes are in
 * vs->buf) or 0.
 */
static unsigned int iob_scan(struct kvm_vcpu *vcpu, struct iob_vm *vm,
			     struct iob_vcpu *vs, const struct iob_key *key,
			     unsigned int avail, unsigned int max_insns,
			     struct iob_entry *e)
{
	struct iob_block blk;

	memset(e, 0, sizeof(*e));
	e->key = *key;
	e->avail = avail;
	e->max_insns = max_insns;
	iob_count(vm, IOB_STAT_SCANS, 1);
	if (!iob_guest_read(vcpu, key->lin, vs->buf, avail)) {
		iob_count(vm, IOB_STAT_READ_FAULTS, 1);
		return 0;
	}
	/* The bytes may differ from what exited (another vCPU wrote them). */
	if (iob_scan_block(vs->buf, avail, key->mode, max_insns, &blk))
		return 0;

	if (blk.n_io >= 2) {
		e->size = blk.size;
		e->hashed = blk.size;
		e->n_io = blk.n_io;
		e->n_insns = blk.n_insns;
	} else {
		/* No block: remember the bytes that decided so. */
		e->hashed = min_t(unsigned int, avail,
				  blk.scanned + IOB_MAX_INSN_LEN);
		e->n_io = 1;
		e->n_insns = 1;
	}
	e->hash = xxh64(vs->buf, e->hashed, 0);
	iob_table_store(vm, e);
	return e->size;
}

/* Keep the block @e as the vCPU's last one (see struct iob_vcpu). */
static void iob_remember_block(struct iob_vcpu *vs, const struct iob_entry *e)
{
	vs->last_lin = e->key.lin;
	vs->last_mode = e->key.mode;
	vs->last_hash = e->hash;
	vs->last_hashed = e->hashed;
	vs->last_avail = e->avail;
	vs->last_size = e->size;
	vs->last_max_insns = e->max_insns;
}

/*
 * The vCPU's last block, if it is the one at @key: a loop exits at the
 * same block again and again, and this skips the table lookup (the guest
 * bytes are still read and hashed).
 */
static bool iob_last_block(const struct iob_vcpu *vs,
			   const struct iob_key *key, struct iob_entry *e)
{
	if (!vs->last_size || vs->last_lin != key->lin ||
	    vs->last_mode != key->mode)
		return false;
	e->key = *key;
	e->hash = vs->last_hash;
	e->hashed = vs->last_hashed;
	e->avail = vs->last_avail;
	e->size = vs->last_size;
	e->max_insns = vs->last_max_insns;
	return true;
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
	unsigned int max_insns = READ_ONCE(iob_max_insns);
	struct iob_key key = { .lin = w->lin, .mode = w->mode };
	struct iob_entry e;

	/* An entry scanned under other knobs is stale: they bind it too. */
	if ((iob_last_block(vs, &key, &e) ||
	     iob_table_lookup(vm, &key, &e)) &&
	    e.avail == avail && e.max_insns == max_insns) {
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
			if (e.size)
				iob_remember_block(vs, &e);
			return e.size;
		}
		iob_count(vm, IOB_STAT_MISMATCHES, 1);
	}
	vs->last_size = 0;
	if (!iob_scan(vcpu, vm, vs, &key, avail, max_insns, &e))
		return 0;
	iob_remember_block(vs, &e);
	return e.size;
}

/* Is the block's first instruction the one that exited? */
static bool iob_first_is_exit(const struct iob_vcpu *vs, unsigned int size,
			      int io_size, u16 port, int in)
{
	struct iob_insn insn;

	return iob_decode(vs->buf, size, vs->mode, &insn) > 0 &&
	       insn.kind == IOB_INSN_IO && insn.io_size == io_size &&
	       insn.io_in == !!in && (insn.io_dx || insn.io_port == port);
}

/* Return: true when the exit was handled, its result in *ret. */
static bool iob_handle_pio(struct kvm_vcpu *vcpu, int io_size, u16 port,
			   int in, int *ret)
{
	struct iob_vcpu *vs;
	struct iob_where w;
	struct iob_vm *vm;
	unsigned int avail, size;

	vm = iob_vm_get(vcpu->kvm);
	if (!vm)
		return false;
	iob_count(vm, IOB_STAT_EXITS, 1);

	/*
	 * An IO instruction that runs alone exits again and again at the
	 * same RIP (a polling loop, a device with one port). Passing it to
	 * KVM is always correct, so the vCPU's memo of "no block at this
	 * RIP" is trusted for IOB_SINGLE_MEMO exits without locating the
	 * vCPU or looking the table up; a code change there is noticed at
	 * the next lookup. Keyed by RIP alone: another CS base at the same
	 * RIP can only cost a missed block, for a few exits.
	 */
	vs = iob_vcpu_find(vm, vcpu);
	if (vs && vs->memo_left && vs->memo_rip == kvm_rip_read(vcpu)) {
		vs->memo_left--;
		iob_count(vm, IOB_STAT_SINGLES, 1);
		goto pass;
	}

	avail = iob_vm_extent(vm);
	if (!avail || !iob_guest_readable(vcpu) || !iob_guest_where(vcpu, &w))
		goto pass;
	avail = min(avail, w.avail);
	if (!vs)
		vs = iob_vcpu_get(vm, vcpu);
	if (!vs)
		goto pass;

	size = iob_find_block(vcpu, vm, vs, &w, avail);
	if (!size) {
		vs->memo_rip = kvm_rip_read(vcpu);
		vs->memo_left = IOB_SINGLE_MEMO;
		iob_count(vm, IOB_STAT_SINGLES, 1);
		goto pass;
	}
	vs->memo_left = 0;
	vs->mode = w.mode;
	/* Another vCPU may have rewritten the code since it exited. */
	if (!iob_guest_batchable(vcpu) ||
	    !iob_first_is_exit(vs, size, io_size, port, in))
		goto pass;
	iob_count(vm, IOB_STAT_BLOCKS, 1);
	vs->active = true;
	vs->lin = w.lin;
	vs->off = 0;
	vs->ahead_off = 0;
	vs->size = size;
	vs->pending = IOB_PENDING_NONE;
	vs->saved_cui = NULL;
	*ret = iob_exec_block(vcpu, vm, vs, false);
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
 * Called through hook.c's redirect (which holds the module reference).
 *
 * Return: as kvm_fast_pio(): 1 to re-enter the guest, 0 to exit to
 * userspace.
 */
int iob_fast_pio(struct kvm_vcpu *vcpu, int size, unsigned short port, int in)
{
	int r;

	/* Else stock KVM; hook.c does not redirect calls made from here. */
	if (!iob_handle_pio(vcpu, size, port, in, &r))
		r = kvm_fast_pio(vcpu, size, port, in);
	return r;
}
