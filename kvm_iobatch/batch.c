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
#define IOB_SINGLE_MEMO 255
/*
 * Exits a vCPU passes to KVM in code that changed at two lookups in a row
 * (struct iob_vcpu, backoff_*): a rescan costs more than the exits a
 * block there would save.
 */
#define IOB_BACKOFF 255
/*
 * Of those, at most this many at once through the memo (its IO
 * instructions take turns there): each grant is taken from the back-off,
 * so the back-off ends after IOB_BACKOFF exits, memo and all.
 */
#define IOB_BACKOFF_MEMO 15
/*
 * A block run from the vCPU's kept copy (struct iob_code) is not looked
 * up in the table: every Nth such run marks its entry for CLOCK instead.
 */
#define IOB_KEPT_MARK 16

/* iob_handle_pio(): not an exit handler's return value (1, 0, -errno) */
#define IOB_PASS 2

/*
 * Trace mode: scan the window [lin - back, lin + avail) for a trace and
 * rebase it to the bytes it runs. Return: 0 with a trace worth running in
 * @d and its bytes at vs->code->buf; else -1, with @d->hashed covering the window.
 */
static int iob_scan_window(struct iob_vcpu *vs, unsigned int back,
			   unsigned int avail, unsigned int max_insns,
			   struct iob_desc *d)
{
	struct iob_trace *t = &d->map;
	unsigned int n = back + avail;

	d->trace = true;
	d->back = back;
	d->hashed = n;
	if (iob_scan_trace(vs->code->buf, n, back, d->key.mode, max_insns,
			   &vs->work, t)) {
		d->n_io = t->n_io ? 1 : 0;
		d->n_insns = d->n_io;
		return -1;
	}
	d->back = back - t->lo;
	d->size = t->hi - t->lo;
	d->hashed = d->size;
	d->n_io = t->n_io;
	d->n_insns = t->n_insns;
	if (t->lo)
		memmove(vs->code->buf, vs->code->buf + t->lo, d->size);
	t->hi = d->size;
	t->lo = 0;
	return 0;
}

/* Straight-line mode: the block that starts at vs->code->buf. */
static void iob_scan_line(struct iob_vcpu *vs, unsigned int avail,
			  unsigned int max_insns, struct iob_desc *d)
{
	struct iob_block blk;

	/* The bytes may differ from what exited (another vCPU wrote them). */
	if (iob_scan_block(vs->code->buf, avail, d->key.mode, max_insns, &blk))
		return;
	if (blk.n_io >= 2) {
		d->size = blk.size;
		d->hashed = blk.size;
		d->n_io = blk.n_io;
		d->n_insns = blk.n_insns;
	} else {
		/* No block: remember the bytes that decided so. */
		d->hashed = min_t(unsigned int, avail,
				  blk.scanned + IOB_MAX_INSN_LEN);
		d->n_io = 1;
		d->n_insns = 1;
	}
}

/*
 * Scan at key->lin (with @back bytes before it in trace mode), store what
 * was found in the table and in *@d. Return: the block size (bytes are
 * in vs->code->buf) or 0.
 */
static unsigned int iob_scan(struct kvm_vcpu *vcpu, struct iob_vm *vm,
			     struct iob_vcpu *vs, const struct iob_key *key,
			     unsigned int back, unsigned int avail,
			     unsigned int max_insns, struct iob_desc *d)
{
	bool trace = READ_ONCE(iob_trace);

	memset(d, 0, sizeof(*d));
	d->key = *key;
	d->avail = avail;
	d->max_insns = max_insns;
	if (trace) {
		back = min_t(unsigned int, back, IOB_TRACE_MAX / 2);
		avail = min(avail, IOB_TRACE_MAX - back);
	} else {
		back = 0;
	}
	iob_count(vm, IOB_STAT_SCANS, 1);
	vs->code->held = false;
	if (!iob_guest_read(vcpu, key->lin - back, vs->code->buf,
			    back + avail)) {
		iob_count(vm, IOB_STAT_READ_FAULTS, 1);
		return 0;
	}
	if (trace)
		iob_scan_window(vs, back, avail, max_insns, d);
	else
		iob_scan_line(vs, avail, max_insns, d);
	d->hash = xxh64(vs->code->buf, d->hashed, 0);
	iob_table_store(vm, d);
	return d->size;
}

