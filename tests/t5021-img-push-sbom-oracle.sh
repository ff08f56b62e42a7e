#!/bin/bash
# lib/sbom against its oracles: the build information read from Go binaries
# equals what `go version -m` prints (the fixture with a replaced module
# and -pgo=, and every Go program of the toolchain), and the SPDX document
# validates against the official SPDX 2.3 JSON schema (tests/fixtures).
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/sbom-fixture.sh"

have_go || skip_all "Go 1.21+ not available"
have git || skip_all "git not installed"
build_go_fixture "$PWD/fx" || skip_all "cannot build the Go fixture"
APP=$PWD/fx/app/app

test_expect_success 'the fixture: module list and settings equal go version -m' '
	go version -m "$APP" >want &&
	buildinfo-dump "$APP" >got &&
	test_cmp want got &&
	grep -q "^	=>	./local	" got && grep -q "^	build	-pgo=" got &&
	grep -q "^	build	vcs.revision=" got &&
	grep -q "^	dep	example.com/greet	v1.2.3	h1:" got
'

test_expect_success 'quoted build settings (-ldflags with spaces and quotes) read back' '
	(cd fx/app && GOFLAGS=-mod=mod GOPROXY=off GOPATH="$PWD/../gopath" CGO_ENABLED=0 \
		go build -ldflags="-s -w -X \"main.v=a b\"" -tags "x y" -o app2 .) &&
	go version -m fx/app/app2 >want2 && buildinfo-dump fx/app/app2 >got2 &&
	test_cmp want2 got2 && grep -q "^	build	-ldflags=\"" got2
'

test_expect_success 'every Go program of the toolchain reads as go version -m shows it' '
	n=0 &&
	for f in "$(go env GOROOT)"/bin/* "$(go env GOTOOLDIR)"/*; do
		go version -m "$f" >want3 2>/dev/null || continue
		buildinfo-dump "$f" >got3 && test_cmp want3 got3 || return 1
		n=$((n + 1))
	done &&
	test "$n" -ge 5
'

test_expect_success 'a file that is no Go binary: exit 3 and why, never a crash' '
	printf "not elf" >plain &&
	test_expect_code 3 buildinfo-dump plain 2>err && grep -q "not an ELF file" err &&
	test_expect_code 3 buildinfo-dump /bin/sh 2>err && grep -q "no .go.buildinfo section" err
'

if python3 -c "import jsonschema" 2>/dev/null; then
test_expect_success 'the SPDX document validates against the SPDX 2.3 JSON schema' '
	buildinfo-dump -s /app/server 2023-11-14T22:13:20Z "$APP" >sbom.json &&
	python3 -c "
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema, cls=jsonschema.Draft7Validator)
bad = dict(doc, packages=[dict(doc[\"packages\"][0], primaryPackagePurpose=\"X\")])
try:
    jsonschema.validate(bad, schema, cls=jsonschema.Draft7Validator)
    sys.exit(\"a bad primaryPackagePurpose passed the schema\")
except jsonschema.ValidationError:
    pass
" "$PGOKIT_SRC/tests/fixtures/spdx-2.3-schema.json" sbom.json
'
test_expect_success 'the SPDX document is deterministic and names its content' '
	buildinfo-dump -s /app/server 2023-11-14T22:13:20Z "$APP" >sbom2.json &&
	test_cmp sbom.json sbom2.json &&
	buildinfo-dump -s /app/server 2023-11-14T22:13:21Z "$APP" >sbom3.json &&
	test "$(jq -r .documentNamespace sbom.json)" != "$(jq -r .documentNamespace sbom3.json)" &&
	jq ".documentNamespace = \"\"" sbom.json | jq -c . >blank &&
	ns=$(jq -r .documentNamespace sbom.json) &&
	test "${ns##*-}" = "$(jq -cj . blank | sha256sum | cut -c1-64)"
'
else
test_skip 'SPDX schema validation' 'python3-jsonschema not installed (make deps installs it)'
fi

test_done
