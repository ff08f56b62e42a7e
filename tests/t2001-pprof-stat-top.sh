#!/bin/bash
# pprof-stat's default report against the oracle, `go tool pprof -top`, on
# real profiles: a Go service via net/http/pprof (CPU and heap, every sample
# type), `go test -cpuprofile` of standard packages, merged fleet profiles
# and a profile without mappings. Only the Time: line may differ.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"

# top_cmp FILE [-n N] [-t T]...: our report equals pprof's for FILE(s).
top_cmp() {
	ours=() theirs=()
	while [ $# -gt 0 ]; do
		case $1 in
		-n) ours+=(-n "$2") theirs+=("-nodecount=$2"); shift 2;;
		-t) ours+=(-t "$2") theirs+=("-sample_index=$2"); shift 2;;
		*) break;;
		esac
	done
	if [ $# -gt 1 ]; then
		cat "$@" | pprof-stat "${ours[@]}" >ours.raw || return 1
	else
		pprof-stat "${ours[@]}" "$1" >ours.raw || return 1
	fi
	go tool pprof -symbolize=none -top "${theirs[@]}" "$@" >theirs.raw 2>pprof.err || return 1
	grep -v "^Time: " ours.raw >ours &&
	grep -v "^Time: " theirs.raw >theirs &&
	test_cmp theirs ours &&
	test "$(wc -l <ours)" -gt 3
}

start_service || skip_all "cannot start the example service"
# two windows at once (the runtime allows one CPU profile per process, so a
# second service)
svc1=$SERVICE_ADDR
start_service || skip_all "cannot start a second example service"
curl -sf -o svc1.pprof "http://$svc1/debug/pprof/profile?seconds=3" & c1=$!
curl -sf -o svc2.pprof "http://$SERVICE_ADDR/debug/pprof/profile?seconds=2" &&
wait $c1 &&
curl -sf -o heap.pprof "http://$SERVICE_ADDR/debug/pprof/heap" ||
	skip_all "cannot fetch profiles from the example service"

test_expect_success 'service CPU profile: same report as go tool pprof -top' '
	top_cmp svc1.pprof && top_cmp svc2.pprof
'
test_expect_success 'the Time: line is there, in pprof'"'"'s layout' '
	pprof-stat svc1.pprof >out &&
	grep -q "^Time: [A-Z][a-z][a-z] [0-9]*, 20[0-9][0-9] at [0-9]*:[0-9][0-9][ap]m (UTC)$" out
'
test_expect_success '-n limits the rows as pprof -nodecount does' '
	top_cmp -n 5 svc1.pprof && top_cmp -n 1 svc2.pprof &&
	pprof-stat -n 5 svc1.pprof >out && grep -q "^Showing top 5 nodes out of" out
'
test_expect_success '-t picks the sample type as pprof -sample_index does' '
	top_cmp -t samples svc1.pprof && top_cmp -t 0 svc1.pprof && top_cmp -t cpu svc1.pprof
'
# top_cmp_types FILE TYPE...: top_cmp FILE with -t TYPE for each TYPE.
top_cmp_types() {
	f=$1; shift
	for t in "$@"; do
		top_cmp -t "$t" "$f" || return 1
	done
}

test_expect_success 'heap profile, every sample type' '
	top_cmp heap.pprof &&
	top_cmp_types heap.pprof alloc_objects alloc_space inuse_objects inuse_space
'
test_expect_success 'go test -cpuprofile of standard packages' '
	go test -run "^$" -bench "Atoi|ParseFloat|FormatFloat|Quote" -benchtime 100ms \
		-cpuprofile strconv.pprof strconv >gotest.log 2>&1 &&
	go test -run "^$" -bench "CodeEncoder|CodeDecoder|Unmarshal" -benchtime 100ms \
		-cpuprofile json.pprof encoding/json >>gotest.log 2>&1 &&
	top_cmp strconv.pprof && top_cmp json.pprof && top_cmp -n 10 json.pprof
'
test_expect_success 'merged fleet profile (go tool pprof -proto a b)' '
	go tool pprof -proto svc1.pprof svc2.pprof >merged.pprof 2>/dev/null &&
	top_cmp merged.pprof &&
	mkdir -p fleet && genfleet -n 3 -s 3000 -d 20 fleet >/dev/null &&
	go tool pprof -proto fleet/*.pprof >fleet.pprof 2>/dev/null &&
	top_cmp fleet.pprof && top_cmp -n 20 fleet.pprof
'
test_expect_success 'concatenated profiles on stdin are merged first, as pprof merges them' '
	top_cmp svc1.pprof svc2.pprof &&
	top_cmp fleet/fleet-000.pprof fleet/fleet-001.pprof fleet/fleet-002.pprof
'
test_expect_success 'an uncompressed profile, and the same on stdin' '
	gzip -dc svc1.pprof >raw.pb && top_cmp raw.pb &&
	pprof-stat <raw.pb | grep -v "^Time: " >stdin.out && test_cmp ours stdin.out
'
test_expect_success 'a profile without mappings' '
	pfmangle nomap svc1.pprof nomap.pprof &&
	pprof-stat nomap.pprof >out && test_must_fail grep -q "^File:" out &&
	top_cmp nomap.pprof
'
test_expect_success 'a profile whose samples are all zero' '
	pfmangle zero svc1.pprof zero.pprof && top_cmp zero.pprof
'
test_done
