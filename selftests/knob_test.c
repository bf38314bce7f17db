// SPDX-License-Identifier: GPL-2.0
/*
 * knob_test: kvm_iobatch's tunables, with the module loaded.
 *
 *   knob_test           sysfs knobs accept good values and reject bad ones
 *                       (EINVAL, old value kept); the per-VM debugfs
 *                       extent override likewise; extent 0 (global or
 *                       per VM) really turns batching off and a per-VM
 *                       override really turns it on; max_entries bounds
 *                       the table; the table file lists the block;
 *                       cached blocks obey lowered knobs (max_insns,
 *                       max_entries) and a full table still takes the
 *                       blocks that run often, those a vCPU runs from
 *                       its own copy too. These run with
 *                       straight-line blocks (trace=N), whose counts they
 *                       know; then the trace knob itself: turning it off
 *                       and on turns a VM's cached traces into lines and
 *                       back, and max_insns bounds a trace per exit
 *   knob_test --hold    create a VM, let it batch once, then sleep until
 *                       killed (for the rmmod-while-VM-alive test)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guests.h"
#include "iobstat.h"
#include "module.h"
#include "tap.h"
#include "vmm.h"

static const char * const bad_values[] = {
	"abc", "-1", "4097", "99999999999999999999", "\n", "12abc", "0x1001",
};

/* A bad value as it may stand in a TAP line. */
static const char *shown(const char *v)
{
	return strcmp(v, "\n") ? v : "\\n";
}

static long long sysfs_get(const char *knob)
{
	char path[256];
	long long v = -1;

	snprintf(path, sizeof(path), IOB_SYSFS "/%s", knob);
	iob_read_long(path, &v);
	return v;
}

static int sysfs_set(const char *knob, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), IOB_SYSFS "/%s", knob);
	return iob_write_file(path, val);
}

static void test_sysfs_knob(const char *knob, const char *good,
			    long long good_v, const char * const *bad,
			    unsigned int n_bad)
{
	long long orig = sysfs_get(knob);
	char buf[32];
	unsigned int i;
	int err;

	err = sysfs_set(knob, good);
	tap_ok(!err && sysfs_get(knob) == good_v, "sysfs %s accepts %s", knob,
	       good);
	for (i = 0; i < n_bad; i++) {
		err = sysfs_set(knob, bad[i]);
		tap_ok(err == -EINVAL && sysfs_get(knob) == good_v,
		       "sysfs %s rejects '%s' (%s), keeps %lld", knob, shown(bad[i]),
		       strerror(-err), sysfs_get(knob));
	}
	snprintf(buf, sizeof(buf), "%lld", orig);
	sysfs_set(knob, buf);
}

/* Create the CMOS guest and run it until its first userspace exit. */
static int start_cmos(struct vmm *vm)
{
	const struct guest_case *c = &guest_cases[0];

	if (vmm_create(vm, VMM_REAL, c->start, c->end - c->start))
		return -1;
	return vmm_run(vm, 1) == -2 ? 0 : -1;
}

static void test_vm_extent_file(void)
{
	long long v = 99;
	char path[256];
	struct vmm vm;
	unsigned int i;
	int err;

	if (start_cmos(&vm)) {
		tap_ok(false, "per-VM extent: VM started");
		return;
	}
	iob_vm_path(&vm, "extent", path, sizeof(path));
	tap_ok(!iob_read_long(path, &v) && v == -1,
	       "per-VM extent file exists, follows the global knob (%lld)", v);
	for (i = 0; i < ARRAY_SIZE(bad_values); i++) {
		if (!strcmp(bad_values[i], "-1"))
			continue;
		err = iob_write_file(path, bad_values[i]);
		iob_read_long(path, &v);
		tap_ok(err == -EINVAL && v == -1,
		       "per-VM extent rejects '%s' (%s), keeps %lld",
		       shown(bad_values[i]), strerror(-err), v);
	}
	err = iob_write_file(path, "-2");
	tap_ok(err == -EINVAL, "per-VM extent rejects -2");
	err = iob_write_file(path, "4096");
	iob_read_long(path, &v);
	tap_ok(!err && v == 4096, "per-VM extent accepts 4096");
	vmm_destroy(&vm);
}

