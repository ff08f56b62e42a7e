#!/bin/bash
# t6004: the demo measures code the profile can reach. A real profile of the
# example service names its hot functions example.com/pgokit-service/work.X;
# the test binary the demo and `make bench` time (go test -c ./work) holds
# those functions under those names, and the compiler, given the profile,
# devirtualizes the work package's dominant-type interface call and inlines
# its above-budget summarize at the hot call site, which keeps its result
# off the heap. Behaviour only: the speedup is the bench's business.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/lib-pgobuild.sh"

have_go || skip_all "Go 1.21+ not found"
# As in the demo: without async preemption, so runtime.asyncPreempt frames
# do not hide the interface call site (issue 14, item 2). Exported for the
# service; service_profile keys its cache on it.
export GODEBUG=asyncpreemptoff=1
start_service || skip_all "examples/service did not start"
pkg=example.com/pgokit-service/work

test_expect_success 'setup: a CPU profile of the service under its load' '
	service_profile cpu.pprof &&
	go tool preprofile -i cpu.pprof -o cpu.pre &&
	hot_edges cpu.pre >hot &&
	awk -v p="$pkg." "{ for (i = 1; i <= 2; i++) if (index(\$i, p) == 1) print \$i }" hot |
		sort -u >hot-work &&
	cat hot-work &&
	grep -x "$pkg.Checksums" hot-work &&
	grep -x "$pkg.summarize" hot-work
'

test_expect_success 'the benchmarked test binary, built with the profile' '
	go test -C "$SERVICE_SRC" -c -pgo="$PWD/cpu.pprof" \
		-gcflags="$pkg=-d=pgodebug=1 -m" -o "$PWD/pgo.test" ./work >build.log 2>&1 ||
		{ cat build.log; false; }
'

# A hot function is either in the symbol table under the profile's name or
# inlined at each of its call sites (then the linker may drop it).
test_expect_success 'its symbols are the profile'"'"'s: each hot work function is there or inlined' '
	go tool nm pgo.test | awk "{ print \$NF }" | sort -u >syms &&
	grep -x "$pkg.Checksums" syms &&
	grep -x "$pkg.Windows" syms &&
	: >unexplained &&
	while read -r f; do
		grep -qxF "$f" syms ||
		grep -qF "inlining call to ${f#$pkg.}" build.log ||
		echo "$f" >>unexplained
	done <hot-work &&
	test_cmp /dev/null unexplained
'

test_expect_success 'the profile devirtualizes the dominant-type interface call' '
	grep -E "work\.go:[0-9]+:[0-9]+: PGO devirtualizing interface call c\.Update to FNV\.Update" build.log
'

# The guard of a devirtualized call compares the interface's itab with the
# dominant type's: it must be in the code the benchmark runs, not only in
# the compiler's report (a caller that inlines checksum gets its body from
# before PGO acted; checksum is go:noinline for that reason).
test_expect_success 'the benchmarked checksum compares with the FNV itab: the guard runs' '
	go tool objdump -s "^$pkg\.checksum\$" pgo.test >checksum.s &&
	grep -F "go:itab.$pkg.FNV,$pkg.Checksummer" checksum.s
'

test_expect_success 'the profile inlines summarize (cost over 80) and its result stays on the stack' '
	grep -E "^hot-budget check allows inlining for call $pkg\.summarize \(cost ([89][0-9]|[1-9][0-9]{2,})\) at .* in function $pkg\.Windows" build.log &&
	line=$(sed -n "s/^hot-budget check allows inlining for call $pkg\.summarize (cost [0-9]*) at \([^ ]*\) in function .*/\1/p" build.log | sed -n 1p) &&
	grep -F "$line: &Stats{...} does not escape" build.log
'

test_expect_success 'without the profile: no devirtualization, summarize is a call and its result escapes' '
	go test -C "$SERVICE_SRC" -c -pgo=off -gcflags="$pkg=-m" -o "$PWD/off.test" ./work >off.log 2>&1 ||
		{ cat off.log; false; } &&
	test_must_fail grep "PGO devirtualizing" off.log &&
	test_must_fail grep "inlining call to summarize" off.log &&
	grep -E "&Stats\{\.\.\.\} escapes to heap" off.log &&
	go tool objdump -s "^$pkg\.checksum\$" off.test >checksum-off.s &&
	test_must_fail grep -F "go:itab.$pkg.FNV" checksum-off.s
'

test_done
