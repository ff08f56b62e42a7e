#!/bin/bash
# pprof-fetch's command line: usage and exit codes, the terminal guard,
# credentials from the environment and netrc (sent, never printed), TLS
# verification and --insecure, and Ctrl-C leaving no partial files.
. "$(dirname "$0")/lib.sh"

test_expect_success '--help prints the synopsis on stdout, exit 0' '
	pprof-fetch --help >out && grep -q "^usage: pprof-fetch " out &&
	grep -q -- "--pyroscope url --query selector" out
'
test_expect_success 'the man page synopsis is the usage' '
	mandoc -T utf8 "$PGOKIT_SRC/tools/pprof-fetch/pprof-fetch.1" | col -b |
		sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" | sed "1d;\$d" | tr -s " \t\n" "   " |
		sed "s/^ *//; s/ *$//" >man &&
	pprof-fetch --help | sed "s/usage: //; s/^ *pprof-fetch/pprof-fetch/" | tr -s " \t\n" "   " |
		sed "s/^ *//; s/ *$//" >use &&
	test_cmp man use &&
	mandoc -T lint -W warning "$PGOKIT_SRC/tools/pprof-fetch/pprof-fetch.1"
'
test_expect_success '--version prints one line' '
	pprof-fetch --version >out && test $(wc -l <out) = 1 && grep -q "^pprof-fetch pgokit " out
'
test_expect_success 'usage errors exit 2' '
	test_expect_code 2 pprof-fetch 2>err && grep -q "^usage: " err &&
	test_expect_code 2 pprof-fetch --bogus 127.0.0.1:1 2>err &&
	test_expect_code 2 pprof-fetch nohostport 2>err && grep -q "nohostport: want host:port or a URL" err &&
	test_expect_code 2 pprof-fetch 127.0.0.1:99999 2>err && grep -q "bad port" err &&
	test_expect_code 2 pprof-fetch ftp://x:1/ 2>err &&
	test_expect_code 2 pprof-fetch -o f a:1 b:2 2>err && grep -q "^pprof-fetch: -o takes one target" err &&
	test_expect_code 2 pprof-fetch -d d -o f a:1 2>err &&
	test_expect_code 2 pprof-fetch -j 0 a:1 2>err &&
	test_expect_code 2 pprof-fetch --min-ok x a:1 2>err &&
	test_expect_code 2 pprof-fetch --min-ok 101% a:1 2>err &&
	test_expect_code 2 pprof-fetch --query "{}" a:1 2>err &&
	test_expect_code 2 pprof-fetch --pyroscope http://x:1 2>err && grep -q "needs --query" err
'
test_expect_success 'a bad line in a targets file names file and line' '
	printf "127.0.0.1:1\nnot a target\n" >targets &&
	test_expect_code 2 pprof-fetch -f targets 2>err &&
	grep -q "targets:2: one target per line" err &&
	printf "# nothing\n" >empty &&
	test_expect_code 2 pprof-fetch -f empty 2>err && grep -q "no targets" err
'
test_expect_success 'binary output to a terminal is refused before any fetch' '
	script -qec "pprof-fetch 127.0.0.1:1" /dev/null >tty.out 2>&1
	st=$?
	cat tty.out && [ $st = 1 ] && grep -q "refusing to write binary profiles to a terminal" tty.out
'

have_go || { test_done; }
fs=$(go_build_cached faultserver "$PGOKIT_SRC/tests/servers/faultserver") || { test_done; }
export FS_TOKEN=tok-0123456789 FS_USER=alice FS_PASSWORD=pw-9876543210
"$fs" -addr-file addr >fs.log 2>&1 &
test_atexit "kill $!"
"$fs" -tls -addr-file taddr >fst.log 2>&1 &
test_atexit "kill $!"
n=0; while { [ ! -s addr ] || [ ! -s taddr ]; } && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
U=http://$(cat addr)
T=https://$(cat taddr)

no_secret() { ! grep -E "tok-0123456789|pw-9876543210" "$@"; }

test_expect_success 'bearer token from PPROF_FETCH_TOKEN is sent' '
	test_expect_code 1 pprof-fetch -r 0 "$U/bearer" >out 2>err && grep -q "HTTP 401" err &&
	PPROF_FETCH_TOKEN=$FS_TOKEN pprof-fetch -v "$U/bearer" >out 2>err &&
	gzip -t out && no_secret err
'
test_expect_success 'basic credentials from PPROF_FETCH_USER/PASSWORD are sent' '
	PPROF_FETCH_USER=$FS_USER PPROF_FETCH_PASSWORD=$FS_PASSWORD pprof-fetch -v "$U/basic" >out 2>err &&
	gzip -t out && no_secret err
'
test_expect_success 'a wrong password fails with 401 and is not printed' '
	PPROF_FETCH_USER=$FS_USER PPROF_FETCH_PASSWORD=pw-9876543210-wrong \
		test_expect_code 1 pprof-fetch -v -r 0 "$U/basic" >out 2>err &&
	grep -q "HTTP 401" err && no_secret err
'
test_expect_success '--netrc-file supplies credentials' '
	printf "machine 127.0.0.1 login %s password %s\n" "$FS_USER" "$FS_PASSWORD" >netrc &&
	pprof-fetch --netrc-file netrc -v "$U/basic" >out 2>err && gzip -t out && no_secret err
'
test_expect_success 'credentials in a target URL are used but never printed' '
	u=$(echo "$U" | sed "s|http://|http://$FS_USER:$FS_PASSWORD@|") &&
	pprof-fetch -v "$u/basic" >out 2>err && gzip -t out && no_secret err &&
	test_expect_code 1 pprof-fetch -v -r 0 -d d "$u/html404" 2>err && no_secret err &&
	grep -q "^pprof-fetch: $U/html404: HTTP 404" err
'
test_expect_success 'TLS certificates are verified' '
	test_expect_code 1 pprof-fetch -r 0 "$T/ok" >out 2>err &&
	grep -qi "certificate" err
'
test_expect_success '--insecure turns verification off, with a warning' '
	pprof-fetch --insecure "$T/ok" >out 2>err && gzip -t out &&
	grep -q "warning: --insecure" err
'
# Job control (set -m) so the background pprof-fetch does not start with
# SIGINT ignored, as a non-interactive shell would otherwise arrange.
interrupt() {
	# interrupt SECONDS CMD...: start CMD, Ctrl-C it after SECONDS, give its status.
	secs=$1; shift
	set -m
	"$@" 2>err &
	pid=$!
	sleep "$secs"
	kill -INT $pid
	wait $pid
	st=$?
	set +m
	cat err
	return $st
}
test_expect_success 'Ctrl-C keeps the old -o file and leaves no temp file' '
	echo previous >keep &&
	test_expect_code 130 interrupt 1 pprof-fetch -o keep "$U/slow?d=20s" &&
	test "$(cat keep)" = previous &&
	ls -A >all && test_must_fail grep "^\.keep" all
'
test_expect_success 'Ctrl-C with -d: finished profiles stay whole, nothing partial' '
	mkdir sig &&
	test_expect_code 130 interrupt 1.5 pprof-fetch -d sig "$U/ok" "$U/slow?d=20s" &&
	ls -A sig >list && test $(wc -l <list) = 1 &&
	test_must_fail grep "^\." list && gzip -t sig/*
'
test_done
