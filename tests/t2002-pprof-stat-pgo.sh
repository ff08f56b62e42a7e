#!/bin/bash
# pprof-stat --pgo against `go tool preprofile` (Go 1.23's own edge builder)
# on real profiles: the same call edges with the same weights in the same
# order, the same edge count and total weight, and the hot cut of the
# compiler's rule (the hottest edges up to 99% of the weight, plus the one
# that crosses it) applied to preprofile's list.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"
go tool -n preprofile >/dev/null 2>&1 || skip_all "go tool preprofile (Go 1.23+) not available"

# pgo_cmp FILE [ORACLE]: compare pprof-stat --pgo FILE with go tool
# preprofile of ORACLE (default FILE).
pgo_cmp() {
	pprof-stat --pgo "$1" >ours || return 1
	go tool preprofile -i "${2:-$1}" -o pre || return 1
	# preprofile: caller, callee, "offset weight" per edge -> one line each
	awk 'NR > 1 { l[(NR - 2) % 3] = $0; if ((NR - 2) % 3 == 2) { split($0, w, " "); print w[2], w[1], l[0] " -> " l[1] } }' pre >pre.edges &&
	awk '{ t += $1; n++ } END { printf "Call edges: %d, total weight %d\n", n, t }' pre.edges >want.count &&
	grep "^Call edges: " ours >got.count && test_cmp want.count got.count &&
	awk '{ w[NR] = $1; t += $1 } END { c = 0; for (i = 1; i <= NR; i++) { c += w[i]; if (c / t * 100 > 99) { print i; exit } } print NR }' pre.edges >want.hot &&
	sed -n "s/^Hot edges: \([0-9]*\) .*/\1/p" ours >got.hot && test_cmp want.hot got.hot &&
	# the hot rows: weight, offset, caller -> callee
	sed -n "/^ *weight  *weight%/,/^Size: /p" ours | sed "1d;\$d" | grep -v "^\.\.\. " |
		awk "{ w = \$1; o = \$4; \$1 = \$2 = \$3 = \$4 = \"\"; sub(/^ */, \"\"); print w, o, \$0 }" >got.rows &&
	head -n "$(cat want.hot)" pre.edges >want.rows &&
	test_cmp want.rows got.rows && test -s got.rows
}

start_service || skip_all "cannot start the example service"
# two windows at once (the runtime allows one CPU profile per process, so a
# second service)
svc1=$SERVICE_ADDR
start_service || skip_all "cannot start a second example service"
curl -sf -o svc1.pprof "http://$svc1/debug/pprof/profile?seconds=3" & c1=$!
curl -sf -o svc2.pprof "http://$SERVICE_ADDR/debug/pprof/profile?seconds=2" &&
wait $c1 ||
	skip_all "cannot fetch profiles from the example service"

test_expect_success 'service CPU profile: same edges and weights as go tool preprofile' '
	pgo_cmp svc1.pprof && pgo_cmp svc2.pprof
'
test_expect_success 'go test -cpuprofile of a standard package' '
	go test -run "^$" -bench "Atoi|ParseFloat|FormatFloat|Quote" -benchtime 100ms \
		-cpuprofile strconv.pprof strconv >gotest.log 2>&1 &&
	pgo_cmp strconv.pprof
'
test_expect_success 'merged fleet profiles, also merged on stdin' '
	go tool pprof -proto svc1.pprof svc2.pprof >merged.pprof 2>/dev/null &&
	pgo_cmp merged.pprof &&
	mkdir -p fleet && genfleet -n 3 -s 3000 -d 20 fleet >/dev/null &&
	go tool pprof -proto fleet/*.pprof >fleet.pprof 2>/dev/null &&
	pgo_cmp fleet.pprof &&
	cat fleet/*.pprof >fleet.stream && pgo_cmp fleet.stream fleet.pprof
'
test_expect_success '-n limits the hot edge rows' '
	pprof-stat --pgo -n 3 svc1.pprof >out &&
	test "$(sed -n "/^ *weight  *weight%/,/^Size: /p" out | grep -v "caller -> callee" | grep -c " -> ")" = 3 &&
	grep -q "^\.\.\. [0-9]* more hot edges" out
'
test_expect_success 'the shrink estimate: what PGO reads is smaller than the profile' '
	grep "^Size: " ours &&
	a=$(sed -n "s/^Size: \([0-9]*\) bytes.*/\1/p" ours) &&
	b=$(sed -n "s/^  without labels.*: \([0-9]*\) bytes.*/\1/p" ours) &&
	test "$b" -gt 0 && test "$b" -lt "$a"
'
test_expect_success 'profiles Go rejects: --pgo fails like preprofile, nothing on stdout' '
	curl -sf -o heap.pprof "http://$SERVICE_ADDR/debug/pprof/heap" &&
	test_must_fail go tool preprofile -i heap.pprof -o /dev/null &&
	test_expect_code 1 pprof-stat --pgo heap.pprof >out 2>err && test ! -s out &&
	grep -q "samples/count" err &&
	pfmangle nostartline svc1.pprof nsl.pprof &&
	test_must_fail go tool preprofile -i nsl.pprof -o /dev/null &&
	test_expect_code 1 pprof-stat --pgo nsl.pprof >out 2>err && test ! -s out &&
	grep -q "start_line" err
'
test_done
