# SPDX-License-Identifier: GPL-2.0
#
#   make              build kvm_iobatch.ko against the Debian kernel headers
#   make KDIR=... KSRC=...   other kernel build dir / unpacked linux-source
#   make check        checkpatch + userspace scanner test + selftests build
#   make clean

KVER ?= $(shell bash -c '. scripts/bed-lib.sh >/dev/null 2>&1 && echo $$KVER')
KDIR ?= /lib/modules/$(KVER)/build
KSRC ?= /var/cache/kvm-iobatch/linux-source-6.1
PWD := $(shell pwd)

.PHONY: all modules clean check selftests

all: modules

modules:
	@test -f $(KSRC)/arch/x86/kvm/x86.h || \
		{ echo "KVM headers missing in KSRC=$(KSRC): run scripts/bed-deps"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(PWD) KSRC=$(KSRC) modules

selftests:
	$(MAKE) -C selftests

check: selftests
	$(KSRC)/scripts/checkpatch.pl --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f kvm_iobatch/*.c kvm_iobatch/*.h include/kvm_iobatch/*.h
	selftests/out/scan_test

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean || true
	$(MAKE) -C selftests clean || true
