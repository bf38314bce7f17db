// SPDX-License-Identifier: GPL-2.0
/*
 * Where a vCPU executes, and reading its code: linear RIP, code size,
 * how many straight-line bytes may be looked at, and whether the vCPU is
 * in a state where batching is allowed at all.
 */
#include <linux/kvm_host.h>
#include <linux/sched/signal.h>

#include "x86.h"	/* KVM private: kvm_rip_read(), is_protmode() ... */
#include "irq.h"	/* KVM private: pic_in_kernel() */
#include "lapic.h"	/* KVM private: struct kvm_lapic */
#include "svm/svm.h"	/* KVM private: sev_guest() */
#include "iobatch.h"
#include "vcpu_state.h"

static enum iob_mode iob_guest_mode(struct kvm_vcpu *vcpu)
{
	int db, l;

	if (!is_protmode(vcpu) || (iob_rflags(vcpu) & X86_EFLAGS_VM))
		return IOB_MODE_16;
	static_call(kvm_x86_get_cs_db_l_bits)(vcpu, &db, &l);
	if (is_long_mode(vcpu) && l)
		return IOB_MODE_64;
	return db ? IOB_MODE_32 : IOB_MODE_16;
}

/**
 * iob_guest_where() - locate the instruction at the vCPU's RIP
 * @vcpu: the vCPU, stopped in a VM exit
 * @w: result
 *
 * The readable window ends at the guest page boundary, at the CS limit
 * and where the instruction pointer would wrap (16/32-bit code): an
 * instruction beyond any of them would fault on hardware, so a block
 * never reaches past it. Before RIP it starts at the page boundary or at
 * offset 0 of CS, whichever is nearer.
 *
 * Return: false when CS is unusable or the window is empty.
 */
bool iob_guest_where(struct kvm_vcpu *vcpu, struct iob_where *w)
{
	u64 rip = kvm_rip_read(vcpu);
	u64 wrap, limit, room;
	unsigned int type;
	u32 base, lim;

	w->mode = iob_guest_mode(vcpu);
	if (w->mode == IOB_MODE_64) {
		w->lin = rip;
		w->avail = min_t(u64, PAGE_SIZE - (rip & ~PAGE_MASK),
				 IOB_MAX_EXTENT);
		w->back = rip & ~PAGE_MASK;
		return true;
	}
	/* One read of CS for its base and limit (kvm_get_linear_rip() too) */
	if (!iob_seg_flat(vcpu, VCPU_SREG_CS, &base, &lim, &type))
		return false;
	w->lin = (u32)(base + rip);
	wrap = w->mode == IOB_MODE_16 ? 0x10000ULL : 0x100000000ULL;
	limit = lim;
	if (rip >= wrap || rip > limit)
		return false;
	room = PAGE_SIZE - (w->lin & ~PAGE_MASK);
	room = min(room, wrap - rip);
	room = min(room, limit - rip + 1);
	w->avail = min_t(u64, room, IOB_MAX_EXTENT);
	/* Before RIP: down to offset 0 of CS (expand-down CS cannot run) */
	w->back = min_t(u64, w->lin & ~PAGE_MASK, rip);
	return w->avail > 0;
}

/**
 * iob_guest_read() - copy guest code bytes
 * @vcpu: the vCPU
 * @lin: guest linear address
 * @buf: destination
 * @len: bytes, within one guest page
 *
 * Uses the guest's page tables with the vCPU's current privilege. A fault
 * is not injected: the caller falls back to stock KVM, which executes the
 * instruction the way hardware does.
 *
 * Return: true when all @len bytes were read.
 */
bool iob_guest_read(struct kvm_vcpu *vcpu, u64 lin, void *buf,
		    unsigned int len)
{
	struct x86_exception e;

	/*
	 * Without paging a linear address is a guest physical one, as in
	 * KVM's nonpaging_gva_to_gpa(): skip the walk and its set-up.
	 */
	if (!is_paging(vcpu))
		return !kvm_vcpu_read_guest(vcpu, lin, buf, len);
	return kvm_read_guest_virt(vcpu, lin, buf, len, &e) ==
	       X86EMUL_CONTINUE;
}

