// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_edit_test: a VMM that edits vCPU state while it handles a port
 * access, stock KVM vs kvm_iobatch.
 *
 *   vmm_edit_test --record FILE    stock KVM: run every scenario, save
 *   vmm_edit_test --compare FILE   module loaded: same final registers,
 *                                  RAM, userspace IO sequence (with the
 *                                  RIP userspace saw at each access) and
 *                                  exit sequence as on stock KVM
 *
 * Between an IO exit and the next KVM_RUN userspace may do anything to the
 * vCPU; KVM's non-string PIO path completes the access against what it
 * finds then (kvm_fast_pio: RIP moved -> the access is dropped, RAX merged
 * with the IN data as it is now, single-step #DB after the access ...).
 * Inside a block every access after the first must behave the same way.
 * The guest (guests.S, "edit") runs one block twice; each scenario edits
 * the vCPU at one access: 0 (the OUT that exits), 1 (an IN inside the
 * block) or 2 (an OUT inside the block).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "guests.h"
#include "iobstat.h"
#include "result.h"
#include "tap.h"
#include "vmm.h"

#define MAX_RUNS 1000
#define ALT_RIP (VMM_CODE_GPA + 0x100)

enum edit {
	EDIT_SYNC,	/* GET_REGS + SET_REGS unchanged (QEMU vmport) */
	EDIT_RAX,	/* change RAX's upper bytes (an IN merges into them) */
	EDIT_RIP,	/* move RIP elsewhere */
	EDIT_RFLAGS,	/* set RFLAGS.TF: #DB after the access */
	EDIT_STEP,	/* KVM_SET_GUEST_DEBUG single-step */
	EDIT_WINDOW,	/* request an interrupt window (userspace irqchip) */
	EDIT_NMI,	/* KVM_NMI */
	EDIT_WINDOW_SPLIT,	/* the same two with a split irqchip */
	EDIT_NMI_SPLIT,
	EDIT_NR,
};

static const char * const edit_names[EDIT_NR] = {
	[EDIT_SYNC] = "sync regs",
	[EDIT_RAX] = "set RAX",
	[EDIT_RIP] = "move RIP",
	[EDIT_RFLAGS] = "set TF",
	[EDIT_STEP] = "guest-debug single-step",
	[EDIT_WINDOW] = "interrupt window",
	[EDIT_NMI] = "NMI",
	[EDIT_WINDOW_SPLIT] = "split irqchip: interrupt window",
	[EDIT_NMI_SPLIT] = "split irqchip: NMI",
};

/* The accesses a scenario edits at (see the guest). */
static const unsigned int edit_at[] = { 0, 1, 2 };
#define N_AT ((unsigned int)ARRAY_SIZE(edit_at))
#define N_CASES (EDIT_NR * N_AT)

struct scenario {
	enum edit edit;
	unsigned int at;
	int err;
};

static int edit_regs(struct vmm *vm, enum edit edit)
{
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs))
		return -1;
	if (edit == EDIT_RAX)
		regs.rax |= 0xabcd0000;
	else if (edit == EDIT_RIP)
		regs.rip = ALT_RIP;
	else if (edit == EDIT_RFLAGS)
		regs.rflags |= 0x100;
	return ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs);
}

static int edit_vcpu(struct vmm *vm, enum edit edit)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};

	switch (edit) {
	case EDIT_STEP:
		return ioctl(vm->vcpu_fd, KVM_SET_GUEST_DEBUG, &dbg);
	case EDIT_WINDOW:
	case EDIT_WINDOW_SPLIT:
		vm->run->request_interrupt_window = 1;
		return 0;
	case EDIT_NMI:
	case EDIT_NMI_SPLIT:
		return ioctl(vm->vcpu_fd, KVM_NMI);
	default:
		return edit_regs(vm, edit);
	}
}

