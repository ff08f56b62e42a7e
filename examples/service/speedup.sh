#!/bin/sh
# speedup.sh: time the work package's per-part benchmarks in two test
# binaries (built without and with a profile), ROUNDS times, alternating the
# binaries within each round so drift hits both alike, and print one line per
# part: the median cost per op of each, its min-max, and the speedup with the
# spread of the per-round ratios. Used by demo.sh and tests/bench.
#
# usage: speedup.sh OFF.test PGO.test ROUNDS [BENCH...]
# (BENCH defaults to Devirt Inline JSON). The cost is CPU time (user + sys of
# the run over its ops) when /usr/bin/time exists: on a shared machine,
# waiting for a core does not count there; otherwise Go's wall-clock ns/op.
# Each run does a fixed number of ops, about SPEEDUP_SECONDS (default 1) of
# CPU in the first binary: /usr/bin/time counts in hundredths of a second.

set -eu
[ $# -ge 3 ] || { echo "usage: speedup.sh OFF.test PGO.test ROUNDS [BENCH...]" >&2; exit 2; }
off=$1 pgo=$2 rounds=$3
shift 3
# Run the binaries by path, never through PATH.
case $off in /*|./*|../*) ;; *) off=./$off;; esac
case $pgo in /*|./*|../*) ;; *) pgo=./$pgo;; esac
[ $# -gt 0 ] || set -- Devirt Inline JSON
tmp=$(mktemp -d "${TMPDIR:-/tmp}/speedup.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
measure=wall
[ -x /usr/bin/time ] && measure=cpu
seconds=${SPEEDUP_SECONDS:-1}

# run BIN BENCH OPS: one run; prints its cost per op in ns.
run() {
	if [ $measure = cpu ]; then
		/usr/bin/time -f '%U %S' -o "$tmp/time" "$1" -test.run '^$' \
			-test.bench "^Benchmark$2\$" -test.benchtime "${3}x" >"$tmp/out"
		# The ops: the fixed count, plus the one Go's benchmark runs first.
		read -r u s <"$tmp/time"
		awk -v u="$u" -v s="$s" -v n="$3" 'BEGIN { printf "%.0f\n", (u + s) * 1e9 / (n + 1) }'
	else
		"$1" -test.run '^$' -test.bench "^Benchmark$2\$" -test.benchtime "${3}x" |
			awk '/^Benchmark/ { print $3 }'
	fi
}

for b in "$@"; do
	n=$("$off" -test.run '^$' -test.bench "^Benchmark$b\$" -test.benchtime 0.2s |
		awk '/^Benchmark/ { print $2 }')
	[ -n "$n" ] || { echo "speedup.sh: Benchmark$b printed no result" >&2; exit 1; }
	per=$(run "$off" "$b" "$n")
	ops=$(awk -v per="$per" -v s="$seconds" -v n="$n" 'BEGIN {
		o = per > 0 ? int(s * 1e9 / per) : n; print (o > 0 ? o : 1) }')
	i=0
	while [ $i -lt "$rounds" ]; do
		# Alternate which binary goes first, too.
		if [ $((i % 2)) -eq 0 ]; then
			o=$(run "$off" "$b" "$ops"); p=$(run "$pgo" "$b" "$ops")
		else
			p=$(run "$pgo" "$b" "$ops"); o=$(run "$off" "$b" "$ops")
		fi
		echo "$o $p" >>"$tmp/$b"
		i=$((i + 1))
	done
	sort -n -k1,1 "$tmp/$b" | awk '{ print $1 }' >"$tmp/off"
	sort -n -k2,2 "$tmp/$b" | awk '{ print $2 }' >"$tmp/pgo"
	awk '{ print ($1 / $2 - 1) * 100 }' "$tmp/$b" | sort -g >"$tmp/ratio"
	paste "$tmp/off" "$tmp/pgo" "$tmp/ratio" | awk -v b="$b" -v m="$measure" -v ops="$ops" '
		{ o[NR] = $1; p[NR] = $2; r[NR] = $3 }
		function med(v) { return (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }
		END {
			printf "%-8s off %10.0f ns/op [%.0f-%.0f]  pgo %10.0f ns/op [%.0f-%.0f]  speedup %+6.1f%% (rounds %+.1f%% .. %+.1f%%)  %s, %d rounds of %d ops\n",
				b, med(o), o[1], o[NR], med(p), p[1], p[NR], (med(o) / med(p) - 1) * 100,
				r[1], r[NR], m, NR, ops
		}'
done
