// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal kselftest-style TAP output.
 */
#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

static int tap_planned = -1;
static int tap_n, tap_pass, tap_fail, tap_skipped;

/*
 * Parts mode (tap_parts_begin()): tap_planned is the current part's plan,
 * tap_part_base the number of tests before it, tap_parts_planned the sum
 * of the finished parts' plans.
 */
static bool tap_parts;
static int tap_part_base, tap_parts_planned;

static void tap_header(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	/* Output goes to a serial console; don't lose it in a crash. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
}

/* Tests reported between two parts count as planned where they are. */
static void tap_parts_settle(void)
{
	tap_parts_planned += tap_n - tap_part_base;
	tap_part_base = tap_n;
}

/**
 * tap_plan() - print the TAP header and the plan
 * @n: number of tests that will follow
 */
void tap_plan(int n)
{
	tap_header();
	if (tap_parts)
		tap_parts_settle();
	tap_planned = n;
	if (!tap_parts)
		printf("1..%d\n", n);
}

/**
 * tap_ok() - report one test result
 * @cond: true for pass
 * @fmt:  printf-style description
 *
 * Return: @cond, so callers can bail out of dependent checks.
 */
bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_header();
	tap_n++;
	if (cond)
		tap_pass++;
	else
		tap_fail++;
	printf("%sok %d ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return cond;
}

/**
 * tap_skip() - report one skipped test
 * @fmt: printf-style reason
 */
void tap_skip(const char *fmt, ...)
{
	va_list ap;

	tap_header();
	tap_n++;
	tap_skipped++;
	printf("ok %d # SKIP ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/**
 * tap_diag() - print a diagnostic line ("# ...")
 * @fmt: printf-style message
 */
void tap_diag(const char *fmt, ...)
{
	va_list ap;

	tap_header();
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/**
 * tap_skip_all() - skip the whole test program
 * @fmt: printf-style reason
 *
 * Before tap_plan() this prints a "1..0 # SKIP" plan; afterwards it skips
 * all remaining planned tests.
 *
 * Return: the exit code to return from main() (see tap_finish()).
 */
int tap_skip_all(const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	tap_header();
	if (tap_planned < 0 && tap_parts) {
		/* A part skipped before its plan: one skipped test. */
		tap_parts_settle();
		tap_planned = 1;
	} else if (tap_planned < 0) {
		printf("1..0 # SKIP %s\n", reason);
		fflush(stdout);
		return TAP_SKIP;
	}
	while (tap_n - tap_part_base < tap_planned)
		tap_skip("%s", reason);
	return tap_finish();
}

/**
 * tap_finish() - print the totals and compute the exit code
 *
 * Return: TAP_FAIL (1) if a test failed or the plan was not met, TAP_SKIP
 * (4) if every test was skipped, TAP_PASS (0) otherwise.
 */
int tap_finish(void)
{
	int ret = TAP_PASS;

	tap_header();
	if (tap_parts) {
		int ran = tap_n - tap_part_base;
		bool short_part = tap_planned >= 0 && ran != tap_planned;

		/* A short part shows in the sum of the plans at the end. */
		if (short_part)
			tap_diag("planned %d tests but ran %d", tap_planned,
				 ran);
		tap_parts_planned += tap_planned >= 0 ? tap_planned : ran;
		tap_part_base = tap_n;
		tap_planned = -1;
		fflush(stdout);
		return tap_fail || short_part ? TAP_FAIL : TAP_PASS;
	}
	if (tap_planned < 0)
		printf("1..%d\n", tap_n);
	else if (tap_n != tap_planned)
		tap_diag("planned %d tests but ran %d", tap_planned, tap_n);

	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       tap_pass, tap_fail, tap_skipped);
	if (tap_fail || (tap_planned >= 0 && tap_n != tap_planned))
		ret = TAP_FAIL;
	else if (tap_n && tap_skipped == tap_n)
		ret = TAP_SKIP;
	fflush(stdout);
	return ret;
}

/**
 * tap_parts_begin() - the following parts print as one test program
 *
 * Call before any output; each part then calls tap_plan() and
 * tap_finish() (or tap_skip_all()) as a whole program would.
 */
void tap_parts_begin(void)
{
	tap_header();
	tap_parts = true;
	tap_part_base = tap_n;
}

/**
 * tap_parts_end() - the plan and totals of all parts
 *
 * Tests reported outside a part (after the last tap_finish()) count too.
 *
 * Return: the exit code, as from tap_finish().
 */
int tap_parts_end(void)
{
	int planned;

	tap_parts_settle();
	planned = tap_parts_planned;
	tap_parts = false;
	tap_planned = planned;
	printf("1..%d\n", planned);
	return tap_finish();
}
