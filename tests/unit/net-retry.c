/* Unit tests for lib/net/retry.c: what each preset retries, backoff bounds
 * with jitter, and Retry-After parsing and ceilings (huge, negative and
 * garbage values included: the SAN build checks there is no UB). */
#include <curl/curl.h>
#include <string.h>
#include <time.h>

#include "net/retry.h"
#include "tap.h"

/* http_date formats t as an IMF-fixdate, the form Retry-After uses. */
static const char *
http_date(time_t t)
{
	static char buf[64];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return buf;
}

static void
test_decisions(void)
{
	const struct retry_policy *f = &retry_fleet, *r = &retry_registry;
	static const long always[] = { 429, 500, 502, 503, 504, 599 };
	static const long never[] = { 200, 201, 301, 400, 401, 403, 404, 501, 505, 600 };
	int all = 1;

	for (size_t i = 0; i < sizeof always / sizeof *always; i++)
		all &= retry_should(f, RETRY_ANSWER, always[i]) &&
		    retry_should(r, RETRY_ANSWER, always[i]);
	ok(all, "429 and 5xx retry in both presets");
	all = 1;
	for (size_t i = 0; i < sizeof never / sizeof *never; i++)
		all &= !retry_should(f, RETRY_ANSWER, never[i]) &&
		    !retry_should(r, RETRY_ANSWER, never[i]);
	ok(all, "2xx, 3xx, 4xx, 501, 505 never retry");
	ok(retry_should(r, RETRY_ANSWER, 408) && !retry_should(f, RETRY_ANSWER, 408),
	    "408 retries for the registry only");

	ok(retry_should(f, RETRY_UNREACHABLE, 0) && !retry_should(r, RETRY_UNREACHABLE, 0),
	    "refused/unknown host: fleet retries, registry reports at once");
	ok(retry_should(f, RETRY_TLS_HANDSHAKE, 0) && !retry_should(r, RETRY_TLS_HANDSHAKE, 0),
	    "TLS handshake failure: fleet only");
	ok(retry_should(f, RETRY_CONNECT_TIMEOUT, 0) && retry_should(r, RETRY_CONNECT_TIMEOUT, 0),
	    "connect timeout: both");
	ok(retry_should(f, RETRY_DROPPED, 0) && retry_should(r, RETRY_DROPPED, 0),
	    "dropped connection: both");
	ok(!retry_should(f, RETRY_SLOW, 0) && retry_should(r, RETRY_SLOW, 0),
	    "timeout after connecting: registry only");
	ok(!retry_should(f, RETRY_FATAL, 0) && !retry_should(r, RETRY_FATAL, 0),
	    "anything else: never");
	ok(f->retries == 3 && r->retries == 4 && f->base_ms == 500 && r->base_ms == 250,
	    "attempts and backoff base as before the merge");

	ok(retry_classify(CURLE_OK, 1) == RETRY_ANSWER &&
	    retry_classify(CURLE_COULDNT_CONNECT, 0) == RETRY_UNREACHABLE &&
	    retry_classify(CURLE_COULDNT_RESOLVE_HOST, 0) == RETRY_UNREACHABLE &&
	    retry_classify(CURLE_SSL_CONNECT_ERROR, 0) == RETRY_TLS_HANDSHAKE &&
	    retry_classify(CURLE_OPERATION_TIMEDOUT, 0) == RETRY_CONNECT_TIMEOUT &&
	    retry_classify(CURLE_OPERATION_TIMEDOUT, 1) == RETRY_SLOW &&
	    retry_classify(CURLE_PARTIAL_FILE, 1) == RETRY_DROPPED &&
	    retry_classify(CURLE_RECV_ERROR, 1) == RETRY_DROPPED &&
	    retry_classify(CURLE_WRITE_ERROR, 1) == RETRY_FATAL &&
	    retry_classify(CURLE_URL_MALFORMAT, 0) == RETRY_FATAL, "libcurl results classified");
}

static void
test_backoff(void)
{
	const struct retry_policy *ps[] = { &retry_fleet, &retry_registry };

	for (size_t k = 0; k < 2; k++) {
		const struct retry_policy *p = ps[k];
		int inside = 1, varied = 0;

		for (int attempt = 0; attempt < 40; attempt++) {
			long d = p->base_ms, first = -1;

			for (int i = 0; i < attempt && d < p->cap_ms; i++)
				d *= 2;
			if (d > p->cap_ms)
				d = p->cap_ms;
			for (int n = 0; n < 50; n++) {
				long w = retry_backoff_ms(p, attempt);

				inside &= w >= d / 2 && w <= d;
				if (first < 0)
					first = w;
				varied |= w != first;
			}
		}
		ok(inside, "%s: backoff in [d/2, d], d = base * 2^n capped at %ld ms",
		    k ? "registry" : "fleet", p->cap_ms);
		ok(varied, "%s: backoff is jittered", k ? "registry" : "fleet");
	}
	ok(retry_backoff_ms(&retry_fleet, 1 << 30) <= retry_fleet.cap_ms,
	    "a huge attempt number stays at the cap");
}

