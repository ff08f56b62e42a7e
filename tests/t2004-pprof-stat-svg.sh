#!/bin/bash
# pprof-stat --svg in a real browser (headless Chromium): the flame graph
# renders, its script runs and names the hottest frame (the stack with the
# largest value in --folded), hover shows name/value/percent, click zooms,
# search highlights the matching frames with their share of the total (as
# --folded sums it), and Go's cmd/compile profile draws in under 1 MB.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"
CHROME=$(command -v chromium || command -v chromium-browser) ||
	skip_all "chromium not installed (apt-get install chromium)"

chrome() {
	"$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$PWD/chrome.XXXXXX")" "$@" 2>>chrome.err
}

start_service || skip_all "cannot start the example service"
curl -sf -o cpu.pprof "http://$SERVICE_ADDR/debug/pprof/profile?seconds=2" ||
	skip_all "cannot fetch a profile from the example service"

# hottest_leaves: the leaf frames of the folded stacks with the largest value.
hottest_leaves() {
	pprof-stat --folded cpu.pprof | awk '
		{ v = $NF; s = $0; sub(/ [^ ]*$/, "", s); n = split(s, f, ";"); leaf[NR] = f[n]; val[NR] = v
		  if (v > max) max = v }
		END { for (i = 1; i <= NR; i++) if (val[i] == max) print leaf[i] }' | sort -u
}

test_expect_success 'the SVG is well-formed XML with one group per frame' '
	pprof-stat --svg cpu.pprof >flame.svg &&
	head -c 200 flame.svg | grep -q "<svg" &&
	if have xmllint; then xmllint --noout flame.svg; fi &&
	test "$(grep -c "<g class=\"f\"" flame.svg)" -gt 10
'
test_expect_success 'Chromium runs the script; the page names the hottest frame' '
	chrome --virtual-time-budget=3000 --dump-dom "file://$PWD/flame.svg" >dom &&
	hottest_leaves >want && test -s want &&
	sed -n "s/.*<text id=\"details\"[^>]*>Hottest frame: \(.*\) (self [^<]*<\/text>.*/\1/p" dom >got &&
	test -s got && grep -qxF -f want got
'
test_expect_success 'hover shows name, value and percent; click zooms; reset restores' '
	sed "\$d" flame.svg >probe.svg &&
	cat >>probe.svg <<-\PROBE &&
	<script type="text/ecmascript"><![CDATA[
	window.addEventListener("load", function () { setTimeout(function () {
	  var out = [], gs = document.getElementsByClassName("f"), hot = null;
	  var want = document.getElementById("details").textContent.replace(/^Hottest frame: /, "").replace(/ \(self .*$/, "");
	  for (var i = 0; i < gs.length; i++) if (gs[i].getAttribute("data-n") === want) { hot = gs[i]; break; }
	  function hidden() { var n = 0; for (var i = 0; i < gs.length; i++) if (gs[i].style.display === "none") n++; return n; }
	  if (!hot) out.push("nohot"); else {
	    hot.dispatchEvent(new MouseEvent("mouseover"));
	    var d = document.getElementById("details").textContent;
	    out.push(d.indexOf(want + " (") === 0 && /[0-9.]+%\)$/.test(d) ? "hover=ok" : "hover=bad");
	    hot.dispatchEvent(new MouseEvent("click"));
	    var w = +hot.querySelector("rect").getAttribute("width");
	    out.push(w > 1190 && hidden() > 0 ? "zoom=ok" : "zoom=bad");
	    document.getElementById("unzoom").dispatchEvent(new MouseEvent("click"));
	    out.push(hidden() === 0 ? "unzoom=ok" : "unzoom=bad");
	  }
	  var t = document.createElementNS("http://www.w3.org/2000/svg", "text");
	  t.setAttribute("id", "probe"); t.textContent = "PROBE " + out.join(" ");
	  document.documentElement.appendChild(t);
	}, 0); });
	]]></script>
	</svg>
	PROBE
	chrome --virtual-time-budget=3000 --dump-dom "file://$PWD/probe.svg" >dom2 &&
	grep -q "<text id=\"probe\">PROBE hover=ok zoom=ok unzoom=ok</text>" dom2
'
test_expect_success 'Chromium renders a screenshot of it' '
	chrome --window-size=1200,900 --screenshot="$PWD/flame.png" "file://$PWD/flame.svg" >/dev/null &&
	test "$(head -c 8 flame.png | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a &&
	test "$(wc -c <flame.png)" -gt 10000
