#!/bin/bash
# Outputs that are not plain files (issue 15, F1, F24, F25): every tool's
# output option goes through lib/util/output.c, which writes a character
# device, a FIFO or /dev/stdout in place (never renames a temp file over
# it), follows a symlink to the file it names (the link stays), fsyncs the
# temp file before the rename, leaves no temp file when a signal comes
# right after it is created, and takes an empty name as a usage error.
# pprof-fetch -d writes its per-target files the same way.
# The device is one this script makes (mknod c 1 3, as root), never the
# system's /dev/null; /dev/stdout is reached through a link made here.
. "$(dirname "$0")/lib.sh"

have genfleet || skip_all "tests/helpers not built (make check builds them)"
mkdir g && genfleet -n 1 -s 300 -d 10 g >/dev/null && mv g/fleet-000.pprof cpu.pprof ||
	skip_all "genfleet failed"
pprof-merge -o want.pprof cpu.pprof || skip_all "pprof-merge failed"
is_root() { [ "$(id -u)" = 0 ]; }

# nulldev NAME: a character device like /dev/null (1,3), made here.
nulldev() { mknod "$1" c 1 3 && test -c "$1"; }

# read_fifo FIFO OUT: copy what a writer puts into FIFO to OUT, in the
# background, giving up after 10 s (a FIFO replaced by a file never opens);
# wait_fifo waits for that reader alone.
read_fifo() { mkfifo "$1" && { timeout 10 cat "$1" >"$2" & } && reader=$!; }
wait_fifo() { wait "$reader"; }

if is_root; then
	test_expect_success 'pprof-merge -o a character device writes into it' '
		nulldev null &&
		pprof-merge -o null cpu.pprof &&
		test -c null
	'
else
	test_skip 'pprof-merge -o a character device writes into it' 'mknod needs root'
fi

test_expect_success 'pprof-merge -o a FIFO: the reader gets the profile, the FIFO stays' '
	read_fifo fifo got &&
	pprof-merge -o fifo cpu.pprof &&
	wait_fifo &&
	test -p fifo &&
	cmp got want.pprof
'

test_expect_success 'pprof-merge -o a symlink: its target is replaced, the link stays' '
	mkdir real && echo old >real/t &&
	ln -s real/t link1 && ln -s link1 link2 &&
	pprof-merge -o link2 cpu.pprof &&
	test -L link1 && test -L link2 &&
	test "$(readlink link2)" = link1 &&
	cmp real/t want.pprof &&
	ls -A real >list && test "$(cat list)" = t
'

test_expect_success 'a symlink to a file not there yet: the file is made, the link stays' '
	ln -s real/made dangling &&
	pprof-merge -o dangling cpu.pprof &&
	test -L dangling && cmp real/made want.pprof
'

test_expect_success 'a link to /proc/self/fd/1 (what /dev/stdout is) writes to stdout' '
	ln -s /proc/self/fd/1 stdout-link &&
	pprof-merge -o stdout-link cpu.pprof | cat >piped &&
	test -L stdout-link &&
	cmp piped want.pprof &&
	echo header >appended &&
	pprof-merge -o stdout-link cpu.pprof >>appended &&
	test "$(head -n 1 appended)" = header &&
	tail -c +8 appended >rest && cmp rest want.pprof
'

test_expect_success 'a directory is refused, named once' '
	mkdir dir &&
	test_expect_code 1 pprof-merge -o dir cpu.pprof 2>err &&
	cat err &&
	test "$(cat err)" = "pprof-merge: dir: Is a directory" &&
	test -d dir && ls -A dir >list && test_must_fail test -s list
'

test_expect_success 'pprof-stat -o a FIFO and a symlink' '
	pprof-stat cpu.pprof >want.txt &&
	read_fifo statfifo stat.got &&
	pprof-stat -o statfifo cpu.pprof &&
	wait_fifo &&
	test -p statfifo && test_cmp want.txt stat.got &&
	ln -s real/stat.txt statlink &&
	pprof-stat -o statlink cpu.pprof &&
	test -L statlink && test_cmp want.txt real/stat.txt
'

