#!/bin/bash
# img-push against a registry whose words are hostile (issue 15, F11): a
# media type, a platform, a config that is not JSON, a JSON error message,
# a Docker-Content-Digest header and a token realm carrying ESC [2J (clears
# a terminal) and a newline (forges a log line; not in headers) are quoted
# escaped: one line on stderr, no control byte in it, the problem still
# named. And a base layer whose descriptor states 1 TiB is refused before
# its download.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"
have_go || skip_all "Go 1.21+ not available (fault proxy)"

start_registry reg || skip_all "docker-registry did not start"
head -c 3000 /dev/urandom >layer
head -c 1000 /dev/urandom >small
img-push -q -f layer "$REG/base:v1" >/dev/null || skip_all "cannot push the base image"
LAYER=$(sk inspect --tls-verify=false --raw "docker://$REG/base:v1" | jq -r '.layers[0].digest')

start_proxy mt -hostile evil-media-type -match "^GET /v2/base/manifests/"
start_proxy idx -hostile evil-index -match "^GET /v2/base/manifests/"
start_proxy cfg -hostile evil-config -match "^GET /v2/base/manifests/"
start_proxy err -hostile evil-error -match "^GET /v2/base/manifests/"
start_proxy dig -hostile evil-digest -match "^PUT /v2/app/manifests/"
start_proxy huge -hostile huge-layer-size -match "^GET /v2/base/manifests/"
start_proxy realm -hostile challenge -challenge "$(printf 'Bearer realm="http://127.0.0.1:1/\033[2J"')"

# The text every hostile answer carries, as it must be shown.
EVIL='\x1b[2J\nimg-push: forged line'

# quoted PATTERN CMD...: CMD fails with exit 1 and one line on stderr,
# which holds no control byte (nor any byte outside printable ASCII) and
# contains PATTERN (a fixed string).
quoted() {
	pat=$1; shift
	test_expect_code 1 "$@" >out 2>err || { cat -v err >&2; return 1; }
	cat -v err >&2
	test_must_fail test -s out &&
	test "$(wc -l <err)" = 1 &&
	test -z "$(LC_ALL=C tr -d '\n\040-\176' <err | od -An -c)" &&
	grep -qF -- "$pat" err
}
not_tagged() { test_must_fail sk inspect --tls-verify=false "docker://$REG/$1" >/dev/null 2>&1; }

test_expect_success 'a media type is quoted escaped' '
	quoted "manifest: unsupported media type '\''$EVIL'\''" \
		img-push -b "$PX_mt/base:v1" -f small "$REG/app:mt" &&
	not_tagged app:mt
'
test_expect_success 'the platforms of an index are quoted escaped' '
	quoted "no image for platform linux/amd64 in the index (it has: $EVIL/amd64)" \
		img-push -b "$PX_idx/base:v1" -f small "$REG/app:idx"
'
test_expect_success 'a config that is not JSON: jansson quoted escaped' '
	quoted "image config: invalid JSON: '\''['\'' or '\''{'\'' expected near '\''\x1b'\''" \
		img-push -b "$PX_cfg/base:v1" -f small oci:lay:cfg &&
	test_must_fail test -e lay/index.json
'
test_expect_success 'a JSON error message is quoted escaped' '
	quoted "HTTP 400: DENIED: $EVIL" img-push -b "$PX_err/base:v1" -f small "$REG/app:err"
'
test_expect_success 'a Docker-Content-Digest header is quoted escaped' '
	quoted "registry stored digest \"sha256:\x1b[2J\", expected sha256:" \
		img-push -f small "$PX_dig/app:dig"
'
test_expect_success 'a token realm from WWW-Authenticate is quoted escaped' '
	quoted "registry: token realm \"http://127.0.0.1:1/\x1b[2J\": not an http(s) URL" \
		img-push -f small "$PX_realm/app:realm"
'
test_expect_success 'the os of a base config is quoted escaped' '
	img-push -q -b scratch --platform "$(printf "\033[2J\nimg-push: forged line/amd64")" \
		-f small "$REG/evilplat:v1" >out &&
	quoted "is $EVIL/amd64, not the linux/amd64 asked for" \
		img-push -b "$REG/evilplat:v1" --platform linux/amd64 -f small "$REG/app:plat" &&
	not_tagged app:plat
'

# F4 bounds a blob by its stated size; a stated size past the free space
# of TMPDIR, where a layer passes between registries, is refused at once.
test_expect_success 'a base layer stated at 1 TiB: refused before its download' '
	mkdir -p tmp &&
	TMPDIR=$PWD/tmp test_expect_code 1 img-push -b "$PX_huge/base:v1" -f small \
		"$REG/app:huge" >out 2>err &&
	cat err && test "$(wc -l <err)" = 1 &&
	grep -q "blob $LAYER: its descriptor states 1099511627776 bytes, more than the [0-9]* bytes free in $PWD/tmp (TMPDIR)$" err &&
	test_must_fail grep "GET /v2/base/blobs/$LAYER" huge.log &&
	not_tagged app:huge &&
	TMPDIR=$PWD/tmp test_expect_code 1 img-push -b "$PX_huge/base:v1" -f small \
		oci:lay:huge >out 2>err &&
	grep -q "blob $LAYER: its descriptor states 1099511627776 bytes" err &&
	test_must_fail grep "GET /v2/base/blobs/$LAYER" huge.log &&
	test "$(ls tmp)" = ""
'
test_done
