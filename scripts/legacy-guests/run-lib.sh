# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Sourced INSIDE the test bed (busybox sh) by scripts/legacy-guests/run-in-bed
# (the legacy suite) and scripts/demo-guest/run-in-bed (the demo): one run
# of a legacy workload under Debian's QEMU, counted from the kvm trace.
#
#   /legacy/fw/             firmware for QEMU's -L (SeaBIOS, SeaVGABIOS ...)
#   /legacy/img/W.disk      boot disk of workload W (boot sector + data)
#   /legacy/linux/          vmlinuz, initrd.cpio of linux-boot
#   /kvm_iobatch.ko, /usr/bin/qemu-system-x86_64 (Debian's, unmodified)
#
# run W MODE TRACED: QEMU in the background with -no-shutdown and a QMP
# monitor on a pipe; the guest ends by powering off (ACPI), QEMU reports
# SHUTDOWN and keeps the VM; KVM's per-VM counters and QEMU's CPU time
# (schedstat of all its threads) are read, then QEMU quits. The kvm trace
# (kvm_exit, kvm_userspace_exit, kvm_cpuid) is counted in the workload's
# window. Prints, for the run:
#   legacy,iob,W,MODE,TRACED,<a line of kvm_iobatch's per-VM stats>
#   legacy,tbl,W,MODE,TRACED,<a line of its per-VM table: lin bits size
#                              n_io n_insns hashed hash hits back kind>
#   legacy,out,W,MODE,TRACED,<a line of the guest's output>
#   legacy,run,W,MODE,TRACED,win_exits,win_io,win_str,win_uexits,
#     run_exits,kvm_exits,kvm_io_exits,cpu_ns,out_md5,tcg_secs
# and QEMU's messages ("  qemu| "). A run that fails calls fail, which
# exits the shell with status 1.

L=/legacy
QEMU=/usr/bin/qemu-system-x86_64
KVMDBG=/sys/kernel/debug/kvm
IOBDBG=/sys/kernel/debug/kvm_iobatch
TR=/sys/kernel/tracing
WAIT=${LEGACY_WAIT:-300}

now() { cut -d' ' -f1 /proc/uptime; }

# qmp CMD: one QMP command to the running QEMU (bounded: a QEMU that
# never opened its end would block the write)
qmp() {
	timeout 20 sh -c "echo '{\"execute\":\"$1\"}' > '$o/qmp.in'" ||
		fail "$w ($mode): QMP $1 not delivered"
}

fail() {
	echo "legacy: FAIL: $*"
	exit 1
}

trace_events() {
	for e in kvm_exit kvm_userspace_exit kvm_cpuid; do
		echo "$1" > $TR/events/kvm/$e/enable || return 1
	done
}

# QEMU's CPU time: the sum over its threads' run time (ns).
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
		awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# window W: which part of the trace counts ("from to": begin = the VM's
# first exit, 1 and 2 = the guest's start and end markers, eof = the end)
window() {
	case "$1" in
	seabios-boot) echo "begin 1" ;;
	linux-boot) echo "begin eof" ;;
	*) echo "1 2" ;;
	esac
}

# Counts the trace on stdin: in the window, every VM exit, the non-string
# and the string IO exits and the returns to QEMU for IO; in the whole
# trace, every VM exit. Prints "win_exits win_io win_str win_uexits
# run_exits", or "-" for the window when a marker is missing.
trace_count() {
	awk -v from="$1" -v to="$2" '
	function field(name,   i) {
		for (i = 1; i < NF; i++)
			if ($i == name)
				return $(i + 1)
		return ""
	}
	BEGIN { on = from == "begin" }
	/ kvm_cpuid: / {
		f = field("func")
		if (f == "4c470001" || f == "4c470002") {
			m = substr(f, 8, 1)
			if (m == from && !done) { on = 1; opened = 1 }
			if (m == to && on) { on = 0; done = 1 }
		}
		next
	}
	/ kvm_exit: / {
		all++
		if (!on)
			next
		exits++
		if (field("reason") == "io") {
			# SVM EXITINFO1 bit 2: string instruction
			i1 = field("info1")
			d = index("0123456789abcdef", substr(i1, length(i1), 1)) - 1
			if (int(d / 4) % 2)
				str++
			else
				io++
		}
		next
	}
	/ kvm_userspace_exit: / {
		if (on && $0 ~ /KVM_EXIT_IO /)
			uexits++
		next
	}
	END {
		if (to == "eof" && on)
			done = 1
		if ((from != "begin" && !opened) || !done)
			printf "- - - - %d\n", all
		else
			printf "%d %d %d %d %d\n", exits, io, str, uexits, all
	}'
}

