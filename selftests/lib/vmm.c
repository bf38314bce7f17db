// SPDX-License-Identifier: GPL-2.0
/*
 * Tiny VMM for kvm-iobatch tests: one VM, one vCPU, flat image at
 * VMM_CODE_GPA, userspace port IO logged and served by a small device model.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vmm.h"

/* Long-mode page tables: PML4, PDPT, PD (2 MiB pages, first 1 GiB). */
#define VMM_PML4_GPA	0x180000u
#define VMM_PDPT_GPA	0x181000u
#define VMM_PD_GPA	0x182000u
#define VMM_STACK_TOP	0x8000u

#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_PS		(1ull << 7)

#define X86_CR0_PE	(1ull << 0)
#define X86_CR0_MP	(1ull << 1)
#define X86_CR0_ET	(1ull << 4)
#define X86_CR0_NE	(1ull << 5)
#define X86_CR0_WP	(1ull << 16)
#define X86_CR0_PG	(1ull << 31)
#define X86_CR4_PAE	(1ull << 5)
#define X86_CR4_OSFXSR	(1ull << 9)
#define X86_CR4_OSXMMEXCPT (1ull << 10)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)

#define CMOS_INDEX_PORT	0x70
#define CMOS_DATA_PORT	0x71

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/**
 * vmm_hash() - FNV-1a, for comparing runs
 * @h: hash so far (VMM_HASH_INIT to start)
 * @p: bytes
 * @n: how many
 *
 * Return: the new hash.
 */
uint64_t vmm_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint32_t size_mask(int size)
{
	return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

/* @rip: guest RIP of the exit that carried the access, 0 if unknown */
static void vmm_log_io(struct vmm *vm, uint16_t port, int size, bool in,
		       uint32_t data, uint64_t rip, bool folded)
{
	if (vm->n_io < VMM_MAX_IOLOG) {
		struct vmm_io *io = &vm->iolog[vm->n_io];

		io->port = port;
		io->size = size;
		io->in = in;
		io->folded = folded;
		io->data = data;
		io->rip = folded ? 0 : rip;
	}
	vm->n_io++;
}

/* Default device model: CMOS/RTC index+data ports, floating bus elsewhere. */
static uint32_t vmm_default_in(struct vmm *vm, uint16_t port, int size)
{
	if (port == CMOS_DATA_PORT && size == 1)
		return vm->cmos[vm->cmos_index & 0x7f];
	return size_mask(size);
}

static void vmm_default_out(struct vmm *vm, uint16_t port, int size,
			    uint32_t val)
{
	(void)size;
	if (port == CMOS_INDEX_PORT)
		vm->cmos_index = val & 0x7f;
	else if (port == CMOS_DATA_PORT)
		vm->cmos[vm->cmos_index & 0x7f] = val;
}

/* An OUT that reached userspace, directly or through the coalesced ring. */
static void vmm_handle_out(struct vmm *vm, uint16_t port, int size,
			   uint32_t val, uint64_t rip, bool folded)
{
	vmm_log_io(vm, port, size, false, val, rip, folded);
	if (vm->out_fn)
		vm->out_fn(vm, port, size, val);
	else
		vmm_default_out(vm, port, size, val);
}

static uint32_t vmm_handle_in(struct vmm *vm, uint16_t port, int size,
			      uint64_t rip, bool folded)
{
	uint32_t val;

	if (vm->in_fn)
		val = vm->in_fn(vm, port, size);
	else
		val = vmm_default_in(vm, port, size);
	val &= size_mask(size);
	vmm_log_io(vm, port, size, true, val, rip, folded);
	return val;
}

static struct kvm_coalesced_mmio_ring *vmm_ring(struct vmm *vm)
{
	long page = sysconf(_SC_PAGESIZE);
	int off;

	off = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	if (off <= 0 || (size_t)(off + 1) * page > vm->run_size)
		return NULL;
	return (void *)((uint8_t *)vm->run + (size_t)off * page);
}

/* Replay coalesced writes in ring order before anything else is handled. */
static void vmm_drain_ring(struct vmm *vm)
{
	struct kvm_coalesced_mmio_ring *ring = vm->ring;
	uint32_t max;

	if (!ring)
		return;
	max = (sysconf(_SC_PAGESIZE) - sizeof(*ring)) /
	      sizeof(struct kvm_coalesced_mmio);
	while (ring->first != ring->last) {
		struct kvm_coalesced_mmio *e;
		uint32_t val = 0;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		e = &ring->coalesced_mmio[ring->first % max];
		if (e->pio) {
			uint32_t len = e->len > 4 ? 4 : e->len;

			memcpy(&val, e->data, len);
			vmm_handle_out(vm, e->phys_addr, e->len, val, 0, false);
		}
		__atomic_thread_fence(__ATOMIC_RELEASE);
		ring->first = (ring->first + 1) % max;
	}
}

static void vmm_set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type,
			bool code64)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->dpl = 0;
	s->s = 1;
	s->l = code64;
	s->db = !code64;
	s->g = 1;
}

