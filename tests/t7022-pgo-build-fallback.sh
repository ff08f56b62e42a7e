#!/bin/bash
# pgo-build --fallback falls back on any failure to read or prepare the
# profile (issue 15, F3): over the size cap, an endless /dev/zero or
# stdin (`yes |`, `cat /dev/zero |`), and out
# of memory under `ulimit -v`, where the allocator fails mid-way; the
# warning says why, the status is 0 (3 with --strict). Go itself does not
# run under such a limit, so a stand-in `go` answers `go version` and
# logs `go build` without building.
. "$(dirname "$0")/lib.sh"

have genfleet || skip_all "tests/helpers not built (make check builds them)"
mkdir g && genfleet -n 1 -s 400 -d 12 g >/dev/null && mv g/fleet-000.pprof small.pprof &&
	genfleet -n 1 -s 8000 -d 100 g >/dev/null && mv g/fleet-000.pprof big.pprof ||
	skip_all "genfleet failed"

cat >go <<EOF
#!/bin/sh
echo "\$*" >>"$PWD/go.log"
case \$1 in version) echo "go version go1.23.5 linux/amd64";; esac
exit 0
EOF
chmod +x go
export GO=$PWD/go

# fell_back ERR: the run built once, with -pgo=off, and said so last.
fell_back() {
	cat "$1" &&
	test "$(grep -c "^build " go.log)" = 1 &&
	grep -x "build -pgo=off -o x ." go.log &&
	tail -n 1 "$1" | grep "^pgo-build: NO PGO: "
}

# The size cap and /dev/zero held before; kept beside the out-of-memory
# cases, which did not (pgo-build died with "out of memory", exit 1).
test_expect_success 'over the size cap: the profile is not usable, fall back' '
	: >go.log &&
	PGOKIT_MAX_SIZE=1000 pgo-build --fallback -p small.pprof -- -o x . 2>err &&
	grep "small.pprof: .*exceeds the limit" err &&
	grep "WARNING: the profile is not usable: building WITHOUT PGO" err &&
	fell_back err
'

test_expect_success 'an endless /dev/zero: capped, fall back; --strict gives 3' '
	: >go.log &&
	PGOKIT_MAX_SIZE=100000 test_expect_code 3 timeout 60 \
		pgo-build --fallback --strict -p /dev/zero -- -o x . 2>err &&
	grep "/dev/zero: " err &&
	fell_back err &&
	grep "exit status 3 (--strict)" err
'

# An endless stdin is the same as /dev/zero: `yes` is text that is not
# rejected at its first byte; zeros are.
test_expect_success 'an endless -p - (yes |): capped, fall back' '
	: >go.log &&
	yes | PGOKIT_MAX_SIZE=100000 timeout 60 pgo-build --fallback -p - -- -o x . 2>err &&
	grep "WARNING: the profile is not usable: building WITHOUT PGO" err &&
	fell_back err &&
	test_must_fail test -e x.pgo
'

test_expect_success 'an endless -p - (cat /dev/zero |): capped, fall back; --strict gives 3' '
	: >go.log &&
	cat /dev/zero | PGOKIT_MAX_SIZE=100000 test_expect_code 3 timeout 60 \
		pgo-build --fallback --strict -p - -- -o x . 2>err &&
	fell_back err &&
	grep "exit status 3 (--strict)" err
'

if [ "${PGOKIT_SAN:-}" = 1 ]; then
	test_skip 'out of memory while preparing: fall back' 'ulimit -v and the sanitizers do not mix'
	test_done
fi

test_expect_success 'setup: the big profile is prepared within 100 MB, not within 30 MB' '
	: >go.log &&
	(ulimit -v 100000 && pgo-build -q -p big.pprof -- -o x .) &&
	grep -x "build -pgo=$PWD/x.pgo -o x ." go.log &&
	rm x.pgo &&
	: >go.log &&
	(ulimit -v 30000 && test_expect_code 1 pgo-build -q -p big.pprof -- -o x .) 2>err &&
	cat err &&
	test_must_fail test -s go.log
'

test_expect_success 'out of memory while preparing: fall back, saying why' '
	: >go.log &&
	(ulimit -v 30000 && pgo-build --fallback -p big.pprof -- -o x .) 2>err &&
	grep "WARNING: .*building WITHOUT PGO (-pgo=off) because of --fallback" err &&
	fell_back err &&
	test_must_fail test -e x.pgo
'

test_expect_success 'out of memory with --strict: fall back, exit 3' '
	: >go.log &&
	(ulimit -v 30000 && test_expect_code 3 pgo-build --fallback --strict -p big.pprof -- -o x .) 2>err &&
	fell_back err
'

test_expect_success 'out of memory from stdin: fall back' '
	: >go.log &&
	(ulimit -v 30000 && pgo-build --fallback -p - -- -o x . <big.pprof) 2>err &&
	fell_back err
'

test_done
