#!/bin/bash
# t6001: pgo.mk behaves as a fragment others include (PGO_* variables and pgo-*
# targets only, default goal and all/clean/help untouched, no SHELL, a guard),
# pgo-help lists only its targets, and its file targets do work only when there
# is new data: a second pgo-profile does nothing, a failed or interrupted fetch
# and a rejected profile keep the old profile.
. "$(dirname "$0")/lib.sh"

MK=$PGOKIT_SRC/pgo.mk

# Variables and targets a makefile defines, from make's own database.
make_vars() {
	make -prRq -f "$1" 2>/dev/null | awk '/^# (makefile|override)/ { getline; sub(/^[^ ]*: /, ""); sub(/ *[:?+!]?=.*/, ""); print }' | sort -u
}
make_targets() {
	make -prRq -f "$1" 2>/dev/null | awk 'BEGIN { RS = "" }
		/^# Files/ { f = 1 } /^# files hash-table stats/ { f = 0 }
		f && $0 !~ /^# Not a target/ {
			n = split($0, l, "\n")
			for (i = 1; i <= n; i++) if (l[i] !~ /^#/) { sub(/:.*/, "", l[i]); print l[i]; break }
		}' | sort -u
}

test_expect_success 'pgo.mk defines only PGO_* variables' '
	printf "include %s\n" "$MK" >only.mk &&
	: >empty.mk &&
	make_vars empty.mk >vars.before &&
	make_vars only.mk >vars.after &&
	comm -13 vars.before vars.after >vars.new &&
	grep -q "^PGO_DIR$" vars.new &&
	grep -v -e "^PGO_" -e "^\.DEFAULT_GOAL$" vars.new >vars.bad;
	test_cmp /dev/null vars.bad
'

test_expect_success 'pgo.mk defines only pgo-* targets and files of its own' '
	make_targets empty.mk >targets.before &&
	make_targets only.mk >targets.after &&
	comm -13 targets.before targets.after >targets.new &&
	grep -q "^pgo-help$" targets.new &&
	grep -v -e "^pgo$" -e "^pgo-" -e "^\.pgo/" -e "^default\.pgo$" -e "^\.PHONY$" -e "^\.PRECIOUS$" \
		-e "^$MK$" targets.new >targets.bad;
	test_cmp /dev/null targets.bad
'

test_expect_success 'no global SHELL or .SHELLFLAGS' '
	echo "show: ; @echo \"\$(SHELL) \$(.SHELLFLAGS)\"" >noshell.mk &&
	{ echo "include $MK" && cat noshell.mk; } >shell.mk &&
	make -s -f noshell.mk show >expect &&
	make -s -f shell.mk show >actual &&
	test_cmp expect actual
'

test_expect_success 'including pgo.mk first leaves the default goal to the includer' '
	cat >first.mk <<-EOF &&
	include $MK
	all: ; @echo includer-all
	EOF
	echo includer-all >expect &&
	make -s -f first.mk >actual &&
	test_cmp expect actual
'

test_expect_success 'including pgo.mk after a target keeps that target the default' '
	cat >after.mk <<-EOF &&
	build: ; @echo includer-build
	include $MK
	all: ; @echo includer-all
	EOF
	echo includer-build >expect &&
	make -s -f after.mk >actual &&
	test_cmp expect actual
'

test_expect_success 'a makefile that only includes pgo.mk defaults to pgo-help' '
	make -f only.mk >out 2>err &&
	grep "^pgo.mk targets:" out &&
	make -s -f only.mk pgo-help >expect &&
	test_cmp expect out
'

test_expect_success 'the includer keeps its own all, clean, help, install and test' '
	cat >own.mk <<-EOF &&
	include $MK
	all: ; @echo own-all
	clean: ; @echo own-clean
	help: ; @echo own-help
	install: ; @echo own-install
	test: ; @echo own-test
	EOF
	mkdir -p .pgo && : >.pgo/keep &&
	for t in all clean help install test; do
		make -s -f own.mk $t 2>&1 || echo "make $t failed"
	done >actual &&
	printf "own-%s\n" all clean help install test >expect &&
	test_cmp expect actual &&
	test -f .pgo/keep