static void
test_retry_after(void)
{
	time_t now = 1700000000;
	long asked;

	ok(retry_after_ms("3", now) == 3000 && retry_after_ms("0", now) == 0,
	    "Retry-After in seconds");
	ok(retry_after_ms(NULL, now) == -1 && retry_after_ms("", now) == -1 &&
	    retry_after_ms("x1", now) == -1 && retry_after_ms("12abc", now) == -1 &&
	    retry_after_ms("1.5", now) == -1 && retry_after_ms(" 3", now) == -1,
	    "garbage is no Retry-After");
	ok(retry_after_ms("-5", now) == -1 && retry_after_ms("+5", now) == -1 &&
	    retry_after_ms("-9223372036854775808", now) == -1, "signed values are invalid");
	ok(retry_after_ms("9223372036854775807", now) == RETRY_AFTER_MAX_MS &&
	    retry_after_ms("99999999999999999999999999999999", now) == RETRY_AFTER_MAX_MS &&
	    retry_after_ms("86401", now) == RETRY_AFTER_MAX_MS &&
	    retry_after_ms("86400", now) == RETRY_AFTER_MAX_MS, "huge values capped at a day");
	ok(retry_after_ms(http_date(now + 120), now) == 120000, "HTTP date 2 min ahead");
	ok(retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", now) == 0 &&
	    retry_after_ms(http_date(now - 10), now) == 0, "past HTTP date: now");
	ok(retry_after_ms("Fri, 31 Dec 9999 23:59:59 GMT", now) == RETRY_AFTER_MAX_MS ||
	    retry_after_ms("Fri, 31 Dec 9999 23:59:59 GMT", now) == -1,
	    "a date far ahead is capped (or refused by the date parser)");
	ok(retry_after_ms("Wed, 99 Foo 2015 07:28:00 GMT", now) == -1, "a bad date");

	ok(retry_delay_ms(&retry_registry, 0, "9223372036854775807", &asked) ==
	    retry_registry.retry_after_max_ms && asked == RETRY_AFTER_MAX_MS,
	    "registry: a long Retry-After is cut to its ceiling");
	ok(retry_delay_ms(&retry_fleet, 0, "9223372036854775807", &asked) == -1 &&
	    asked == RETRY_AFTER_MAX_MS, "fleet: a long Retry-After gives up");
	ok(retry_delay_ms(&retry_fleet, 0, "2", &asked) == 2000 && asked == 2000 &&
	    retry_delay_ms(&retry_registry, 0, "30", NULL) == 30000,
	    "a Retry-After within the ceiling is waited as asked");
	{
		long w = retry_delay_ms(&retry_fleet, 2, "soon", &asked);

		ok(asked == -1 && w >= 1000 && w <= 2000, "no valid Retry-After: backoff (%ld)", w);
	}
}

static void
test_busy(void)
{
	static const char go[] = "Could not enable CPU profiling: cpu profiling already in use\n";
	int in = 1;

	ok(retry_cpu_busy(500, go, sizeof go - 1), "Go's busy answer is recognised");
	ok(!retry_cpu_busy(503, go, sizeof go - 1) && !retry_cpu_busy(500, "oops\n", 5) &&
	    !retry_cpu_busy(500, NULL, 0), "other answers are not busy");
	for (int i = 0; i < 200; i++) {
		long d = retry_busy_delay_ms(&retry_fleet, 0, 30000);

		in &= d >= retry_fleet.busy_ms / 2 && d <= retry_fleet.busy_ms;
	}
	ok(in, "busy waits lie in [busy_ms/2, busy_ms]");
	ok(retry_busy_delay_ms(&retry_fleet, 29600, 30000) == -1 &&
	    retry_busy_delay_ms(&retry_fleet, 0, 0) == -1 &&
	    retry_busy_delay_ms(&retry_registry, 0, 30000) == -1,
	    "no wait past the window, without a window, or for the registry");
}

int
main(void)
{
	test_decisions();
	test_backoff();
	test_retry_after();
	test_busy();
	return tap_done();
}
