#!/bin/bash
# img-push attaches an SPDX SBOM of the Go binary it packs as an OCI 1.1
# referrer, and sets the standard annotations and labels: against the real
# docker-registry (no referrers API, so the tag-schema index) and skopeo.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"
. "$PGOKIT_SRC/tests/sbom-fixture.sh"

have_go || skip_all "Go 1.21+ not available"
have git || skip_all "git not installed"
start_registry reg || skip_all "docker-registry did not start"
build_go_fixture "$PWD/fx" || skip_all "cannot build the Go fixture"
APP=$PWD/fx/app/app
export SOURCE_DATE_EPOCH=1700000000

# fallback DIGEST: the tag-schema index of the image DIGEST names.
fallback() { sk inspect --tls-verify=false --raw "docker://$REG/app:sha256-${1#sha256:}"; }

test_expect_success 'push a Go binary: the tag-schema index lists one SPDX referrer' '
	img-push -f "$APP:/app/server" --annotation com.example.team=perf "$REG/app:v1" >out &&
	img=$(sed "s/.*@//" out) &&
	fallback "$img" >index.json &&
	test "$(jq -r .mediaType index.json)" = application/vnd.oci.image.index.v1+json &&
	test "$(jq ".manifests | length" index.json)" = 1 &&
	test "$(jq -r ".manifests[0].artifactType" index.json)" = application/spdx+json &&
	test "$(jq -r ".manifests[0].annotations[\"org.opencontainers.image.title\"]" index.json)" = /app/server
'

test_expect_success 'the referrer manifest: subject = the image, empty config, one SPDX layer' '
	ref=$(jq -r ".manifests[0].digest" index.json) &&
	sk inspect --tls-verify=false --raw "docker://$REG/app@$ref" >referrer.json &&
	test "$(jq -r .artifactType referrer.json)" = application/spdx+json &&
	test "$(jq -r .subject.digest referrer.json)" = "$img" &&
	test "$(jq -r .subject.mediaType referrer.json)" = application/vnd.oci.image.manifest.v1+json &&
	sk inspect --tls-verify=false --raw "docker://$REG/app@$img" >image.json &&
	test "$(jq -r .subject.size referrer.json)" = "$(wc -c <image.json | tr -d " ")" &&
	test "$(jq -r .config.mediaType referrer.json)" = application/vnd.oci.empty.v1+json &&
	test "$(jq -r .config.digest referrer.json)" = "sha256:$(printf "{}" | sha256sum | cut -c1-64)" &&
	test "$(jq -r ".layers | length" referrer.json)" = 1 &&
	test "$(jq -r ".layers[0].mediaType" referrer.json)" = application/spdx+json &&
	test "$(jq -r .manifests[0].size index.json)" = "$(wc -c <referrer.json | tr -d " ")"
'

test_expect_success 'the SBOM blob (skopeo copy) names the modules go version -m lists' '
	rm -rf sbomdir && sk copy -q --src-tls-verify=false "docker://$REG/app@$ref" dir:sbomdir &&
	blob=$(jq -r ".layers[0].digest" referrer.json | sed s/sha256://) &&
	echo "$blob  sbomdir/$blob" | sha256sum -c --quiet &&
	cp "sbomdir/$blob" sbom.json &&
	go version -m "$APP" >govm &&
	awk -F"\t" "\$2 == \"dep\" { print \$3 \" \" \$4 }" govm | sort >want-deps &&
	test "$(wc -l <want-deps)" = 2 &&
	jq -r ".packages[] | select(.primaryPackagePurpose == \"LIBRARY\" and .name != \"stdlib\") |
		.name + \" \" + .versionInfo" sbom.json | sort >got-deps &&
	test_cmp want-deps got-deps &&
	sum=$(awk -F"\t" "\$3 == \"example.com/greet\" { print \$5 }" govm) &&
	case $sum in h1:*) ;; *) false;; esac &&
	jq -r ".packages[] | select(.name == \"example.com/greet\") | .comment" sbom.json >c &&
	grep -q "go.sum $sum" c &&
	hex=$(printf %s "${sum#h1:}" | base64 -d | od -An -tx1 | tr -d " \n") &&
	test "$(jq -r ".packages[] | select(.name == \"example.com/greet\") | .checksums[0].checksumValue" sbom.json)" = "$hex" &&
	jq -r ".packages[] | .externalRefs[0].referenceLocator" sbom.json >purls &&
	grep -qx "pkg:golang/example.com/greet@v1.2.3" purls &&
	grep -qx "pkg:golang/example.com/sbomapp" purls &&
	test "$(jq -r ".packages[] | select(.name == \"stdlib\") | .versionInfo" sbom.json)" = "$(go env GOVERSION)" &&
	test "$(jq "[.relationships[] | select(.relationshipType == \"DEPENDS_ON\")] | length" sbom.json)" = 3
'

test_expect_success 'the SBOM records the build settings, -pgo= included' '
	awk -F"\t" "\$2 == \"build\" { print \$3 }" govm >settings &&
	grep -q "^-pgo=$PWD/fx/app/default.pgo\$" settings &&
	jq -r ".packages[0].annotations[].comment" sbom.json | sed "s/^go build setting: //" >got-settings &&
	grep -q "^-pgo=$PWD/fx/app/default.pgo\$" got-settings &&
	test "$(wc -l <got-settings)" = "$(wc -l <settings)" &&
	test "$(jq -r .creationInfo.created sbom.json)" = 2023-11-14T22:13:20Z
'

test_expect_success 'annotations on the manifest, the same as labels in the config' '
	rev=$(git -C fx/app rev-parse HEAD) &&
	a=".annotations[\"org.opencontainers.image" &&
	test "$(jq -r "$a.created\"]" image.json)" = 2023-11-14T22:13:20Z &&
	test "$(jq -r "$a.revision\"]" image.json)" = "$rev" &&
	test "$(jq -r ".annotations[\"com.example.team\"]" image.json)" = perf &&
	sk inspect --tls-verify=false --config "docker://$REG/app@$img" >config.json &&
	l=".config.Labels[\"org.opencontainers.image" &&
	test "$(jq -r "$l.created\"]" config.json)" = 2023-11-14T22:13:20Z &&
	test "$(jq -r "$l.revision\"]" config.json)" = "$rev" &&
	test "$(jq -r ".config.Labels[\"com.example.team\"]" config.json)" = null