/*
 * Self-modifying code: did the code at @key change again, at the second
 * lookup in a row that found it changed? Then its block is left to KVM
 * for the next IOB_BACKOFF exits there, and looked at again after them.
 */
static bool iob_changed_again(struct iob_vcpu *vs, const struct iob_key *key)
{
	if (vs->unstable_lin == key->lin)
		return ++vs->unstable_n >= 2;
	vs->unstable_lin = key->lin;
	vs->unstable_n = 1;
	return false;
}

/*
 * Is @d the block that @c still holds, and are the guest's bytes there
 * still those? Then the block runs from @c's copy as it is, with the
 * decodes of its last run: a loop that exits at the same trace again and
 * again decodes it once. Equal bytes, not an equal hash, keep the
 * decodes; the bytes are compared in place where there is no paging.
 */
static bool iob_code_holds(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			   struct iob_code *c, const struct iob_desc *d)
{
	if (!c->held || !d->size || c->lin != d->key.lin - d->back ||
	    c->mode != d->key.mode || c->size != d->size || c->hash != d->hash)
		return false;
	vs->lin = c->lin;
	vs->size = c->size;
	return iob_block_unchanged(vcpu, vs, 0);
}

/*
 * The vCPU's recent block at @key, else the one to replace: the least
 * recently run (never the last one, vs->code; *@found false).
 */
static struct iob_code *iob_code_at(struct iob_vcpu *vs,
				    const struct iob_key *key, bool *found)
{
	struct iob_code *c, *lru = vs->codes;

	for (c = vs->codes; c < vs->codes + IOB_CODES; c++) {
		if (c->last.size && c->last.key.lin == key->lin &&
		    c->last.key.mode == key->mode) {
			*found = true;
			return c;
		}
		if (c->used < lru->used)
			lru = c;
	}
	*found = false;
	return lru;
}

/*
 * Find the block at RIP: from the table when its hash still matches, else
 * by scanning. Return: block size with its bytes in vs->code->buf and its
 * description in vs->code->last (*@kept: with the decodes of that copy's
 * last run, iob_code_holds()), or 0 (vs->code as it was).
 */
