/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-iobatch internal interfaces.
 *
 * One concern per file:
 *   main.c    module init/exit and the global tunables (sysfs)
 *   hook.c    ftrace redirects into stock KVM (kvm_fast_pio, VM destroy)
 *   hook_entry.S  the direct call at kvm_fast_pio()'s ftrace site
 *   vm.c      per-VM and per-vCPU state, their lifetime
 *   table.c   per-VM rhashtable: guest RIP -> (hash, size) of a block
 *   guest.c   where the vCPU is: linear RIP, code size, readable bytes
 *   batch.c   the PIO exit handler: lookup, scan, hash, start a block
 *   exec.c    the executor: runs a block's instructions
 *   direct.c  the executor's paths without KVM's emulator (moves, ALU,
 *             jumps)
 *   alu.c     the host CPU's ALU with the guest's flags, for direct.c
 *   resume.c  finishing a block's userspace access, then the block
 *   fold.c    same-port OUTs of a block in one userspace exit
 *   debugfs.c statistics and the table, global and per VM
 *   scan.c    the pure-C instruction scanner (include/kvm_iobatch/scan.h)
 *   compat.h  kernel version shims (6.1, 6.12), the only version checks
 */
#ifndef KVM_IOBATCH_H
#define KVM_IOBATCH_H

#include <linux/atomic.h>
#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/rhashtable.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <kvm_iobatch/scan.h>

#include "compat.h"

#define IOB_NAME "kvm_iobatch"

/* Defaults and bounds of the tunables. */
#define IOB_EXTENT_DEFAULT	64
#define IOB_MAX_INSNS_DEFAULT	32
#define IOB_MAX_INSNS_LIMIT	256
#define IOB_MAX_ENTRIES_DEFAULT	1024
#define IOB_MAX_ENTRIES_LIMIT	65536
/* Per-VM extent override meaning "use the global extent". */
#define IOB_EXTENT_GLOBAL	(-1)

/* Global tunables (main.c). */
extern unsigned int iob_extent;
extern unsigned int iob_max_insns;
extern unsigned int iob_max_entries;
extern bool iob_fold;
extern bool iob_trace;

/**
 * enum iob_stat - counters kept per VM and globally
 * @IOB_STAT_EXITS: PIO exits seen (non-string)
 * @IOB_STAT_PASSED: exits left to stock KVM untouched
 * @IOB_STAT_BLOCKS: blocks started (>= 2 IO insns)
 * @IOB_STAT_INSNS: instructions run inside blocks (emulator or direct)
 * @IOB_STAT_IO_BATCHED: IO instructions run inside blocks
 * @IOB_STAT_EXITS_SAVED: IO instructions that needed no exit
 * @IOB_STAT_SCANS: extents scanned
 * @IOB_STAT_HITS: table hits with a matching hash
 * @IOB_STAT_MISMATCHES: table hits with a changed hash
 * @IOB_STAT_SINGLES: exits with no other IO insn in the extent
 * @IOB_STAT_USER_RESUMES: blocks continued after userspace IO
 * @IOB_STAT_CUTS: blocks, or runs of folded OUTs, cut early (event,
 *                 fault, signal)
 * @IOB_STAT_TABLE_FULL: entries not stored: table at its bound
 * @IOB_STAT_READ_FAULTS: guest code that could not be read
 * @IOB_STAT_DIRECT: block instructions run without the emulator
 * @IOB_STAT_FOLDED: OUTs sent in another OUT's userspace exit
 * @IOB_STAT_TRACES: blocks started that are traces
 * @IOB_STAT_JUMPS: jumps taken inside traces
 * @IOB_STAT_SMC: traces ended by a write into their code
 * @IOB_STAT_TRACE_DROPPED: trace sites dropped: work without IO
 * @IOB_STAT_CODE_COPIED: code compares at a resume, or of the vCPU's last
 *                       block, that copied the bytes
 * @IOB_STAT_CODE_KEPT: blocks run from the bytes and decodes of the vCPU's
 *                     last block, compared in place (batch.c)
 *                        through KVM (no mapping in place, without paging)
 * @IOB_STAT_BACKOFF: exits passed to KVM at code that keeps changing
 *                    (batch.c, IOB_BACKOFF)
 * @IOB_STAT_MEMO: exits the vCPU's memo passed to KVM (batch.c); each is
 *                 one of @IOB_STAT_EXITS, @IOB_STAT_SINGLES and
 *                 @IOB_STAT_PASSED too, which iob_vm_stat() adds in
 * @IOB_STAT_SINGLE_OWN: of those, run by single.c instead of KVM's
 *                       kvm_fast_pio()
 * @IOB_STAT_NR: the number of counters
 */
