#!/bin/bash
# make fuzz must fail on undefined behaviour: a tiny fuzz target with a
# signed overflow, built here (never shipped) with the compiler line the
# Makefile uses for its fuzz targets, must fail tests/fuzz/run.sh, and the
# failed run's log and input must be kept.
. "$(dirname "$0")/lib.sh"

have clang || skip_all "clang not found (make deps installs it)"
[ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] ||
	skip_all "libFuzzer runtime not found (make deps installs libclang-rt-14-dev)"

cat >fuzz-ub.c <<'EOC'
#include <stddef.h>
#include <stdint.h>
#include <string.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
/* Signed overflow as soon as the input holds a large enough int: the seed
 * does, so the first run hits it. */
int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	int v;
	volatile int r;

	if (n < sizeof v)
		return 0;
	memcpy(&v, d, sizeof v);
	r = v + 0x7fffffff;
	(void)r;
	return 0;
}
EOC

test_expect_success 'the Makefile builds fuzz targets with strict sanitizers' '
	cc=$(make -s -C "$PGOKIT_SRC" fuzz-cc) &&
	printf "%s\n" "$cc" | grep -q -- "-fno-sanitize-recover=all" &&
	$cc -o fuzz-ub fuzz-ub.c
'

test_expect_success 'UB fails the fuzz run and the log is kept' '
	mkdir -p corpus/fuzz-ub &&
	printf "\377\377\377\177" >corpus/fuzz-ub/seed &&
	mkdir fuzz && cp "$PGOKIT_SRC/tests/fuzz/run.sh" fuzz/ && mv corpus fuzz/ &&
	test_must_fail env FUZZTIME=5 FUZZ_KEEP="$PWD/kept" sh fuzz/run.sh ./fuzz-ub >out 2>&1 &&
	cat out &&
	grep "FAILED" out &&
	grep "runtime error: signed integer overflow" kept/fuzz-ub/log &&
	ls kept/fuzz-ub/crash-*
'

test_expect_success 'a UB report fails the run even if the build recovers' '
	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -o fuzz-ub fuzz-ub.c &&
	rm -rf kept &&
	test_must_fail env FUZZTIME=3 FUZZ_KEEP="$PWD/kept" sh fuzz/run.sh ./fuzz-ub >out 2>&1 &&
	grep "runtime error: signed integer overflow" kept/fuzz-ub/log
'

test_done
