#!/bin/bash
# pprof-stat --diff BASE --svg FILE, the differential flame graph, in a real
# browser (headless Chromium): widths from the new profile, frames that grew
# red and frames that shrank blue (a base that holds encoding/json twice as
# heavily as the new profile: json shrank, strconv grew), each frame's
# tooltip with the base's share as --folded of the base sums it, and the
# search finds a frame.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"
CHROME=$(command -v chromium || command -v chromium-browser) ||
	skip_all "chromium not installed (apt-get install chromium)"

chrome() {
	"$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$PWD/chrome.XXXXXX")" "$@" 2>>chrome.err
}

# share FILE PREFIX: the percent of FILE's samples whose stack starts
# with the frames PREFIX (root first, ;-joined), from --folded.
share() {
	pprof-stat --folded "$1" | awk -v p="$2" '
		{ v = $NF; s = $0; sub(/ [^ ]*$/, "", s); t += v
		  if (s == p || index(s, p ";") == 1) m += v }
		END { printf "%.2f\n", 100 * m / t }'
}

test_expect_success 'setup: go test profiles of strconv and encoding/json' '
	go test -run "^$" -bench "Atoi|FormatFloat" -benchtime 200ms \
		-cpuprofile strconv.pprof strconv >gotest.log 2>&1 &&
	go test -run "^$" -bench "CodeEncoder" -benchtime 200ms \
		-cpuprofile json.pprof encoding/json >>gotest.log 2>&1 &&
	go tool pprof -proto strconv.pprof json.pprof >new.pprof 2>/dev/null &&
	go tool pprof -proto strconv.pprof json.pprof json.pprof >base.pprof 2>/dev/null
'
test_expect_success 'well-formed, titled, one group per frame, red and blue frames' '
	pprof-stat --diff base.pprof --svg new.pprof >diff.svg &&
	if have xmllint; then xmllint --noout diff.svg; fi &&
	grep -q "<text id=\"title\"[^>]*>Differential flame graph: new.pprof" diff.svg &&
	test "$(grep -c "<g class=\"f\"" diff.svg)" -gt 10 &&
	grep "<g class=\"f\"[^>]*data-n=\"strconv_test\.Benchmark" diff.svg >grew &&
	grep "<g class=\"f\"[^>]*data-n=\"encoding/json\.Benchmark" diff.svg >shrank &&
	test -s grew && test -s shrank &&
	test_must_fail grep -v "fill=\"rgb(255,[0-9]*,[0-9]*)\"" grew &&
	test_must_fail grep -v "fill=\"rgb([0-9]*,[0-9]*,255)\"" shrank
'
test_expect_success 'tooltips: new share, the base share as --folded sums it, the change' '
	root=$(sed -n "s/.*<g class=\"f\"[^>]*data-d=\"1\"[^>]*data-n=\"\([^\"]*\)\".*/\1/p" diff.svg | head -1) &&
	test -n "$root" &&
	title=$(grep -F "data-n=\"$root\"" diff.svg | grep "data-d=\"1\"" | sed -n "s/.*<title>\([^<]*\)<\/title>.*/\1/p") &&
	new=$(share new.pprof "$root") && base=$(share base.pprof "$root") &&
	case $title in
	"$root ("*", $new%; base $base%, "[+-]*" points)") ;;
	*) echo "title: $title; want new $new%, base $base%"; false;;
	esac
'
test_expect_success 'Chromium renders it and the search finds a frame' '
	chrome --virtual-time-budget=3000 --dump-dom "file://$PWD/diff.svg?s=%5Estrconv%5C." >dom &&
	sed -n "s/.*<text id=\"matched\"[^>]*>\([^<]*\)<\/text>.*/\1/p" dom >got &&
	grep -q "^Matched: [0-9.]*% ([1-9][0-9]* frames)$" got &&
	grep -q "<text id=\"details\"[^>]*>Hottest frame: " dom &&
	chrome --window-size=1200,900 --screenshot="$PWD/diff.png" "file://$PWD/diff.svg" >/dev/null &&
	test "$(wc -c <diff.png)" -gt 10000
'
test_expect_success '--min-width applies to the differential graph too' '
	pprof-stat --diff base.pprof --svg --min-width 0 new.pprof >all.svg &&
	pprof-stat --diff base.pprof --svg --min-width 20 new.pprof >few.svg &&
	test "$(grep -c "<g class=\"f\"" few.svg)" -lt "$(grep -c "<g class=\"f\"" diff.svg)" &&
	test "$(grep -c "<g class=\"f\"" diff.svg)" -le "$(grep -c "<g class=\"f\"" all.svg)"
'
test_done
