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
 *   iobatch_bench [--ko PATH] [OPTIONS]       host mode: stock, then the
 *                                             module (loaded from PATH or
 *                                             $KVM_IOBATCH_KO if need be),
 *                                             wall time per IO instruction
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
 * for stock.
 *
 * Host mode is what a host admin runs to report a hardware figure in one
 * paste: a header with what the figure depends on (CPU, SVM or VMX, the
 * kernel, KVM's module parameters, a hypervisor below this host, TCG
 * included), the "bench," lines, then per workload the wall time per IO
 * instruction with stock KVM and with kvm_iobatch (at its loaded
 * parameters) and their ratio. A half that cannot run here is skipped
 * with the reason; the module is left as it was found (lib/module.h). IO_EXITS and EXITS are KVM's vCPU stats "io_exits" and
 * "exits", USER_EXITS the KVM_RUN returns seen by the VMM, LOOKUPS the
 * module's "hits" + "scans" (hits / lookups is the table hit rate).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>

#include <cpuid.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "iobstat.h"
#include "module.h"
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

/* The medians of one printed line, for host mode's table. */
struct line_result {
	bool done;
	long long io_insns;
	long long io_exits;
	double t_med_us;
};

struct options {
	bool host;
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
		   const struct options *o, struct line_result *res)
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
	if (res) {
		res->done = true;
		res->io_insns = io_insns;
		res->io_exits = median_ll(s, o->repeats,
					  offsetof(struct sample, io_exits));
		res->t_med_us = t[o->repeats / 2];
	}
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
		"       %s [--ko PATH] [-r N] [-s PCT] [-w NAME]...   (host mode)\n"
		"       %s --list\n",
		prog, prog, prog, prog);
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
	o->host = !mode_set;
	if (o->repeats < 1 || o->repeats > BENCH_MAX_REPEATS ||
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

/* The value of "key : value" from /proc/cpuinfo's first CPU, or "?". */
static void cpuinfo(const char *key, char *val, size_t len)
{
	char line[4096];
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(val, len, "?");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, key, klen) || !colon ||
		    (line[klen] != ' ' && line[klen] != '\t' && line[klen] != ':'))
			continue;
		colon += 1 + (colon[1] == ' ');
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(val, len, "%s", colon);
		break;
	}
	fclose(f);
}

