// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_edit_test: a VMM that edits vCPU state while it handles a port
 * access, stock KVM vs kvm_iobatch.
 *
 *   vmm_edit_test --record FILE    stock KVM: run every scenario, save
 *   vmm_edit_test --compare FILE   module loaded: same final registers,
 *                                  RAM, pages in KVM's dirty log,
 *                                  userspace IO sequence (with the
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
 *
 * The second guest ("editf") runs with IF clear, so that kvm_iobatch folds
 * its three OUTs to one port (accesses 1-3) into one exit, the one of
 * access 3 (fold.c). A VMM edits at the exit that serves the chosen
 * access: at 0, 3 or 4 the result must be stock's; at 1 or 2 there is no
 * exit of their own under the module, and the result must be stock's with
 * the edit at access 3, where the folded exit stands. (An event may cut a
 * run short, seen on the debug kernel: then the access has an exit of its
 * own, and the result must be stock's with the edit there. Always: stock's
 * with the edit where the exit the VMM edited at stood.)
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
	EDIT_CS,	/* KVM_SET_SREGS: CS based so that RIP is at ALT_RIP */
	EDIT_CS_SYNC,	/* the same through kvm_run's sync_regs */
	EDIT_CS_SREGS2,	/* the same with KVM_SET_SREGS2 */
	EDIT_CODE,	/* rewrite the block's code: every OUT to 0x98 -> 0x9b */
	EDIT_DIRTY,	/* start logging the guest's writes to RAM */
	EDIT_ALIAS,	/* CS:IP moved, the same linear RIP */
	EDIT_STEP_NOTF,	/* single-step on, KVM's TF cleared by KVM_SET_REGS */
	EDIT_SHADOW_NMI,	/* an interrupt shadow and an NMI, by SET_VCPU_EVENTS */
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
	[EDIT_CS] = "move CS",
	[EDIT_CS_SYNC] = "move CS by sync_regs",
	[EDIT_CS_SREGS2] = "move CS by SREGS2",
	[EDIT_CODE] = "rewrite code",
	[EDIT_DIRTY] = "start dirty logging",
	[EDIT_ALIAS] = "CS:IP alias",
	[EDIT_STEP_NOTF] = "single-step, TF cleared",
	[EDIT_SHADOW_NMI] = "interrupt shadow and NMI",
};

/*
 * The guests and the accesses a scenario edits at; @as_at: the access
 * whose stock result the module's must equal (folded runs).
 */
static const struct edit_guest {
	const char *name;
	const unsigned char *start, *end;
	unsigned int n_at;
	unsigned int at[5], as_at[5];
} edit_guests[] = {
	{ "edit", guest_edit_start, guest_edit_end, 3,
	  { 0, 1, 2 }, { 0, 1, 2 } },
	{ "editf", guest_editf_start, guest_editf_end, 5,
	  { 0, 1, 2, 3, 4 }, { 0, 3, 3, 3, 4 } },
	{ "edits", guest_edits_start, guest_edits_end, 4,
	  { 0, 1, 2, 3 }, { 0, 1, 2, 3 } },
};

/* lone IO instructions the module ran itself, over the "edits" runs */
static long long singles_own;
#define N_GUESTS ((unsigned int)ARRAY_SIZE(edit_guests))
#define MAX_CASES (EDIT_NR * N_GUESTS * 5)

struct scenario {
	const struct edit_guest *g;
	enum edit edit;
	unsigned int at;
	unsigned int landed;	/* the access the edit's exit stood at */
	bool done;
	int err;
};

/*
 * The index of the scenario that runs guest @g with @edit at access
 * @access: the guests' scenarios in turn, each guest's by edit, then by
 * position in at[]. It relies on at[] listing every access in order
 * (at[k] == k), so that an access is its own position in at[].
 */
static unsigned int scenario_index(const struct edit_guest *g,
				   enum edit edit, unsigned int access)
{
	unsigned int k, base = 0;

