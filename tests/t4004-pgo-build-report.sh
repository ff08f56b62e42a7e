#!/bin/bash
# pgo-build --report: a small Go program whose hot path has a dominant-type
# interface call and above-budget functions, profiled here; the report lists
# the compiler's devirtualization and hot inlines, --json parses, the binary
# is the same with and without --report, and a profile whose symbols match
# no package built (the module renamed) draws the "changed nothing" warning,
# an error under --strict. Also the --fallback frictions of issue 14. The
# profile is cached per program source (as service_profile does): a new
# profile recompiles the standard library.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/lib-pgobuild.sh"

have_go || skip_all "Go 1.21+ not found"
have jq || skip_all "jq not found"

# write_prog DIR MODULE: the program.
write_prog() {
	mkdir -p "$1/work" &&
	printf 'module %s\n\ngo 1.21\n' "$2" >"$1/go.mod" &&
	cat >"$1/work/work.go" <<'GO' &&
// Package work holds the hot code: an interface call whose dynamic type is
// almost always Square, and a function above the inline budget of 80.
package work

type Shape interface{ Area() float64 }

type Square struct{ S float64 }
type Circle struct{ R float64 }

func (s Square) Area() float64 {
	x := s.S
	for i := 0; i < 8; i++ {
		x = x*0.5 + s.S
	}
	return x
}

func (c Circle) Area() float64 { return 3.14159 * c.R * c.R }

func Shapes(n int) []Shape {
	s := make([]Shape, n)
	for i := range s {
		if i%100 == 0 {
			s[i] = Circle{float64(i)}
		} else {
			s[i] = Square{float64(i)}
		}
	}
	return s
}

func Sum(shapes []Shape, rounds int) float64 {
	t := 0.0
	for r := 0; r < rounds; r++ {
		for _, s := range shapes {
			t += s.Area()
		}
	}
	return t
}
GO
	cat >"$1/main.go" <<GO
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"

	"$2/work"
)

func main() {
	prof := flag.String("cpuprofile", "", "write a CPU profile")
	rounds := flag.Int("n", 1, "rounds")
	flag.Parse()
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			panic(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	fmt.Println(work.Sum(work.Shapes(10000), *rounds))
}
GO
}

