#!/bin/bash
# pprof-merge against the oracle, `go tool pprof -proto`: for real profiles
# the two outputs are equal as data (stacks of function, file and line plus
# labels -> summed values; period, duration, comments).
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not found (make deps installs golang-1.23-go)"
have python3 || skip_all "python3 not found"

canon() {
	f=$1; shift
	go tool pprof -raw -symbolize=none "$f" 2>/dev/null | python3 "$PGOKIT_SRC/tests/pprof-canon.py" "$@"
}

# oracle_cmp OUT INPUT...: OUT equals go tool pprof -proto INPUT... as data.
oracle_cmp() {
	out=$1; shift
	go tool pprof -proto -symbolize=none "$@" >oracle.pprof 2>oracle.err &&
	canon oracle.pprof >expect &&
	canon "$out" >actual &&
	test -s expect && test "$(wc -l <expect)" -gt 5 &&
	test_cmp expect actual
}

test_expect_success 'setup: two instances of the service, profiled at once' '
	start_service && a1=$SERVICE_ADDR &&
	start_service && a2=$SERVICE_ADDR &&
	{ curl -sSf -o svc1.pprof "http://$a1/debug/pprof/profile?seconds=3" & } && cpid=$! &&
	curl -sSf -o svc2.pprof "http://$a2/debug/pprof/profile?seconds=3" &&
	wait $cpid && test -s svc1.pprof && test -s svc2.pprof &&
	go tool pprof -raw svc1.pprof 2>/dev/null | grep -q "endpoint:\["
'

test_expect_success 'setup: go test -cpuprofile of two standard packages' '
	go test -run=NONE -bench=ParseFloat -benchtime=300ms -cpuprofile=strconv.pprof strconv >/dev/null &&
	go test -run=NONE -bench=Sort -benchtime=300ms -cpuprofile=sort.pprof sort >/dev/null &&
	test -s strconv.pprof && test -s sort.pprof
'

test_expect_success 'setup: a profile without mappings, a Pyroscope-shaped one' '
	pprof-edit -M svc2.pprof nomap.pprof &&
	go tool pprof -raw nomap.pprof 2>/dev/null | grep -q "^Mappings" &&
	pprof-edit -t 1 -P 0 -z 0 svc2.pprof pyro.pprof &&
	go tool pprof -raw pyro.pprof 2>/dev/null | grep -qx " *cpu/nanoseconds"
'

test_expect_success 'two instances of one binary (labels, inlining, rebased mappings)' '
	pprof-merge -o m.pprof svc1.pprof svc2.pprof &&
	oracle_cmp m.pprof svc1.pprof svc2.pprof
'

test_expect_success 'different binaries: service and two go test profiles' '
	pprof-merge -o m.pprof svc1.pprof strconv.pprof sort.pprof &&
	oracle_cmp m.pprof svc1.pprof strconv.pprof sort.pprof
'

test_expect_success 'a profile without mappings' '
	pprof-merge -o m.pprof nomap.pprof svc1.pprof &&
	oracle_cmp m.pprof nomap.pprof svc1.pprof
'

test_expect_success 'runtime and Pyroscope profiles merge as cpu/nanoseconds' '
	pprof-merge -o m.pprof svc1.pprof pyro.pprof &&
	oracle_cmp m.pprof svc1.pprof pyro.pprof &&
	grep -Ex "types: cpu/nanoseconds(\[dflt\])?" actual
'

test_expect_success 'one input merges to the same data' '
	pprof-merge -o m.pprof svc1.pprof &&
	oracle_cmp m.pprof svc1.pprof
'

test_expect_success 'stdin carries several profiles (concatenated gzip members)' '
	cat svc1.pprof svc2.pprof sort.pprof | pprof-merge >m.pprof &&
	oracle_cmp m.pprof svc1.pprof svc2.pprof sort.pprof
'

test_expect_success 'a file of concatenated members equals the separate files' '
	cat svc1.pprof svc2.pprof >both.pprof &&
	pprof-merge -o m.pprof both.pprof &&
	oracle_cmp m.pprof svc1.pprof svc2.pprof
'

test_expect_success '-t cpu keeps one sample type, -L drops labels' '
	pprof-merge -L -t cpu -o m.pprof svc1.pprof svc2.pprof &&
	go tool pprof -proto -symbolize=none svc1.pprof svc2.pprof >oracle.pprof 2>/dev/null &&
	canon oracle.pprof -L -t cpu >expect &&
	canon m.pprof -t cpu >actual &&
	test_cmp expect actual &&
	! grep -q "endpoint:" actual &&
	go tool pprof -raw m.pprof 2>/dev/null | grep -Eqx " *cpu/nanoseconds(\[dflt\])?"
'

test_expect_success '-z 0 writes raw protobuf, -z 9 gzip; same data' '
	pprof-merge -z 0 -o raw.pprof svc1.pprof svc2.pprof &&
	test "$(head -c 2 raw.pprof | od -An -tx1 | tr -d " ")" != 1f8b &&
	pprof-merge -z 9 -o z9.pprof svc1.pprof svc2.pprof &&
	test "$(head -c 2 z9.pprof | od -An -tx1 | tr -d " ")" = 1f8b &&
	canon raw.pprof >a && canon z9.pprof >b && test_cmp a b
'

test_expect_success 'weights: a@2 is a merged with itself; @4 then @0.25 is a again' '
	pprof-merge -o w.pprof svc1.pprof@2 &&
	pprof-merge -o aa.pprof svc1.pprof svc1.pprof &&
	canon w.pprof -H >a && canon aa.pprof -H >b && test_cmp b a &&
	pprof-merge -o x4.pprof svc1.pprof@4 &&
	pprof-merge -o back.pprof x4.pprof@0.25 &&
	canon back.pprof -H >back && canon svc1.pprof -H >orig && test_cmp orig back &&
	! test_cmp orig a >/dev/null
'

# (sort.pprof may hold a main. frame of the test binary itself: compare the
# samples whole rather than look for names.)
test_expect_success 'a weight of 0 leaves no samples from that input' '
	pprof-merge -o z.pprof svc1.pprof@0 sort.pprof@1 &&
	canon z.pprof -H >a && canon sort.pprof -H >want &&
	test -s want && test_cmp want a
'

test_done