	for (k = 0; &edit_guests[k] != g; k++)
		base += EDIT_NR * edit_guests[k].n_at;
	return base + edit * g->n_at + access;
}

/* Scenario @i: guest, edit, access. */
static struct scenario scenario(unsigned int i)
{
	struct scenario sc = { 0 };
	unsigned int g, base = 0;

	for (g = 0; g < N_GUESTS; g++) {
		unsigned int n = EDIT_NR * edit_guests[g].n_at;

		if (i < base + n)
			break;
		base += n;
	}
	sc.g = &edit_guests[g];
	sc.edit = (i - base) / sc.g->n_at;
	sc.at = sc.g->at[(i - base) % sc.g->n_at];
	return sc;
}

static unsigned int n_cases(void)
{
	unsigned int g, n = 0;

	for (g = 0; g < N_GUESTS; g++)
		n += EDIT_NR * edit_guests[g].n_at;
	return n;
}

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

/*
 * Move CS, not RIP: its base such that CS:RIP is ALT_RIP. Only CS changes,
 * which raises no request in KVM: a module that resumed the block without
 * looking at CS would run on at the old place (kvm_iobatch skips the look
 * when no KVM function that writes vCPU state ran, hook.c).
 */
static int edit_cs(struct vmm *vm, enum edit edit)
{
	struct kvm_sregs2 sregs2;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs))
		return -1;
	if (edit == EDIT_CS_SREGS2) {
		if (ioctl(vm->vcpu_fd, KVM_GET_SREGS2, &sregs2))
			return -1;
		sregs2.cs.base = ALT_RIP - regs.rip;
		sregs2.cs.selector = sregs2.cs.base >> 4;
		return ioctl(vm->vcpu_fd, KVM_SET_SREGS2, &sregs2);
	}
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs))
		return -1;
	sregs.cs.base = ALT_RIP - regs.rip;
	sregs.cs.selector = sregs.cs.base >> 4;
	if (edit == EDIT_CS)
		return ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs);
	vm->run->s.regs.sregs = sregs;
	vm->run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
	return 0;
}

/*
 * The same linear RIP under another CS:IP: CS's base 0x10 up, RIP 0x10
 * down (real mode). KVM's completion passes its RIP check, then moves RIP
 * to the next RIP the CPU gave for the exit, an absolute address: under
 * the new base the guest goes on 16 bytes past the next instruction,
 * where the VMM puts an OUT to its done port. A module that adds the
 * instruction's length to the new RIP goes on at the next instruction.
 */
static int edit_alias(struct vmm *vm)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint64_t lin;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) ||
	    ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs))
		return -1;
	lin = sregs.cs.base + regs.rip;
	/* IN or OUT with an 8-bit port: 2 bytes (the guests have no other) */
	if (lin + 0x14 > VMM_MEM_SIZE || vm->mem[lin] < 0xe4 ||
	    vm->mem[lin] > 0xe7 || regs.rip < 0x10) {
		errno = EINVAL;
		return -1;
	}
	vm->mem[lin + 2 + 0x10] = 0xe6;		/* out %al, $0xf4 */
	vm->mem[lin + 2 + 0x11] = VMM_DONE_PORT;
	sregs.cs.base += 0x10;
	sregs.cs.selector += 1;
	regs.rip -= 0x10;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs))
		return -1;
	return ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs);
}

/*
 * Guest single-stepping on, then its TF cleared: KVM_SET_GUEST_DEBUG sets
 * RFLAGS.TF for the step's RIP (the access's); with CS's base moved, the
 * linear RIP is another, and KVM_SET_REGS writes RFLAGS without KVM's TF
 * (it adds TF back only at the step's RIP); CS back. KVM steps by that
 * TF: the access retires without a step, the guest runs on unstepped
 * (a KVM_EXIT_DEBUG would be the module's own).
 */
static int edit_step_notf(struct vmm *vm)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_SET_GUEST_DEBUG, &dbg) ||
	    ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) ||
	    ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs))
		return -1;
	sregs.cs.base += 0x10;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) ||
	    ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs))
		return -1;
	sregs.cs.base -= 0x10;
	return ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs);
}

