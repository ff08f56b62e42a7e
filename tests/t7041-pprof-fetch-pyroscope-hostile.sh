#!/bin/bash
# pprof-fetch --pyroscope with hostile windows and answers (issue 15): a
# window of millions of chunks is refused before any request and any plan
# (F9), dates that do not exist are refused (F25), a Connect error message
# is quoted escaped (F11), and a multi-chunk -o where every chunk fails
# frees its merger (F25, LeakSanitizer under make SAN=1).
. "$(dirname "$0")/lib.sh"

# limit_vm KB CMD...: CMD with at most KB of address space; not under ASan,
# which maps terabytes of shadow memory up front.
limit_vm() {
	kb=$1; shift
	if [ "${PGOKIT_SAN:-}" = 1 ]; then "$@"; else (ulimit -v "$kb" && "$@"); fi
}

have_go || skip_all "Go 1.21+ not available"
srv=$(go_build_cached pyroscope "$PGOKIT_SRC/tests/servers/pyroscope") ||
	skip_all "cannot build the Pyroscope test server"
"$srv" -addr-file p.addr -log $PWD/p.log >p.err 2>&1 &
test_atexit "kill $!"
n=0; while [ ! -s p.addr ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
P=http://$(cat p.addr)
Q='{service_name="checkout"}'

test_expect_success 'a window to 9999: refused in little memory, no request sent' '
	: >p.log &&
	limit_vm 300000 test_expect_code 2 pprof-fetch --pyroscope "$P" --query "$Q" \
		--to 9999-12-31T23:59:59Z -o x 2>err && cat err &&
	grep -q "^pprof-fetch: --from now-1h --to 9999-12-31T23:59:59Z: [0-9]* chunks of 24 hours; at most 366 (a year) in one run$" err &&
	test ! -s p.log && test ! -e x
'
test_expect_success 'a window of 367 days is refused, 366 is the limit' '
	test_expect_code 2 pprof-fetch --pyroscope "$P" --query "$Q" --from now-367d -o x 2>err &&
	grep -q "367 chunks of 24 hours; at most 366" err && test ! -s p.log
'
test_expect_success 'now-3153600000s (100 years) is before 1970: refused, no request' '
	test_expect_code 2 pprof-fetch --pyroscope "$P" --query "$Q" --from now-3153600000s -o x 2>err &&
	grep -q "^pprof-fetch: now-3153600000s: before 1970$" err && test ! -s p.log
'
test_expect_success 'February 31 and February 29 of 2025 do not exist' '
	test_expect_code 2 pprof-fetch --pyroscope "$P" --query "$Q" --from 2026-02-31T00:00:00Z -o x 2>err &&
	grep -q "^pprof-fetch: 2026-02-31T00:00:00Z: no such date$" err &&
	test_expect_code 2 pprof-fetch --pyroscope "$P" --query "$Q" --from 2025-02-29T00:00:00Z -o x 2>err &&
	grep -q "no such date" err &&
	test_expect_code 2 pprof-fetch --pyroscope "$P" --query "$Q" --from 2026-04-31T00:00:00Z -o x 2>err &&
	test ! -s p.log
'
test_expect_success 'February 29 of a leap year is a date' '
	pprof-fetch --pyroscope "$P" --query "$Q" --from 2024-02-29T00:00:00Z --to 2024-02-29T01:00:00Z --min-ok 0 -o leap 2>err && cat err && head -c 300 p.log && echo &&
	grep -q "\"start\":1709164800000" p.log
'
test_expect_success 'every chunk of a multi-chunk -o fails: exit 1, nothing leaked' '
	test_expect_code 1 pprof-fetch --pyroscope "$P" --query "$Q" --type cpu --from now-3d -o m 2>err &&
	cat err && grep -q "0 of 3 chunks ok, 3 failed" err &&
	test_must_fail grep -q "LeakSanitizer" err && test ! -e m
'
if [ "${PGOKIT_SAN:-}" = 1 ]; then
	test_expect_success 'make SAN=1: the leak check above ran under LeakSanitizer' '
		nm "$(command -v pprof-fetch)" | grep -q __asan
	'
else
	test_skip 'the merger leak is seen only under LeakSanitizer' 'needs make SAN=1'
fi
test_done
