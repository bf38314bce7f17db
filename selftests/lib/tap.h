/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal kselftest-style TAP output.
 *
 *	tap_plan(3);
 *	tap_ok(x == 1, "x is %d", x);
 *	tap_skip("no coalesced PIO");
 *	return tap_finish();
 *
 * Exit codes follow kselftest: 0 pass, 1 fail, 4 skip (everything skipped).
 */
#ifndef IOB_TAP_H
#define IOB_TAP_H

#include <stdbool.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define TAP_PASS	0
#define TAP_FAIL	1
#define TAP_SKIP	4

void tap_plan(int n);
bool tap_ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tap_skip_all(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tap_finish(void);

/*
 * One program, several parts that each plan and finish (a record on stock
 * KVM, then a compare under the module): between tap_parts_begin() and
 * tap_parts_end() the parts' plans add up, printed as one trailing plan,
 * and one set of totals is printed at the end.
 */
void tap_parts_begin(void);
int tap_parts_end(void);

#endif /* IOB_TAP_H */
