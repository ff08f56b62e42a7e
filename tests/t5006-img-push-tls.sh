#!/bin/bash
# img-push and TLS: a registry with a self-signed certificate is reachable
# only with --insecure (https without verification); loopback registries are
# plain http otherwise, and --insecure falls back to plain http when https
# does not answer.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"
have openssl || skip_all "openssl not installed"

openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null ||
	skip_all "openssl cannot make a certificate"
REG_HTTP_EXTRA=", tls: {certificate: $PWD/tls.crt, key: $PWD/tls.key}"
start_registry tls || skip_all "docker-registry with TLS did not start"
TLSREG=$REG
REG_HTTP_EXTRA=
start_registry plain || skip_all "docker-registry did not start"
head -c 50000 /dev/urandom >server

test_expect_success 'loopback registry with TLS: plain http is refused by it' '
	test_expect_code 1 img-push -f server "$TLSREG/app:v1" >out 2>err &&
	cat err >&2 &&
	grep -q "HTTP 400" err &&
	test_must_fail test -s out
'

test_expect_success '--insecure: https without certificate checks' '
	img-push --insecure -f server "$TLSREG/app:v1" >out &&
	test "$TLSREG/app@$(sk inspect --tls-verify=false "docker://$TLSREG/app:v1" | jq -r .Digest)" = "$(cat out)" &&
	grep -q "\"GET /v2/ HTTP/" "$PWD/tls/registry.log"
'

test_expect_success '--insecure: plain http when https does not answer' '
	img-push --insecure -f server "$REG/app:v1" >out &&
	test "$REG/app@$(sk inspect --tls-verify=false "docker://$REG/app:v1" | jq -r .Digest)" = "$(cat out)"
'

test_done
