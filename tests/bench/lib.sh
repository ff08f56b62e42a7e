# tests/bench/lib.sh: measuring commands for `make bench`. Each bench script
# sources it, runs its tool and the anchor on the same data in the same run,
# and prints ratios. Benchmarks report numbers; they do not pass or fail on
# them (a target missed is printed as "MISSED", never hidden).

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

declare -A BENCH_WALL BENCH_CPU BENCH_RSS

# bench_run NAME CMD...: run CMD once under GNU time; record wall seconds,
# CPU seconds (user+sys) and peak RSS (KiB) under NAME and print them.
# Output of CMD goes to /dev/null unless redirected inside CMD (use sh -c).
bench_run() {
	local name=$1 tf st wall user sys rss; shift
	tf=$(mktemp)
	/usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >/dev/null 2>bench-$$.err
	st=$?
	read -r wall user sys rss <"$tf"
	rm -f "$tf"
	if [ $st -ne 0 ]; then
		echo "  $name: FAILED (status $st)"; sed 's/^/    /' bench-$$.err | tail -5
	fi
	BENCH_WALL[$name]=$wall
	BENCH_CPU[$name]=$(echo "$user + $sys" | bc -l)
	BENCH_RSS[$name]=$rss
	printf '  %-34s wall %7.2fs  cpu %7.2fs  rss %8.1f MiB\n' "$name" "$wall" \
		"${BENCH_CPU[$name]}" "$(echo "$rss / 1024" | bc -l)"
	return $st
}

# bench_best NAME N CMD...: like bench_run, N times, keeps the fastest
# (CPU) run, to damp noise on a shared machine.
bench_best() {
	local name=$1 n=$2 best_cpu= best_wall= best_rss= i c; shift 2
	for i in $(seq "$n"); do
		bench_run "$name#$i" "$@" >/dev/null || return 1
		c=${BENCH_CPU[$name#$i]}
		if [ -z "$best_cpu" ] || [ "$(echo "$c < $best_cpu" | bc -l)" = 1 ]; then
			best_cpu=$c best_wall=${BENCH_WALL[$name#$i]} best_rss=${BENCH_RSS[$name#$i]}
		fi
	done
	BENCH_WALL[$name]=$best_wall BENCH_CPU[$name]=$best_cpu BENCH_RSS[$name]=$best_rss
	printf '  %-34s wall %7.2fs  cpu %7.2fs  rss %8.1f MiB  (best of %d)\n' "$name" \
		"$best_wall" "$best_cpu" "$(echo "$best_rss / 1024" | bc -l)" "$n"
}

# ratio A B: A/B with two decimals ("inf" when B is 0).
ratio() {
	if [ "$(echo "$2 == 0" | bc -l)" = 1 ]; then echo inf; else printf '%.2f' "$(echo "$1 / $2" | bc -l)"; fi
}

# bench_compare OURS ANCHOR [CPU_TARGET RSS_TARGET]: print anchor/ours ratios
# for CPU, wall and RSS; with targets, say whether each was reached.
bench_compare() {
	o=$1 a=$2 ct=${3:-} rt=${4:-}
	cr=$(ratio "${BENCH_CPU[$a]}" "${BENCH_CPU[$o]}")
	wr=$(ratio "${BENCH_WALL[$a]}" "${BENCH_WALL[$o]}")
	rr=$(ratio "${BENCH_RSS[$a]}" "${BENCH_RSS[$o]}")
	line=$(printf '  => %s vs %s: cpu %sx less, wall %sx less, rss %sx less' "$o" "$a" "$cr" "$wr" "$rr")
	if [ -n "$ct" ]; then
		v=met
		[ "$cr" = inf ] || [ "$(echo "$cr >= $ct" | bc -l)" = 1 ] || v=MISSED
		line="$line [cpu target ${ct}x: $v"
		if [ -n "$rt" ]; then
			v=met
			[ "$rr" = inf ] || [ "$(echo "$rr >= $rt" | bc -l)" = 1 ] || v=MISSED
			line="$line; rss target ${rt}x: $v"
		fi
		line="$line]"
	fi
	echo "$line"
}

# bench_spread NAME N: the runs "NAME #1".."NAME #N" (bench_run) summed up:
# their medians of CPU, wall and peak RSS are stored under NAME, and a line
# with each median and its range [min-max] is printed.
bench_spread() {
	local name=$1 n=$2 k i line
	line=$(printf '  %-26s' "$name")
	for k in CPU WALL RSS; do
		unset -n arr
		local -n arr=BENCH_$k
		local vals=()
		for i in $(seq "$n"); do vals+=("${arr["$name #$i"]}"); done
		mapfile -t vals < <(printf '%s\n' "${vals[@]}" | sort -g)
		arr[$name]=${vals[$(( (n - 1) / 2 ))]}
		[ $((n % 2)) = 1 ] ||
			arr[$name]=$(echo "(${vals[$((n / 2 - 1))]} + ${vals[$((n / 2))]}) / 2" | bc -l)
		case $k in
		RSS) line="$line  rss $(printf '%.0f MiB [%.0f-%.0f]' "$(echo "${arr[$name]} / 1024" | bc -l)" \
			"$(echo "${vals[0]} / 1024" | bc -l)" "$(echo "${vals[$((n - 1))]} / 1024" | bc -l)")";;
		*) line="$line  ${k,,} $(printf '%.2fs [%.2f-%.2f]' "${arr[$name]}" "${vals[0]}" "${vals[$((n - 1))]}")";;
		esac
	done
	echo "$line"
}