/* Flat 4 GiB code and data segments, and a busy TSS (never used). */
static void vmm_set_flat_segs(struct kvm_sregs *sregs, bool code64)
{
	vmm_set_seg(&sregs->cs, 0x8, 0xb, code64);
	vmm_set_seg(&sregs->ds, 0x10, 0x3, false);
	sregs->es = sregs->ds;
	sregs->fs = sregs->ds;
	sregs->gs = sregs->ds;
	sregs->ss = sregs->ds;
	memset(&sregs->tr, 0, sizeof(sregs->tr));
	sregs->tr.selector = 0x18;
	sregs->tr.limit = 0x67;
	sregs->tr.type = 0xb;
	sregs->tr.present = 1;
}

static void vmm_setup_long(struct vmm *vm, struct kvm_sregs *sregs)
{
	uint64_t *pml4 = (uint64_t *)(vm->mem + VMM_PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(vm->mem + VMM_PDPT_GPA);
	uint64_t *pd = (uint64_t *)(vm->mem + VMM_PD_GPA);
	int i;

	memset(pml4, 0, 3 * 4096);
	pml4[0] = VMM_PDPT_GPA | PTE_P | PTE_RW;
	pdpt[0] = VMM_PD_GPA | PTE_P | PTE_RW;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;

	vmm_set_flat_segs(sregs, true);

	sregs->cr3 = VMM_PML4_GPA;
	sregs->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		     X86_CR0_WP | X86_CR0_PG;
	sregs->efer = EFER_LME | EFER_LMA;
}

static void vmm_setup_prot32(struct kvm_sregs *sregs)
{
	vmm_set_flat_segs(sregs, false);
	sregs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	sregs->cr4 = 0;
	sregs->efer = 0;
}

static void vmm_setup_real(struct kvm_sregs *sregs)
{
	struct kvm_segment *segs[] = {
		&sregs->cs, &sregs->ds, &sregs->es,
		&sregs->fs, &sregs->gs, &sregs->ss,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		segs[i]->selector = 0;
		segs[i]->base = 0;
		segs[i]->limit = 0xffff;
	}
}

static int vmm_set_cpuid(struct vmm *vm)
{
	struct kvm_cpuid2 *cpuid = NULL;
	int nent = 64, ret;

	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) +
				  nent * sizeof(struct kvm_cpuid_entry2));
		if (!cpuid)
			return -ENOMEM;
		cpuid->nent = nent;
		ret = ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (!ret)
			break;
		if (errno != E2BIG || nent >= 4096) {
			ret = -errno;
			free(cpuid);
			return ret;
		}
		nent *= 2;
	}
	ret = ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid) ? -errno : 0;
	free(cpuid);
	return ret;
}

/* Create vCPU @id of @v's VM, map its kvm_run, give it KVM's CPUID. */
static int vmm_open_vcpu(struct vmm *v, int id)
{
	int size;

	v->vcpu_fd = ioctl(v->vm_fd, KVM_CREATE_VCPU, id);
	if (v->vcpu_fd < 0)
		return -errno;
	size = ioctl(v->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return size < 0 ? -errno : -EIO;
	v->run_size = size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->vcpu_fd, 0);
	if (v->run == MAP_FAILED)
		return -errno;
	return vmm_set_cpuid(v);
}

/* Registers of a fresh vCPU: start at @rip with stack @rsp, IF=0. */
static int vmm_set_start(struct vmm *v, uint64_t rip, uint64_t rsp)
{
	struct kvm_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rsp = rsp;
	regs.rflags = 0x2;
	return ioctl(v->vcpu_fd, KVM_SET_REGS, &regs) ? -errno : 0;
}

