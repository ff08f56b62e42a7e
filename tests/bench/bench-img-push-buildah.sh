#!/bin/bash
# bench-img-push-buildah: the same Go binary (Go 1.23's cmd/compile, 18 MB)
# built into an image from scratch and pushed by img-push and by buildah
# (daemonless: from scratch, copy, config, commit, push; vfs storage), both
# to the real docker-registry, in the same run, interleaved. First push: an
# empty registry, an empty img-push layer cache and an empty buildah storage
# each round. Re-push: each tool runs again, its local state kept, into the
# registry that holds its image. The registry log counts the blob uploads.
# Goal (issue 17): img-push at least 2x faster than buildah by CPU and wall
# (medians), at equal output (one gzip-compressed layer), and a re-push
# that sends no layer bytes. BENCH_BUILDAH_RUNS sets the rounds (default 5).
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"

# The storages hold a copy of the binary per round: removed at the end.
test_atexit "cd / && rm -rf '$TEST_DIR'"
have buildah || { echo "  skipped: buildah not installed (make deps installs it)"; exit 0; }
runs=${BENCH_BUILDAH_RUNS:-5}

cp "$GOROOT_123/pkg/tool/linux_amd64/compile" server || exit 1

# buildah uses none of the machine's containers state: its storage (vfs),
# run state and blob-info cache live in a directory per round; registries,
# containers.conf, credentials, policy and temp files here. (As root, copy
# and commit still take the lock /etc/cni/net.d/cni.lock, commit opens
# /var/lib/containers/cache read-only and locks a file in
# /var/cache/containers: buildah has no option for those, and none holds
# anything of this image.)
mkdir -p bh-etc bh-tmp
printf 'unqualified-search-registries = []\n' >bh-etc/registries.conf
printf '[storage]\ndriver = "vfs"\n' >bh-etc/storage.conf
: >bh-etc/containers.conf
echo '{}' >bh-etc/auth.json
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >bh-etc/policy.json
export CONTAINERS_REGISTRIES_CONF=$PWD/bh-etc/registries.conf
export CONTAINERS_STORAGE_CONF=$PWD/bh-etc/storage.conf
export CONTAINERS_CONF=$PWD/bh-etc/containers.conf
# (Not REGISTRY_AUTH_FILE: docker-registry takes REGISTRY_* as its config.)
export BH_AUTH=$PWD/bh-etc/auth.json BH_POLICY=$PWD/bh-etc/policy.json
export TMPDIR=$PWD/bh-tmp XDG_RUNTIME_DIR=$PWD/bh-tmp

# run_buildah STATE REF: build the image in STATE's storage and push it.
# --timestamp makes the layer reproducible (img-push's is), so that a
# re-push can find it in the registry.
run_buildah() {
	b="buildah --root $1/root --runroot $1/run --storage-driver vfs"
	c=$($b from -q --cni-config-dir "$1/cni" --authfile "$BH_AUTH" --signature-policy "$BH_POLICY" scratch) &&
	$b copy -q "$c" server /app/server &&
	$b config --entrypoint '["/app/server"]' "$c" &&
	$b commit -q --signature-policy "$BH_POLICY" --timestamp 0 "$c" app >/dev/null &&
	$b push -q --authfile "$BH_AUTH" --signature-policy "$BH_POLICY" --tls-verify=false app "docker://$2"
}
# run_imgpush CACHE REF: the same with img-push and its layer cache in CACHE.
run_imgpush() {
	XDG_CACHE_HOME=$1 img-push -q -f server:/app/server --entrypoint /app/server "$2"
}
export -f run_buildah run_imgpush

# upload_reqs MARK: blob upload requests (POST, PATCH, PUT) in the log of
# the current registry after MARK; uploads_done MARK: the finished ones (a
# PUT, or a monolithic POST, answered 201).
upload_reqs() { tail -n +"$(($1 + 1))" "$REG_LOG" | grep -c '"[A-Z]* /v2/[^ ]*/blobs/uploads/'; }
uploads_done() { tail -n +"$(($1 + 1))" "$REG_LOG" | grep -c '"[A-Z]* /v2/[^ ]*/blobs/uploads/[^ ]* HTTP/1.1" 201'; }

# A first round outside the timing, into a registry of its own: does
# buildah work here (as a normal user it needs user namespaces)?
start_registry warm || skip_all "docker-registry did not start"
run_buildah bh-warm "$REG/bh:v1" >/dev/null 2>warm.err ||
	{ echo "  skipped: buildah cannot build and push here:"; tail -3 warm.err | sed 's/^/    /'; exit 0; }