'
# folded_share ERE: the percent of the samples whose stack has a frame
# matching ERE, from --folded.
folded_share() {
	pprof-stat --folded "${2:-cpu.pprof}" | awk -v re="$1" '
		{ v = $NF; s = $0; sub(/ [^ ]*$/, "", s); t += v; n = split(s, f, ";")
		  for (i = 1; i <= n; i++) if (f[i] ~ re) { m += v; break } }
		END { printf "%.2f\n", 100 * m / t }'
}

# matched DOM: the search result line the page shows.
matched() { sed -n "s/.*<text id=\"matched\"[^>]*>\([^<]*\)<\/text>.*/\1/p" "$1"; }

test_expect_success 'search (?s=regex): matches highlighted, their share as --folded sums it' '
	pprof-stat --svg --min-width 0 cpu.pprof >all.svg &&
	chrome --virtual-time-budget=3000 --dump-dom "file://$PWD/all.svg?s=work%5C.%5BA-Z%5D" >dom4 &&
	matched dom4 >got && grep -q "^Matched: [0-9.]*% ([1-9][0-9]* frames)$" got &&
	want=$(folded_share "work\\.[A-Z]") && test "$want" != 0.00 &&
	grep -q "^Matched: $want% " got &&
	test "$(grep -o "fill=\"rgb(230,0,230)\"" dom4 | wc -l)" -gt 0
'
test_expect_success 'the Search button asks for a regex; a second click resets' '
	sed "\$d" flame.svg >probe2.svg &&
	cat >>probe2.svg <<-\PROBE &&
	<script type="text/ecmascript"><![CDATA[
	window.prompt = function () { return "^runtime\\."; };
	window.addEventListener("load", function () { setTimeout(function () {
	  var s = document.getElementById("search"), out = [];
	  s.dispatchEvent(new MouseEvent("click"));
	  out.push(document.getElementById("matched").textContent);
	  out.push(s.textContent);
	  s.dispatchEvent(new MouseEvent("click"));
	  out.push(document.getElementById("matched").textContent === "" ? "cleared" : "kept");
	  var t = document.createElementNS("http://www.w3.org/2000/svg", "text");
	  t.setAttribute("id", "probe"); t.textContent = "PROBE " + out.join("|");
	  document.documentElement.appendChild(t);
	}, 0); });
	]]></script>
	</svg>
	PROBE
	chrome --virtual-time-budget=3000 --dump-dom "file://$PWD/probe2.svg" >dom5 &&
	grep -q "<text id=\"probe\">PROBE Matched: [0-9.]*% ([1-9][0-9]* frames)|Reset search|cleared</text>" dom5
'
test_expect_success 'Go'"'"'s compiler profile: under 700 KB by default (12 MB at 0.1 px)' '
	cp "$GOROOT_123/src/cmd/compile/default.pgo" compile.pgo &&
	pprof-stat --svg compile.pgo >compile.svg &&
	test "$(wc -c <compile.svg)" -lt 700000 &&
	pprof-stat --svg --min-width 0.1 compile.pgo >wide.svg &&
	test "$(wc -c <wide.svg)" -gt 5000000 &&
	test_expect_code 2 pprof-stat --svg --min-width -1 compile.pgo
'
test_expect_success 'the search counts the frames left out: the share --folded sums' '
	chrome --virtual-time-budget=5000 --dump-dom "file://$PWD/compile.svg?s=%5Eruntime%5C.mallocgc%24" >dom6 &&
	want=$(folded_share "^runtime\\.mallocgc$" compile.pgo) && test "$want" != 0.00 &&
	matched dom6 | grep "^Matched: $want% ([1-9][0-9]* frames)$" &&
	drawn=$(grep -c "<g class=\"f\"[^>]*data-n=\"runtime.mallocgc\"" compile.svg) &&
	all=$(pprof-stat --folded compile.pgo | sed "s/ [0-9]*$//" | tr ";" "\n" | grep -c "^runtime.mallocgc$") &&
	test "$drawn" -lt "$all"
'
test_expect_success 'an empty profile still gives a valid page' '
	pfmangle nosamples cpu.pprof empty.pprof &&
	pprof-stat --svg empty.pprof >empty.svg &&
	chrome --virtual-time-budget=2000 --dump-dom "file://$PWD/empty.svg" >dom3 &&
	grep -q "No samples" dom3
'
test_done
