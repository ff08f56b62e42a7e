#!/bin/bash
# pprof-stat's command line and its other outputs: bad input (the library's
# errors, exit 2, nothing on stdout), usage and version, write errors,
# --json (checked against go tool pprof -top and -raw), --folded (sums
# checked against go tool pprof -raw).
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"
start_service || skip_all "cannot start the example service"
curl -sf -o cpu.pprof "http://$SERVICE_ADDR/debug/pprof/profile?seconds=2" ||
	skip_all "cannot fetch a profile from the example service"

# raw_sum FILE INDEX: the sum of sample values of type INDEX per go tool pprof -raw.
raw_sum() {
	go tool pprof -raw "$1" 2>/dev/null |
		awk -v i="$2" '/^Samples:/ { s = 1; getline; next } /^[A-Z]/ { s = 0 }
			s && /:/ { sub(/:.*/, ""); split($0, v, " "); t += v[i + 1] } END { printf "%.0f\n", t }'
}

# bad_everywhere FILE...: every mode fails on each FILE with exit 2, a
# "pprof-stat: FILE: why" message and nothing on stdout.
bad_everywhere() {
	for f in "$@"; do
		for m in "" --check --folded --json --pgo --svg; do
			test_expect_code 2 pprof-stat $m "$f" >out 2>err &&
			test ! -s out && grep -q "^pprof-stat: $f: " err || return 1
		done
	done
}

test_expect_success 'bad input in every mode: the library error, exit 2, nothing on stdout' '
	printf "this is not a profile at all" >junk &&
	head -c 100 cpu.pprof >truncated.gz &&
	mkdir adir &&
	bad_everywhere junk truncated.gz nonexistent adir &&
	test_expect_code 2 pprof-stat <junk >out 2>err && test ! -s out &&
	grep -q "^pprof-stat: <stdin>: " err
'
test_expect_success 'a bad profile among several on stdin: exit 2, nothing on stdout' '
	gzip -c junk >junk.gz &&
	cat cpu.pprof junk.gz | test_expect_code 2 pprof-stat >out 2>err &&
	test ! -s out && grep -q "profile 2" err
'
test_expect_success 'an unknown sample type: exit 2' '
	test_expect_code 2 pprof-stat -t nosuchtype cpu.pprof >out 2>err && test ! -s out &&
	grep -q nosuchtype err &&
	test_expect_code 2 pprof-stat -t 7 cpu.pprof >out && test ! -s out
'
test_expect_success 'usage errors exit 2 (--help and the SYNOPSIS: t0002-cli)' '
	test_expect_code 2 pprof-stat --bogus cpu.pprof >out 2>err && test ! -s out &&
	grep -q "^usage: pprof-stat " err &&
	test_expect_code 2 pprof-stat --json --svg cpu.pprof >out 2>/dev/null && test ! -s out &&
	test_expect_code 2 pprof-stat -n x cpu.pprof 2>/dev/null &&
	test_expect_code 2 pprof-stat cpu.pprof cpu.pprof 2>/dev/null
'
test_expect_success '"-" is stdin; a file of concatenated profiles is merged like a stream' '
	pprof-stat cpu.pprof >a && pprof-stat - <cpu.pprof >b && test_cmp a b &&
	cat cpu.pprof cpu.pprof >two.pprof &&
	pprof-stat two.pprof >c && pprof-stat <two.pprof >d && test_cmp c d &&
	test_must_fail cmp -s a c &&
	go tool pprof -symbolize=none -top cpu.pprof cpu.pprof 2>/dev/null | grep -v "^Time: " >want &&
	grep -v "^Time: " c >got && test_cmp want got
'
test_expect_success '--version is one line' '
	pprof-stat --version >v && test "$(wc -l <v)" = 1 && grep -q "^pprof-stat pgokit " v
'
test_expect_success 'a write error fails the run (>/dev/full)' '
	test_expect_code 1 pprof-stat cpu.pprof >/dev/full 2>err && grep -q . err &&
	test_expect_code 1 pprof-stat --svg cpu.pprof >/dev/full 2>/dev/null
'
test_expect_success '--json: valid, rows and totals agree with go tool pprof' '
	pprof-stat --json cpu.pprof >j &&
	go tool pprof -symbolize=none -top cpu.pprof 2>/dev/null |
		sed -n "/flat%/,\$p" | sed 1d | awk "{ \$1 = \$2 = \$3 = \$4 = \$5 = \"\"; sub(/^ */, \"\"); sub(/ \((partial-)?inline\)$/, \"\"); print }" >want.names &&
	python3 -c "
import json, sys
d = json.load(open(\"j\"))
for r in d[\"top\"][\"rows\"]: print(r[\"name\"])
print(d[\"totals\"][\"samples/count\"], d[\"totals\"][\"cpu/nanoseconds\"], file=sys.stderr)
assert d[\"sample_type\"] == {\"type\": \"cpu\", \"unit\": \"nanoseconds\", \"index\": 1}
assert d[\"counts\"][\"samples\"] > 0 and d[\"pgo\"][\"usable\"] is True
assert 0 < d[\"pgo\"][\"hot_edges\"] <= d[\"pgo\"][\"edges\"]
" >got.names 2>totals &&
	test_cmp want.names got.names &&
	echo "$(raw_sum cpu.pprof 0) $(raw_sum cpu.pprof 1)" >want.totals &&
	test_cmp want.totals totals &&
	pprof-stat --json -n 3 cpu.pprof | python3 -c "import json, sys; assert len(json.load(sys.stdin)[\"top\"][\"rows\"]) == 3"
'
test_expect_success '--folded: one line per stack, values summing to the total' '
	pprof-stat --folded cpu.pprof >folded &&
	test -s folded && sort -c folded &&
	test_must_fail grep -v "^[^ ;][^;]*\(;[^;]\+\)* -\?[0-9]\+$" folded &&
	awk "{ t += \$NF } END { printf \"%.0f\\n\", t }" folded >got &&
	raw_sum cpu.pprof 1 >want && test_cmp want got &&
	pprof-stat --folded -t samples cpu.pprof | awk "{ t += \$NF } END { printf \"%.0f\\n\", t }" >got &&
	raw_sum cpu.pprof 0 >want && test_cmp want got
'
test_done
