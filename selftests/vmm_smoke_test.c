// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test of the test VMM (lib/vmm.c) on stock KVM: real and long mode
 * guests, the default CMOS device, in_fn/out_fn, in-kernel PIT with
 * irqchip, the coalesced PIO ring, the max_runs bound and binary stats,
 * the MMIO hole and exceptions to one handler in all three modes.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "vmm.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static struct vmm vm;

/* Skip the @n remaining checks of a group whose VM could not be set up. */
static void skip_n(int n, const char *why, int err)
{
	while (n-- > 0)
		tap_skip("%s: %s", why, strerror(-err));
}

static bool io_is(const struct vmm_io *io, bool in, uint16_t port, int size,
		  uint32_t data)
{
	return io->in == in && io->port == port && io->size == size &&
	       io->data == data;
}

static void dump_log(const struct vmm *v)
{
	unsigned int i;

	for (i = 0; i < v->n_io && i < VMM_MAX_IOLOG; i++)
		tap_diag("  io[%u]: %s 0x%x size %u data 0x%x", i,
			 v->iolog[i].in ? "IN " : "OUT", v->iolog[i].port,
			 v->iolog[i].size, v->iolog[i].data);
}

/*
 * Real mode, default CMOS device: read register 0x0e, then registers 10..1
 * in a loop, summing them into BH.
 */
static const uint8_t cmos_guest[] = {
	0xb0, 0x0e,		/* mov al, 0x0e */
	0xe6, 0x70,		/* out 0x70, al */
	0xe4, 0x71,		/* in al, 0x71 */
	0x88, 0xc3,		/* mov bl, al */
	0xb9, 0x0a, 0x00,	/* mov cx, 10 */
	/* loop: */
	0x88, 0xc8,		/* mov al, cl */
	0xe6, 0x70,		/* out 0x70, al */
	0xe4, 0x71,		/* in al, 0x71 */
	0x00, 0xc7,		/* add bh, al */
	0x49,			/* dec cx */
	0x75, 0xf5,		/* jnz loop */
	0xf4,			/* hlt */
};
#define CMOS_TESTS	7

static void test_cmos(void)
{
	struct kvm_regs regs;
	unsigned int i, bad = 0;
	long long io_exits;
	uint8_t sum = 0;
	int ret;

	ret = vmm_create(&vm, VMM_REAL, cmos_guest, sizeof(cmos_guest));
	if (ret) {
		skip_n(CMOS_TESTS, "vmm_create", ret);
		return;
	}
	for (i = 0; i < 128; i++)
		vm.cmos[i] = 0x10 + i;
	vm.cmos[0x0e] = 0x5a;
	for (i = 1; i <= 10; i++)
		sum += vm.cmos[i];

	ret = vmm_run(&vm, 1000);
	tap_ok(ret == 0, "cmos: vmm_run returns 0 on HLT (got %d)", ret);
	tap_ok(vm.exits[KVM_EXIT_IO] == 22 && vm.exits[KVM_EXIT_HLT] == 1 &&
	       vm.kvm_runs == 23,
	       "cmos: 22 IO exits, 1 HLT exit, 23 KVM_RUNs (got %lu, %lu, %lu)",
	       vm.exits[KVM_EXIT_IO], vm.exits[KVM_EXIT_HLT], vm.kvm_runs);

	if (vm.n_io != 22 ||
	    !io_is(&vm.iolog[0], false, 0x70, 1, 0x0e) ||
	    !io_is(&vm.iolog[1], true, 0x71, 1, 0x5a))
		bad++;
	for (i = 0; i < 10 && vm.n_io == 22; i++) {
		if (!io_is(&vm.iolog[2 + 2 * i], false, 0x70, 1, 10 - i) ||
		    !io_is(&vm.iolog[3 + 2 * i], true, 0x71, 1,
			   vm.cmos[10 - i]))
			bad++;
	}
	if (!tap_ok(!bad, "cmos: iolog sequence (n_io %u)", vm.n_io))
		dump_log(&vm);
	tap_ok(vm.cmos_index == 1, "cmos: final CMOS index 1 (got %u)",
	       vm.cmos_index);

	ret = vmm_get_regs(&vm, &regs);
	tap_ok(!ret && (regs.rbx & 0xffff) == (unsigned int)(sum << 8 | 0x5a) &&
	       (regs.rcx & 0xffff) == 0 &&
	       regs.rip == VMM_CODE_GPA + sizeof(cmos_guest),
	       "cmos: final regs bx=0x%llx cx=0x%llx rip=0x%llx",
	       (unsigned long long)regs.rbx, (unsigned long long)regs.rcx,
	       (unsigned long long)regs.rip);

	io_exits = vmm_vcpu_stat(&vm, "io_exits");
	tap_ok(io_exits > 0, "stats: io_exits = %lld", io_exits);
	tap_ok(vmm_vcpu_stat(&vm, "no_such_stat") == -1,
	       "stats: unknown stat returns -1");
	tap_diag("stats: exits=%lld halt_exits=%lld",
		 vmm_vcpu_stat(&vm, "exits"), vmm_vcpu_stat(&vm, "halt_exits"));
	vmm_destroy(&vm);
}

