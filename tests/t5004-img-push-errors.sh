#!/bin/bash
# img-push failures: each exits 1 with one clear message, prints nothing on
# stdout, writes no digest file, and leaves no tag behind.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"

start_registry reg || skip_all "docker-registry did not start"
head -c 50000 /dev/urandom >server

# fails_with PATTERN CMD...: exit 1, nothing on stdout, PATTERN on stderr.
fails_with() {
	pat=$1; shift
	test_expect_code ${code:-1} "$@" >out 2>err || return 1
	test_must_fail test -s out || return 1
	cat err >&2
	test "$(wc -l <err)" = 1 && grep -q -- "$pat" err
}
not_tagged() { test_must_fail sk inspect --tls-verify=false "docker://$REG/$1" >/dev/null 2>&1; }

test_expect_success 'unreachable registry' '
	dead=127.0.0.1:$(free_port) &&
	fails_with "registry $dead unreachable" img-push -f server --digest-file d "$dead/app:v1" &&
	test_must_fail test -e d
'

test_expect_success 'unknown base' '
	fails_with "base $REG/nosuch:v1: .*MANIFEST_UNKNOWN" img-push -b "$REG/nosuch:v1" -f server "$REG/app:v1" &&
	not_tagged app:v1
'

test_expect_success 'unknown base layout' '
	fails_with "base oci:nolayout: .*nolayout/index.json" img-push -b oci:nolayout -f server "$REG/app:v1" &&
	not_tagged app:v1
'

test_expect_success 'missing -f file: an unreadable input, exit 2, before any traffic' '
	m=$(log_mark) &&
	code=2 fails_with "nosuchfile: No such file or directory" img-push -f nosuchfile:/x "$REG/app:v1" &&
	test "$(log_mark)" = "$m" &&
	mkdir adir &&
	code=2 fails_with "adir: not a regular file" img-push -f adir "$REG/app:v1" &&
	not_tagged app:v1
'

test_expect_success 'a destination with a digest is refused' '
	fails_with "takes a tag, not a digest" img-push -f server "$REG/app@sha256:$(printf %064d 0)"
'

test_expect_success 'plain http only for loopback: other hosts are https' '
	fails_with "https://pgokit-no-such-host.invalid:5000/v2/" img-push -f server pgokit-no-such-host.invalid:5000/app:v1 &&
	fails_with "http://pgokit-no-such-host.invalid:5000/v2/" img-push --insecure -f server pgokit-no-such-host.invalid:5000/app:v1
'

test_expect_success 'write errors: stdout full, digest file unwritable' '
	test_expect_code 1 img-push -f server "$REG/app:full" >/dev/full 2>err &&
	test_expect_code 1 img-push -f server --digest-file nodir/d "$REG/app:nodir" >out 2>err &&
	grep -q "nodir" err && test_must_fail test -s out
'

test_expect_success 'registry error body is shown (base config blob deleted)' '
	img-push -f server "$REG/broken:v1" >/dev/null &&
	cfg=$(sk inspect --tls-verify=false --raw "docker://$REG/broken:v1" | jq -r .config.digest) &&
	curl -fsS -X DELETE "http://$REG/v2/broken/blobs/$cfg" &&
	fails_with "HTTP 404: BLOB_UNKNOWN: blob unknown to registry (\"$cfg\")" \
		img-push -b "$REG/broken:v1" -f server "$REG/app:v1" &&
	not_tagged app:v1
'

REG_STORAGE_EXTRA=", maintenance: {readonly: {enabled: true}}"
start_registry ro || skip_all "read-only docker-registry did not start"

test_expect_success 'a read-only registry refuses the upload' '
	fails_with "upload of sha256:.*: HTTP 405" img-push -f server "$REG/app:v1" &&
	not_tagged app:v1
'

test_done
