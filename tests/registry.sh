# tests/registry.sh: a throwaway Debian docker-registry for the img-push
# tests (t5*), sourced after lib.sh. Each registry gets its own config, storage
# and log in the test's directory, listens on a free loopback port and is
# stopped when the script ends.

have docker-registry || skip_all "docker-registry not installed"
have skopeo || skip_all "skopeo not installed"
have jq || skip_all "jq not installed"

# img-push's layer cache lives in the test directory.
export XDG_CACHE_HOME=$PWD/cache

# skopeo must read no real credentials or policy from the user's home.
mkdir -p "$PWD/home/.config/containers"
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$PWD/home/.config/containers/policy.json"
SKOPEO_HOME=$PWD/home
sk() { HOME=$SKOPEO_HOME skopeo --policy "$SKOPEO_HOME/.config/containers/policy.json" "$@"; }

# start_registry NAME [AUTH_YAML]: start a registry; sets REG (host:port),
# REG_LOG (its log, access lines included) and REG_PID.
start_registry() {
	name=$1 auth=${2:-}
	for attempt in 1 2 3; do
		port=$(free_port)
		mkdir -p "$PWD/$name/storage"
		{
			echo "version: 0.1"
			echo "log: {level: info, accesslog: {disabled: false}}"
			echo "storage: {filesystem: {rootdirectory: $PWD/$name/storage}, delete: {enabled: true}${REG_STORAGE_EXTRA:-}}"
			echo "http: {addr: 127.0.0.1:$port, secret: test${REG_HTTP_EXTRA:-}}"
			[ -n "$auth" ] && echo "auth: $auth"
		} >"$PWD/$name/config.yml"
		docker-registry serve "$PWD/$name/config.yml" </dev/null >"$PWD/$name/registry.log" 2>&1 &
		REG_PID=$!
		test_atexit "kill $REG_PID"
		REG=127.0.0.1:$port
		REG_LOG=$PWD/$name/registry.log
		# Another program may take the free port first: try another.
		wait_http "http://$REG/v2/" 2>/dev/null && kill -0 $REG_PID 2>/dev/null && return 0
		kill $REG_PID 2>/dev/null
		grep -q "address already in use" "$REG_LOG" || break
	done
	cat "$REG_LOG" >&2
	return 1
}

# start_token_server: start the token server (tests/servers/tokenserver)
# for the user alice:s3cret, signing with a fresh key whose certificate is
# cert.pem (for the registry's rootcertbundle); call it at top level.
# Sets TS to its host:port; it logs to token.log.
start_token_server() {
	have openssl || skip_all "openssl not installed"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
		-subj /CN=pgokit-test-token 2>/dev/null || skip_all "openssl cannot make a certificate"
	ts=$(go_build_cached tokenserver "$PGOKIT_SRC/tests/servers/tokenserver") ||
		skip_all "cannot build the token server"
	"$ts" -key key.pem -cert cert.pem -users alice:s3cret -addr-file ts.addr </dev/null >/dev/null 2>token.log &
	test_atexit "kill $!"
	for i in $(seq 100); do [ -s ts.addr ] && break; sleep 0.1; done
	TS=$(cat ts.addr)
}

# start_proxy NAME ARGS...: start the fault proxy (tests/servers/faultproxy)
# in front of $REG with ARGS; call it at top level, so that test_atexit
# stops it. Sets PX_<NAME> to its host:port; it logs to NAME.log.
start_proxy() {
	name=$1; shift
	if [ -z "${FAULTPROXY:-}" ]; then
		have_go || skip_all "Go 1.21+ not available (fault proxy)"
		FAULTPROXY=$(go_build_cached faultproxy "$PGOKIT_SRC/tests/servers/faultproxy") ||
			skip_all "cannot build the fault proxy"
	fi
	"$FAULTPROXY" -target "http://$REG" -addr-file "$name.addr" "$@" 2>"$name.log" </dev/null >/dev/null &
	test_atexit "kill $!"
	for i in $(seq 100); do [ -s "$name.addr" ] && break; sleep 0.1; done
	[ -s "$name.addr" ] || skip_all "fault proxy did not start"
	eval "PX_$name=\$(cat $name.addr)"
}

# bounded CMD...: run CMD in at most 1 GB of address space, so that an
# unbounded read fails fast instead of taking the machine, and write its
# peak RSS in KB as the last line of the file rss; RSS_MAX is the bound the
# tests check it against. (ASan reserves terabytes of address space and
# needs more memory: no ulimit there, and a looser bound.)
if [ "${PGOKIT_SAN:-}" = 1 ]; then
	RSS_MAX=400000
	bounded() { /usr/bin/time -f %M -o rss "$@"; }
else
	RSS_MAX=50000
	bounded() { (ulimit -v 1000000 && exec /usr/bin/time -f %M -o rss "$@"); }
fi

# log_mark: the current length of the registry log, for uploads_since.
log_mark() { wc -l <"$REG_LOG" | tr -d ' '; }

# uploads_since MARK: completed blob uploads (the final PUT of an upload
# session) logged after MARK; patches_since and mounts_since likewise.
uploads_since() { tail -n +"$(($1 + 1))" "$REG_LOG" | grep -c '"PUT /v2/[^ ]*/blobs/uploads/[^ ]* HTTP/1.1" 201'; }
patches_since() { tail -n +"$(($1 + 1))" "$REG_LOG" | grep -c '"PATCH /v2/[^ ]*/blobs/uploads/[^ ]* HTTP/1.1" 202'; }
mounts_since() { tail -n +"$(($1 + 1))" "$REG_LOG" | grep -c '"POST /v2/[^ ]*/blobs/uploads/?mount=[^ ]* HTTP/1.1" 201'; }

# check_image REF DIR: copy REF out of the registry uncompressed into DIR and
# check every rootfs.diff_id of its config names one of the layer files
# (skopeo names them by their uncompressed digest), in order.
check_image() {
	rm -rf "$2" &&
	sk copy -q --src-tls-verify=false --dest-decompress "docker://$1" "dir:$2" &&
	cfg=$(jq -r .config.digest "$2/manifest.json" | sed 's/^sha256://') &&
	jq -r '.rootfs.diff_ids[]' "$2/$cfg" | sed 's/^sha256://' >"$2/want-ids" &&
	jq -r '.layers[].digest' "$2/manifest.json" | sed 's/^sha256://' >"$2/have-ids" &&
	test_cmp "$2/want-ids" "$2/have-ids" &&
	while read -r id; do
		echo "$id  $2/$id" | sha256sum -c --quiet || return 1
	done <"$2/want-ids" &&
	jq . "$2/$cfg" >"$2/config.json"
}