'

test_expect_success 'a second include is harmless (include guard)' '
	cat >twice.mk <<-EOF &&
	include $MK
	include $MK
	all: ; @echo own-all
	EOF
	make -s -f twice.mk pgo-help >out 2>err &&
	test_cmp /dev/null err &&
	test $(grep -c "^  pgo-help " out) = 1
'

test_expect_success 'pgo-help lists exactly the pgo-* targets, not the includer'"'"'s' '
	make -s -f own.mk pgo-help >help &&
	sed -n "/targets:/,/knobs/p" help | awk "/^  /{print \$1}" >listed &&
	printf "%s\n" pgo pgo-fetch pgo-merge pgo-profile pgo-stat pgo-build pgo-image \
		pgo-summary pgo-clean pgo-help | sort >expect &&
	sort listed >actual &&
	test_cmp expect actual &&
	! grep -e own- -e "^  all" -e "^  clean" -e "^  help" help &&
	grep "^  PGO_SECONDS  *30$" help
'

have_go || skip_all 'no Go 1.21+ for the example service'
for t in pprof-fetch pprof-merge pprof-stat; do
	[ -x "$PGOKIT_BIN/$t" ] || skip_all "$t is not built yet"
done
start_service || skip_all 'the example service did not start'
LIVE=$SERVICE_ADDR
test_atexit '[ -f pyro.pid ] && kill $(cat pyro.pid)'
DEAD=127.0.0.1:$(free_port)

mkdir proj && cd proj || exit 1
cat >Makefile <<EOF
PGO_BIN = $PGOKIT_BIN
PGO_SECONDS = 1
include $MK
all: ; @echo project-all
EOF

# stamp FILE: its inode, size and mtime in nanoseconds.
stamp() { stat -c '%i %s %.9Y' "$1"; }

test_expect_success 'pgo-profile fetches, merges, checks and installs default.pgo' '
	make pgo-profile PGO_TARGETS=$LIVE 2>err &&
	grep "pgo: fetch:" err &&
	test -f default.pgo &&
	pprof-stat --check default.pgo &&
	go tool pprof -top default.pgo >top &&
	grep -q "Type: cpu" top
'

test_expect_success 'a second pgo-profile with no new data does no work and says so' '
	stamp default.pgo >before &&
	stamp .pgo/merged.pprof >>before &&
	make pgo-profile PGO_TARGETS=$DEAD >out 2>err &&
	echo "pgo: up to date: ./default.pgo" >expect &&
	test_cmp expect err &&
	test_cmp /dev/null out &&
	stamp default.pgo >after &&
	stamp .pgo/merged.pprof >>after &&
	test_cmp before after
'

test_expect_success 'a failed fetch keeps the old profile' '
	cp default.pgo old.pgo &&
	stamp default.pgo >before &&
	ls .pgo/fetch >fetched.before &&
	test_must_fail make pgo-fetch PGO_TARGETS=$DEAD 2>err &&
	grep "fetch failed" err &&
	make pgo-profile PGO_TARGETS=$DEAD 2>err2 &&
	echo "pgo: up to date: ./default.pgo" >expect &&
	test_cmp expect err2 &&
	stamp default.pgo >after &&
	test_cmp before after &&
	test_cmp old.pgo default.pgo &&
	ls .pgo/fetch >fetched.after &&
	test_cmp fetched.before fetched.after &&
	find .pgo -name "*.tmp" >tmps &&
	test_cmp /dev/null tmps
'