enum iob_stat {
	IOB_STAT_EXITS,
	IOB_STAT_PASSED,
	IOB_STAT_BLOCKS,
	IOB_STAT_INSNS,
	IOB_STAT_IO_BATCHED,
	IOB_STAT_EXITS_SAVED,
	IOB_STAT_SCANS,
	IOB_STAT_HITS,
	IOB_STAT_MISMATCHES,
	IOB_STAT_SINGLES,
	IOB_STAT_USER_RESUMES,
	IOB_STAT_CUTS,
	IOB_STAT_TABLE_FULL,
	IOB_STAT_READ_FAULTS,
	IOB_STAT_DIRECT,
	IOB_STAT_FOLDED,
	IOB_STAT_TRACES,
	IOB_STAT_JUMPS,
	IOB_STAT_SMC,
	IOB_STAT_TRACE_DROPPED,
	IOB_STAT_CODE_COPIED,
	IOB_STAT_CODE_KEPT,
	IOB_STAT_BACKOFF,
	IOB_STAT_MEMO,
	IOB_STAT_SINGLE_OWN,
	IOB_STAT_NR,
};

/**
 * struct iob_stats - one CPU's share of a set of counters
 * @v: see enum iob_stat
 */
struct iob_stats {
	u64 v[IOB_STAT_NR];
};

/**
 * enum iob_pending - a block's access that userspace handles now
 * @IOB_PENDING_NONE: none
 * @IOB_PENDING_KVM: the exiting IO instruction, sent out by kvm_fast_pio():
 *                   KVM's completion (@saved_cui) finishes it
 * @IOB_PENDING_OUT: a later OUT, or the exiting one (@io_first), finished
 *                   by resume.c
 * @IOB_PENDING_IN: a later IN, or the exiting one (@io_first), finished by
 *                  resume.c
 */
enum iob_pending {
	IOB_PENDING_NONE,
	IOB_PENDING_KVM,
	IOB_PENDING_OUT,
	IOB_PENDING_IN,
};

/**
 * struct iob_key - what identifies a block in the table
 * @lin: guest linear address of the first IO instruction (CS base + RIP)
 * @mode: code size the block was decoded with
 * @pad: zero
 */
struct iob_key {
	u64 lin;
	u32 mode;
	u32 pad;
};

/**
 * struct iob_desc - what the table knows of a block (a value: copied
 * whole between the table, the vCPU's last block and the exit path)
 * @key: see struct iob_key
 * @hash: xxh64 of the @hashed guest bytes at @key.lin - @back
 * @hashed: bytes covered by @hash
 * @back: bytes the block (and @hash) starts before @key.lin: a trace's
 *        loop may begin before the IO instruction that exited
 * @avail: bytes the scan could see after @key.lin (extent, page,
 *         segment): a different value at lookup means the entry is stale
 * @size: block size from @key.lin - @back, 0 when no other IO instruction
 *        can follow the one at @key.lin
 * @n_io: IO instructions in the block
 * @n_insns: instructions in the block
 * @max_insns: the max_insns knob the block was scanned under: a different
 *             value at lookup means the entry is stale
 * @trace: a trace (scan.h, iob_scan_trace()): @map says which offsets
 *         (from @key.lin - @back) start its instructions; else a straight
 *         line, run from @key.lin to @size
 * @map: see @trace; @map.lo is 0 and @map.hi is @size
 */
struct iob_desc {
	struct iob_key key;
	u64 hash;
	u16 hashed;
	u16 back;
	u16 avail;
	u16 size;
	u16 n_io;
	u16 n_insns;
	u16 max_insns;
	bool trace;
	struct iob_trace map;
};

