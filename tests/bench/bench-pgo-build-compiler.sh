#!/bin/bash
# bench-pgo-build-compiler: the Go compiler itself as a PGO target, the
# real-world case beside the example service's demo parts.
#  1. profile the compiler (its own -cpuprofile, one file per package
#     compiled) while it builds a few standard packages from scratch, and
#     merge the profiles with pprof-merge;
#  2. build cmd/compile three times: -pgo=off, GOROOT's own default.pgo
#     (what Go ships), and pgo-build with the merged profile;
#  3. build other standard packages from scratch (an empty GOCACHE each
#     time) with each compiler, via -toolexec, in interleaved rounds, and
#     compare the compiler's CPU time on the packages the profile did not see.
# Slow: about 10 minutes on two busy cores, most of it the two PGO builds
# of cmd/compile (a new profile rebuilds what the compiler imports).
# BENCH_COMPILER=0 skips it; BENCH_COMPILER_RUNS sets the rounds (default 5).
. "$(dirname "$0")/lib.sh"

[ "${BENCH_COMPILER:-1}" = 0 ] && { echo "  skipped (BENCH_COMPILER=0)"; exit 0; }
have_go || skip_all "Go 1.21+ not found"
have pprof-merge && have pgo-build || { echo "  pprof-merge or pgo-build not built"; exit 1; }
[ -x /usr/bin/time ] || { echo "  /usr/bin/time not installed"; exit 1; }
RUNS=${BENCH_COMPILER_RUNS:-5}
TRAIN=${BENCH_COMPILER_TRAIN:-go/types encoding/json}
EVAL=${BENCH_COMPILER_EVAL:-archive/zip image/png text/template net/url}
GOROOT=$(go env GOROOT)
test_atexit 'cd / && rm -rf "$TEST_DIR"'

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# --- 1. the profile: every package of the training builds, from scratch.
mkdir prof
t0=$(date +%s)
GOCACHE=$PWD/cache-train go build -o /dev/null -gcflags=all=-cpuprofile="$PWD/prof/" $TRAIN 2>>bench.log ||
	{ echo "  profiling the compiler failed"; tail -5 bench.log; exit 1; }
ls prof | sed 's/\.cpuprof$//; s/%2F/\//g' | sort >trained
pprof-merge -o compiler.pprof prof/*.cpuprof 2>>bench.log || { echo "  merge failed"; exit 1; }
printf '  profile: the compiler building %s from scratch: %s packages, merged %s bytes\n' \
	"$TRAIN" "$(wc -l <trained)" "$(wc -c <compiler.pprof)"

# --- 2. three compilers from the same source, each named compile in its
# own directory: the go command parses `compile -V=full`, which names argv[0].
mkdir off default pgokit
build() { /usr/bin/time -f %e -o t.$$ "$@" >>bench.log 2>&1; st=$?; cat t.$$; rm -f t.$$; return $st; }
t_off=$(build go build -pgo=off -o "$PWD/off/compile" cmd/compile) &&
	t_def=$(build go build -pgo="$GOROOT/src/cmd/compile/default.pgo" -o "$PWD/default/compile" cmd/compile) &&
	t_kit=$(build pgo-build -p compiler.pprof -- -o "$PWD/pgokit/compile" cmd/compile) ||
	{ echo "  building cmd/compile failed"; tail -5 bench.log; exit 1; }
printf '  cmd/compile built: -pgo=off %.0fs, default.pgo %.0fs, pgo-build %.0fs (wall)\n' "$t_off" "$t_def" "$t_kit"
grep -E 'hot edges|coverage' bench.log | tail -2 | sed 's/^/    /'

# --- 3. the timed builds: a toolexec that runs the compiler under test and
# logs each compile's CPU time and package.
cat >toolexec <<'EOF'
#!/bin/sh
tool=$1; shift
case ${tool##*/} in
compile)
	pkg=
	for a in "$@"; do [ "$prev" = -p ] && pkg=$a; prev=$a; done
	[ -n "$pkg" ] || exec "$BENCH_COMPILER_BIN" "$@"
	exec /usr/bin/time -a -o "$BENCH_COMPILE_LOG" -f "%U %S $pkg" "$BENCH_COMPILER_BIN" "$@";;
esac
exec "$tool" "$@"
EOF
chmod +x toolexec
for i in $(seq "$RUNS"); do
	for v in off default pgokit; do
		rm -rf cache-eval log.run
		BENCH_COMPILER_BIN=$PWD/$v/compile BENCH_COMPILE_LOG=$PWD/log.run GOCACHE=$PWD/cache-eval \
			go build -toolexec="$PWD/toolexec" -o /dev/null $EVAL 2>>bench.log ||
			{ echo "  the $v compiler failed"; tail -5 bench.log; exit 1; }
		# CPU of the packages the profile did not see, and of all.
		awk 'NR == FNR { seen[$1] = 1; next }
			{ c = $1 + $2; all += c; if (!($3 in seen)) { n++; new += c } }
			END { printf "%.2f %.2f %d\n", new, all, n }' trained log.run >>cpu.$v
	done
done
rm -rf cache-eval
n_new=$(awk '{ print $3 }' cpu.off | sort -u | head -1)
echo "  compiler CPU building $EVAL from scratch, $RUNS interleaved rounds,"
echo "  median [min-max] seconds, on the $n_new packages the profile did not see, and on all:"
# range FIELD FILE: "median [min-max]" of a column.
range() { cut -d' ' -f"$1" "$2" | sort -g | awk '{ v[NR] = $1 }
	END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%6.2fs [%.2f-%.2f]", m, v[1], v[NR] }'; }
# speedup FIELD V: the speedup of V's median over off's, and the range of
# the per-round speedups (the spread).
speedup() { paste -d' ' cpu.off cpu.$2 | awk -v f="$1" '{ print ($f / $(f + 3) - 1) * 100 }' | sort -g >r.$$
	printf '%+.1f%% (rounds %+.1f%% .. %+.1f%%)' \
		"$(echo "($(cut -d' ' -f"$1" cpu.off | median) / $(cut -d' ' -f"$1" cpu.$2 | median) - 1) * 100" | bc -l)" \
		"$(head -1 r.$$)" "$(tail -1 r.$$)"; rm -f r.$$; }
for v in off default pgokit; do
	printf '    %-7s unseen %s  all %s\n' "$v" "$(range 1 cpu.$v)" "$(range 2 cpu.$v)"
done
for v in default pgokit; do
	printf '    %-7s over off: unseen %s, all %s\n' "$v" "$(speedup 1 $v)" "$(speedup 2 $v)"
done
echo "    (Go reports 2-4% for its compiler with default.pgo, a profile of all of std and cmd)"
echo "  total time: $(( $(date +%s) - t0 ))s"
test_run_cleanup_
cd / && rm -rf "$TEST_DIR"
