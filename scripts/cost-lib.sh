# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by scripts/bench and scripts/legacy-suite: the counted-cost model
# of Documentation/bench.rst ("Counted cost"), in one place.
#
#   COST_CYCLES  default world-switch cost C in cycles per VM exit (1350:
#                VMRUN + #VMEXIT on AMD Zen; see bench.rst for the source)
#   COST_AWK     awk function text to put in front of an awk program:
#                modeled_ratio(si, sa, mi, ma, c) = (mi + c * ma) /
#                (si + c * sa), the module's modeled cost over stock's, from
#                instructions (si, mi: counted under -icount, CPI 1) and
#                ALL VM exits (sa, ma: KVM's "exits", every reason)
#   cost_png_head OUT TITLE
#                the gnuplot lines both scripts start their PNGs with

# shellcheck disable=SC2034 # used by the scripts that source this file
COST_CYCLES=1350
COST_AWK='
function modeled_ratio(si, sa, mi, ma, c) {
	return (si + c * sa) > 0 ? (mi + c * ma) / (si + c * sa) : 0
}
'

cost_png_head() {
	echo 'set terminal png noenhanced size 1000,650 font ",11"'
	echo "set output \"$1\""
	echo "set title \"$2\""
}