/* Decodes kept per vCPU (struct iob_vcpu, @dc): one bit each in @dc_valid */
#define IOB_DCACHE 64

/**
 * struct iob_memo - a RIP where the vCPU found no block to run
 * @rip: the RIP
 * @left: exits there still passed to KVM without a lookup
 * @to_kvm: an in-kernel device took the IN there (single.c): the next
 *          exits go to kvm_fast_pio() without the bus search
 */
struct iob_memo {
	unsigned long rip;
	unsigned int left;
	bool to_kvm;
};

/**
 * struct iob_ram_page - where a guest page is mapped in the VMM
 * @slots: the VM's memslots (address space 0) when it was looked up
 * @gen: their generation then: a memslots set changes only inactive, and
 *       is installed again with a higher generation
 * @gfn: the guest page
 * @hva: its host virtual address
 * @ro: in a read-only memslot
 * @dirty_log: in a memslot whose writes are logged (dirty bitmap or ring)
 */
struct iob_ram_page {
	const struct kvm_memslots *slots;
	u64 gen;
	gfn_t gfn;
	unsigned long hva;
	bool ro;
	bool dirty_log;
};

/**
 * struct iob_xl_inputs - what a walk of the guest's page tables depends on
 * besides the entries it reads (and the memslots: @iob_vcpu.xl_gen)
 * @cr3: the guest's CR3
 * @role: the walk MMU's CPU role (CR0, CR4, EFER bits; SMM)
 * @pkru: the guest's PKRU
 * @priv: its CPL (a user or a supervisor read), plus RFLAGS.AC (SMAP)
 *        shifted left by 2
 *
 * No padding: it is compared with memcmp() (guest.c).
 */
struct iob_xl_inputs {
	u64 cr3;
	u64 role;
	u32 pkru;
	u32 priv;
};

/**
 * struct iob_xl_chain - a walk of the guest's 4-level page tables
 * @hva: where each entry read, PML4E first, is mapped in the VMM (holds
 *       while the memslots' generation is @iob_vcpu.xl_gen)
 * @val: its value after the walk (accessed bits set by KVM's walker)
 * @n: entries (1 to 4); 0: none recorded
 * @in: the walk's other inputs
 */
struct iob_xl_chain {
	unsigned long hva[4];
	u64 val[4];
	unsigned int n;
	struct iob_xl_inputs in;
};

/*
 * Blocks whose bytes and decodes a vCPU keeps (struct iob_vcpu, @codes).
 * SeaVGABIOS's teletype takes turns between more than two per character:
 * with two, 320 of its 4,900 block starts read, hashed and decoded their
 * block afresh (about 2,600 instructions each, a kept one 1,800).
 */
#define IOB_CODES 4

/**
 * struct iob_code - the bytes of one of the vCPU's recent blocks, and what
 * was made of them; kept across blocks, so that code that takes turns
 * between two blocks (one reads a status port, the other the data) finds
 * each without a table lookup, a read, a hash or a decode (batch.c)
 * @last: the block as its table entry had it (batch.c): looked up here
 *        before the table; @last.size 0: none
 * @held: @buf holds the @size bytes at @lin in @mode, which hash to @hash:
 *        a block there again may run from them, with their decodes
 * @lin: see @held
 * @hash: see @held
 * @size: see @held
 * @mode: see @held
 * @kept_runs: runs of @last from here, without a table lookup (batch.c)
 * @used: when a block last ran from here (struct iob_vcpu, @code_clock):
 *        the least recently used is replaced
 * @dc_valid: bit i: @dc[i] is the decode of the instruction at @dc_off[i]
 * @dc_nofold: bit i: the code after the OUT at @dc_off[i] lets no other
 *             OUT join its userspace exit (fold.c)
 * @dc_off: see @dc_valid
 * @dc: decodes of @buf's instructions, slot = offset % IOB_DCACHE
 *      (exec.c, iob_decode_at()); emptied when @buf is filled anew
 * @buf: the block bytes that were hashed, run from this copy
 */