static unsigned int iob_find_block(struct kvm_vcpu *vcpu, struct iob_vm *vm,
				   struct iob_vcpu *vs,
				   const struct iob_where *w,
				   unsigned int avail, bool *kept)
{
	unsigned int max_insns = READ_ONCE(iob_max_insns);
	struct iob_key key = { .lin = w->lin, .mode = w->mode };
	struct iob_code *c, *prev = vs->code;
	struct iob_desc tmp, *d;
	bool unstable = false, found;
	u64 hits = 1;

	/*
	 * The vCPU's recent blocks first: a loop exits at the same block or
	 * two again and again, and this skips the table lookup (the guest
	 * bytes are still compared, or read and hashed). An entry scanned
	 * under other knobs is stale: they bind it too. Only a block takes
	 * a place there: a lone IO instruction between two blocks (found in
	 * the table, or scanned into @tmp) leaves both.
	 */
	c = iob_code_at(vs, &key, &found);
	vs->code = c;	/* whose bytes a read or a scan below replaces */
	d = found ? &c->last : &tmp;
	if ((found || iob_table_lookup(vm, &key, d, &hits)) &&
	    d->avail == avail && d->max_insns == max_insns &&
	    d->trace == READ_ONCE(iob_trace) && d->back <= w->back) {
		/*
		 * "No block here" needs no proof on every exit: passing the
		 * exit to KVM is always correct. Code that has grown a block
		 * since is found at the next periodic recheck.
		 */
		if (!d->size && hits % IOB_SINGLE_RECHECK)
			goto none;
		if (iob_code_holds(vcpu, vs, c, d)) {
			/*
			 * The same bytes, found for another exit of them
			 * (another map): fold.c's verdicts start afresh
			 */
			if (!found)
				c->dc_nofold = 0;
			/*
			 * else no table lookup marked its entry: a full
			 * table would evict this hot block before cold ones
			 */
			else if (!(++c->kept_runs % IOB_KEPT_MARK))
				iob_table_mark(vm, &key);
			iob_count(vm, IOB_STAT_HITS, 1);
			iob_count(vm, IOB_STAT_CODE_KEPT, 1);
			if (vs->unstable_lin == key.lin)
				vs->unstable_n = 0;
			*kept = true;
			goto block;
		}
		c->held = false;
		if (!iob_guest_read(vcpu, w->lin - d->back, c->buf,
				    d->hashed)) {
			iob_count(vm, IOB_STAT_READ_FAULTS, 1);
			goto none;
		}
		if (xxh64(c->buf, d->hashed, 0) == d->hash) {
			iob_count(vm, IOB_STAT_HITS, 1);
			if (vs->unstable_lin == key.lin)
				vs->unstable_n = 0;
			if (!d->size)
				goto none;
			goto block;
		}
		iob_count(vm, IOB_STAT_MISMATCHES, 1);
		unstable = iob_changed_again(vs, &key);
	}
	/* Scanned all the same: the table learns the code as it is now */
	if (iob_scan(vcpu, vm, vs, &key, w->back, avail, max_insns, d) &&
	    !unstable)
		goto block;
	if (unstable) {
		/* All of it: its other IO instructions exit there too */
		vs->backoff_rip = kvm_rip_read(vcpu) - d->back;
		vs->backoff_len = d->hashed;
		vs->backoff_left = IOB_BACKOFF;
	}
none:
	d->size = 0;
	vs->code = prev;
	return 0;
block:
	if (d != &c->last)
		c->last = *d;
	c->used = ++vs->code_clock;
	return d->size;
}

/* Is the instruction at vs->off the one that exited? */
static bool iob_first_is_exit(struct iob_vcpu *vs, int io_size,
			      u16 port, int in)
{
	struct iob_insn insn;

	return iob_decode_at(vs, vs->off, &insn) > 0 &&
	       insn.kind == IOB_INSN_IO && insn.io_size == io_size &&
	       insn.io_in == !!in && (insn.io_dx || insn.io_port == port);
}

/*
 * An IO instruction that runs alone exits again and again at the same RIP
 * (a polling loop, a device with one port; two of them take turns in a
 * loop that reads one port and writes another). Passing it to KVM is
 * always correct, so the vCPU's memo of "no block at this RIP", two RIPs
 * deep, is trusted for IOB_SINGLE_MEMO exits without locating the
 * instruction or looking the table up; a code change there is noticed
 * at the next lookup. Blocks run in between leave it as it is: firmware
 * takes turns between blocks and a lone IO instruction (SeaVGABIOS's
 * teletype reads port 0x3cc alone once per character, between two
 * blocks). Keyed by RIP alone: another CS base at the same
 * RIP can only cost a missed block, for a few exits. One counter stands
 * for the exit, the single and the pass (iob_vm_stat()).
 */
static __always_inline bool iob_memo_take(struct iob_memo *m,
					  unsigned long rip)
{
	if (!m->left || m->rip != rip)
		return false;
	m->left--;
	return true;
}

/* Return: the memo of @vcpu's state @vs that holds for @rip, or NULL */
static __always_inline struct iob_memo *iob_memo_holds(struct iob_vcpu *vs,
						       unsigned long rip)
{
	struct iob_memo *m;

	if (!vs)
		return NULL;
	m = &vs->memo[0];
	if (!iob_memo_take(m, rip)) {
		m = &vs->memo[1];
		if (!iob_memo_take(m, rip))
			return NULL;
	}
	iob_count(vs->vm, IOB_STAT_MEMO, 1);
	return m;
}