# img-push to an OCI layout here: no registry needed.
head -c 1000 /dev/urandom >payload
test_expect_success 'img-push --digest-file a FIFO and a symlink' '
	img-push -q -f payload:/payload oci:lay:v1 >ref &&
	read_fifo digfifo dig.got &&
	img-push -q -f payload:/payload --digest-file digfifo oci:lay:v1 >/dev/null &&
	wait_fifo &&
	test -p digfifo && test_cmp ref dig.got &&
	ln -s real/digest digest-link &&
	img-push -q -f payload:/payload -o digest-link oci:lay:v1 >/dev/null &&
	test -L digest-link && test_cmp ref real/digest
'
if is_root; then
	test_expect_success 'img-push --digest-file a character device' '
		nulldev null2 &&
		img-push -q -f payload:/payload --digest-file null2 oci:lay:v1 >/dev/null &&
		test -c null2
	'
else
	test_skip 'img-push --digest-file a character device' 'mknod needs root'
fi

# (LeakSanitizer cannot run under ptrace: off for that one run.)
if have strace; then
	test_expect_success 'the temp file is fsynced before it is renamed over the output' '
		ASAN_OPTIONS=detect_leaks=0:${ASAN_OPTIONS:-} \
			strace -f -e trace=fsync,fdatasync,rename,renameat,renameat2 -o trace \
			pprof-merge -o synced cpu.pprof &&
		cat trace &&
		grep -n -E "fsync|fdatasync" trace | head -n 1 | cut -d: -f1 >sync.line &&
		grep -n -E "rename.*synced" trace | head -n 1 | cut -d: -f1 >rename.line &&
		test -s sync.line && test -s rename.line &&
		test "$(cat sync.line)" -lt "$(cat rename.line)"
	'
else
	test_skip 'the temp file is fsynced before it is renamed over the output' 'no strace'
fi

# A signal right after the temp file is created (F24): a preloaded mkstemp
# raises SIGINT as soon as the real one returns, the moment a temp file
# exists and, before the fix, was not yet known to the signal handler.
cat >shim.c <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int
mkstemp(char *template)
{
	int (*real)(char *) = (int (*)(char *))dlsym(RTLD_NEXT, "mkstemp");
	const char *want = getenv("SHIM_TEMP");
	int fd = real(template);

	if (fd >= 0 && want && strstr(template, want))
		raise(SIGINT);
	return fd;
}

int
mkstemp64(char *template)
{
	return mkstemp(template);
}
EOF
if cc -shared -fPIC -o shim.so shim.c -ldl 2>shim.err; then
	test_expect_success 'SIGINT just after the temp file is made leaves no temp file' '
		echo previous >keep &&
		test_expect_code 130 env LD_PRELOAD=$PWD/shim.so SHIM_TEMP=.keep. \
			ASAN_OPTIONS=verify_asan_link_order=0:${ASAN_OPTIONS:-} \
			pprof-merge -o keep cpu.pprof &&
		test "$(cat keep)" = previous &&
		ls -A >all && cat all &&
		test_must_fail grep "^\.keep\." all
	'
else
	cat shim.err >&2
	test_skip 'SIGINT just after the temp file is made leaves no temp file' 'cannot build a preload library'
fi

test_expect_success 'an empty output name is a usage error in every tool' '
	test_expect_code 2 pprof-merge -o "" cpu.pprof 2>err &&
	test "$(cat err)" = "pprof-merge: -o: empty file name" &&
	test_expect_code 2 pprof-stat -o "" cpu.pprof 2>err &&
	test "$(cat err)" = "pprof-stat: -o: empty file name" &&
	test_expect_code 2 pprof-fetch -o "" 127.0.0.1:1 2>err &&
	test "$(cat err)" = "pprof-fetch: -o: empty file name" &&
	test_expect_code 2 pprof-fetch -d "" 127.0.0.1:1 2>err &&
	test "$(cat err)" = "pprof-fetch: -d: empty file name" &&
	test_expect_code 2 img-push -o "" -f payload:/p oci:lay:v2 2>err &&
	test "$(cat err)" = "img-push: -o: empty file name" &&
	test_expect_code 2 pgo-build -o "" -p cpu.pprof -- . 2>err &&
	test "$(cat err)" = "pgo-build: -o: empty file name" &&
	test_expect_code 2 pgo-build --install "" -p cpu.pprof -- . 2>err &&
	test "$(cat err)" = "pgo-build: --install: empty file name" &&
	test_expect_code 2 pgo-build --report "" -p cpu.pprof -- . 2>err &&
	test "$(cat err)" = "pgo-build: --report: empty file name"
