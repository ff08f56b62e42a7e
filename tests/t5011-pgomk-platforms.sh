#!/bin/bash
# t5011: pgo.mk's PGO_PLATFORMS. A project that includes pgo.mk and sets two
# platforms gets PGO_OUT-linux-amd64 and PGO_OUT-linux-arm64 from one
# pgo-build run and one image index in a real registry; a second make does
# nothing. The profile is t5010's (the same prepared bytes), so the
# standard library PGO builds come from the shared Go cache.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/lib-pgobuild.sh"

have_go || skip_all 'no Go 1.21+'
. "$PGOKIT_SRC/tests/registry.sh"
start_registry reg || skip_all 'docker-registry did not start'
service_profile_only prof.pprof || skip_all 'no profile of the example service'

mkdir proj && cp "$SERVICE_SRC"/*.go "$SERVICE_SRC"/go.mod proj/ &&
cp -r "$SERVICE_SRC"/work proj/ &&
cat >proj/Makefile <<EOF || exit 1
PGO_BIN = $PGOKIT_BIN
PGO_IMAGE = $REG/mk/app:v1
PGO_PLATFORMS = linux/amd64,linux/arm64
include $PGOKIT_SRC/pgo.mk
EOF
cd proj || exit 1
# A fetch already made, and the profile installed from it: the merge that
# follows drifts 0% from it, so the installed bytes stay.
mkdir -p .pgo/fetch/1 && cp ../prof.pprof .pgo/fetch/1/a.pprof && touch .pgo/fetch.stamp &&
cp ../prof.pprof default.pgo || exit 1

stamp() { stat -c '%i %s %.9Y' "$@"; }
setting() { sed -n "s/^	build	$2=//p" "$1"; }

test_expect_success 'pgo-help lists PGO_PLATFORMS; empty means the host, as before' '
	make pgo-help >help &&
	grep -E "^  PGO_PLATFORMS +linux/amd64,linux/arm64\$" help &&
	make pgo-help PGO_PLATFORMS= >help2 &&
	grep -E "^  PGO_PLATFORMS +\(the host.s\)\$" help2 &&
	make -n pgo-build pgo-image PGO_PLATFORMS= >dry &&
	test_must_fail grep -e --platform -e "{platform}" dry
'

test_expect_success 'make pgo-build pgo-image: a binary per platform, one index' '
	make pgo-build pgo-image >out 2>err &&
	grep -F -- "--platform '"'"'linux/amd64'"'"' --platform '"'"'linux/arm64'"'"'" err &&
	test -x .pgo/bin/proj-linux-amd64 && test -x .pgo/bin/proj-linux-arm64 &&
	test -f .pgo/bin/proj.pgo && test ! -e .pgo/bin/proj &&
	grep -Eq "^$REG/mk/app@sha256:[0-9a-f]{64}\$" .pgo/image.ref &&
	sk inspect --tls-verify=false --raw "docker://$REG/mk/app:v1" >index.json &&
	test "$REG/mk/app@sha256:$(sha256sum <index.json | cut -d" " -f1)" = "$(cat .pgo/image.ref)" &&
	jq -r ".manifests[].platform.architecture" index.json >archs &&
	printf "%s\n" amd64 arm64 >expect && test_cmp expect archs
'

test_expect_success 'the arm64 image holds the arm64 binary with the profile' '
	sk --override-arch arm64 copy -q --src-tls-verify=false --dest-decompress \
		"docker://$REG/mk/app:v1" dir:arm &&
	layer=arm/$(jq -r ".layers[-1].digest" arm/manifest.json | sed s/sha256://) &&
	mkdir x && tar -xf "$layer" -C x &&
	cmp x/app/proj .pgo/bin/proj-linux-arm64 &&
	go version -m x/app/proj >info &&
	test "$(setting info GOARCH)" = arm64 &&
	test "$(setting info -pgo)" = proj.pgo
'

test_expect_success 'nothing changed: a second make builds and pushes nothing' '
	stamp .pgo/bin/proj-linux-amd64 .pgo/bin/proj-linux-arm64 .pgo/image.ref >before &&
	make pgo-build pgo-image >out2 2>err2 &&
	test_must_fail grep -e "pgo: build" -e "pgo: image" err2 &&
	stamp .pgo/bin/proj-linux-amd64 .pgo/bin/proj-linux-arm64 .pgo/image.ref >after &&
	test_cmp before after
'

test_expect_success 'pgo-clean removes every platform binary' '
	make pgo-clean &&
	test ! -e .pgo/bin/proj-linux-amd64 && test ! -e .pgo/bin/proj-linux-arm64 &&
	test -f default.pgo
'

test_done