/**
 * iob_ram_hva() - where guest RAM at @gpa is mapped in the VMM
 * @vcpu: the vCPU, in its KVM_RUN (SRCU held, as for every guest access)
 * @vs: its block state, which keeps the last two pages found (@vs->ram)
 * @gpa: guest physical address
 * @write: for a store
 * @dirty_log: for a store: set when its memslot logs writes (else NULL)
 *
 * As kvm_vcpu_read_guest() and kvm_vcpu_write_guest() find it: a load
 * finds read-only memslots (ROM) too, as gfn_to_hva_memslot_prot() does
 * (not exported: gfn_to_hva_memslot() looks up for a store, and refuses
 * them). Not in SMM, where the vCPU has memslots of its own (the caller
 * then copies through KVM). A page found before is taken from @vs->ram
 * while the VM's memslots are the same set at the same generation: KVM
 * changes a set only while another is active, then installs it with a
 * higher generation, and waits for SRCU readers before it changes the
 * one they may hold. (The memslot lookup cost about 80 instructions; a
 * BIOS loop makes two or three per IO instruction.)
 *
 * Return: the host virtual address, or an error hva (kvm_is_error_hva()).
 */
static unsigned long iob_ram_hva(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
				 u64 gpa, bool write, bool *dirty_log)
{
	gfn_t gfn = gpa_to_gfn(gpa);
	struct kvm_memory_slot *slot;
	struct kvm_memslots *slots;
	struct iob_ram_page *p;
	u64 gen;
	int i;

	if (is_smm(vcpu))
		return KVM_HVA_ERR_BAD;
	slots = kvm_memslots(vcpu->kvm);
	gen = READ_ONCE(slots->generation);
	for (i = 0; i < ARRAY_SIZE(vs->ram); i++) {
		p = &vs->ram[i];
		if (p->gfn == gfn && p->slots == slots && p->gen == gen)
			goto found;
	}
	slot = __gfn_to_memslot(slots, gfn);
	if (!slot || (slot->flags & KVM_MEMSLOT_INVALID))
		return KVM_HVA_ERR_BAD;
	vs->ram_next ^= 1;
	p = &vs->ram[vs->ram_next];
	p->slots = slots;
	p->gen = gen;
	p->gfn = gfn;
	p->hva = __gfn_to_hva_memslot(slot, gfn);
	p->ro = slot->flags & KVM_MEM_READONLY;
	p->dirty_log = kvm_slot_dirty_track_enabled(slot);
found:
	/* gfn_to_hva_memslot() for a store: no read-only slot */
	if (write && p->ro)
		return KVM_HVA_ERR_RO_BAD;
	if (dirty_log)
		*dirty_log = p->dirty_log;
	return p->hva + offset_in_page(gpa);
}

/**
 * iob_ram_read() - load from guest RAM
 * @vcpu: the vCPU, in its KVM_RUN
 * @vs: its block state (iob_ram_hva())
 * @gpa: guest physical address
 * @size: bytes, within one guest page
 * @val: result (callers zero it: a load through KVM fills only its low
 *       @size bytes)
 *
 * @size bytes of guest RAM at @gpa, as kvm_vcpu_read_guest() reads them,
 * with one user access of that size where the memory is mapped (a copy
 * of a variable length pays hardened-usercopy checks: about 200
 * instructions a load).
 *
 * Return: true when the bytes could be read.
 */
bool iob_ram_read(struct kvm_vcpu *vcpu, struct iob_vcpu *vs, u64 gpa,
		  unsigned int size, unsigned long *val)
{
	unsigned long hva = iob_ram_hva(vcpu, vs, gpa, false, NULL);
	u32 l;
	u16 w;
	u8 b;

	if (kvm_is_error_hva(hva))
		return !kvm_vcpu_read_guest(vcpu, gpa, val, size);
	switch (size) {
	case 1:
		if (get_user(b, (u8 __user *)hva))
			return false;
		*val = b;
		return true;
	case 2:
		if (get_user(w, (u16 __user *)hva))
			return false;
		*val = w;
		return true;
	case 4:
		if (get_user(l, (u32 __user *)hva))
			return false;
		*val = l;
		return true;
	default:
		return !kvm_vcpu_read_guest(vcpu, gpa, val, size);
	}
}