/* Run the CMOS guest with a per-VM extent set after the first exit. */
/*
 * An event due at an instruction boundary (a reschedule, a timer in the
 * bed's kernel) ends a block early: its next IO instruction exits on its
 * own and may start a block of its own. Cut at its first boundary, before
 * it ran anything, a block does not count as one (batch.c). Each such cut
 * is counted, so the exits below are exact up to the cuts the VM reports
 * and the blocks up to that many more or fewer (seen on the debug kernel:
 * blocks 6 of 7, 10 exits, 1 cut).
 */
static void run_cmos_with(const char *global, const char *per_vm,
			  long long *io_exits, long long *blocks,
			  long long *cuts)
{
	char path[256];
	struct vmm vm;

	*io_exits = -1;
	*blocks = -1;
	*cuts = -1;
	sysfs_set("extent", global);
	if (start_cmos(&vm))
		return;
	if (per_vm) {
		iob_vm_path(&vm, "extent", path, sizeof(path));
		iob_write_file(path, per_vm);
	}
	if (vmm_run(&vm, 1000) == 0) {
		*io_exits = vmm_vcpu_stat(&vm, "io_exits");
		*blocks = iob_vm_stat(&vm, "blocks");
		*cuts = iob_vm_stat(&vm, "cuts");
	}
	vmm_destroy(&vm);
}

/* @n exact up to @cuts (0..2, more is not an accident): see above */
static bool up_to_cuts(long long n, long long want, long long cuts)
{
	return cuts >= 0 && cuts <= 2 && n >= want && n <= want + cuts;
}

/* Blocks: @cuts more or fewer (see above) */
static bool within_cuts(long long n, long long want, long long cuts)
{
	return cuts >= 0 && cuts <= 2 && n >= want - cuts &&
	       n <= want + cuts;
}

static void test_extent_effect(void)
{
	long long orig = sysfs_get("extent"), io, blocks, cuts;
	char buf[32];

	run_cmos_with("0", NULL, &io, &blocks, &cuts);
	tap_ok(io == 16 && blocks == 0,
	       "global extent 0: no blocks (%lld), io_exits as stock (%lld)",
	       blocks, io);
	run_cmos_with("0", "64", &io, &blocks, &cuts);
	tap_ok(within_cuts(blocks, 7, cuts) && io == 9 + cuts,
	       "global 0, per-VM 64: batching on (blocks %lld, io_exits %lld, cuts %lld)",
	       blocks, io, cuts);
	run_cmos_with("64", "0", &io, &blocks, &cuts);
	tap_ok(within_cuts(blocks, 1, cuts) && up_to_cuts(io, 15, cuts),
	       "global 64, per-VM 0: batching off (blocks %lld, io_exits %lld, cuts %lld)",
	       blocks, io, cuts);
	snprintf(buf, sizeof(buf), "%lld", orig);
	sysfs_set("extent", buf);
}

static void test_table(void)
{
	long long orig = sysfs_get("max_entries"), full, blocks, entries;
	char path[256], line[256];
	int lines = 0, big = 0;
	unsigned int size;
	struct vmm vm;
	FILE *f;

	if (start_cmos(&vm) || vmm_run(&vm, 1000)) {
		tap_ok(false, "table: cmos guest ran");
		return;
	}
	iob_vm_path(&vm, "table", path, sizeof(path));
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		lines++;
		if (sscanf(line, "%*s %*u %u", &size) == 1 && size == 4)
			big++;
	}
	if (f)
		fclose(f);
	tap_ok(big == 1, "table lists the 4-byte CMOS block (%d entries)",
	       lines);
	vmm_destroy(&vm);

	sysfs_set("max_entries", "0");
	if (start_cmos(&vm) || vmm_run(&vm, 1000)) {
		tap_ok(false, "max_entries 0: cmos guest ran");
	} else {
		full = iob_vm_stat(&vm, "table_full");
		blocks = iob_vm_stat(&vm, "blocks");
		entries = iob_vm_stat(&vm, "entries");
		tap_ok(entries == 0 && full > 0 && blocks == 8,
		       "max_entries 0: no entries (%lld), table_full %lld, still %lld blocks",
		       entries, full, blocks);
	}
	vmm_destroy(&vm);
	snprintf(path, sizeof(path), "%lld", orig);
	sysfs_set("max_entries", path);
}

