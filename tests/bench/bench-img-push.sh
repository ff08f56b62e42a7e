#!/bin/bash
# bench-img-push: push a 20 MB binary on a base already in the registry,
# img-push (build the layer, push) against `skopeo copy` of the same image
# already laid out as an OCI layout, on the same local docker-registry; then
# a re-push, which must send no layer bytes.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"

start_registry reg || skip_all "docker-registry did not start"

# A 20 MiB binary made of real machine code (Go's own tools).
cat "$GOROOT_123"/pkg/tool/linux_amd64/* 2>/dev/null | head -c 20971520 >server
[ "$(wc -c <server)" = 20971520 ] || head -c 20971520 /dev/urandom >server
head -c 2000000 /dev/urandom >basefile
img-push -q -f basefile:/usr/lib/base.dat --env PATH=/usr/bin "$REG/base:v1" >/dev/null ||
	{ echo "  cannot create the base image"; exit 1; }

# Each run pushes a new build of the binary (8 bytes differ) to a new
# repository of the same registry, so that neither tool can skip or mount
# the 20 MB layer: the base is mounted or skipped, the layer and the config
# are uploaded. skopeo copies an OCI layout of exactly the image img-push
# builds, prepared (compressed) outside the timing.
prepare() {
	n=$1
	{ cat server; printf '%08d' "$n"; } >"server.$n"
	rm -rf "lay.$n"
	img-push -q --no-cache -b "$REG/base:v1" -f "server.$n:/app/server" \
		--entrypoint /app/server "oci:lay.$n:v1" >"lay.$n.ref"
}
run_imgpush() {
	img-push -q -b "$REG/base:v1" -f "server.$1:/app/server" --entrypoint /app/server \
		"$REG/$2$1:v1"
}
run_skopeo() {
	skopeo --policy "$SKOPEO_HOME/.config/containers/policy.json" \
		copy -q --dest-tls-verify=false "oci:lay.$1:v1" "docker://$REG/sk$1:v1"
}
export -f run_imgpush run_skopeo
export REG SKOPEO_HOME XDG_CACHE_HOME

runs=3
for i in $(seq $runs); do prepare "$i" || { echo "  cannot prepare run $i"; exit 1; }; done
echo "  a new 20 MiB binary on a 2 MB base already in the registry (local docker-registry, $(nproc) cores, load $(cut -d" " -f1 /proc/loadavg))"
# Alternate the tools run by run, so that both see the same machine load.
for i in $(seq $runs); do
	bench_run "img-push #$i" bash -c 'run_imgpush "$0" ip' "$i" || exit 1
	bench_run "skopeo copy (OCI layout) #$i" bash -c 'run_skopeo "$0"' "$i" || exit 1
done
for tool in img-push "skopeo copy (OCI layout)"; do
	bw=
	for i in $(seq $runs); do
		w=${BENCH_WALL["$tool #$i"]}
		if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc -l)" = 1 ]; then
			bw=$w BENCH_CPU[$tool]=${BENCH_CPU["$tool #$i"]} BENCH_RSS[$tool]=${BENCH_RSS["$tool #$i"]}
		fi
	done
	BENCH_WALL[$tool]=$bw
done
bench_compare img-push "skopeo copy (OCI layout)"
wr=$(ratio "${BENCH_WALL[skopeo copy (OCI layout)]}" "${BENCH_WALL[img-push]}")
v=met
[ "$(echo "$wr >= 1" | bc -l)" = 1 ] || v=MISSED
echo "  => best wall: skopeo/img-push = ${wr}x [target: img-push at least as fast: $v]"

# Same digest as the layout skopeo pushed: the image is the same one.
d_ip=$(sk inspect --tls-verify=false "docker://$REG/ip1:v1" | jq -r .Digest)
d_sk=$(sk inspect --tls-verify=false "docker://$REG/sk1:v1" | jq -r .Digest)
[ "$d_ip" = "$d_sk" ] && echo "  same image pushed by both: $d_ip" || echo "  DIFFERENT images: $d_ip vs $d_sk"

# The same binary again to another repository: the layer comes compressed
# from img-push's layer cache, as skopeo's comes from its layout.
bench_run "img-push, same binary, new repo" bash -c 'run_imgpush 1 again' || exit 1

m=$(log_mark)
bench_run "img-push re-push" bash -c 'run_imgpush 1 ip'
up=$(uploads_since "$m"); pa=$(patches_since "$m")
posts=$(tail -n +"$((m + 1))" "$REG_LOG" | grep -c '"POST /v2/[^ ]*/blobs/uploads/')
if [ "$up$pa$posts" = 000 ]; then
	echo "  => re-push: 0 uploads started, 0 layer bytes sent [met]"
else
	echo "  => re-push: $posts uploads started, $up finished, $pa patches [MISSED]"
fi
test_run_cleanup_