/**
 * iob_ram_write() - store to guest RAM
 * @vcpu: the vCPU, in its KVM_RUN
 * @vs: its block state (iob_ram_hva())
 * @gpa: guest physical address
 * @size: bytes, within one guest page
 * @val: the value, its low @size bytes stored
 *
 * The same as iob_ram_read() for a store, as kvm_vcpu_write_guest()
 * writes: through the memslot's mapping, then the page marked dirty
 * (dirty logging, dirty ring) in the memslot it was written through.
 *
 * Return: true when the bytes were written (false for a read-only
 * memslot, among others).
 */
bool iob_ram_write(struct kvm_vcpu *vcpu, struct iob_vcpu *vs, u64 gpa,
		   unsigned int size, unsigned long val)
{
	bool dirty_log = false;
	unsigned long hva = iob_ram_hva(vcpu, vs, gpa, true, &dirty_log);
	int r;

	if (kvm_is_error_hva(hva))
		return !kvm_vcpu_write_guest(vcpu, gpa, &val, size);
	switch (size) {
	case 1:
		r = put_user((u8)val, (u8 __user *)hva);
		break;
	case 2:
		r = put_user((u16)val, (u16 __user *)hva);
		break;
	case 4:
		r = put_user((u32)val, (u32 __user *)hva);
		break;
	default:
		return !kvm_vcpu_write_guest(vcpu, gpa, &val, size);
	}
	if (r)
		return false;
	/* a no-op but for its memslot lookup, where no write is logged */
	if (dirty_log)
		kvm_vcpu_mark_page_dirty(vcpu, gpa_to_gfn(gpa));
	return true;
}

/*
 * Guest RAM at @gpa against @buf, read in place through the memslot's
 * user mapping, 8 bytes at a time: no copy, and one user access window.
 * (A copy of a variable length goes through the hardened-usercopy checks
 * of its destination, and costs more than the compare.) Byte by byte
 * when @len < 8.
 * Return: 1 equal, 0 different or unreadable, -1 not mapped here.
 */
static int iob_ram_equal(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			 u64 gpa, const u8 *buf, unsigned int len)
{
	unsigned long hva = iob_ram_hva(vcpu, vs, gpa, false, NULL);
	const u8 __user *p = (const u8 __user *)hva;
	unsigned int i;
	u64 word;

	if (kvm_is_error_hva(hva))
		return -1;
	if (!user_access_begin(p, len))
		return 0;
	if (len < 8) {
		u8 b;

		for (i = 0; i < len; i++) {
			unsafe_get_user(b, p + i, fault);
			if (b != buf[i])
				goto differ;
		}
		user_access_end();
		return 1;
	}
	for (i = 0; i + 8 <= len; i += 8) {
		unsafe_get_user(word, (const u64 __user *)(p + i), fault);
		if (word != get_unaligned((const u64 *)(buf + i)))
			goto differ;
	}
	if (i < len) {	/* the last 8 bytes, overlapping */
		unsafe_get_user(word, (const u64 __user *)(p + len - 8),
				fault);
		if (word != get_unaligned((const u64 *)(buf + len - 8)))
			goto differ;
	}
	user_access_end();
	return 1;
differ:
fault:
	user_access_end();
	return 0;
}

/* The inputs of a walk besides the entries read, as they are now */
static void iob_xl_inputs_now(struct kvm_vcpu *vcpu, struct iob_xl_inputs *in)
{
	BUILD_BUG_ON(sizeof(*in) != 2 * sizeof(u64) + 2 * sizeof(u32));
	in->cr3 = kvm_read_cr3(vcpu);
	in->role = vcpu->arch.walk_mmu->cpu_role.as_u64;
	in->pkru = vcpu->arch.pkru;
	in->priv = iob_cpl(vcpu) | !!(iob_rflags(vcpu) & X86_EFLAGS_AC) << 2;
}

/*
 * Would a walk of the guest's page tables give what the recorded one
 * gave? It reads the same entries, each as it was then, with the same
 * inputs: it is the same walk, and sets no accessed bit (the first did).
 */
static bool iob_xl_chain_holds(struct kvm_vcpu *vcpu,
			       const struct iob_xl_chain *c)
{
	struct iob_xl_inputs now;
	unsigned int i;
	u64 e;

	if (!c->n)
		return false;
	iob_xl_inputs_now(vcpu, &now);
	if (memcmp(&now, &c->in, sizeof(now)))
		return false;
	for (i = 0; i < c->n; i++)
		if (get_user(e, (const u64 __user *)c->hva[i]) ||
		    e != c->val[i])
			return false;
	return true;
}

