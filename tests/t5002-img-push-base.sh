#!/bin/bash
# img-push on a base image: base layers mounted or skipped (never uploaded
# again), config and history extended, the manifest family following the
# base's, platform picked from an index, OCI layouts as base and target, a
# base in another registry copied across.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"

start_registry reg2 || skip_all "docker-registry did not start"
REG2=$REG REG2_LOG=$REG_LOG
start_registry reg || skip_all "docker-registry did not start"

head -c 200000 /dev/urandom >basefile
head -c 300000 /dev/urandom >server
printf 'arm\n' >armfile
printf 'amd\n' >amdfile

# layer_of DIR N: the uncompressed file of layer N in a skopeo dir: copy.
layer_of() { echo "$1/$(jq -r ".layers[$2].digest" "$1/manifest.json" | sed s/sha256://)"; }

# make_multi LAYOUT TAG: combine the layout's arm and amd images into a
# nested image index tagged TAG (the shape multi-arch bases have).
make_multi() {
	jq '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
	     manifests: [.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "arm" or
	                 .annotations["org.opencontainers.image.ref.name"] == "amd") | del(.annotations)]}' \
		"$1/index.json" >idx.json &&
	d=$(sha256sum idx.json | cut -d" " -f1) &&
	cp idx.json "$1/blobs/sha256/$d" &&
	jq --arg d "sha256:$d" --arg s "$(wc -c <idx.json | tr -d " ")" --arg t "$2" \
		'.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d,
		  size: ($s | tonumber), annotations: {"org.opencontainers.image.ref.name": $t}}]' \
		"$1/index.json" >idx2.json && mv idx2.json "$1/index.json"
}

test_expect_success 'a base image in the registry' '
	img-push -q -f basefile:/usr/share/base.dat --env BASE=1 --env PATH=/usr/bin \
		--entrypoint /bin/base --cmd basecmd "$REG/base:v1" >base.ref &&
	check_image "$REG/base:v1" base
'

test_expect_success 'image on the base: base layer mounted, only new blobs uploaded' '
	m=$(log_mark) &&
	img-push -q -b "$REG/base:v1" -f server:/app/server --env PATH=/app:/usr/bin \
		--entrypoint /app/server "$REG/app:v1" >app.ref &&
	test "$(mounts_since $m)" = 1 &&
	test "$(uploads_since $m)" = 2 &&
	check_image "$REG/app:v1" app &&
	test "$(jq ".layers | length" app/manifest.json)" = 2
'