static bool cpu_flag(const char *flag)
{
	char flags[4096], *tok, *save = NULL;

	cpuinfo("flags", flags, sizeof(flags));
	for (tok = strtok_r(flags, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		if (!strcmp(tok, flag))
			return true;
	return false;
}

/* "name=value ..." of a module's parameters in sysfs, or "not loaded". */
static void module_params(const char *mod)
{
	char dir[128], path[512], val[128];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/module/%s/parameters", mod);
	d = opendir(dir);
	printf("# %s:", mod);
	if (!d) {
		snprintf(path, sizeof(path), "/sys/module/%s", mod);
		printf(" %s\n", access(path, F_OK) ? "not loaded" :
		       "loaded, no parameters");
		return;
	}
	while ((de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(val, sizeof(val), f)) {
			val[strcspn(val, "\n")] = '\0';
			printf(" %s=%s", de->d_name, val);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	printf("%s\n", n ? "" : " (none readable)");
}

/*
 * What the figures depend on, one "# " line each. The hypervisor below
 * this kernel comes from CPUID 0x40000000: QEMU's TCG says "TCGTCGTCGTCG",
 * and then the times are those of an emulated CPU, not of hardware.
 */
static bool host_header(const char *ko)
{
	char model[256], vendor[64], fam[16], mod[16], step[16], ucode[32];
	unsigned int a, b, c, d, sig[3];
	char hv[13] = "", vendor_mods[4][256];
	unsigned int i, n_vendor;
	struct utsname u;
	struct dirent *de;
	bool tcg = false;
	DIR *dir;

	cpuinfo("model name", model, sizeof(model));
	cpuinfo("vendor_id", vendor, sizeof(vendor));
	cpuinfo("cpu family", fam, sizeof(fam));
	cpuinfo("model", mod, sizeof(mod));
	cpuinfo("stepping", step, sizeof(step));
	cpuinfo("microcode", ucode, sizeof(ucode));
	printf("# iobatch_bench host mode: wall time per guest IO instruction, stock KVM vs kvm_iobatch\n");
	printf("# cpu: %s (%s family %s model %s stepping %s microcode %s), %ld CPUs online\n",
	       model, vendor, fam, mod, step, ucode,
	       sysconf(_SC_NPROCESSORS_ONLN));
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 31))) {
		__cpuid(0x40000000, a, sig[0], sig[1], sig[2]);
		memcpy(hv, sig, 12);
		tcg = !strcmp(hv, "TCGTCGTCGTCG");
		printf("# hypervisor below this kernel: \"%s\"%s\n", hv,
		       tcg ? ": QEMU TCG, an emulated CPU: TCG times, not hardware times" :
		       ": nested virtualization, times include the outer hypervisor");
	} else {
		printf("# hypervisor below this kernel: none (bare metal)\n");
	}
	/* The vendor module: kvm_amd, kvm_intel, or what else is there. */
	n_vendor = 0;
	dir = opendir("/sys/module");
	while (dir && (de = readdir(dir)) && n_vendor < ARRAY_SIZE(vendor_mods))
		if (!strncmp(de->d_name, "kvm_", 4) &&
		    strcmp(de->d_name, "kvm_iobatch"))
			snprintf(vendor_mods[n_vendor++], sizeof(vendor_mods[0]),
				 "%s", de->d_name);
	if (dir)
		closedir(dir);
	printf("# virt: %s, vendor module%s:",
	       cpu_flag("svm") ? "SVM" : cpu_flag("vmx") ? "VMX" :
	       "no SVM/VMX CPU flag", n_vendor == 1 ? "" : "s");
	for (i = 0; i < n_vendor; i++)
		printf(" %s", vendor_mods[i]);
	printf("%s\n", n_vendor ? "" : " none loaded");
	if (!uname(&u))
		printf("# kernel: %s %s %s %s\n", u.sysname, u.release,
		       u.version, u.machine);
	module_params("kvm");
	for (i = 0; i < n_vendor; i++)
		module_params(vendor_mods[i]);
	module_params("kvm_iobatch");
	printf("# module file: %s\n", ko ? ko : "none (--ko PATH or " IOB_KO_ENV "=PATH)");
	printf("# clock: CLOCK_MONOTONIC around KVM_RUN loops%s\n",
	       tcg ? " (TCG time)" : "");
	return tcg;
}

/* Measure every selected workload in one mode; 0 or 1 (a run failed). */
static int host_run(struct options *o, bool module, struct line_result *r)
{
	unsigned int i;
	int rc = 0;

	o->module = module;
	for (i = 0; i < N_WORKLOADS; i++) {
		long long v;

		if (!selected(o, workloads[i].name))
			continue;
		/* measure() labels the line with the extent it ran at. */
		if (measure(&workloads[i],
			    module && !iob_read_long(IOB_SYSFS "/extent", &v) ?
			    (int)v : -1, o, &r[i]))
			rc = 1;
	}
	return rc;
}

static int host_main(struct options *o, const char *ko)
{
	struct line_result stock[N_WORKLOADS] = { 0 }, mod[N_WORKLOADS] = { 0 };
	struct iob_module_state st = { .ko = ko };
	const char *why = iob_no_kvm_reason();
	char stock_why[1300] = "", mod_why[1300] = "";
	bool tcg, loaded_by_us = false;
	unsigned int i;
	int rc = 0;

	tcg = host_header(ko);
	if (why) {
		printf("# stock: skipped: %s\n# module: skipped: %s\n", why, why);
		return 4;
	}
	printf("# %u measured runs per line, warm-up run of %u iterations in the same VM first, counts scaled %u%%\n",
	       o->repeats, BENCH_WARM_ITERS, o->scale);
	printf("# bench,mode,workload,extent,io_insns,io_exits,exits,user_exits,t_med_us,t_min_us,t_max_us,hits,lookups,mismatches,blocks,cuts\n");

	/* Stock needs the module out of the way, and back afterwards. */
	st.was_loaded = iob_loaded();
	if (st.was_loaded && iob_module_stock(&st))
		snprintf(stock_why, sizeof(stock_why), "%s", st.why);
	if (!stock_why[0])
		rc |= host_run(o, false, stock);

	if (iob_loaded()) {
		/* found loaded and left loaded: stock was skipped */
	} else if (!ko) {
		snprintf(mod_why, sizeof(mod_why),
			 "kvm_iobatch is not loaded and there is no module file (--ko PATH or " IOB_KO_ENV "=PATH)");
	} else if (!iob_module_may_load()) {
		snprintf(mod_why, sizeof(mod_why),
			 "this process may not load modules (needs root/CAP_SYS_MODULE)");
	} else if (iob_module_reload(&st)) {
		snprintf(mod_why, sizeof(mod_why), "%s", st.why);
		rc = 1;
	} else {
		loaded_by_us = !st.was_loaded;
	}
	if (!mod_why[0]) {
		module_params("kvm_iobatch");
		rc |= host_run(o, true, mod);
	}
	if (st.ko && (loaded_by_us || st.was_loaded) && iob_module_restore(&st)) {
		printf("# %s\n", st.why);
		rc = 1;
	}

	if (stock_why[0])
		printf("# stock: skipped: %s\n", stock_why);
	if (mod_why[0])
		printf("# module: skipped: %s\n", mod_why);
	printf("# %-14s %8s %12s %12s %7s %9s %9s\n", "workload", "io_insns",
	       tcg ? "stock TCG" : "stock", tcg ? "module TCG" : "module",
	       "ratio", "exits/IO", "exits/IO");
	printf("# %-14s %8s %12s %12s %7s %9s %9s\n", "", "",
	       "ns per IO", "ns per IO", "st/mod", "stock", "module");
	for (i = 0; i < N_WORKLOADS; i++) {
		const struct line_result *s = &stock[i], *m = &mod[i];
		long long n = s->done ? s->io_insns : m->io_insns;
		char sn[32] = "-", mn[32] = "-", ratio[16] = "-";
		char se[16] = "-", me[16] = "-";

		if (!s->done && !m->done)
			continue;
		if (s->done) {
			snprintf(sn, sizeof(sn), "%.1f", s->t_med_us * 1000 / n);
			snprintf(se, sizeof(se), "%.3f", (double)s->io_exits / n);
		}
		if (m->done) {
			snprintf(mn, sizeof(mn), "%.1f", m->t_med_us * 1000 / n);
			snprintf(me, sizeof(me), "%.3f", (double)m->io_exits / n);
		}
		if (s->done && m->done && m->t_med_us > 0)
			snprintf(ratio, sizeof(ratio), "%.2f",
				 s->t_med_us / m->t_med_us);
		printf("# %-14s %8lld %12s %12s %7s %9s %9s\n",
		       workloads[i].name, n, sn, mn, ratio, se, me);
	}
	return rc;
}

int main(int argc, char **argv)
{
	char old_extent[32] = "";
	struct options o;
	unsigned int i, e;
	long long v;
	int err, rc = 0;

	const char *ko = iob_ko_arg(&argc, argv);

	parse_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.host)
		return host_main(&o, ko);

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
			if (measure(w, -1, &o, NULL))
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
			if (measure(w, o.extents[e], &o, NULL))
				rc = 1;
		}
	}
	if (old_extent[0])
		iob_write_file(IOB_SYSFS "/extent", old_extent);
	return rc;
}
