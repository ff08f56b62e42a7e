#!/bin/bash
# pprof-fetch against hostile targets and inputs (issue 15): error bodies
# and answers that never end cost a bounded amount of memory and disk and
# fail that target alone (F8, F10); remote messages are quoted escaped
# (F11); a wrong -d or --netrc-file is refused before any request (F23);
# a targets file of NUL bytes or of 17 MB is refused at once (F25).
. "$(dirname "$0")/lib.sh"

# limit_vm KB CMD...: CMD with at most KB of address space; not under ASan,
# which maps terabytes of shadow memory up front.
limit_vm() {
	kb=$1; shift
	if [ "${PGOKIT_SAN:-}" = 1 ]; then "$@"; else (ulimit -v "$kb" && "$@"); fi
}

test_expect_success '-f /dev/zero: refused at the first NUL byte, in little memory' '
	limit_vm 200000 test_expect_code 2 pprof-fetch -f /dev/zero 2>err &&
	cat err && grep -q "^pprof-fetch: /dev/zero:1: a NUL byte: not a text file$" err
'
test_expect_success 'a targets file past 16 MiB is refused; a NUL names its line' '
	yes "# comment" | head -c 17M >big.err.in &&
	test_expect_code 2 pprof-fetch -f - <big.err.in 2>err && cat err &&
	grep -q "^pprof-fetch: <stdin>: larger than 16 MiB$" err &&
	printf "127.0.0.1:1\n# two\nx\0y\n" >nul &&
	test_expect_code 2 pprof-fetch -f nul 2>err && cat err &&
	grep -q "^pprof-fetch: nul:3: a NUL byte: not a text file$" err
'
test_expect_success '--netrc-file that does not exist: exit 2 before any request' '
	test_expect_code 2 pprof-fetch --netrc-file "$PWD/missing" 127.0.0.1:1 2>err && cat err &&
	grep -q "^pprof-fetch: --netrc-file $PWD/missing: No such file or directory$" err &&
	mkdir nd && test_expect_code 2 pprof-fetch --netrc-file nd 127.0.0.1:1 2>err &&
	grep -q "^pprof-fetch: --netrc-file nd: a directory$" err
'

have_go || { test_done; }
fs=$(go_build_cached faultserver "$PGOKIT_SRC/tests/servers/faultserver") ||
	skip_all "cannot build the fault server"
"$fs" -addr-file addr >fs.log 2>&1 &
test_atexit "kill $!"
n=0; while [ ! -s addr ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
U=http://$(cat addr)
sent() { curl -s "$U/sent?key=$1"; }
hits() { curl -s "$U/hits?key=$1" | cut -d" " -f1; }

test_expect_success '-d naming a file: exit 2 before any request' '
	echo data >notadir &&
	test_expect_code 2 pprof-fetch -d notadir "$U/flaky?key=d1&n=0" 2>err && cat err &&
	grep -q "^pprof-fetch: notadir: not a directory$" err &&
	test "$(hits d1)" = 0 && test "$(cat notadir)" = data
'
test_expect_success 'an endless 500 body: 64 KiB kept, the transfer ended, retried as a 500' '
	test_expect_code 1 pprof-fetch -r 1 "$U/endless?key=e1&status=500&ctype=text/plain" >out 2>err &&
	cat err && grep -q "HTTP 500: x*\.\.\. (after 2 attempts)" err &&
	n=$(sent e1) && echo "sent $n bytes" && [ "$n" -lt $((64 << 20)) ]
'
test_expect_success 'an endless JSON error body from a target is cut as well' '
	test_expect_code 1 pprof-fetch -r 0 "$U/endless?key=e2&status=404&ctype=application/json" >out 2>err &&
	grep -q "HTTP 404: x*\.\.\." err &&
	n=$(sent e2) && echo "sent $n bytes" && [ "$n" -lt $((64 << 20)) ]
'
test_expect_success 'answers in temp files stay within --max-disk; that target fails, the rest go on' '
	PPROF_FETCH_MEMORY=0 test_expect_code 1 pprof-fetch -r 0 --max-disk 1M -d dir \
		"$U/ok" "$U/raw" "$U/endless?key=e3" 2>err && cat err &&
	grep -q "endless?key=e3: answer not kept: the temporary files of answers in flight would pass 1024 KiB (--max-disk)$" err &&
	grep -q "2 of 3 targets ok, 1 failed" err && test $(ls dir | wc -l) = 2 &&
	n=$(sent e3) && echo "sent $n bytes" && [ "$n" -lt $((64 << 20)) ]
'
test_expect_success "--max-size still bounds an answer in a temp file; --max-disk wants a size" '
	PPROF_FETCH_MEMORY=0 test_expect_code 1 pprof-fetch -r 0 --max-size 4M "$U/endless?key=e4" 2>err &&
	grep -q "answer larger than 4194304 bytes" err &&
	test_expect_code 2 pprof-fetch --max-disk lots "$U/ok" 2>err && grep -q "^pprof-fetch: --max-disk lots: " err
'
# F11: what a target says is quoted, never obeyed.
test_expect_success 'a JSON error message cannot forge a line or drive the terminal' '
	test_expect_code 1 pprof-fetch -r 0 "$U/jsonesc" >out 2>err && cat -v err &&
	test_must_fail grep -q "$(printf "\033")" err &&
	test_must_fail grep -q "^pprof-fetch: 10.0.0.9" err &&
	grep -qF "$U/jsonesc: HTTP 400: invalid_argument: bad query\npprof-fetch: 10.0.0.9:6060: ok\x1b[2J\x1b[31mred" err
'
test_expect_success 'a text error body with an OSC escape and a bell is quoted escaped' '
	test_expect_code 1 pprof-fetch -r 0 "$U/textesc" >out 2>err && cat -v err &&
	test_must_fail grep -q "$(printf "\033")" err &&
	grep -qF "$U/textesc: HTTP 503: \x1b]0;owned\x07down for maintenance" err
'
test_done
