// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM block table: an rhashtable keyed by (guest linear RIP, code size),
 * holding the xxh64 of the block bytes, the block size and hit counters.
 *
 * Readers run under RCU from any vCPU of the VM; writers replace whole
 * entries (never edit one in place), so a reader always sees a consistent
 * (hash, size) pair.
 *
 * The table holds at most iob_max_entries entries. A full table replaces
 * an entry by CLOCK (second chance): entries sit on a list in insertion
 * order; a lookup hit (or every 16th run of a block from a vCPU's copy,
 * which needs no lookup) only marks its entry referenced (no lock, no list
 * move, so the exit path stays as cheap as without replacement); a store
 * into a full table takes the oldest entry not referenced since the hand
 * last passed it, clearing marks on the way. IO sites a guest runs often
 * stay; one-off sites (boot code) go first. Stores run on the scan path
 * only, under the per-VM table lock; lowering max_entries shrinks every
 * table at once the same way.
 */
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "iobatch.h"

static const struct rhashtable_params iob_table_params = {
	.key_len = sizeof(struct iob_key),
	.key_offset = offsetof(struct iob_entry, desc.key),
	.head_offset = offsetof(struct iob_entry, node),
	.automatic_shrinking = true,
};

/**
 * iob_table_init() - set up an empty table
 * @vm: the VM
 *
 * Return: 0 or -ENOMEM.
 */
int iob_table_init(struct iob_vm *vm)
{
	spin_lock_init(&vm->table_lock);
	INIT_LIST_HEAD(&vm->clock);
	vm->n_entries = 0;
	return rhashtable_init(&vm->table, &iob_table_params);
}

static void iob_entry_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/**
 * iob_table_destroy() - free the table and every entry
 * @vm: the VM, no longer reachable by any vCPU
 */
void iob_table_destroy(struct iob_vm *vm)
{
	rhashtable_free_and_destroy(&vm->table, iob_entry_free, NULL);
	INIT_LIST_HEAD(&vm->clock);
	vm->n_entries = 0;
}

/* A hit: CLOCK gives @e a second chance (one store at most per pass). */
static void iob_entry_mark(struct iob_entry *e)
{
	if (!READ_ONCE(e->referenced))
		WRITE_ONCE(e->referenced, true);
}

/**
 * iob_table_lookup() - find the entry for @key and count a hit
 * @vm: the VM
 * @key: linear RIP and mode
 * @copy: the entry's block is copied here
 * @hits: the entry's hit count, including this one
 *
 * Return: true when found.
 */
bool iob_table_lookup(struct iob_vm *vm, const struct iob_key *key,
		      struct iob_desc *copy, u64 *hits)
{
	struct iob_entry *e;

	rcu_read_lock();
	e = rhashtable_lookup(&vm->table, key, iob_table_params);
	if (e) {
		*hits = atomic64_inc_return(&e->hits);
		*copy = e->desc;
		iob_entry_mark(e);
	}
	rcu_read_unlock();
	return e;
}

/**
 * iob_table_mark() - mark the entry for @key referenced, as a hit does
 * @vm: the VM
 * @key: linear RIP and mode
 *
 * For a block that ran without a lookup (batch.c, the vCPU's kept
 * blocks): CLOCK then sees it as used.
 */
void iob_table_mark(struct iob_vm *vm, const struct iob_key *key)
{
	struct iob_entry *e;

	rcu_read_lock();
	e = rhashtable_lookup(&vm->table, key, iob_table_params);
	if (e)
		iob_entry_mark(e);
	rcu_read_unlock();
}

/* Under table_lock: take @e out of the table, free it after readers. */
static void iob_table_unlink(struct iob_vm *vm, struct iob_entry *e)
{
	lockdep_assert_held(&vm->table_lock);
	rhashtable_remove_fast(&vm->table, &e->node, iob_table_params);
	list_del(&e->clock_node);
	WRITE_ONCE(vm->n_entries, vm->n_entries - 1);
	kfree_rcu(e, rcu);
}

/*
 * Under table_lock: evict one entry by CLOCK. Two passes at most: after
 * one, every mark is cleared.
 */
static void iob_table_evict_one(struct iob_vm *vm)
{
	unsigned int budget = 2 * vm->n_entries;
	struct iob_entry *e;

	lockdep_assert_held(&vm->table_lock);
	while (!list_empty(&vm->clock)) {
		e = list_first_entry(&vm->clock, struct iob_entry, clock_node);
		if (READ_ONCE(e->referenced) && budget--) {
			WRITE_ONCE(e->referenced, false);
			list_move_tail(&e->clock_node, &vm->clock);
			continue;
		}
		iob_table_unlink(vm, e);
		return;
	}
}

/**
 * iob_table_trim() - evict entries until the table obeys a bound
 * @vm: the VM
 * @max: entries it may keep
 */
void iob_table_trim(struct iob_vm *vm, unsigned int max)
{
	spin_lock(&vm->table_lock);
	while (vm->n_entries > max)
		iob_table_evict_one(vm);
	spin_unlock(&vm->table_lock);
}

/**
 * iob_table_store() - insert or replace the entry for @desc->key
 * @vm: the VM
 * @desc: the block
 *
 * A full table makes room by CLOCK (see above); with max_entries 0, or
 * without memory, the entry is dropped: the next exit at that RIP scans
 * again, which is slower but still correct.
 */
void iob_table_store(struct iob_vm *vm, const struct iob_desc *desc)
{
	unsigned int max = READ_ONCE(iob_max_entries);
	struct iob_entry *e, *old;

	if (!max) {
		iob_count(vm, IOB_STAT_TABLE_FULL, 1);
		return;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return;
	e->desc = *desc;

	spin_lock(&vm->table_lock);
	old = rhashtable_lookup_fast(&vm->table, &desc->key,
				     iob_table_params);
	if (old)
		iob_table_unlink(vm, old);
	if (vm->n_entries >= max)
		iob_count(vm, IOB_STAT_TABLE_FULL, 1);
	while (vm->n_entries >= max)
		iob_table_evict_one(vm);
	if (rhashtable_insert_fast(&vm->table, &e->node, iob_table_params)) {
		spin_unlock(&vm->table_lock);
		kfree(e);
		return;
	}
	list_add_tail(&e->clock_node, &vm->clock);
	WRITE_ONCE(vm->n_entries, vm->n_entries + 1);
	spin_unlock(&vm->table_lock);
}

/**
 * iob_table_for_each() - call @fn for every entry (debugfs dump)
 * @vm: the VM
 * @fn: callback, runs under RCU and must not sleep
 * @arg: passed to @fn
 */
void iob_table_for_each(struct iob_vm *vm,
			void (*fn)(const struct iob_entry *e, void *arg),
			void *arg)
{
	struct rhashtable_iter iter;
	struct iob_entry *e;

	rhashtable_walk_enter(&vm->table, &iter);
	rhashtable_walk_start(&iter);
	while ((e = rhashtable_walk_next(&iter))) {
		if (IS_ERR(e))
			continue;	/* -EAGAIN: resized, keep walking */
		fn(e, arg);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}