run_imgpush ip-warm "$REG/ip:v1" >/dev/null || { echo "  img-push failed"; exit 1; }

# Equal output: one gzip layer each, holding the same binary.
for t in ip bh; do
	sk inspect --raw --tls-verify=false "docker://$REG/$t:v1" >"$t.manifest" || exit 1
	sk copy -q --src-tls-verify=false --dest-decompress "docker://$REG/$t:v1" "dir:$t.dir" || exit 1
	l=$(jq -r '.layers[0].digest' "$t.dir/manifest.json" | sed 's/^sha256://')
	tar -xOf "$t.dir/$l" app/server | cmp -s - server || { echo "  $t: the image does not hold the binary"; exit 1; }
done
printf '  %s, %d MB; %d cores, load %s; %d rounds, tools alternating first\n' \
	"$(go version -m server | head -1 | cut -d' ' -f2-) cmd/compile" "$(( $(wc -c <server) / 1000000 ))" \
	"$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)" "$runs"
for t in ip bh; do
	case $t in ip) n=img-push;; bh) n=buildah;; esac
	printf '  %-8s layers %s, %s bytes; manifest %s\n' "$n" \
		"$(jq -r '[.layers[].mediaType] | join(" ")' "$t.manifest")" \
		"$(jq -r '[.layers[].size] | join(" ")' "$t.manifest")" "$(jq -r .mediaType "$t.manifest")"
done

# round KIND I: img-push and buildah once each into registry I, the order
# alternating with I; the blob upload requests and finished uploads each
# tool made are added to REQ[tool] and DONE[tool].
declare -A REQ DONE
round() {
	local kind=$1 i=$2 t m
	REG=${REGS[$i]} REG_LOG=${LOGS[$i]}
	for t in $( [ $((i % 2)) = 1 ] && echo "img-push buildah" || echo "buildah img-push"); do
		m=$(log_mark)
		case $t in
		img-push) bench_run "img-push $kind #$i" bash -c 'run_imgpush "$0" "$1"' "ip-cache.$i" "$REG/ip:v1";;
		buildah) bench_run "buildah $kind #$i" bash -c 'run_buildah "$0" "$1"' "bh-state.$i" "$REG/bh:v1";;
		esac >>runs.log || { cat runs.log; exit 1; }
		REQ[$t]=$(( ${REQ[$t]} + $(upload_reqs "$m") ))
		DONE[$t]=$(( ${DONE[$t]} + $(uploads_done "$m") ))
	done
}

declare -a REGS LOGS
for i in $(seq "$runs"); do
	start_registry "reg$i" || skip_all "docker-registry did not start"
	REGS[$i]=$REG LOGS[$i]=$REG_LOG
done

goal() {
	local c w v=met
	c=$(ratio "${BENCH_CPU[buildah $1]}" "${BENCH_CPU[img-push $1]}")
	w=$(ratio "${BENCH_WALL[buildah $1]}" "${BENCH_WALL[img-push $1]}")
	[ "$(echo "$c >= 2 && $w >= 2" | bc -l)" = 1 ] || v=MISSED
	echo "  => $1: buildah/img-push medians: cpu ${c}x, wall ${w}x [goal: img-push at least 2x faster by CPU and wall: $v]"
}

echo "  first push (empty registry, cache and storage): median [min-max]"
REQ=([img-push]=0 [buildah]=0) DONE=([img-push]=0 [buildah]=0)
for i in $(seq "$runs"); do round first "$i"; done
bench_spread "img-push first" "$runs"
bench_spread "buildah first" "$runs"
goal first
for t in img-push buildah; do
	echo "  $t: ${DONE[$t]} blobs uploaded in $runs rounds (layer + config), ${REQ[$t]} upload requests"
done

echo "  re-push (image in the registry, local state kept): median [min-max]"
REQ=([img-push]=0 [buildah]=0) DONE=([img-push]=0 [buildah]=0)
for i in $(seq "$runs"); do round re-push "$i"; done
bench_spread "img-push re-push" "$runs"
bench_spread "buildah re-push" "$runs"
goal re-push
v=met
[ "${REQ[img-push]}" = 0 ] || v=MISSED
for t in img-push buildah; do
	printf '  => %s re-push, %d rounds (registry log): %d blobs uploaded, %d upload requests%s\n' \
		"$t" "$runs" "${DONE[$t]}" "${REQ[$t]}" "$( [ $t = buildah ] || echo " [no layer bytes sent: $v]")"
done