/*
 * Record the entries that translated @lin to @gpa (KVM's walk, just
 * done): 4-level paging only, and only when reading them the way the
 * walker does leads to @gpa's page too (else nothing is recorded).
 */
static void iob_xl_chain_take(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			      u64 lin, gpa_t gpa)
{
	struct iob_xl_chain *c = &vs->xc;
	u64 table, e, size, mask = GENMASK_ULL(51, PAGE_SHIFT);
	unsigned int level, n = 0;
	unsigned long hva;

	c->n = 0;
	if (gpa == INVALID_GPA || !is_long_mode(vcpu) ||
	    kvm_read_cr4_bits(vcpu, X86_CR4_LA57))
		return;
	table = kvm_read_cr3(vcpu) & mask;
	for (level = 4; level; level--) {
		hva = iob_ram_hva(vcpu, vs, table +
				  ((lin >> (PAGE_SHIFT + 9 * (level - 1))) &
				   511) * 8, false, NULL);
		/*
		 * Read after KVM's walk, so another vCPU may have written it
		 * since: only an entry that walk would leave as it is (its
		 * accessed bit set) and that maps a table or a 2M/1G page.
		 */
		if (kvm_is_error_hva(hva) ||
		    get_user(e, (const u64 __user *)hva) ||
		    (e & (_PAGE_PRESENT | _PAGE_ACCESSED)) !=
		    (_PAGE_PRESENT | _PAGE_ACCESSED) ||
		    (level == 4 && (e & _PAGE_PSE)))
			return;
		c->hva[n] = hva;
		c->val[n++] = e;
		size = 1ULL << (PAGE_SHIFT + 9 * (level - 1));
		if (level == 1 || (level <= 3 && (e & _PAGE_PSE)))
			break;
		table = e & mask;
	}
	if (((e & mask & ~(size - 1)) | (lin & (size - 1) & PAGE_MASK)) !=
	    (gpa & PAGE_MASK))
		return;
	iob_xl_inputs_now(vcpu, &c->in);
	c->n = n;
}

/*
 * The guest physical address of @lin, as kvm_read_guest_virt() translates
 * it (the guest's page tables, the vCPU's privilege). A walk costs about
 * 900 instructions, and a 64-bit kernel's block compares its code at
 * every start and every resume: the vCPU's last translation of that page
 * is taken while @vs->xl_ok says the guest's TLB would still hold it (no
 * guest instruction ran since, nothing flushed), and at a block start
 * while the page table entries it came from read the same (about 100).
 */
static gpa_t iob_guest_gpa(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			   u64 lin)
{
	u64 gen = kvm_memslots(vcpu->kvm)->generation;
	struct x86_exception e;
	gpa_t gpa;

	if (!is_paging(vcpu))
		return lin;
	if (vs->xl_lin == (lin & PAGE_MASK) && vs->xl_gen == gen &&
	    (vs->xl_ok || iob_xl_chain_holds(vcpu, &vs->xc))) {
		vs->xl_ok = true;
		return vs->xl_gpa | offset_in_page(lin);
	}
	gpa = kvm_mmu_gva_to_gpa_read(vcpu, lin, &e);
	vs->xl_ok = gpa != INVALID_GPA;
	vs->xl_lin = lin & PAGE_MASK;
	vs->xl_gpa = gpa & PAGE_MASK;
	vs->xl_gen = gen;
	iob_xl_chain_take(vcpu, vs, lin, gpa);
	return gpa;
}

/**
 * iob_guest_equal() - do the guest's bytes at @lin equal @buf
 * @vcpu: the vCPU
 * @vs: its block state (iob_ram_hva(); its translation, iob_guest_gpa())
 * @lin: guest linear address
 * @buf: the bytes expected
 * @len: bytes, within one guest page
 * @copied: set when the bytes had to be copied although @len allowed the
 *          compare in place (no mapping: SMM, MMIO); left alone otherwise
 *
 * What iob_guest_read() and a compare would say, without the copy: the
 * bytes at @lin's guest physical address compared where the guest page
 * is mapped.
 *
 * Return: true when all @len bytes could be read and are equal.
 */
