/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Macros for guest programs written in GNU as (guests/guests.S and
 * bench/bench_guests.S). Each program lives in a section of its own,
 * PREFIX_<name>_start .. PREFIX_<name>_end, and is loaded at GUEST_BASE,
 * so ABS() gives the guest address of a label and .org places code
 * relative to the program's first byte.
 */
#ifndef IOB_GUEST_ASM_H
#define IOB_GUEST_ASM_H

#define GUEST_BASE 0x1000
#define ABS(label, start) ((label) - (start) + GUEST_BASE)

#define GUEST_PROG(prefix, name)			\
	.section .rodata.prefix##_##name, "a";		\
	.globl prefix##_##name##_start;			\
	.globl prefix##_##name##_end;			\
prefix##_##name##_start:

#define GUEST_PROG_END(prefix, name)			\
prefix##_##name##_end:

#endif /* IOB_GUEST_ASM_H */