/* Real mode, in_fn/out_fn replace the default device. */
static const uint8_t fn_guest[] = {
	0xba, 0x34, 0x12,	/* mov dx, 0x1234 */
	0xed,			/* in ax, dx */
	0x40,			/* inc ax */
	0xef,			/* out dx, ax */
	0xe4, 0x71,		/* in al, 0x71 */
	0xf4,			/* hlt */
};
#define FN_TESTS	2

static uint32_t fn_in(struct vmm *v, uint16_t port, int size)
{
	(void)v;
	return port == 0x1234 && size == 2 ? 0xabcd : 0x42;
}

static void fn_out(struct vmm *v, uint16_t port, int size, uint32_t val)
{
	*(uint32_t *)v->priv = (uint32_t)port << 16 | size << 12 | (val & 0xfff);
}

static void test_fns(void)
{
	uint32_t seen = 0;
	int ret;

	ret = vmm_create(&vm, VMM_REAL, fn_guest, sizeof(fn_guest));
	if (ret) {
		skip_n(FN_TESTS, "vmm_create", ret);
		return;
	}
	vm.in_fn = fn_in;
	vm.out_fn = fn_out;
	vm.priv = &seen;
	ret = vmm_run(&vm, 100);
	tap_ok(ret == 0 && seen == (0x1234u << 16 | 2 << 12 | 0xbce),
	       "fns: in_fn value reached the guest, out_fn saw 0x%x", seen);
	if (!tap_ok(vm.n_io == 3 &&
		    io_is(&vm.iolog[0], true, 0x1234, 2, 0xabcd) &&
		    io_is(&vm.iolog[1], false, 0x1234, 2, 0xabce) &&
		    io_is(&vm.iolog[2], true, 0x71, 1, 0x42),
		    "fns: iolog with in_fn/out_fn"))
		dump_log(&vm);
	vmm_destroy(&vm);
}

/* 64-bit guest: OUTs of all sizes, a 64-bit immediate, stack use. */
static const uint8_t long_guest[] = {
	0x48, 0xb8, 0x88, 0x77, 0x66, 0x55,
	0x44, 0x33, 0x22, 0x11,	/* mov rax, 0x1122334455667788 */
	0x66, 0xba, 0x80, 0x00,	/* mov dx, 0x80 */
	0xee,			/* out dx, al */
	0x48, 0xc1, 0xe8, 0x20,	/* shr rax, 32 */
	0xef,			/* out dx, eax */
	0x66, 0xb8, 0xef, 0xbe,	/* mov ax, 0xbeef */
	0x66, 0xef,		/* out dx, ax */
	0x48, 0x89, 0xe3,	/* mov rbx, rsp */
	0x50,			/* push rax */
	0x59,			/* pop rcx */
	0x66, 0xba, 0x81, 0x00,	/* mov dx, 0x81 */
	0xec,			/* in al, dx */
	0xf4,			/* hlt */
};
#define LONG_TESTS	4