static int vmm_create_common(struct vmm *vm, enum vmm_mode mode,
			     const void *code, size_t len,
			     enum vmm_irqchip irqchip)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->evfd = -1;
	vm->mem = MAP_FAILED;
	vm->run = MAP_FAILED;

	if (len > VMM_MEM_SIZE - VMM_CODE_GPA ||
	    (mode == VMM_LONG && VMM_CODE_GPA + len > VMM_PML4_GPA))
		return -E2BIG;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		goto err;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		goto err;

	vm->mem = mmap(NULL, VMM_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		goto err;
	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = VMM_MEM_SIZE;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		goto err;
	memcpy(vm->mem + VMM_CODE_GPA, code, len);

	if (irqchip == VMM_IRQCHIP_KERNEL) {
		struct kvm_pit_config pit = { .flags = 0 };

		if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0))
			goto err;
		if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit))
			goto err;
	} else if (irqchip == VMM_IRQCHIP_SPLIT) {
		/* LAPIC in KVM, PIC and IOAPIC in userspace (24 routes) */
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 },
		};

		if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap))
			goto err;
	}

	ret = vmm_open_vcpu(vm, 0);
	if (ret) {
		errno = -ret;
		goto err;
	}

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs))
		goto err;
	if (mode == VMM_LONG)
		vmm_setup_long(vm, &sregs);
	else if (mode == VMM_PROT32)
		vmm_setup_prot32(&sregs);
	else
		vmm_setup_real(&sregs);
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs))
		goto err;

	if (vmm_set_start(vm, VMM_CODE_GPA, VMM_STACK_TOP))
		goto err;
	return 0;

err:
	ret = errno ? -errno : -EIO;
	vmm_destroy(vm);
	return ret;
}

/**
 * vmm_create() - create a VM with one vCPU running a flat image
 * @vm:   VM state to initialize (fully overwritten, so set in_fn, out_fn
 *        and priv after this call)
 * @mode: VMM_REAL or VMM_LONG
 * @code: guest image, loaded at VMM_CODE_GPA
 * @len:  size of @code in bytes
 *
 * The vCPU starts at VMM_CODE_GPA with RSP 0x8000 and RFLAGS 2 (IF=0), in
 * real mode with all segment bases 0, or in 64-bit mode with the first
 * GiB identity-mapped.
 *
 * Return: 0 on success, -errno on failure (nothing is left allocated).
 */
int vmm_create(struct vmm *vm, enum vmm_mode mode, const void *code,
	       size_t len)
{
	return vmm_create_common(vm, mode, code, len, VMM_IRQCHIP_NONE);
}

/**
 * vmm_create_with_irqchip() - vmm_create() plus in-kernel PIC/IOAPIC/PIT
 * @vm:   VM state to initialize
 * @mode: VMM_REAL or VMM_LONG
 * @code: guest image, loaded at VMM_CODE_GPA
 * @len:  size of @code in bytes
 *
 * KVM_CREATE_IRQCHIP and KVM_CREATE_PIT2 are issued before the vCPU is
 * created.  Note that HLT is then handled in the kernel; end the guest
 * with an OUT to VMM_DONE_PORT instead.
 *
 * Return: 0 on success, -errno on failure.
 */
int vmm_create_with_irqchip(struct vmm *vm, enum vmm_mode mode,
			    const void *code, size_t len)
{
	return vmm_create_common(vm, mode, code, len, VMM_IRQCHIP_KERNEL);
}

/**
 * vmm_create_split_irqchip() - vmm_create() with a split irqchip
 * @vm: the VM, zeroed first
 * @mode: real, 32-bit or long mode
 * @code: guest image
 * @len: its length
 *
 * The LAPIC is KVM's, the PIC and IOAPIC would be userspace's
 * (KVM_CAP_SPLIT_IRQCHIP, enabled before the vCPU is created).
 *
 * Return: 0 on success, -errno on failure.
 */
int vmm_create_split_irqchip(struct vmm *vm, enum vmm_mode mode,
			     const void *code, size_t len)
{
	return vmm_create_common(vm, mode, code, len, VMM_IRQCHIP_SPLIT);
}