/* Run the guest again from its first byte, in the same VM. */
static int rerun(struct vmm *vm)
{
	struct kvm_regs regs;

	if (vmm_get_regs(vm, &regs))
		return -1;
	regs.rip = VMM_CODE_GPA;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs))
		return -1;
	return vmm_run(vm, 1000);
}

/* A block cached under max_insns 32 must not run whole under 1. */
static void test_lowered_max_insns(void)
{
	long long orig = sysfs_get("max_insns"), io0 = -1, io1 = -1;
	char buf[32];
	struct vmm vm;

	if (!start_cmos(&vm) && !vmm_run(&vm, 1000)) {
		io0 = vmm_vcpu_stat(&vm, "io_exits");
		sysfs_set("max_insns", "1");
		if (!rerun(&vm))
			io1 = vmm_vcpu_stat(&vm, "io_exits") - io0;
	}
	vmm_destroy(&vm);
	tap_ok(io0 >= 8 && io0 <= 10 && io1 == 16,
	       "max_insns lowered to 1: cached 2-insn blocks no longer run (io_exits %lld, then %lld, expected 8..10, 16)",
	       io0, io1);
	snprintf(buf, sizeof(buf), "%lld", orig);
	sysfs_set("max_insns", buf);
}

static int start_sites(struct vmm *vm)
{
	return vmm_create(vm, VMM_REAL, guest_sites_start,
			  guest_sites_end - guest_sites_start);
}

/* Lowering max_entries shrinks tables now; a full table replaces. */
static void test_max_entries_bound(void)
{
	long long orig = sysfs_get("max_entries"), before = -1, after = -1;
	long long scans = -1, hits = -1;
	char buf[32];
	struct vmm vm;

	if (!start_sites(&vm) && !vmm_run(&vm, 1000)) {
		before = iob_vm_stat(&vm, "entries");
		sysfs_set("max_entries", "4");
		after = iob_vm_stat(&vm, "entries");
	}
	vmm_destroy(&vm);
	/* 18 sites; a block cut by an event adds an entry where it resumes */
	tap_ok(before >= 18 && after >= 0 && after <= 4,
	       "max_entries lowered to 4: table shrinks from %lld to %lld entries",
	       before, after);

	if (!start_sites(&vm) && !vmm_run(&vm, 1000)) {
		scans = iob_vm_stat(&vm, "scans");
		hits = iob_vm_stat(&vm, "hits");
	}
	vmm_destroy(&vm);
	tap_ok(scans >= 18 && scans <= 24 && hits >= 58,
	       "full table (4 entries, 18 sites): hot blocks replace cold ones (scans %lld, hits %lld)",
	       scans, hits);
	snprintf(buf, sizeof(buf), "%lld", orig);
	sysfs_set("max_entries", buf);
}

/*
 * A hot block the vCPU runs from its own copy is looked up in no table,
 * yet CLOCK must count it as used: in a table of 4, the 4 cold blocks
 * that come after the 2 hot ones evict cold entries, and the hot ones are
 * found again afterwards: one scan per site, 22. A table that lost them
 * scans them again: 24. A block cut by an event costs a scan where it
 * resumes: one more per cut (every run in the bed had one). A cut in the
 * hot loop adds an entry no lookup ever marks, which moves CLOCK's hand
 * so that a hot entry can go after all (25): such a run proves nothing
 * either way, and the VM runs again, up to 3 times. The build that never
 * marks kept blocks fails every run.
 */
