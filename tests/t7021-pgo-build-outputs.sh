#!/bin/bash
# pgo-build's outputs (issue 15): -o a character device, a FIFO or a
# symlink, --install through a symlinked default.pgo, and a prepared
# profile there as a symlink or a FIFO, are written in place or through
# the link, never replaced (F1); a path with a space, a quote, a tab or
# an unprintable character is read back from `go version -m` without a
# false warning (F22); a binary or prepared profile that would land on
# the input profile is refused before go runs (F6); a bad --install
# directory or -o directory is refused before go runs (F23);
# an unreadable -p names it once (F25). The builds are real ones of a
# tiny program with one deterministic profile, so the standard library's
# PGO build comes from the shared GOCACHE after the first run.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/lib-pgobuild.sh"

have_go || skip_all "Go 1.21+ not found"
have genfleet || skip_all "tests/helpers not built (make check builds them)"
mkdir g && genfleet -n 1 -s 400 -d 12 g >/dev/null && mv g/fleet-000.pprof cpu.pprof ||
	skip_all "genfleet failed"
mkdir tiny && printf 'package main\n\nfunc main() { println("tiny") }\n' >tiny/main.go &&
	printf 'module tiny\n\ngo 1.21\n' >tiny/go.mod
go_spy
is_root() { [ "$(id -u)" = 0 ]; }

# build ARGS...: pgo-build -p cpu.pprof ARGS -- -C tiny ., stderr in err.
build() { pgo-build -p cpu.pprof "$@" -- -C tiny . 2>err; }
# records FILE: the -pgo= setting FILE records, unquoted by Go itself.
records() { go version -m "$1" | sed -n 's/^	build	-pgo=//p'; }
# no_temps: no pgo-build temp file is left in the current directory.
no_temps() { ls -A >all && test_must_fail grep -e "\.pgo-build\." -e "^\..*\.[A-Za-z0-9]\{6\}$" all; }

if is_root; then
	test_expect_success '-o a character device: built, copied in, the device stays' '
		mknod null c 1 3 &&
		build -o null &&
		cat err &&
		test -c null &&
		test -s pgo-build.pgo &&
		no_temps
	'
else
	test_skip '-o a character device: built, copied in, the device stays' 'mknod needs root'
fi

test_expect_success '-o a FIFO: its reader gets the binary, the FIFO stays' '
	mkfifo fifo &&
	{ timeout 120 cat fifo >got & } && reader=$! &&
	build -o fifo &&
	wait "$reader" &&
	test -p fifo &&
	test "$(records got)" = "$PWD/pgo-build.pgo" &&
	no_temps
'

test_expect_success '-o and --install through symlinks: the targets change, the links stay' '
	mkdir bin inst &&
	ln -s bin/tiny-real link &&
	ln -s ../installed.pgo inst/default.pgo &&
	build -o link --install inst &&
	cat err &&
	test -L link && test -L inst/default.pgo &&
	test "$(records bin/tiny-real)" = "$PWD/link.pgo" &&
	cmp installed.pgo link.pgo &&
	no_temps
'

# The prepared profile, <binary>.pgo, there already as a symlink or a FIFO
# (F1): written through the link or into the FIFO; a failed build puts the
# old profile back through the link and leaves the FIFO alone (it was
# read to be kept, which hung: a FIFO has no writer then).
test_expect_success 'setup: the prepared profile of a plain build' '
	build -o plain &&
	test -f plain.pgo && test -s plain.pgo
'

test_expect_success 'the prepared profile there as a symlink: written through it, the link stays' '
	mkdir prep &&
	ln -s prep/real.pgo sym.pgo &&
	build -o sym &&
	cat err &&
	test -L sym.pgo && test "$(readlink sym.pgo)" = prep/real.pgo &&
	cmp prep/real.pgo plain.pgo &&
	test "$(records sym)" = "$PWD/sym.pgo" &&
	echo previous >prep/real.pgo &&
	test_expect_code 1 env GO=$PWD/go-spy FAKE_BUILD=1 pgo-build -p cpu.pprof -o sym -- -C tiny . 2>err &&
	test -L sym.pgo && test "$(cat prep/real.pgo)" = previous &&
	no_temps
'

