#!/bin/bash
# img-push reading a local OCI layout (issue 15): index.json, manifests
# and configs are read with the registry's caps (4 MiB, 8 MiB), a layer
# blob must be a regular file of the size its descriptor states, so an
# oversized index.json or a blob linked to /dev/zero is a clear error in
# little memory; jansson's message and a media type are quoted escaped.
. "$(dirname "$0")/lib.sh"
have jq || skip_all "jq not installed"
export XDG_CACHE_HOME=$PWD/cache

# limit_vm KB CMD...: CMD with at most KB of address space; not under ASan,
# which maps terabytes of shadow memory up front.
limit_vm() {
	kb=$1; shift
	if [ "${PGOKIT_SAN:-}" = 1 ]; then "$@"; else (ulimit -v "$kb" && "$@"); fi
}
# fails_with PATTERN CMD...: exit 1, one line on stderr, without any byte
# outside printable ASCII, matching PATTERN (a fixed string).
fails_with() {
	pat=$1; shift
	test_expect_code 1 "$@" >out 2>err || { cat -v err >&2; return 1; }
	cat -v err >&2
	test "$(wc -l <err)" = 1 &&
	test -z "$(LC_ALL=C tr -d '\n\040-\176' <err | od -An -c)" &&
	grep -qF -- "$pat" err
}
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }

head -c 1000 /dev/urandom >small
img-push -q -b scratch -f small oci:lay:v1 >/dev/null || skip_all "cannot write a layout"
MAN=$(jq -r '.manifests[0].digest' lay/index.json)
CFG=$(jq -r .config.digest "$(blob lay "$MAN")")
LAYER=$(jq -r '.layers[0].digest' "$(blob lay "$MAN")")
# fresh NAME: a copy of the layout to spoil.
fresh() { rm -rf "$1" && cp -R lay "$1"; }

test_expect_success 'the layout reads as a base' '
	img-push -q -b oci:lay:v1 -f small:/again oci:dst:ok >/dev/null
'
test_expect_success 'an index.json over 4 MiB is refused' '
	fresh big && jq -c . lay/index.json >idx &&
	{ cat idx; head -c 5000000 /dev/zero | tr "\0" " "; } >big/index.json &&
	fails_with "big/index.json: $(stat -c %s big/index.json) bytes, over the limit of 4194304 bytes" \
		img-push -b oci:big:v1 -f small oci:dst:big
'
test_expect_success 'an index.json linked to /dev/zero: refused in little memory' '
	fresh zi && ln -sf /dev/zero zi/index.json &&
	fails_with "zi/index.json: more than the limit of 4194304 bytes" \
		limit_vm 300000 img-push -b oci:zi:v1 -f small oci:dst:zi
'
test_expect_success 'a manifest blob linked to /dev/zero: refused in little memory' '
	fresh zm && ln -sf /dev/zero "$(blob zm "$MAN")" &&
	fails_with "$(blob zm "$MAN"): more than the limit of 4194304 bytes" \
		limit_vm 300000 img-push -b oci:zm:v1 -f small oci:dst:zm
'
test_expect_success 'a config blob linked to /dev/zero: refused in little memory' '
	fresh zc && ln -sf /dev/zero "$(blob zc "$CFG")" &&
	fails_with "$(blob zc "$CFG"): more than the limit of 8388608 bytes" \
		limit_vm 300000 img-push -b oci:zc:v1 -f small oci:dst:zc
'
test_expect_success 'a layer blob linked to /dev/zero or of another size: refused at once' '
	fresh zl && ln -sf /dev/zero "$(blob zl "$LAYER")" &&
	fails_with "blob $LAYER: not a regular file" \
		limit_vm 300000 img-push -b oci:zl:v1 -f small:/again oci:dzl:v1 &&
	fresh sl && rm "$(blob sl "$LAYER")" && head -c 10 /dev/zero >"$(blob sl "$LAYER")" &&
	fails_with "blob $LAYER: 10 bytes, its descriptor states" \
		img-push -b oci:sl:v1 -f small:/again oci:dsl:v1 &&
	test_must_fail test -e dsl/index.json
'
test_expect_success 'jansson on an index.json that is not JSON: quoted escaped' '
	fresh ej && printf "\033[2J\nimg-push: forged line\n" >ej/index.json &&
	fails_with "ej/index.json: not an OCI index: '\''['\'' or '\''{'\'' expected near '\''\x1b'\''" \
		img-push -b oci:ej:v1 -f small oci:dst:ej
'
test_expect_success 'a media type from the layout: quoted escaped' '
	fresh em &&
	printf "{\"mediaType\":\"\\\\u001b[2J\\\\nimg-push: forged line\"}" >doc &&
	d=sha256:$(sha256sum doc | cut -d" " -f1) && cp doc "$(blob em "$d")" &&
	jq -c --arg d "$d" ".manifests[0].digest = \$d | .manifests[0].size = 10" lay/index.json >em/index.json &&
	fails_with "unsupported media type '\''\x1b[2J\nimg-push: forged line'\''" \
		img-push -b oci:em:v1 -f small oci:dst:em
'
test_done