bool iob_guest_equal(struct kvm_vcpu *vcpu, struct iob_vcpu *vs, u64 lin,
		     const u8 *buf, unsigned int len, bool *copied)
{
	u8 now[IOB_MAX_INSN_LEN * 4];
	unsigned int n;
	gpa_t gpa;
	int r;

	if (len && offset_in_page(lin) + len <= PAGE_SIZE) {
		gpa = iob_guest_gpa(vcpu, vs, lin);
		if (gpa == INVALID_GPA)
			return false;
		r = iob_ram_equal(vcpu, vs, gpa, buf, len);
		if (r >= 0)
			return r;
		*copied = true;
	}
	while (len) {
		n = min_t(unsigned int, len, sizeof(now));
		if (!iob_guest_read(vcpu, lin, now, n) || memcmp(now, buf, n))
			return false;
		lin += n;
		buf += n;
		len -= n;
	}
	return true;
}

/*
 * Is the VM's memory encrypted (AMD SEV)? KVM would read ciphertext there
 * and decode it as code. Only kvm_amd runs SEV guests, and it is the only
 * KVM vendor module on CPUs with SVM, so struct kvm is a struct kvm_svm.
 */
static bool iob_guest_encrypted(struct kvm *kvm)
{
	return boot_cpu_has(X86_FEATURE_SVM) && sev_guest(kvm);
}

/**
 * iob_guest_readable() - may the module look at this vCPU's code at all
 * @vcpu: the vCPU, in a non-string PIO exit
 *
 * Not when the guest state is not KVM's to read (SEV-ES) or its memory is
 * encrypted (SEV), nor while a nested guest runs (L1 may intercept each of
 * its instructions).
 *
 * Return: true when the code may be looked up and scanned.
 */
bool iob_guest_readable(struct kvm_vcpu *vcpu)
{
	return !vcpu->arch.guest_state_protected && !is_guest_mode(vcpu) &&
	       !iob_guest_encrypted(vcpu->kvm);
}

/**
 * iob_guest_batchable() - may a block start at this exit
 * @vcpu: the vCPU, in a non-string PIO exit, iob_guest_readable()
 *
 * Batching is left to stock KVM when anyone debugs or single-steps the
 * guest, when a completion is already pending, and when an event is being
 * delivered or is already due. Checked only once a block was found, so
 * that exits with nothing to batch stay cheap.
 *
 * Return: true when a block may start here.
 */
bool iob_guest_batchable(struct kvm_vcpu *vcpu)
{
	if (vcpu->guest_debug || (vcpu->arch.dr7 & DR7_BP_EN_MASK))
		return false;
	if (iob_rflags(vcpu) & X86_EFLAGS_TF)
		return false;
	if (vcpu->arch.complete_userspace_io || vcpu->arch.pio.count ||
	    vcpu->mmio_needed)
		return false;
	return !iob_guest_event_pending(vcpu);
}

#define IOB_REQ(r) BIT_ULL((r) & KVM_REQUEST_MASK)

/* Requests that only keep time: KVM raises some at every KVM_RUN */
#define IOB_TIME_REQS (IOB_REQ(KVM_REQ_MIGRATE_TIMER) |		\
		       IOB_REQ(KVM_REQ_CLOCK_UPDATE) |		\
		       IOB_REQ(KVM_REQ_STEAL_UPDATE) |		\
		       IOB_REQ(KVM_REQ_GLOBAL_CLOCK_UPDATE) |	\
		       IOB_REQ(KVM_REQ_MASTERCLOCK_UPDATE))

/*
 * Requests that are KVM's own bookkeeping, not guest-visible events: KVM
 * raises some on every KVM_RUN (vcpu_load), and none of them changes what
 * a register-only instruction or a port access does. Any other request
 * ends a block. Not KVM_REQ_TLB_FLUSH_GUEST: on 6.1 another vCPU's
 * Hyper-V flush hypercall raises it and returns without waiting for a
 * vCPU outside guest mode, which on stock KVM flushes before it runs
 * another guest instruction; a block that went on would fetch its code
 * through the translation it kept (6.12 raises KVM_REQ_HV_TLB_FLUSH,
 * also not here). Nothing else raises it inside a block: the guest's
 * CR and INVPCID writes that do are not run by the module.
 */
