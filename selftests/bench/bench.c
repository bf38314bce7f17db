// SPDX-License-Identifier: GPL-2.0
/*
 * iobatch_bench: VM exits and guest time of port-IO workloads, stock KVM
 * against kvm_iobatch.
 *
 *   iobatch_bench --stock [OPTIONS]           module not loaded
 *   iobatch_bench --module EXTENTS [OPTIONS]  module loaded; EXTENTS is a
 *                                             comma list (0..4096), the
 *                                             global extent knob is set to
 *                                             each in turn
 *   iobatch_bench --list                      print the workload names
 * OPTIONS:
 *   -r N       measured runs per workload and extent (default 5)
 *   -s PCT     scale the iteration counts (percent, default 100)
 *   -w NAME    only this workload (may be repeated)
 *
 * Per workload (and extent) one VM is created and warmed up: a first run
 * with BENCH_WARM_ITERS iterations fills kvm_iobatch's table. Then the
 * same VM runs the guest N times with the full count (RIP is reset, the
 * count rewritten at BENCH_COUNT_GPA). Every counter is the difference
 * over one measured run; the line printed has the median of each counter
 * and the median, minimum and maximum of the guest loop time (wall clock
 * around vmm_run()). So the exit counts are those of a warm table.
 *
 * Output: "# " comment lines and one line per measurement:
 *   bench,MODE,WORKLOAD,EXTENT,IO_INSNS,IO_EXITS,EXITS,USER_EXITS,
 *   T_MED_US,T_MIN_US,T_MAX_US,HITS,LOOKUPS,MISMATCHES,BLOCKS,CUTS
 * MODE is stock or module; EXTENT and the kvm_iobatch counters are "-"
 * for stock. IO_EXITS and EXITS are KVM's vCPU stats "io_exits" and
 * "exits", USER_EXITS the KVM_RUN returns seen by the VMM, LOOKUPS the
 * module's "hits" + "scans" (hits / lookups is the table hit rate).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>

#include "iobstat.h"
#include "vmm.h"

#define BENCH_COUNT_GPA		0x500
#define BENCH_STACK_TOP		0x8000
#define BENCH_WARM_ITERS	4
#define BENCH_MAX_REPEATS	64
#define BENCH_MAX_EXTENTS	32
#define BENCH_DONE_OUTS		1	/* the OUT to VMM_DONE_PORT */

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define BENCH_DECL(n) \
	extern const unsigned char bench_##n##_start[], bench_##n##_end[]

BENCH_DECL(cmos);
BENCH_DECL(vga);
BENCH_DECL(pit);
BENCH_DECL(pic);
BENCH_DECL(mixed);
BENCH_DECL(mixedk);
BENCH_DECL(smc);
BENCH_DECL(palette);

/**
 * struct workload - one benchmark guest and how to run it
 * @name: short name, first column of the output
 * @start: first byte of the guest image (bench_guests.S)
 * @end: one past its last byte
 * @irqchip: in-kernel PIC/PIT; the guest ends with an OUT to VMM_DONE_PORT
 * @coalesce_port: port registered as coalesced PIO (0: none)
 * @io_per_iter: IO instructions per loop iteration
 * @iters: loop iterations of a measured run (before -s scaling)
 */
struct workload {
	const char *name;
	const unsigned char *start, *end;
	bool irqchip;
	unsigned short coalesce_port;
	unsigned int io_per_iter;
	unsigned int iters;
};

#define W(n) .start = bench_##n##_start, .end = bench_##n##_end

