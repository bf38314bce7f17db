# SPDX-License-Identifier: GPL-2.0
#
#   make              build kvm_iobatch.ko against the Debian kernel headers
#                     (the test bed's kernel, series BED_KSERIES, default 6.1)
#   make KVER=...     another installed kernel, e.g. 6.12.117+deb12-amd64
#   make KDIR=... KSRC=...   other kernel build dir / unpacked linux-source
#   make check        checkpatch + userspace scanner test + selftests build
#   make clean
#
# Before kbuild runs, scripts/kvm-src checks that the kernel is supported
# (6.1 or 6.12) and finds KVM's private headers for it: KSRC when given,
# else unpacked from Debian's linux-source-X.Y package (it says which
# package to install when it is missing). DKMS builds the same way
# (dkms.conf).

KVER ?= $(shell bash -c '. scripts/bed-lib.sh >/dev/null 2>&1 && echo $$KVER')
KDIR ?= /lib/modules/$(KVER)/build
KSRC ?=
# checkpatch: from the given source, else the 6.1 tree of scripts/bed-deps
CHECKPATCH_SRC = $(or $(KSRC),/var/cache/kvm-iobatch/linux-source-6.1)
CHECKPATCH = $(CHECKPATCH_SRC)/scripts/checkpatch.pl --no-tree --terse \
	--show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG
PWD := $(shell pwd)

.PHONY: all modules clean check selftests

all: modules

modules:
	@test -d $(KDIR) || { echo "kvm-iobatch: no kernel build dir $(KDIR):" \
		"install linux-headers-$(KVER) (or run scripts/bed-deps)"; exit 1; }
	@ksrc=$$(bash scripts/kvm-src $(KDIR) $(KSRC)) || exit 1; \
	echo "$(MAKE) -C $(KDIR) M=$(PWD) KSRC=$$ksrc modules"; \
	$(MAKE) -C $(KDIR) M=$(PWD) KSRC=$$ksrc modules

selftests:
	$(MAKE) -C selftests

# compat.h is the one file that may test LINUX_VERSION_CODE (checkpatch
# takes that version test for a constant on the left, too).
check: selftests
	$(CHECKPATCH) -f $(filter-out kvm_iobatch/compat.h,$(wildcard \
		kvm_iobatch/*.c kvm_iobatch/*.h)) include/kvm_iobatch/*.h
	$(CHECKPATCH) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f kvm_iobatch/compat.h
	selftests/out/scan_test

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean || true
	$(MAKE) -C selftests clean || true
