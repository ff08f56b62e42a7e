#!/bin/bash
# t6002: the whole pipeline from one include line. A throwaway Go project whose
# Makefile includes pgo.mk runs `make -j4 pgo` against three live instances of
# the example service and a real docker-registry; the pushed image holds a
# binary that records -pgo= and runs. Then: nothing is redone without new
# data, and a failed fetch in `make pgo` keeps the old profile and ships.
# One PGO build in all (they cost minutes).
. "$(dirname "$0")/lib.sh"

have_go || skip_all 'no Go 1.21+'
for t in pprof-fetch pprof-merge pprof-stat pgo-build img-push; do
	[ -x "$PGOKIT_BIN/$t" ] || skip_all "$t is not built yet"
done
. "$PGOKIT_SRC/tests/registry.sh"
start_registry reg || skip_all 'docker-registry did not start'

svc=$(go_build_cached service "$PGOKIT_SRC/examples/service") || skip_all 'cannot build the service'
targets= pids=
for i in 1 2 3; do
	port=$(free_port)
	"$svc" -addr 127.0.0.1:$port -load 1 >service$i.log 2>&1 &
	pids="$pids $!"
	test_atexit "kill $!"
	wait_http "http://127.0.0.1:$port/healthz" || skip_all 'the service did not start'
	targets="$targets 127.0.0.1:$port"
done
DEAD=127.0.0.1:$(free_port)

mkdir proj && cp "$PGOKIT_SRC"/examples/service/*.go "$PGOKIT_SRC"/examples/service/go.mod proj/ &&
cp -r "$PGOKIT_SRC"/examples/service/work proj/ &&
cat >proj/Makefile <<EOF || exit 1
# A project of its own: pgo.mk adds the pipeline, all stays ours.
PGO_BIN = $PGOKIT_BIN
PGO_SECONDS = 2
PGO_IMAGE = $REG/e2e/app:v1
include $PGOKIT_SRC/pgo.mk
all: ; @echo project-all
EOF
cd proj || exit 1
test_atexit '[ -f run.pid ] && kill $(cat run.pid)'

stamp() { stat -c '%i %s %.9Y' "$@"; }

test_expect_success 'make -j4 pgo: fetch, merge, check, stat, PGO build, push' '
	make -j4 pgo PGO_TARGETS="$targets" >out 2>err &
	mk=$! &&
	# The fleet is only needed for the fetch: free the cores for the build.
	n=0 && while [ ! -f .pgo/fetch.stamp ] && kill -0 $mk 2>/dev/null && [ $n -lt 300 ]; do
		sleep 0.1; n=$((n + 1)); done &&
	kill $pids &&
	wait $mk &&
	grep -E "3 of 3 targets? ok" err &&
	grep "merge 1 fetch" err &&
	pprof-stat --check default.pgo &&
	grep "^      flat  flat%" out &&
	test -x .pgo/bin/proj &&
	grep -Eq "^$REG/e2e/app@sha256:[0-9a-f]{64}\$" .pgo/image.ref &&
	test "$(tail -n 1 out)" = "$(cat .pgo/image.ref)"
'

test_expect_success 'the registry has the image under the printed digest' '
	sk inspect --tls-verify=false "docker://$REG/e2e/app:v1" >inspect.json &&
	test "$REG/e2e/app@$(jq -r .Digest inspect.json)" = "$(cat .pgo/image.ref)"
'

test_expect_success 'the image holds a binary that records -pgo= and runs' '
	check_image "$(cat .pgo/image.ref)" img &&
	layer=img/$(jq -r ".layers[-1].digest" img/manifest.json | sed s/sha256://) &&
	mkdir x && tar -xf "$layer" -C x &&
	go version -m x/app/proj >buildinfo &&
	grep -E "^	build	-pgo=.+" buildinfo &&
	cmp x/app/proj .pgo/bin/proj &&
	test "$(jq -c .config.Entrypoint img/config.json)" = "[\"/app/proj\"]" &&
	test "$(jq -r ".config.Labels[\"org.pgokit.profile.digest\"]" img/config.json)" = \
		"sha256:$(sha256sum <default.pgo | cut -d" " -f1)" &&
	port=$(free_port) &&
	{ x/app/proj -addr 127.0.0.1:$port >run.log 2>&1 & echo $! >run.pid; } &&
	wait_http "http://127.0.0.1:$port/healthz" &&
	curl -sf "http://127.0.0.1:$port/checksum?n=3" >eval.out &&
	test -s eval.out &&
	kill $(cat run.pid)
'

test_expect_success 'nothing changed: pgo-build and pgo-image do no work' '
	stamp .pgo/bin/proj .pgo/image.ref default.pgo >before &&
	make pgo-build pgo-image >out2 2>err2 &&
	! grep -e "pgo: build" -e "pgo: image" err2 &&
	stamp .pgo/bin/proj .pgo/image.ref default.pgo >after &&
	test_cmp before after
'

test_expect_success 'make pgo with a failed fetch keeps the profile, binary and image' '
	stamp .pgo/bin/proj .pgo/image.ref default.pgo >before &&
	make pgo PGO_TARGETS=$DEAD >out3 2>err3 &&
	grep "warning: fetch failed" err3 &&
	! grep "pgo: build" err3 &&
	stamp .pgo/bin/proj .pgo/image.ref default.pgo >after &&
	test_cmp before after &&
	test "$(tail -n 1 out3)" = "$(cat .pgo/image.ref)"
'

test_expect_success 'a new image name pushes again without rebuilding' '
	make pgo-image PGO_IMAGE=$REG/e2e/other:v2 >out4 2>err4 &&
	grep "pgo: image" err4 &&
	! grep "pgo: build" err4 &&
	grep -Eq "^$REG/e2e/other@sha256:[0-9a-f]{64}\$" .pgo/image.ref
'

test_expect_success 'PGO_IMAGE=oci:dir:tag writes an OCI layout skopeo reads' '
	make pgo-image PGO_IMAGE=oci:layout:v1 >out5 2>err5 &&
	grep -Eq "^oci:layout@sha256:[0-9a-f]{64}\$" .pgo/image.ref &&
	sk inspect oci:layout:v1 >oci.json &&
	test "oci:layout@$(jq -r .Digest oci.json)" = "$(cat .pgo/image.ref)"
'

test_done
