#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the installed kvm-iobatch selftests (make -C selftests install
# INSTALL_PATH=DIR puts this script in DIR), the way the kernel's
# run_kselftest.sh runs kernel selftests: the tests listed in
# kselftest-list.txt ("collection:test" lines), each in its collection's
# directory, with the timeout from that directory's "settings" file, its
# output prefixed with "# ", then one KTAP result line per test:
#   ok N selftests: COLLECTION: TEST
#   ok N selftests: COLLECTION: TEST # SKIP        (exit code 4)
#   not ok N selftests: COLLECTION: TEST # TIMEOUT SECS seconds
#   not ok N selftests: COLLECTION: TEST # exit=RC
# Written for busybox sh as well as dash and bash.
#
# Tests that need kvm_iobatch load it themselves when given the module
# file (as root): KVM_IOBATCH_KO=/path/to/kvm_iobatch.ko run_kselftest.sh.
# Without it they skip and say why. Per-test arguments as in the kernel's
# runner: KSELFTEST_<TEST>_ARGS, e.g. KSELFTEST_DIFF_TEST_ARGS.
#
# Exit status: 0 when no test failed (skips are not failures), 1 when one
# failed or timed out, 2 for a usage error.

BASE_DIR=$(cd "$(dirname "$0")" && pwd)
LIST=$BASE_DIR/kselftest-list.txt
skip_rc=4
default_timeout=45

usage() {
	cat <<EOF
Usage: $0 [OPTIONS]
  -s | --summary                Test output to $BASE_DIR/output.log, results only here
  -t | --test COLLECTION:TEST   Run TEST from COLLECTION (may be repeated)
  -c | --collection COLLECTION  Run all tests from COLLECTION
  -l | --list                   List the available collection:test entries
  -o | --override-timeout SECS  Timeout per test instead of the settings file's
  -d | --dry-run                Print the tests, run nothing
  -h | --help                   This text
Environment: KVM_IOBATCH_KO=PATH lets the tests load and unload kvm_iobatch.
EOF
	exit "$1"
}

if [ ! -r "$LIST" ]; then
	echo "$0: no list of tests ($LIST)" >&2
	exit 2
fi
available=$(grep -v '^#' "$LIST")

logfile=
selected=
override=
dryrun=
while [ $# -gt 0 ]; do
	case "$1" in
	-s|--summary) logfile=$BASE_DIR/output.log; : >"$logfile"; shift ;;
	-t|--test) [ $# -ge 2 ] || usage 2; selected="$selected $2"; shift 2 ;;
	-c|--collection)
		[ $# -ge 2 ] || usage 2
		found=$(echo "$available" | grep "^$2:")
		[ -n "$found" ] || { echo "No such collection '$2'" >&2; exit 2; }
		selected="$selected $found"
		shift 2 ;;
	-l|--list) echo "$available"; exit 0 ;;
	-o|--override-timeout)
		case "${2:-}" in ''|*[!0-9]*) usage 2 ;; esac
		override=$2
		shift 2 ;;
	-d|--dry-run) dryrun=1; shift ;;
	-h|--help) usage 0 ;;
	*) usage 2 ;;
	esac
done
if [ -n "$selected" ]; then
	for t in $selected; do
		echo "$available" | grep -qx "$t" ||
			{ echo "No such test '$t'" >&2; exit 2; }
	done
	available=$(echo "$selected" | tr ' ' '\n' | grep -v '^$')
fi

# "# " before every line of the test's output, a line at a time: a test
# that hangs or crashes has shown everything up to that point.
prefix() {
	while IFS= read -r line || [ -n "$line" ]; do
		printf '# %s\n' "$line"
	done
}

# Test output goes to the log with -s, else here.
out() {
	if [ -n "$logfile" ]; then
		cat >>"$logfile"
	else
		cat
	fi
}

# settings: "timeout=SECS" lines, as in the kernel's selftests.
test_timeout() {
	[ -n "$override" ] && { echo "$override"; return; }
	t=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' "$1/settings" 2>/dev/null |
	    tail -n 1)
	echo "${t:-$default_timeout}"
}

rcfile=$(mktemp "${TMPDIR:-/tmp}/run_kselftest.XXXXXX") || exit 2
trap 'rm -f "$rcfile"' EXIT

# run_one N COLLECTION TEST: one result line; returns 1 when it failed.
run_one() {
	num=$1 dir=$BASE_DIR/$2 name=$3
	hdr="selftests: $2: $name"
	echo "# $hdr"
	if [ ! -x "$dir/$name" ]; then
		echo "# Warning: $dir/$name is missing or not executable"
		echo "not ok $num $hdr"
		return 1
	fi
	var=KSELFTEST_$(echo "$name" | tr -c '[:alnum:]_\n' _ | tr '[:lower:]' '[:upper:]')_ARGS
	eval "args=\${$var:-}"
	secs=$(test_timeout "$dir")
	start=$(date +%s)
	# SIGKILL 10 s after SIGTERM: a test stuck in the kernel still ends.
	{
		(cd "$dir" && exec timeout -k 10 "$secs" "./$name" $args) 2>&1
		echo $? >"$rcfile"
	} | prefix | out
	rc=$(cat "$rcfile")
	elapsed=$(($(date +%s) - start))
	if [ "$rc" = 0 ]; then
		echo "ok $num $hdr"
	elif [ "$rc" = "$skip_rc" ]; then
		echo "ok $num $hdr # SKIP"
	elif [ "$rc" = 124 ] || { [ "$elapsed" -ge "$secs" ] &&
			{ [ "$rc" = 137 ] || [ "$rc" = 143 ]; }; }; then
		# coreutils' timeout exits 124; busybox's is the killed test
		echo "not ok $num $hdr # TIMEOUT $secs seconds"
		return 1
	else
		echo "not ok $num $hdr # exit=$rc"
		return 1
	fi
	return 0
}

total=$(echo "$available" | grep -c .)
if [ -n "$dryrun" ]; then
	echo "$available"
	exit 0
fi
echo "TAP version 13"
echo "1..$total"
[ -w /dev/kmsg ] && echo "kselftest: Running tests in kvm-iobatch" >/dev/kmsg
num=0
failed=0
for entry in $available; do
	num=$((num + 1))
	run_one "$num" "${entry%%:*}" "${entry#*:}" || failed=$((failed + 1))
done
echo "# kvm-iobatch selftests: $num run, $failed failed"
[ "$failed" = 0 ]