static const struct workload workloads[] = {
	{ .name = "cmos", W(cmos), .io_per_iter = 2, .iters = 1000 },
	{ .name = "cmos_coalesced", W(cmos), .coalesce_port = 0x70,
	  .io_per_iter = 2, .iters = 1000 },
	{ .name = "vga", W(vga), .io_per_iter = 4, .iters = 500 },
	{ .name = "pit", W(pit), .irqchip = true, .io_per_iter = 3,
	  .iters = 700 },
	{ .name = "pic_eoi", W(pic), .irqchip = true, .io_per_iter = 2,
	  .iters = 1000 },
	{ .name = "mixed", W(mixed), .io_per_iter = 1, .iters = 2000 },
	{ .name = "mixed_kern", W(mixedk), .irqchip = true, .io_per_iter = 1,
	  .iters = 2000 },
	{ .name = "smc", W(smc), .io_per_iter = 2, .iters = 1000 },
	{ .name = "palette", W(palette), .io_per_iter = 13, .iters = 200 },
};

#define N_WORKLOADS ARRAY_SIZE(workloads)

/* The module's counters read per run, in this order. */
static const char * const iob_counters[] = {
	"hits", "scans", "hash_mismatches", "blocks", "cuts",
};

#define N_IOB ARRAY_SIZE(iob_counters)

/**
 * struct sample - one measured run
 * @io_exits: KVM vCPU stat "io_exits"
 * @exits: KVM vCPU stat "exits"
 * @user_exits: KVM_RUN returns seen by the VMM
 * @us: guest loop wall time in microseconds
 * @iob: the module's counters, see iob_counters (-1: not available)
 */
struct sample {
	long long io_exits;
	long long exits;
	long long user_exits;
	double us;
	long long iob[N_IOB];
};

struct options {
	bool module;
	unsigned int extents[BENCH_MAX_EXTENTS];
	unsigned int n_extents;
	unsigned int repeats;
	unsigned int scale;
	const char *only[N_WORKLOADS];
	unsigned int n_only;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static long long user_exits(const struct vmm *vm)
{
	long long n = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vm->exits); i++)
		n += vm->exits[i];
	return n;
}

static void snapshot(struct vmm *vm, bool module, struct sample *s)
{
	unsigned int i;

	s->io_exits = vmm_vcpu_stat(vm, "io_exits");
	s->exits = vmm_vcpu_stat(vm, "exits");
	s->user_exits = user_exits(vm);
	for (i = 0; i < N_IOB; i++)
		s->iob[i] = module ? iob_vm_stat(vm, iob_counters[i]) : -1;
}

/* Point the vCPU at the guest's first instruction again, with @iters. */
static int rewind_guest(struct vmm *vm, const struct workload *w,
			unsigned int iters)
{
	struct kvm_regs regs;
	uint16_t count = iters;
	int err;

	/* A run that ended on the done port has its OUT pending. */
	if (w->irqchip) {
		err = vmm_complete_io(vm);
		if (err)
			return err;
	}
	memcpy(vm->mem + BENCH_COUNT_GPA, &count, sizeof(count));
	memset(&regs, 0, sizeof(regs));
	regs.rip = VMM_CODE_GPA;
	regs.rsp = BENCH_STACK_TOP;
	regs.rflags = 0x2;
	return ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) ? -errno : 0;
}