/**
 * vmm_destroy() - release everything vmm_create() set up
 * @vm: VM to tear down; safe on a VM whose creation failed
 */
void vmm_destroy(struct vmm *vm)
{
	if (vm->run && vm->run != MAP_FAILED)
		munmap(vm->run, vm->run_size);
	if (vm->borrowed) {
		if (vm->vcpu_fd >= 0)
			close(vm->vcpu_fd);
		memset(vm, 0, sizeof(*vm));
		vm->vcpu_fd = vm->vm_fd = vm->kvm_fd = vm->evfd = -1;
		return;
	}
	if (vm->mem && vm->mem != (uint8_t *)MAP_FAILED)
		munmap(vm->mem, VMM_MEM_SIZE);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->evfd >= 0)
		close(vm->evfd);
	vm->evfd = -1;
	vm->run = NULL;
	vm->mem = NULL;
	vm->ring = NULL;
	vm->vcpu_fd = vm->vm_fd = vm->kvm_fd = -1;
}

static void vmm_report_exit(struct vmm *vm)
{
	struct kvm_run *run = vm->run;
	struct kvm_regs regs;
	unsigned long long rip = 0;

	if (!ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs))
		rip = regs.rip;

	fprintf(stderr, "vmm: unexpected exit reason %u at rip 0x%llx",
		run->exit_reason, rip);
	switch (run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, " (fail entry, reason 0x%llx)",
			(unsigned long long)
			run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, " (internal error, suberror %u)",
			run->internal.suberror);
		break;
	case KVM_EXIT_SHUTDOWN:
		fprintf(stderr, " (shutdown / triple fault)");
		break;
	case KVM_EXIT_MMIO:
		fprintf(stderr, " (mmio %s 0x%llx len %u)",
			run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr,
			run->mmio.len);
		break;
	case KVM_EXIT_IO:
		fprintf(stderr, " (io %s port 0x%x size %u count %u)",
			run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			run->io.port, run->io.size, run->io.count);
		break;
	default:
		break;
	}
	fprintf(stderr, "\n");
}

/*
 * Read the registers (their RIP is logged with the access); with
 * sync_regs write them back unchanged, as QEMU's vmport device does. KVM
 * must then still complete the access exactly as without the round trip.
 */
static int vmm_sync_regs(struct vmm *vm, uint64_t *rip)
{
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) ||
	    (vm->sync_regs && ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs))) {
		perror("vmm: sync regs");
		return -1;
	}
	*rip = regs.rip;
	return 0;
}

/**
 * vmm_mmio_value() - what a read of the MMIO hole returns
 * @addr: guest physical address of the access
 * @n: accesses to the hole before this one, in this run
 *
 * A device whose reads depend on where and when they happen: a read that
 * is repeated, dropped or reordered returns other data, and so changes
 * the guest's registers or memory.
 *
 * Return: 8 bytes, of which the access takes its length.
 */
