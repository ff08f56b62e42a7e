#!/bin/bash
# bench-pgo-build: what PGO buys examples/service and what pgo-build costs.
#  1. the per-part benchmarks of its package work (Devirt, Inline, JSON;
#     the code the profile names) built without PGO, with the whole profile
#     and with the prepared one, timed in interleaved rounds by
#     examples/service/speedup.sh, as the demo does;
#  2. a cold build (empty GOCACHE, the standard library too) with the whole
#     against the prepared profile, and
#     `go tool preprofile` on a large merged fleet profile against its
#     prepared form (Go 1.23 runs it once per build);
#  3. pgo-build's overhead over a plain `go build -pgo=<prepared profile>`
#     when the service's own package changed (the usual CI build).
# The profile is fetched from the running service (10 s, under its load),
# run without asynchronous preemption as in the demo: pgo-build does not yet
# strip runtime.asyncPreempt frames, which hide the interface call site.
# The Go compiler as a PGO target is bench-pgo-build-compiler.sh.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not found"
RUNS=${BENCH_PGO_RUNS:-7}
BRUNS=${BENCH_PGO_BENCH_RUNS:-7}
SRC=$PGOKIT_SRC/examples/service
test_atexit 'cd / && rm -rf "$TEST_DIR"'
GODEBUG=asyncpreemptoff=1 start_service || { echo "  examples/service did not start"; exit 1; }
sleep 2
curl -sf -o full.pprof "http://$SERVICE_ADDR/debug/pprof/profile?seconds=10" ||
	{ echo "  cannot fetch a profile"; exit 1; }
kill "$SERVICE_PID" 2>/dev/null

# median: the middle of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
secs() { /usr/bin/time -f %e -o t.$$ "$@" >/dev/null 2>>bench.log; st=$?; cat t.$$; rm -f t.$$; return $st; }
# cpu CMD...: "wall cpu" seconds (cpu = user + sys, children included): on a
# shared machine CPU time is the steadier measure.
cpu() { /usr/bin/time -f '%e %U %S' -o t.$$ "$@" >/dev/null 2>>bench.log; st=$?; read -r w u s <t.$$; rm -f t.$$; echo "$w $(echo "$u + $s" | bc -l)"; return $st; }

# --- the prepared profile (lib/pgo/prepare.c, what pgo-build writes; step 3
# checks pgo-build wrote the same bytes)
have pgoprep-run || { echo "  tests/helpers not built"; exit 1; }
cp -r "$SRC" svc
pgoprep-run full.pprof prep.pgo >prep.stats || { echo "  preparation failed"; exit 1; }
printf '  profile: %s bytes, %s samples; prepared: %s bytes, %s samples; hot edges the same: %s\n' \
	"$(wc -c <full.pprof)" "$(awk '$1 == "samples" { print $2 }' prep.stats)" \
	"$(wc -c <prep.pgo)" "$(awk '$1 == "samples" { print $3 }' prep.stats)" \
	"$(awk '$1 == "same_hot" { print ($2 ? "yes" : "NO") }' prep.stats)"

# --- 2. cold builds: a new profile rebuilds everything, the standard
# library included; each profile gets its own empty GOCACHE (the go command
# keys compiles on the preprocessed profile, so in one cache the second
# profile would reuse the first one's work when their edges agree).
echo "  cold build of the service, empty GOCACHE each (standard library included):"
for v in full prep; do
	f=$PWD/full.pprof; [ $v = prep ] && f=$PWD/prep.pgo
	rm -rf cache-$v
	t=$(GOCACHE=$PWD/cache-$v cpu go build -C "$PWD/svc" -pgo="$f" -o "$PWD/cold-$v" .) ||
		{ echo "    $v: go build failed"; tail -5 bench.log; exit 1; }
	eval "cold_$v=\${t%% *} coldcpu_$v=\${t#* }"
done
printf '    whole profile    wall %7.2fs  cpu %7.2fs  (%s bytes)\n' "$cold_full" "$coldcpu_full" "$(wc -c <full.pprof)"
printf '    prepared profile wall %7.2fs  cpu %7.2fs  (%s bytes)  => cpu %sx less\n' "$cold_prep" "$coldcpu_prep" \
	"$(wc -c <prep.pgo)" "$(ratio "$coldcpu_full" "$coldcpu_prep")"
t=$(GOCACHE=$PWD/cache-full secs go build -C "$PWD/svc" -pgo="$PWD/prep.pgo" -o "$PWD/warm-prep" .)
printf '    prepared profile in the whole profile'"'"'s cache: %.2fs (%s)\n' "$t" \
	"$( [ "$(echo "$t < $cold_prep / 4" | bc -l)" = 1 ] && echo "its work was reused: same compiler input" || echo "rebuilt: the compiler input differs")"