/*
 * An interrupt shadow (as after MOV SS) and a pending NMI, set with
 * KVM_SET_VCPU_EVENTS as a VMM restoring saved state sets them. KVM's
 * completion retires the access through the vendor's skip, which clears
 * the shadow: the NMI comes before the next instruction. Kept, the shadow
 * holds the NMI back one instruction, and the IRET frame on the stack
 * (RAM) and the order of the accesses show it.
 */
static int edit_shadow_nmi(struct vmm *vm)
{
	struct kvm_vcpu_events ev;

	if (ioctl(vm->vcpu_fd, KVM_GET_VCPU_EVENTS, &ev))
		return -1;
	ev.flags |= KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING;
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS;
	ev.nmi.pending = 1;
	return ioctl(vm->vcpu_fd, KVM_SET_VCPU_EVENTS, &ev);
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
	case EDIT_CS:
	case EDIT_CS_SYNC:
	case EDIT_CS_SREGS2:
		return edit_cs(vm, edit);
	case EDIT_DIRTY:
		return vmm_dirty_log(vm);
	case EDIT_ALIAS:
		return edit_alias(vm);
	case EDIT_STEP_NOTF:
		return edit_step_notf(vm);
	case EDIT_SHADOW_NMI:
		return edit_shadow_nmi(vm);
	default:
		return edit_regs(vm, edit);
	}
}

/*
 * Rewrite guest code while the vCPU is out: the rest of a block that
 * kvm_iobatch resumes must be fetched as it is now (it compares its copy
 * of the bytes at every resume), like stock KVM's guest does.
 */
static void edit_code(struct vmm *vm, const struct edit_guest *g)
{
	uint8_t *code = (uint8_t *)vm->mem + VMM_CODE_GPA;
	size_t i, len = g->end - g->start;

	for (i = 0; i + 1 < len; i++)
		if (code[i] == 0xe6 && code[i + 1] == 0x98)	/* out %al, $0x98 */
			code[i + 1] = 0x9b;
}