static void test_max_entries_kept(void)
{
	long long orig = sysfs_get("max_entries");
	long long scans = -1, kept = -1, cuts = -1;
	unsigned int runs;
	bool ok = false;
	char buf[32];
	struct vmm vm;

	sysfs_set("max_entries", "4");
	for (runs = 1; runs <= 3 && !ok; runs++) {
		scans = kept = cuts = -1;
		if (!vmm_create(&vm, VMM_REAL, guest_clock_start,
				guest_clock_end - guest_clock_start) &&
		    !vmm_run(&vm, 1000)) {
			scans = iob_vm_stat(&vm, "scans");
			kept = iob_vm_stat(&vm, "code_kept");
			cuts = iob_vm_stat(&vm, "cuts");
		}
		vmm_destroy(&vm);
		/* else the hot blocks never ran from the vCPU's copies */
		ok = kept >= 32 && cuts >= 0 && scans >= 22 &&
		     scans <= 22 + cuts;
	}
	tap_ok(ok, "full table (4 entries, 22 sites): hot blocks the vCPU keeps stay in the table (scans %lld, expected 22 + cuts; code_kept %lld, cuts %lld; run %u)",
	       scans, kept, cuts, runs - 1);
	snprintf(buf, sizeof(buf), "%lld", orig);
	sysfs_set("max_entries", buf);
}

/*
 * Code that changed at two lookups in a row is left to KVM for 255 exits
 * (IOB_BACKOFF in batch.c), and looked up again after them. smclong's
 * 2048 IO instructions are in code that changes every round: its lookups
 * find it changed at rounds 2 and 3, then at the end of each back-off
 * (every 255 to 510 exits: OUT 0x71 alone is a single with a memo of its
 * own): 7 (6.1). Fewer than 5 means the back-off passed more than it
 * should (through the memo, which got the back-off's whole rest with
 * each grant: 2 in all); more than 16 that it did not hold.
 */
static void test_backoff_bound(void)
{
	long long mism = -1, back = -1, io = -1;
	struct vmm vm;

	if (!vmm_create(&vm, VMM_REAL, guest_smclong_start,
			guest_smclong_end - guest_smclong_start) &&
	    !vmm_run(&vm, 5000)) {
		mism = iob_vm_stat(&vm, "hash_mismatches");
		back = iob_vm_stat(&vm, "backoff_passed");
		io = vmm_vcpu_stat(&vm, "io_exits");
	}
	vmm_destroy(&vm);
	tap_ok(mism >= 5 && mism <= 16 && back > 0,
	       "self-modifying code: back-off of 255 exits, then a lookup (hash_mismatches %lld, expected 5..16; backoff_passed %lld; io_exits %lld)",
	       mism, back, io);
}

/* A guest's exits with traces on: run it again in the same VM. */
static long long trace_rerun(struct vmm *vm, bool trace, long long *io)
{
	long long before = vmm_vcpu_stat(vm, "io_exits");

	iob_set_trace(trace);
	if (rerun(vm))
		return -1;
	*io = vmm_vcpu_stat(vm, "io_exits") - before;
	return 0;
}

/*
 * The trace knob reaches cached blocks: cmos's loop is one trace (1 exit,
 * each round's IN goes to userspace), 8 two-access lines without traces.
 */