uint64_t vmm_mmio_value(uint64_t addr, unsigned int n)
{
	uint64_t z = addr * 0x9e3779b97f4a7c15ULL + n + 1;

	/* splitmix64's finalizer */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* KVM_EXIT_MMIO in the hole: serve and log it. 0, or -1 on error. */
static int vmm_handle_mmio(struct vmm *vm)
{
	struct kvm_run *run = vm->run;
	uint64_t addr = run->mmio.phys_addr, val = 0, rip = 0;
	uint32_t len = run->mmio.len;

	if (!vm->mmio_len || addr < vm->mmio_gpa ||
	    addr - vm->mmio_gpa >= vm->mmio_len || !len || len > 8) {
		vmm_report_exit(vm);
		return -1;
	}
	if ((vm->log_rip || vm->sync_regs) && vmm_sync_regs(vm, &rip))
		return -1;
	if (run->mmio.is_write) {
		memcpy(&val, run->mmio.data, len);
	} else {
		val = vmm_mmio_value(addr, vm->n_mmio);
		if (len < 8)
			val &= (1ULL << (len * 8)) - 1;
		memcpy(run->mmio.data, &val, len);
	}
	if (vm->n_mmio < VMM_MAX_MMIOLOG) {
		struct vmm_mmio *m = &vm->mmiolog[vm->n_mmio];

		m->addr = addr;
		m->data = val;
		m->rip = rip;
		m->len = len;
		m->write = run->mmio.is_write;
	}
	vm->n_mmio++;
	return 0;
}

/* Returns 1 when the guest wrote VMM_DONE_PORT, 0 to continue, -1 on error. */
static int vmm_handle_io(struct vmm *vm)
{
	struct kvm_run *run = vm->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	int size = run->io.size;
	bool done = false;
	uint64_t rip = 0;
	uint32_t i;

	if (size != 1 && size != 2 && size != 4) {
		vmm_report_exit(vm);
		return -1;
	}
	if ((vm->log_rip || vm->sync_regs) && vmm_sync_regs(vm, &rip))
		return -1;
	if (run->io.count > 1)
		vm->n_folded += run->io.count - 1;
	for (i = 0; i < run->io.count; i++, data += size) {
		uint32_t val = 0;

		if (run->io.direction == KVM_EXIT_IO_OUT) {
			memcpy(&val, data, size);
			vmm_handle_out(vm, run->io.port, size, val, rip,
				       i + 1 < run->io.count);
			if (run->io.port == VMM_DONE_PORT &&
			    !vm->no_done_port)
				done = true;
		} else {
			val = vmm_handle_in(vm, run->io.port, size, rip, i > 0);
			memcpy(data, &val, size);
		}
	}
	return done;
}

int vmm_run(struct vmm *vm, unsigned long max_runs)
{
	unsigned long n;
	int ret;

	for (n = 0; n < max_runs; n++) {
		uint32_t reason;

		ret = ioctl(vm->vcpu_fd, KVM_RUN, 0);
		vm->kvm_runs++;
		if (ret < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("vmm: KVM_RUN");
			vmm_drain_ring(vm);
			return -1;
		}
		vmm_drain_ring(vm);
		reason = vm->run->exit_reason;
		if (reason < 64)
			vm->exits[reason]++;
		vm->exit_hash = vmm_hash(vm->exit_hash, &reason,
					 sizeof(reason));
		for (uint32_t i = 1; reason == KVM_EXIT_IO &&
				     i < vm->run->io.count; i++)
			vm->exit_hash = vmm_hash(vm->exit_hash, &reason,
						 sizeof(reason));

		switch (reason) {
		case KVM_EXIT_HLT:
			return 0;
		case KVM_EXIT_IO:
			ret = vm->exit_fn ? vm->exit_fn(vm) : 0;
			if (!ret)
				ret = vmm_handle_io(vm);
			if (ret < 0)
				return -1;
			if (ret > 0)
				return 0;
			break;
		case KVM_EXIT_MMIO:
			if (!vm->mmio_len)
				goto other;
			ret = vm->exit_fn ? vm->exit_fn(vm) : 0;
			if (!ret)
				ret = vmm_handle_mmio(vm);
			if (ret < 0)
				return -1;
			if (ret > 0)
				return 0;
			break;
		default:
other:
			ret = vm->exit_fn ? vm->exit_fn(vm) : -1;
			if (ret < 0) {
				vmm_report_exit(vm);
				return -1;
			}
			if (ret > 0)
				return 0;
			break;
		}
	}
	return -2;
}

/**
 * vmm_complete_io() - let KVM finish a pending userspace IO, run nothing
 * @vm: VM whose last exit was a userspace IO
 *
 * Issues KVM_RUN with kvm_run->immediate_exit set: KVM completes the IO
 * (e.g. advances RIP past an OUT) and returns -EINTR before entering the
 * guest.
 *
 * Return: 0 (also when there was nothing to complete) or -errno.
 */
int vmm_complete_io(struct vmm *vm)
{
	int ret;

	vm->run->immediate_exit = 1;
	ret = ioctl(vm->vcpu_fd, KVM_RUN, 0);
	vm->kvm_runs++;
	vm->run->immediate_exit = 0;
	if (ret < 0 && errno != EINTR)
		return -errno;
	vmm_drain_ring(vm);
	return 0;
}

/**
 * vmm_mmio_hole() - make a guest-physical range MMIO that userspace serves
 * @vm: VM, before vmm_run()
 * @gpa: start, page aligned
 * @len: length, page aligned; @gpa + @len inside the RAM
 *
 * The RAM slot is replaced by two slots, below and above the hole; the
 * hole's bytes in vm->mem are no longer guest memory (they stay as they
 * are, and so do not change the RAM a result compares).
 *
 * Return: 0 or -errno.
 */
int vmm_mmio_hole(struct vmm *vm, uint64_t gpa, uint64_t len)
{
	struct kvm_userspace_memory_region r;

	if ((gpa | len) & 0xfff || !len || gpa + len > VMM_MEM_SIZE)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	/* a slot cannot shrink: delete it, then add the two parts */
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	r.memory_size = gpa;
	r.userspace_addr = (uintptr_t)vm->mem;
	if (gpa && ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	r.slot = 1;
	r.guest_phys_addr = gpa + len;
	r.memory_size = VMM_MEM_SIZE - gpa - len;
	r.userspace_addr = (uintptr_t)vm->mem + gpa + len;
	if (r.memory_size && ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	vm->mmio_gpa = gpa;
	vm->mmio_len = len;
	return 0;
}

/**
 * vmm_rom() - make a guest-physical range read-only memory (a ROM)
 * @vm: VM, before vmm_run()
 * @gpa: start, page aligned
 * @len: length, page aligned; @gpa + @len inside the RAM
 *
 * As QEMU maps firmware and option ROMs: a KVM_MEM_READONLY memslot over
 * the same bytes of vm->mem, between two RAM slots. The guest reads and
 * runs code there; its writes would exit as MMIO.
 *
 * Return: 0 or -errno.
 */
int vmm_rom(struct vmm *vm, uint64_t gpa, uint64_t len)
{
	struct kvm_userspace_memory_region r;
	int err = vmm_mmio_hole(vm, gpa, len);

	if (err)
		return err;
	memset(&r, 0, sizeof(r));
	r.slot = 2;
	r.flags = KVM_MEM_READONLY;
	r.guest_phys_addr = gpa;
	r.memory_size = len;
	r.userspace_addr = (uintptr_t)vm->mem + gpa;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	vm->mmio_gpa = 0;
	vm->mmio_len = 0;
	return 0;
}

/* A flat segment descriptor: base 0, limit 4 GiB, @access, @flags. */
static uint64_t vmm_gdt_flat(uint8_t access, uint8_t flags)
{
	return 0xffffull | (uint64_t)access << 40 | 0xfull << 48 |
	       (uint64_t)flags << 52;
}

/**
 * vmm_trap_exceptions() - every exception vector to one handler
 * @vm: VM created by vmm_create() in @mode, before vmm_run()
 * @mode: its mode
 * @handler: guest address of the handler (e.g. a HLT)
 *
 * Real mode: IVT entries 0-31 (segment 0). Protected and long mode: a GDT
 * at VMM_GDT_GPA whose descriptors are those vmm_create() loaded (code
 * 0x08, data 0x10, the TSS 0x18), since delivering an exception reads the
 * gate's code segment descriptor from memory; an IDT of 32 interrupt
 * gates to 0x08:@handler at VMM_IDT_GPA.
 *
 * Return: 0 or -errno.
 */
int vmm_trap_exceptions(struct vmm *vm, enum vmm_mode mode,
			uint64_t handler)
{
	uint64_t *gdt = (uint64_t *)(vm->mem + VMM_GDT_GPA);
	uint8_t *idt = vm->mem + VMM_IDT_GPA;
	unsigned int v, gate = mode == VMM_LONG ? 16 : 8;
	struct kvm_sregs sregs;
	uint64_t lo;

	if (mode == VMM_REAL) {
		if (handler > 0xffff)
			return -EINVAL;
		for (v = 0; v < 32; v++) {
			vm->mem[4 * v] = handler & 0xff;
			vm->mem[4 * v + 1] = handler >> 8;
			vm->mem[4 * v + 2] = 0;
			vm->mem[4 * v + 3] = 0;
		}
		return 0;
	}
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs))
		return -errno;
	gdt[0] = 0;
	/* present, DPL 0, code execute/read accessed; G, and L or D */
	gdt[1] = vmm_gdt_flat(0x9b, mode == VMM_LONG ? 0xa : 0xc);
	gdt[2] = vmm_gdt_flat(0x93, 0xc);	/* data read/write accessed */
	gdt[3] = 0x67 | 0x8bull << 40;		/* busy TSS at 0 */
	gdt[4] = 0;				/* its upper half (64-bit) */
	/* interrupt gate, present, DPL 0, selector 0x08 */
	lo = (handler & 0xffff) | 0x8ull << 16 | 0x8eull << 40 |
	     ((handler >> 16) & 0xffff) << 48;
	for (v = 0; v < 32; v++) {
		uint64_t hi = handler >> 32;

		memcpy(idt + v * gate, &lo, 8);
		if (gate == 16)
			memcpy(idt + v * gate + 8, &hi, 8);
	}
	sregs.gdt.base = VMM_GDT_GPA;
	sregs.gdt.limit = 5 * 8 - 1;
	sregs.idt.base = VMM_IDT_GPA;
	sregs.idt.limit = 32 * gate - 1;
	return ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) ? -errno : 0;
}

