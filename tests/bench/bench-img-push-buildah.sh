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
# A second table pushes two platforms (linux/amd64 and linux/arm64, the same
# compiler cross-built for each, CGO_ENABLED=0, kept in $PGOKIT_CACHE/bin)
# as one image index: img-push --platform against buildah's manifest-list
# flow (manifest create; per platform from --arch --os scratch, copy,
# config, commit, manifest add; manifest push --all), fresh registries.
# img-push runs with --no-sbom in both tables: buildah attaches no SBOM.
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
	XDG_CACHE_HOME=$1 img-push -q --no-sbom -f server:/app/server --entrypoint /app/server "$2"
}
# run_buildah_ma STATE REF LIST: the two-platform image with buildah's
# manifest-list flow, the list named LIST in STATE's storage (a re-push
# makes a new list: adding to the old one would add entries).
run_buildah_ma() {
	b="buildah --root $1/root --runroot $1/run --storage-driver vfs"
	$b manifest create "$3" >/dev/null || return 1
	for a in amd64 arm64; do
		c=$($b from -q --arch $a --os linux --cni-config-dir "$1/cni" --authfile "$BH_AUTH" \
			--signature-policy "$BH_POLICY" scratch) &&
		$b copy -q "$c" "bin-linux-$a" /app/svc &&
		$b config --entrypoint '["/app/svc"]' --arch $a --os linux "$c" &&
		id=$($b commit -q --signature-policy "$BH_POLICY" --timestamp 0 "$c") &&
		$b manifest add "$3" "$id" >/dev/null || return 1
	done
	$b manifest push -q --all --authfile "$BH_AUTH" --signature-policy "$BH_POLICY" --tls-verify=false \
		"$3" "docker://$2"
}
# run_imgpush_ma CACHE REF: the same with img-push.
run_imgpush_ma() {
	XDG_CACHE_HOME=$1 img-push -q --no-sbom --platform linux/amd64,linux/arm64 \
		-f 'bin-{platform}:/app/svc' --entrypoint /app/svc "$2"
}
export -f run_buildah run_imgpush run_buildah_ma run_imgpush_ma

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

# round KIND I [ma]: img-push and buildah once each into registry I, the
# order alternating with I; the blob upload requests and finished uploads
# each tool made are added to REQ[tool] and DONE[tool]. With ma, the
# two-platform push, into the registries REGS_MA.
declare -A REQ DONE
round() {
	local kind=$1 i=$2 ma=${3:-} t m
	if [ -n "$ma" ]; then REG=${REGS_MA[$i]} REG_LOG=${LOGS_MA[$i]}; else REG=${REGS[$i]} REG_LOG=${LOGS[$i]}; fi
	for t in $( [ $((i % 2)) = 1 ] && echo "img-push buildah" || echo "buildah img-push"); do
		m=$(log_mark)
		case $t$ma in
		img-push) bench_run "img-push $kind #$i" bash -c 'run_imgpush "$0" "$1"' "ip-cache.$i" "$REG/ip:v1";;
		buildah) bench_run "buildah $kind #$i" bash -c 'run_buildah "$0" "$1"' "bh-state.$i" "$REG/bh:v1";;
		img-pushma) bench_run "img-push 2-arch $kind #$i" bash -c 'run_imgpush_ma "$0" "$1"' \
			"ip-ma-cache.$i" "$REG/ip:v1";;
		buildahma) bench_run "buildah 2-arch $kind #$i" bash -c 'run_buildah_ma "$0" "$1" "$2"' \
			"bh-ma-state.$i" "$REG/bh:v1" "list-$kind";;
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

