# tests/lib.sh: the shell test harness (the shape of git's t/test-lib.sh).
# A test script sources it, calls test_expect_success/test_skip, then test_done.
# Each script runs in its own throwaway directory under LC_ALL=C TZ=UTC.

set -u
export LC_ALL=C TZ=UTC
unset CDPATH
# The makes the tests run are theirs, not the one that runs the suite: its
# flags (-w from make -C, -j's jobserver, SAN=1) would change their output.
unset MAKEFLAGS MFLAGS MAKELEVEL

: "${PGOKIT_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${PGOKIT_BIN:=$PGOKIT_SRC/bin}"
: "${PGOKIT_BUILD:=$PGOKIT_SRC/build}"
: "${GOROOT_123:=/usr/lib/go-1.23}"
export PGOKIT_SRC PGOKIT_BIN PGOKIT_BUILD

# Go: 1.23 first on PATH, one shared build cache for every test (a new
# profile rebuilds the standard library), never a download.
PATH="$PGOKIT_BIN:$PGOKIT_BUILD/tests/helpers:$GOROOT_123/bin:$PATH"
export PATH
PGOKIT_CACHE=${PGOKIT_CACHE:-$PGOKIT_SRC/tests/.cache}
mkdir -p "$PGOKIT_CACHE"
export GOCACHE="$PGOKIT_CACHE/go-build" GOPATH="$PGOKIT_CACHE/gopath"
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=local GOPROXY=off GOTELEMETRY=off GOWORK=off
export GOMAXPROCS=${GOMAXPROCS:-2}

TEST_NAME=$(basename "$0" .sh)
TEST_DIR=${TMPDIR:-/tmp}/pgokit-$TEST_NAME.$$
rm -rf "$TEST_DIR"
mkdir -p "$TEST_DIR" || exit 1
cd "$TEST_DIR" || exit 1

test_count=0
test_pass=0
test_fail=0
test_skipped=0
test_cleanup_cmds=

# test_atexit CMD: run CMD when the script ends (stop servers, ...).
test_atexit() {
	test_cleanup_cmds="$1
$test_cleanup_cmds"
}

test_run_cleanup_() {
	if [ -n "$test_cleanup_cmds" ]; then
		eval "$test_cleanup_cmds" >/dev/null 2>&1
		test_cleanup_cmds=
	fi
}
trap 'test_run_cleanup_' EXIT
trap 'test_run_cleanup_; exit 130' INT TERM

say() { printf '%s\n' "$*"; }

# test_expect_success TITLE BODY: BODY is eval'd in the script's own shell
# (so setup tests can set variables and register test_atexit cleanups);
# chain commands with && as in git's tests; its output goes to stderr.
# test_eval_ BODY: a function, so that `return` in a body ends the body.
test_eval_() {
	eval "$1"
}

test_expect_success() {
	test_count=$((test_count + 1))
	if [ -n "${TEST_ONLY:-}" ] && ! printf '%s' "$1" | grep -q -- "$TEST_ONLY"; then
		return 0
	fi
	printf '%s\n' "--- $1" >&2
	if test_eval_ "$2" >&2; then
		test_pass=$((test_pass + 1))
		say "ok $test_count - $1"
	else
		test_fail=$((test_fail + 1))
		say "not ok $test_count - $1"
		printf '%s\n' "$2" | sed 's/^/#	/'
	fi
}

# test_skip TITLE REASON: a test that cannot run here, and why.
test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	say "ok $test_count # skip $1 ($2)"
}

# skip_all REASON: the whole script cannot run here.
skip_all() {
	say "1..0 # SKIP $*"
	test_run_cleanup_
	cd / && rm -rf "$TEST_DIR"
	exit 0
}

test_done() {
	test_run_cleanup_
	say "# $TEST_NAME: $test_pass passed, $test_fail failed, $test_skipped skipped"
	cd / && rm -rf "$TEST_DIR"
	[ "$test_fail" -eq 0 ]
	exit
}

# test_cmp EXPECTED ACTUAL
test_cmp() { diff -u "$1" "$2"; }

