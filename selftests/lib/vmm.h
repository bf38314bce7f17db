/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny VMM for kvm-iobatch tests: create a VM with one vCPU from a flat
 * byte image, run it until HLT while logging every userspace port access,
 * count KVM_RUN exits by reason, read the final guest state.
 */
#ifndef IOB_VMM_H
#define IOB_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#define VMM_MEM_SIZE	(2u << 20)	/* guest RAM at GPA 0 */
#define VMM_CODE_GPA	0x1000u		/* where the image is loaded */
#define VMM_MAX_IOLOG	4096
#define VMM_MAX_MMIOLOG	1024
/* An OUT to this port ends vmm_run() like HLT does (logged too). */
#define VMM_DONE_PORT	0xf4

enum vmm_irqchip {
	VMM_IRQCHIP_NONE,	/* PIC, IOAPIC and LAPIC in userspace */
	VMM_IRQCHIP_KERNEL,	/* KVM_CREATE_IRQCHIP (+ PIT) */
	VMM_IRQCHIP_SPLIT,	/* LAPIC in KVM, PIC/IOAPIC in userspace */
};

enum vmm_mode {
	VMM_REAL,	/* real mode, CS=0, IP=VMM_CODE_GPA */
	VMM_LONG,	/* 64-bit, identity-mapped 1 GiB, RIP=VMM_CODE_GPA */
	VMM_PROT32,	/* 32-bit protected mode, flat segments, no paging */
};

/** struct vmm_io - one port access seen by userspace */
struct vmm_io {
	uint16_t port;
	uint8_t size;
	uint8_t in;
	/*
	 * One of several accesses of a KVM_EXIT_IO with count > 1 whose RIP
	 * is another access's: an OUT exit stands at its last access (RIP
	 * of a folded run, kvm_iobatch), an IN exit at its first. @rip is 0.
	 */
	uint8_t folded;
	uint32_t data;	/* value written (OUT) or returned (IN) */
	uint64_t rip;	/* guest RIP at the exit (0 unless vmm.log_rip) */
};

/**
 * struct vmm_mmio - one access to the MMIO hole (vmm_mmio_hole()) seen by
 * userspace, KVM_EXIT_MMIO
 * @addr: guest physical address
 * @data: value written, or returned to a read (@len bytes, little endian)
 * @rip: guest RIP at the exit (0 unless vmm.log_rip)
 * @len: 1..8
 * @write: 1 for a write
 */
struct vmm_mmio {
	uint64_t addr;
	uint64_t data;
	uint64_t rip;
	uint8_t len;
	uint8_t write;
};

struct vmm;

/* Device model for userspace ports: return the value for an IN. */
typedef uint32_t (*vmm_in_fn)(struct vmm *vm, uint16_t port, int size);
/* Called for every OUT reaching userspace. */
typedef void (*vmm_out_fn)(struct vmm *vm, uint16_t port, int size,
			   uint32_t val);
/*
 * Called at a KVM_EXIT_IO before the access is served, or at an exit
 * vmm_run() does not know: may issue vCPU ioctls (move RIP, request an
 * interrupt window ...). Return 0 to go on, 1 to end vmm_run() like HLT,
 * -1 for an error (for an unknown exit, -1 is the default).
 */
typedef int (*vmm_exit_fn)(struct vmm *vm);

struct vmm {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;			/* VMM_MEM_SIZE bytes */
	/* exits seen by userspace, by KVM_EXIT_* reason (< 64) */
	unsigned long exits[64];
	unsigned long kvm_runs;		/* KVM_RUN calls */
	struct vmm_io iolog[VMM_MAX_IOLOG];
	unsigned int n_io;		/* may exceed VMM_MAX_IOLOG (log clipped) */
	/* accesses beyond the first of KVM_EXIT_IOs with count > 1 */
	unsigned int n_folded;
	vmm_in_fn in_fn;		/* NULL: IN returns 0xff.. (floating bus) */
	vmm_out_fn out_fn;		/* may be NULL */
	vmm_exit_fn exit_fn;		/* may be NULL */
	/*
	 * VMM_DONE_PORT is an ordinary port (for random programs that end
	 * with HLT and may hit any port: a VMM that stops at an access would
	 * see a folded run's later accesses in the same exit, see fold.c)
	 */
	bool no_done_port;
	/* KVM_GET_REGS at every userspace IO exit: RIP logged with the access */
	bool log_rip;
	/* ... and KVM_SET_REGS unchanged, as QEMU's vmport device does */
	bool sync_regs;
	/*
	 * FNV-1a over every exit reason seen by userspace, in order; a
	 * KVM_EXIT_IO counts once per access, so that folding the accesses
	 * of several exits into one leaves it unchanged
	 */
	uint64_t exit_hash;
	uint8_t cmos[128];		/* default device: CMOS at 0x70/0x71 */
	uint8_t cmos_index;
	void *priv;
	/* coalesced ring inside the kvm_run mapping, set by vmm_coalesce_pio() */
	struct kvm_coalesced_mmio_ring *ring;
	/* the eventfd of vmm_pio_eventfd(), or -1 */
	int evfd;
	/* a second vCPU's view (vmm_add_vcpu): VM fds and RAM not owned */
	bool borrowed;
	/*
	 * The guest-physical range with no memory behind it (vmm_mmio_hole()),
	 * and every access to it in order (n_mmio may exceed the log).
	 */
	uint64_t mmio_gpa, mmio_len;
	struct vmm_mmio mmiolog[VMM_MAX_MMIOLOG];
	unsigned int n_mmio;
	/* KVM logs the guest's writes to RAM (vmm_dirty_log()) */
	bool dirty_log;
};