test_expect_success 'base descriptors kept; diff_ids, history, env, labels extended' '
	sk inspect --tls-verify=false --raw "docker://$REG/base:v1" | jq -c ".layers[0]" >want &&
	sk inspect --tls-verify=false --raw "docker://$REG/app:v1" | jq -c ".layers[0]" >have &&
	test_cmp want have &&
	test "$(jq -r ".rootfs.diff_ids[0]" app/config.json)" = "$(jq -r ".rootfs.diff_ids[0]" base/config.json)" &&
	test "$(jq ".history | length" app/config.json)" = 2 &&
	test "$(jq -c .config.Env app/config.json)" = "[\"BASE=1\",\"PATH=/app:/usr/bin\"]" &&
	test "$(jq -c .config.Entrypoint app/config.json)" = "[\"/app/server\"]" &&
	test "$(jq -c .config.Cmd app/config.json)" = null &&
	test "$(jq -r ".config.Labels[\"org.opencontainers.image.base.name\"]" app/config.json)" = "$REG/base:v1" &&
	test "$(jq -r ".config.Labels[\"org.opencontainers.image.base.digest\"]" app/config.json)" = "$(sed s/.*@// base.ref)"
'

test_expect_success 'the new layer adds no directories over the base'"'"'s' '
	tar -tf "$(layer_of app 1)" >listing &&
	echo app/server >expect &&
	test_cmp expect listing &&
	mkdir x && tar -xf "$(layer_of app 1)" -C x && cmp server x/app/server
'

test_expect_success 're-push on the base: same digest, nothing uploaded' '
	m=$(log_mark) &&
	img-push -q -b "$REG/base:v1" -f server:/app/server --env PATH=/app:/usr/bin \
		--entrypoint /app/server "$REG/app:v1" >app2.ref &&
	test_cmp app.ref app2.ref &&
	test "$(uploads_since $m)" = 0 && test "$(mounts_since $m)" = 0
'

test_expect_success 'base by digest gives the same image' '
	img-push -q -b "$REG/base@$(sed s/.*@// base.ref)" -f server:/app/server \
		--env PATH=/app:/usr/bin --entrypoint /app/server "$REG/app:bydigest" >d.ref &&
	check_image "$REG/app:bydigest" bydigest &&
	test "$(jq -c .rootfs.diff_ids bydigest/config.json)" = "$(jq -c .rootfs.diff_ids app/config.json)"
'

test_expect_success 'a Docker v2 base gives a Docker v2 image' '
	sk copy -q --src-tls-verify=false --dest-tls-verify=false --format v2s2 \
		"docker://$REG/base:v1" "docker://$REG/dbase:v1" &&
	img-push -q -b "$REG/dbase:v1" -f server:/app/server "$REG/dapp:v1" >dapp.ref &&
	sk inspect --tls-verify=false --raw "docker://$REG/dapp:v1" >dm.json &&
	test "$(jq -r .mediaType dm.json)" = application/vnd.docker.distribution.manifest.v2+json &&
	test "$(jq -r .config.mediaType dm.json)" = application/vnd.docker.container.image.v1+json &&
	test "$(jq -r ".layers[1].mediaType" dm.json)" = application/vnd.docker.image.rootfs.diff.tar.gzip &&
	test "$REG/dapp@$(sk inspect --tls-verify=false "docker://$REG/dapp:v1" | jq -r .Digest)" = "$(cat dapp.ref)" &&
	check_image "$REG/dapp:v1" dapp
'

test_expect_success 'OCI layout target: skopeo pushes it unchanged' '
	img-push -q -b "$REG/base:v1" -f server:/app/server oci:lay:v1 >lay.ref &&
	grep -Eq "^oci:lay@sha256:[0-9a-f]{64}\$" lay.ref &&
	test "$(cat lay/oci-layout)" = "{\"imageLayoutVersion\":\"1.0.0\"}" &&
	sk copy -q --dest-tls-verify=false oci:lay:v1 "docker://$REG/fromlayout:v1" &&
	test "@$(sk inspect --tls-verify=false "docker://$REG/fromlayout:v1" | jq -r .Digest)" = "$(sed s/^oci:lay// lay.ref)" &&
	check_image "$REG/fromlayout:v1" fromlayout
'

test_expect_success 'OCI layout base' '
	img-push -q -b oci:lay:v1 -f armfile:/etc/extra "$REG/onlayout:v1" >ol.ref &&
	check_image "$REG/onlayout:v1" onlayout &&
	test "$(jq ".rootfs.diff_ids | length" onlayout/config.json)" = 3 &&
	test "$(jq -r ".config.Labels[\"org.opencontainers.image.base.name\"]" onlayout/config.json)" = oci:lay:v1
'

test_expect_success 'multi-platform base: --platform picks from the index' '
	img-push -q --platform linux/arm64 -f armfile:/etc/arch oci:lay:arm >/dev/null &&
	img-push -q --platform linux/amd64 -f amdfile:/etc/arch oci:lay:amd >/dev/null &&
	make_multi lay multi &&
	sk copy -q --all --dest-tls-verify=false oci:lay:multi "docker://$REG/multi:v1" &&
	img-push -q -b "$REG/multi:v1" --platform linux/arm64 -f server:/app/server "$REG/app:arm" &&
	check_image "$REG/app:arm" apparm &&
	test "$(jq -r .architecture apparm/config.json)" = arm64 &&
	tar -xOf "$(layer_of apparm 0)" etc/arch >arch && echo arm >expect && test_cmp expect arch &&
	img-push -q -b "$REG/multi:v1" -f server:/app/server "$REG/app:amd" &&
	check_image "$REG/app:amd" appamd &&
	test "$(jq -r .architecture appamd/config.json)" = amd64 &&
	img-push -q -b oci:lay:multi --platform linux/arm64 -f server:/app/server oci:lay:armapp &&
	test_expect_code 1 img-push -q -b "$REG/multi:v1" --platform linux/s390x -f server "$REG/app:s390x" 2>err &&
	grep -q "no image for platform linux/s390x" err
'

test_expect_success 'a base in another registry is copied across' '
	img-push -q -b "$REG/base:v1" -f server:/app/server "$REG2/app:v1" >other.ref &&
	REG_LOG=$REG2_LOG && test "$(uploads_since 0)" = 3 &&
	check_image "$REG2/app:v1" other &&
	test "$(jq -c .rootfs.diff_ids other/config.json)" = "$(jq -c .rootfs.diff_ids app/config.json)"
'

test_done
