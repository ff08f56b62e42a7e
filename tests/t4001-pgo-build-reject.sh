#!/bin/bash
# pgo-build rejects a profile Go cannot use before go build runs, with every
# reason; with --fallback it builds without PGO, warns loudly and exits 0.
# Usage errors, an old Go and the child's exit status.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/lib-pgobuild.sh"

have_go || skip_all "Go 1.21+ not found"
have pfmangle || skip_all "tests/helpers not built (make check builds them)"
start_service || skip_all "examples/service did not start"

test_expect_success 'setup: profiles from the running service, and broken ones' '
	service_profile cpu.pprof &&
	curl -sf -o heap.pprof "http://$SERVICE_ADDR/debug/pprof/heap" &&
	pfmangle nostartline cpu.pprof nostart.pprof &&
	: >empty.pprof &&
	head -c 4096 /dev/urandom >random.pprof &&
	go_spy
'

# reject NAME FILE PATTERN [STATUS]: exit STATUS (1), the reason on stderr,
# go never ran.
reject() {
	: >go.log &&
	test_expect_code ${4:-1} env GO=$PWD/go-spy pgo-build -p "$2" -- -C "$SERVICE_SRC" -o "$PWD/svc-$1" . 2>err-$1 &&
	cat err-$1 &&
	grep -E "$3" err-$1 &&
	grep "nothing built" err-$1 &&
	test_must_fail test -s go.log &&
	test_must_fail test -e "svc-$1" &&
	test_must_fail test -e "svc-$1.pgo"
}

test_expect_success 'a heap profile is rejected before go runs' '
	reject heap heap.pprof "heap.pprof: .*(non-CPU|heap|sample type)"
'
test_expect_success 'a profile without start_line is rejected, every reason named' '
	reject nostart nostart.pprof "nostart.pprof: .*start_line"
'
test_expect_success 'an empty file is rejected' '
	reject empty empty.pprof "empty.pprof: empty"
'
test_expect_success 'random bytes are rejected' '
	reject random random.pprof "random.pprof: not a pprof profile"
'
test_expect_success 'a missing file is rejected: an unreadable input, exit 2' '
	reject missing no-such.pprof "no-such.pprof: .*No such file" 2
'
test_expect_success 'the heap profile: every reason, not just the first' '
	test $(grep -c "heap.pprof: " err-heap) -ge 2
'

# fallback NAME FILE [fake]: builds with -pgo=off, warns, exits 0. One real
# build shows the binary has no profile; the others only go through the
# motions (go-spy logs the go build call and exits 0), to save link time.
fallback() {
	: >go.log &&
	FAKE_BUILD=${3:+0} GO=$PWD/go-spy pgo-build --fallback -p "$2" -- \
		-C "$SERVICE_SRC" -o "$PWD/fb-$1" . 2>fberr-$1 &&
	cat fberr-$1 &&
	grep "WARNING: .*building WITHOUT PGO (-pgo=off)" fberr-$1 &&
	grep -x "build -C $SERVICE_SRC -pgo=off -o $PWD/fb-$1 ." go.log &&
	if [ -z "${3:-}" ]; then
		go version -m "fb-$1" >info-$1 &&
		grep "build	GOOS=" info-$1 &&
		test_must_fail grep -- "-pgo=" info-$1
	fi
}

test_expect_success '--fallback: heap profile builds without PGO, exit 0' '
	fallback heap heap.pprof
'
for f in nostart empty random; do
	test_expect_success "--fallback: $f profile builds without PGO, exit 0" "fallback $f $f.pprof fake"
done
test_expect_success '--fallback: missing profile builds without PGO, exit 0' '
	fallback missing no-such.pprof fake
'

