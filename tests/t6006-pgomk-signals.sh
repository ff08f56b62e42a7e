#!/bin/bash
# t6006: Ctrl-C or a kill at any step of pgo.mk leaves no temp file and the
# previous files intact (issue 15, F15). PGO_BIN is a directory of shims
# that run the real tools, one of which first stops for a while (it writes
# its pid to ./stalled); the test interrupts make there: SIGINT to the whole
# process group as Ctrl-C sends it, SIGTERM to make alone as a supervisor
# sends it, SIGHUP to the group as a closed terminal does. Then, once every
# shim has ended, no file may be left whose name is a temp's: *.tmp (the
# recipes' own, on main), .tmp.* (pgo.mk's private directories) or
# .NAME.XXXXXX (the tools'). A background job ignores SIGINT: env --default-signal
# gives make its default back.
. "$(dirname "$0")/lib.sh"

MK=$PGOKIT_SRC/pgo.mk

have_go || skip_all 'no Go 1.21+ for the example service'
have setsid || skip_all 'no setsid'
for t in pprof-fetch pprof-merge pprof-stat pgo-build img-push; do
	[ -x "$PGOKIT_BIN/$t" ] || skip_all "$t is not built yet"
done
start_service || skip_all 'the example service did not start'

mkdir shims proj || exit 1
for t in pprof-fetch pprof-merge pprof-stat pgo-build img-push; do
	cat >shims/$t <<-EOF || exit 1
	#!/bin/sh
	case "$t \$*" in \$PGO_TEST_STALL) echo \$\$ >>"$PWD/stalled"; sleep 3;; esac
	exec "$PGOKIT_BIN/$t" "\$@"
	EOF
	chmod +x shims/$t
done
cd proj || exit 1
cat >Makefile <<EOF
PGO_BIN = $TEST_DIR/shims
PGO_SECONDS = 1
PGO_TARGETS = $SERVICE_ADDR
PGO_IMAGE = oci:layout:v1
include $MK
EOF
cat >go.mod <<'EOF'
module example.com/signals
go 1.21
EOF
printf 'package main\n\nfunc main() {}\n' >main.go

# temps: every file or directory whose name is a temp's.
temps() {
	find . \( -name '*.tmp' -o -name '.tmp.*' -o -name '.*.??????' \) -print
}

# interrupt SIGNAL WHO PATTERN TARGET...: run make TARGET... in a process
# group of its own, with the shim whose "tool args" match PATTERN stalling;
# when it stalls, send SIGNAL to the group (WHO=group) or to make alone
# (WHO=make); wait for make and every shim to end.
interrupt() {
	sig=$1 who=$2 pat=$3; shift 3
	rm -f ../stalled
	PGO_TEST_STALL=$pat setsid env --default-signal make "$@" >out 2>err &
	mk=$!
	n=0 && while [ ! -s ../stalled ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
	if [ ! -s ../stalled ]; then
		echo "interrupt: no shim matching '$pat' ran" >&2; cat err >&2
		kill -KILL -- -$mk; wait $mk; return 1
	fi
	case $who in group) kill -$sig -- -$mk;; make) kill -$sig $mk;; esac
	wait $mk
	st=$?
	for p in $(cat ../stalled); do
		while kill -0 $p 2>/dev/null; do sleep 0.1; done
	done
	echo "make $*: $sig to $who while '$pat' ran: exit $st" >&2
	sed 's/^/  /' err >&2
	[ $st -ne 0 ] || { echo "interrupt: make was not interrupted" >&2; return 1; }
}

stamp() { stat -c '%i %s %.9Y' "$@"; }

test_expect_success 'setup: a profile, a flame graph' '
	make pgo-profile pgo-stat >out 2>err &&
	test -f default.pgo &&
	test -f .pgo/profile.svg &&
	test_cmp /dev/null "$(temps >t; echo t)"
'

test_expect_success 'SIGINT during the fetch: no temp, the fetches as they were' '
	ls .pgo/fetch >before &&
	interrupt INT group "pprof-fetch *" pgo-fetch &&
	temps >t && test_cmp /dev/null t &&
	ls .pgo/fetch >after && test_cmp before after
'

test_expect_success 'SIGTERM to make alone during the fetch: no temp' '
	interrupt TERM make "pprof-fetch *" pgo-fetch &&
	temps >t && test_cmp /dev/null t
'

test_expect_success 'SIGINT while the profile is installed: no temp, the old or the new whole' '
	make pgo-fetch >out 2>err &&
	cp default.pgo old.pgo &&
	interrupt INT group "pprof-merge -q *" pgo-profile PGO_DRIFT=0 &&
	temps >t && test_cmp /dev/null t &&
	test_cmp old.pgo default.pgo
'

test_expect_success 'SIGINT and SIGTERM while the flame graph is written: no temp' '
	make pgo-profile PGO_DRIFT=0 >out 2>err &&
	interrupt INT group "pprof-stat --svg *" pgo-stat &&
	temps >t && test_cmp /dev/null t &&
	rm -f .pgo/profile.svg &&
	interrupt TERM make "pprof-stat --svg *" pgo-stat &&
	temps >t && test_cmp /dev/null t &&
	rm -f .pgo/profile.svg &&
	interrupt HUP group "pprof-stat --svg *" pgo-stat &&
	temps >t && test_cmp /dev/null t
'

test_expect_success 'SIGINT while building and while pushing: no temp, no half ref' '
	interrupt INT group "pgo-build *" pgo-build &&
	temps >t && test_cmp /dev/null t &&
	test ! -e .pgo/bin/proj &&
	mkdir -p .pgo/bin && cp main.go .pgo/bin/proj &&
	interrupt INT group "img-push *" pgo-image -o .pgo/bin/proj &&
	temps >t && test_cmp /dev/null t &&
	test ! -e .pgo/image.ref &&
	# make alone: the shell running img-push dies, img-push itself goes on
	# and writes the whole ref, or nothing.
	interrupt TERM make "img-push *" pgo-image -o .pgo/bin/proj &&
	temps >t && test_cmp /dev/null t &&
	{ test ! -e .pgo/image.ref || grep -Eqx "oci:layout@sha256:[0-9a-f]{64}" .pgo/image.ref; }
'

test_done
