#!/bin/bash
# pprof-fetch --pyroscope against tests/servers/pyroscope, a test server that
# implements SelectMergeProfile as shared/reference/pyroscope.md describes it
# (protobuf request decoded and checked, a real profile answered, the 24h
# limit enforced with the real error body), and its pyroscope 0.x mode.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"
srv=$(go_build_cached pyroscope "$PGOKIT_SRC/tests/servers/pyroscope") ||
	skip_all "cannot build the Pyroscope test server"

# start_pyro NAME ARGS...: start a server, its address in NAME.addr, its
# request log in NAME.log.
start_pyro() {
	name=$1; shift
	"$srv" -addr-file $name.addr -log $PWD/$name.log "$@" >$name.err 2>&1 &
	test_atexit "kill $!"
	n=0; while [ ! -s $name.addr ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	test -s $name.addr
}
start_pyro main || skip_all "Pyroscope test server did not start"
start_pyro tenant -tenant acme -token tok-secret-1234
start_pyro legacy -legacy
start_pyro slow -delay 1s
P=http://$(cat main.addr)
PT=http://$(cat tenant.addr)
PL=http://$(cat legacy.addr)
PS=http://$(cat slow.addr)
Q='{service_name="checkout"}'

# field FILE N KEY: KEY of the Nth JSON line (1-based) of a request log.
field() { sed -n "${2}p" "$1" | grep -o "\"$3\":[^,}]*" | cut -d: -f2- | tr -d '"'; }
# maxlocs PROFILE: the most locations any sample of PROFILE has.
maxlocs() {
	go tool pprof -raw "$1" | awk '/^Samples:/{s=1;next} /^Locations/{s=0} s && /^ *[0-9]+: /{n=NF-1; if(n>m)m=n} END{print m+0}'
}
# total_ms PROFILE: go tool pprof's "Total samples" in milliseconds.
total_ms() {
	t=$(go tool pprof -top "$1" | sed -n 's/.*Total samples = \([0-9.]*m*s\).*/\1/p')
	case $t in
	*ms) echo "${t%ms}";;
	*s) echo "${t%s} * 1000" | bc | sed 's/\..*//';;
	esac
}
sel_json='"label_selector":"{service_name=\"checkout\"}"'

test_expect_success 'the last hour of a service: one profile go tool pprof reads' '
	pprof-fetch --pyroscope "$P" --query "$Q" >one.pb.gz 2>err &&
	grep -q "1 of 1 window ok, 0 failed" err &&
	go tool pprof -top one.pb.gz >top && grep -q "^Type: cpu" top &&
	go tool pprof -raw one.pb.gz >raw && grep -q "^cpu/nanoseconds" raw
'
test_expect_success 'the request: protobuf codec, Connect header, default type, 1h window' '
	test "$(field main.log 1 content_type)" = application/proto &&
	test "$(field main.log 1 connect_protocol_version)" = 1 &&
	test "$(field main.log 1 accept_gzip)" = true &&
	test "$(field main.log 1 profile_typeID)" = process_cpu:cpu:nanoseconds:cpu:nanoseconds &&
	sed -n 1p main.log | grep -qF "$sel_json" &&
	s=$(field main.log 1 start) && e=$(field main.log 1 end) &&
	test $((e - s)) = 3600000 &&
	now=$(date +%s) && [ $((e / 1000 - now)) -le 1 ] && [ $((now - e / 1000)) -le 5 ] &&
	test "$(field main.log 1 stack_trace_selector)" = false
'
test_expect_success 'RFC 3339 and unix-second times are sent as milliseconds' '
	: >main.log &&
	now=$(date +%s) &&
	from=$(date -u -d @$((now - 7200)) +%Y-%m-%dT%H:%M:%SZ) &&
	pprof-fetch --pyroscope "$P" --query "$Q" --from "$from" --to $((now - 3600)) >o 2>err &&
	test "$(field main.log 1 start)" = $(( (now - 7200) * 1000 )) &&
	test "$(field main.log 1 end)" = $(( (now - 3600) * 1000 )) &&
	: >main.log &&
	from=$(date -u -d @$((now - 7200)) +%Y-%m-%dT%H:%M:%S.250+02:00) &&
	pprof-fetch --pyroscope "$P" --query "$Q" --from "$from" --to now-1h >o 2>err &&
	test "$(field main.log 1 start)" = $(( (now - 7200 - 7200) * 1000 + 250 ))