struct iob_code {
	struct iob_desc last;
	bool held;
	enum iob_mode mode;
	unsigned int size;
	u64 lin;
	u64 hash;
	unsigned int kept_runs;
	u64 used;
	u64 dc_valid;
	u64 dc_nofold;
	u16 dc_off[IOB_DCACHE];
	struct iob_insn dc[IOB_DCACHE];
	u8 buf[IOB_MAX_EXTENT];
};

/**
 * struct iob_vcpu - per-vCPU block state, valid between the exit that
 * started a block and the end of the block
 * @active: a block is in progress (possibly waiting for userspace)
 * @mode: code size of the block
 * @pending: see enum iob_pending
 * @lin: guest linear address of the block start (a trace's hashed bytes)
 * @off: offset of the next instruction to run
 * @size: block size in bytes
 * @io_lin: linear address of the pending IO instruction
 * @io_len: its length
 * @io_next: RIP after it, as the CPU's next RIP of an exit would be
 *           (absolute: a VMM may move CS's base and RIP alike)
 * @io_first: it is the exiting IO instruction, whose completion resume.c
 *            took over from KVM's (exec.c, iob_first_io_user())
 * @saved_cui: KVM's own userspace completion (IOB_PENDING_KVM)
 * @writes: iob_vcpu_writes when the block went to userspace (resume.c)
 * @ram: the last two guest pages the vCPU's blocks read or wrote in
 *       place (guest.c, iob_ram_hva()); @ram_next: the one to replace
 * @ram_next: see @ram
 * @xl_lin: the guest page (linear) of the block's last code compare
 *          (guest.c, iob_guest_equal()); @xl_ok: @xl_gpa is its guest
 *          physical page, valid while nothing since can have flushed the
 *          guest's TLB (iob_guest_tlb_kept()); @xl_gen: the memslots'
 *          generation then
 * @xl_gpa: see @xl_lin
 * @xl_gen: see @xl_lin
 * @xl_ok: see @xl_lin
 * @xc: the page table entries of @xl_lin's last walk (4-level paging),
 *      where they are mapped, and what else that walk depended on: while
 *      all are the same, a walk gives the same (guest.c, iob_xl_chain_*)
 * @memo: the RIPs of the vCPU's last two exits with no block to run,
 *        newest first, and how many exits at each are still passed to KVM
 *        without a lookup (batch.c)
 * @vcpu: the vCPU (iob_memo_holds() compares it)
 * @vm: its VM's state
 * @backoff_rip: RIP where code starts that changed at two lookups in a row
 * @backoff_len: its length in bytes (the block's, or the window scanned)
 * @backoff_left: exits there still passed to KVM (batch.c)
 * @unstable_lin: linear address of the last block found changed
 * @unstable_n: lookups in a row that found it changed
 * @pmu_on: a vPMU counter is enabled (exec.c, at each entry)
 * @jump_out: the jump at vs->off is taken out of the block (direct.c): the
 *            trace ends before it (exec.c)
 * @out_bus_dev: the pending OUT went to userspace although a device on
 *               KVM's PIO bus covers it (it declined): no run folds on
 *               (fold.c)
 * @trace: the block is a trace: @code->last.map says where it may run
 *         (iob_map())
 * @rip0: RIP at @lin (a trace's offsets are RIP - @rip0)
 * @n_run: instructions of the block run so far (0: the exiting one is next)
 * @since_io: instructions run since the block's last IO instruction
 * @code: the one of @codes the block runs from
 * @codes: the vCPU's recent blocks, IOB_CODES of them: bytes and decodes
 * @code_clock: block starts from @codes so far (struct iob_code, @used)
 * @work: scratch of the trace scan
 */