static void test_trace_knob(void)
{
	long long io0 = -1, io1 = -1, io2 = -1, cuts = -1;
	struct vmm vm;

	iob_set_trace(true);
	if (!start_cmos(&vm) && !vmm_run(&vm, 1000)) {
		io0 = vmm_vcpu_stat(&vm, "io_exits");
		if (trace_rerun(&vm, false, &io1) ||
		    trace_rerun(&vm, true, &io2))
			io2 = -1;
		cuts = iob_vm_stat(&vm, "cuts");
	}
	vmm_destroy(&vm);
	tap_ok(up_to_cuts(io0, 1, cuts) && up_to_cuts(io1, 8, cuts) &&
	       up_to_cuts(io2, 1, cuts),
	       "trace on, off, on: io_exits %lld, %lld, %lld (expected 1, 8, 1; %lld cuts)",
	       io0, io1, io2, cuts);
	iob_set_trace(false);
}

/*
 * max_insns bounds a trace per entry into the kernel: pit's 66
 * instructions from its first OUT stay in the kernel (in-kernel PIT) and
 * run 32 per exit (3 exits), or 8 per exit (9 exits).
 */
static void test_trace_max_insns(void)
{
	const struct guest_case *pit = NULL;
	long long orig = sysfs_get("max_insns"), io[2] = { -1, -1 };
	long long cuts[2] = { -1, -1 };
	static const char * const max[2] = { "32", "8" };
	unsigned int i;
	char buf[32];

	for (i = 0; i < n_guest_cases; i++)
		if (!strcmp(guest_cases[i].name, "pit"))
			pit = &guest_cases[i];
	iob_set_trace(true);
	for (i = 0; pit && i < 2; i++) {
		struct vmm vm;

		sysfs_set("max_insns", max[i]);
		if (!vmm_create_with_irqchip(&vm, VMM_REAL, pit->start,
					     pit->end - pit->start) &&
		    !vmm_run(&vm, 1000)) {
			io[i] = vmm_vcpu_stat(&vm, "io_exits");
			cuts[i] = iob_vm_stat(&vm, "cuts");
		}
		vmm_destroy(&vm);
	}
	/* A reschedule may cut a trace on a slow kernel: up to 8 more */
	tap_ok(io[0] >= 3 && io[0] <= 3 + 8 && io[1] >= 9 && io[1] <= 9 + 8,
	       "trace bounded by max_insns: pit io_exits %lld at 32, %lld at 8 (expected 3, 9; %lld, %lld cuts)",
	       io[0], io[1], cuts[0], cuts[1]);
	snprintf(buf, sizeof(buf), "%lld", orig);
	sysfs_set("max_insns", buf);
	iob_set_trace(false);
}

static int hold(void)
{
	struct vmm vm;

	if (start_cmos(&vm) || vmm_run(&vm, 1000)) {
		fprintf(stderr, "hold: guest failed\n");
		return 1;
	}
	printf("held\n");
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	unsigned int n_bad = ARRAY_SIZE(bad_values);
	static const char * const bad_insns[] = { "0", "257", "x", " " };
	static const char * const bad_entries[] = { "65537", "-5", "y" };
	int ret, was;

	if (argc == 2 && !strcmp(argv[1], "--hold"))
		return hold();
	ret = iob_module_require(&argc, argv);
	if (ret)
		return ret;
	was = iob_set_trace(false);
	if (was < 0) {
		tap_plan(1);
		tap_ok(false, "set kvm_iobatch's trace parameter: %s",
		       strerror(-was));
		return tap_finish();
	}

	tap_plan(1 + n_bad + 1 + 4 + 1 + 3 + 1 + (n_bad - 1) + 2 + 3 + 2 + 3 +
		 3 + 1 + 1);
	test_sysfs_knob("extent", "128", 128, bad_values, n_bad);
	test_sysfs_knob("max_insns", "16", 16, bad_insns, 4);
	test_sysfs_knob("max_entries", "100", 100, bad_entries, 3);
	test_vm_extent_file();
	test_extent_effect();
	test_table();
	test_lowered_max_insns();
	test_max_entries_bound();
	test_max_entries_kept();
	test_backoff_bound();
	test_trace_knob();
	test_trace_max_insns();
	tap_ok(iob_set_trace(was) == 0, "trace parameter set back to %s",
	       was ? "Y" : "N");
	return tap_finish();
}
