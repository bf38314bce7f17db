# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the test-bed scripts.  Picks the Debian kernel to test with
# and exports:
#   KVER     kernel release, e.g. 6.1.0-56-amd64 (env KVER overrides;
#            otherwise the newest of series BED_KSERIES, default 6.1)
#   VMLINUZ  /boot/vmlinuz-$KVER
#   KDIR     /lib/modules/$KVER/build (kbuild dir for out-of-tree modules)
#   KSRC     unpacked kernel source parts of that series, from
#            linux-source-X.Y (env KSRC_CACHE overrides)
#   BED_MODDIR  where bed-run takes kvm, kvm-amd ... from
#               (/lib/modules/$KVER/kernel)
#
# With BED_KERNEL=debug, all of them point at the debug kernel built by
# scripts/debug-kernel for series BED_KSERIES (default 6.1, under
# /var/cache/kvm-iobatch/debug-kernel; 6.12: debug-kernel-6.12); it must
# have been built already.  BED_KERNEL unset or "stock": Debian's kernel.

bed_pick_kver() {
	local d v best=""

	for d in /lib/modules/*-amd64; do
		[ -d "$d" ] || continue
		v=${d##*/}
		# Only the series asked for (BED_KSERIES, default 6.1): a
		# second Debian kernel installed on this machine must not
		# change what the bed boots.
		case "$v" in "${BED_KSERIES:-6.1}".*) ;; *) continue ;; esac
		[ -f "/boot/vmlinuz-$v" ] || continue
		[ -d "$d/build" ] || continue
		[ -d "$d/kernel/arch/x86/kvm" ] || continue
		best="$best$v"$'\n'
	done
	# Newest by version order.
	printf '%s' "$best" | sort -V | tail -n 1
}

case "${BED_KERNEL:-stock}" in
stock) ;;
debug)
	bed_env=$("$(dirname "${BASH_SOURCE[0]}")/debug-kernel" --env) || {
		echo "bed-lib: no debug kernel (run scripts/debug-kernel)" >&2
		return 1 2>/dev/null || exit 1
	}
	eval "$bed_env"
	KVER=$DEBUG_KREL
	VMLINUZ=$DEBUG_VMLINUZ
	KDIR=$DEBUG_KDIR
	KSRC=$DEBUG_KSRC
	BED_MODDIR=$DEBUG_MODDIR/kernel
	export KVER VMLINUZ KDIR KSRC BED_MODDIR
	return 0 2>/dev/null || exit 0
	;;
*)
	echo "bed-lib: BED_KERNEL=$BED_KERNEL: want stock or debug" >&2
	return 1 2>/dev/null || exit 1
	;;
esac

if [ -z "${KVER:-}" ]; then
	KVER=$(bed_pick_kver)
fi
if [ -z "$KVER" ]; then
	echo "bed-lib: no /lib/modules/*-amd64 with /boot/vmlinuz-* and build dir" \
	     "(run scripts/bed-deps)" >&2
	return 1 2>/dev/null || exit 1
fi
VMLINUZ=/boot/vmlinuz-$KVER
KDIR=/lib/modules/$KVER/build
KSRC=${KSRC_CACHE:-/var/cache/kvm-iobatch/linux-source-${BED_KSERIES:-6.1}}
BED_MODDIR=/lib/modules/$KVER/kernel
export KVER VMLINUZ KDIR KSRC BED_MODDIR
