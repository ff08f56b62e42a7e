#!/bin/bash
# img-push against a hostile token server: a token with CR LF (a header
# injection) is refused before it is sent, and an endless token answer is
# cut at 1 MiB with a clear error. The registry is a real one behind the
# fault proxy, which asks for a Bearer token and logs injected headers.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"
have_go || skip_all "Go 1.21+ not available (test servers)"
[ -x /usr/bin/time ] || skip_all "/usr/bin/time not installed (peak RSS)"
have openssl || skip_all "openssl not installed"

ts=$(go_build_cached tokenserver "$PGOKIT_SRC/tests/servers/tokenserver") ||
	skip_all "cannot build the token server"
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
	-subj /CN=pgokit-test-token 2>/dev/null || skip_all "openssl cannot make a certificate"
start_registry reg || skip_all "docker-registry did not start"
head -c 1000 /dev/urandom >small

# wait_addr FILE: until a server wrote its address to FILE.
wait_addr() {
	for i in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
	skip_all "a test server did not start"
}

# server NAME CMD...: start a test server writing its address to NAME.addr;
# sets ADDR_<NAME>.
server() {
	name=$1; shift
	"$@" -addr-file "$name.addr" 2>"$name.log" </dev/null >/dev/null &
	test_atexit "kill $!"
	wait_addr "$name.addr"
	eval "ADDR_$name=\$(cat $name.addr)"
}
server inject "$ts" -key key.pem -cert cert.pem -anon-pull -inject "X-Injected: yes"
server endless "$ts" -key key.pem -cert cert.pem -endless
start_proxy pinject -hostile challenge \
	-challenge "Bearer realm=\"http://$ADDR_inject/token\",service=\"test\""
start_proxy pendless -hostile challenge \
	-challenge "Bearer realm=\"http://$ADDR_endless/token\",service=\"test\""

test_expect_success 'a token with CR LF is refused, never sent' '
	test_expect_code 1 img-push -f small "$PX_pinject/app:v1" >out 2>err &&
	cat err >&2 &&
	test "$(wc -l <err)" = 1 &&
	grep -q "token server: token with control characters refused" err &&
	grep -q "token: user" inject.log &&
	test_must_fail grep -q INJECTED pinject.log &&
	test_must_fail sk inspect --tls-verify=false "docker://$REG/app:v1" >/dev/null 2>&1
'

test_expect_success 'an endless token answer stops at 1 MiB' '
	test_expect_code 1 bounded img-push -f small "$PX_pendless/app:v1" >out 2>err &&
	cat err >&2 &&
	grep -q "token server: http://$ADDR_endless/token?.*: HTTP 200 answer with a body over 1048576 bytes" err &&
	echo "peak RSS $(tail -n 1 rss) KB, bound $RSS_MAX KB" >&2 &&
	test "$(tail -n 1 rss)" -lt $RSS_MAX
'

test_done
