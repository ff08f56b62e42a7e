#!/bin/bash
# img-push through a fault-injecting proxy in front of a real registry:
# retries with backoff on 5xx/429 honouring Retry-After, dropped connections,
# restarted uploads, giving up cleanly, and blob redirects to another origin
# that never receive the registry credentials.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"
have_go || skip_all "Go 1.21+ not available (fault proxy)"
have htpasswd || skip_all "htpasswd (apache2-utils) not installed"

start_registry reg || skip_all "docker-registry did not start"
head -c 200000 /dev/urandom >server

start_proxy p1 -fail 2 -status 503 -retry-after 1
start_proxy p2 -fail 2 -status 429 -retry-after 0 -match "^PUT .*/blobs/uploads/"
start_proxy p3 -drop 1 -match "^(PUT /v2/app/manifests/|PATCH )"
start_proxy p4 -fail 1000 -status 503 -retry-after 0 -match "^PUT /v2/app/manifests/"

test_expect_success '503 with Retry-After: waits as told, then succeeds' '
	PX=$PX_p1 &&
	start=$(date +%s%N) &&
	img-push -q -f server "$PX/app:v1" >out &&
	end=$(date +%s%N) &&
	test $(( (end - start) / 1000000 )) -ge 2000 &&
	test "$(grep -c -- "-> fail" p1.log)" = 2 &&
	sk inspect --tls-verify=false "docker://$REG/app:v1" | jq -r .Digest >d &&
	test "$PX/app@$(cat d)" = "$(cat out)"
'

test_expect_success '429 on the upload PUT restarts the upload' '
	PX=$PX_p2 &&
	head -c 1000 /dev/urandom >small &&
	img-push -q -f small "$PX/app:v2" >out &&
	test "$(grep -c -- "-> fail" p2.log)" = 2 &&
	test "$(grep -c "POST /v2/app/blobs/uploads/ -> pass" p2.log)" -ge 3 &&
	check_image "$REG/app:v2" v2
'

test_expect_success 'dropped connections are retried (manifest, chunk)' '
	PX=$PX_p3 &&
	head -c 300000 /dev/urandom >big &&
	img-push -q --chunk-size 100k -f big "$PX/app:v3" >out &&
	test "$(grep -c -- "-> drop" p3.log)" = 1 &&
	check_image "$REG/app:v3" v3
'

test_expect_success 'persistent 503: gives up with the error, nothing tagged' '
	PX=$PX_p4 &&
	test_expect_code 1 img-push -q -f server "$PX/app:v4" >out 2>err &&
	grep -q "HTTP 503: UNAVAILABLE: injected failure 503 ({\"by\":\"faultproxy\"})" err &&
	test "$(grep -c -- "-> fail" p4.log)" = 5 &&
	test_must_fail sk inspect --tls-verify=false "docker://$REG/app:v4" >/dev/null 2>&1
'

htpasswd -nbB alice s3cret >htpasswd
start_registry auth "{htpasswd: {realm: test, path: $PWD/htpasswd}}" ||
	skip_all "docker-registry with auth did not start"
start_proxy p5 -storage 127.0.0.2:0 -storage-auth alice:s3cret
export DOCKER_CONFIG=$PWD/docker
mkdir -p docker

test_expect_success 'blob redirects to another host carry no credentials' '
	printf "{\"auths\":{\"$REG\":{\"auth\":\"%s\"}}}\n" "$(printf alice:s3cret | base64 -w0)" >docker/config.json &&
	img-push -q -f server "$REG/base:v1" >/dev/null &&
	PX=$PX_p5 &&
	printf "{\"auths\":{\"$PX\":{\"auth\":\"%s\"},\"$REG\":{\"auth\":\"%s\"}}}\n" \
		"$(printf alice:s3cret | base64 -w0)" "$(printf alice:s3cret | base64 -w0)" >docker/config.json &&
	img-push -q -b "$PX/base:v1" -f server:/app/server oci:lay:v1 >out &&
	grep -q "proxy: GET /v2/base/blobs/sha256:.* -> redirect" p5.log &&
	grep -q "storage: GET /v2/base/blobs/sha256:.* auth=none" p5.log &&
	test_must_fail grep -q "auth=LEAKED" p5.log &&
	sk copy -q --dest-tls-verify=false --dest-creds alice:s3cret oci:lay:v1 "docker://$REG/fromlayout:v1"
'

test_done
