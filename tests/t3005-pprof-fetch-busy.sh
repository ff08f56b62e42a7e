#!/bin/bash
# pprof-fetch beside another profiler (issue 16, item 5): the real Go
# service (examples/service, net/http/pprof) allows one CPU profile at a
# time and answers a second request with its real 500 "cpu profiling
# already in use". pprof-fetch says so in those words, asks again with
# jitter (0.5-1 s; the spread is checked in tests/unit/net-retry.c)
# within the profile window (apart from -r), and counts a target
# still busy apart from failures.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"
start_service || skip_all "cannot start the example service"
A=$SERVICE_ADDR
start_service || skip_all "cannot start the example service"
B=$SERVICE_ADDR

# other_profiler ADDR SECONDS: another agent's CPU profile of ADDR, in the
# background ($other), once a probe finds the profiler taken (the probe's
# answer in probe.body). On a loaded machine the probe may win the race and
# profile a second itself: then the agent is started again.
other_profiler() {
	for try in 1 2 3 4 5; do
		curl -s -o other.pb "http://$1/debug/pprof/profile?seconds=$2" &
		other=$!
		sleep 1
		code=$(curl -s -o probe.body -w "%{http_code}" "http://$1/debug/pprof/profile?seconds=1")
		[ "$code" = 500 ] && return 0
		wait $other
	done
	return 1
}

test_expect_success 'the real service answers a second profile with the Go text' '
	other_profiler $A 2 && wait $other &&
	echo "Could not enable CPU profiling: cpu profiling already in use" >want &&
	test_cmp want probe.body
'
test_expect_success 'busy: said in those words, asked again with jitter, not counted in -r' '
	other_profiler $A 4 &&
	pprof-fetch -v -r 0 -s 4 -o got.pb.gz $A 2>err; st=$?; wait $other; cat err &&
	[ $st = 0 ] && go tool pprof -raw got.pb.gz >/dev/null &&
	grep -q "^pprof-fetch: $A: HTTP 500: cpu profiling already in use, retrying in" err &&
	grep -q "1 of 1 target ok, 0 failed" err &&
	sed -n "s/.*cpu profiling already in use, retrying in \([0-9.]*\) s$/\1/p" err >delays &&
	test $(wc -l <delays) -ge 2 &&
	awk "\$1 < 0.5 || \$1 > 1.0 {bad=1} END {exit bad}" delays
'
test_expect_success 'still busy after the window: named busy, counted apart, exit 1 alone' '
	other_profiler $A 5 &&
	test_expect_code 1 pprof-fetch -s 2 $A >out 2>err; st=$?; cat err &&
	[ $st = 0 ] &&
	grep -q "^pprof-fetch: $A: busy: cpu profiling already in use (another profiler holds it), [0-9]* attempts in [0-9.]* s$" err &&
	grep -q "^pprof-fetch: 0 of 1 target ok, 0 failed, 1 busy (cpu profiling already in use)$" err &&
	test ! -s out
'
test_expect_success 'a busy target beside a good one: the fleet succeeds, the busy one counted apart' '
	wait $other; other_profiler $A 5 &&
	pprof-fetch -s 2 $A $B >out 2>err; st=$?; wait $other; cat err &&
	[ $st = 0 ] && gzip -t out &&
	grep -q "^pprof-fetch: 1 of 2 targets ok, 0 failed, 1 busy (cpu profiling already in use)$" err
'
test_done
