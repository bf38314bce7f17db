// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading kvm_iobatch from tests (see module.h).
 *
 * finit_module() and delete_module() directly: a host may have kmod's
 * insmod, the test bed has only busybox, and the errno tells a missing
 * right (skip) from a broken module (fail) without parsing messages.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "iobstat.h"
#include "module.h"
#include "tap.h"

#define IOB_MODNAME	"kvm_iobatch"
#define IOB_MODDIR	"/sys/module/" IOB_MODNAME
/* VM teardown after the last fd closed can lag a little (RCU, workers). */
#define IOB_UNLOAD_WAIT_MS	10000

static const char *iob_ko_opt;

/**
 * iob_ko_arg() - the module file a test may load
 * @argc: from main(), decremented when --ko PATH is taken out
 * @argv: from main()
 *
 * Return: the path from "--ko PATH", else $KVM_IOBATCH_KO, else NULL.
 */
const char *iob_ko_arg(int *argc, char **argv)
{
	const char *env;
	int i;

	for (i = 1; i + 1 < *argc; i++) {
		if (strcmp(argv[i], IOB_KO_OPT))
			continue;
		iob_ko_opt = argv[i + 1];
		memmove(&argv[i], &argv[i + 2], (*argc - i - 1) * sizeof(*argv));
		*argc -= 2;
		break;
	}
	if (iob_ko_opt)
		return iob_ko_opt;
	env = getenv(IOB_KO_ENV);
	return env && *env ? env : NULL;
}

/**
 * iob_module_load() - load the module from a file
 * @ko: path of kvm_iobatch.ko
 * @params: module parameters, "name=value ..." ("" for the defaults)
 *
 * Return: 0 or -errno (-EEXIST when it is already loaded).
 */
int iob_module_load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = -errno;
	close(fd);
	return err;
}

/**
 * iob_module_unload() - unload the module
 *
 * The module holds a reference per VM it has state for, and a VM goes
 * away a little after its last fd is closed: -EAGAIN and -EBUSY are
 * retried for IOB_UNLOAD_WAIT_MS. A VM that really stays alive (another
 * process's) makes this fail with -EAGAIN, as rmmod would.
 *
 * Return: 0 or -errno.
 */
int iob_module_unload(void)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	int waited = 0;

	for (;;) {
		if (!syscall(SYS_delete_module, IOB_MODNAME, O_NONBLOCK))
			return 0;
		if ((errno != EAGAIN && errno != EBUSY) ||
		    waited >= IOB_UNLOAD_WAIT_MS)
			return -errno;
		nanosleep(&tick, NULL);
		waited += 50;
	}
}

/**
 * iob_module_params() - the loaded module's parameters
 * @buf: result, "name=value name=value ..."
 * @len: size of @buf
 *
 * Return: 0, or -1 when the module is not loaded or @buf is too small.
 */
int iob_module_params(char *buf, size_t len)
{
	struct dirent *de;
	size_t used = 0;
	int ret = 0;
	DIR *d;

	buf[0] = '\0';
	d = opendir(IOB_SYSFS);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[320], val[64];
		FILE *f;
		int n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), IOB_SYSFS "/%s", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(val, sizeof(val), f)) {
			val[strcspn(val, "\n")] = '\0';
			n = snprintf(buf + used, len - used, "%s%s=%s",
				     used ? " " : "", de->d_name, val);
			if (n < 0 || (size_t)n >= len - used)
				ret = -1;
			else
				used += n;
		}
		fclose(f);
	}
	closedir(d);
	return ret;
}

/**
 * iob_no_kvm_reason() - can KVM run guests here at all
 *
 * Return: NULL, or why not.
 */
const char *iob_no_kvm_reason(void)
{
	if (access("/dev/kvm", R_OK | W_OK))
		return "/dev/kvm not available (load kvm and kvm_amd or kvm_intel; run as root or in group kvm)";
	return NULL;
}

/**
 * iob_module_may_load() - may this process load modules
 *
 * finit_module() checks CAP_SYS_MODULE and modules_disabled before it
 * looks at the fd, so a bad fd answers EPERM (not allowed) or EBADF
 * (allowed) without loading anything.
 *
 * Return: true when it may.
 */
bool iob_module_may_load(void)
{
	return !(syscall(SYS_finit_module, -1, "", 0) && errno == EPERM);
}

static const char *iob_no_ko_hint =
	"give the module file: " IOB_KO_OPT " PATH or " IOB_KO_ENV "=PATH";

/* The process that loaded it: a forked child must not unload it. */
static pid_t iob_loaded_by;

static void iob_unload_at_exit(void)
{
	int err;

	if (iob_loaded_by != getpid())
		return;
	err = iob_module_unload();
	if (err) {
		/* After the totals, but the exit code still tells. */
		printf("# cannot unload kvm_iobatch after the test: %s\n",
		       strerror(-err));
		fflush(stdout);
		_exit(TAP_FAIL);
	}
}

/**
 * iob_module_require() - make sure the module is loaded, or skip
 * @argc: from main() (--ko PATH is taken out)
 * @argv: from main()
 *
 * Return: 0 when the module is loaded; otherwise the exit code for
 * main(), the skip or the failed load already printed as KTAP.
 */