test_expect_success 'the prepared profile there as a FIFO: its reader gets it, the FIFO stays' '
	mkfifo ff.pgo &&
	{ timeout 60 cat ff.pgo >ff.got & } && reader=$! &&
	: >go.log &&
	test_expect_code 1 env GO=$PWD/go-spy FAKE_BUILD=1 timeout 60 \
		pgo-build -p cpu.pprof -o ff -- -C tiny . 2>err &&
	wait "$reader" &&
	cat err &&
	test -p ff.pgo &&
	cmp ff.got plain.pgo &&
	grep "^build .*-pgo=$PWD/ff.pgo" go.log &&
	no_temps
'

# Go quotes a build setting holding a space, a quote, a tab or a character
# it cannot print (strconv.Quote): \", \t, \x01, \u200b.
W="$PWD/a b\"c	d$(printf '\001')e$(printf '\342\200\213')f"
test_expect_success 'an output path Go has to quote gives no false warning' '
	mkdir "$W" &&
	build -v -o "$W/tiny" &&
	cat err &&
	go version -m "$W/tiny" | grep "build	-pgo=\"" &&
	test "$(records "$W/tiny")" != "$W/tiny.pgo" &&
	test_must_fail grep "warning: .*records" err &&
	grep -F "$W/tiny: records -pgo=$W/tiny.pgo" err
'

test_expect_success 'a prepared profile that would replace the input is refused (F6)' '
	cp cpu.pprof svc.pgo &&
	: >go.log &&
	test_expect_code 2 env GO=$PWD/go-spy FAKE_BUILD=0 pgo-build -p svc.pgo -- -C tiny -o "$PWD/svc" . 2>err &&
	cat err &&
	grep "^pgo-build: svc.pgo: the prepared profile would be written over the profile" err &&
	test_expect_code 2 env GO=$PWD/go-spy FAKE_BUILD=0 pgo-build -p svc.pgo -o svc -- -C tiny . 2>err &&
	cmp svc.pgo cpu.pprof &&
	test_must_fail test -s go.log
'

test_expect_success 'the same file by another name (a link) is refused too' '
	cp cpu.pprof in.pprof &&
	ln in.pprof hard.pgo && ln -s in.pprof soft.pgo &&
	test_expect_code 2 env GO=$PWD/go-spy FAKE_BUILD=0 pgo-build -p in.pprof -o hard -- -C tiny . 2>err &&
	grep "in.pprof: the prepared profile would be written over the profile" err &&
	test_expect_code 2 env GO=$PWD/go-spy FAKE_BUILD=0 pgo-build -p in.pprof -o soft -- -C tiny . 2>err &&
	test_expect_code 2 env GO=$PWD/go-spy FAKE_BUILD=0 pgo-build -p in.pprof -o in.pprof -- -C tiny . 2>err &&
	grep "in.pprof: the binary would be written over the profile" err &&
	cmp in.pprof cpu.pprof && test -L soft.pgo &&
	test_must_fail test -s go.log
'

test_expect_success 'a bad --install directory is refused before go runs (F23)' '
	: >go.log && echo file >afile &&
	test_expect_code 2 env GO=$PWD/go-spy pgo-build -p cpu.pprof --install nodir -- -C tiny . 2>err &&
	test "$(cat err)" = "pgo-build: --install nodir: No such file or directory" &&
	test_expect_code 2 env GO=$PWD/go-spy pgo-build -p cpu.pprof --install afile -- -C tiny . 2>err &&
	test "$(cat err)" = "pgo-build: --install afile: not a directory" &&
	test_must_fail test -s go.log
'

test_expect_success '-o a directory, or in one that does not exist, is refused before go runs' '
	: >go.log && mkdir outdir &&
	test_expect_code 2 env GO=$PWD/go-spy pgo-build -p cpu.pprof -o outdir -- -C tiny . 2>err &&
	test "$(cat err)" = "pgo-build: -o outdir: is a directory" &&
	test_expect_code 2 env GO=$PWD/go-spy pgo-build -p cpu.pprof -o nodir/x -- -C tiny . 2>err &&
	grep "^pgo-build: -o nodir: No such file or directory" err &&
	test_must_fail test -s go.log
'

test_expect_success 'an unreadable profile is named once (F25)' '
	mkdir somedir &&
	test_expect_code 2 env GO=$PWD/go-spy pgo-build -p somedir -- -C tiny . 2>err &&
	cat err &&
	test "$(grep -c somedir err)" = 1 &&
	grep "^pgo-build: somedir: is a directory" err
'

test_done