/* One run of @iters iterations; *@d gets the counter differences. */
static int run_once(struct vmm *vm, const struct workload *w,
		    unsigned int iters, bool module, struct sample *d)
{
	struct sample a, b;
	double t0, t1;
	unsigned int i;
	int err;

	err = rewind_guest(vm, w, iters);
	if (err)
		return err;
	snapshot(vm, module, &a);
	t0 = now_us();
	err = vmm_run(vm, 100ul * iters + 1000);
	t1 = now_us();
	if (err) {
		fprintf(stderr, "bench: %s: vmm_run returned %d\n", w->name,
			err);
		return -EIO;
	}
	snapshot(vm, module, &b);
	d->io_exits = b.io_exits - a.io_exits;
	d->exits = b.exits - a.exits;
	d->user_exits = b.user_exits - a.user_exits;
	d->us = t1 - t0;
	for (i = 0; i < N_IOB; i++)
		d->iob[i] = a.iob[i] < 0 || b.iob[i] < 0 ? -1 :
			    b.iob[i] - a.iob[i];
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of @n values taken from the samples at @off (a long long). */
static long long median_ll(const struct sample *s, unsigned int n,
			   size_t off)
{
	long long v[BENCH_MAX_REPEATS];
	unsigned int i;

	for (i = 0; i < n; i++)
		memcpy(&v[i], (const char *)&s[i] + off, sizeof(v[i]));
	qsort(v, n, sizeof(v[0]), cmp_ll);
	return v[n / 2];
}

static void print_ll(long long v)
{
	if (v < 0)
		printf(",-");
	else
		printf(",%lld", v);
}

/* Measure one workload at one extent (@extent < 0: stock) and print it. */
static int measure(const struct workload *w, int extent,
		   const struct options *o)
{
	struct sample s[BENCH_MAX_REPEATS];
	double t[BENCH_MAX_REPEATS];
	unsigned int iters = w->iters * o->scale / 100;
	long long io_insns, hits, scans;
	size_t len = w->end - w->start;
	struct sample warm;
	struct vmm vm;
	unsigned int i;
	int err;

	if (!iters)
		iters = 1;
	if (iters > 0xffff)
		iters = 0xffff;
	err = w->irqchip ? vmm_create_with_irqchip(&vm, VMM_REAL, w->start, len)
			 : vmm_create(&vm, VMM_REAL, w->start, len);
	if (err) {
		fprintf(stderr, "bench: %s: cannot create VM: %s\n", w->name,
			strerror(-err));
		return err;
	}
	for (i = 0; i < 128; i++)
		vm.cmos[i] = (uint8_t)(i * 7 + 3);
	if (w->coalesce_port) {
		err = vmm_coalesce_pio(&vm, w->coalesce_port, 1);
		if (err) {
			fprintf(stderr, "bench: %s: no coalesced PIO: %s\n",
				w->name, strerror(-err));
			goto out;
		}
	}

	err = run_once(&vm, w, BENCH_WARM_ITERS, o->module, &warm);
	for (i = 0; !err && i < o->repeats; i++) {
		err = run_once(&vm, w, iters, o->module, &s[i]);
		t[i] = s[i].us;
	}
	if (err)
		goto out;
	qsort(t, o->repeats, sizeof(t[0]), cmp_double);

	io_insns = (long long)iters * w->io_per_iter +
		   (w->irqchip ? BENCH_DONE_OUTS : 0);
	printf("bench,%s,%s", o->module ? "module" : "stock", w->name);
	if (extent < 0)
		printf(",-");
	else
		printf(",%d", extent);
	printf(",%lld", io_insns);
	print_ll(median_ll(s, o->repeats, offsetof(struct sample, io_exits)));
	print_ll(median_ll(s, o->repeats, offsetof(struct sample, exits)));
	print_ll(median_ll(s, o->repeats, offsetof(struct sample, user_exits)));
	printf(",%.0f,%.0f,%.0f", t[o->repeats / 2], t[0], t[o->repeats - 1]);
	hits = median_ll(s, o->repeats, offsetof(struct sample, iob[0]));
	scans = median_ll(s, o->repeats, offsetof(struct sample, iob[1]));
	print_ll(hits);
	print_ll(hits < 0 || scans < 0 ? -1 : hits + scans);
	for (i = 2; i < N_IOB; i++)
		print_ll(median_ll(s, o->repeats,
				   offsetof(struct sample, iob[0]) +
				   i * sizeof(long long)));
	printf("\n");
	fflush(stdout);
out:
	vmm_destroy(&vm);
	return err;
}

static bool selected(const struct options *o, const char *name)
{
	unsigned int i;

	if (!o->n_only)
		return true;
	for (i = 0; i < o->n_only; i++)
		if (!strcmp(o->only[i], name))
			return true;
	return false;
}

static int parse_extents(char *list, struct options *o)
{
	char *tok, *end, *save = NULL;
	unsigned long v;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		errno = 0;
		v = strtoul(tok, &end, 0);
		if (errno || *end || end == tok || v > 4096 ||
		    o->n_extents >= BENCH_MAX_EXTENTS)
			return -1;
		o->extents[o->n_extents++] = v;
	}
	return o->n_extents ? 0 : -1;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s --stock [-r N] [-s PCT] [-w NAME]...\n"
		"       %s --module EXTENT[,EXTENT...] [-r N] [-s PCT] [-w NAME]...\n"
		"       %s --list\n",
		prog, prog, prog);
	exit(2);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	bool mode_set = false;
	unsigned int n;
	int i;

	memset(o, 0, sizeof(*o));
	o->repeats = 5;
	o->scale = 100;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_arg = i + 1 < argc;

		if (!strcmp(a, "--list") && argc == 2) {
			for (i = 0; i < (int)N_WORKLOADS; i++)
				printf("%s\n", workloads[i].name);
			exit(0);
		} else if (!strcmp(a, "--stock")) {
			o->module = false;
			mode_set = true;
		} else if (!strcmp(a, "--module") && has_arg) {
			o->module = true;
			mode_set = true;
			if (parse_extents(argv[++i], o))
				usage(argv[0]);
		} else if (!strcmp(a, "-r") && has_arg) {
			o->repeats = atoi(argv[++i]);
		} else if (!strcmp(a, "-s") && has_arg) {
			o->scale = atoi(argv[++i]);
		} else if (!strcmp(a, "-w") && has_arg &&
			   o->n_only < N_WORKLOADS) {
			o->only[o->n_only++] = argv[++i];
		} else {
			usage(argv[0]);
		}
	}
	if (!mode_set || o->repeats < 1 || o->repeats > BENCH_MAX_REPEATS ||
	    o->scale < 1)
		usage(argv[0]);
	for (n = 0; n < o->n_only; n++) {
		unsigned int w;

		for (w = 0; w < N_WORKLOADS; w++)
			if (!strcmp(o->only[n], workloads[w].name))
				break;
		if (w == N_WORKLOADS) {
			fprintf(stderr, "bench: no workload %s\n", o->only[n]);
			usage(argv[0]);
		}
	}
}

