#!/bin/bash
# t6008: `make pgo` from cron rebuilds only when the profile moved (issue 16,
# items 3 and 4). Against a steady instance of the example service, a second
# `make pgo` reports a drift below PGO_DRIFT and leaves the profile, the
# binary and the image ref untouched; an instance under another load mix
# crosses it, and the profile, binary and image are renewed. The drift
# pgo.mk reports is pprof-stat --drift's on the files it compared. The Go
# version is kept beside the profile, a different one is warned about, and
# PGO_GO_REFRESH takes the fresh profile instead. The Markdown summary
# quotes the tools. The binary is a one-file program: a profile of the
# service still makes Go rebuild the runtime with PGO, which is what costs,
# and two such builds are all this test does.
. "$(dirname "$0")/lib.sh"


have_go || skip_all 'no Go 1.21+'
for t in pprof-fetch pprof-merge pprof-stat pgo-build img-push; do
	[ -x "$PGOKIT_BIN/$t" ] || skip_all "$t is not built yet"
done
"$PGOKIT_BIN/pprof-stat" --drift /dev/null /dev/null >/dev/null 2>&1 ||
	skip_all 'pprof-stat has no --drift yet'

# Steady: the service under its own load, the same mix all along.
start_service -load 1 || skip_all 'the example service did not start'
STEADY=$SERVICE_ADDR
# Another mix: no load of its own, two clients asking for checksums only.
start_service -load 0 || skip_all 'the example service did not start'
MIXED=$SERVICE_ADDR
for i in 1 2; do
	curl -s -o /dev/null "http://$MIXED/checksum?n=100&c$i=[1-10000000]" &
	test_atexit "kill $!"
done

mkdir proj && cd proj || exit 1
cat >go.mod <<'EOF'
module example.com/drift
go 1.21
EOF
printf 'package main\n\nfunc main() { println("drift") }\n' >main.go
# Profiles of 12 s on a busy machine are noisier than the 30 s default: two
# of the steady service drifted by 30% here (41% at 4 s), the other mix by
# 65-71%.
THR=50
cat >Makefile <<EOF
PGO_BIN = $PGOKIT_BIN
PGO_SECONDS = 12
PGO_DRIFT = $THR
include $PGOKIT_SRC/pgo.mk
EOF

stamp() { stat -c '%n %i %s %.9Y' "$@"; }

test_expect_success 'the first make pgo installs, builds and pushes' '
	make pgo PGO_TARGETS=$STEADY >out 2>err &&
	grep "^pgo: profile ./default.pgo installed" err &&
	grep "^pgo: build:" err &&
	grep "^pgo: image:" err &&
	grep -Eqx "oci:.pgo/oci@sha256:[0-9a-f]{64}" .pgo/image.ref &&
	go env GOVERSION >expect &&
	test_cmp expect default.pgo.goversion
'

test_expect_success 'steady load: drift below PGO_DRIFT, nothing renewed' '
	stamp default.pgo .pgo/bin/proj .pgo/image.ref >before &&
	cp .pgo/image.ref ref.before &&
	make pgo PGO_TARGETS=$STEADY >out 2>err &&
	d=$(pprof-stat --drift default.pgo .pgo/merged.pprof) &&
	echo "drift measured: $d%" &&
	grep -x "pgo: profile unchanged for PGO (drift $d% < $THR%)" err &&
	! grep -e "^pgo: build:" -e "^pgo: image:" err &&
	grep -x "pgo: up to date: .pgo/bin/proj" err &&
	stamp default.pgo .pgo/bin/proj .pgo/image.ref >after &&
	test_cmp before after &&
	test "$(tail -n 1 out)" = "$(cat ref.before)"
'

test_expect_success 'the summary quotes the verdict, the tools and the image' '
	cat .pgo/summary.md &&
	grep -x -- "- verdict: profile unchanged for PGO (drift $d% < $THR%)" .pgo/summary.md &&
	grep -F -- "- image: \`$(cat .pgo/image.ref)\` (unchanged)" .pgo/summary.md &&
	hot=$(pprof-stat --pgo -n 1 default.pgo | sed -n "s/^\(Hot edges: [^;]*\) at the.*/\1/p") &&
	grep -F -- "- installed profile: " .pgo/summary.md | grep -F "$hot" &&
	pprof-stat --diff default.pgo -n 10 .pgo/merged.pprof >movers &&
	test -s movers &&
	grep -F -f movers .pgo/summary.md >found &&
	test_cmp movers found
'

test_expect_success 'another load mix: drift above PGO_DRIFT, profile, binary and image renewed' '
	cp default.pgo old.pgo &&
	make pgo PGO_TARGETS=$MIXED >out 2>err &&
	d=$(pprof-stat --drift old.pgo .pgo/merged.pprof) &&
	echo "drift measured: $d%" &&
	grep -x "pgo: profile ./default.pgo updated (drift $d% >= $THR%)" err &&
	cmp default.pgo .pgo/merged.pprof &&
	grep "^pgo: build:" err &&
	grep "^pgo: image:" err &&
	! test_cmp ref.before .pgo/image.ref &&
	grep -x -- "- image: \`$(cat .pgo/image.ref)\` (pushed by this run)" .pgo/summary.md
'

test_expect_success 'a profile taken under another Go: a warning, or a refresh' '
	echo go1.21.0 >default.pgo.goversion &&
	make pgo-build >out 2>err &&
	grep "^pgo: warning: ./default.pgo was taken under go1.21.0, the build uses $(go env GOVERSION)" err &&
	stamp default.pgo >before &&
	make pgo-fetch pgo-profile PGO_TARGETS=$MIXED PGO_DRIFT=100 PGO_GO_REFRESH=1 >out 2>err &&
	grep "^pgo: profile ./default.pgo updated (taken under go1.21.0, the build uses $(go env GOVERSION): PGO_GO_REFRESH" err &&
	go env GOVERSION >expect &&
	test_cmp expect default.pgo.goversion &&
	stamp default.pgo >after &&
	! test_cmp before after
'

test_done
