// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: /sys/kernel/debug/kvm_iobatch/
 *   stats                global counters (all VMs since load) and "vms N",
 *                        the number of VMs that have state now
 *   vms/<pid>-<fd>/      one directory per VM, named like KVM's own
 *                        /sys/kernel/debug/kvm/<pid>-<fd>/
 *     stats              the VM's counters, table entries, extent, and
 *                        lookup_depth (other VMs a registry lookup of
 *                        this VM walks past)
 *     table              one line per entry: lin mode size n_io n_insns
 *                        hashed hash hits
 *     extent             per-VM extent override: -1 follows the global
 *                        knob, 0 disables, up to 4096; bad writes: EINVAL
 *     inject_find_delay_ms  fault injection for registry_test (vm.c),
 *                        write only, root only, 0..5000
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "iobatch.h"

static struct dentry *iob_dir;
static struct dentry *iob_vms_dir;
static atomic_t iob_vm_seq = ATOMIC_INIT(0);

static int iob_global_stats_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < IOB_STAT_NR; i++)
		seq_printf(m, "%s %llu\n", iob_stat_names[i],
			   iob_global_stat(i));
	seq_printf(m, "vms %u\n", iob_vm_count());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iob_global_stats);

static int iob_vm_stats_show(struct seq_file *m, void *unused)
{
	struct iob_vm *vm = m->private;
	int i;

	for (i = 0; i < IOB_STAT_NR; i++)
		seq_printf(m, "%s %llu\n", iob_stat_names[i],
			   iob_vm_stat(vm, i));
	seq_printf(m, "entries %u\n", READ_ONCE(vm->n_entries));
	seq_printf(m, "extent %u\n", iob_vm_extent(vm));
	seq_printf(m, "lookup_depth %u\n", iob_vm_lookup_depth(vm));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iob_vm_stats);

static void iob_table_line(const struct iob_entry *e, void *arg)
{
	struct seq_file *m = arg;

	const struct iob_desc *d = &e->desc;

	seq_printf(m, "%#llx %u %u %u %u %u %016llx %lld %u %c\n", d->key.lin,
		   16 << d->key.mode, d->size, d->n_io, d->n_insns, d->hashed,
		   d->hash, (long long)atomic64_read(&e->hits), d->back,
		   d->trace ? 't' : 'l');
}

static int iob_vm_table_show(struct seq_file *m, void *unused)
{
	struct iob_vm *vm = m->private;

	seq_puts(m, "# lin bits size n_io n_insns hashed hash hits back kind\n");
	iob_table_for_each(vm, iob_table_line, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iob_vm_table);

static ssize_t iob_vm_extent_read(struct file *f, char __user *ubuf,
				  size_t len, loff_t *pos)
{
	struct iob_vm *vm = f->private_data;
	char buf[16];
	int n = scnprintf(buf, sizeof(buf), "%d\n", READ_ONCE(vm->extent));

	return simple_read_from_buffer(ubuf, len, pos, buf, n);
}

static ssize_t iob_vm_extent_write(struct file *f, const char __user *ubuf,
				   size_t len, loff_t *pos)
{
	struct iob_vm *vm = f->private_data;
	int v;

	if (kstrtoint_from_user(ubuf, len, 0, &v))
		return -EINVAL;
	if (v < IOB_EXTENT_GLOBAL || v > IOB_MAX_EXTENT)
		return -EINVAL;
	WRITE_ONCE(vm->extent, v);
	return len;
}

static int iob_vm_find_delay_set(void *data, u64 val)
{
	if (val > 5000)
		return -EINVAL;
	iob_vm_inject_find_delay(data, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(iob_vm_find_delay_fops, NULL, iob_vm_find_delay_set,
			 "%llu\n");

static const struct file_operations iob_vm_extent_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = iob_vm_extent_read,
	.write = iob_vm_extent_write,
	.llseek = default_llseek,
};

/**
 * iob_debugfs_vm_add() - create the VM's directory
 * @vm: the new VM state
 *
 * The directory is named like KVM's own for the VM (<pid>-<fd>). When a
 * directory of that name still exists (a closed VM whose teardown is
 * pending), pending teardowns are flushed first; failing that the
 * directory gets a ".<n>" suffix. debugfs is optional: errors are ignored.
 */
void iob_debugfs_vm_add(struct iob_vm *vm)
{
	struct dentry *kd = vm->kvm->debugfs_dentry;
	char name[64];
	struct dentry *d;

	if (IS_ERR_OR_NULL(iob_vms_dir))
		return;
	if (!IS_ERR_OR_NULL(kd))
		strscpy(name, kd->d_name.name, sizeof(name));
	else
		snprintf(name, sizeof(name), "vm%d",
			 atomic_inc_return(&iob_vm_seq));
	d = debugfs_create_dir(name, iob_vms_dir);
	if (IS_ERR(d)) {
		iob_vms_flush();
		d = debugfs_create_dir(name, iob_vms_dir);
	}
	if (IS_ERR(d)) {
		snprintf(name + strnlen(name, 40), 24, ".%d",
			 atomic_inc_return(&iob_vm_seq));
		d = debugfs_create_dir(name, iob_vms_dir);
	}
	if (IS_ERR(d))
		return;
	vm->dir = d;
	debugfs_create_file("stats", 0444, d, vm, &iob_vm_stats_fops);
	debugfs_create_file("table", 0444, d, vm, &iob_vm_table_fops);
	debugfs_create_file("extent", 0644, d, vm, &iob_vm_extent_fops);
	debugfs_create_file_unsafe("inject_find_delay_ms", 0200, d, vm,
				   &iob_vm_find_delay_fops);
}

/**
 * iob_debugfs_vm_remove() - remove the VM's directory
 * @vm: the VM state, about to be freed
 *
 * debugfs waits for readers and writers that are inside our file
 * operations before this returns.
 */
void iob_debugfs_vm_remove(struct iob_vm *vm)
{
	debugfs_remove_recursive(vm->dir);
	vm->dir = NULL;
}

/**
 * iob_debugfs_init() - create /sys/kernel/debug/kvm_iobatch
 */
void iob_debugfs_init(void)
{
	iob_dir = debugfs_create_dir(IOB_NAME, NULL);
	iob_vms_dir = debugfs_create_dir("vms", iob_dir);
	debugfs_create_file("stats", 0444, iob_dir, NULL,
			    &iob_global_stats_fops);
}

/**
 * iob_debugfs_exit() - remove /sys/kernel/debug/kvm_iobatch
 */
void iob_debugfs_exit(void)
{
	debugfs_remove_recursive(iob_dir);
	iob_dir = NULL;
	iob_vms_dir = NULL;
}
