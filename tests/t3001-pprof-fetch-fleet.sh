#!/bin/bash
# pprof-fetch against several real Go services (examples/service with
# net/http/pprof): all fetched at once, every result read by go tool pprof,
# wall time close to one profile window, not N of them.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"
addrs=
for i in 1 2 3 4; do
	start_service || skip_all "cannot start the example service"
	addrs="$addrs $SERVICE_ADDR"
done
set -- $addrs
a1=$1 a2=$2 a3=$3
S=2

pprof_reads() { go tool pprof -raw "$1" >/dev/null; }
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }

test_expect_success 'four services at once take about S seconds, not 4 x S' '
	t0=$(now) &&
	pprof-fetch -s $S $addrs >stream 2>err &&
	el=$(elapsed $t0) && echo "elapsed $el" &&
	[ "$(echo "$el < $S + 2.5" | bc)" = 1 ] &&
	grep -q "4 of 4 targets ok, 0 failed" err
'
test_expect_success 'the stdout stream is one gzip member per profile' '
	gzip -t stream &&
	if have pprof-merge; then
		pprof-merge <stream >merged && pprof_reads merged &&
		go tool pprof -top merged >top && grep -q "Duration: [0-9.]*s" top
	fi
'
test_expect_success '-d: one file per target, named host_port-UTC, go tool pprof reads each' '
	pprof-fetch -s 1 -d dir $addrs 2>err &&
	ls -A dir >list && test $(wc -l <list) = 4 &&
	test_must_fail grep : list &&
	(for a in $addrs; do
		f=$(grep "^127.0.0.1_${a#*:}-[0-9]\{8\}T[0-9]\{6\}Z\.pb\.gz$" list) &&
		pprof_reads "dir/$f" &&
		go tool pprof -top "dir/$f" | grep -q "^Type: cpu" || exit 1
	done)
'
test_expect_success 'each profile has samples from the service (go tool pprof -top)' '
	f=$(ls dir | head -1) &&
	go tool pprof -top -nodecount=1000 "dir/$f" >top &&
	grep -q "main\." top
'
test_expect_success '-f file with comments and blank lines, -f - from stdin' '
	printf "# fleet\n\n%s   # first\n  %s\n" "$a1" "http://$a2" >targets &&
	printf "%s\n" "$a3" | pprof-fetch -s 1 -d fdir -f targets -f - 2>err &&
	test $(ls fdir | wc -l) = 3 && grep -q "3 of 3 targets ok" err
'
test_expect_success '-o writes a single profile' '
	pprof-fetch -s 1 -o one.pb.gz "$a1" 2>err && pprof_reads one.pb.gz
'
test_expect_success 'a URL with a path is used as is' '
	pprof-fetch -o heap.pb.gz "http://$a1/debug/pprof/heap" 2>err &&
	go tool pprof -raw heap.pb.gz | grep -q "alloc_space\|inuse_space"
'
test_expect_success '-j 1 fetches one after the other' '
	t0=$(now) &&
	pprof-fetch -s 1 -j 1 "$a1" "$a2" "$a3" >stream1 2>err &&
	el=$(elapsed $t0) && echo "elapsed $el" &&
	[ "$(echo "$el >= 3" | bc)" = 1 ]
'
test_expect_success 'a dead target next to live ones: summary names it, --min-ok 75% passes' '
	dead=127.0.0.1:$(free_port) &&
	test_expect_code 1 pprof-fetch -s 1 -r 0 $addrs $dead >s2 2>err &&
	grep -q "^pprof-fetch: $dead: " err && grep -q "4 of 5 targets ok, 1 failed" err &&
	pprof-fetch -s 1 -r 0 --min-ok 75% $addrs $dead >s3 2>err && gzip -t s3
'
test_expect_success 'a profile already running (HTTP 500) is asked again within the window' '
	# the first holds the profiler 1 s; the second, asking 0.3 s later,
	# retries for its own 2 s window, well past the moment it is free
	pprof-fetch -v -s 1 -r 0 -o first.pb.gz "$a1" 2>err1 &
	p1=$! && sleep 0.3 &&
	{ pprof-fetch -v -s 2 -r 0 -o second.pb.gz "$a1" 2>err2; st2=$?; } &&
	{ wait $p1; st1=$?; } &&
	cat err1 err2 && test $st1 = 0 && test $st2 = 0 &&
	# the second is usually the one told busy; on a loaded machine the
	# first may reach the service after it and be the one that waits
	cat err1 err2 | grep -q "HTTP 500: cpu profiling already in use, retrying" &&
	pprof_reads first.pb.gz && pprof_reads second.pb.gz
'
test_done
