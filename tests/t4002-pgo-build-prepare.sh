#!/bin/bash
# pgo-build's profile preparation, checked against Go's own tools without a
# PGO build of the standard library: the prepared profile is smaller, has one
# sample type and no labels, and (signal-injected frames kept) gives the
# same hot call edges as the whole profile (`go tool preprofile`) and the
# same inliner decisions (`-gcflags=./...=-d=pgodebug=1` on the service's
# packages). Also the removal of runtime.asyncPreempt frames, --install, --raw,
# --deny, --keep, stdin and where the prepared file goes. go build itself
# is faked here (go-spy with FAKE_BUILD=0); t4003 does the real builds.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/lib-pgobuild.sh"

have_go || skip_all "Go 1.21+ not found"
have pgoprep-run || skip_all "tests/helpers not built (make check builds them)"
start_service || skip_all "examples/service did not start"

# fake_build ARGS...: pgo-build with go build faked (exit 0), go calls in go.log.
fake_build() {
	: >go.log
	FAKE_BUILD=0 GO=$PWD/go-spy pgo-build "$@"
}

test_expect_success 'setup: a CPU profile from the running service' '
	service_profile cpu.pprof &&
	go_spy &&
	go tool preprofile -i cpu.pprof -o full.pre &&
	hot_edges full.pre >full.hot &&
	test -s full.hot
'

test_expect_success 'the profile is prepared next to the output and summarised' '
	fake_build -p cpu.pprof -- -o svc . 2>err &&
	cat err &&
	cp err err-default &&
	test -s svc.pgo &&
	grep -x "build -pgo=$PWD/svc.pgo -o svc ." go.log &&
	sum=$(sha256sum <cpu.pprof | cut -d" " -f1) &&
	grep "profile cpu.pprof: sha256:$sum, $(wc -c <cpu.pprof) bytes" err &&
	grep "prepared $PWD/svc.pgo: $(wc -c <cpu.pprof) -> $(wc -c <svc.pgo) bytes" err &&
	grep "hot edges: $(wc -l <full.hot) of .*, the same after preparation" err &&
	test $(wc -c <svc.pgo) -lt $(wc -c <cpu.pprof)
'

# The default deny list renames runtime.gopark, which a fresh profile
# sometimes has in a hot edge (netpollblock -> gopark): the preparation
# itself is checked with --deny -, the default output up to that rename.
# The service's profile holds runtime.asyncPreempt frames, which are meant
# to go (t4005): these comparisons with the whole profile keep them.
test_expect_success 'same hot call edges as the whole profile (go tool preprofile)' '
	fake_build --keep-frames --deny - -p cpu.pprof -- -o svcn . 2>err &&
	go tool preprofile -i svcn.pgo -o prepn.pre &&
	hot_edges prepn.pre >prepn.hot &&
	test_cmp full.hot prepn.hot &&
	fake_build --keep-frames -p cpu.pprof -- -o svck . 2>err &&
	go tool preprofile -i svck.pgo -o prep.pre &&
	hot_edges prep.pre | sed "s/#pgo-denied / /g" | sort >prep.hot &&
	sort full.hot >full.sorted &&
	test_cmp full.sorted prep.hot
'

test_expect_success 'by default, runtime.asyncPreempt frames go and are counted' '
	go tool preprofile -i svc.pgo -o clean.pre &&
	test_must_fail grep -x runtime.asyncPreempt clean.pre &&
	if grep -qx runtime.asyncPreempt full.pre; then
		grep "removed runtime.asyncPreempt frames from [1-9][0-9]* samples" err-default
	fi
'

test_expect_success 'same inliner decisions (-d=pgodebug=1, the service'"'"'s packages)' '
	for p in cpu.pprof svck.pgo; do
		go build -C "$SERVICE_SRC" -pgo=off -o /dev/null \
			-gcflags="./...=-pgoprofile=$PWD/$p -d=pgodebug=1" . >dbg-$p 2>&1 || return 1
	done &&
	cat dbg-cpu.pprof &&
	grep "^hot-callsite-thres-from-CDF=" dbg-cpu.pprof &&
	grep -E "^hot-(node|budget)" dbg-cpu.pprof &&
	test_cmp dbg-cpu.pprof dbg-svck.pgo
'

test_expect_success 'prepared: the compiler sample type only, no labels' '
	go tool pprof -raw cpu.pprof 2>/dev/null | sed -n "/^Samples:/{n;p;q}" >types.full &&
	grep "samples/count cpu/nanoseconds" types.full &&
	go tool pprof -raw svc.pgo 2>/dev/null | sed -n "/^Samples:/{n;p;q}" >types.prep &&
	test "$(tr -d " " <types.prep)" = samples/count &&
	go tool pprof -tags cpu.pprof 2>/dev/null | grep endpoint &&
	go tool pprof -tags svc.pgo >tags 2>&1 &&
	test_must_fail grep endpoint tags
'

test_expect_success '--install writes dir/default.pgo after the build' '
	mkdir inst &&
	fake_build --install inst -p cpu.pprof -- -o svc2 . 2>err &&
	cmp inst/default.pgo svc2.pgo &&
	cmp svc.pgo svc2.pgo
'

