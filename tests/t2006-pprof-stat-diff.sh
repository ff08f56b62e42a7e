#!/bin/bash
# pprof-stat --diff BASE FILE against the oracle, `go tool pprof -top
# -diff_base=BASE FILE`, byte for byte but the Time: line: real CPU profiles
# of the example service at two loads, both ways round, a profile against
# itself, -n and -t, heap profiles, go test profiles of unrelated packages;
# then --json's rows, total and drift, and the errors.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"

# diff_cmp BASE FILE [pprof-stat/pprof option pairs]: our diff report
# equals pprof's.
diff_cmp() {
	base=$1 file=$2 ours=() theirs=()
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		-n) ours+=(-n "$2") theirs+=("-nodecount=$2"); shift 2;;
		-t) ours+=(-t "$2") theirs+=("-sample_index=$2"); shift 2;;
		*) return 1;;
		esac
	done
	pprof-stat "${ours[@]}" --diff "$base" "$file" >ours.raw || return 1
	if ! go tool pprof -symbolize=none -top "${theirs[@]}" -diff_base="$base" "$file" \
		>theirs.raw 2>pprof.err; then
		echo "go tool pprof failed:"; cat pprof.err; return 1
	fi
	grep -v "^Time: " ours.raw >ours &&
	grep -v "^Time: " theirs.raw >theirs &&
	test_cmp theirs ours &&
	if [ "$(wc -l <ours)" -le 5 ]; then
		echo "too few rows to compare:"; cat ours; return 1
	fi
}

# Two services, one lightly and one heavily loaded, profiled at once.
start_service -load 1 || skip_all "cannot start the example service"
light=$SERVICE_ADDR
start_service -load 4 || skip_all "cannot start a second example service"
curl -sf -o light.pprof "http://$light/debug/pprof/profile?seconds=2" & c1=$!
curl -sf -o heavy.pprof "http://$SERVICE_ADDR/debug/pprof/profile?seconds=2" &&
wait $c1 &&
curl -sf -o heap1.pprof "http://$light/debug/pprof/heap" &&
curl -sf -o heap2.pprof "http://$SERVICE_ADDR/debug/pprof/heap" ||
	skip_all "cannot fetch profiles from the example service"

test_expect_success 'two loads: same report as go tool pprof -top -diff_base' '
	diff_cmp light.pprof heavy.pprof &&
	grep -q "^Showing nodes accounting for " ours &&
	grep -q "^ *-[0-9.]*[mun]*s " ours
'
test_expect_success 'the other way round, and a profile against itself' '
	diff_cmp heavy.pprof light.pprof &&
	pprof-stat --diff light.pprof light.pprof | grep -v "^Time: " >self &&
	go tool pprof -symbolize=none -top -diff_base=light.pprof light.pprof 2>/dev/null |
		grep -v "^Time: " >self.pprof &&
	test_cmp self.pprof self &&
	grep -q "^Showing nodes accounting for 0, 0% of" self
'
test_expect_success '-n and -t as pprof -nodecount and -sample_index' '
	diff_cmp light.pprof heavy.pprof -n 5 &&
	grep -q "^Showing top 5 nodes out of" ours &&
	diff_cmp light.pprof heavy.pprof -t samples &&
	diff_cmp light.pprof heavy.pprof -t 0
'
# Two CPU profiles of the example service where runtime.bgsweep sums to
# zero in the diff: pprof keeps its edges, so runtime.lock below it is still
# "(inline)" (a live pair showed this once in a while).
test_expect_success 'a caller whose diff sums to zero still labels inline edges' '
	fx=$PGOKIT_SRC/tests/fixtures &&
	diff_cmp "$fx/diff-zero-sum-base.pprof" "$fx/diff-zero-sum.pprof" -t samples &&
	grep -q "runtime.lock (inline)$" ours &&
	diff_cmp "$fx/diff-zero-sum-base.pprof" "$fx/diff-zero-sum.pprof"
'

test_expect_success 'heap profiles, two sample types' '
	diff_cmp heap1.pprof heap2.pprof &&
	diff_cmp heap1.pprof heap2.pprof -t alloc_space
'
test_expect_success 'go test profiles of unrelated packages (no function in common)' '
	go test -run "^$" -bench "Atoi|FormatFloat" -benchtime 100ms \
		-cpuprofile strconv.pprof strconv >gotest.log 2>&1 &&
	go test -run "^$" -bench "CodeEncoder" -benchtime 100ms \
		-cpuprofile json.pprof encoding/json >>gotest.log 2>&1 &&
	diff_cmp strconv.pprof json.pprof && diff_cmp json.pprof strconv.pprof
'
test_expect_success 'a merged stream as the base, as pprof merges its inputs first' '
	go tool pprof -proto light.pprof heavy.pprof >both.pprof 2>/dev/null &&
	cat light.pprof heavy.pprof >both.cat &&
	pprof-stat --diff both.cat light.pprof | grep -v "^Time: " >stream &&
	diff_cmp both.pprof light.pprof && test_cmp ours stream
'
test_expect_success '--json: the rows of the text report, percentages of the base' '
	pprof-stat --diff light.pprof heavy.pprof >text &&
	pprof-stat --diff light.pprof --json heavy.pprof >diff.json &&
	pprof-stat --json light.pprof >base.json &&
	pprof-stat --drift light.pprof heavy.pprof >drift &&
	python3 - <<-\PY
	import json
	d = json.load(open("diff.json"))
	rows = [l for l in open("text") if l.startswith(" ") and "flat%" not in l]
	assert len(rows) == len(d["top"]["rows"]) > 3, (len(rows), len(d["top"]["rows"]))
	for t, j in zip(rows, d["top"]["rows"]):
	    assert ("%  " + j["name"]) in t, (t, j)
	    pc = t.split()[1]
	    assert pc == "%.2f%%" % abs(j["flat_percent"]) or abs(j["flat_percent"]) < 1, (t, j)
	assert d["top"]["total"] == json.load(open("base.json"))["top"]["total"] > 0
	assert "%.1f" % d["pgo"]["drift_percent"] == open("drift").read().strip()
	assert d["sample_type"] == {"type": "cpu", "unit": "nanoseconds"}
	PY
'
test_expect_success 'errors: unreadable base, a base without the sample type, both on stdin' '
	test_expect_code 2 pprof-stat --diff nonexistent.pprof heavy.pprof 2>err &&
	grep -q "^pprof-stat: nonexistent.pprof: " err &&
	test_expect_code 2 pprof-stat --diff heap1.pprof heavy.pprof 2>err &&
	grep -q "base profile has no sample type cpu/nanoseconds" err &&
	test_expect_code 2 pprof-stat --diff - <heavy.pprof 2>err &&
	test_expect_code 2 pprof-stat --diff light.pprof --check heavy.pprof 2>err &&
	: >empty && test_expect_code 2 pprof-stat --diff empty heavy.pprof 2>err &&
	grep -q "empty: empty input" err
'
test_done