int iob_module_require(int *argc, char **argv)
{
	const char *ko = iob_ko_arg(argc, argv);
	const char *why = iob_no_kvm_reason();
	int err;

	if (why)
		return tap_skip_all("%s", why);
	if (iob_loaded())
		return 0;
	if (!ko)
		return tap_skip_all("kvm_iobatch is not loaded: load it, or %s",
				    iob_no_ko_hint);
	if (!iob_module_may_load())
		return tap_skip_all("kvm_iobatch is not loaded and this process may not load modules (needs root/CAP_SYS_MODULE)");
	err = iob_module_load(ko, "");
	if (err) {
		tap_plan(1);
		tap_ok(false, "load kvm_iobatch from %s: %s", ko,
		       strerror(-err));
		return tap_finish();
	}
	iob_loaded_by = getpid();
	atexit(iob_unload_at_exit);
	tap_diag("loaded kvm_iobatch from %s; unloaded again at the end", ko);
	return 0;
}

/**
 * iob_module_stock() - get stock KVM for a record/compare run
 * @st: state; @st->ko set by the caller (may be NULL)
 *
 * Checks first that the module can be loaded for the comparison after
 * the stock run, then unloads it if it is loaded.
 *
 * Return: 0, or -1 with the reason to skip in @st->why.
 */
int iob_module_stock(struct iob_module_state *st)
{
	const char *why = iob_no_kvm_reason();
	int err;

	st->was_loaded = iob_loaded();
	st->params[0] = '\0';
	st->why[0] = '\0';
	if (why) {
		snprintf(st->why, sizeof(st->why), "%s", why);
	} else if (!st->ko && st->was_loaded) {
		snprintf(st->why, sizeof(st->why),
			 "kvm_iobatch is loaded: the stock KVM run needs it unloaded and then loaded again: %s",
			 iob_no_ko_hint);
	} else if (!st->ko) {
		snprintf(st->why, sizeof(st->why),
			 "kvm_iobatch is not loaded: this compares stock KVM with the module and loads it itself: %s",
			 iob_no_ko_hint);
	} else if (access(st->ko, R_OK)) {
		snprintf(st->why, sizeof(st->why), "module file %s: %s",
			 st->ko, strerror(errno));
	} else if (!iob_module_may_load()) {
		snprintf(st->why, sizeof(st->why),
			 "this process may not load and unload modules (needs root/CAP_SYS_MODULE)");
	} else if (st->was_loaded &&
		   iob_module_params(st->params, sizeof(st->params))) {
		snprintf(st->why, sizeof(st->why),
			 "cannot read the parameters of the loaded kvm_iobatch");
	} else if (st->was_loaded && (err = iob_module_unload())) {
		snprintf(st->why, sizeof(st->why),
			 err == -EAGAIN || err == -EBUSY ?
			 "kvm_iobatch is in use (a VM it batched for is alive): cannot run stock KVM%s%s" :
			 "cannot unload kvm_iobatch%s%s",
			 err == -EAGAIN || err == -EBUSY ? "" : ": ",
			 err == -EAGAIN || err == -EBUSY ? "" : strerror(-err));
	}
	return st->why[0] ? -1 : 0;
}

/**
 * iob_module_reload() - load the module for the comparison
 * @st: state from iob_module_stock()
 *
 * With the parameters it had when the test found it loaded.
 *
 * Return: 0 or -errno; @st->why describes it.
 */
int iob_module_reload(struct iob_module_state *st)
{
	int err = iob_module_load(st->ko, st->params);

	snprintf(st->why, sizeof(st->why), "load kvm_iobatch from %s%s%s%s%s",
		 st->ko, st->params[0] ? " (" : "", st->params,
		 st->params[0] ? ")" : "", err ? ": " : "");
	if (err)
		strncat(st->why, strerror(-err),
			sizeof(st->why) - strlen(st->why) - 1);
	return err;
}

/* Write "name=value ..." back to the knobs in sysfs. */
static void iob_module_set_params(const char *params)
{
	char copy[512], path[320], *tok, *save = NULL, *eq;

	snprintf(copy, sizeof(copy), "%s", params);
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		snprintf(path, sizeof(path), IOB_SYSFS "/%s", tok);
		iob_write_file(path, eq + 1);
	}
}

/**
 * iob_module_restore() - leave the module as the test found it
 * @st: state from iob_module_stock()
 *
 * Unloads what the test loaded; a module found loaded stays loaded and
 * must still have the parameters it had then.
 *
 * Return: 0 or -errno; @st->why describes it.
 */
int iob_module_restore(struct iob_module_state *st)
{
	char now[sizeof(st->params)];
	int err;

	if (!st->was_loaded) {
		err = iob_module_unload();
		snprintf(st->why, sizeof(st->why),
			 "kvm_iobatch unloaded again%s%s", err ? ": " : "",
			 err ? strerror(-err) : "");
		return err;
	}
	/* A test may have changed a knob (diff_test sets extent 4096). */
	iob_module_set_params(st->params);
	err = iob_module_params(now, sizeof(now)) ? -ENOENT :
	      strcmp(now, st->params) ? -EINVAL : 0;
	snprintf(st->why, sizeof(st->why),
		 "kvm_iobatch left loaded as found (%s%s%s)", now,
		 err ? ", found: " : "", err ? st->params : "");
	return err;
}