'

# pprof-fetch needs the test server (a Go program, built once and cached).
have_go || { test_done; }
fs=$(go_build_cached faultserver "$PGOKIT_SRC/tests/servers/faultserver") || { test_done; }
"$fs" -addr-file addr >fs.log 2>&1 &
test_atexit "kill $!"
n=0; while [ ! -s addr ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
U=http://$(cat addr)

test_expect_success 'pprof-fetch -o a FIFO and a symlink' '
	pprof-fetch -o fetched "$U/ok" &&
	read_fifo fetchfifo fetch.got &&
	pprof-fetch -o fetchfifo "$U/ok" &&
	wait_fifo &&
	test -p fetchfifo && cmp fetch.got fetched &&
	ln -s real/fetched fetch-link &&
	pprof-fetch -o fetch-link "$U/ok" &&
	test -L fetch-link && cmp real/fetched fetched
'
if is_root; then
	test_expect_success 'pprof-fetch -o a character device' '
		nulldev null3 &&
		pprof-fetch -o null3 "$U/ok" &&
		test -c null3
	'
else
	test_skip 'pprof-fetch -o a character device' 'mknod needs root'
fi

# pprof-fetch -d names each file after the target and the second the run
# starts: names prints the names of the next few seconds (a run starts
# within them), and each test makes its special file under all of them.
# The FIFOs the run did not write are given an empty writer (each reader
# may open its FIFO only then); the one it wrote has none (timeout 5).
names() {
	a=$(cat addr | tr : _) && s=$(date -u +%s) &&
	for i in 0 1 2 3 4 5; do
		echo "$a-$(date -u -d "@$((s + i))" +%Y%m%dT%H%M%SZ).pb.gz"
	done
}

test_expect_success 'pprof-fetch -d: an output there as a symlink is written through it' '
	mkdir dlink dlink-real &&
	names >names.l &&
	while read n; do ln -s "../dlink-real/$n" "dlink/$n" || return 1; done <names.l &&
	pprof-fetch -d dlink "$U/ok" &&
	ls -A dlink-real >made && cat made &&
	test "$(wc -l <made)" = 1 &&
	cmp "dlink-real/$(cat made)" fetched &&
	while read n; do test -L "dlink/$n" || return 1; done <names.l &&
	ls -A dlink >all && test "$(wc -l <all)" = 6
'

test_expect_success 'pprof-fetch -d: an output there as a FIFO is written into it' '
	mkdir dfifo && pids= &&
	names >names.f &&
	while read n; do
		mkfifo "dfifo/$n" && { timeout 30 cat "dfifo/$n" >"got.$n" & } &&
		pids="$pids $!" || return 1
	done <names.f &&
	pprof-fetch -d dfifo "$U/ok" &&
	while read n; do timeout 5 sh -c ": >\"\$1\"" - "dfifo/$n" || :; done <names.f &&
	for p in $pids; do wait "$p" || return 1; done &&
	while read n; do test -p "dfifo/$n" || return 1; done <names.f &&
	ls -A dfifo >all && test "$(wc -l <all)" = 6 &&
	find . -maxdepth 1 -name "got.*" ! -empty >full &&
	test "$(wc -l <full)" = 1 &&
	cmp "$(cat full)" fetched
'
if is_root; then
	test_expect_success 'pprof-fetch -d: an output there as a character device stays one' '
		mkdir ddev &&
		names >names.d &&
		while read n; do nulldev "ddev/$n" || return 1; done <names.d &&
		pprof-fetch -d ddev "$U/ok" &&
		while read n; do test -c "ddev/$n" || return 1; done <names.d &&
		ls -A ddev >all && test "$(wc -l <all)" = 6
	'
else
	test_skip 'pprof-fetch -d: an output there as a character device stays one' 'mknod needs root'
fi

test_expect_success 'a write error on stdout names <stdout> once' '
	test_expect_code 1 pprof-fetch "$U/ok" >/dev/full 2>err &&
	cat err &&
	grep "<stdout>" err >lines &&
	test "$(wc -l <lines)" = 1 &&
	grep -x "pprof-fetch: <stdout>: write: No space left on device" err
'

test_done
