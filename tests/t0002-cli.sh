#!/bin/bash
# One command-line convention for all five tools (ARCHITECTURE.md): -h and
# --help print the man page SYNOPSIS on stdout, -V and --version one line,
# -q and -v exist, a bad option or number is a usage error (exit 2), and so
# is an input that cannot be read; -o writes data atomically.
. "$(dirname "$0")/lib.sh"

TOOLS="img-push pgo-build pprof-fetch pprof-merge pprof-stat"

# synopsis TOOL: the man page SYNOPSIS as one line of single spaces.
synopsis() {
	MANWIDTH=200 mandoc -T ascii "$PGOKIT_SRC/tools/$1/$1.1" | col -bx |
		sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" | sed '1d;$d' |
		tr -s ' \n' '  ' | sed 's/^ //; s/ $//'
}
# oneline FILE: FILE's text as one line of single spaces, "usage: " dropped.
oneline() {
	sed 's/^usage: //' "$1" | tr -s ' \n' '  ' | sed 's/^ //; s/ $//'
}

for t in $TOOLS; do
	test_expect_success "$t: -h and --help print the man page SYNOPSIS, exit 0" '
		synopsis '$t' >want &&
		'$t' -h >out 2>err && test ! -s err && grep -q "^usage: '$t' " out &&
		oneline out >got && test_cmp want got &&
		'$t' --help >out2 && test_cmp out out2
	'
	test_expect_success "$t: -V and --version print one line, exit 0" '
		'$t' -V >v && test "$(wc -l <v)" = 1 && grep -q "^'$t' pgokit [0-9]" v &&
		'$t' --version >v2 && test_cmp v v2
	'
	test_expect_success "$t: -q and -v are options; a bad option is exit 2" '
		'$t' -q -h >/dev/null && '$t' -v -h >/dev/null &&
		test_expect_code 2 '$t' --no-such-option >out 2>err &&
		test ! -s out && grep -q "^usage: '$t' " err
	'
done

# bad_number TOOL ARGS...: a usage error, exit 2, with nothing on stdout.
bad_number() {
	test_expect_code 2 "$@" >out 2>err && test ! -s out &&
		grep -q "^$1: .*\(too large\|too small\|not a\)" err || {
		echo "accepted: $*"; cat err; return 1; }
}
test_expect_success 'numbers are parsed strictly: out of range, junk, overflow' '
	bad_number pprof-merge -z 4294967297 x.pprof &&
	bad_number pprof-merge -z 13 x.pprof &&
	bad_number pprof-merge -z " 1" x.pprof &&
	bad_number pprof-merge --max-size 5Q x.pprof &&
	bad_number pprof-merge --max-size 0 x.pprof &&
	bad_number pprof-stat -n -1 x.pprof &&
	bad_number pprof-stat -n 99999999999999999999 x.pprof &&
	bad_number pprof-fetch -j 0 127.0.0.1:1 &&
	bad_number pprof-fetch -T 1e999 127.0.0.1:1 &&
	bad_number pprof-fetch -T nan 127.0.0.1:1 &&
	bad_number pprof-fetch -T 0 127.0.0.1:1 &&
	bad_number pprof-fetch -r 1x 127.0.0.1:1 &&
	bad_number pprof-fetch --min-ok 1e999% 127.0.0.1:1 &&
	bad_number pgo-build --keep 1e999 &&
	bad_number pgo-build --min-coverage -1 &&
	bad_number img-push --chunk-size 0 oci:x &&
	bad_number img-push --chunk-size 1T oci:x
'

test_expect_success 'setup: a small profile' '
	mkdir fleet && genfleet -n 1 -s 200 -d 10 fleet >/dev/null &&
	cp fleet/fleet-000.pprof cpu.pprof
'
test_expect_success 'an input that cannot be read is exit 2 in every tool' '
	test_expect_code 2 pprof-stat missing.pprof 2>err &&
	grep -q "^pprof-stat: missing.pprof: " err &&
	test_expect_code 2 pprof-merge -o m.pprof missing.pprof 2>err &&
	grep -q "^pprof-merge: missing.pprof: " err && test ! -e m.pprof &&
	test_expect_code 2 pprof-merge --strict -o m.pprof cpu.pprof missing.pprof 2>err &&
	test ! -e m.pprof &&
	echo garbage >bad.pprof &&
	test_expect_code 2 pprof-stat bad.pprof 2>err &&
	test_expect_code 2 pprof-merge -o m.pprof bad.pprof 2>err &&
	test_expect_code 2 pprof-fetch -f missing.targets 2>err &&
	grep -q "^pprof-fetch: missing.targets" err &&
	test_expect_code 2 img-push -f missing.bin oci:layout 2>err &&
	grep -q "^img-push: missing.bin" err && test ! -e layout &&
	test_expect_code 2 pgo-build -p missing.pgo -o app ./nopkg 2>err &&
	grep -q "^pgo-build: missing.pgo: " err && test ! -e app &&
	test_expect_code 2 pgo-build -p cpu.pprof -o nodir/app ./nopkg 2>err &&
	grep -q "^pgo-build: -o nodir: No such file" err
'
test_expect_success 'pprof-merge: a bad input among good ones is skipped, exit 0' '
	pprof-merge -o m.pprof cpu.pprof missing.pprof 2>err && test -s m.pprof &&
	grep -q "skipped 1 bad input" err &&
	pprof-merge -q -o m2.pprof cpu.pprof missing.pprof 2>err &&
	test_must_fail grep -q "skipped" err &&
	pprof-merge -v -o m3.pprof cpu.pprof 2>err && grep -q "merged 1 profile from 1 input" err
'
test_expect_success 'pprof-stat -o writes the report atomically; stdout stays empty' '
	pprof-stat cpu.pprof >want &&
	pprof-stat -o got cpu.pprof >out && test ! -s out && test_cmp want got &&
	pprof-stat --json -o j.json cpu.pprof && jq -e ".profiles == 1" j.json >/dev/null &&
	cp got keep && test_expect_code 2 pprof-stat -o got bad.pprof 2>err &&
	test_cmp keep got
'
test_expect_success 'pprof-stat -q --check answers by exit status alone' '
	pprof-stat -q --check cpu.pprof >out && test ! -s out &&
	: >empty.pprof && test_expect_code 1 pprof-stat -q --check empty.pprof >out &&
	test ! -s out &&
	pprof-stat -v cpu.pprof >/dev/null 2>err && grep -q "cpu.pprof: 1 profile" err
'
test_expect_success 'img-push -o is --digest-file' '
	printf "hello\n" >hello.txt &&
	img-push -q -f hello.txt:/hello.txt -o digest oci:layout:v1 >out &&
	test_cmp out digest && grep -q "@sha256:" digest
'
test_done
