// SPDX-License-Identifier: GPL-2.0
/*
 * Saving and comparing what guest runs left behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iobstat.h"
#include "module.h"
#include "result.h"
#include "tap.h"

static uint64_t iolog_hash(const struct vmm *vm)
{
	unsigned int i, n = vm->n_io < VMM_MAX_IOLOG ? vm->n_io : VMM_MAX_IOLOG;
	uint64_t h = VMM_HASH_INIT;

	for (i = 0; i < n; i++) {
		const struct vmm_io *io = &vm->iolog[i];

		h = vmm_hash(h, &io->port, sizeof(io->port));
		h = vmm_hash(h, &io->size, sizeof(io->size));
		h = vmm_hash(h, &io->in, sizeof(io->in));
		h = vmm_hash(h, &io->data, sizeof(io->data));
	}
	return h;
}

/* Every MMIO access in order, with the RIP userspace saw at it. */
static uint64_t mmiolog_hash(const struct vmm *vm)
{
	unsigned int i, n = vm->n_mmio < VMM_MAX_MMIOLOG ? vm->n_mmio :
			    VMM_MAX_MMIOLOG;
	uint64_t h = VMM_HASH_INIT;

	for (i = 0; i < n; i++) {
		const struct vmm_mmio *m = &vm->mmiolog[i];

		h = vmm_hash(h, &m->addr, sizeof(m->addr));
		h = vmm_hash(h, &m->data, sizeof(m->data));
		h = vmm_hash(h, &m->rip, sizeof(m->rip));
		h = vmm_hash(h, &m->len, sizeof(m->len));
		h = vmm_hash(h, &m->write, sizeof(m->write));
	}
	return h;
}

/**
 * result_collect() - record the state a run left behind
 * @vm: the VM, after vmm_run()
 * @status: what vmm_run() returned
 * @name: label saved with the result
 * @r: result
 */
void result_collect(struct vmm *vm, int status, const char *name,
		    struct run_result *r)
{
	struct kvm_sregs sregs;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->status = status;
	vmm_get_regs(vm, &r->regs);
	r->mem_hash = vmm_hash(VMM_HASH_INIT, vm->mem, VMM_MEM_SIZE);
	r->io_hash = iolog_hash(vm);
	r->n_io = vm->n_io;
	r->n_folded = vm->n_folded;
	for (i = 0; i < RESULT_MAX_RIPS && i < vm->n_io && i < VMM_MAX_IOLOG;
	     i++) {
		r->rips[i] = vm->iolog[i].rip;
		r->folded[i] = vm->iolog[i].folded;
	}
	r->n_mmio = vm->n_mmio;
	r->mmio_hash = mmiolog_hash(vm);
	r->user_io_exits = vm->exits[KVM_EXIT_IO];
	r->exit_hash = vm->exit_hash;
	r->io_exits = vmm_vcpu_stat(vm, "io_exits");
	r->evfd_writes = vmm_pio_eventfd_count(vm);
	if (vm->dirty_log && vmm_dirty_pages(vm, r->dirty))
		r->status = -3;		/* no log: the run fails */
	if (!vmm_get_sregs(vm, &sregs)) {
		struct kvm_segment *segs[6] = {
			&sregs.es, &sregs.cs, &sregs.ss,
			&sregs.ds, &sregs.fs, &sregs.gs,
		};

		for (i = 0; i < 6; i++) {
			r->segs[i] = *segs[i];
			r->segs[i].padding = 0;
		}
	}
}

/**
 * result_save() - write results to a file
 * @file: path
 * @r: results
 * @n: how many
 *
 * Return: 0 or -1.
 */
