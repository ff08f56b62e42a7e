#!/bin/bash
# pprof-fetch and the values it puts into request headers (issue 15, F21):
# a token, a tenant or Basic credentials holding CR, LF or another control
# byte are a usage error (exit 2) naming where the value came from, before
# any request, and never shown; the Pyroscope test server, which logs the
# names of the headers it receives, sees no injected one. A netrc password
# is sent base64-encoded: its line breaks inject nothing. And the checks of
# F12 (a Retry-After of 2^63-1 gives up at once, no retry storm) and F20
# (-T below a millisecond is refused; a small -T still times out).
. "$(dirname "$0")/lib.sh"

have_go || skip_all "Go 1.21+ not available"
start_test_server p "$PGOKIT_SRC/tests/servers/pyroscope" -log "$PWD/p.log" ||
	skip_all "the Pyroscope test server did not start"
P=$SERVER_URL
Q='{service_name="checkout"}'
CRLF=$(printf 'x\r\nX-Injected: 1')

# refused NAME CMD...: exit 2 before any request, one line naming NAME,
# the secret not shown.
refused() {
	name=$1; shift
	: >p.log
	test_expect_code 2 "$@" >out 2>err || { cat -v err >&2; return 1; }
	cat -v err >&2
	test "$(cat err)" = "pprof-fetch: $name: a control character (CR, LF...) in its value" &&
	test ! -s p.log && test ! -s out
}

test_expect_success 'the server logs the header names it receives' '
	: >p.log &&
	pprof-fetch -q --pyroscope "$P" --query "$Q" --tenant acme --min-ok 0 -o ok.pprof &&
	grep -q "\"headers\":\[[^]]*\"X-Scope-Orgid\"" p.log
'
test_expect_success 'a token with CR/LF: exit 2, no request' '
	PPROF_FETCH_TOKEN="tok-secret$CRLF" refused PPROF_FETCH_TOKEN \
		pprof-fetch --pyroscope "$P" --query "$Q" -o x &&
	test_must_fail grep -q tok-secret err &&
	PPROF_FETCH_TOKEN="tok-secret$CRLF" refused PPROF_FETCH_TOKEN \
		pprof-fetch "$P/debug/pprof/profile" &&
	test_must_fail grep -q X-Injected p.log
'
test_expect_success 'a tenant with CR/LF, ESC or DEL: exit 2, no request' '
	refused --tenant pprof-fetch --pyroscope "$P" --query "$Q" --tenant "acme$CRLF" -o x &&
	refused --tenant pprof-fetch --pyroscope "$P" --query "$Q" \
		--tenant "$(printf "acme\033[2J")" -o x &&
	refused --tenant pprof-fetch --pyroscope "$P" --query "$Q" \
		--tenant "$(printf "acme\177")" -o x
'
test_expect_success 'Basic credentials with CR/LF: exit 2, no request' '
	PPROF_FETCH_USER="alice$CRLF" PPROF_FETCH_PASSWORD=pw refused PPROF_FETCH_USER \
		pprof-fetch --pyroscope "$P" --query "$Q" -o x &&
	PPROF_FETCH_USER=alice PPROF_FETCH_PASSWORD="pw-secret$CRLF" refused PPROF_FETCH_PASSWORD \
		pprof-fetch --pyroscope "$P" --query "$Q" -o x &&
	test_must_fail grep -q pw-secret err
'
test_expect_success 'a netrc password with CR/LF is sent base64-encoded: nothing injected' '
	printf "machine 127.0.0.1 login alice password \"pw\\\\r\\\\nX-Injected: 1\"\n" >netrc &&
	: >p.log &&
	pprof-fetch -q --netrc-file netrc --pyroscope "$P" --query "$Q" --min-ok 0 -o n.pprof &&
	cat p.log && grep -q "\"auth\":\"basic\"" p.log &&
	test_must_fail grep -q X-Injected p.log
'

start_test_server fs "$PGOKIT_SRC/tests/servers/faultserver" ||
	skip_all "the fault server did not start"
U=$SERVER_URL
hits() { curl -s "$U/hits?key=$1" | cut -d" " -f1; }
now_ms() { date +%s%3N; }

test_expect_success 'F12: Retry-After 9223372036854775807: one request, no retry storm' '
	t0=$(now_ms) &&
	test_expect_code 1 pprof-fetch -r 5 "$U/busy?key=ra&n=100&after=9223372036854775807" \
		>out 2>err && cat err &&
	test "$(hits ra)" = 1 &&
	grep -q "HTTP 429: too many requests" err &&
	test $(($(now_ms) - t0)) -lt 10000
'
test_expect_success 'F20: -T below a millisecond is refused; -T 0.2 times out' '
	test_expect_code 2 pprof-fetch -T 0.0001 "$U/ok" 2>err && cat err &&
	grep -q "^pprof-fetch: -T 0.0001: " err &&
	t0=$(now_ms) &&
	test_expect_code 1 pprof-fetch -r 0 -T 0.2 "$U/slow?d=20s" >out 2>err && cat err &&
	grep -q "timed out" err &&
	test $(($(now_ms) - t0)) -lt 10000
'
test_done