/**
 * vmm_get_regs() - read the vCPU's general purpose registers
 * @vm:   VM
 * @regs: filled in on success
 *
 * Return: 0 or -errno.
 */
int vmm_get_regs(struct vmm *vm, struct kvm_regs *regs)
{
	return ioctl(vm->vcpu_fd, KVM_GET_REGS, regs) ? -errno : 0;
}

/**
 * vmm_get_sregs() - read the vCPU's special registers
 * @vm:    VM
 * @sregs: filled in on success
 *
 * Return: 0 or -errno.
 */
int vmm_get_sregs(struct vmm *vm, struct kvm_sregs *sregs)
{
	return ioctl(vm->vcpu_fd, KVM_GET_SREGS, sregs) ? -errno : 0;
}

/**
 * vmm_coalesce_pio() - make writes to a port range go to the coalesced ring
 * @vm:   VM
 * @port: first port
 * @len:  number of ports
 *
 * Return: 0, -EOPNOTSUPP without KVM_CAP_COALESCED_PIO or a mapped ring,
 * or another -errno from KVM_REGISTER_COALESCED_MMIO.
 */
int vmm_coalesce_pio(struct vmm *vm, uint16_t port, uint16_t len)
{
	struct kvm_coalesced_mmio_zone zone;

	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) <= 0)
		return -EOPNOTSUPP;
	if (!vm->ring)
		vm->ring = vmm_ring(vm);
	if (!vm->ring)
		return -EOPNOTSUPP;

	memset(&zone, 0, sizeof(zone));
	zone.addr = port;
	zone.size = len;
	zone.pio = 1;
	if (ioctl(vm->vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone))
		return -errno;
	return 0;
}