# goal KIND: the ratios of the medians "buildah KIND" / "img-push KIND".
goal() {
	local c w r v=met
	c=$(ratio "${BENCH_CPU[buildah $1]}" "${BENCH_CPU[img-push $1]}")
	w=$(ratio "${BENCH_WALL[buildah $1]}" "${BENCH_WALL[img-push $1]}")
	r=$(ratio "${BENCH_RSS[buildah $1]}" "${BENCH_RSS[img-push $1]}")
	[ "$(echo "$c >= 2 && $w >= 2" | bc -l)" = 1 ] || v=MISSED
	echo "  => $1: buildah/img-push medians: cpu ${c}x, wall ${w}x, rss ${r}x [goal: img-push at least 2x faster by CPU and wall: $v]"
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

# The two-platform push. The binaries: Go 1.23's compiler cross-built by a
# plain go build for each platform, once, kept in the cache by Go version.
echo "  two platforms (linux/amd64 + linux/arm64) as one image index:"
gv=$(go env GOVERSION)
for a in amd64 arm64; do
	f=$PGOKIT_CACHE/bin/compile-$gv-linux-$a
	if [ ! -x "$f" ]; then
		mkdir -p "$PGOKIT_CACHE/bin"
		CGO_ENABLED=0 GOOS=linux GOARCH=$a go build -o "$f.tmp.$$" cmd/compile 2>build-$a.err &&
			mv -f "$f.tmp.$$" "$f" || { echo "  go build for linux/$a failed:"; tail -5 build-$a.err; exit 1; }
	fi
	cp "$f" "bin-linux-$a" || exit 1
done

# A first round outside the timing, into a registry of its own: does
# buildah's manifest-list flow work here?
start_registry warm-ma || skip_all "docker-registry did not start"
if ! run_buildah_ma bh-ma-warm "$REG/bh:v1" list-warm >/dev/null 2>warm-ma.err; then
	echo "  skipped: buildah's manifest-list flow fails here:"; tail -3 warm-ma.err | sed 's/^/    /'; exit 0
fi
run_imgpush_ma ip-ma-warm "$REG/ip:v1" >/dev/null || { echo "  img-push failed"; exit 1; }

# Equal output: an index (or manifest list) of the two platforms, each
# image one gzip layer holding that platform's binary byte for byte.
for t in ip bh; do
	sk inspect --raw --tls-verify=false "docker://$REG/$t:v1" >"$t.index" || exit 1
	p=$(jq -r '[.manifests[] | .platform | "\(.os)/\(.architecture)"] | sort | join(" ")' "$t.index")
	[ "$p" = "linux/amd64 linux/arm64" ] || { echo "  $t: the index has platforms '$p'"; exit 1; }
	for a in amd64 arm64; do
		d=$(jq -r --arg a $a '.manifests[] | select(.platform.architecture == $a) | .digest' "$t.index")
		sk inspect --raw --tls-verify=false "docker://$REG/$t@$d" >"$t.$a.manifest" || exit 1
		[ "$(jq -r '[.layers[].mediaType] | join(" ")' "$t.$a.manifest")" = \
			application/vnd.oci.image.layer.v1.tar+gzip ] ||
			{ echo "  $t $a: not one gzip layer: $(jq -c '[.layers[].mediaType]' "$t.$a.manifest")"; exit 1; }
		rm -rf "$t.$a.dir"
		sk copy -q --override-arch $a --src-tls-verify=false --dest-decompress \
			"docker://$REG/$t:v1" "dir:$t.$a.dir" || exit 1
		l=$(jq -r '.layers[0].digest' "$t.$a.dir/manifest.json" | sed 's/^sha256://')
		tar -xOf "$t.$a.dir/$l" app/svc | cmp -s - "bin-linux-$a" ||
			{ echo "  $t: the $a image does not hold the $a binary"; exit 1; }
	done
done
printf '  %s cmd/compile cross-built, CGO_ENABLED=0: amd64 %d MB, arm64 %d MB; load %s; %d rounds\n' \
	"$gv" "$(( $(wc -c <bin-linux-amd64) / 1000000 ))" "$(( $(wc -c <bin-linux-arm64) / 1000000 ))" \
	"$(cut -d' ' -f1 /proc/loadavg)" "$runs"
for t in ip bh; do
	case $t in ip) n=img-push;; bh) n=buildah;; esac
	printf '  %-8s %s; layers (amd64, arm64) %s, %s bytes\n' "$n" "$(jq -r .mediaType "$t.index")" \
		"$(jq -r '.layers[0].mediaType' "$t.amd64.manifest")" \
		"$(jq -r '.layers[0].size' "$t.amd64.manifest" "$t.arm64.manifest" | paste -sd' ')"
done

declare -a REGS_MA LOGS_MA
for i in $(seq "$runs"); do
	start_registry "reg-ma$i" || skip_all "docker-registry did not start"
	REGS_MA[$i]=$REG LOGS_MA[$i]=$REG_LOG
done

for kind in first re-push; do
	case $kind in
	first) echo "  2-arch first push (empty registry, cache and storage): median [min-max]";;
	re-push) echo "  2-arch re-push (index in the registry, local state kept): median [min-max]";;
	esac
	REQ=([img-push]=0 [buildah]=0) DONE=([img-push]=0 [buildah]=0)
	for i in $(seq "$runs"); do round "$kind" "$i" ma; done
	bench_spread "img-push 2-arch $kind" "$runs"
	bench_spread "buildah 2-arch $kind" "$runs"
	goal "2-arch $kind"
	v=met
	[ "${REQ[img-push]}" = 0 ] || v=MISSED
	for t in img-push buildah; do
		printf '  => %s 2-arch %s, %d rounds (registry log): %d blobs uploaded, %d upload requests%s\n' \
			"$t" "$kind" "$runs" "${DONE[$t]}" "${REQ[$t]}" \
			"$( [ $t = buildah ] || [ $kind = first ] || echo " [no layer bytes sent: $v]")"
	done
done