#define IOB_HARMLESS_REQS (IOB_TIME_REQS |				\
			   IOB_REQ(KVM_REQ_TLB_FLUSH) |			\
			   IOB_REQ(KVM_REQ_TLB_FLUSH_CURRENT) |		\
			   IOB_REQ(KVM_REQ_LOAD_MMU_PGD) |		\
			   IOB_REQ(KVM_REQ_MMU_SYNC) |			\
			   IOB_REQ(KVM_REQ_MMU_FREE_OBSOLETE_ROOTS) |	\
			   IOB_REQ(KVM_REQ_UPDATE_CPU_DIRTY_LOGGING))

/*
 * The VMX preemption timer runs the LAPIC timer only while the guest runs:
 * one whose deadline passed inside a block raises nothing until the next
 * VM entry, where stock KVM would take it at once. (AMD has no such
 * timer: iob_lapic_hv_timer_in_use() is false there.)
 */
static bool iob_hv_timer_due(struct kvm_vcpu *vcpu)
{
	if (!iob_lapic_hv_timer_in_use(vcpu))
		return false;
	return kvm_read_l1_tsc(vcpu, rdtsc()) >=
	       READ_ONCE(vcpu->arch.apic->lapic_timer.tscdeadline);
}

/*
 * What ends a block whoever raised it: a request that is not bookkeeping
 * (KVM_REQ_EVENT comes with any interrupt the PIC or APIC accepts,
 * KVM_REQ_NMI/SMI with those), a signal (signal_pending()) or a due
 * reschedule (need_resched()), in one read of the thread flags. Not
 * TIF_NOTIFY_RESUME, which stock KVM's vcpu_run() also handles before
 * its next entry: rseq raises it at every preemption of the VMM's
 * thread, and its work (rseq, task work) changes nothing the guest sees
 * when it runs a few instructions later, while ending blocks for it
 * costs a cut after every preemption.
 */
static bool iob_guest_event_raised(struct kvm_vcpu *vcpu)
{
	return (READ_ONCE(vcpu->requests) & ~IOB_HARMLESS_REQS) ||
	       (read_thread_flags() &
		(_TIF_SIGPENDING | _TIF_NOTIFY_SIGNAL | _TIF_NEED_RESCHED));
}

/* Would the guest take an interrupt at this boundary (IF set)? */
static bool iob_guest_intr_due(struct kvm_vcpu *vcpu)
{
	return kvm_cpu_has_interrupt(vcpu) || iob_hv_timer_due(vcpu);
}

/*
 * Can an interrupt become due without a request? Posted to the vCPU
 * (APICv's PIR, AVIC's IRR: only kvm_cpu_has_interrupt() sees it), a VMX
 * preemption timer past its deadline, a Xen event channel upcall through
 * the callback vector (a flag in guest memory). Without these, every
 * interrupt the PIC or LAPIC accepts raises KVM_REQ_EVENT (or, for the
 * LAPIC timer, KVM_REQ_UNBLOCK): iob_guest_event_raised() sees it.
 */
static bool iob_guest_intr_unrequested(struct kvm_vcpu *vcpu)
{
#ifdef CONFIG_KVM_XEN
	if (READ_ONCE(vcpu->kvm->arch.xen.upcall_vector))
		return true;
#endif
	return kvm_vcpu_apicv_active(vcpu) || iob_lapic_hv_timer_in_use(vcpu);
}

/**
 * iob_guest_event_pending() - must a block stop before the next insn
 * @vcpu: the vCPU
 *
 * Hardware checks for events at every instruction boundary; a block must
 * give KVM the same chance. Any pending request (KVM_REQ_EVENT is raised
 * for new interrupts, KVM_REQ_NMI/SMI for those), a queued exception or
 * event, a signal or a due reschedule ends it; requests that are pure
 * bookkeeping (IOB_HARMLESS_REQS) do not. So does an interrupt the guest
 * would take now, also one that raised no request: posted to the vCPU
 * (APICv's PIR, AVIC's IRR; kvm_cpu_has_interrupt() sees both, where
 * kvm_cpu_has_injectable_intr() leaves them to the hardware) or a VMX
 * preemption timer past its deadline; and, with the PIC in userspace, an
 * interrupt window userspace asked for (it gets KVM_EXIT_IRQ_WINDOW_OPEN
 * at the next boundary where the guest can take an interrupt).
 *
 * Return: true when the block must end here.
 */
