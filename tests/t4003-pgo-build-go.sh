#!/bin/bash
# pgo-build with the real Go toolchain on examples/service and a profile
# fetched from the running service: the binary records -pgo=, the compiler
# reports hot call sites in the service's work package, coverage is full;
# then a copy of the service with its hot functions renamed, built with the old profile, draws a staleness
# warning naming them. One prepared profile serves every build here (and is
# the same file every run, see service_profile), so the standard library is
# PGO-built once and then comes from the shared GOCACHE.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/lib-pgobuild.sh"

have_go || skip_all "Go 1.21+ not found"
start_service || skip_all "examples/service did not start"

test_expect_success 'setup: a CPU profile from the running service' '
	service_profile cpu.pprof &&
	go tool preprofile -i cpu.pprof -o full.pre
'

test_expect_success 'go build -pgo with the prepared profile' '
	pgo-build -v -p cpu.pprof -- -C "$SERVICE_SRC" -gcflags=./...=-d=pgodebug=1 \
		-o "$PWD/svc" . >out 2>err &&
	cat err out &&
	test -x svc &&
	test -s svc.pgo
'

test_expect_success 'go version -m shows -pgo= with the prepared profile' '
	go version -m svc >info &&
	grep -x "	build	-pgo=$PWD/svc.pgo" info &&
	grep "svc: records -pgo=$PWD/svc.pgo" err
'

test_expect_success 'pgodebug shows the hot call sites the profile made' '
	cat out err | grep "^hot-callsite-thres-from-CDF=" &&
	cat out err | grep -E "^hot-budget check allows inlining for call example\.com/pgokit-service/work\." &&
	cat out err | grep -E "^hot-node enabled increased budget=2000 for func=example\.com/pgokit-service/work\."
'

# Coverage is near, not always at, 100%: a closure the profile saw (say
# net/http.send.func1, from the load generator) may be inlined away by the
# PGO build itself, leaving no function of that name in the binary.
test_expect_success 'the summary: digest, sizes, hot edges, coverage' '
	grep "profile cpu.pprof: sha256:$(sha256sum <cpu.pprof | cut -d" " -f1)" err &&
	grep "prepared $PWD/svc.pgo: $(wc -c <cpu.pprof) -> $(wc -c <svc.pgo) bytes" err &&
	grep "hot edges: $(hot_edges full.pre | wc -l) of [0-9]*.*the same after preparation" err &&
	sed -n "s|.*coverage: \([0-9.]*\)% of the hot edge weight is in $PWD/svc (.*|\1|p" err >cov &&
	test "$(cut -d. -f1 <cov)" -ge 95 &&
	test_must_fail grep -i stale err
'

test_expect_success 'the service still works when built with PGO' '
	port=$(free_port) &&
	./svc -addr 127.0.0.1:$port >svc.log 2>&1 &
	pid=$! &&
	wait_http "http://127.0.0.1:$port/healthz" &&
	curl -sf "http://127.0.0.1:$port/checksum?n=10" >eval.out &&
	kill $pid &&
	test -s eval.out
'

test_expect_success 'coverage reads Go names without a symbol table (-ldflags=-s)' '
	pgo-build -v -p cpu.pprof -- -C "$SERVICE_SRC" -ldflags=-s -o "$PWD/svc-s" . 2>err-s &&
	test_must_fail go tool nm svc-s &&
	grep "coverage: $(cat cov)% of the hot edge weight is in $PWD/svc-s" err-s
'

# -trimpath (the binary then records only the profile's base name, which
# pgo-build accepts) is not built here: it changes every package's cache key
# and would PGO-build the standard library once more.

test_expect_success 'staleness: hot functions renamed in a copy, old profile' '
	cp -r "$SERVICE_SRC" stale &&
	sed -i "s/\<Update\>/Step/g; s/\<summarize\>/summary/g; s/\<checksum(/checksumBlock(/g" \
		stale/work/work.go &&
	grep -q "Step(h" stale/work/work.go &&
	test_must_fail grep -e "Update(h" -e "summarize(" stale/work/work.go &&
	pgo-build -p cpu.pprof -- -C "$PWD/stale" -o "$PWD/stale-svc" . 2>err-stale &&
	cat err-stale &&
	grep "warning: stale profile: only [0-9.]*% of its hot edge weight is in $PWD/stale-svc (below 80%)" err-stale &&
	grep -E "missing hot functions: .*work\.(FNV\.Update|summarize|checksum)" err-stale &&
	go version -m stale-svc | grep "build	-pgo="
'

test_expect_success '--min-coverage 0 silences the staleness warning' '
	pgo-build --min-coverage 0 -p cpu.pprof -- -C "$PWD/stale" -o "$PWD/stale-svc" . 2>err2 &&
	grep "coverage: " err2 &&
	test_must_fail grep "stale profile" err2
'

test_done