static void test_long(void)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	ret = vmm_create(&vm, VMM_LONG, long_guest, sizeof(long_guest));
	if (ret) {
		skip_n(LONG_TESTS, "vmm_create(VMM_LONG)", ret);
		return;
	}
	ret = vmm_run(&vm, 100);
	tap_ok(ret == 0 && vm.exits[KVM_EXIT_IO] == 4 &&
	       vm.exits[KVM_EXIT_HLT] == 1,
	       "long: ran to HLT with 4 IO exits (ret %d, io %lu)", ret,
	       vm.exits[KVM_EXIT_IO]);
	if (!tap_ok(vm.n_io == 4 &&
		    io_is(&vm.iolog[0], false, 0x80, 1, 0x88) &&
		    io_is(&vm.iolog[1], false, 0x80, 4, 0x11223344) &&
		    io_is(&vm.iolog[2], false, 0x80, 2, 0xbeef) &&
		    io_is(&vm.iolog[3], true, 0x81, 1, 0xff),
		    "long: iolog sizes and values"))
		dump_log(&vm);
	ret = vmm_get_regs(&vm, &regs);
	tap_ok(!ret && regs.rax == 0x1122beff && regs.rcx == 0x1122beef &&
	       regs.rbx == 0x8000 && regs.rsp == 0x8000 &&
	       regs.rip == VMM_CODE_GPA + sizeof(long_guest),
	       "long: regs rax=0x%llx rcx=0x%llx rbx=0x%llx rip=0x%llx",
	       (unsigned long long)regs.rax, (unsigned long long)regs.rcx,
	       (unsigned long long)regs.rbx, (unsigned long long)regs.rip);
	ret = vmm_get_sregs(&vm, &sregs);
	tap_ok(!ret && (sregs.efer & 0x500) == 0x500 && sregs.cs.l == 1,
	       "long: EFER.LMA|LME and CS.L set (efer 0x%llx)",
	       (unsigned long long)sregs.efer);
	vmm_destroy(&vm);
}

/* In-kernel PIT: nothing but the done port reaches us. */
static const uint8_t pit_guest[] = {
	0xb0, 0x34,		/* mov al, 0x34 (ch0, lo/hi, mode 2) */
	0xe6, 0x43,		/* out 0x43, al */
	0xb0, 0x00,		/* mov al, 0x00 */
	0xe6, 0x40,		/* out 0x40, al */
	0xb0, 0x10,		/* mov al, 0x10 */
	0xe6, 0x40,		/* out 0x40, al */
	0xe4, 0x40,		/* in al, 0x40 */
	0xb0, 0xa5,		/* mov al, 0xa5 */
	0xe6, VMM_DONE_PORT,	/* out VMM_DONE_PORT, al */
	0xf4,			/* hlt (not reached) */
};
#define PIT_TESTS	4

static void test_irqchip(void)
{
	struct kvm_regs regs;
	long long io_exits;
	int ret;

	ret = vmm_create_with_irqchip(&vm, VMM_REAL, pit_guest,
				      sizeof(pit_guest));
	if (ret) {
		skip_n(PIT_TESTS, "vmm_create_with_irqchip", ret);
		return;
	}
	ret = vmm_run(&vm, 100);
	if (!tap_ok(ret == 0 && vm.n_io == 1 && vm.exits[KVM_EXIT_IO] == 1 &&
		    io_is(&vm.iolog[0], false, VMM_DONE_PORT, 1, 0xa5),
		    "irqchip: PIT IO stays in the kernel (ret %d, n_io %u)",
		    ret, vm.n_io))
		dump_log(&vm);
	ret = vmm_get_regs(&vm, &regs);
	tap_ok(!ret && regs.rip == VMM_CODE_GPA + sizeof(pit_guest) - 3,
	       "irqchip: RIP still at the done OUT (rip 0x%llx)",
	       (unsigned long long)regs.rip);
	ret = vmm_complete_io(&vm);
	if (!ret)
		ret = vmm_get_regs(&vm, &regs);
	tap_ok(!ret && regs.rip == VMM_CODE_GPA + sizeof(pit_guest) - 1 &&
	       vm.n_io == 1,
	       "irqchip: vmm_complete_io moves RIP past it (ret %d, rip 0x%llx)",
	       ret, (unsigned long long)regs.rip);
	io_exits = vmm_vcpu_stat(&vm, "io_exits");
	tap_ok(io_exits >= 5, "irqchip: io_exits counts in-kernel IO (%lld)",
	       io_exits);
	vmm_destroy(&vm);
}

