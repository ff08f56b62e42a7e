#!/bin/sh
# tests/fuzz/run.sh FUZZER...: run each libFuzzer target for $FUZZTIME
# seconds (default 20) from its seed corpus (tests/fuzz/corpus/<name>, real
# profiles), in a scratch copy so the committed seeds stay as they are.
# Exits non-zero when a target crashes.
here=$(cd "$(dirname "$0")" && pwd)
st=0
for f in "$@"; do
	name=$(basename "$f")
	work=$(mktemp -d)
	[ -d "$here/corpus/$name" ] && cp "$here/corpus/$name"/* "$work/" 2>/dev/null
	echo "fuzz: $name for ${FUZZTIME:-20}s"
	if ! "$f" -max_total_time="${FUZZTIME:-20}" -rss_limit_mb=2048 -timeout=10 \
	    -artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
		echo "fuzz: $name FAILED; last lines:"
		tail -n 40 "$work.log"
		ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null
		st=1
	else
		grep -E "^(Done|#[0-9]+.*DONE)" "$work.log" | tail -1
	fi
	rm -rf "$work" "$work.log"
done
exit $st