/**
 * vmm_pio_eventfd() - let KVM's PIO bus take writes to a port
 * @vm:   VM
 * @port: the port
 * @len:  the access size it takes (1, 2, 4 or 8; other sizes still exit)
 * @datamatch: the only value it takes (KVM_IOEVENTFD_FLAG_DATAMATCH: KVM's
 *             bus finds it for any value, and it declines the others, which
 *             go to userspace), or -1 for any
 *
 * Return: 0 or -errno.
 */
int vmm_pio_eventfd(struct vmm *vm, uint16_t port, int len,
		    long long datamatch)
{
	struct kvm_ioeventfd io = {
		.addr = port,
		.len = len,
		.flags = KVM_IOEVENTFD_FLAG_PIO,
	};

	if (datamatch >= 0) {
		io.datamatch = datamatch;
		io.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
	}

	if (vm->evfd >= 0)
		return -EBUSY;
	vm->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vm->evfd < 0)
		return -errno;
	io.fd = vm->evfd;
	if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &io)) {
		int err = -errno;

		close(vm->evfd);
		vm->evfd = -1;
		return err;
	}
	return 0;
}

/**
 * vmm_pio_eventfd_count() - writes the ioeventfd took since the last call
 * @vm: VM
 *
 * Return: the count, or -1 without vmm_pio_eventfd().
 */
long long vmm_pio_eventfd_count(struct vmm *vm)
{
	uint64_t n = 0;

	if (vm->evfd < 0)
		return -1;
	if (read(vm->evfd, &n, sizeof(n)) != sizeof(n))
		return 0;	/* EAGAIN: none */
	return (long long)n;
}

