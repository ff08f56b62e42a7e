#!/bin/bash
# Clean profiles (issue 14): runtime.asyncPreempt, injected by a preemption
# signal at whatever line it interrupted, is read by Go's compiler as the
# hottest callee of an interface call site and stops PGO devirtualization
# there. A small program with one such site (Circle dominates), profiled
# without preemption, gets asyncPreempt planted at that site (pprof-edit -A:
# real preemption is random); the compiler itself is the oracle: with the
# raw profile it does not devirtualize the site, with pgo-build's prepared
# profile (a real PGO build) it does. Also --keep-frames and the warnings
# of pprof-stat --check, --json and --pgo.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/lib-pgobuild.sh"

have_go || skip_all "Go 1.21+ not found"
have pprof-edit || skip_all "tests/helpers not built (make check builds them)"

mkdir shapes
cat >shapes/go.mod <<'EOF'
module example.com/shapes

go 1.23
EOF
cat >shapes/main.go <<'EOF'
// One interface call site (total's sh.Area()) where Circle is 95% of the
// calls and nearly all of the time: PGO devirtualizes it to Circle.Area.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"
)

type Shape interface{ Area() float64 }

type Circle struct{ r float64 }
type Square struct{ s float64 }

func (c Circle) Area() float64 {
	a := 0.0
	for i := 0; i < 200; i++ {
		a += c.r * c.r * 3.14159 / float64(i+1)
	}
	return a
}

func (q Square) Area() float64 { return q.s * q.s }

//go:noinline
func total(shapes []Shape) float64 {
	s := 0.0
	for _, sh := range shapes {
		s += sh.Area()
	}
	return s
}

func main() {
	out := flag.String("cpuprofile", "", "write a CPU profile here")
	dur := flag.Duration("d", 2*time.Second, "how long to run")
	flag.Parse()
	shapes := make([]Shape, 100)
	for i := range shapes {
		if i%20 == 0 {
			shapes[i] = Square{float64(i)}
		} else {
			shapes[i] = Circle{float64(i)}
		}
	}
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			panic(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	sum := 0.0
	for end := time.Now().Add(*dur); time.Now().Before(end); {
		sum += total(shapes)
	}
	fmt.Println(sum > 0)
}
EOF

# shapes_profile FILE: a CPU profile of the program without preemption
# frames, kept in $PGOKIT_CACHE per source (as service_profile does): the
# prepared profile is then the same file every run, and the standard
# library is PGO-built for it once.
shapes_profile() {
	sum=$(cat shapes/*.go | cksum | cut -d' ' -f1)
	cached=$PGOKIT_CACHE/pgo-build/shapes-$sum.pprof
	if [ ! -s "$cached" ]; then
		mkdir -p "$PGOKIT_CACHE/pgo-build"
		bin=$(go_build_cached shapes "$PWD/shapes") &&
		GODEBUG=asyncpreemptoff=1 "$bin" -d 1500ms -cpuprofile "$cached.tmp.$$" >/dev/null &&
			mv -f "$cached.tmp.$$" "$cached" || return 1
	fi
	cp "$cached" "$1"
}

# compile PROFILE: compile the main package alone with PROFILE (-pgoprofile
# reaches only the packages named: no PGO rebuild of the standard library)
# and print what the compiler said about the interface call site.
compile() {
	go build -C shapes -pgo=off -o /dev/null \
		-gcflags="-pgoprofile=$PWD/$1 -m -d=pgodebug=2" . 2>&1 |
		grep "main.go:32:15: "
}

DEVIRT='main.go:32:15: PGO devirtualizing interface call sh.Area to Circle.Area'

test_expect_success 'setup: a profile without preemption frames, one planted' '
	shapes_profile base.pprof &&
	go tool preprofile -i base.pprof -o base.pre &&
	grep -A2 -x main.total base.pre | grep -x -A1 main.Circle.Area | grep "^3 " &&
	test_must_fail grep asyncPreempt base.pre &&
	pprof-edit -A main.total:150 base.pprof raw.pprof &&
	go tool preprofile -i raw.pprof -o raw.pre &&
	grep -A2 -x main.total raw.pre | grep -x -A1 runtime.asyncPreempt | grep "^3 "
'

test_expect_success 'the site is devirtualized with the profile before planting' '
	compile base.pprof >base.m &&
	cat base.m &&
	grep "$DEVIRT" base.m
'

test_expect_success 'the raw profile: asyncPreempt is the hottest callee, no devirtualization' '
	compile raw.pprof >raw.m &&
	cat raw.m &&
	grep "main.go:32:15: call main.total:3: hottest callee runtime.asyncPreempt" raw.m &&
	test_must_fail grep "PGO devirtualizing interface call sh.Area" raw.m
'

test_expect_success 'pgo-build removes the frames, says so, and Go devirtualizes' '
	pgo-build -p raw.pprof -- -C "$PWD/shapes" -gcflags=-m -o "$PWD/shapes-pgo" . >out 2>err &&
	cat err &&
	grep "$DEVIRT" err &&
	grep "removed runtime.asyncPreempt frames from [1-9][0-9]* samples ([0-9.]*% of the weight): a preemption signal" err &&
	go version -m shapes-pgo | grep -x "	build	-pgo=$PWD/shapes-pgo.pgo" &&
	go tool preprofile -i shapes-pgo.pgo -o prep.pre &&
	test_must_fail grep asyncPreempt prep.pre &&
	compile shapes-pgo.pgo >prep.m &&
	grep "$DEVIRT" prep.m
'

test_expect_success '--keep-frames keeps them, and the site is not devirtualized' '
	go_spy &&
	FAKE_BUILD=0 GO=$PWD/go-spy pgo-build --keep-frames -p raw.pprof -- -o kept . 2>err &&
	test_must_fail grep "removed runtime" err &&
	go tool preprofile -i kept.pgo -o kept.pre &&
	grep -x runtime.asyncPreempt kept.pre &&
	compile kept.pgo >kept.m &&
	test_must_fail grep "PGO devirtualizing interface call sh.Area" kept.m
'

test_expect_success 'pprof-stat --check, --json and --pgo warn about the frames' '
	pprof-stat --check raw.pprof >check &&
	cat check &&
	grep "^raw.pprof: usable for PGO" check &&
	grep "^  warning: runtime.asyncPreempt frames hold [0-9.]*% of the samples and [0-9.]*% of the hot-edge weight: .*pgo-build removes them" check &&
	pprof-stat --json raw.pprof >json &&
	python3 -c "import json, sys; w = json.load(open(\"json\"))[\"pgo\"][\"warnings\"]; assert len(w) == 1 and \"runtime.asyncPreempt\" in w[0], w" &&
	pprof-stat --pgo raw.pprof >pgo &&
	grep "^Warning: runtime.asyncPreempt frames hold" pgo
'

test_expect_success 'no warning, and no new output, without such frames' '
	pprof-stat --check base.pprof >check &&
	test "$(cat check)" = "base.pprof: usable for PGO (sample type samples/count)" &&
	pprof-stat --check shapes-pgo.pgo >check &&
	test_must_fail grep -i warning check &&
	pprof-stat --json base.pprof >json &&
	python3 -c "import json; assert \"warnings\" not in json.load(open(\"json\"))[\"pgo\"]" &&
	pprof-stat --pgo base.pprof >pgo &&
	test_must_fail grep -i warning pgo
'

test_done
