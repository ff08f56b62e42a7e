#!/bin/bash
# t6009: an OCI layout that pgo.mk pushes to night after night does not keep
# every old image (issue 16, item 4). When img-push moves a tag in a layout,
# the blobs no tag reaches any more are removed; blobs another tag, a nested
# index or a base image still reaches stay, files that are not blobs stay,
# and two pushes into one layout at once both survive. skopeo reads every
# tag back, blob by blob (it checks each digest).
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"


[ -x "$PGOKIT_BIN/img-push" ] || skip_all 'img-push is not built yet'
have skopeo || skip_all 'no skopeo'
have jq || skip_all 'no jq'

# reachable LAYOUT: the digests (hex) its index.json reaches, sorted.
reachable() {
	for m in $(jq -r '.manifests[].digest' "$1/index.json"); do
		echo "${m#sha256:}"
		jq -r '.config.digest, .layers[].digest' "$1/blobs/sha256/${m#sha256:}" | sed 's/^sha256://'
	done | sort -u
}
# blobs LAYOUT: the blob files it holds, sorted.
blobs() { ls "$1/blobs/sha256" | sort; }
# readable LAYOUT TAG...: skopeo copies each tag out, checking every blob.
readable() {
	l=$1; shift
	for tag in "$@"; do
		rm -rf out && sk copy -q "oci:$l:$tag" dir:out >/dev/null || return 1
	done
}

printf 'one\n' >a && printf 'two\n' >b && printf 'three\n' >c

test_expect_success 'moving a tag removes the old image'"'"'s blobs' '
	img-push -q -f a:/a oci:lay:v1 >ref1 &&
	blobs lay >first &&
	test $(wc -l <first) = 3 &&
	img-push -q -f b:/b oci:lay:v1 >ref2 &&
	blobs lay >actual &&
	reachable lay >expect &&
	test_cmp expect actual &&
	test $(comm -12 first actual | wc -l) = 0 &&
	readable lay v1
'

test_expect_success 'blobs another tag still reaches stay' '
	img-push -q -f b:/b --label x=y oci:lay:v2 >ref3 &&
	img-push -q -f c:/c oci:lay:v1 >ref4 &&
	blobs lay >actual &&
	reachable lay >expect &&
	test_cmp expect actual &&
	readable lay v1 v2 &&
	test $(jq ".manifests | length" lay/index.json) = 2
'

test_expect_success 'a base image from the same layout keeps its blobs' '
	img-push -q -b oci:lay:v2 -f a:/a oci:lay:v3 >ref5 &&
	img-push -q -f c:/c2 oci:lay:v2 >ref6 &&
	readable lay v1 v2 v3 &&
	blobs lay >actual &&
	reachable lay >expect &&
	test_cmp expect actual
'

test_expect_success 'files that are not blobs are left alone' '
	echo note >lay/blobs/sha256/README &&
	: >lay/blobs/sha256/0123 &&
	img-push -q -f a:/a3 oci:lay:v1 >ref7 &&
	test -f lay/blobs/sha256/README &&
	test -f lay/blobs/sha256/0123 &&
	readable lay v1 v2 v3
'

test_expect_success 'two pushes into one layout at once both survive' '
	for i in 1 2 3 4 5 6; do
		printf "file %s\n" $i >f$i &&
		{ img-push -q -f f$i:/f oci:lay:p$i >pref$i 2>perr$i & } || return 1
	done &&
	wait &&
	readable lay v1 v2 v3 p1 p2 p3 p4 p5 p6 &&
	blobs lay | grep -v -e README -e 0123 >actual &&
	reachable lay >expect &&
	test_cmp expect actual
'

test_expect_success 'pgo.mk: a second pgo-image into the default layout keeps one image' '
	mkdir proj && cd proj &&
	printf "PGO_BIN = %s\ninclude %s\n" "$PGOKIT_BIN" "$PGOKIT_SRC/pgo.mk" >Makefile &&
	mkdir -p .pgo/bin && cp ../a .pgo/bin/proj &&
	make -o .pgo/bin/proj pgo-image >out 2>err &&
	cp ../b .pgo/bin/proj &&
	make -o .pgo/bin/proj pgo-image PGO_PUSH_FLAGS=--label=n=2 >out 2>err &&
	test $(blobs .pgo/oci | wc -l) = 3 &&
	readable .pgo/oci latest
'

test_done