struct iob_vcpu {
	/* The memo path's fields first: one cache line (batch.c) */
	struct kvm_vcpu *vcpu;
	struct iob_vm *vm;
	struct iob_memo memo[2];
	unsigned int backoff_left;
	unsigned int backoff_len;
	unsigned long backoff_rip;
	u64 unstable_lin;
	unsigned int unstable_n;
	bool pmu_on;
	bool jump_out;
	bool out_bus_dev;
	bool active;
	enum iob_mode mode;
	enum iob_pending pending;
	u64 lin;
	unsigned int off;
	unsigned int size;
	u64 io_lin;
	unsigned int io_len;
	u64 io_next;
	bool io_first;
	int (*saved_cui)(struct kvm_vcpu *vcpu);
	u64 writes;
	struct iob_ram_page ram[2];
	unsigned int ram_next;
	u64 xl_lin;
	u64 xl_gpa;
	u64 xl_gen;
	bool xl_ok;
	struct iob_xl_chain xc;
	bool trace;
	unsigned long rip0;
	unsigned int n_run;
	unsigned int since_io;
	struct iob_code *code;
	struct iob_code *codes;
	u64 code_clock;
	struct iob_trace_work work;
};

/* Where the trace @vs runs may go: its table entry's map, as found. */
static inline const struct iob_trace *iob_map(const struct iob_vcpu *vs)
{
	return &vs->code->last.map;
}

/**
 * struct iob_vm - per-VM state
 * @node: link in the global registry, keyed by @kvm
 * @kvm: the VM (not referenced: freed when KVM destroys the VM)
 * @table: block table, see table.c
 * @table_lock: serializes changes to @table, @clock and @n_entries
 * @clock: @table's entries, oldest first (CLOCK replacement, table.c)
 * @n_entries: entries in @table
 * @extent: per-VM extent override, or IOB_EXTENT_GLOBAL
 * @vcpus: vcpu_idx -> struct iob_vcpu, KVM_MAX_VCPUS slots (8 KiB): one
 *         load on the exit path, where an xarray lookup cost ~50
 *         instructions
 * @stats: counters, per CPU (the exit path adds without atomics)
 * @dir: debugfs directory of this VM
 * @free_rwork: teardown, after an RCU grace period
 */
struct iob_vm {
	struct hlist_node node;
	struct kvm *kvm;
	struct rhashtable table;
	spinlock_t table_lock;
	struct list_head clock;
	unsigned int n_entries;
	int extent;
	struct iob_vcpu **vcpus;
	struct iob_stats __percpu *stats;
	struct dentry *dir;
	struct rcu_work free_rwork;
};

/**
 * struct iob_entry - one table entry
 * @node: rhashtable linkage
 * @desc: the block, keyed by @desc.key
 * @referenced: hit since the CLOCK hand last passed (table.c)
 * @hits: lookups that matched
 * @clock_node: link in &iob_vm.clock
 * @rcu: deferred free
 */
struct iob_entry {
	struct rhash_head node;
	struct iob_desc desc;
	bool referenced;
	atomic64_t hits;
	struct list_head clock_node;
	struct rcu_head rcu;
};

/* main.c */
unsigned int iob_vm_extent(struct iob_vm *vm);

/* stats (vm.c) */
/**
 * iob_count() - add to a per-VM counter (the exit path: inline, no atomics)
 * @vm: the VM
 * @stat: which counter
 * @n: amount
 */
static inline void iob_count(struct iob_vm *vm, enum iob_stat stat, long n)
{
	this_cpu_add(vm->stats->v[stat], n);
}
u64 iob_global_stat(enum iob_stat stat);
u64 iob_vm_stat(struct iob_vm *vm, enum iob_stat stat);
extern const char * const iob_stat_names[IOB_STAT_NR];

/* vm.c */
int iob_vms_init(void);
void iob_vms_exit(void);
void iob_vm_inject_find_delay(struct iob_vm *vm, u32 ms);
unsigned int iob_vm_lookup_depth(struct iob_vm *vm);
void iob_vms_flush(void);
struct iob_vm *iob_vm_get(struct kvm *kvm);
struct iob_vm *iob_vm_find(struct kvm *kvm);
void iob_vm_destroyed(struct kvm *kvm);
struct iob_vcpu *iob_vcpu_get(struct iob_vm *vm, struct kvm_vcpu *vcpu);
DECLARE_PER_CPU(struct iob_vcpu *, iob_cpu_vcpu);

/**
 * iob_vcpu_find() - per-vCPU block state, if the vCPU has any
 * @vm: the VM
 * @vcpu: one of its vCPUs
 *
 * Return: the state or NULL.
 */
