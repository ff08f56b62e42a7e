#!/bin/bash
# A short libFuzzer run of every fuzz target (tests/fuzz/*.c) from its seed
# corpus of real profiles: decoders must not crash or exhaust memory on
# hostile input. `make fuzz FUZZTIME=600` runs them longer.
. "$(dirname "$0")/lib.sh"

have clang || skip_all "clang not found (make deps installs it)"
[ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] ||
	skip_all "libFuzzer runtime not found (make deps installs libclang-rt-14-dev)"
[ "${PGOKIT_SAN:-}" = 1 ] && skip_all "the fuzz targets already run under ASan/UBSan in the plain run"

test_expect_success 'fuzz targets build' '
	make -s -j2 -C "$PGOKIT_SRC" fuzz-build >build.log 2>&1 || { cat build.log; false; }
'

for f in "$PGOKIT_SRC"/tests/fuzz/*.c; do
	n=$(basename "$f" .c)
	test_expect_success "$n: ${FUZZTIME:-5}s without a crash" '
		FUZZTIME=${FUZZTIME:-5} sh "$PGOKIT_SRC/tests/fuzz/run.sh" "$PGOKIT_SRC/build-fuzz/$n"
	'
done

test_done
