#!/bin/bash
# img-push against registries that want credentials: htpasswd Basic auth with
# credentials from config.json auths or a credential helper, and the Bearer
# token flow through a token server (RS256 JWTs with an x5c certificate).
# Wrong or missing credentials fail with a clear message and tag nothing.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"
have htpasswd || skip_all "htpasswd (apache2-utils) not installed"
have openssl || skip_all "openssl not installed"

head -c 100000 /dev/urandom >server
export DOCKER_CONFIG=$PWD/docker
mkdir -p docker bin

# docker_config JSON: write $DOCKER_CONFIG/config.json.
docker_config() { printf '%s\n' "$1" >docker/config.json; }
b64() { printf '%s' "$1" | base64 -w0; }

# not_tagged REPO TAG: the registry has no such tag.
not_tagged() {
	test_must_fail sk inspect --tls-verify=false --creds alice:s3cret "docker://$REG/$1:$2" >/dev/null 2>&1
}

htpasswd -nbB alice s3cret >htpasswd
start_registry basic "{htpasswd: {realm: test, path: $PWD/htpasswd}}" ||
	skip_all "docker-registry did not start"

test_expect_success 'Basic: no credentials: exit 1, clear message' '
	rm -f docker/config.json &&
	test_expect_code 1 img-push -q -f server "$REG/app:v1" 2>err &&
	grep -q "authentication required and no credentials" err &&
	not_tagged app v1
'

test_expect_success 'Basic: credentials from auths' '
	docker_config "{\"auths\": {\"$REG\": {\"auth\": \"$(b64 alice:s3cret)\"}}}" &&
	img-push -q -f server "$REG/app:v1" >out &&
	test "$REG/app@$(sk inspect --tls-verify=false --creds alice:s3cret "docker://$REG/app:v1" | jq -r .Digest)" = "$(cat out)"
'

test_expect_success 'Basic: wrong password: exit 1, nothing tagged' '
	docker_config "{\"auths\": {\"http://$REG/v1/\": {\"auth\": \"$(b64 alice:wrong)\"}}}" &&
	test_expect_code 1 img-push -q -f server "$REG/app:v2" 2>err &&
	grep -q "credentials for $REG rejected" err &&
	not_tagged app v2
'

cat >bin/docker-credential-pgotest <<EOF
#!/bin/sh
read -r server
echo "\$server" >>"$PWD/helper.log"
[ "\$1" = get ] || exit 1
case \$server in
$REG) echo '{"ServerURL":"'"\$server"'","Username":"alice","Secret":"s3cret"}' ;;
*) echo "credentials not found in native keychain"; exit 1 ;;
esac
EOF
chmod +x bin/docker-credential-pgotest

test_expect_success 'Basic: credentials from credHelpers' '
	docker_config "{\"auths\": {\"$REG\": {}}, \"credHelpers\": {\"$REG\": \"pgotest\"}}" &&
	PATH=$PWD/bin:$PATH img-push -q -f server "$REG/app:helper" >out &&
	grep -qx "$REG" helper.log &&
	sk inspect --tls-verify=false --creds alice:s3cret "docker://$REG/app:helper" >/dev/null
'

test_expect_success 'Basic: credentials from credsStore' '
	docker_config "{\"credsStore\": \"pgotest\"}" &&
	PATH=$PWD/bin:$PATH img-push -q -f server "$REG/app:store" >out
'

test_expect_success 'a missing credential helper is an error' '
	docker_config "{\"credsStore\": \"nosuchhelper\"}" &&
	test_expect_code 1 img-push -q -f server "$REG/app:nohelper" 2>err &&
	grep -q "docker-credential-nosuchhelper" err &&
	not_tagged app nohelper
'

# Bearer: a token server signing with a fresh key; the registry trusts its cert.
if ! have_go; then
	test_skip 'Bearer token flow' 'Go 1.21+ not available'
	test_done
fi
start_token_server
start_registry bearer "{token: {realm: http://$TS/token, service: test-registry, issuer: test-issuer, rootcertbundle: $PWD/cert.pem}}" ||
	skip_all "docker-registry with token auth did not start"

test_expect_success 'Bearer: token with Basic credentials, push works' '
	docker_config "{\"auths\": {\"$REG\": {\"auth\": \"$(b64 alice:s3cret)\"}}}" &&
	img-push -q -f server "$REG/team/base:v1" >out &&
	grep -q "user=\"alice\" service=\"test-registry\" scopes=\\[\"repository:team/base:pull,push\"\\]" token.log &&
	sk inspect --tls-verify=false --creds alice:s3cret "docker://$REG/team/base:v1" | jq -r .Digest >d &&
	test "$REG/team/base@$(cat d)" = "$(cat out)"
'

test_expect_success 'Bearer: one token covers the base pull and the mount' '
	: >token.log &&
	m=$(log_mark) &&
	img-push -q -b "$REG/team/base:v1" -f server:/app/other "$REG/team/app:v1" >out &&
	test "$(mounts_since $m)" = 1 &&
	test "$(uploads_since $m)" = 2 &&
	grep -q "repository:team/app:pull,push" token.log &&
	grep -q "repository:team/base:pull" token.log &&
	test "$(grep -c "token: user" token.log)" = 1 &&
	sk inspect --tls-verify=false --creds alice:s3cret "docker://$REG/team/app:v1" | jq -r .Digest >d &&
	test "$REG/team/app@$(cat d)" = "$(cat out)"
'

test_expect_success 'Bearer: wrong password: exit 1, nothing tagged' '
	docker_config "{\"auths\": {\"$REG\": {\"auth\": \"$(b64 alice:nope)\"}}}" &&
	test_expect_code 1 img-push -q -f server "$REG/team/base:v2" 2>err &&
	grep -q "token server: credentials rejected" err &&
	not_tagged team/base v2
'

test_expect_success 'Bearer: anonymous gets no access: exit 1, nothing tagged' '
	rm -f docker/config.json &&
	test_expect_code 1 img-push -q -f server "$REG/team/base:v3" 2>err &&
	grep -q "access denied" err &&
	not_tagged team/base v3
'

test_done
