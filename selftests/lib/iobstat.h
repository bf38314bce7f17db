/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading kvm_iobatch's debugfs from tests: per-VM counters and the
 * per-VM extent override, global knobs in sysfs.
 */
#ifndef IOB_IOBSTAT_H
#define IOB_IOBSTAT_H

#include <stdbool.h>

#include "vmm.h"

#define IOB_DEBUGFS	"/sys/kernel/debug/kvm_iobatch"
#define IOB_SYSFS	"/sys/module/kvm_iobatch/parameters"

/* Is kvm_iobatch loaded (its sysfs directory exists)? */
int iob_loaded(void);
/* Path of a file in the VM's debugfs directory. */
void iob_vm_path(struct vmm *vm, const char *file, char *buf, size_t len);
/* A counter from the VM's debugfs "stats", or -1. */
long long iob_vm_stat(struct vmm *vm, const char *name);
/* A counter from the global debugfs "stats", or -1. */
long long iob_global_stat(const char *name);
/* Write @val to @path; returns 0 or -errno of the write. */
int iob_write_file(const char *path, const char *val);
/* Read an integer from @path into *val; 0 or -1. */
int iob_read_long(const char *path, long long *val);
/* Module parameter "trace"; returns the previous setting or -errno. */
int iob_set_trace(bool on);

#endif /* IOB_IOBSTAT_H */
