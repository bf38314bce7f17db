# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the test-bed scripts.  Picks the Debian kernel to test with
# and exports:
#   KVER     kernel release, e.g. 6.1.0-56-amd64 (env KVER overrides)
#   VMLINUZ  /boot/vmlinuz-$KVER
#   KDIR     /lib/modules/$KVER/build (kbuild dir for out-of-tree modules)
#   KSRC     unpacked kernel source parts (env KSRC_CACHE overrides)

bed_pick_kver() {
	local d v best=""

	for d in /lib/modules/*-amd64; do
		[ -d "$d" ] || continue
		v=${d##*/}
		[ -f "/boot/vmlinuz-$v" ] || continue
		[ -d "$d/build" ] || continue
		[ -d "$d/kernel/arch/x86/kvm" ] || continue
		best="$best$v"$'\n'
	done
	# Newest by version order.
	printf '%s' "$best" | sort -V | tail -n 1
}

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
KSRC=${KSRC_CACHE:-/var/cache/kvm-iobatch/linux-source-6.1}
export KVER VMLINUZ KDIR KSRC
