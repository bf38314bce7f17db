// SPDX-License-Identifier: GPL-2.0
/*
 * Reading kvm_iobatch's debugfs and sysfs from tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iobstat.h"

/**
 * iob_loaded() - is the module loaded
 *
 * Return: 1 when /sys/module/kvm_iobatch/parameters exists.
 */
int iob_loaded(void)
{
	return access(IOB_SYSFS, F_OK) == 0;
}

/**
 * iob_vm_path() - path of a file in a VM's debugfs directory
 * @vm: the VM
 * @file: file name
 * @buf: result
 * @len: size of @buf
 */
void iob_vm_path(struct vmm *vm, const char *file, char *buf, size_t len)
{
	snprintf(buf, len, IOB_DEBUGFS "/vms/%d-%d/%s", (int)getpid(),
		 vm->vm_fd, file);
}

static long long iob_stat_from(const char *path, const char *name)
{
	char key[64];
	long long v, found = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2) {
		if (!strcmp(key, name)) {
			found = v;
			break;
		}
	}
	fclose(f);
	return found;
}

/**
 * iob_vm_stat() - a per-VM counter
 * @vm: the VM
 * @name: counter name as in the stats file
 *
 * Return: the value, or -1 when the VM or the counter has none.
 */
long long iob_vm_stat(struct vmm *vm, const char *name)
{
	char path[256];

	iob_vm_path(vm, "stats", path, sizeof(path));
	return iob_stat_from(path, name);
}

/**
 * iob_global_stat() - a global counter
 * @name: counter name
 *
 * Return: the value, or -1.
 */
long long iob_global_stat(const char *name)
{
	return iob_stat_from(IOB_DEBUGFS "/stats", name);
}

/**
 * iob_write_file() - write a string to a sysfs/debugfs file in one write
 * @path: file
 * @val: string
 *
 * Return: 0, or -errno of open/write.
 */
int iob_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/**
 * iob_read_long() - read one integer from a file
 * @path: file
 * @val: result
 *
 * Return: 0, or -1 when the file cannot be read or parsed.
 */
int iob_read_long(const char *path, long long *val)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%lld", val) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

/**
 * iob_set_trace() - switch the loaded module between traces and lines
 * @on: true for trace blocks (the default), false for straight lines
 *
 * Return: the previous setting (true: traces), or -errno when the
 * parameter cannot be read or written.
 */
int iob_set_trace(bool on)
{
	const char *path = IOB_SYSFS "/trace";
	char old = 0;
	FILE *f = fopen(path, "r");
	int err;

	if (!f)
		return -errno;
	if (fscanf(f, " %c", &old) != 1)
		old = 0;
	fclose(f);
	if (old != 'Y' && old != 'N')
		return -EINVAL;
	err = iob_write_file(path, on ? "Y" : "N");
	return err ? err : old == 'Y';
}