# test_must_fail CMD...: CMD exits non-zero but was not killed by a signal
# (a crash is never an expected failure).
test_must_fail() {
	"$@"
	st=$?
	if [ $st -eq 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif [ $st -gt 125 ]; then
		echo "test_must_fail: command died (status $st): $*" >&2
		return 1
	fi
	return 0
}

# test_expect_code N CMD...
test_expect_code() {
	want=$1; shift
	"$@"
	st=$?
	if [ $st -ne "$want" ]; then
		echo "test_expect_code: want $want, got $st: $*" >&2
		return 1
	fi
	return 0
}

# have CMD: is CMD on PATH.
have() { command -v "$1" >/dev/null 2>&1; }

# have_go: Go 1.21+ (PGO) is available.
have_go() {
	have go || return 1
	v=$(go env GOVERSION 2>/dev/null) || return 1
	case $v in go1.2[1-9]*|go1.[3-9]*) return 0;; esac
	return 1
}

# peak_kb CMD...: CMD's peak resident set in kB (/usr/bin/time); CMD's
# output goes to the files out and err.
peak_kb() {
	/usr/bin/time -f "%M" -o peak "$@" >out 2>err && cat peak
}

# free_port: a TCP port on 127.0.0.1 nothing listens on right now.
free_port() {
	while :; do
		p=$(( (RANDOM * 32768 + RANDOM) % 30000 + 20000 ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
}

# start_test_server NAME DIR ARGS...: build the Go test server in DIR
# (tests/servers/...), start it with -addr-file NAME.addr and ARGS, its
# output in NAME.err, stopped at exit; call it at top level (not in $(),
# which would lose the stop). Sets SERVER_URL to http://host:port; fails
# when it did not start.
start_test_server() {
	name=$1 dir=$2; shift 2
	bin=$(go_build_cached "$(basename "$dir")" "$dir") || return 1
	"$bin" -addr-file "$name.addr" "$@" >"$name.err" 2>&1 </dev/null &
	test_atexit "kill $!"
	n=0; while [ ! -s "$name.addr" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	[ -s "$name.addr" ] && SERVER_URL=http://$(cat "$name.addr")
}

# wait_http URL [SECONDS]: until URL answers at all (any status).
wait_http() {
	n=0
	limit=$(( ${2:-20} * 10 ))
	while [ $n -lt "$limit" ]; do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
		n=$((n + 1))
	done
	echo "wait_http: $1 did not answer" >&2
	return 1
}

# go_build_cached NAME DIR: build the Go main package in DIR once per source
# change (its packages below DIR included) into $PGOKIT_CACHE/bin/NAME and
# print the path.
go_build_cached() {
	name=$1 dir=$2
	sum=$(find "$dir" -name '*.go' -o -name go.mod | LC_ALL=C sort | xargs cat | cksum | cut -d' ' -f1)
	out=$PGOKIT_CACHE/bin/$name-$sum
	if [ ! -x "$out" ]; then
		mkdir -p "$PGOKIT_CACHE/bin"
		(cd "$dir" && go build -pgo=off -o "$out.tmp.$$" .) >&2 &&
			mv -f "$out.tmp.$$" "$out" || return 1
	fi
	echo "$out"
}

# start_service [ARGS...]: start the example Go service (examples/service)
# on a free loopback port with its own load generator; sets SERVICE_PID and
# SERVICE_ADDR, and stops it at exit. The port was free when chosen, but an
# outgoing connection may take it before the service binds it: a service
# that exits is started again on another port (three tries); each failed
# try's log goes to stderr.
start_service() {
	svc=$(go_build_cached service "$PGOKIT_SRC/examples/service") || return 1
	for attempt in 1 2 3; do
		port=$(free_port)
		"$svc" -addr "127.0.0.1:$port" -load 2 "$@" >service-$port.log 2>&1 &
		SERVICE_PID=$!
		SERVICE_ADDR=127.0.0.1:$port
		n=0
		while [ $n -lt 300 ] && kill -0 $SERVICE_PID 2>/dev/null; do
			if curl -s -o /dev/null "http://$SERVICE_ADDR/healthz"; then
				test_atexit "kill $SERVICE_PID"
				return 0
			fi
			sleep 0.1
			n=$((n + 1))
		done
		kill $SERVICE_PID 2>/dev/null
		wait $SERVICE_PID 2>/dev/null
		echo "start_service: try $attempt on port $port failed:" >&2
		sed 's/^/  /' service-$port.log >&2
	done
	return 1
}
