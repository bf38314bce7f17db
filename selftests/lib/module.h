/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading kvm_iobatch from a test, so that the tests run on
 * a host where nobody loaded it, the kselftest way:
 *
 *   pio_batch_test --ko PATH      or   KVM_IOBATCH_KO=PATH pio_batch_test
 *
 * Without a module file (or without the right to load modules) a test that
 * needs the module skips (exit 4) and says why. "Loaded" means
 * /sys/module/kvm_iobatch exists. Whatever a test loads it unloads again;
 * a module it found loaded it leaves loaded, with the same parameters.
 */
#ifndef IOB_MODULE_H
#define IOB_MODULE_H

#include <stdbool.h>
#include <stddef.h>

#define IOB_KO_ENV	"KVM_IOBATCH_KO"
#define IOB_KO_OPT	"--ko"

/* --ko PATH from argv (removed from it), else $KVM_IOBATCH_KO, else NULL. */
const char *iob_ko_arg(int *argc, char **argv);
/* finit_module(@ko, @params); 0 or -errno. */
int iob_module_load(const char *ko, const char *params);
/* delete_module(), waiting a little while VMs are torn down; 0 or -errno. */
int iob_module_unload(void);
/* The loaded module's parameters as "name=value ..." for finit_module. */
int iob_module_params(char *buf, size_t len);
/* May this process load and unload modules? */
bool iob_module_may_load(void);
/* Why KVM tests cannot run here (no usable /dev/kvm), or NULL. */
const char *iob_no_kvm_reason(void);

/*
 * For tests that need the module loaded: 0 when it is (loaded now from
 * the module file if need be, and unloaded again at exit), else the exit
 * code, after printing the skip (or the failed load) as KTAP.
 */
int iob_module_require(int *argc, char **argv);

/*
 * For runs that record on stock KVM and compare under the module: unload
 * it if loaded (params gets its parameters), so that stock KVM runs, once
 * it is clear that it can be loaded again. 0, or -1 with the reason to
 * skip in why.
 */
struct iob_module_state {
	const char *ko;
	bool was_loaded;
	char params[512];
	char why[1280];
};

int iob_module_stock(struct iob_module_state *st);
/* Load it for the comparison; 0 or -errno (st->why says what failed). */
int iob_module_reload(struct iob_module_state *st);
/* Back to how it was found; 0 or -errno (st->why says what failed). */
int iob_module_restore(struct iob_module_state *st);

#endif /* IOB_MODULE_H */
