#!/bin/sh
# tests/fuzz/run.sh FUZZER...: run each libFuzzer target for $FUZZTIME
# seconds (default 20) from its seed corpus (tests/fuzz/corpus/<name>), in a
# scratch copy so the committed seeds stay as they are.
# A target fails when it crashes, leaks, times out or prints any sanitizer
# report (the targets are built with -fno-sanitize-recover=all, so a report
# also stops the run; the log check holds if a build ever recovers). A failed
# run keeps its log and the input that failed in $FUZZ_KEEP (default
# ./fuzz-failed/<name>) and says where; exits non-zero when any target failed.
here=$(cd "$(dirname "$0")" && pwd)
keep=${FUZZ_KEEP:-$PWD/fuzz-failed}
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1}"
st=0
for f in "$@"; do
	name=$(basename "$f")
	work=$(mktemp -d)
	[ -d "$here/corpus/$name" ] && cp "$here/corpus/$name"/* "$work/" 2>/dev/null
	echo "fuzz: $name for ${FUZZTIME:-20}s"
	"$f" -max_total_time="${FUZZTIME:-20}" -rss_limit_mb=2048 -timeout=10 \
	    -print_final_stats=1 -artifact_prefix="$work/" "$work" >"$work.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || grep -Eq "runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer" "$work.log"; then
		mkdir -p "$keep/$name"
		mv "$work.log" "$keep/$name/log"
		mv "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* "$keep/$name/" 2>/dev/null
		echo "fuzz: $name FAILED (status $rc); last lines:"
		tail -n 40 "$keep/$name/log"
		echo "fuzz: $name: log and failing input kept in $keep/$name"
		st=1
	else
		# Runs, time, coverage and corpus size of the run.
		grep -E "^Done " "$work.log" | tail -1
		grep -E "^#[0-9]+.*DONE" "$work.log" | tail -1
		rm -f "$work.log"
	fi
	rm -rf "$work"
done
exit $st
