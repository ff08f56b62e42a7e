#!/bin/bash
# img-push against a hostile registry (the fault proxy in front of a real
# one): blobs bounded by their descriptor's size (an endless, short or long
# layer is an error naming the digest, in bounded memory), digests checked
# before any use, credentials and Bearer tokens kept to the registry's own
# origin, capped error bodies and headers.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"
have_go || skip_all "Go 1.21+ not available (fault proxy)"
[ -x /usr/bin/time ] || skip_all "/usr/bin/time not installed (peak RSS)"
have htpasswd || skip_all "htpasswd (apache2-utils) not installed"

start_registry reg || skip_all "docker-registry did not start"
head -c 300000 /dev/urandom >layer
head -c 1000 /dev/urandom >small

# fails_with PATTERN CMD...: exit 1, nothing on stdout, one line on stderr
# matching PATTERN.
fails_with() {
	pat=$1; shift
	test_expect_code 1 "$@" >out 2>err || { cat err >&2; return 1; }
	cat err >&2
	test_must_fail test -s out &&
	test "$(wc -l <err)" = 1 && grep -q -- "$pat" err
}
not_tagged() { test_must_fail sk inspect --tls-verify=false "docker://$REG/$1" >/dev/null 2>&1; }

img-push -q -f layer "$REG/base:v1" >/dev/null || skip_all "cannot push the base image"
LAYER=$(sk inspect --tls-verify=false --raw "docker://$REG/base:v1" | jq -r '.layers[0].digest')
SIZE=$(sk inspect --tls-verify=false --raw "docker://$REG/base:v1" | jq -r '.layers[0].size')
start_proxy plain
start_proxy endless -hostile endless-body -match "^GET /v2/base/blobs/$LAYER"
start_proxy short -hostile short-body -match "^GET /v2/base/blobs/$LAYER"
start_proxy long -hostile long-body -match "^GET /v2/base/blobs/$LAYER"
start_proxy baddigest -hostile bad-layer-digest -match "^GET /v2/base/manifests/"
start_proxy bigerr -hostile big-error -match "^GET /v2/base/manifests/"
start_proxy bigman -hostile endless-body -match "^GET /v2/base/manifests/"
start_proxy hugehdr -hostile huge-header -match "^GET /v2/$"
start_proxy manyhdr -hostile many-headers -match "^GET /v2/$"
start_proxy emptyrealm -hostile challenge -challenge 'Bearer realm=""'
start_proxy ftprealm -hostile challenge -challenge 'Bearer realm="ftp://127.0.0.1/token"'

test_expect_success 'an endless layer stops at its descriptor size, in bounded memory' '
	PX=$PX_endless &&
	test_expect_code 1 bounded img-push -b "$PX/base:v1" -f small "$REG/app:endless" >out 2>err &&
	cat err >&2 &&
	grep -q "blob $LAYER: more than the $SIZE bytes its descriptor states" err &&
	echo "peak RSS $(tail -n 1 rss) KB, bound $RSS_MAX KB" >&2 &&
	test "$(tail -n 1 rss)" -lt $RSS_MAX &&
	not_tagged app:endless &&
	test_expect_code 1 bounded img-push -b "$PX/base:v1" -f small oci:lay:v1 >out 2>err &&
	grep -q "blob $LAYER: more than the $SIZE bytes" err &&
	test_must_fail test -e lay/index.json
'

test_expect_success 'a short layer is an error naming the digest' '
	fails_with "blob $LAYER: $((SIZE / 2)) bytes, its descriptor states $SIZE" \
		img-push -b "$PX_short/base:v1" -f small "$REG/app:short" &&
	not_tagged app:short
'

test_expect_success 'a long layer is an error naming the digest' '
	fails_with "blob $LAYER: more than the $SIZE bytes its descriptor states" \
		img-push -b "$PX_long/base:v1" -f small oci:lay:long
'

test_expect_success 'a base layer from another registry streams through, checked' '
	bounded img-push -q -b "$PX_plain/base:v1" -f small:/other "$REG/app:copied" >out &&
	echo "peak RSS $(tail -n 1 rss) KB, bound $RSS_MAX KB" >&2 &&
	test "$(tail -n 1 rss)" -lt $RSS_MAX &&
	check_image "$REG/app:copied" copied &&
	img-push -q -b "$PX_plain/base:v1" -f small:/other oci:lay:copied >out &&
	sk copy -q --dest-tls-verify=false oci:lay:copied "docker://$REG/fromlayout:v1"
'

test_expect_success 'a digest from a manifest is checked before any use' '
	fails_with "layer 0: digest \"sha256:../../x\": not sha256:<64 lowercase hex digits>" \
		img-push -b "$PX_baddigest/base:v1" -f small oci:lay:bad &&
	fails_with "layer 0: digest \"sha256:../../x\"" \
		img-push -b "$PX_baddigest/base:v1" -f small "$REG/app:bad" &&
	grep "proxy:" baddigest.log >requests &&
	test_must_fail grep -v -e "GET /v2/ ->" -e "GET /v2/base/manifests/v1 ->" requests &&
	test_must_fail test -e lay/x &&
	not_tagged app:bad