static inline struct iob_vcpu *iob_vcpu_find(struct iob_vm *vm,
					     struct kvm_vcpu *vcpu)
{
	if (unlikely(vcpu->vcpu_idx >= KVM_MAX_VCPUS))
		return NULL;
	return READ_ONCE(vm->vcpus[vcpu->vcpu_idx]);
}

/**
 * iob_vcpu_find_here() - iob_vcpu_find(), and keep it for iob_vcpu_here()
 * @vm: the VM
 * @vcpu: one of its vCPUs, in its KVM_RUN on this CPU
 *
 * Return: the state or NULL.
 */
static inline struct iob_vcpu *iob_vcpu_find_here(struct iob_vm *vm,
						  struct kvm_vcpu *vcpu)
{
	struct iob_vcpu *vs = iob_vcpu_find(vm, vcpu);

	/* Alive while its vCPU runs: iob_vm_destroyed() clears the slot */
	if (vs)
		this_cpu_write(iob_cpu_vcpu, vs);
	return vs;
}

/**
 * iob_vcpu_here() - @vcpu's state, if this CPU's last PIO exit was its own
 * @vcpu: a vCPU in its KVM_RUN
 *
 * No registry lookup (iob_cpu_vcpu): a vCPU that keeps exiting on one CPU
 * finds its state at once. The slot may hold another VM's state, freed
 * after a grace period: it is looked at with preemption off. @vcpu's own
 * is alive while @vcpu runs.
 *
 * Return: the state or NULL.
 */
static __always_inline struct iob_vcpu *iob_vcpu_here(struct kvm_vcpu *vcpu)
{
	struct iob_vcpu *vs;

	preempt_disable();
	vs = this_cpu_read(iob_cpu_vcpu);
	if (vs && vs->vcpu != vcpu)
		vs = NULL;
	preempt_enable();
	return vs;
}
void iob_vms_trim_tables(unsigned int max);
unsigned int iob_vm_count(void);

/* table.c */
int iob_table_init(struct iob_vm *vm);
void iob_table_destroy(struct iob_vm *vm);
bool iob_table_lookup(struct iob_vm *vm, const struct iob_key *key,
		      struct iob_desc *copy, u64 *hits);
void iob_table_mark(struct iob_vm *vm, const struct iob_key *key);
void iob_table_store(struct iob_vm *vm, const struct iob_desc *desc);
void iob_table_trim(struct iob_vm *vm, unsigned int max);
void iob_table_for_each(struct iob_vm *vm,
			void (*fn)(const struct iob_entry *e, void *arg),
			void *arg);

/* guest.c */
/**
 * struct iob_where - where a vCPU executes
 * @lin: linear address of RIP
 * @mode: code size
 * @avail: readable straight-line bytes from @lin within page, segment
 *         limit and instruction pointer wrap (not yet the extent)
 * @back: readable bytes before @lin within the page and the segment
 */
struct iob_where {
	u64 lin;
	enum iob_mode mode;
	unsigned int avail;
	unsigned int back;
};

bool iob_guest_where(struct kvm_vcpu *vcpu, struct iob_where *w);
bool iob_guest_read(struct kvm_vcpu *vcpu, u64 lin, void *buf,
		    unsigned int len);
bool iob_guest_equal(struct kvm_vcpu *vcpu, struct iob_vcpu *vs, u64 lin,
		     const u8 *buf, unsigned int len, bool *copied);
bool iob_ram_read(struct kvm_vcpu *vcpu, struct iob_vcpu *vs, u64 gpa,
		  unsigned int size, unsigned long *val);
bool iob_ram_write(struct kvm_vcpu *vcpu, struct iob_vcpu *vs, u64 gpa,
		   unsigned int size, unsigned long val);
bool iob_guest_readable(struct kvm_vcpu *vcpu);
bool iob_guest_batchable(struct kvm_vcpu *vcpu);
bool iob_guest_event_pending(struct kvm_vcpu *vcpu);
bool iob_guest_tlb_kept(struct kvm_vcpu *vcpu);
bool iob_guest_event_after_direct(struct kvm_vcpu *vcpu);