bool iob_guest_event_pending(struct kvm_vcpu *vcpu)
{
	if (iob_guest_event_raised(vcpu))
		return true;
	if ((iob_rflags(vcpu) & X86_EFLAGS_IF) && iob_guest_intr_due(vcpu))
		return true;
	if (vcpu->arch.exception.pending || vcpu->arch.exception.injected ||
	    vcpu->arch.exception_vmexit.pending)
		return true;
	if (vcpu->arch.interrupt.injected || vcpu->arch.nmi_injected ||
	    vcpu->arch.nmi_pending || atomic_read(&vcpu->arch.nmi_queued) ||
	    vcpu->arch.smi_pending)
		return true;
	return READ_ONCE(vcpu->run->request_interrupt_window) &&
	       !pic_in_kernel(vcpu->kvm);
}

/**
 * iob_guest_tlb_kept() - would the guest's TLB still hold what it held
 * @vcpu: the vCPU, in KVM_RUN after a userspace exit inside a block (the
 *        guest did not run since its block's code was last compared)
 *
 * The CPU keeps the guest's translations across a VM exit and entry
 * (ASIDs, VPIDs): a VMM's exit to userspace flushes nothing by itself.
 * KVM flushes at the next entry for a request (a remote or local flush,
 * a new MMU root: any request but time keeping is taken as one), and for
 * a paravirtual flush that another vCPU asked for in the guest's steal
 * time record (KVM_VCPU_FLUSH_TLB, which it sets only while KVM reports
 * this vCPU preempted; record_steal_time() flushes). Userspace writes to
 * the vCPU's state (a new CR3) are the caller's to check.
 *
 * Return: true when none of those would flush it.
 */
bool iob_guest_tlb_kept(struct kvm_vcpu *vcpu)
{
	struct gfn_to_hva_cache *ghc = &vcpu->arch.st.cache;
	u64 msr = vcpu->arch.st.msr_val;
	u8 __user *p;
	u8 st;

	if (READ_ONCE(vcpu->requests) & ~IOB_TIME_REQS)
		return false;
	if (!(msr & KVM_MSR_ENABLED))
		return true;
	if (vcpu->arch.st.preempted ||
	    ghc->generation != kvm_memslots(vcpu->kvm)->generation ||
	    ghc->gpa != (msr & KVM_STEAL_VALID_BITS) ||
	    kvm_is_error_hva(ghc->hva) || !ghc->memslot)
		return false;
	p = (u8 __user *)ghc->hva + offsetof(struct kvm_steal_time, preempted);
	if (get_user(st, p))
		return false;
	return !(st & KVM_VCPU_FLUSH_TLB);
}

/**
 * iob_guest_event_after_direct() - iob_guest_event_pending(), after an
 * instruction that the executor ran itself
 * @vcpu: the vCPU; iob_guest_event_pending() said no at an earlier
 *        boundary, and since then only instructions of direct.c ran
 *
 * Those write registers, flags other than IF, RIP and RAM, and call into
 * KVM for nothing: what only this thread sets inside KVM (a queued or
 * injected exception, interrupt, NMI or SMI) is as it was. Others raise
 * a request with anything they queue (kvm_inject_nmi(), the PIC and
 * APIC), signal or reschedule this thread, or post an interrupt to the
 * APIC (AVIC, APICv), which only kvm_cpu_has_interrupt() sees; a VMX
 * preemption timer expires by itself. A request_interrupt_window that
 * userspace sets meanwhile is seen at the next full check, as if it had
 * come a few instructions later (stock KVM reads it at its next entry).
 * IF and the priority an interrupt must beat (the LAPIC's PPR, the PIC's
 * masks) are as the earlier check saw them, so an interrupt that raised a
 * request is all that can have become due: the LAPIC is asked again only
 * where one can come without (iob_guest_intr_unrequested()).
 *
 * Return: true when the block must end here.
 */
bool iob_guest_event_after_direct(struct kvm_vcpu *vcpu)
{
	if (iob_guest_event_raised(vcpu))
		return true;
	if (!(iob_rflags(vcpu) & X86_EFLAGS_IF) ||
	    !iob_guest_intr_unrequested(vcpu))
		return false;
	return iob_guest_intr_due(vcpu);
}