int main(int argc, char **argv)
{
	char old_extent[32] = "";
	struct options o;
	unsigned int i, e;
	long long v;
	int err, rc = 0;

	parse_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (o.module != !!iob_loaded()) {
		fprintf(stderr, "bench: kvm_iobatch is %sloaded, --%s needs it %sloaded\n",
			iob_loaded() ? "" : "not ",
			o.module ? "module" : "stock",
			o.module ? "" : "not ");
		return 1;
	}
	if (o.module && !iob_read_long(IOB_SYSFS "/extent", &v))
		snprintf(old_extent, sizeof(old_extent), "%lld", v);

	printf("# iobatch_bench %s: %u measured runs per line, warm-up run of %u iterations in the same VM first, counts scaled %u%%\n",
	       o.module ? "module" : "stock", o.repeats, BENCH_WARM_ITERS,
	       o.scale);
	printf("# bench,mode,workload,extent,io_insns,io_exits,exits,user_exits,t_med_us,t_min_us,t_max_us,hits,lookups,mismatches,blocks,cuts\n");

	for (i = 0; i < N_WORKLOADS; i++) {
		const struct workload *w = &workloads[i];

		if (!selected(&o, w->name))
			continue;
		if (!o.module) {
			if (measure(w, -1, &o))
				rc = 1;
			continue;
		}
		for (e = 0; e < o.n_extents; e++) {
			char val[16];

			snprintf(val, sizeof(val), "%u", o.extents[e]);
			err = iob_write_file(IOB_SYSFS "/extent", val);
			if (err) {
				fprintf(stderr, "bench: cannot set extent %s: %s\n",
					val, strerror(-err));
				rc = 1;
				continue;
			}
			if (measure(w, o.extents[e], &o))
				rc = 1;
		}
	}
	if (old_extent[0])
		iob_write_file(IOB_SYSFS "/extent", old_extent);
	return rc;
}
