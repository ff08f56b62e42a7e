#!/bin/sh
# tests/run.sh [pattern...]: run the C unit tests and the shell tests (those
# whose names contain one of the patterns, if any are given), print each
# failing script's output, and close with "N passed, N failed, N skipped".
# Exits non-zero on any failure.
cd "$(dirname "$0")" || exit 2

# wanted NAME: is NAME selected by the patterns?
wanted() {
	[ $# -eq 1 ] && return 0
	n=$1; shift
	for p in "$@"; do
		case $n in *"$p"*) return 0;; esac
	done
	return 1
}
pass=0 fail=0 skip=0
logdir=${TMPDIR:-/tmp}/pgokit-logs.$$
mkdir -p "$logdir"

count() {
	# count LOG: add the TAP lines of LOG to the totals.
	p=$(grep -c '^ok ' "$1" | tr -d ' ')
	s=$(grep -c '^ok .*# [Ss][Kk][Ii][Pp]' "$1" | tr -d ' ')
	f=$(grep -c '^not ok ' "$1" | tr -d ' ')
	sa=$(grep -c '^1\.\.0 # SKIP' "$1" | tr -d ' ')
	pass=$((pass + p - s))
	skip=$((skip + s + sa))
	fail=$((fail + f))
}

run_one() {
	# run_one NAME CMD...: run, count, show the log on failure.
	name=$1; shift
	log=$logdir/$name.log
	start=$(date +%s)
	"$@" >"$log" 2>"$log.err"
	st=$?
	end=$(date +%s)
	before=$fail
	count "$log"
	if [ $st -ne 0 ] && [ $fail -eq $before ]; then
		# died without reporting a failing test: count the script as failed
		fail=$((fail + 1))
		echo "not ok - $name exited with status $st" >>"$log"
	fi
	if [ $fail -ne $before ]; then
		echo "FAIL $name ($((end - start))s)"
		sed 's/^/    /' "$log"
		tail -n 60 "$log.err" | sed 's/^/  | /'
	else
		sk=$(grep '# [Ss][Kk][Ii][Pp]' "$log" | sed 's/^/    /')
		echo "ok   $name ($((end - start))s)"
		[ -n "$sk" ] && echo "$sk"
	fi
}

for u in "$PGOKIT_BUILD"/tests/unit/*; do
	[ -x "$u" ] || continue
	n=unit-$(basename "$u")
	wanted "$n" "$@" || continue
	run_one "$n" "$u"
done
for t in t[0-9]*.sh; do
	[ -f "$t" ] || continue
	n=${t%.sh}
	wanted "$n" "$@" || continue
	run_one "$n" bash "./$t"
done
rm -rf "$logdir"
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