/* At an IO exit: edit at the chosen access. At other exits: undo. */
static int edit_on_exit(struct vmm *vm)
{
	struct scenario *sc = vm->priv;
	struct kvm_guest_debug off = { 0 };

	switch (vm->run->exit_reason) {
	case KVM_EXIT_IO:
		if (vm->n_io == sc->at && edit_vcpu(vm, sc->edit)) {
			sc->err = errno;
			return -1;
		}
		return 0;
	case KVM_EXIT_DEBUG:
		return ioctl(vm->vcpu_fd, KVM_SET_GUEST_DEBUG, &off) ? -1 : 0;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		vm->run->request_interrupt_window = 0;
		return 0;
	default:
		return -1;
	}
}

/* IN returns a value that tells the accesses apart. */
static uint32_t edit_in(struct vmm *vm, uint16_t port, int size)
{
	(void)port;
	(void)size;
	return 0x5a + vm->n_io;
}

static int run_scenario(unsigned int i, struct run_result *r)
{
	struct scenario sc = { .edit = i / N_AT, .at = edit_at[i % N_AT] };
	char name[80];
	struct vmm vm;
	int err;

	snprintf(name, sizeof(name), "%s at access %u", edit_names[sc.edit],
		 sc.at);
	memset(r, 0, sizeof(*r));
	if (sc.edit == EDIT_WINDOW_SPLIT || sc.edit == EDIT_NMI_SPLIT)
		err = vmm_create_split_irqchip(&vm, VMM_REAL, guest_edit_start,
					       guest_edit_end - guest_edit_start);
	else
		err = vmm_create(&vm, VMM_REAL, guest_edit_start,
				 guest_edit_end - guest_edit_start);
	if (err) {
		tap_diag("%s: cannot create VM: %s", name, strerror(-err));
		return err;
	}
	vm.priv = &sc;
	vm.exit_fn = edit_on_exit;
	vm.in_fn = edit_in;
	vm.log_rip = true;
	result_collect(&vm, vmm_run(&vm, MAX_RUNS), name, r);
	if (sc.err)
		tap_diag("%s: ioctl failed: %s", name, strerror(sc.err));
	vmm_destroy(&vm);
	return sc.err ? -1 : 0;
}

static int record(const char *file)
{
	struct run_result r[N_CASES];
	unsigned int i;

	if (iob_loaded())
		return tap_skip_all("kvm_iobatch is loaded: record needs stock KVM");
	tap_plan(N_CASES + 1);
	for (i = 0; i < N_CASES; i++) {
		int err = run_scenario(i, &r[i]);

		tap_ok(!err && r[i].status == 0 && r[i].n_io > 0,
		       "stock %s: ran to the end, %u userspace IO",
		       r[i].name, r[i].n_io);
	}
	tap_ok(!result_save(file, r, N_CASES), "saved to %s", file);
	return tap_finish();
}

static int compare(const char *file)
{
	struct run_result s[N_CASES], m;
	unsigned int i;

	if (!iob_loaded())
		return tap_skip_all("kvm_iobatch is not loaded");
	if (result_load(file, s, N_CASES))
		return tap_skip_all("no stock record %s", file);
	tap_plan(N_CASES * 2);
	for (i = 0; i < N_CASES; i++) {
		int err = run_scenario(i, &m);

		tap_ok(!err && !memcmp(&m.regs, &s[i].regs, sizeof(m.regs)) &&
		       m.mem_hash == s[i].mem_hash && m.status == s[i].status,
		       "%s: registers and RAM as on stock (rip %#llx/%#llx rax %#llx/%#llx rbx %#llx/%#llx)",
		       s[i].name, s[i].regs.rip, m.regs.rip, s[i].regs.rax,
		       m.regs.rax, s[i].regs.rbx, m.regs.rbx);
		tap_ok(!err && m.n_io == s[i].n_io && m.io_hash == s[i].io_hash &&
		       m.exit_hash == s[i].exit_hash,
		       "%s: accesses, their RIPs and the exits as on stock (%u/%u accesses, %lu/%lu IO exits)",
		       s[i].name, s[i].n_io, m.n_io, s[i].user_io_exits,
		       m.user_io_exits);
	}
	return tap_finish();
}

int main(int argc, char **argv)
{
	return result_main(argc, argv, record, compare);
}