# run W MODE TRACED: one run of workload W; prints its legacy,run line
run() {
	w=$1 mode=$2 traced=$3
	o=/tmp/run/$w-$mode-$traced
	rm -rf "$o"
	mkdir -p "$o"
	mkfifo "$o/qmp.in" "$o/qmp.out"
	cat "$o/qmp.out" > "$o/qmp.log" &
	reader=$!
	set -- -L $L/fw -M pc -nodefaults -no-user-config -display none \
		-vga std -accel kvm -smp 1 -no-shutdown -monitor none \
		-chardev pipe,id=qmp,path="$o/qmp" -mon chardev=qmp,mode=control \
		-serial file:"$o/serial" \
		-chardev file,id=dcon,path="$o/debugcon" \
		-device isa-debugcon,iobase=0xe9,chardev=dcon
	if [ "$w" = linux-boot ]; then
		set -- "$@" -m 128 -kernel $L/linux/vmlinuz \
			-initrd $L/linux/initrd.cpio \
			-append "console=ttyS0 quiet panic=-1 rdinit=/init"
	else
		set -- "$@" -m 32 -drive file=$L/img/"$w".disk,format=raw,if=ide
	fi
	: > $TR/trace
	if [ "$traced" = traced ]; then
		trace_events 1 || fail "cannot enable the kvm trace events"
		echo 1 > $TR/tracing_on
	else
		trace_events 0
	fi
	t0=$(now)
	$QEMU "$@" > "$o/qemu.log" 2>&1 &
	pid=$!
	qmp qmp_capabilities
	n=0
	while ! grep -q '"SHUTDOWN"' "$o/qmp.log" 2>/dev/null; do
		if ! kill -0 $pid 2>/dev/null; then
			sed 's/^/  qemu| /' "$o/qemu.log"
			fail "$w ($mode): QEMU exited before the guest powered off"
		fi
		n=$((n + 1))
		if [ $n -gt $((WAIT * 5)) ]; then
			kill $pid
			sed 's/^/  guest| /' "$o/serial" "$o/debugcon"
			fail "$w ($mode): no power-off after ${WAIT}s"
		fi
		sleep 0.2
	done
	t1=$(now)
	echo 0 > $TR/tracing_on
	vm=""
	for d in "$KVMDBG/$pid"-*; do
		[ -d "$d" ] && vm=${d##*/}
	done
	[ -n "$vm" ] || fail "$w ($mode): no $KVMDBG/$pid-* directory"
	kx=$(cat "$KVMDBG/$vm/exits")
	kio=$(cat "$KVMDBG/$vm/io_exits")
	cpu=$(cpu_ns $pid)
	if [ -d "$IOBDBG/vms/$vm" ]; then
		sed "s/^/legacy,iob,$w,$mode,$traced,/" "$IOBDBG/vms/$vm/stats"
		grep -v '^#' "$IOBDBG/vms/$vm/table" |
			sed "s/^/legacy,tbl,$w,$mode,$traced,/"
	fi
	qmp quit
	n=0
	while kill -0 $pid 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 50 ] || { kill -9 $pid; break; }
		sleep 0.2
	done
	wait $pid 2>/dev/null
	wait $reader 2>/dev/null
	grep -q 'overrun: [1-9]' $TR/per_cpu/cpu*/stats &&
		fail "$w ($mode): trace buffer overrun"
	if [ "$traced" = traced ]; then
		# shellcheck disable=SC2046 # window: two words
		c=$(trace_count $(window "$w") < $TR/trace)
	else
		c="- - - - -"
	fi
	if [ "$w" = linux-boot ]; then
		tr -d '\r' < "$o/serial" | grep '^legacy-linux:' > "$o/out"
	else
		cp "$o/debugcon" "$o/out"
	fi
	sed "s/^/legacy,out,$w,$mode,$traced,/" "$o/out"
	grep -q . "$o/out" || fail "$w ($mode): no output from the guest"
	sum=$(md5sum < "$o/out" | cut -d' ' -f1)
	secs=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
	# shellcheck disable=SC2086 # c: five words
	set -- $c
	echo "legacy,run,$w,$mode,$traced,$1,$2,$3,$4,$5,$kx,$kio,$cpu,$sum,$secs"
	[ "$1" != - ] || [ "$traced" != traced ] ||
		fail "$w ($mode): a window marker is missing from the trace"
	grep -v -e 'terminating on signal' -e '^$' "$o/qemu.log" | sed 's/^/  qemu| /'
	return 0
}