'

test_expect_success 'pushing twice gives the same digests and changes no index' '
	fallback "$img" >index-before &&
	m=$(log_mark) &&
	img-push -f "$APP:/app/server" --annotation com.example.team=perf "$REG/app:v1" >out2 &&
	test_cmp out out2 &&
	fallback "$img" >index-after && test_cmp index-before index-after &&
	test "$(uploads_since $m)" = 0 &&
	test "$(tail -n +$((m + 1)) "$REG_LOG" | grep -c "\"PUT /v2/app/manifests/sha256-")" = 0 &&
	rm -rf "$XDG_CACHE_HOME" && mkdir again && cp "$APP" again/ && touch -d 2001-01-01 again/app &&
	img-push -f "again/app:/app/server" --annotation com.example.team=perf "$REG/app:v2" >out3 &&
	test "$(sed "s/.*@//" out3)" = "$img"
'

test_expect_success 'base annotations name the base; a second image gets its own index' '
	printf "x\n" >data &&
	img-push -f data:/data "$REG/base:1" >base.out &&
	img-push -b "$REG/base:1" -f "$APP:/app/server" "$REG/app:onbase" >out4 &&
	img4=$(sed "s/.*@//" out4) &&
	sk inspect --tls-verify=false --raw "docker://$REG/app@$img4" >image4.json &&
	test "$(jq -r ".annotations[\"org.opencontainers.image.base.name\"]" image4.json)" = "$REG/base:1" &&
	test "$(jq -r ".annotations[\"org.opencontainers.image.base.digest\"]" image4.json)" = "$(sed "s/.*@//" base.out)" &&
	fallback "$img4" >index4.json && test "$(jq ".manifests | length" index4.json)" = 1
'

test_expect_success 'the index keeps referrers of others and replaces a stale entry of ours' '
	jq -c ".manifests[0]" index.json >ours &&
	jq ".manifests = [{\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",
		\"digest\": \"$img\", \"size\": $(wc -c <image.json | tr -d " "),
		\"artifactType\": \"application/example\"}, (.manifests[0] | .size = 1)]" index.json >mixed.json &&
	curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.index.v1+json" \
		--data-binary @mixed.json "http://$REG/v2/app/manifests/sha256-${img#sha256:}" &&
	img-push -f "$APP:/app/server" --annotation com.example.team=perf "$REG/app:v1" >/dev/null &&
	fallback "$img" >index5.json &&
	test "$(jq ".manifests | length" index5.json)" = 2 &&
	test "$(jq -r ".manifests[0].artifactType" index5.json)" = application/example &&
	jq -c ".manifests[1]" index5.json >ours2 && test_cmp ours ours2
'

test_expect_success '--no-sbom: no referrer; a file that is not Go: no SBOM, a note under -v' '
	head -c 1000 /dev/urandom >notgo &&
	img-push --no-sbom -f "$APP:/app/server" "$REG/app:nosbom" >out6 &&
	img6=$(sed "s/.*@//" out6) &&
	test_must_fail fallback "$img6" 2>/dev/null &&
	img-push -v -f notgo:/notgo "$REG/app:notgo" >out7 2>err7 &&
	grep -q "notgo: no SBOM: not an ELF file" err7 &&
	test_must_fail fallback "$(sed "s/.*@//" out7)" 2>/dev/null &&
	img-push -f notgo:/notgo "$REG/app:notgo" >out8 2>err8 &&
	test_must_fail test -s err8
'

# A registry with the referrers API answers the referrer's PUT with
# OCI-Subject (the fault proxy adds it in front of docker-registry): then
# the tag-schema index is neither needed nor written.
start_proxy px -hostile oci-subject -match "^PUT /v2/.*/manifests/sha256:"
test_expect_success 'a registry that sends OCI-Subject gets no tag-schema index' '
	img-push -v -f "$APP:/app/server" "$PX_px/api:v1" >out9 2>err9 &&
	img9=$(sed "s/.*@//" out9) &&
	grep -q "SBOM of /app/server: referrer sha256:[0-9a-f]*\$" err9 &&
	ref9=$(sed -n "s/.*referrer \(sha256:[0-9a-f]*\)\$/\1/p" err9) &&
	sk inspect --tls-verify=false --raw "docker://$REG/api@$ref9" >referrer9.json &&
	test "$(jq -r .subject.digest referrer9.json)" = "$img9" &&
	test_must_fail sk inspect --tls-verify=false --raw "docker://$REG/api:sha256-${img9#sha256:}" 2>/dev/null &&
	grep -q "PUT /v2/api/manifests/sha256:.* -> oci-subject" px.log
'

test_done