/*
 * vmm_trap_exceptions() puts its protected and long mode descriptor tables
 * here, below VMM_CODE_GPA (the real-mode IVT is at 0).
 */
#define VMM_IDT_GPA	0x400u
#define VMM_GDT_GPA	0x700u

#define VMM_HASH_INIT	0xcbf29ce484222325ULL
uint64_t vmm_hash(uint64_t h, const void *p, size_t n);

/*
 * Create VM + vCPU, load @code (@len bytes) at VMM_CODE_GPA. 0 or -errno.
 * *@vm is zeroed first: set in_fn/out_fn/priv/cmos afterwards.
 */
int vmm_create(struct vmm *vm, enum vmm_mode mode, const void *code,
	       size_t len);
/* Also create the in-kernel irqchip (PIC/IOAPIC) and PIT. Before vCPU! */
int vmm_create_with_irqchip(struct vmm *vm, enum vmm_mode mode,
			    const void *code, size_t len);
/* LAPIC in KVM, PIC/IOAPIC in userspace (KVM_CAP_SPLIT_IRQCHIP). */
int vmm_create_split_irqchip(struct vmm *vm, enum vmm_mode mode,
			     const void *code, size_t len);
void vmm_destroy(struct vmm *vm);
/*
 * Create another vCPU in @vm's VM, described by @cpu: it shares the VM and
 * its RAM (not owned: destroy @cpu before @vm), has its own kvm_run, IO
 * log and counters, the same mode as @vm's vCPU and starts at @rip.
 */
int vmm_add_vcpu(struct vmm *vm, struct vmm *cpu, int id, uint64_t rip);
/*
 * Run until the guest executes HLT or an OUT to VMM_DONE_PORT (returns 0), an unexpected exit
 * (returns -1 and prints it to stderr), or @max_runs KVM_RUN calls
 * (returns -2). Userspace IO is logged and served by in_fn/out_fn, MMIO
 * in the hole of vmm_mmio_hole() by vmm_mmio_value() (logged in mmiolog);
 * both after exit_fn.
 */
int vmm_run(struct vmm *vm, unsigned long max_runs);
/*
 * After vmm_run() returned on an OUT to VMM_DONE_PORT, RIP still points at
 * that OUT: KVM completes a userspace IO on the next KVM_RUN.  This does
 * one KVM_RUN with immediate_exit set, which completes the pending IO
 * without running the guest (counted in kvm_runs, not in exits).
 * 0 or -errno.
 */
int vmm_complete_io(struct vmm *vm);
/*
 * Take the RAM out of [@gpa, @gpa + @len) (page aligned, inside the RAM):
 * guest accesses there exit with KVM_EXIT_MMIO, which vmm_run() serves:
 * a read returns vmm_mmio_value() of its address and of the number of
 * accesses before it, every access is logged in mmiolog. Before
 * vmm_run(). 0 or -errno.
 */
int vmm_mmio_hole(struct vmm *vm, uint64_t gpa, uint64_t len);
int vmm_rom(struct vmm *vm, uint64_t gpa, uint64_t len);
/* What the @n-th MMIO access of a run, a read at @addr, returns. */
uint64_t vmm_mmio_value(uint64_t addr, unsigned int n);
/*
 * Send exceptions 0-31 to @handler in the vCPU's mode: the real-mode IVT,
 * or a GDT (the selectors vmm_create() gives the flat segments) and an
 * IDT of interrupt gates at VMM_GDT_GPA/VMM_IDT_GPA. Real mode: @handler
 * below 64 KiB. 0 or -errno.
 */
int vmm_trap_exceptions(struct vmm *vm, enum vmm_mode mode,
			uint64_t handler);
int vmm_get_regs(struct vmm *vm, struct kvm_regs *regs);
int vmm_get_sregs(struct vmm *vm, struct kvm_sregs *sregs);
/*
 * Register a coalesced PIO range (KVM_REGISTER_COALESCED_MMIO, pio=1).
 * vmm_run() drains the coalesced ring before handling each exit and
 * appends its entries to iolog as OUTs, in ring order.
 */
int vmm_coalesce_pio(struct vmm *vm, uint16_t port, uint16_t len);
/*
 * Register an ioeventfd for writes of @len bytes to @port (KVM_IOEVENTFD,
 * PIO; with @datamatch >= 0 only for that value): KVM's PIO bus handles
 * them in the kernel. 0 or -errno. vmm_pio_eventfd_count() reads and
 * resets its count (-1: none).
 */
int vmm_pio_eventfd(struct vmm *vm, uint16_t port, int len,
		    long long datamatch);
long long vmm_pio_eventfd_count(struct vmm *vm);
/* Words of a dirty bitmap of the VM's RAM, a bit per 4 KiB page */
#define VMM_DIRTY_WORDS	(VMM_MEM_SIZE / 4096 / 64)
/*
 * Let KVM log the guest's writes to its RAM (KVM_MEM_LOG_DIRTY_PAGES on
 * the RAM memslot, as a VMM does for live migration); vmm_dirty_pages()
 * reads and clears the log (KVM_GET_DIRTY_LOG). 0 or -errno.
 */
int vmm_dirty_log(struct vmm *vm);
int vmm_dirty_pages(struct vmm *vm, uint64_t bitmap[VMM_DIRTY_WORDS]);
/*
 * Read a KVM binary stat of the vCPU (KVM_GET_STATS_FD), e.g. "exits",
 * "io_exits", "halt_exits". Returns -1 when not found.
 */
long long vmm_vcpu_stat(struct vmm *vm, const char *name);

#endif /* IOB_VMM_H */
