#!/bin/bash
# pprof-stat --check verdicts held against what `go build -pgo=FILE` does
# with the very same files (a tiny main package; the usable and the no-op
# profiles are deterministic so the shared GOCACHE keeps their std rebuild),
# and against `go tool preprofile` where a build would add nothing.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"

mkdir tiny && cat >tiny/main.go <<-\EOF2 && printf 'module tiny\n\ngo 1.21\n' >tiny/go.mod
package main

func main() { println("tiny") }
EOF2

# pgo_build FILE: go build -pgo=FILE with the compiler's PGO debug output in
# build.log; the status is go build's.
pgo_build() {
	(cd tiny && go build -pgo="$PWD/../$1" -gcflags=-d=pgodebug=1 -o ../tiny.bin .) >build.log 2>&1
}

mkdir g && genfleet -n 1 -s 400 -d 12 g >/dev/null && mv g/fleet-000.pprof cpu.pprof ||
	skip_all "genfleet failed"
start_service || skip_all "cannot start the example service"
curl -sf -o svc.pprof "http://$SERVICE_ADDR/debug/pprof/profile?seconds=2" &&
curl -sf -o heap.pprof "http://$SERVICE_ADDR/debug/pprof/heap" ||
	skip_all "cannot fetch profiles from the example service"

test_expect_success 'a CPU profile: exit 0, and go build -pgo uses it' '
	pprof-stat --check cpu.pprof >out && grep -q "usable for PGO" out &&
	pgo_build cpu.pprof && grep -q "^hot-callsite-thres-from-CDF=" build.log &&
	go version -m tiny.bin | grep -q "build	-pgo=.*cpu.pprof"
'
test_expect_success 'the compiler'"'"'s hot threshold is the one --pgo prints' '
	want=$(sed -n "s/^hot-callsite-thres-from-CDF=//p" build.log | head -1) &&
	got=$(pprof-stat --pgo cpu.pprof | sed -n "s/.*the coldest hot edge has \([0-9.e+-]*\)% .*/\1/p") &&
	echo "go $want ours $got" &&
	awk -v a="$want" -v b="$got" "BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-9 * (a > 1 ? a : 1)) }"
'
test_expect_success 'a live service CPU profile: exit 0, go tool preprofile accepts it' '
	pprof-stat --check svc.pprof && go tool preprofile -i svc.pprof -o /dev/null
'
test_expect_success 'a heap profile: exit 1 with the reasons, go build -pgo fails' '
	test_expect_code 1 pprof-stat --check heap.pprof >out &&
	grep -q "heap profile" out && grep -q "no samples/count or cpu/nanoseconds" out &&
	test_must_fail pgo_build heap.pprof &&
	grep -q "does not contain a sample index" build.log
'
test_expect_success 'no Function.start_line: exit 1, go build -pgo fails' '
	pfmangle nostartline cpu.pprof nsl.pprof &&
	test_expect_code 1 pprof-stat --check nsl.pprof >out && grep -q "start_line" out &&
	test_must_fail pgo_build nsl.pprof && grep -q "missing Function.start_line" build.log
'
test_expect_success 'a legacy Pyroscope 0.x export: exit 1, go build -pgo fails' '
	pfmangle pyroscope0 cpu.pprof pyro.pprof &&
	test_expect_code 1 pprof-stat --check pyro.pprof >out && grep -q "legacy Pyroscope" out &&
	test_must_fail pgo_build pyro.pprof
'
test_expect_success 'all-zero samples: exit 1, go build -pgo fails' '
	pfmangle zero cpu.pprof zero.pprof &&
	test_expect_code 1 pprof-stat --check zero.pprof >out && grep -q "zero" out &&
	test_must_fail pgo_build zero.pprof
'
test_expect_success 'no samples: exit 1; go build accepts it but PGO does nothing' '
	pfmangle nosamples cpu.pprof none.pprof &&
	test_expect_code 1 pprof-stat --check none.pprof >out && grep -q "no samples" out &&
	grep -q "accepts it" out &&
	pgo_build none.pprof && test_must_fail grep -q "hot-callsite" build.log
'
test_expect_success 'an empty file: exit 1 like no samples; preprofile accepts it' '
	: >empty.pprof &&
	test_expect_code 1 pprof-stat --check empty.pprof >out && grep -q "no samples" out &&
	go tool preprofile -i empty.pprof -o pre && test "$(head -1 pre)" = "GO PREPROFILE V1"
'
test_expect_success 'unreadable input: exit 2, nothing on stdout' '
	test_expect_code 2 pprof-stat --check nonexistent.pprof >out 2>err && test ! -s out &&
	grep -q "nonexistent.pprof" err &&
	printf "not a profile" >junk.pprof &&
	test_expect_code 2 pprof-stat --check junk.pprof >out 2>err && test ! -s out &&
	test_expect_code 2 pprof-stat --check <junk.pprof >out && test ! -s out
'
test_expect_success 'stdin, and several profiles on stdin merged before the verdict' '
	pprof-stat --check <cpu.pprof >out && grep -q "^<stdin>: usable" out &&
	cat cpu.pprof svc.pprof | pprof-stat --check &&
	cat cpu.pprof heap.pprof | test_expect_code 2 pprof-stat --check >out 2>err &&
	test ! -s out && cat err
'
test_done