/* Coalesced OUTs to 0x70 must be replayed before the IN 0x71 is served. */
static const uint8_t coalesce_guest[] = {
	0xb0, 0x01, 0xe6, 0x70,	/* mov al, 1; out 0x70, al */
	0xb0, 0x02, 0xe6, 0x70,	/* mov al, 2; out 0x70, al */
	0xb0, 0x03, 0xe6, 0x70,	/* mov al, 3; out 0x70, al */
	0xe4, 0x71,		/* in al, 0x71 */
	0xb0, 0x55,		/* mov al, 0x55 */
	0xe6, VMM_DONE_PORT,	/* out VMM_DONE_PORT, al */
	0xf4,			/* hlt (not reached) */
};
#define COALESCE_TESTS	3

static void test_coalesced(void)
{
	struct kvm_regs regs;
	int ret;

	ret = vmm_create(&vm, VMM_REAL, coalesce_guest, sizeof(coalesce_guest));
	if (ret) {
		skip_n(COALESCE_TESTS, "vmm_create", ret);
		return;
	}
	vm.cmos[3] = 0x33;
	ret = vmm_coalesce_pio(&vm, 0x70, 1);
	if (ret) {
		skip_n(COALESCE_TESTS, "vmm_coalesce_pio", ret);
		vmm_destroy(&vm);
		return;
	}
	ret = vmm_run(&vm, 100);
	tap_ok(ret == 0 && vm.exits[KVM_EXIT_IO] == 2,
	       "coalesced: only IN 0x71 and the done OUT exit (ret %d, io %lu)",
	       ret, vm.exits[KVM_EXIT_IO]);
	if (!tap_ok(vm.n_io == 5 &&
		    io_is(&vm.iolog[0], false, 0x70, 1, 1) &&
		    io_is(&vm.iolog[1], false, 0x70, 1, 2) &&
		    io_is(&vm.iolog[2], false, 0x70, 1, 3) &&
		    io_is(&vm.iolog[3], true, 0x71, 1, 0x33) &&
		    io_is(&vm.iolog[4], false, VMM_DONE_PORT, 1, 0x55),
		    "coalesced: ring replayed in order before the IN"))
		dump_log(&vm);
	ret = vmm_get_regs(&vm, &regs);
	tap_ok(!ret && (regs.rax & 0xff) == 0x55,
	       "coalesced: guest read 0x33 then wrote 0x55 (al 0x%llx)",
	       (unsigned long long)(regs.rax & 0xff));
	vmm_destroy(&vm);
}

/* An endless OUT loop stops after max_runs KVM_RUN calls. */
static const uint8_t loop_guest[] = {
	0xe6, 0x80,		/* 1: out 0x80, al */
	0xeb, 0xfc,		/* jmp 1b */
};
#define LOOP_TESTS	1

static void test_max_runs(void)
{
	int ret;

	ret = vmm_create(&vm, VMM_REAL, loop_guest, sizeof(loop_guest));
	if (ret) {
		skip_n(LOOP_TESTS, "vmm_create", ret);
		return;
	}
	ret = vmm_run(&vm, 5);
	tap_ok(ret == -2 && vm.kvm_runs == 5 && vm.n_io == 5,
	       "max_runs: -2 after 5 KVM_RUNs (ret %d, runs %lu, n_io %u)",
	       ret, vm.kvm_runs, vm.n_io);
	vmm_destroy(&vm);
}

/*
 * The MMIO hole and vmm_trap_exceptions(), in each mode: a read from the
 * hole (stored to 0x600), a write to it, then DIV by zero.
 */
static const uint8_t mmio_real[] = {
	0xb8, 0x00, 0xe0,	/* mov ax, 0xe000 */
	0x8e, 0xd8,		/* mov ds, ax */
	0xa1, 0x10, 0x00,	/* mov ax, [0x10] */
	0xc7, 0x06, 0x20, 0x00, 0xef, 0xbe,	/* mov word [0x20], 0xbeef */
	0x31, 0xdb,		/* xor bx, bx */
	0x8e, 0xdb,		/* mov ds, bx */
	0xa3, 0x00, 0x06,	/* mov [0x600], ax */
	0x31, 0xd2,		/* xor dx, dx */
	0xf7, 0xf3,		/* div bx */
	0xf4,			/* hlt */
};