test_expect_success 'setup: the program, a profile of it (cached)' '
	write_prog prog example.com/rprog &&
	rounds=300000 &&
	sum=$( (echo $rounds; cat prog/*.go prog/work/*.go) | cksum | cut -d" " -f1) &&
	cached=$PGOKIT_CACHE/pgo-build/report-$sum.pprof &&
	if ! test -s "$cached"; then
		mkdir -p "$PGOKIT_CACHE/pgo-build" &&
		(cd prog && go build -o ../plain .) &&
		GODEBUG=asyncpreemptoff=1 ./plain -n $rounds -cpuprofile "$cached.$$" &&
		mv -f "$cached.$$" "$cached"
	fi &&
	cp "$cached" cpu.pprof
'

test_expect_success '--report: the devirtualized call and a hot inline' '
	mkdir -p out &&
	pgo-build -p cpu.pprof --report rep.txt -- -C "$PWD/prog" -o "$PWD/out/prog" . 2>err &&
	cat err rep.txt &&
	grep "^devirtualized .*work/work.go:[0-9:]* example.com/rprog/work.Sum: Area -> example.com/rprog/work.Square.Area" rep.txt &&
	grep "^inlined .*main.main: example.com/rprog/work\.[A-Za-z]* (cost [0-9]*)" rep.txt &&
	grep "^package [1-9][0-9]* [0-9]* [0-9]* example.com/rprog/work$" rep.txt &&
	grep "^total [1-9][0-9]* devirtualized, [1-9][0-9]* inlined" rep.txt &&
	grep "decisions: [1-9][0-9]* devirtualized, .*(report: rep.txt)" err &&
	test_must_fail grep "changed nothing" err &&
	mv out/prog with-report
'

test_expect_success 'the binary is the same without --report' '
	pgo-build -p cpu.pprof -- -C "$PWD/prog" -o "$PWD/out/prog" . 2>err2 &&
	test_must_fail grep "decisions:" err2 &&
	cmp with-report out/prog
'

test_expect_success '--report --json: the same report, one JSON document' '
	pgo-build -q -p cpu.pprof --report rep.json --json -- -C "$PWD/prog" -o "$PWD/out/prog" . &&
	jq -e ".totals.devirtualized >= 1 and .totals.inlined >= 1" rep.json &&
	jq -e "[.decisions[] | select(.kind == \"devirtualized\" and .method == \"Area\" and
		.callee == \"example.com/rprog/work.Square.Area\")] | length == 1" rep.json &&
	jq -e "[.packages[] | select(.package == \"example.com/rprog/work\")][0].devirtualized >= 1" rep.json &&
	cmp with-report out/prog
'

test_expect_success '--json without --report is a usage error' '
	test_expect_code 2 pgo-build --json -p cpu.pprof -- -C "$PWD/prog" -o "$PWD/out/x" . 2>err-json &&
	grep "report" err-json
'

test_expect_success 'a profile matching no package built: warning, likely cause' '
	write_prog other example.com/renamed &&
	pgo-build -p cpu.pprof --report rep-other.txt -- -C "$PWD/other" -o "$PWD/out/other" . 2>err3 &&
	cat err3 &&
	grep "warning: the profile changed nothing in the 2 packages built outside the standard library" err3 &&
	grep "likely cause: .*example.com/rprog/work" err3 &&
	test -x out/other
'

test_expect_success '--strict makes a profile that changed nothing an error' '
	test_expect_code 1 pgo-build --strict -p cpu.pprof -- -C "$PWD/other" -o "$PWD/out/other" . 2>err4 &&
	grep "error: the profile changed nothing" err4
'

test_expect_success '--fallback: a last NO PGO line, exit 3 under --strict' '
	: >empty.pprof &&
	pgo-build --fallback -p empty.pprof -- -C "$PWD/prog" -o "$PWD/out/fb" . 2>err5 &&
	tail -n 1 err5 | grep "NO PGO: .*out/fb was built WITHOUT a profile" &&
	test_expect_code 3 pgo-build --fallback --strict -p empty.pprof -- -C "$PWD/prog" -o "$PWD/out/fb" . 2>err6 &&
	tail -n 1 err6 | grep "NO PGO: .*exit status 3"
'

test_expect_success 'pgo-build -o: final names in the summary and the binary' '
	mkdir -p own && echo old >own/prog.pgo &&
	pgo-build -p cpu.pprof -o own/prog -- -C "$PWD/prog" . 2>err-own &&
	cat err-own &&
	grep "prepared $PWD/own/prog.pgo: " err-own &&
	grep "coverage: .* is in $PWD/own/prog " err-own &&
	test_must_fail grep "pgo-build\.[0-9]" err-own &&
	go version -m own/prog | grep -x "	build	-pgo=$PWD/own/prog.pgo" &&
	ls -A own >all && printf "prog\nprog.pgo\n" >want && test_cmp want all
'
test_expect_success 'pgo-build -o: a failed build keeps the old binary and its profile' '
	cp own/prog keep && echo older >own/prog.pgo &&
	test_must_fail pgo-build -p cpu.pprof -o own/prog -- -C "$PWD/prog" ./nosuchpkg 2>err-bad &&
	cmp own/prog keep && test "$(cat own/prog.pgo)" = older &&
	ls -A own >all && test_cmp want all &&
	test_expect_code 2 pgo-build -p cpu.pprof -o own/x -- -C "$PWD/prog" -o "$PWD/y" . 2>err-two &&
	grep "go build flags name an output" err-two
'
test_expect_success 'on a terminal, a live count of the packages go compiles' '
	rm -rf prog2 && cp -r prog prog2 && echo "// changed $$" >>prog2/work/work.go &&
	script -qec "pgo-build -p cpu.pprof -o \"$PWD/own/p2\" -- -C \"$PWD/prog2\" ." \
		/dev/null >tty.out 2>&1 &&
	cat -v tty.out && test -x own/p2 &&
	grep -a "building with PGO: [0-9]* packages compiled" tty.out &&
	echo "// again $$" >>prog2/work/work.go &&
	pgo-build -p cpu.pprof -o own/p3 -- -C "$PWD/prog2" . 2>err-p3 &&
	test_must_fail grep "packages compiled" err-p3
'
test_expect_success 'a line says what the long build is doing' '
	grep "building with -pgo=$PWD/out/prog.pgo: a new profile recompiles every package" err
'

test_expect_success 'docs: the merge example reads what pprof-fetch -d writes' '
	grep -F "pb.gz" "$PGOKIT_SRC/tools/pprof-fetch/pprof-fetch.1" &&
	grep -F "profiles/*.pb.gz" "$PGOKIT_SRC/tools/pgo-build/pgo-build.1" &&
	test_must_fail grep -F "profiles/*.pprof" "$PGOKIT_SRC/tools/pgo-build/pgo-build.1"
'

test_expect_success 'docs: no -gcflags without a package pattern' '
	test_must_fail grep -E -- "-gcflags=-" "$PGOKIT_SRC"/tools/*/*.1 "$PGOKIT_SRC/README.md"
'

test_done