/*
 * The exit the memo @m passed: KVM's when an in-kernel device took the
 * last IN there (single.c; a call and a return fewer than asking it).
 */
static __always_inline int iob_memo_pass(struct kvm_vcpu *vcpu,
					 struct iob_vcpu *vs,
					 struct iob_memo *m, int size,
					 unsigned short port, int in)
{
	/* hook_entry.S does not redirect this call */
	if (m->to_kvm)
		return iob_stock_fast_pio(vcpu, size, port, in);
	return iob_single_pio(vcpu, vs, m, size, port, in);
}

/* Remember @rip for @n exits; the older of the two goes. */
static void iob_memo_set(struct iob_vcpu *vs, unsigned long rip,
			 unsigned int n)
{
	if (vs->memo[0].rip != rip)
		vs->memo[1] = vs->memo[0];
	vs->memo[0].rip = rip;
	vs->memo[0].left = n;
	vs->memo[0].to_kvm = false;
}

/*
 * Is the exit in code under back-off (iob_find_block())? Then it is
 * passed to KVM, and so are the next few there, through the memo.
 */
static bool iob_backoff_take(struct kvm_vcpu *vcpu, struct iob_vm *vm,
			     struct iob_vcpu *vs)
{
	unsigned int n;

	if (!vs->backoff_left ||
	    kvm_rip_read(vcpu) - vs->backoff_rip >= vs->backoff_len)
		return false;
	n = min_t(unsigned int, vs->backoff_left - 1, IOB_BACKOFF_MEMO);
	vs->backoff_left -= 1 + n;
	iob_memo_set(vs, kvm_rip_read(vcpu), n);
	iob_count(vm, IOB_STAT_BACKOFF, 1);
	return true;
}

/*
 * Everything but the memo. Out of line: its frame and stack canary
 * (struct iob_where) cost every exit the memo passes on otherwise.
 * Return: as an exit handler, or IOB_PASS when the exit is KVM's.
 */
static noinline int iob_handle_pio(struct kvm_vcpu *vcpu, struct iob_vm *vm,
				   struct iob_vcpu *vs, int io_size,
				   u16 port, int in)
{
	struct iob_where w;
	unsigned int avail, size;
	struct iob_code *c;
	bool kept = false;

	if (vs && iob_backoff_take(vcpu, vm, vs))
		return IOB_PASS;
	avail = iob_vm_extent(vm);
	if (!avail || !iob_guest_readable(vcpu) || !iob_guest_where(vcpu, &w))
		return IOB_PASS;
	w.back = min(w.back, avail);	/* the extent bounds both sides */
	avail = min(avail, w.avail);
	if (!vs)
		vs = iob_vcpu_get(vm, vcpu);
	if (!vs)
		return IOB_PASS;
	/* The guest ran: it may have changed its translations */
	vs->xl_ok = false;

	size = iob_find_block(vcpu, vm, vs, &w, avail, &kept);
	/* A back-off that starts here passes this exit, not the single memo */
	if (!size && iob_backoff_take(vcpu, vm, vs))
		return IOB_PASS;
	if (!size) {
		iob_memo_set(vs, kvm_rip_read(vcpu), IOB_SINGLE_MEMO);
		iob_count(vm, IOB_STAT_SINGLES, 1);
		return IOB_PASS;
	}
	c = vs->code;
	vs->mode = w.mode;
	vs->lin = w.lin - c->last.back;
	vs->off = c->last.back;
	vs->size = size;
	if (!kept) {
		c->dc_valid = 0;	/* c->buf was filled anew */
		c->hash = c->last.hash;
		c->lin = vs->lin;
		c->mode = vs->mode;
		c->size = size;
		c->held = true;
	}
	/*
	 * An event due before the block's second instruction ends it there:
	 * a block cut at its first boundary, counted as such.
	 */
	if (!iob_guest_batchable(vcpu)) {
		if (iob_guest_event_pending(vcpu))
			iob_count(vm, IOB_STAT_CUTS, 1);
		return IOB_PASS;
	}
	/* Another vCPU may have rewritten the code since it exited. */
	if (!iob_first_is_exit(vs, io_size, port, in))
		return IOB_PASS;
	iob_count(vm, IOB_STAT_BLOCKS, 1);
	vs->trace = c->last.trace;
	if (vs->trace)
		iob_count(vm, IOB_STAT_TRACES, 1);
	vs->rip0 = kvm_rip_read(vcpu) - vs->off;
	vs->n_run = 0;
	vs->since_io = 0;
	vs->active = true;
	vs->pending = IOB_PENDING_NONE;
	vs->saved_cui = NULL;
	return iob_exec_block(vcpu, vm, vs, false);
}