if have genfleet && have pprof-merge && have pgoprep-run; then
	mkdir fleet && genfleet -n 8 -s 20000 fleet >/dev/null &&
		pprof-merge -o fleet.pprof fleet/*.pprof && pgoprep-run fleet.pprof fleet.pgo >/dev/null &&
	echo "  go tool preprofile (once per build) on a merged 8-instance fleet profile:" &&
	pre=$(go env GOTOOLDIR)/preprofile &&
	for v in fleet.pprof fleet.pgo; do
		for i in 1 2 3; do /usr/bin/time -f '%e %U %S %M' -o t.$$ "$pre" -i $v -o /dev/null &&
			awk '{ print $1, $2 + $3, $4 }' t.$$; done >pre.$v
		tw=$(cut -d' ' -f1 pre.$v | median) tc=$(cut -d' ' -f2 pre.$v | median) tr=$(cut -d' ' -f3 pre.$v | median)
		printf '    %-12s %9s bytes  wall %5.2fs  cpu %5.2fs  rss %4.0f MiB (median of 3)\n' \
			"$v" "$(wc -c <$v)" "$tw" "$tc" "$(echo "$tr / 1024" | bc -l)"
		eval "pre_${v#*.}=$tc"
	done &&
	echo "    => prepared needs $(ratio "$pre_pprof" "$pre_pgo")x less CPU to preprocess" ||
	echo "  (fleet profile step failed: genfleet, pprof-merge or pgoprep-run)"
	rm -rf fleet
else
	echo "  (fleet profile step skipped: genfleet, pprof-merge or pgoprep-run not built)"
fi

# --- 1. what PGO buys: the work package's benchmarks, per part
pkg=example.com/pgokit-service/work
go test -C "$PWD/svc" -c -pgo=off -o "$PWD/none.test" ./work 2>>bench.log &&
	GOCACHE=$PWD/cache-full go test -C "$PWD/svc" -c -pgo="$PWD/full.pprof" -o "$PWD/full.test" ./work 2>>bench.log &&
	GOCACHE=$PWD/cache-prep go test -C "$PWD/svc" -c -pgo="$PWD/prep.pgo" \
		-gcflags="$pkg=-d=pgodebug=1 -m" -o "$PWD/prep.test" ./work >decisions.log 2>&1 ||
	{ echo "  go test -c failed"; tail -5 bench.log decisions.log; exit 1; }
echo "  the compiler's PGO decisions in package work (prepared profile, -d=pgodebug=1 -m):"
grep -E 'PGO devirtualizing interface call|^hot-budget check allows inlining' decisions.log | sort -u |
	sed 's/^/    /'
# Same hot edges should mean the same machine code: say whether it is.
same=no
for v in full prep; do
	go tool objdump -s "^$pkg\\." $v.test | sed 's/^  *[^ ]*:[0-9]*[ \t]*0x[0-9a-f]*//' >code.$v
done
cmp -s code.full code.prep && same=yes
echo "  per part, $BRUNS interleaved rounds, median cost per op [min-max] (lower is better):"
"$SRC/speedup.sh" "$PWD/none.test" "$PWD/full.test" "$BRUNS" | sed 's/^/    whole profile:    /; s/ off / none /'
"$SRC/speedup.sh" "$PWD/none.test" "$PWD/prep.test" "$BRUNS" | sed 's/^/    prepared profile: /; s/ off / none /'
echo "    package work machine code identical for whole and prepared profile: $same"
echo "    real programs gain 2-7% from PGO (go.dev/doc/pgo), services report 2-6%;"
echo "    Devirt and Inline are written for PGO to act on, JSON is not."

# --- 3. pgo-build's overhead: the service's package changed, the standard
# library is in the cache (same profile content for both). CPU time (user +
# sys, children included) is the fair measure on a shared machine; wall is
# shown too.
echo 0 >n.run
edit() { n=$(($(cat n.run) + 1)); echo $n >n.run; printf 'package main\n\nconst benchRun = %d\n' "$n" >svc/zz_bench.go; }
export GOCACHE=$PWD/cache-full
for i in $(seq "$RUNS"); do
	edit; cpu go build -C "$PWD/svc" -pgo="$PWD/prep.pgo" -o "$PWD/plain.bin" . >>t.plain
	edit; cpu pgo-build -p full.pprof -- -C "$PWD/svc" -o "$PWD/tool.bin" . >>t.tool
done
cmp -s tool.bin.pgo prep.pgo || echo "  NOTE: pgo-build prepared other bytes than pgoprep-run"
pw=$(cut -d' ' -f1 t.plain | median) pc=$(cut -d' ' -f2 t.plain | median)
tw=$(cut -d' ' -f1 t.tool | median) tc=$(cut -d' ' -f2 t.tool | median)
ov=$(echo "($tc / $pc - 1) * 100" | bc -l)
v=met; [ "$(echo "$ov < 5" | bc -l)" = 1 ] || v=MISSED
echo "  rebuild after a change to the service, median of $RUNS:"
printf '    go build -pgo=<prepared>           cpu %6.2fs  wall %6.2fs\n' "$pc" "$pw"
printf '    pgo-build -p <whole profile>       cpu %6.2fs  wall %6.2fs\n' "$tc" "$tw"
printf '    => pgo-build overhead (check, prepare, build, confirm, coverage): cpu %+.1f%%, wall %+.1f%% [target < 5%%: %s]\n' \
	"$ov" "$(echo "($tw / $pw - 1) * 100" | bc -l)" "$v"
test_run_cleanup_
cd / && rm -rf "$TEST_DIR"
