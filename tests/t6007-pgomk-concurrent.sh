#!/bin/bash
# t6007: two `make pgo` runs on one PGO_DIR do not interleave (issue 15, F17;
# issue 16, item 4). The second waits for the first, saying so, and then
# does its own fetch; both succeed and neither loses the other's files; with
# PGO_LOCK_WAIT=0 the second gives up at once with a clear message; a run
# killed with SIGKILL leaves no lock behind.
. "$(dirname "$0")/lib.sh"

MK=$PGOKIT_SRC/pgo.mk

have_go || skip_all 'no Go 1.21+ for the example service'
have flock || skip_all 'no flock (util-linux)'
for t in pprof-fetch pprof-merge pprof-stat; do
	[ -x "$PGOKIT_BIN/$t" ] || skip_all "$t is not built yet"
done
start_service || skip_all 'the example service did not start'

mkdir proj && cd proj || exit 1
cat >Makefile <<EOF
PGO_BIN = $PGOKIT_BIN
PGO_TARGETS = $SERVICE_ADDR
include $MK
EOF

# wait_for FILE: until FILE exists (10 s at most).
wait_for() {
	n=0 && while [ ! -s "$1" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	test -s "$1"
}

test_expect_success 'a second run waits for the first, then fetches on its own' '
	make pgo-fetch pgo-profile PGO_SECONDS=3 >out1 2>err1 &
	first=$! &&
	wait_for .pgo/lock.pid &&
	test "$(cat .pgo/lock.pid)" = $first &&
	make pgo-fetch pgo-profile PGO_SECONDS=1 >out2 2>err2 &&
	wait $first &&
	grep "^pgo: another make pgo is running in .pgo (pid $first); waiting" err2 &&
	! grep "another make pgo" err1 &&
	grep "pgo: profile ./default.pgo installed" err1 &&
	grep -E "pgo: profile (unchanged|./default.pgo updated)" err2 &&
	test $(ls .pgo/fetch | wc -l) = 1 &&
	pprof-stat --check default.pgo &&
	find . -name "*.tmp" -o -name ".tmp.*" >tmps &&
	test_cmp /dev/null tmps
'

test_expect_success 'PGO_LOCK_WAIT=0: the second run gives up and says why' '
	make pgo-fetch PGO_SECONDS=3 >out1 2>err1 &
	first=$! &&
	n=0 && while [ "$(cat .pgo/lock.pid)" != $first ] && [ $n -lt 100 ]; do
		sleep 0.1; n=$((n + 1)); done &&
	test_must_fail make pgo-fetch PGO_SECONDS=1 PGO_LOCK_WAIT=0 >out2 2>err2 &&
	wait $first &&
	grep "^pgo: .pgo: another make pgo still running after 0 s" err2 &&
	! grep "pgo: fetch:" err2
'

test_expect_success 'a run killed with SIGKILL leaves no lock' '
	make pgo-fetch PGO_SECONDS=5 >out1 2>err1 &
	first=$! &&
	n=0 && while [ "$(cat .pgo/lock.pid)" != $first ] && [ $n -lt 100 ]; do
		sleep 0.1; n=$((n + 1)); done &&
	kill -KILL $first && wait $first;
	sleep 0.5 &&
	make pgo-profile PGO_LOCK_WAIT=0 >out2 2>err2 &&
	! grep "another make pgo" err2
'

test_done
