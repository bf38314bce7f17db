// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the kvm-iobatch instruction scanner.
 *
 * Input: byte 0 selects the mode (bits 1:0, 3 is taken as 64-bit) and
 * max_insns (bits 7:2, 0-63; 0 exercises the "0 means 1" rule); the rest is
 * the guest code. The code is copied into an exactly sized heap buffer so
 * that AddressSanitizer catches any read past the end.
 *
 * Build and run (use a scratch copy of the seed corpus):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I include \
 *         selftests/fuzz/scan_fuzz.c kvm_iobatch/scan.c -o scan_fuzz
 *   cp -r selftests/fuzz/corpus /tmp/corpus && ./scan_fuzz /tmp/corpus
 *
 * Building with -DSCAN_FUZZ_MAIN (without -fsanitize=fuzzer) gives a small
 * driver that replays the files named on the command line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kvm_iobatch/scan.h>

#define CHECK(cond)				\
	do {					\
		if (!(cond))			\
			__builtin_trap();	\
	} while (0)

static void check_insn(const struct iob_insn *in, int ret, unsigned int avail)
{
	CHECK(ret >= 0);
	CHECK((unsigned int)ret == in->len);
	CHECK(in->len <= IOB_MAX_INSN_LEN);
	CHECK(in->len <= avail);
	CHECK(in->kind <= IOB_INSN_JUMP);
	CHECK((in->kind == IOB_INSN_BAD) == (in->len == 0));
	if (in->kind == IOB_INSN_IO) {
		CHECK(in->io_in <= 1 && in->io_dx <= 1);
		CHECK(in->io_size == 1 || in->io_size == 2 ||
		      in->io_size == 4);
		if (in->io_dx)
			CHECK(in->io_port == 0);
	} else {
		CHECK(!in->io_in && !in->io_dx && !in->io_size &&
		      !in->io_port);
	}
	if (in->kind != IOB_INSN_JUMP)
		CHECK(in->jump == IOB_JUMP_NONE && !in->rel);
	else
		CHECK(in->jump >= IOB_JUMP_JMP && in->jump <= IOB_JUMP_RET);
	if (in->kind != IOB_INSN_MEM && in->kind != IOB_INSN_JUMP)
		CHECK(!in->mem_write);
	if (in->kind != IOB_INSN_MEM)
		CHECK(!in->sreg_load);
}

static int same_insn(const struct iob_insn *a, const struct iob_insn *b)
{
	return a->len == b->len && a->kind == b->kind &&
	       a->jump == b->jump && a->rel == b->rel &&
	       a->mem_write == b->mem_write && a->sreg_load == b->sreg_load &&
	       a->io_in == b->io_in && a->io_dx == b->io_dx &&
	       a->io_size == b->io_size && a->io_port == b->io_port;
}

/* One instruction at every offset, plus avail-independence checks. */
static void fuzz_decode(const u8 *buf, unsigned int len, enum iob_mode mode)
{
	struct iob_insn in, again;
	unsigned int off, avail;
	int ret, ret2;

	for (off = 0; off < len; off++) {
		avail = len - off;
		ret = iob_decode(buf + off, avail, mode, &in);
		check_insn(&in, ret, avail);
		if (ret > 0) {
			/* Exactly the bytes needed give the same answer... */
			ret2 = iob_decode(buf + off, ret, mode, &again);
			check_insn(&again, ret2, ret);
			CHECK(same_insn(&in, &again));
			/* ...and one byte less is not enough. */
			ret2 = iob_decode(buf + off, ret - 1, mode, &again);
			check_insn(&again, ret2, ret - 1);
			CHECK(ret2 == 0);
		} else if (avail > 1) {
			/* Undecodable stays undecodable with fewer bytes. */
			ret2 = iob_decode(buf + off, avail - 1, mode, &again);
			check_insn(&again, ret2, avail - 1);
			CHECK(ret2 == 0);
		}
	}
}

