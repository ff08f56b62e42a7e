#!/bin/bash
# pprof-fetch --targets-from (issue 16, item 5): targets from a Prometheus
# file_sd JSON file, each group's labels carried into its profiles as
# comments that go tool pprof shows; the file validated with clear errors
# and a size limit.
. "$(dirname "$0")/lib.sh"

# limit_vm KB CMD...: CMD with at most KB of address space; not under ASan,
# which maps terabytes of shadow memory up front.
limit_vm() {
	kb=$1; shift
	if [ "${PGOKIT_SAN:-}" = 1 ]; then "$@"; else (ulimit -v "$kb" && "$@"); fi
}

test_expect_success 'malformed files: usage errors naming file, group and reason' '
	echo "{\"targets\":[]}" >obj.json &&
	test_expect_code 2 pprof-fetch --targets-from obj.json 2>err && cat err &&
	grep -q "^pprof-fetch: obj.json: want a JSON list of target groups (Prometheus file_sd)$" err &&
	printf "[{\"targets\": [\"a:1\",]}]\n" >syntax.json &&
	test_expect_code 2 pprof-fetch --targets-from syntax.json 2>err && cat err &&
	grep -q "^pprof-fetch: syntax.json:1:[0-9]*: " err &&
	echo "[{\"targets\":[\"a:1\"]},{\"labels\":{}}]" >notargets.json &&
	test_expect_code 2 pprof-fetch --targets-from notargets.json 2>err &&
	grep -q "^pprof-fetch: notargets.json: group 2: want an object with a \"targets\" list$" err &&
	echo "[{\"targets\":[\"a:1\",\"http://b:2\"]}]" >url.json &&
	test_expect_code 2 pprof-fetch --targets-from url.json 2>err &&
	grep -q "^pprof-fetch: url.json: group 1: targets\[1\]: want \"host:port\"$" err &&
	echo "[{\"targets\":[\"a:99999\"]}]" >port.json &&
	test_expect_code 2 pprof-fetch --targets-from port.json 2>err &&
	grep -q "^pprof-fetch: port.json: group 1: targets\[0\]: a:99999: bad port$" err &&
	echo "[{\"targets\":[\"a:1\"],\"labels\":{\"bad-name\":\"x\"}}]" >label.json &&
	test_expect_code 2 pprof-fetch --targets-from label.json 2>err &&
	grep -q "^pprof-fetch: label.json: group 1: label \"bad-name\": not a label name (\[a-zA-Z_\]\[a-zA-Z0-9_\]\*)$" err &&
	echo "[{\"targets\":[\"a:1\"],\"labels\":{\"n\":1}}]" >value.json &&
	test_expect_code 2 pprof-fetch --targets-from value.json 2>err &&
	grep -q "group 1: label n: the value is not a string$" err &&
	echo "[{\"targets\":[\"a:1\"],\"labels\":{\"__scheme__\":\"ftp\"}}]" >scheme.json &&
	test_expect_code 2 pprof-fetch --targets-from scheme.json 2>err &&
	grep -q "group 1: label __scheme__: neither http nor https$" err &&
	echo "[]" >none.json &&
	test_expect_code 2 pprof-fetch --targets-from none.json 2>err && grep -q "no targets" err
'
test_expect_success 'size limit and NUL bytes: refused at once' '
	(printf "[\n"; yes "{\"targets\":[\"a:1\"]}," | head -c 17M) |
		test_expect_code 2 pprof-fetch --targets-from - 2>err && cat err &&
	grep -q "^pprof-fetch: <stdin>: larger than 16 MiB$" err &&
	limit_vm 200000 test_expect_code 2 pprof-fetch --targets-from /dev/zero 2>err &&
	grep -q "^pprof-fetch: /dev/zero:1: a NUL byte: not a text file$" err
'

have_go || { test_done; }
fs=$(go_build_cached faultserver "$PGOKIT_SRC/tests/servers/faultserver") ||
	skip_all "cannot build the fault server"
"$fs" -n 3 -addr-file addrs >fs.log 2>&1 &
test_atexit "kill $!"
"$fs" -tls -addr-file taddr >fst.log 2>&1 &
test_atexit "kill $!"
n=0; while { [ ! -s addrs ] || [ ! -s taddr ]; } && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
set -- $(cat addrs)
A1=$1 A2=$2 A3=$3 T=$(cat taddr)

test_expect_success 'two groups: every target fetched, each profile carries its labels' '
	cat >sd.json <<-EOF &&
	[{"targets": ["$A1", "$A2"], "labels": {"env": "prod", "zone": "b", "__meta_x": "dropped"}},
	 {"targets": ["$A3"], "labels": {"env": "canary"}}]
	EOF
	pprof-fetch --targets-from sd.json -d dir 2>err && cat err &&
	grep -q "3 of 3 targets ok" err && test $(ls dir | wc -l) = 3 &&
	f1=$(ls dir/127.0.0.1_${A1#*:}-*) && f3=$(ls dir/127.0.0.1_${A3#*:}-*) &&
	go tool pprof -top "$f1" >top1 && head -5 top1 &&
	grep -q "^label env=prod$" top1 && grep -q "^label zone=b$" top1 &&
	test_must_fail grep -q "__meta_x\|dropped" top1 &&
	go tool pprof -comments "$f3" >c3 && echo "label env=canary" >want && test_cmp want c3 &&
	go tool pprof -raw "$f1" | grep -q "^Comment: label env=prod$"
'
test_expect_success 'labels survive pprof-merge of the stdout stream, once each' '
	pprof-fetch --targets-from sd.json >stream 2>err && pprof-merge <stream >merged &&
	go tool pprof -comments merged | sort >c && cat c &&
	printf "label env=canary\nlabel env=prod\nlabel zone=b\n" >want && test_cmp want c
'
test_expect_success 'targets-from with -f and operands; a label value cannot forge a line' '
	printf "[{\"targets\":[\"%s\"],\"labels\":{\"note\":\"a\\\\nb\\\\u001b[2J\"}}]\n" "$A1" >esc.json &&
	echo "$A2" >plain.txt &&
	pprof-fetch --targets-from esc.json -f plain.txt "$A3" -d mix 2>err &&
	test $(ls mix | wc -l) = 3 &&
	go tool pprof -comments mix/127.0.0.1_${A1#*:}-* >c && cat -v c &&
	printf "%s\n" "label note=a\\nb\\x1b[2J" >want && test_cmp want c &&
	go tool pprof -comments mix/127.0.0.1_${A2#*:}-* >c2 && test ! -s c2
'
test_expect_success '__scheme__ https fetches over TLS' '
	echo "[{\"targets\":[\"$T\"],\"labels\":{\"__scheme__\":\"https\",\"env\":\"tls\"}}]" >tls.json &&
	test_expect_code 1 pprof-fetch -r 0 --targets-from tls.json >o 2>err &&
	grep -qi "certificate" err &&
	pprof-fetch --insecure --targets-from tls.json -o tls.pb.gz 2>err &&
	go tool pprof -comments tls.pb.gz | grep -q "^label env=tls$"
'
test_done