/*
 * The exit when the memo did not pass it, with the vCPU's state @vs (may
 * be NULL: iob_handle_pio() creates it). Out of line, so that the memo
 * path needs no stack frame.
 */
static noinline int iob_fast_pio_vm(struct kvm_vcpu *vcpu, struct iob_vm *vm,
				    struct iob_vcpu *vs, int size,
				    unsigned short port, int in)
{
	int r;

	iob_count(vm, IOB_STAT_EXITS, 1);
	r = iob_handle_pio(vcpu, vm, vs, size, port, in);
	if (r != IOB_PASS)
		return r;
	iob_count(vm, IOB_STAT_PASSED, 1);
	/* hook_entry.S does not redirect this call */
	return iob_stock_fast_pio(vcpu, size, port, in);
}

/*
 * The exit when this CPU's last PIO exit was another vCPU's (@vs NULL:
 * the VM and the vCPU's state from the registry), or when KVM has not
 * read RIP yet (VMX). Out of line, as above.
 */
static noinline int iob_fast_pio_slow(struct kvm_vcpu *vcpu,
				      struct iob_vcpu *vs, int size,
				      unsigned short port, int in)
{
	struct iob_memo *m;
	struct iob_vm *vm;

	if (vs) {
		vm = vs->vm;
	} else {
		vm = iob_vm_get(vcpu->kvm);
		if (!vm)
			return iob_stock_fast_pio(vcpu, size, port, in);
		vs = iob_vcpu_find_here(vm, vcpu);
	}
	m = iob_memo_holds(vs, kvm_rip_read(vcpu));
	if (m)
		return iob_memo_pass(vcpu, vs, m, size, port, in);
	return iob_fast_pio_vm(vcpu, vm, vs, size, port, in);
}

/**
 * iob_fast_pio() - stands in for KVM's kvm_fast_pio()
 * @vcpu: the vCPU in a non-string IN/OUT exit
 * @size: access size
 * @port: port
 * @in: 1 for IN
 *
 * Called through hook.c's redirect (no module reference: hook.c says why
 * none is needed).
 *
 * Return: as kvm_fast_pio(): 1 to re-enter the guest, 0 to exit to
 * userspace.
 */
int iob_fast_pio(struct kvm_vcpu *vcpu, int size, unsigned short port, int in)
{
	struct iob_vcpu *vs = iob_vcpu_here(vcpu);
	struct iob_memo *m;

	/*
	 * The state this CPU last used: no registry lookup, its memo first.
	 * RIP as KVM has it after an SVM exit: no call (which would give
	 * this path a stack frame, about 8 instructions of an exit that
	 * costs KVM about 1,800).
	 */
	if (unlikely(!vs || !kvm_register_is_available(vcpu, VCPU_REGS_RIP)))
		return iob_fast_pio_slow(vcpu, vs, size, port, in);
	m = iob_memo_holds(vs, vcpu->arch.regs[VCPU_REGS_RIP]);
	if (m)
		return iob_memo_pass(vcpu, vs, m, size, port, in);
	return iob_fast_pio_vm(vcpu, vs->vm, vs, size, port, in);
}