test_expect_success 'an interrupted fetch leaves no temp file and the old profile' '
	stamp default.pgo >before &&
	test_must_fail timeout -s INT 1 make pgo-fetch PGO_TARGETS=$LIVE PGO_SECONDS=5 &&
	find .pgo -name "*.tmp" >tmps &&
	test_cmp /dev/null tmps &&
	stamp default.pgo >after &&
	test_cmp before after
'

test_expect_success 'new data replaces the profile, PGO_KEEP old fetches are merged' '
	stamp default.pgo >before &&
	make pgo-fetch pgo-profile PGO_TARGETS=$LIVE PGO_KEEP=2 PGO_DRIFT=0 2>err &&
	grep "merge 2 fetch" err &&
	test $(ls .pgo/fetch | wc -l) = 2 &&
	stamp default.pgo >after &&
	! test_cmp before after &&
	pprof-stat --check default.pgo &&
	make pgo-fetch PGO_TARGETS=$LIVE 2>err &&
	test $(ls .pgo/fetch | wc -l) = 1
'

test_expect_success 'a profile pprof-stat --check rejects is not installed' '
	make pgo-profile PGO_TARGETS=$DEAD &&
	cp default.pgo good.pgo &&
	stamp default.pgo >before &&
	make pgo-fetch PGO_TARGETS=http://$LIVE/debug/pprof/heap 2>err &&
	test_must_fail make pgo-profile 2>err &&
	grep "rejected by pprof-stat --check" err &&
	stamp default.pgo >after &&
	test_cmp before after &&
	test_cmp good.pgo default.pgo
'

test_expect_success 'make -j pgo-stat prints the top report and writes a flame graph' '
	make pgo-fetch PGO_TARGETS=$LIVE 2>err &&
	make -j4 pgo-stat >out 2>err &&
	grep "^      flat  flat%" out &&
	grep "^pgo: flame graph $PWD/.pgo/profile.svg$" out &&
	grep -q "<svg" .pgo/profile.svg
'

test_expect_success 'pgo-clean removes the work dir and keeps the profile' '
	make pgo-clean &&
	test ! -e .pgo &&
	test -f default.pgo
'

test_expect_success 'PGO_PYROSCOPE: the profile comes from Pyroscope; the same data changes nothing' '
	srv=$(go_build_cached pyroscope "$PGOKIT_SRC/tests/servers/pyroscope") &&
	{ "$srv" -addr-file pyro.addr -log "$PWD/pyro.log" >pyro.err 2>&1 & echo $! >pyro.pid; } &&
	n=0 && while [ ! -s pyro.addr ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done &&
	mkdir -p pyro && cp Makefile pyro/ &&
	purl=http://$(cat pyro.addr) && pq="{service_name=\"checkout\"}" &&
	to=$(date +%s) && from=$((to - 3600)) &&
	make -C pyro pgo-profile PGO_PYROSCOPE=$purl PGO_QUERY="$pq" \
		PGO_FROM=$from PGO_TO=$to 2>err &&
	grep "pprof-fetch'"'"' --pyroscope" err &&
	grep -F "service_name=\\\"checkout\\\"" pyro.log &&
	pprof-stat --check pyro/default.pgo &&
	stamp pyro/default.pgo >before &&
	make -C pyro pgo-fetch pgo-profile PGO_PYROSCOPE=$purl PGO_QUERY="$pq" \
		PGO_FROM=$from PGO_TO=$to 2>err &&
	test $(grep -c SelectMergeProfile pyro.log) = 2 &&
	grep "^pgo: profile unchanged for PGO" err &&
	! grep "profile ./default.pgo updated" err &&
	stamp pyro/default.pgo >after &&
	test_cmp before after
'

test_expect_success 'the example service Makefile: all is its default goal' '
	make -nB -C "$PGOKIT_SRC/examples/service" >out &&
	grep "go build -trimpath -pgo=off -o service.tmp" out &&
	make -s -C "$PGOKIT_SRC/examples/service" pgo-help >help &&
	grep "^  PGO_PROFILE  *\.pgo/default\.pgo$" help
'

test_done
