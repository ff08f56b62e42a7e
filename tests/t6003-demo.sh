#!/bin/bash
# t6003: `make demo`, the README's first command, from a clean copy of the tree
# (the files git tracks, nothing built): it builds the tools and the service,
# profiles three instances, PGO-builds, pushes to its own registry, prints the
# image, the compiler's PGO decisions in package work (at least one
# devirtualization and one hot inline) and the per-part speedups, and stops
# everything it started, also when it fails.
# DEMO_TIMEOUT (seconds, default 1200) bounds it.
. "$(dirname "$0")/lib.sh"

have_go || skip_all 'no Go 1.21+'
# The demo builds its own tools without sanitizers: under SAN=1 it would only
# repeat the plain run.
[ "${PGOKIT_SAN:-}" = 1 ] && skip_all 'make demo builds its own tools: run in the plain make check'
have git && git -C "$PGOKIT_SRC" rev-parse --git-dir >/dev/null 2>&1 ||
	skip_all 'not a git checkout: no clean copy to make'
have docker-registry || skip_all 'docker-registry not installed'

copy=$PWD/clean
mkdir "$copy" &&
(cd "$PGOKIT_SRC" && git ls-files -z | xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$copy" ||
	exit 1
svcdir=$copy/examples/service

# left_running: processes the demo started from the copy that still run.
left_running() { ps -eo pid=,args= | grep -F "$copy/" | grep -v -e grep -e "ps -eo"; }
test_atexit 'left_running | while read -r pid rest; do kill $pid; done'

test_expect_success 'make demo from a clean copy: image, decisions, speedups' '
	{ PGO_SECONDS=5 DEMO_RUNS=3 timeout ${DEMO_TIMEOUT:-1200} \
		make -C "$copy" demo >demo.out 2>demo.err ||
		{ tail -n 30 demo.out demo.err; false; }; } &&
	grep -E "^image: +127\.0\.0\.1:[0-9]+/pgokit/service@sha256:[0-9a-f]{64}$" demo.out &&
	grep -E "^decisions: +package work: [1-9][0-9]* interface call\(s\) devirtualized, [1-9][0-9]* hot inline\(s\)" demo.out &&
	for part in Devirt Inline JSON; do
		grep -E "^speedup: +$part +off +[0-9]+ ns/op \[[0-9]+-[0-9]+\] +pgo +[0-9]+ ns/op \[[0-9]+-[0-9]+\] +speedup +[-+][0-9.]+% \(rounds [-+][0-9.]+% \.\. [-+][0-9.]+%\) +(cpu|wall), 3 rounds of [0-9]+ ops$" demo.out ||
			return 1
	done &&
	grep -E "^expect: +real programs gain 2-7% from PGO" demo.out &&
	grep -E "^ +flat +flat%" demo.out &&
	test "$(sed -n "s/^image: *//p" demo.out)" = "$(cat "$svcdir/.pgo/image.ref")" &&
	test -x "$copy/bin/pprof-fetch" &&
	go version -m "$svcdir/.pgo/bin/service" | grep -E "^	build	-pgo=.+"
'

test_expect_success 'the demo stopped everything it started' '
	{ left_running >left || :; } &&
	test_cmp /dev/null left
'

test_expect_success 'a failing demo says why and still stops everything' '
	mkdir stubs &&
	for t in "$copy"/bin/*; do ln -s "$t" stubs/; done &&
	rm stubs/pprof-fetch &&
	printf "#!/bin/sh\necho pprof-fetch: broken on purpose >&2\nexit 1\n" >stubs/pprof-fetch &&
	chmod +x stubs/pprof-fetch &&
	make -s -C "$svcdir" pgo-clean &&
	{ PGO_BIN=$PWD/stubs PGO_SECONDS=1 DEMO_RUNS=1 timeout ${DEMO_TIMEOUT:-1200} \
		"$svcdir/demo.sh" >fail.out 2>fail.err; echo $? >status; } &&
	echo 1 >expect &&
	{ test_cmp expect status || { tail -n 30 fail.out fail.err; false; }; } &&
	grep "pprof-fetch: broken on purpose" fail.err &&
	grep "demo: pgo-build fell back" fail.err &&
	{ left_running >left || :; } &&
	test_cmp /dev/null left
'

test_done