/* At an IO exit: edit at the chosen access. At other exits: undo. */
static int edit_on_exit(struct vmm *vm)
{
	struct scenario *sc = vm->priv;
	struct kvm_guest_debug off = { 0 };

	switch (vm->run->exit_reason) {
	case KVM_EXIT_IO:
		/* the exit that serves access @at: its own, or a folded one */
		if (sc->done || sc->at < vm->n_io ||
		    sc->at >= vm->n_io + vm->run->io.count)
			return 0;
		sc->done = true;
		sc->landed = vm->n_io + vm->run->io.count - 1;
		if (sc->edit == EDIT_CODE) {
			edit_code(vm, sc->g);
			return 0;
		}
		if (edit_vcpu(vm, sc->edit)) {
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

/* *@landed: the access whose exit the VMM edited at */
static int run_scenario(unsigned int i, struct run_result *r,
			unsigned int *landed)
{
	struct scenario sc = scenario(i);
	size_t len = sc.g->end - sc.g->start;
	char name[80];
	struct vmm vm;
	int err;

	snprintf(name, sizeof(name), "%s: %s at access %u", sc.g->name,
		 edit_names[sc.edit], sc.at);
	memset(r, 0, sizeof(*r));
	if (sc.edit == EDIT_WINDOW_SPLIT || sc.edit == EDIT_NMI_SPLIT)
		err = vmm_create_split_irqchip(&vm, VMM_REAL, sc.g->start, len);
	else
		err = vmm_create(&vm, VMM_REAL, sc.g->start, len);
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
	if (landed)
		*landed = sc.done ? sc.landed : sc.at;
	if (iob_loaded() && !strcmp(sc.g->name, "edits"))
		singles_own += iob_vm_stat(&vm, "singles_own");
	vmm_destroy(&vm);
	return sc.err ? -1 : 0;
}

static int record(const char *file)
{
	static struct run_result r[MAX_CASES];
	unsigned int i;

	if (iob_loaded())
		return tap_skip_all("kvm_iobatch is loaded: record needs stock KVM");
	tap_plan(n_cases() + 1);
	for (i = 0; i < n_cases(); i++) {
		int err = run_scenario(i, &r[i], NULL);
		struct scenario sc = scenario(i);
		/*
		 * else the compare of logged pages proves nothing: in "edit"
		 * page 3 holds the block's store, and nothing else writes
		 * there; both guests store to page 0 at the end
		 */
		uint64_t want = strcmp(sc.g->name, "edit") ? 1 : 1 | 1u << 3;
		bool logged = sc.edit != EDIT_DIRTY ||
			      (r[i].dirty[0] & want) == want;

		tap_ok(!err && r[i].status == 0 && r[i].n_io > 0 && logged,
		       "stock %s: ran to the end, %u userspace IO, dirty log %#llx",
		       r[i].name, r[i].n_io,
		       (unsigned long long)r[i].dirty[0]);
	}
	tap_ok(!result_save(file, r, n_cases()), "saved to %s", file);
	return tap_finish();
}

static int compare(const char *file)
{
	static struct run_result s[MAX_CASES];
	unsigned int i, folded = 0, n = n_cases();
	struct run_result m;

	if (!iob_loaded())
		return tap_skip_all("kvm_iobatch is not loaded");
	if (result_load(file, s, n))
		return tap_skip_all("no stock record %s", file);
	tap_plan(n * 2 + 2);
	for (i = 0; i < n; i++) {
		struct scenario sc = scenario(i);
		unsigned int landed, as;
		int err = run_scenario(i, &m, &landed);
		const struct run_result *st;

		/*
		 * Stock's result with the edit where the module's exit stood:
		 * at the last access of a folded run (as_at), or, when an
		 * event cut the run short (seen on the debug kernel: 0
		 * folded), at the access's own exit.
		 */
		as = landed < sc.g->n_at ? landed : sc.g->as_at[sc.at];
		st = &s[scenario_index(sc.g, sc.edit, as)];

		if (!strcmp(sc.g->name, "editf"))
			folded += m.n_folded;
		tap_ok(!err && !memcmp(&m.regs, &st->regs, sizeof(m.regs)) &&
		       m.mem_hash == st->mem_hash && m.status == st->status &&
		       !memcmp(m.dirty, st->dirty, sizeof(m.dirty)),
		       "%s: registers, RAM and pages logged dirty as on stock (%s) (rip %#llx/%#llx rax %#llx/%#llx rbx %#llx/%#llx dirty %#llx/%#llx)",
		       m.name, st->name, st->regs.rip, m.regs.rip, st->regs.rax,
		       m.regs.rax, st->regs.rbx, m.regs.rbx,
		       (unsigned long long)st->dirty[0],
		       (unsigned long long)m.dirty[0]);
		tap_ok(!err && result_same_io(&m, st),
		       "%s: accesses, their RIPs and the exits as on stock (%s) (%u/%u accesses, %lu/%lu IO exits, %u folded)",
		       m.name, st->name, st->n_io, m.n_io, st->user_io_exits,
		       m.user_io_exits, m.n_folded);
		if (landed != sc.g->as_at[sc.at])
			tap_diag("%s: the edit's exit stood at access %u, not %u (a run cut short)",
				 m.name, landed, sc.g->as_at[sc.at]);
	}
	/* else the "editf" half proved nothing about folded exits */
	tap_ok(folded > 0, "editf: %u accesses folded over all scenarios",
	       folded);
	/* else the "edits" third proved nothing about single.c */
	tap_ok(singles_own > 0,
	       "edits: %lld lone IO instructions run by the module over all scenarios",
	       singles_own);
	return tap_finish();
}

int main(int argc, char **argv)
{
	return result_main(argc, argv, record, compare);
}