/**
 * vmm_vcpu_stat() - read a vCPU binary statistic by name
 * @vm:   VM
 * @name: stat name as KVM reports it, e.g. "io_exits"
 *
 * Opens the vCPU stats fd (KVM_GET_STATS_FD), walks the descriptors and
 * reads the first u64 of the named stat.
 *
 * Return: the value, or -1 when the stat or the interface is missing.
 */
long long vmm_vcpu_stat(struct vmm *vm, const char *name)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *desc;
	long long val = -1;
	size_t desc_size;
	uint8_t *descs = NULL;
	uint32_t i;
	uint64_t v;
	int fd;

	fd = ioctl(vm->vcpu_fd, KVM_GET_STATS_FD, 0);
	if (fd < 0)
		return -1;
	if (pread(fd, &hdr, sizeof(hdr), 0) != sizeof(hdr))
		goto out;

	desc_size = sizeof(*desc) + hdr.name_size;
	descs = malloc(desc_size * hdr.num_desc);
	if (!descs)
		goto out;
	if (pread(fd, descs, desc_size * hdr.num_desc, hdr.desc_offset) !=
	    (ssize_t)(desc_size * hdr.num_desc))
		goto out;

	for (i = 0; i < hdr.num_desc; i++) {
		desc = (struct kvm_stats_desc *)(descs + i * desc_size);
		if (strncmp(desc->name, name, hdr.name_size))
			continue;
		if (desc->size < 1)
			break;
		if (pread(fd, &v, sizeof(v), hdr.data_offset + desc->offset) ==
		    sizeof(v))
			val = (long long)v;
		break;
	}
out:
	free(descs);
	close(fd);
	return val;
}

/**
 * vmm_add_vcpu() - another vCPU in an existing VM
 * @vm:  VM created by vmm_create() (its vCPU 0 supplies mode and segments)
 * @cpu: view to initialize for the new vCPU (fully overwritten)
 * @id:  vCPU id (> 0)
 * @rip: where the new vCPU starts
 *
 * Return: 0 or -errno.
 */
int vmm_add_vcpu(struct vmm *vm, struct vmm *cpu, int id, uint64_t rip)
{
	struct kvm_sregs sregs;
	int ret;

	memset(cpu, 0, sizeof(*cpu));
	cpu->borrowed = true;
	cpu->evfd = -1;
	cpu->kvm_fd = vm->kvm_fd;
	cpu->vm_fd = vm->vm_fd;
	cpu->mem = vm->mem;
	cpu->vcpu_fd = -1;
	cpu->run = MAP_FAILED;
	ret = vmm_open_vcpu(cpu, id);
	if (ret) {
		errno = -ret;
		goto err;
	}
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) ||
	    ioctl(cpu->vcpu_fd, KVM_SET_SREGS, &sregs))
		goto err;
	if (vmm_set_start(cpu, rip, VMM_STACK_TOP - 0x1000 * id))
		goto err;
	return 0;
err:
	ret = errno ? -errno : -EIO;
	vmm_destroy(cpu);
	return ret;
}

/**
 * vmm_dirty_log() - let KVM log the guest's writes to its RAM
 * @vm: VM, with its RAM in one memslot (no vmm_mmio_hole())
 *
 * Return: 0 or -errno.
 */
int vmm_dirty_log(struct vmm *vm)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0,
		.flags = KVM_MEM_LOG_DIRTY_PAGES,
		.guest_phys_addr = 0,
		.memory_size = VMM_MEM_SIZE,
		.userspace_addr = (uintptr_t)vm->mem,
	};

	if (vm->mmio_len)
		return -EINVAL;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	vm->dirty_log = true;
	return 0;
}

/**
 * vmm_dirty_pages() - the RAM pages the guest wrote since the last call
 * @vm: VM, vmm_dirty_log()
 * @bitmap: result, bit n for the page at GPA n * 4096
 *
 * Return: 0 or -errno.
 */
int vmm_dirty_pages(struct vmm *vm, uint64_t bitmap[VMM_DIRTY_WORDS])
{
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };

	memset(bitmap, 0, VMM_DIRTY_WORDS * sizeof(*bitmap));
	if (!vm->dirty_log)
		return -EINVAL;
	if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log))
		return -errno;
	return 0;
}
