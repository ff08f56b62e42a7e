#!/bin/bash
# bench-pprof-stat: a merged fleet profile (tests/helpers/genfleet, merged by
# go tool pprof -proto, as the merge benchmark builds it): pprof-stat's -top
# report against `go tool pprof -top` (targets: CPU time >= 10x less, peak
# RSS >= 5x less), --pgo against `go tool preprofile` (target: faster), and
# the fleet merged and reported from a stream on stdin against pprof given
# all the files; then --diff of two 50-profile fleets (genfleet's first and
# second 50 from one pool, each merged by pprof-merge) against `go tool
# pprof -top -diff_base` (same targets as -top), with --pgo, --drift and
# --svg of the same pair. PPROF_STAT_BENCH_N sets the fleet size (default 16);
# PPROF_STAT_BENCH_FLEET=DIR uses DIR/*.pprof (e.g. the merge benchmark's
# fleet) instead of generating one.
. "$(dirname "$0")/lib.sh"

N=${PPROF_STAT_BENCH_N:-16}
have_go || { echo "  skipped: Go 1.21+ not available"; exit 0; }
if [ -n "${PPROF_STAT_BENCH_FLEET:-}" ]; then
	mkdir fleet && ln -s "$PPROF_STAT_BENCH_FLEET"/*.pprof fleet/ || exit 1
	N=$(ls fleet | wc -l)
else
	mkdir fleet && genfleet -n "$N" fleet >/dev/null || exit 1
fi
go tool pprof -proto fleet/*.pprof >fleet.pprof 2>/dev/null || exit 1
printf '  fleet: %d profiles, %d MB gzip; merged: %d KB gzip, %d KB raw, %d samples\n' "$N" \
	"$(( $(cat fleet/*.pprof | wc -c) / 1048576 ))" "$(( $(stat -c %s fleet.pprof) / 1024 ))" \
	"$(( $(gzip -dc fleet.pprof | wc -c) / 1024 ))" \
	"$(pprof-stat --json fleet.pprof | sed -n 's/^    "samples": \([0-9]*\),*$/\1/p')"

# best_of LABEL N CMD...: bench_run N times, keep the lowest-CPU run under
# LABEL (bench_best in lib.sh loses its label: bench_run reuses $name).
best_of() {
	lbl=$1 cnt=$2; shift 2
	bc_= bw_= br_=
	for k in $(seq "$cnt"); do
		bench_run "$lbl#$k" "$@" >/dev/null || return 1
		c_=${BENCH_CPU["$lbl#$k"]}
		if [ -z "$bc_" ] || [ "$(echo "$c_ < $bc_" | bc -l)" = 1 ]; then
			bc_=$c_ bw_=${BENCH_WALL["$lbl#$k"]} br_=${BENCH_RSS["$lbl#$k"]}
		fi
	done
	BENCH_CPU[$lbl]=$bc_ BENCH_WALL[$lbl]=$bw_ BENCH_RSS[$lbl]=$br_
	printf '  %-34s wall %7.2fs  cpu %7.2fs  rss %8.1f MiB  (best of %d)\n' "$lbl" \
		"$bw_" "$bc_" "$(echo "$br_ / 1024" | bc -l)" "$cnt"
}

# The outputs must agree before the times mean anything.
pprof-stat fleet.pprof | grep -v '^Time:' >ours.top
go tool pprof -symbolize=none -top fleet.pprof 2>/dev/null | grep -v '^Time:' >theirs.top
cmp -s ours.top theirs.top && echo "  -top output: identical to go tool pprof (except Time:)" ||
	echo "  -top output: DIFFERS from go tool pprof"

best_of "pprof-stat (-top)" 3 sh -c 'pprof-stat fleet.pprof >/dev/null'
best_of "go tool pprof -top" 2 sh -c 'go tool pprof -symbolize=none -top fleet.pprof >/dev/null 2>&1'
bench_compare "pprof-stat (-top)" "go tool pprof -top" 10 5

best_of "pprof-stat --pgo" 3 sh -c 'pprof-stat --pgo fleet.pprof >/dev/null'
best_of "go tool preprofile" 2 sh -c 'go tool preprofile -i fleet.pprof -o pre.out'
bench_compare "pprof-stat --pgo" "go tool preprofile" 1

bench_run "cat fleet | pprof-stat (merge+top)" sh -c 'cat fleet/*.pprof | pprof-stat >/dev/null'
bench_run "go tool pprof -top fleet/*" sh -c 'go tool pprof -symbolize=none -top fleet/*.pprof >/dev/null 2>&1'
bench_compare "cat fleet | pprof-stat (merge+top)" "go tool pprof -top fleet/*"

# Two fleets of 50: the cached 100-profile fleet's halves.
fleets=$PGOKIT_CACHE/fleet-100
if [ ! -f "$fleets/fleet-099.pprof" ]; then
	mkdir -p "$fleets" && genfleet -n 100 "$fleets" >/dev/null || exit 1
fi
pprof-merge -o base.pprof "$fleets"/fleet-0[0-4]?.pprof &&
pprof-merge -o new.pprof "$fleets"/fleet-0[5-9]?.pprof || exit 1
printf '  diff: two fleets of 50 profiles, merged: %d KB and %d KB gzip\n' \
	"$(( $(stat -c %s base.pprof) / 1024 ))" "$(( $(stat -c %s new.pprof) / 1024 ))"
pprof-stat --diff base.pprof new.pprof | grep -v '^Time:' >ours.diff
go tool pprof -symbolize=none -top -diff_base=base.pprof new.pprof 2>/dev/null |
	grep -v '^Time:' >theirs.diff
cmp -s ours.diff theirs.diff && echo "  --diff output: identical to go tool pprof -diff_base (except Time:)" ||
	echo "  --diff output: DIFFERS from go tool pprof -diff_base"
best_of "pprof-stat --diff" 3 sh -c 'pprof-stat --diff base.pprof new.pprof >/dev/null'
best_of "go tool pprof -top -diff_base" 2 sh -c \
	'go tool pprof -symbolize=none -top -diff_base=base.pprof new.pprof >/dev/null 2>&1'
bench_compare "pprof-stat --diff" "go tool pprof -top -diff_base" 10 5
best_of "pprof-stat --diff --pgo" 3 sh -c 'pprof-stat --diff base.pprof --pgo new.pprof >/dev/null'
best_of "pprof-stat --drift" 3 sh -c 'pprof-stat --drift base.pprof new.pprof >drift.out'
best_of "pprof-stat --diff --svg" 3 sh -c 'pprof-stat --diff base.pprof --svg new.pprof >diff.svg'
echo "  drift $(cat drift.out)%; differential flame graph $(( $(wc -c <diff.svg) / 1024 )) KB"
test_run_cleanup_
cd / && rm -rf "$TEST_DIR"