'
test_expect_success 'three days: three chunks of at most 24h covering the window' '
	: >main.log &&
	pprof-fetch --pyroscope "$P" --query "$Q" --from now-3d -d days 2>err &&
	grep -q "3 of 3 chunks ok" err &&
	test $(ls days | wc -l) = 3 && test_must_fail grep -q : <(ls days) &&
	(for f in days/*; do go tool pprof -raw "$f" >/dev/null || exit 1; done) &&
	test $(wc -l <main.log) = 3 &&
	(for i in 1 2 3; do
		s=$(field main.log $i start) && e=$(field main.log $i end) &&
		[ $((e - s)) -le 86400000 ] && echo "$s $e" || exit 1
	done) >spans.raw && sort -n spans.raw >spans && test $(wc -l <spans) = 3 &&
	awk "NR>1 && \$1 != prev {exit 1} {prev=\$2} END{exit 0}" spans &&
	s0=$(head -1 spans | cut -d" " -f1) && e0=$(tail -1 spans | cut -d" " -f2) &&
	test $((e0 - s0)) = $((3 * 86400000))
'
test_expect_success 'the chunks are fetched concurrently' '
	t0=$(date +%s%N) &&
	pprof-fetch --pyroscope "$PS" --query "$Q" --from now-4d -d slowdays 2>err &&
	el=$(( ($(date +%s%N) - t0) / 1000000 )) && echo "4 chunks, 1 s each: $el ms" &&
	test $(ls slowdays | wc -l) = 4 && [ $el -lt 3500 ]
'
test_expect_success 'three days to stdout: three profiles, pprof-merge reads them' '
	pprof-fetch --pyroscope "$P" --query "$Q" --from now-3d >stream 2>err &&
	gzip -t stream &&
	if have pprof-merge; then pprof-merge <stream >m && go tool pprof -raw m >/dev/null; fi
'
test_expect_success '-o with several chunks merges them: three times one chunk' '
	pprof-fetch --pyroscope "$P" --query "$Q" --from now-3d -o merged.pb.gz 2>err &&
	one=$(total_ms one.pb.gz) && three=$(total_ms merged.pb.gz) && echo "$one $three" &&
	[ "$one" -gt 0 ] && test "$three" = $((3 * one)) &&
	go tool pprof -top merged.pb.gz | grep -q "Duration: 72hrs"
'
test_expect_success '--pgo-keep sends the GoPGO selector; stacks come back trimmed' '
	: >main.log &&
	pprof-fetch --pyroscope "$P" --query "$Q" --pgo-keep 2 -o pgo.pb.gz 2>err &&
	test "$(field main.log 1 keep_locations)" = 2 &&
	test "$(field main.log 1 aggregate_callees)" = true &&
	[ "$(maxlocs one.pb.gz)" -gt 2 ] && [ "$(maxlocs pgo.pb.gz)" -le 2 ]
'
test_expect_success '--type picks the profile type' '
	: >main.log &&
	pprof-fetch --pyroscope "$P" --query "$Q" --type process_cpu:samples:count:cpu:nanoseconds -o cnt.pb.gz 2>err &&
	test "$(field main.log 1 profile_typeID)" = process_cpu:samples:count:cpu:nanoseconds &&
	go tool pprof -raw cnt.pb.gz | grep -q "^samples/count"
'
test_expect_success 'a server error shows its Connect message' '
	test_expect_code 1 pprof-fetch --pyroscope "$P" --query "$Q" --type cpu -o x 2>err &&
	grep -q "HTTP 400: invalid_argument: profile-type selection must be of the form" err &&
	test ! -e x
'
test_expect_success 'no data: a warning, not a profile' '
	test_expect_code 1 pprof-fetch --pyroscope "$P" --query "{service_name=\"other\"}" >o 2>err &&
	grep -q "warning: no data" err && test ! -s o &&
	pprof-fetch --pyroscope "$P" --query "{service_name=\"other\"}" --min-ok 0 >o 2>err && test ! -s o
'
test_expect_success 'the server enforces 24h with the real error body' '
	varint() { v=$1; while [ $v -ge 128 ]; do printf "\\\\%03o" $(( (v & 127) | 128 )); v=$((v >> 7)); done; printf "\\\\%03o" $v; }
	req() { t=process_cpu:cpu:nanoseconds:cpu:nanoseconds s=$1
		printf "\\012$(varint ${#t})%s\\022$(varint ${#s})%s\\030$(varint $2)\\040$(varint $3)" "$t" "$s"; } &&
	end=$(( $(date +%s) * 1000 )) &&
	req "$Q" $((end - 3 * 86400000)) $end >long.req &&
	curl -s -o body -w "%{http_code}\n" -H "Content-Type: application/proto" \
		-H "Connect-Protocol-Version: 1" --data-binary @long.req \
		"$P/querier.v1.QuerierService/SelectMergeProfile" >code &&
	echo 400 >want && test_cmp want code &&
	printf "%s\n" "{\"code\":\"invalid_argument\",\"message\":\"the query time range exceeds the limit (max_query_length, actual: 72h0m0s, limit: 24h0m0s)\"}" >want &&
	test_cmp want body &&
	req "$Q" $((end - 86400000)) $end >day.req &&
	curl -s -o day.pb -w "%{http_code}\n" -H "Content-Type: application/proto" \
		-H "Connect-Protocol-Version: 1" --data-binary @day.req \
		"$P/querier.v1.QuerierService/SelectMergeProfile" >code &&
	echo 200 >want && test_cmp want code && go tool pprof -raw day.pb >/dev/null
'
test_expect_success 'behind a Grafana data-source proxy prefix' '
	: >main.log &&
	pprof-fetch --pyroscope "$P/api/datasources/proxy/uid/abc/" --query "{}" >o 2>err && gzip -t o &&
	grep -q "\"path\":\"/api/datasources/proxy/uid/abc/querier.v1.QuerierService/SelectMergeProfile\"" main.log
'
test_expect_success '--tenant sets X-Scope-OrgID; the token comes from the environment, never printed' '
	PPROF_FETCH_TOKEN=tok-secret-1234 test_expect_code 1 pprof-fetch -v --pyroscope "$PT" --query "$Q" >o 2>err &&
	grep -q "HTTP 401: unauthenticated: no org id" err &&
	test_expect_code 1 pprof-fetch --pyroscope "$PT" --query "$Q" --tenant acme >o 2>err &&
	grep -q "HTTP 401: unauthenticated" err &&
	PPROF_FETCH_TOKEN=tok-secret-1234 pprof-fetch -v --pyroscope "$PT" --query "$Q" --tenant acme >o 2>err &&
	gzip -t o && test_must_fail grep -q tok-secret err &&
	grep -q "\"tenant\":\"acme\",\"auth\":\"bearer\"" tenant.log
'
test_expect_success 'a pyroscope 0.x server is detected and refused for PGO' '
	test_expect_code 1 pprof-fetch --pyroscope "$PL" --query "$Q" >o 2>err &&
	grep -q "a pyroscope 0.x server (no SelectMergeProfile); its /render?format=pprof export has no sample type name, no line numbers, no start_line: unusable for PGO" err
'
test_expect_success 'a 0.x /render?format=pprof export fetched directly is refused' '
	curl -s "$PL/render?query=checkout.cpu&format=pprof" >r.pb && go tool pprof -raw r.pb >/dev/null &&
	test_expect_code 1 pprof-fetch "$PL/render?query=checkout.cpu&from=now-1h&until=now&format=pprof" >o 2>err &&
	grep -q "a pyroscope 0.x /render export: no sample type name, no line numbers, no start_line: unusable for PGO" err
'
test_expect_success 'bad times and selectors are usage errors' '
	test_expect_code 2 pprof-fetch --pyroscope "$P" --query "$Q" --from yesterday 2>err &&
	grep -q "yesterday: not a time" err &&
	test_expect_code 2 pprof-fetch --pyroscope "$P" --query "$Q" --from now --to now-1h 2>err &&
	test_expect_code 2 pprof-fetch --pyroscope "$P" --query "service_name=x" 2>err &&
	test_expect_code 2 pprof-fetch --pyroscope "$P" --query "$Q" 127.0.0.1:1 2>err
'
test_done