test_expect_success '--fallback: a failed PGO build is rebuilt with -pgo=off' '
	: >go.log &&
	FAKE_BUILD=pgofail GO=$PWD/go-spy pgo-build --fallback -p cpu.pprof -- -C "$SERVICE_SRC" -o "$PWD/fb-build" . 2>err &&
	cat err &&
	grep "fake: PGO build failed" err &&
	grep "WARNING: go build -pgo failed: building WITHOUT PGO" err &&
	grep -x "build -C $SERVICE_SRC -pgo=$PWD/fb-build.pgo -o $PWD/fb-build ." go.log &&
	grep -x "build -C $SERVICE_SRC -pgo=off -o $PWD/fb-build ." go.log &&
	go version -m fb-build >info &&
	grep "build	GOOS=" info &&
	test_must_fail grep -- "-pgo=" info
'

test_expect_success 'without --fallback a failed build passes on go build status' '
	test_expect_code 3 env FAKE_BUILD=3 GO=$PWD/go-spy pgo-build -p cpu.pprof -- -o x .
'

test_expect_success 'a go killed by a signal gives 128+N' '
	cat >go-kill <<-\EOF &&
	#!/bin/sh
	case $1 in version) echo "go version go1.23.5 linux/amd64"; exit 0;; esac
	kill -TERM $$
	EOF
	chmod +x go-kill &&
	test_expect_code 143 env GO=$PWD/go-kill pgo-build -p cpu.pprof -- -o x .
'

test_expect_success 'a Go older than 1.21 is reported; --fallback builds without -pgo' '
	cat >go-old <<-EOF &&
	#!/bin/sh
	echo "\$*" >>"$PWD/old.log"
	case \$1 in version) echo "go version go1.19.8 linux/amd64"; exit 0;; esac
	case " \$* " in *" -pgo="*) echo "flag provided but not defined: -pgo" >&2; exit 2;; esac
	exit 0
	EOF
	chmod +x go-old &&
	test_expect_code 1 env GO=$PWD/go-old pgo-build -p cpu.pprof -- -o x . 2>err &&
	cat err &&
	grep "go1.19.8 is too old: PGO needs Go 1.21 or newer" err &&
	: >old.log &&
	GO=$PWD/go-old pgo-build --fallback -p cpu.pprof -- -o x . 2>err &&
	grep "WARNING: Go too old: building WITHOUT PGO (no -pgo flag)" err &&
	grep -x "build -o x ." old.log &&
	: >old.log &&
	GO=$PWD/go-old pgo-build --fallback -p empty.pprof -- -o x . 2>err &&
	grep "WARNING: the profile is not usable: building WITHOUT PGO (no -pgo flag)" err &&
	test "$(grep ^build old.log)" = "build -o x ."
'

test_expect_success 'go not found is an error, exit 1' '
	test_expect_code 1 env GO=/nonexistent/go pgo-build -p cpu.pprof -- -o x . 2>err &&
	grep "/nonexistent/go" err
'

test_expect_success 'usage: --help, --version, bad options, -pgo among go flags' '
	pgo-build --help >out &&
	grep "^usage: pgo-build" out &&
	pgo-build --version >out &&
	grep "^pgo-build pgokit " out &&
	test_expect_code 2 pgo-build --bogus 2>err &&
	grep "^usage: pgo-build" err &&
	test_expect_code 2 pgo-build --keep 0 -- . 2>err &&
	test_expect_code 2 pgo-build --keep 101 -- . 2>err &&
	test_expect_code 2 pgo-build --raw --keep 50 -- . 2>err &&
	: >go.log &&
	test_expect_code 2 env GO=$PWD/go-spy pgo-build -p cpu.pprof -- -pgo=x.pprof -o x . 2>err &&
	grep -- "-pgo is set by pgo-build" err &&
	test_must_fail test -s go.log
'

test_expect_success 'the man page synopsis is the usage' '
	mandoc -T utf8 "$PGOKIT_SRC/tools/pgo-build/pgo-build.1" | col -b |
		sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" | sed "1d;\$d" | tr -s " \t\n" "   " |
		sed "s/^ *//; s/ *$//" >man &&
	pgo-build --help | sed "s/^usage: //" | tr -s " \t\n" "   " | sed "s/^ *//; s/ *$//" >use &&
	test_cmp man use
'

test_done
