// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM block table: an rhashtable keyed by (guest linear RIP, code size),
 * holding the xxh64 of the block bytes, the block size and hit counters.
 *
 * Readers run under RCU from any vCPU of the VM; writers replace whole
 * entries (never edit one in place), so a reader always sees a consistent
 * (hash, size) pair. The table holds at most iob_max_entries entries.
 */
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "iobatch.h"

static const struct rhashtable_params iob_table_params = {
	.key_len = sizeof(struct iob_key),
	.key_offset = offsetof(struct iob_entry, key),
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
	atomic_set(&vm->n_entries, 0);
	return rhashtable_init(&vm->table, &iob_table_params);
}

/* The block description of an entry, without linkage and hit counter. */
static void iob_entry_copy(struct iob_entry *dst, const struct iob_entry *src)
{
	dst->key = src->key;
	dst->hash = src->hash;
	dst->hashed = src->hashed;
	dst->avail = src->avail;
	dst->size = src->size;
	dst->n_io = src->n_io;
	dst->n_insns = src->n_insns;
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
	atomic_set(&vm->n_entries, 0);
}

/**
 * iob_table_lookup() - find the entry for @key and count a hit
 * @vm: the VM
 * @key: linear RIP and mode
 * @copy: the entry's fields are copied here (not the linkage); its hits
 *        hold the entry's hit count including this one
 *
 * Return: true when found.
 */
bool iob_table_lookup(struct iob_vm *vm, const struct iob_key *key,
		      struct iob_entry *copy)
{
	struct iob_entry *e;

	rcu_read_lock();
	e = rhashtable_lookup(&vm->table, key, iob_table_params);
	if (e) {
		atomic64_set(&copy->hits, atomic64_inc_return(&e->hits));
		iob_entry_copy(copy, e);
	}
	rcu_read_unlock();
	return e;
}

static void iob_table_remove(struct iob_vm *vm, const struct iob_key *key)
{
	struct iob_entry *e;

	rcu_read_lock();
	e = rhashtable_lookup(&vm->table, key, iob_table_params);
	if (e && !rhashtable_remove_fast(&vm->table, &e->node,
					 iob_table_params)) {
		atomic_dec(&vm->n_entries);
		kfree_rcu(e, rcu);
	}
	rcu_read_unlock();
}

/**
 * iob_table_store() - insert or replace the entry for @proto->key
 * @vm: the VM
 * @proto: the new entry's fields (linkage and hits are ignored)
 *
 * An entry that cannot be stored (table full, no memory) is dropped: the
 * next exit at that RIP scans again, which is slower but still correct.
 */
void iob_table_store(struct iob_vm *vm, const struct iob_entry *proto)
{
	struct iob_entry *e;

	iob_table_remove(vm, &proto->key);

	if (atomic_inc_return(&vm->n_entries) > READ_ONCE(iob_max_entries)) {
		atomic_dec(&vm->n_entries);
		iob_count(vm, IOB_STAT_TABLE_FULL, 1);
		return;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		goto undo;
	iob_entry_copy(e, proto);
	/* Another vCPU may have stored the same block meanwhile: keep it. */
	if (!rhashtable_lookup_insert_fast(&vm->table, &e->node,
					   iob_table_params))
		return;
	kfree(e);
undo:
	atomic_dec(&vm->n_entries);
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