static const uint8_t mmio_prot32[] = {
	0x8b, 0x05, 0x10, 0x00, 0x0e, 0x00,	/* mov eax, [0xe0010] */
	0xc7, 0x05, 0x20, 0x00, 0x0e, 0x00, 0xef, 0xbe, 0x00, 0x00,
				/* mov dword [0xe0020], 0xbeef */
	0xa3, 0x00, 0x06, 0x00, 0x00,	/* mov [0x600], eax */
	0x31, 0xdb,		/* xor ebx, ebx */
	0x31, 0xd2,		/* xor edx, edx */
	0xf7, 0xf3,		/* div ebx */
	0xf4,			/* hlt */
};

static const uint8_t mmio_long[] = {
	0x8b, 0x04, 0x25, 0x10, 0x00, 0x0e, 0x00,	/* mov eax, [0xe0010] */
	0xc7, 0x04, 0x25, 0x20, 0x00, 0x0e, 0x00, 0xef, 0xbe, 0x00, 0x00,
				/* mov dword [0xe0020], 0xbeef */
	0x89, 0x04, 0x25, 0x00, 0x06, 0x00, 0x00,	/* mov [0x600], eax */
	0x31, 0xdb,		/* xor ebx, ebx */
	0x31, 0xd2,		/* xor edx, edx */
	0xf7, 0xf3,		/* div ebx */
	0xf4,			/* hlt */
};
#define MMIO_TESTS	3
#define MMIO_HANDLER	0x0f00

static void test_mmio(const char *name, enum vmm_mode mode,
		      const uint8_t *code, size_t len, unsigned int size)
{
	uint64_t want = vmm_mmio_value(0xe0010, 0), got = 0;
	struct kvm_regs regs = { 0 };
	int ret;

	if (size < 8)
		want &= (1ULL << (size * 8)) - 1;
	ret = vmm_create(&vm, mode, code, len);
	if (!ret)
		ret = vmm_mmio_hole(&vm, 0xe0000, 0x10000);
	if (!ret)
		ret = vmm_trap_exceptions(&vm, mode, MMIO_HANDLER);
	if (ret) {
		skip_n(1, "vmm_create, vmm_mmio_hole, vmm_trap_exceptions",
		       ret);
		vmm_destroy(&vm);
		return;
	}
	vm.mem[MMIO_HANDLER] = 0xf4;
	ret = vmm_run(&vm, 10);
	memcpy(&got, vm.mem + 0x600, size);
	vmm_get_regs(&vm, &regs);
	tap_ok(!ret && vm.n_mmio == 2 && vm.exits[KVM_EXIT_MMIO] == 2 &&
	       !vm.mmiolog[0].write && vm.mmiolog[0].addr == 0xe0010 &&
	       vm.mmiolog[0].len == size && vm.mmiolog[0].data == want &&
	       got == want && vm.mmiolog[1].write &&
	       vm.mmiolog[1].addr == 0xe0020 && vm.mmiolog[1].data == 0xbeef &&
	       regs.rip == MMIO_HANDLER + 1,
	       "mmio %s: a read from the hole returns vmm_mmio_value(), a write is logged, #DE reaches the handler (ret %d, n_mmio %u, rip %#llx)",
	       name, ret, vm.n_mmio, (unsigned long long)regs.rip);
	vmm_destroy(&vm);
}

int main(void)
{
	if (access("/dev/kvm", R_OK | W_OK))
		return tap_skip_all("/dev/kvm not available");

	tap_plan(CMOS_TESTS + FN_TESTS + LONG_TESTS + PIT_TESTS +
		 COALESCE_TESTS + LOOP_TESTS + MMIO_TESTS);
	test_cmos();
	test_fns();
	test_long();
	test_irqchip();
	test_coalesced();
	test_max_runs();
	test_mmio("real", VMM_REAL, mmio_real, sizeof(mmio_real), 2);
	test_mmio("prot32", VMM_PROT32, mmio_prot32, sizeof(mmio_prot32), 4);
	test_mmio("long", VMM_LONG, mmio_long, sizeof(mmio_long), 4);
	return tap_finish();
}
