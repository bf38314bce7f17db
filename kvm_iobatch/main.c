// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-iobatch: batch a KVM guest's port-IO instructions.
 *
 * Module init/exit and the global tunables, in
 * /sys/module/kvm_iobatch/parameters/:
 *   extent       bytes scanned from an IO instruction for more IO
 *                instructions (0 disables batching, at most 4096)
 *   max_insns    instructions emulated per block (1..256): bounds the
 *                work done in one exit
 *   max_entries  blocks remembered per VM (0..65536)
 * A bad write fails with EINVAL and leaves the old value.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "iobatch.h"

unsigned int iob_extent = IOB_EXTENT_DEFAULT;
unsigned int iob_max_insns = IOB_MAX_INSNS_DEFAULT;
unsigned int iob_max_entries = IOB_MAX_ENTRIES_DEFAULT;
bool iob_fold = true;
bool iob_trace = true;

static int iob_param_set_bounded(const char *val, unsigned int *dst,
				 unsigned int lo, unsigned int hi)
{
	unsigned int v;
	int r = kstrtouint(val, 0, &v);

	if (r)
		return -EINVAL;
	if (v < lo || v > hi)
		return -EINVAL;
	WRITE_ONCE(*dst, v);
	return 0;
}

static int iob_extent_set(const char *val, const struct kernel_param *kp)
{
	return iob_param_set_bounded(val, kp->arg, 0, IOB_MAX_EXTENT);
}

static int iob_max_insns_set(const char *val, const struct kernel_param *kp)
{
	return iob_param_set_bounded(val, kp->arg, 1, IOB_MAX_INSNS_LIMIT);
}

/* Tables shrink at once, not only as blocks get stored. */
static int iob_max_entries_set(const char *val,
			       const struct kernel_param *kp)
{
	int r = iob_param_set_bounded(val, kp->arg, 0, IOB_MAX_ENTRIES_LIMIT);

	if (!r)
		iob_vms_trim_tables(READ_ONCE(iob_max_entries));
	return r;
}

static const struct kernel_param_ops iob_extent_ops = {
	.set = iob_extent_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops iob_max_insns_ops = {
	.set = iob_max_insns_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops iob_max_entries_ops = {
	.set = iob_max_entries_set,
	.get = param_get_uint,
};

module_param_cb(extent, &iob_extent_ops, &iob_extent, 0644);
MODULE_PARM_DESC(extent,
		 "bytes scanned for more IO instructions (0=off, max 4096)");
module_param_cb(max_insns, &iob_max_insns_ops, &iob_max_insns, 0644);
MODULE_PARM_DESC(max_insns, "instructions per block (1..256)");
module_param_cb(max_entries, &iob_max_entries_ops, &iob_max_entries, 0644);
MODULE_PARM_DESC(max_entries, "table entries per VM (0..65536)");
module_param_named(fold, iob_fold, bool, 0644);
MODULE_PARM_DESC(fold, "send a block's same-port userspace OUTs in one exit");
module_param_named(trace, iob_trace, bool, 0644);
MODULE_PARM_DESC(trace,
		 "blocks follow jumps, calls and memory operands (N: straight lines)");

/**
 * iob_vm_extent() - the extent in force for a VM
 * @vm: the VM
 *
 * Return: the VM's debugfs override when set, else the global extent.
 */
unsigned int iob_vm_extent(struct iob_vm *vm)
{
	int v = READ_ONCE(vm->extent);

	return v >= 0 ? v : READ_ONCE(iob_extent);
}

static int __init iob_init(void)
{
	int r;

	if (iob_extent > IOB_MAX_EXTENT ||
	    iob_max_insns < 1 || iob_max_insns > IOB_MAX_INSNS_LIMIT ||
	    iob_max_entries > IOB_MAX_ENTRIES_LIMIT)
		return -EINVAL;
	r = iob_vms_init();
	if (r)
		return r;
	iob_debugfs_init();
	r = iob_hooks_install();
	if (r) {
		iob_debugfs_exit();
		iob_vms_exit();
		return r;
	}
	pr_info(IOB_NAME ": batching port IO, extent %u bytes\n", iob_extent);
	return 0;
}

static void __exit iob_exit(void)
{
	iob_hooks_remove();
	iob_vms_exit();
	iob_debugfs_exit();
	rcu_barrier();
	pr_info(IOB_NAME ": unloaded\n");
}

module_init(iob_init);
module_exit(iob_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("kvm-iobatch developers");
MODULE_DESCRIPTION("Batch KVM guest port-IO instructions in one VM exit");
