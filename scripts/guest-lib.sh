# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # GUEST_ERR: read by the callers
#
# Sourced by scripts/demo and scripts/legacy-suite: builds the boot-sector
# guests they run in the test bed and collects the firmware QEMU loads.
# Each function returns 1 on failure with the reason in GUEST_ERR (the
# caller prints it its own way).

GUEST_ERR=""

# guest_sector SRC OUT [GCC_ARG...]: assemble the boot sector SRC
# (gcc -c, ld -Ttext=0x7c00, objcopy -O binary) into OUT.o, OUT.elf and
# OUT.bin, which must be 512 bytes ending in 0x55 0xaa.
guest_sector() {
	local src=$1 out=$2 name size sig

	shift 2
	name=$(basename "$src" .S)
	if ! gcc -c "$@" -o "$out.o" "$src"; then
		GUEST_ERR="$name.S does not assemble"
		return 1
	fi
	if ! ld -Ttext=0x7c00 -e _start -o "$out.elf" "$out.o" ||
	   ! objcopy -O binary "$out.elf" "$out.bin"; then
		GUEST_ERR="$name: ld or objcopy failed"
		return 1
	fi
	size=$(stat -c %s "$out.bin")
	sig=$(od -An -tx1 -j510 -N2 "$out.bin" | tr -d ' \n')
	if [ "$size" != 512 ] || [ "$sig" != 55aa ]; then
		GUEST_ERR="$name: $size bytes, signature $sig (want 512, 55aa)"
		return 1
	fi
}

# legacy_data FILE: the disk the legacy boot sectors boot from, before
# their sector goes in: 1 MiB of pseudo-random bytes, the same every time
# (scripts/legacy-guests/disk.S reads them; the suite knows their hash).
legacy_data() {
	python3 -c '
import random, sys
sys.stdout.buffer.write(random.Random(14).randbytes(2048 * 512))' >"$1"
}

# legacy_disk SECTOR DATA DISK: DISK = DATA with the boot sector SECTOR
# (a .bin of guest_sector) in sector 0
legacy_disk() {
	cp "$2" "$3"
	dd if="$1" of="$3" conv=notrunc status=none
}

# qemu_firmware QEMU DIR FILE...: copy each FILE from QEMU's data
# directories (qemu -L help) into DIR, for -L DIR in the bed; prints where
# each came from.
qemu_firmware() {
	local qemu=$1 dir=$2 f d found

	shift 2
	mkdir -p "$dir"
	for f in "$@"; do
		found=""
		for d in $("$qemu" -L help); do
			if [ -f "$d/$f" ]; then
				found=$(readlink -f "$d/$f")
				break
			fi
		done
		if [ -z "$found" ]; then
			GUEST_ERR="$f not in QEMU's data directories"
			return 1
		fi
		cp "$found" "$dir/$f"
		echo "   -L: $f from $found ($(dpkg -S "$found" 2>/dev/null | cut -d: -f1 || echo '?'))"
	done
}