/* batch.c */
int iob_fast_pio(struct kvm_vcpu *vcpu, int size, unsigned short port,
		 int in);

/* exec.c */
int iob_exec_block(struct kvm_vcpu *vcpu, struct iob_vm *vm,
		   struct iob_vcpu *vs, bool checked);
int iob_retire_io_to(struct kvm_vcpu *vcpu, u64 next);
int iob_retire_io(struct kvm_vcpu *vcpu, unsigned int len);

/* alu.c */
#define IOB_ALU_CMP	7	/* 0-7: ADD OR ADC SBB AND SUB XOR CMP */
#define IOB_ALU_TEST	8
#define IOB_ALU_INC	9
#define IOB_ALU_DEC	10
unsigned long iob_shift(unsigned int op, unsigned int size, unsigned long a,
			u8 count, unsigned long *rflags);
unsigned long iob_alu(unsigned int op, unsigned int size, unsigned long a,
		      unsigned long b, unsigned long *rflags);

/* direct.c */
bool iob_seg_get(struct kvm_vcpu *vcpu, int seg, u16 *sel,
		 struct desc_struct *desc);
const struct iob_insn *iob_decode_fill(struct iob_vcpu *vs, unsigned int off);

/**
 * iob_dc_slot() - the decode cache's slot of the block's instruction at @off
 * @vs: the block
 * @off: offset in @vs->code->buf
 *
 * Return: the slot, or -1 when it holds no decode of @off.
 */
static inline int iob_dc_slot(const struct iob_vcpu *vs, unsigned int off)
{
	unsigned int i = off % IOB_DCACHE;

	if ((vs->code->dc_valid & BIT_ULL(i)) && vs->code->dc_off[i] == off)
		return i;
	return -1;
}

/**
 * iob_decode_ref() - the decode of the block's instruction at @off
 * @vs: the block, @off < @vs->size
 * @off: offset in @vs->code->buf
 *
 * As iob_decode_at(), by reference into the decode cache: valid until
 * the next decode of an offset in the same slot (@off % IOB_DCACHE).
 *
 * Return: the decode, or NULL when undecodable or truncated.
 */
static inline const struct iob_insn *iob_decode_ref(struct iob_vcpu *vs,
						    unsigned int off)
{
	int i = iob_dc_slot(vs, off);

	if (i >= 0)
		return &vs->code->dc[i];
	return iob_decode_fill(vs, off);
}
int iob_decode_at(struct iob_vcpu *vs, unsigned int off,
		  struct iob_insn *insn);
void iob_exec_move(struct kvm_vcpu *vcpu, const struct iob_insn *insn);
int iob_pio_user(struct kvm_vcpu *vcpu, struct iob_vcpu *vs, int size,
		 u16 port, int in, unsigned long val);
bool iob_exec_direct(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
		     const struct iob_insn *insn);
bool iob_block_unchanged(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
			 unsigned int from);
bool iob_pio_bus_has_dev(struct kvm_vcpu *vcpu, u16 port, int len);

/* fold.c */
void iob_fold_outs(struct kvm_vcpu *vcpu, struct iob_vm *vm,
		   struct iob_vcpu *vs, unsigned int *len);

/* resume.c */
void iob_resume_after_userspace(struct kvm_vcpu *vcpu, struct iob_vcpu *vs);

/* single.c */
int iob_single_pio(struct kvm_vcpu *vcpu, struct iob_vcpu *vs,
		   struct iob_memo *m, int size, u16 port, int in);

/* hook_entry.S: not C functions, do not call these two */
void iob_pio_entry(void);
void iob_vcpu_write_entry(void);
int iob_stock_fast_pio(struct kvm_vcpu *vcpu, int size, unsigned short port,
		       int in);

/* hook.c */
extern u64 iob_vcpu_writes;
extern bool iob_vcpu_writes_counted;
int iob_hooks_install(void);
void iob_hooks_remove(void);

/* debugfs.c */
void iob_debugfs_init(void);
void iob_debugfs_exit(void);
void iob_debugfs_vm_add(struct iob_vm *vm);
void iob_debugfs_vm_remove(struct iob_vm *vm);

#endif /* KVM_IOBATCH_H */