int result_save(const char *file, const struct run_result *r, unsigned int n)
{
	FILE *f = fopen(file, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(r, sizeof(*r), n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/**
 * result_load() - read results saved by result_save()
 * @file: path
 * @r: results
 * @n: how many
 *
 * Return: 0 or -1 (missing or short file).
 */
int result_load(const char *file, struct run_result *r, unsigned int n)
{
	FILE *f = fopen(file, "rb");
	int ok;

	if (!f)
		return -1;
	ok = fread(r, sizeof(*r), n, f) == n;
	fclose(f);
	return ok ? 0 : -1;
}

/**
 * result_same_io() - did userspace see the same accesses
 * @m: a run, possibly under the module
 * @s: the run on stock KVM
 *
 * The same accesses (port, size, direction, data) in the same order,
 * among the same other exits; each access that @m's exit stood at (not
 * folded) at the RIP @s saw for it; as many accesses through
 * KVM_EXIT_IO, however many of them shared an exit; and the same MMIO
 * accesses (address, length, direction, data, RIP) in the same order.
 *
 * Return: true when so.
 */
bool result_same_io(const struct run_result *m, const struct run_result *s)
{
	unsigned int i;

	if (m->n_io != s->n_io || m->io_hash != s->io_hash ||
	    m->exit_hash != s->exit_hash ||
	    m->user_io_exits + m->n_folded != s->user_io_exits + s->n_folded ||
	    m->n_mmio != s->n_mmio || m->mmio_hash != s->mmio_hash ||
	    m->evfd_writes != s->evfd_writes)
		return false;
	for (i = 0; i < RESULT_MAX_RIPS && i < m->n_io; i++)
		if (!m->folded[i] && m->rips[i] != s->rips[i])
			return false;
	return true;
}

/**
 * result_same_guest() - did two runs leave the same guest-visible state
 * @m: a run, possibly under the module
 * @s: the run on stock KVM
 *
 * Return: true when status, registers and RAM are identical and
 * result_same_io().
 */
bool result_same_segs(const struct run_result *m, const struct run_result *s)
{
	return !memcmp(m->segs, s->segs, sizeof(m->segs));
}

/**
 * result_same_guest() - did two runs leave the guest the same
 * @m: one run
 * @s: the other
 *
 * Return: true with the same exit status, registers, segment registers,
 * RAM and result_same_io().
 */
bool result_same_guest(const struct run_result *m, const struct run_result *s)
{
	return m->status == s->status &&
	       !memcmp(&m->regs, &s->regs, sizeof(m->regs)) &&
	       result_same_segs(m, s) &&
	       !memcmp(m->dirty, s->dirty, sizeof(m->dirty)) &&
	       m->mem_hash == s->mem_hash && result_same_io(m, s);
}

/*
 * Both halves in one run, as a host admin or run_kselftest.sh starts the
 * test: stock KVM first (the module unloaded if it was loaded), then the
 * module loaded from its file, then the module left as it was found. One
 * KTAP stream: the record's tests, the load, the compare's tests, the
 * restore.
 */
static int result_self(const char *ko, int (*record)(const char *file),
		       int (*compare)(const char *file))
{
	struct iob_module_state st = { .ko = ko };
	const char *tmpdir = getenv("TMPDIR");
	char path[256];
	int fd;

	if (iob_module_stock(&st))
		return tap_skip_all("%s", st.why);
	snprintf(path, sizeof(path), "%s/kvm_iobatch-stock.XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		tap_plan(1);
		tap_ok(false, "temporary file for the stock record (%s)", path);
		if (st.was_loaded && iob_module_reload(&st))
			tap_diag("%s", st.why);
		return tap_finish();
	}
	close(fd);

	tap_parts_begin();
	record(path);
	if (!tap_ok(!iob_module_reload(&st), "%s", st.why)) {
		tap_skip("compare: kvm_iobatch did not load");
	} else {
		compare(path);
		tap_ok(!iob_module_restore(&st), "%s", st.why);
	}
	unlink(path);
	return tap_parts_end();
}

/**
 * result_main() - main() of a record/compare test
 * @argc: from main()
 * @argv: from main()
 * @record: runs on stock KVM, saves to the file
 * @compare: runs under the module, compares with the file
 *
 * "--record FILE" and "--compare FILE" run one half. Without them both
 * halves run, the module loaded and unloaded by the test (module.h):
 * "--ko PATH" or $KVM_IOBATCH_KO give the module file.
 *
 * Return: the exit status.
 */
int result_main(int argc, char **argv, int (*record)(const char *file),
		int (*compare)(const char *file))
{
	const char *ko = iob_ko_arg(&argc, argv);

	if (argc == 3 && !strcmp(argv[1], "--record"))
		return record(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--compare"))
		return compare(argv[2]);
	if (argc == 1)
		return result_self(ko, record, compare);
	fprintf(stderr,
		"usage: %s [--ko PATH] | --record FILE | --compare FILE\n"
		"  without --record/--compare: stock KVM, then kvm_iobatch loaded from\n"
		"  PATH (or $%s), then unloaded again\n", argv[0], IOB_KO_ENV);
	return 2;
}