static void fuzz_block(const u8 *buf, unsigned int len, enum iob_mode mode,
		       unsigned int max_insns)
{
	unsigned int lim = len < IOB_MAX_EXTENT ? len : IOB_MAX_EXTENT;
	unsigned int max = max_insns ? max_insns : 1;
	unsigned int off = 0, n = 0, n_io = 0;
	struct iob_block b;
	struct iob_insn in;
	int ret, r;

	ret = iob_scan_block(buf, len, mode, max_insns, &b);
	CHECK(ret == 0 || ret == -1);
	CHECK(b.stop <= IOB_STOP_LIMIT);
	CHECK(b.size <= b.scanned && b.scanned <= lim);
	CHECK(b.n_io <= b.n_insns);
	CHECK(b.n_insns <= max);

	r = iob_decode(buf, lim, mode, &in);
	if (ret) {
		CHECK(b.size == 0 && b.n_io == 0 && b.n_insns == 0);
		CHECK(r == 0 || in.kind != IOB_INSN_IO);
		return;
	}
	CHECK(r > 0 && in.kind == IOB_INSN_IO);
	CHECK(b.n_io >= 1 && b.size >= in.len);

	/*
	 * Walk the block again, as the kernel does, with only the block bytes
	 * available: plain and IO only, ending on an IO.
	 */
	while (off < b.size) {
		r = iob_decode(buf + off, b.size - off, mode, &in);
		CHECK(r > 0);
		CHECK(in.kind == IOB_INSN_IO || in.kind == IOB_INSN_PLAIN);
		off += r;
		n++;
		if (in.kind == IOB_INSN_IO)
			n_io++;
		if (off == b.size)
			CHECK(in.kind == IOB_INSN_IO);
	}
	CHECK(off == b.size && n == b.n_insns && n_io == b.n_io);

	/* From the block end to the stop point: plain instructions only. */
	while (off < b.scanned) {
		r = iob_decode(buf + off, b.scanned - off, mode, &in);
		CHECK(r > 0 && in.kind == IOB_INSN_PLAIN);
		off += r;
		n++;
	}
	CHECK(off == b.scanned && n <= max);

	/* The stop reason matches what sits at the stop point. */
	switch (b.stop) {
	case IOB_STOP_END:
		if (off < lim) {
			r = iob_decode(buf + off, lim - off, mode, &in);
			CHECK(r == 0);
		}
		break;
	case IOB_STOP_LIMIT:
		CHECK(n == max && off < lim);
		break;
	case IOB_STOP_INSN:
		CHECK(off < lim);
		r = iob_decode(buf + off, lim - off, mode, &in);
		/* MEM and JUMP end straight lines: they are for traces */
		CHECK(r > 0 && (in.kind == IOB_INSN_STOP ||
				in.kind == IOB_INSN_MEM ||
				in.kind == IOB_INSN_JUMP));
		break;
	case IOB_STOP_BAD:
		CHECK(off < lim);
		r = iob_decode(buf + off, lim - off, mode, &in);
		CHECK(r == 0);
		break;
	}
}

/*
 * A trace from every start in the first bytes: the map holds only
 * instructions a trace may run, each wholly inside [lo, hi), with only
 * those bytes available; a block starts with its IO instruction.
 */
static void fuzz_trace(const u8 *buf, unsigned int len, enum iob_mode mode,
		       unsigned int start)
{
	static struct iob_trace_work w;
	unsigned int lim = len < IOB_TRACE_MAX ? len : IOB_TRACE_MAX;
	unsigned int off, n = 0, n_io = 0;
	struct iob_trace t;
	struct iob_insn in;
	int ret, r;

	if (!lim)
		return;
	start %= lim;
	ret = iob_scan_trace(buf, len, start, mode, 1 + start % 64, &w, &t);
	CHECK(ret == 0 || ret == -1);
	CHECK(t.lo <= t.hi && t.hi <= lim);
	for (off = 0; off < lim; off++) {
		if (!iob_trace_has(&t, off))
			continue;
		CHECK(off >= t.lo && off < t.hi);
		r = iob_decode(buf + off, t.hi - off, mode, &in);
		CHECK(r > 0 && in.kind >= IOB_INSN_PLAIN);
		n++;
		if (in.kind == IOB_INSN_IO)
			n_io++;
	}
	CHECK(n == t.n_insns && n_io == t.n_io);
	if (ret == 0) {
		CHECK(iob_trace_has(&t, start) && n_io >= 1);
		r = iob_decode(buf + start, lim - start, mode, &in);
		CHECK(r > 0 && in.kind == IOB_INSN_IO);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum iob_mode mode;
	unsigned int max_insns, len;
	u8 *buf;

	if (size < 1 || size > 8192)
		return 0;
	mode = (enum iob_mode)(data[0] & 3);
	if (mode > IOB_MODE_64)
		mode = IOB_MODE_64;
	max_insns = data[0] >> 2;
	len = size - 1;

	/* Exactly sized so that ASan sees any overread; malloc(0) is legal. */
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);

	fuzz_decode(buf, len, mode);
	fuzz_block(buf, len, mode, max_insns);
	/* A large limit too, so that long blocks are walked. */
	fuzz_block(buf, len, mode, 100000);
	fuzz_trace(buf, len, mode, max_insns);

	free(buf);
	return 0;
}

#ifdef SCAN_FUZZ_MAIN
#include <stdio.h>

int main(int argc, char **argv)
{
	static uint8_t data[8192];
	int i;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(data, 1, sizeof(data), f);
		fclose(f);
		LLVMFuzzerTestOneInput(data, n);
	}
	printf("replayed %d inputs\n", argc - 1);
	return 0;
}
#endif
