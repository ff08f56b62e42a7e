#!/bin/bash
# t5010: one profile, two architectures. pgo-build cross-builds the example
# service for linux/amd64 and linux/arm64 with one prepared profile;
# img-push assembles both into one OCI image index in a real registry (and
# in an OCI layout), on scratch and on a multi-arch base index picked per
# platform. skopeo pulls each architecture; `go version -m` on the pulled
# binary names its GOARCH and the same -pgo= setting. Two PGO builds in all
# (each new profile rebuilds the standard library per architecture).
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/lib-pgobuild.sh"

have_go || skip_all 'no Go 1.21+'
. "$PGOKIT_SRC/tests/registry.sh"
start_registry reg || skip_all 'docker-registry did not start'
service_profile_only prof.pprof || skip_all 'no profile of the example service'

PLATS=linux/amd64,linux/arm64
export SOURCE_DATE_EPOCH=1700000000

# pull ARCH REF DEST: copy ARCH's image of the index REF (docker://...,
# oci:...) uncompressed into the skopeo destination DEST (dir:X, oci:X).
pull() { sk --override-arch "$1" --override-os linux copy -q --src-tls-verify=false \
	--dest-decompress "$2" "$3"; }

# binary_of DIR PATH: extract PATH from the last layer of the skopeo dir:
# copy DIR into DIR/x and print where it is.
binary_of() {
	layer=$1/$(jq -r '.layers[-1].digest' "$1/manifest.json" | sed s/sha256://) &&
	mkdir -p "$1/x" && tar -xf "$layer" -C "$1/x" && echo "$1/x$2"
}

# setting FILE KEY: the build setting KEY that `go version -m` printed in FILE.
setting() { sed -n "s/^	build	$2=//p" "$1"; }

test_expect_success 'several platforms need -o; a variant Go has not is a usage error' '
	test_expect_code 2 pgo-build -p prof.pprof --platform $PLATS -- -C "$SERVICE_SRC" . 2>err &&
	grep "need -o file" err &&
	test_expect_code 2 pgo-build -p prof.pprof --platform linux/arm64/v9 -o x -- . 2>err &&
	grep "Go has no variant v9 of arm64" err &&
	test_expect_code 2 pgo-build -p prof.pprof --platform linux/amd64, -o x -- . 2>err &&
	grep "empty item" err &&
	test_must_fail img-push --platform linux/amd64 -f "prof-{arch}" oci:l 2>err &&
	grep "prof-amd64: No such file" err &&
	test_expect_code 2 img-push -f "prof-{arch}" oci:l 2>err &&
	grep "{arch} needs --platform" err &&
	test ! -e l
'

test_expect_success 'pgo-build: one prepared profile, a binary per platform' '
	mkdir out &&
	pgo-build -q -p prof.pprof --platform $PLATS -o out/svc -- -C "$SERVICE_SRC" -trimpath . &&
	ls out >listing &&
	printf "%s\n" svc-linux-amd64 svc-linux-arm64 svc.pgo >expect &&
	test_cmp expect listing &&
	go version -m out/svc-linux-amd64 >amd.info &&
	go version -m out/svc-linux-arm64 >arm.info &&
	test "$(setting amd.info GOARCH)" = amd64 &&
	test "$(setting arm.info GOARCH)" = arm64 &&
	test "$(setting arm.info GOOS)" = linux &&
	test "$(setting arm.info CGO_ENABLED)" = 0 &&
	test "$(setting amd.info -pgo)" = svc.pgo &&
	test "$(setting arm.info -pgo)" = svc.pgo
'

test_expect_success 'a failed platform build leaves the previous binaries and profile' '
	stat -c "%n %i %.9Y" out/svc-* >before && cp out/svc.pgo old.pgo &&
	test_must_fail pgo-build -q -p prof.pprof --platform linux/amd64,linux/nosucharch \
		-o out/svc -- -C "$SERVICE_SRC" -trimpath . 2>err &&
	grep "linux/nosucharch" err &&
	stat -c "%n %i %.9Y" out/svc-* >after &&
	test_cmp before after && cmp old.pgo out/svc.pgo &&
	ls -a out >listing &&
	printf "%s\n" . .. svc-linux-amd64 svc-linux-arm64 svc.pgo >expect &&
	test_cmp expect listing
'

test_expect_success 'img-push: one index with both platforms, pushed in one run' '
	m=$(log_mark) &&
	img-push -q --platform $PLATS -f "out/svc-{platform}:/app/svc:0755" --entrypoint /app/svc \
		-o digest "$REG/svc:multi" >svc.ref &&
	grep -Eq "^$REG/svc@sha256:[0-9a-f]{64}\$" svc.ref &&
	test "$(cat digest)" = "$(cat svc.ref)" &&
	sk inspect --tls-verify=false --raw "docker://$REG/svc:multi" >index.json &&
	test "$REG/svc@sha256:$(sha256sum <index.json | cut -d" " -f1)" = "$(cat svc.ref)" &&
	test "$(jq -r .mediaType index.json)" = application/vnd.oci.image.index.v1+json &&
	jq -r ".manifests[] | .platform.os + \"/\" + .platform.architecture" index.json >plats &&
	printf "%s\n" linux/amd64 linux/arm64 >expect &&
	test_cmp expect plats &&
	# Two layers, two configs, the SBOM of each platform binary and the empty
	# config of the SBOM referrers: seven blobs, each uploaded once.
	test "$(uploads_since $m)" = 7 &&
	# The index went last, under the tag; the manifests by digest before
	# it, each followed by its SBOM referrer and the referrers tag (the
	# registry has no referrers API).
	tail -n +$((m + 1)) "$REG_LOG" | grep -o "\"PUT /v2/svc/manifests/[^ ]*" >puts &&
	test "$(wc -l <puts)" = 7 &&
	test "$(grep -c "manifests/sha256-" puts)" = 2 &&
	for d in $(jq -r ".manifests[].digest" index.json); do
		sk inspect --tls-verify=false --raw "docker://$REG/svc:sha256-${d#sha256:}" >refs.json &&
		test "$(jq -r ".manifests[].artifactType" refs.json)" = application/spdx+json || return 1
	done &&
	test "$(jq -r ".annotations[\"org.opencontainers.image.base.digest\"] // \"none\"" index.json)" = none &&
	test "$(tail -n 1 puts)" = "\"PUT /v2/svc/manifests/multi"
'

test_expect_success 'skopeo --override-arch pulls each binary: its GOARCH, the same -pgo=' '
	pull arm64 "docker://$REG/svc:multi" dir:arm &&
	pull amd64 "docker://$REG/svc:multi" oci:amdlayout:x &&
	sk copy -q oci:amdlayout:x dir:amd &&
	go version -m "$(binary_of arm /app/svc)" >arm.pulled &&
	go version -m "$(binary_of amd /app/svc)" >amd.pulled &&
	test "$(setting arm.pulled GOARCH)" = arm64 &&
	test "$(setting amd.pulled GOARCH)" = amd64 &&
	test "$(setting arm.pulled -pgo)" = svc.pgo &&
	test "$(setting amd.pulled -pgo)" = "$(setting arm.pulled -pgo)" &&
	cmp arm/x/app/svc out/svc-linux-arm64 &&
	cmp amd/x/app/svc out/svc-linux-amd64 &&
	cfg=arm/$(jq -r .config.digest arm/manifest.json | sed s/sha256://) &&
	test "$(jq -r .architecture "$cfg")/$(jq -r .os "$cfg")" = arm64/linux &&
	cfg=amd/$(jq -r .config.digest amd/manifest.json | sed s/sha256://) &&
	test "$(jq -r .architecture "$cfg")" = amd64
'

test_expect_success 'pushing again gives the same index digest and uploads nothing' '
	m=$(log_mark) &&
	img-push -q --platform linux/amd64 --platform linux/arm64 \
		-f "out/svc-{os}-{arch}:/app/svc:0755" --entrypoint /app/svc "$REG/svc:multi" >svc2.ref &&
	test_cmp svc.ref svc2.ref &&
	test "$(uploads_since $m)" = 0
'

test_expect_success 'an OCI layout destination holds the same index' '
	img-push -q --platform $PLATS -f "out/svc-{platform}:/app/svc:0755" --entrypoint /app/svc \
		oci:lay:multi >lay.ref &&
	test "$(sed s/^oci:lay@// lay.ref)" = "$(sed "s|^$REG/svc@||" svc.ref)" &&
	pull arm64 oci:lay:multi dir:larm &&
	go version -m "$(binary_of larm /app/svc)" >larm.info &&
	test "$(setting larm.info GOARCH)" = arm64
'

# A multi-arch base index made without img-push's index code: two
# single-platform images in a layout joined by jq, copied by skopeo --all.
test_expect_success 'a multi-arch base index in the registry' '
	echo amd >base-amd64 && echo arm >base-arm64 &&
	img-push -q --platform linux/amd64 -f base-amd64:/etc/base oci:base:amd >/dev/null &&
	img-push -q --platform linux/arm64 -f base-arm64:/etc/base oci:base:arm >/dev/null &&
	jq "{schemaVersion: 2, mediaType: \"application/vnd.oci.image.index.v1+json\",
	     manifests: [.manifests[] | del(.annotations)]}" base/index.json >bidx.json &&
	d=$(sha256sum bidx.json | cut -d" " -f1) &&
	cp bidx.json base/blobs/sha256/$d &&
	jq --arg d "sha256:$d" --arg s "$(wc -c <bidx.json | tr -d " ")" \
		".manifests = [{mediaType: \"application/vnd.oci.image.index.v1+json\", digest: \$d,
		  size: (\$s | tonumber), annotations: {\"org.opencontainers.image.ref.name\": \"multi\"}}]" \
		base/index.json >b2.json && mv b2.json base/index.json &&
	sk copy -q --all --dest-tls-verify=false oci:base:multi "docker://$REG/base:multi" &&
	sk inspect --tls-verify=false --raw "docker://$REG/base:multi" >base.json &&
	test "$(jq ".manifests | length" base.json)" = 2
'

test_expect_success 'on the base index: each platform gets its own base' '
	m=$(log_mark) &&
	img-push -q -b "$REG/base:multi" --platform $PLATS -f "out/svc-{platform}:/app/svc:0755" \
		"$REG/app:multi" >app.ref &&
	test "$(mounts_since $m)" = 2 &&
	pull arm64 "docker://$REG/app:multi" dir:aarm &&
	pull amd64 "docker://$REG/app:multi" dir:aamd &&
	for a in arm amd; do
		mkdir $a.base &&
		tar -xf a$a/$(jq -r ".layers[0].digest" a$a/manifest.json | sed s/sha256://) -C $a.base &&
		test "$(cat $a.base/etc/base)" = $a || return 1
	done &&
	go version -m "$(binary_of aarm /app/svc)" >aarm.info &&
	test "$(setting aarm.info GOARCH)" = arm64 &&
	cfg=aarm/$(jq -r .config.digest aarm/manifest.json | sed s/sha256://) &&
	test "$(jq -r ".config.Labels[\"org.opencontainers.image.base.digest\"]" "$cfg")" = \
		"sha256:$(sha256sum <base.json | cut -d" " -f1)"
'

test_expect_success 'on a Docker manifest list: a Docker manifest list of Docker manifests' '
	sk copy -q --all --format v2s2 --dest-tls-verify=false oci:base:multi "docker://$REG/dbase:multi" &&
	img-push -q -b "$REG/dbase:multi" --platform $PLATS -f "out/svc-{platform}:/app/svc:0755" \
		"$REG/dapp:multi" >dapp.ref &&
	sk inspect --tls-verify=false --raw "docker://$REG/dapp:multi" >dlist.json &&
	test "$(jq -r .mediaType dlist.json)" = application/vnd.docker.distribution.manifest.list.v2+json &&
	jq -r ".manifests[] | .mediaType + \" \" + .platform.architecture" dlist.json >dm &&
	printf "%s\n" "application/vnd.docker.distribution.manifest.v2+json amd64" \
		"application/vnd.docker.distribution.manifest.v2+json arm64" >expect &&
	test_cmp expect dm &&
	pull arm64 "docker://$REG/dapp:multi" dir:darm &&
	go version -m "$(binary_of darm /app/svc)" >darm.info &&
	test "$(setting darm.info GOARCH)" = arm64
'

test_expect_success 'a platform the base index lacks is an error, and nothing is tagged' '
	test_must_fail img-push -q -b "$REG/base:multi" --platform linux/amd64,linux/s390x \
		-f prof.pprof:/p "$REG/bad:multi" 2>err &&
	grep "no image for platform linux/s390x in the index (it has: linux/amd64, linux/arm64)" err &&
	test_must_fail sk inspect --tls-verify=false --raw "docker://$REG/bad:multi"
'

test_done
