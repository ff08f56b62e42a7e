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
# The equivalent image as an OCI layout, for skopeo to push.
img-push -q -b "$REG/base:v1" -f server:/app/server --entrypoint /app/server oci:lay:v1 >lay.ref ||
	{ echo "  cannot write the OCI layout"; exit 1; }
echo 0 >n.ip; echo 0 >n.sk

# Each run pushes to a new repository of the same registry: the base is
# mounted or skipped, the 20 MB layer and the config are uploaded. skopeo
# gets a fresh HOME each run, so its blob-info cache cannot turn the layer
# upload into a mount.
run_imgpush() {
	n=$(($(cat n.ip) + 1)); echo $n >n.ip
	img-push -q -b "$REG/base:v1" -f server:/app/server --entrypoint /app/server "$REG/ip$n:v1"
}
run_skopeo() {
	n=$(($(cat n.sk) + 1)); echo $n >n.sk
	rm -rf skhome && mkdir -p skhome &&
	HOME=$PWD/skhome skopeo --policy "$SKOPEO_HOME/.config/containers/policy.json" \
		copy -q --dest-tls-verify=false oci:lay:v1 "docker://$REG/sk$n:v1"
}
export -f run_imgpush run_skopeo
export REG SKOPEO_HOME

# best_of LABEL N CMD...: bench_run N times, keep the fastest wall time under
# LABEL (bench_best in lib.sh loses its label: bench_run reuses $name).
best_of() {
	label=$1 times=$2; shift 2
	bw= bc= br=
	for i in $(seq "$times"); do
		bench_run "$label #$i" "$@" || return 1
		w=${BENCH_WALL["$label #$i"]}
		if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc -l)" = 1 ]; then
			bw=$w bc=${BENCH_CPU["$label #$i"]} br=${BENCH_RSS["$label #$i"]}
		fi
	done
	BENCH_WALL[$label]=$bw BENCH_CPU[$label]=$bc BENCH_RSS[$label]=$br
}

echo "  20 MiB binary on a 2 MB base already in the registry (local docker-registry)"
best_of img-push 3 bash -c run_imgpush
best_of "skopeo copy (OCI layout)" 3 bash -c run_skopeo
bench_compare img-push "skopeo copy (OCI layout)"
wr=$(ratio "${BENCH_WALL[skopeo copy (OCI layout)]}" "${BENCH_WALL[img-push]}")
v=met
[ "$(echo "$wr >= 1" | bc -l)" = 1 ] || v=MISSED
echo "  => wall ratio skopeo/img-push: ${wr}x [target: img-push at least as fast: $v]"

# Same digest as the layout skopeo pushed: the image is the same one.
d_ip=$(sk inspect --tls-verify=false "docker://$REG/ip1:v1" | jq -r .Digest)
d_sk=$(sk inspect --tls-verify=false "docker://$REG/sk1:v1" | jq -r .Digest)
[ "$d_ip" = "$d_sk" ] && echo "  same image: $d_ip" || echo "  DIFFERENT images: $d_ip vs $d_sk"

m=$(log_mark)
bench_run "img-push re-push" bash -c 'img-push -q -b "$REG/base:v1" -f server:/app/server --entrypoint /app/server "$REG/ip1:v1"'
up=$(uploads_since "$m"); pa=$(patches_since "$m")
posts=$(tail -n +"$((m + 1))" "$REG_LOG" | grep -c '"POST /v2/[^ ]*/blobs/uploads/')
if [ "$up$pa$posts" = 000 ]; then
	echo "  => re-push: 0 uploads started, 0 layer bytes sent [met]"
else
	echo "  => re-push: $posts uploads started, $up finished, $pa patches [MISSED]"
fi
test_run_cleanup_