test_expect_success '--install: nothing installed when the build fails; a bad dir stops before go' '
	mkdir inst2 &&
	: >go.log &&
	test_expect_code 1 env FAKE_BUILD=1 GO=$PWD/go-spy pgo-build --install inst2 -p cpu.pprof -- -o svc2 . &&
	test_must_fail test -e inst2/default.pgo &&
	: >go.log &&
	test_expect_code 2 env FAKE_BUILD=0 GO=$PWD/go-spy pgo-build --install no-such-dir -p cpu.pprof -- -o svc2 . 2>err &&
	grep -- "--install no-such-dir: No such file or directory" err &&
	test_must_fail test -s go.log
'

test_expect_success '--raw uses the file as is' '
	fake_build --raw -p cpu.pprof -- -o svc3 . 2>err &&
	grep -x "build -pgo=$PWD/cpu.pprof -o svc3 ." go.log &&
	grep "used as is" err &&
	test_must_fail test -e svc3.pgo
'

test_expect_success 'the profile from stdin' '
	fake_build -p - -- -o svc4 . <cpu.pprof 2>err &&
	grep "profile <stdin>: sha256:" err &&
	cmp svc.pgo svc4.pgo
'

test_expect_success '-o dir/: named after the main package, in that directory' '
	mkdir out &&
	fake_build -p cpu.pprof -- -o out/ "$SERVICE_SRC" 2>err &&
	test -s out/pgokit-service.pgo &&
	grep -x "build -pgo=$PWD/out/pgokit-service.pgo -o out/ $SERVICE_SRC" go.log
'

test_expect_success '--deny renames a function in the prepared profile' '
	hot=$(sed -n 2p full.pre) &&
	grep -x "$hot" full.pre &&
	fake_build --deny "$hot" -p cpu.pprof -- -o den . 2>err &&
	go tool preprofile -i den.pgo -o den.pre &&
	grep -x "$hot#pgo-denied" den.pre &&
	test_must_fail grep -x "$hot" den.pre
'

test_expect_success 'runtime.gopark is denied by default; --deny - keeps it' '
	hot=$(sed -n 2p full.pre) &&
	pgoprep-run -n -r "$hot=runtime.gopark" cpu.pprof gopark.pprof &&
	go tool preprofile -i gopark.pprof -o gp.pre &&
	grep -x runtime.gopark gp.pre &&
	fake_build -p gopark.pprof -- -o gp . 2>err &&
	go tool preprofile -i gp.pgo -o gp1.pre &&
	grep -x "runtime.gopark#pgo-denied" gp1.pre &&
	test_must_fail grep -x runtime.gopark gp1.pre &&
	fake_build --deny - -p gopark.pprof -- -o gp2 . 2>err &&
	go tool preprofile -i gp2.pgo -o gp2.pre &&
	grep -x runtime.gopark gp2.pre &&
	test_must_fail grep "pgo-denied" gp2.pre
'

test_expect_success '--keep 50 drops more and says the hot edges changed' '
	fake_build --keep 50 -p cpu.pprof -- -o k50 . 2>err &&
	cat err &&
	grep "CHANGED after preparation" err &&
	go tool preprofile -i k50.pgo -o k50.pre &&
	hot_edges k50.pre >k50.hot &&
	test $(wc -l <k50.hot) -lt $(wc -l <full.hot) &&
	test $(wc -c <k50.pgo) -lt $(wc -c <svc.pgo)
'

if have genfleet && have pprof-merge; then
	test_expect_success 'a large merged fleet profile: same hot edges, much smaller' '
		mkdir fleet &&
		genfleet -n 4 -s 5000 fleet &&
		pprof-merge -o fleet.pprof fleet/*.pprof &&
		pgoprep-run fleet.pprof fleet.pgo >stats &&
		cat stats &&
		grep -x "same_hot 1" stats &&
		go tool preprofile -i fleet.pprof -o f1.pre &&
		go tool preprofile -i fleet.pgo -o f2.pre &&
		hot_edges f1.pre >f1.hot &&
		hot_edges f2.pre >f2.hot &&
		test $(wc -l <f1.hot) -gt 100 &&
		test_cmp f1.hot f2.hot &&
		test $(wc -c <fleet.pgo) -lt $(( $(wc -c <fleet.pprof) / 2 ))
	'
else
	test_skip 'a large merged fleet profile' 'genfleet or pprof-merge not built'
fi

# pgo-build reads the profile in the lean view: the samples stay raw and
# only their leaf pairs are decoded. It must prepare what a full decode
# prepares, byte for byte, with the same counts (artefacts included).
test_expect_success 'the lean read prepares the same bytes as a full decode' '
	hot=$(sed -n 2p full.pre) &&
	for f in cpu.pprof gopark.pprof $(test -e fleet.pprof && echo fleet.pprof); do
		for o in "" -F "-k 50" "-d $hot"; do
			pgoprep-run $o $f full.out >full.stats &&
			pgoprep-run -l $o $f lean.out >lean.stats &&
			cmp full.out lean.out && test_cmp full.stats lean.stats || return 1
		done
	done &&
	fake_build -p cpu.pprof -- -o svl . 2>err &&
	pgoprep-run cpu.pprof full.out >/dev/null && cmp full.out svl.pgo
'

test_done
