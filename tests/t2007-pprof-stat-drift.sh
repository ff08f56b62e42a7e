#!/bin/bash
# pprof-stat --drift BASE FILE and --diff BASE --pgo FILE against an
# oracle built from `go tool preprofile`: the compiler's own edge lists of
# both profiles, the 99% CDF hot cut and the drift as the man page defines
# it (half the summed |share change| over the edges hot in either),
# computed in Python. Real CPU profiles of the example service at two
# loads, go test profiles, Go's own cmd/compile profile; the exit codes
# pgo.mk relies on.
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"
have python3 || skip_all "python3 not available"

cat >oracle.py <<\PY
import sys

def edges(path):
    lines = open(path).read().split("\n")
    assert lines[0] == "GO PREPROFILE V1", lines[0]
    e = {}
    for i in range(1, len(lines) - 2, 3):
        off, w = lines[i + 2].split()
        key = (lines[i], lines[i + 1], int(off))
        e[key] = e.get(key, 0) + int(w)
    return e

def hot(e):
    total = sum(e.values())
    order = sorted(e, key=lambda k: (-e[k], k[0].encode(), k[1].encode(), k[2]))
    cum, out = 0, set()
    for k in order:
        cum += e[k]
        out.add(k)
        if cum / total * 100 > 99:
            break
    return out

b, n = edges(sys.argv[2]), edges(sys.argv[3])
hb, hn = hot(b), hot(n)
if sys.argv[1] == "drift":
    tb, tn = sum(b.values()), sum(n.values())
    d = sum(abs(n.get(k, 0) / tn - b.get(k, 0) / tb) for k in hb | hn) / 2 * 100
    print("%.1f" % d)
else:
    print(len(hn - hb), len(hb - hn), len(hb & hn))
PY

# oracle MODE BASE FILE: the drift, or "gained lost both" hot-edge counts.
oracle() {
	go tool preprofile -i "$2" -o base.pre &&
	go tool preprofile -i "$3" -o new.pre &&
	python3 oracle.py "$1" base.pre new.pre
}

start_service -load 1 || skip_all "cannot start the example service"
light=$SERVICE_ADDR
start_service -load 4 || skip_all "cannot start a second example service"
curl -sf -o light.pprof "http://$light/debug/pprof/profile?seconds=2" & c1=$!
curl -sf -o heavy.pprof "http://$SERVICE_ADDR/debug/pprof/profile?seconds=2" &&
wait $c1 && curl -sf -o heap.pprof "http://$light/debug/pprof/heap" ||
	skip_all "cannot fetch profiles from the example service"
cp "$GOROOT_123/src/cmd/compile/default.pgo" compile.pgo

test_expect_success '--drift: one number with one decimal, exit 0; 0.0 against itself' '
	pprof-stat --drift light.pprof heavy.pprof >out &&
	test "$(wc -l <out)" = 1 && grep -qx "[0-9][0-9]*\.[0-9]" out &&
	pprof-stat --drift light.pprof light.pprof >self && test "$(cat self)" = 0.0
'
test_expect_success '--drift equals the oracle on the compiler'"'"'s edges' '
	for pair in "light.pprof heavy.pprof" "heavy.pprof light.pprof" \
	    "compile.pgo heavy.pprof" "light.pprof compile.pgo"; do
		set -- $pair &&
		oracle drift "$1" "$2" >want &&
		pprof-stat --drift "$1" "$2" >got &&
		test_cmp want got || return 1
	done
'
test_expect_success '--drift weighs shares: every weight doubled is no drift' '
	go tool pprof -proto light.pprof light.pprof >twice.pprof 2>/dev/null &&
	pprof-stat --drift light.pprof twice.pprof >same && test "$(cat same)" = 0.0 &&
	pprof-stat --drift light.pprof heavy.pprof >d1 &&
	pprof-stat --drift twice.pprof heavy.pprof >d2 && test_cmp d1 d2
'
test_expect_success '--diff --pgo: hot edges gained, lost and in both, as the oracle counts them' '
	oracle sets light.pprof compile.pgo >want &&
	pprof-stat --diff light.pprof --pgo compile.pgo >view &&
	sed -n "s/^Hot edges gained.*: \([0-9]*\)$/\1/p; s/^Hot edges lost.*: \([0-9]*\)$/\1/p; s/^Hot edges re-weighted.*: \([0-9]*\)$/\1/p" view |
		tr "\n" " " | sed "s/ $/\n/" >got &&
	test_cmp want got &&
	grep -qx "Drift: $(pprof-stat --drift light.pprof compile.pgo)% of the hot-edge weight differs" view &&
	pprof-stat --diff light.pprof --pgo -n 2 heavy.pprof >view2 &&
	grep -q "^Hot edges re-weighted (hot in both), largest change first: " view2
'
test_expect_success '--drift: empty profiles, Go-rejected and unreadable inputs' '
	: >empty &&
	test "$(pprof-stat --drift empty empty)" = 0.0 &&
	test "$(pprof-stat --drift empty light.pprof)" = 100.0 &&
	test "$(pprof-stat --drift light.pprof empty)" = 100.0 &&
	test_expect_code 1 pprof-stat --drift heap.pprof light.pprof >out 2>err &&
	test_must_fail test -s out && grep -q "^pprof-stat: " err &&
	test_expect_code 2 pprof-stat --drift missing.pprof light.pprof >out 2>err &&
	test_must_fail test -s out && grep -q "missing.pprof" err &&
	echo "<html>not a profile</html>" >bad.pprof &&
	test_expect_code 2 pprof-stat --drift light.pprof bad.pprof >out 2>err &&
	test_must_fail test -s out
'
test_done
