#!/bin/bash
# pprof-fetch against a server that fails the ways fleets do: each fault is a
# per-target error with its reason, retries cure what they should, and
# --min-ok decides the exit status.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"
fs=$(go_build_cached faultserver "$PGOKIT_SRC/tests/servers/faultserver") ||
	skip_all "cannot build the fault server"
"$fs" -addr-file addr >fs.log 2>&1 &
test_atexit "kill $!"
n=0; while [ ! -s addr ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
A=$(cat addr)
U=http://$A

pprof_reads() { go tool pprof -raw -symbolize=none "$1" >/dev/null; }

# fails_with PATH REASON: the one target fails, exit 1, REASON in stderr.
fails_with() {
	test_expect_code 1 pprof-fetch -T 3 -r 1 "$U/$1" >out 2>err
	st=$?
	cat err
	[ $st -eq 0 ] && grep -q "^pprof-fetch: $U/$1: .*$2" err &&
		grep -q '0 of 1 target ok, 1 failed' err && test ! -s out
}

test_expect_success 'a good answer passes and go tool pprof reads it' '
	pprof-fetch "$U/ok" >out 2>err && pprof_reads out &&
	grep -q "1 of 1 target ok, 0 failed" err
'
test_expect_success 'connection dropped mid-body' 'fails_with drop "connection closed after [0-9]* of [0-9]* bytes (after 2 attempts)"'
test_expect_success 'a reply slower than the timeout' '
	start=$(date +%s) &&
	fails_with "slow?d=8s" "timed out after 3.0 s" &&
	[ $(( $(date +%s) - start )) -lt 7 ]
'
test_expect_success 'an HTML 404 page' 'fails_with html404 "HTTP 404: an HTML page (404 Not Found)"'
test_expect_success 'a truncated gzip' 'fails_with truncgz "bad gzip (truncated or corrupt)"'
test_expect_success 'a 200 that is not a profile' 'fails_with text "not a profile (text/plain.*hello, this is not a profile)"'
test_expect_success 'an empty 200' 'fails_with empty "empty body"'
test_expect_success 'a profile without samples' 'fails_with nosamples "profile has no samples"'
test_expect_success 'an HTML page with status 200' 'fails_with login200 "an HTML page, not a profile (Sign in)"'
test_expect_success 'a redirect is not followed' 'fails_with redirect "HTTP 302: redirect to $U/login200?next=/debug/pprof/profile (not followed)"'
test_expect_success '--max-size bounds an answer' '
	test_expect_code 1 pprof-fetch --max-size 100 "$U/ok" >out 2>err &&
	grep -q "answer larger than 100 bytes" err
'
test_expect_success 'a plain 404' 'fails_with nothere "HTTP 404: 404 page not found"'

test_expect_success '500 then 200: retried, one profile' '
	pprof-fetch -r 2 "$U/flaky?key=a&n=1" >out 2>err && pprof_reads out &&
	curl -s "$U/hits?key=a" >hits && read -r count gap <hits && [ "$count" = 2 ]
'
test_expect_success 'retries run out: the 500 is the reason' '
	test_expect_code 1 pprof-fetch -r 1 "$U/flaky?key=b&n=5" >out 2>err &&
	grep -q "flaky?key=b&n=5: HTTP 500: internal error: try again (after 2 attempts)" err &&
	curl -s "$U/hits?key=b" >hits && read -r count gap <hits && [ "$count" = 2 ]
'
test_expect_success 'backoff grows between attempts' '
	test_expect_code 1 pprof-fetch -r 3 "$U/flaky?key=c&n=9" >out 2>err &&
	curl -s "$U/hits?key=c" >hits && read -r count g1 g2 g3 <hits && [ "$count" = 4 ] &&
	[ "$g1" -ge 200 ] && [ "$g3" -gt "$g1" ]
'
test_expect_success '429 with Retry-After is honoured' '
	pprof-fetch -r 2 "$U/busy?key=d&after=2" >out 2>err && pprof_reads out &&
	curl -s "$U/hits?key=d" >hits && read -r count gap <hits && [ "$count" = 2 ] &&
	[ "$gap" -ge 1900 ]
'
test_expect_success 'a raw profile answer is written as gzip' '
	pprof-fetch "$U/raw" >out 2>err &&
	[ "$(od -An -tx1 -N2 out | tr -d " ")" = 1f8b ] && pprof_reads out
'
test_expect_success 'connection refused is retried, then reported' '
	port=$(free_port) &&
	test_expect_code 1 pprof-fetch -r 1 127.0.0.1:$port >out 2>err &&
	grep -q "^pprof-fetch: 127.0.0.1:$port: .*connect.*(after 2 attempts)" err
'

mixed="$U/ok $U/html404 $U/truncgz $U/drop"
test_expect_success 'mixed fleet: default wants all, stdout keeps the good one' '
	test_expect_code 1 pprof-fetch -r 0 $mixed >out 2>err &&
	grep -q "1 of 4 targets ok, 3 failed" err && pprof_reads out &&
	test $(grep -c "^pprof-fetch: $U/" err) = 3
'
test_expect_success '--min-ok N decides' '
	pprof-fetch -r 0 --min-ok 1 $mixed >out 2>err &&
	test_expect_code 1 pprof-fetch -r 0 --min-ok 2 $mixed >out 2>err &&
	grep -q "(--min-ok not met)" err
'
test_expect_success '--min-ok P% decides' '
	pprof-fetch -r 0 --min-ok 25% $mixed >out 2>err &&
	test_expect_code 1 pprof-fetch -r 0 --min-ok 26% $mixed >out 2>err
'
test_expect_success '-d writes only the valid profiles, no temp files' '
	test_expect_code 1 pprof-fetch -r 0 -d dir $mixed 2>err &&
	ls -A dir >list && test $(wc -l <list) = 1 &&
	grep -q "^127.0.0.1_${A#*:}-[0-9]\{8\}T[0-9]\{6\}Z.pb.gz$" list &&
	pprof_reads dir/$(cat list)
'
test_expect_success 'two targets on one host and port get distinct files' '
	pprof-fetch -d dir2 "$U/ok" "$U/raw" 2>err &&
	ls dir2 >list && test $(wc -l <list) = 2 && grep -q -- "-2.pb.gz$" list
'
test_expect_success 'stdout stream of several: one gzip member each, pprof-merge reads it' '
	pprof-fetch "$U/ok" "$U/raw" "$U/flaky?key=e&n=0" >stream 2>err &&
	if have pprof-merge; then pprof-merge <stream >merged && pprof_reads merged; fi &&
	gzip -t stream
'
test_expect_success 'answers past the memory budget wait in temp files, same results' '
	PPROF_FETCH_MEMORY=0 pprof-fetch -d spill "$U/ok" "$U/raw" "$U/flaky?key=f&n=1" 2>err &&
	test $(ls spill | wc -l) = 3 &&
	(for f in spill/*; do pprof_reads "$f" || exit 1; done) &&
	mkdir ro && chmod 500 ro &&
	if [ "$(id -u)" != 0 ]; then
		TMPDIR=$PWD/ro PPROF_FETCH_MEMORY=0 test_expect_code 1 pprof-fetch "$U/ok" >out 2>err &&
		grep -q "cannot buffer the answer" err
	fi
'
test_expect_success 'a write error on stdout fails the run' '
	test_expect_code 1 pprof-fetch "$U/ok" >/dev/full 2>err && cat err &&
	grep -q "<stdout>" err
'
test_expect_success 'progress: one live line when stderr is a terminal' '
	script -qec "pprof-fetch -s 2 \"$U/slow?d=1500ms\" \"$U/ok\" >out" /dev/null >tty.out 2>&1 &&
	gzip -t out && cat -v tty.out &&
	grep -q "1/2 done, 1 active, .* s left" tty.out &&
	pprof-fetch -s 2 "$U/slow?d=500ms" >out 2>err && test_must_fail grep -q "done," err
'
test_done
