#!/bin/sh
# tests/bench/run.sh: run every tests/bench/bench-*.sh in order and print
# their tables. BENCH=pattern picks some.
cd "$(dirname "$0")" || exit 2
st=0
for b in bench-*.sh; do
	[ -f "$b" ] || continue
	case $b in *"${BENCH:-}"*) ;; *) continue;; esac
	echo "== ${b%.sh}"
	bash "./$b" || st=1
done
exit $st