'

test_expect_success 'error bodies and manifests are capped' '
	fails_with "HTTP 404 answer with a body over 1048576 bytes" \
		bounded img-push -b "$PX_bigerr/base:v1" -f small "$REG/app:bigerr" &&
	fails_with "HTTP 200 answer with a body over 4194304 bytes" \
		bounded img-push -b "$PX_bigman/base:v1" -f small "$REG/app:bigman" &&
	not_tagged app:bigerr
'

test_expect_success 'a 20 MB header or 100000 headers: a clear error' '
	fails_with "response headers larger than 65536 bytes or 200 lines" \
		bounded img-push -f small "$PX_hugehdr/app:v1" &&
	fails_with "response headers larger than 65536 bytes or 200 lines" \
		bounded img-push -f small "$PX_manyhdr/app:v1"
'

test_expect_success 'a token realm must be an http(s) URL' '
	fails_with "registry: token realm \"\": empty" img-push -f small "$PX_emptyrealm/app:v1" &&
	fails_with "registry: token realm \"ftp://127.0.0.1/token\": not an http(s) URL" \
		img-push -f small "$PX_ftprealm/app:v1"
'

# Credentials: a registry with Basic auth behind a proxy that sends uploads
# to another origin (which adds its own credentials upstream).
htpasswd -nbB alice s3cret >htpasswd
start_registry auth "{htpasswd: {realm: test, path: $PWD/htpasswd}}" ||
	skip_all "docker-registry with auth did not start"
start_proxy loc -storage 127.0.0.2:0 -storage-auth alice:s3cret -location-storage
export DOCKER_CONFIG=$PWD/docker
mkdir -p docker
printf "{\"auths\":{\"$PX_loc\":{\"auth\":\"%s\"}}}\n" "$(printf alice:s3cret | base64 -w0)" >docker/config.json

test_expect_success 'an upload Location on another origin gets no credentials' '
	img-push -q --chunk-size 100k -f layer "$PX_loc/app:v1" >out &&
	grep -q "storage: PATCH /v2/app/blobs/uploads/.* auth=none" loc.log &&
	grep -q "storage: PUT /v2/app/blobs/uploads/.* auth=none" loc.log &&
	test_must_fail grep -q "auth=LEAKED" loc.log &&
	sk inspect --tls-verify=false --creds alice:s3cret "docker://$REG/app:v1" | jq -r .Digest >d &&
	test "$PX_loc/app@$(cat d)" = "$(cat out)"
'

# The same for a Bearer token from the registry's token realm: it is the
# registry's alone, sent neither to an upload Location nor to a blob
# download redirected to another origin (the storage origin gets its own
# token upstream).
if ! have openssl; then
	test_skip 'a Bearer token stays with the registry origin' 'openssl not installed'
	test_done
fi
start_token_server
start_registry bearer "{token: {realm: http://$TS/token, service: test-registry, issuer: test-issuer, rootcertbundle: $PWD/cert.pem}}" ||
	skip_all "docker-registry with token auth did not start"
start_proxy tok -storage 127.0.0.3:0 -storage-auth alice:s3cret \
	-storage-token "http://$TS/token?service=test-registry" -location-storage
printf "{\"auths\":{\"$PX_tok\":{\"auth\":\"%s\"}}}\n" "$(printf alice:s3cret | base64 -w0)" >docker/config.json

test_expect_success 'a Bearer token: an upload Location on another origin gets none' '
	: >token.log &&
	img-push -q --chunk-size 100k -f layer "$PX_tok/app:v1" >out &&
	grep -q "user=\"alice\" service=\"test-registry\" scopes=\\[\"repository:app:pull,push\"\\]" token.log &&
	grep -q "storage: PATCH /v2/app/blobs/uploads/.* auth=none" tok.log &&
	grep -q "storage: PUT /v2/app/blobs/uploads/.* auth=none" tok.log &&
	test_must_fail grep -q "auth=LEAKED" tok.log &&
	sk inspect --tls-verify=false --creds alice:s3cret "docker://$REG/app:v1" | jq -r .Digest >d &&
	test "$PX_tok/app@$(cat d)" = "$(cat out)"
'

test_expect_success 'a Bearer token: a blob redirected to another origin gets none' '
	img-push -q -b "$PX_tok/app:v1" -f small:/other oci:lay:tok >out &&
	grep -q "proxy: GET /v2/app/blobs/sha256:[0-9a-f]* -> redirect" tok.log &&
	grep -q "storage: GET /v2/app/blobs/sha256:[0-9a-f]* auth=none" tok.log &&
	test_must_fail grep -q "auth=LEAKED" tok.log &&
	sk copy -q --dest-tls-verify=false --dest-creds alice:s3cret oci:lay:tok "docker://$REG/fromtok:v1"
'

test_done
