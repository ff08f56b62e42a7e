/* The retry policy behind both HTTP engines (see retry.h). Where a fleet
 * fetch and a registry push must behave differently, the difference is a
 * field of the two presets below, side by side, each with its reason. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "net/retry.h"

#define BIT(f) (1u << (f))

/* pprof-fetch: hundreds of hosts, each attempt a profile window long. */
const struct retry_policy retry_fleet = {
	/* -r overrides this; three retries cure a rolling restart without
	 * keeping a large fleet waiting on its last few hosts. */
	.retries = 3,
	/* A profile endpoint that failed is busy or restarting: half a
	 * second first, so a whole fleet does not come back at once. */
	.base_ms = 500,
	.cap_ms = 30000,
	/* Past 30 s the profile window is over: report the server's answer
	 * (and the wait it asked for) rather than hold the whole run. */
	.retry_after_max_ms = 30000,
	.retry_after_clamp = 0,
	/* Refused or unknown hosts and failed TLS handshakes are routine in a
	 * fleet (a pod restarting, DNS catching up) and one of many targets, so
	 * they are retried. A timeout after connecting is not: the attempt
	 * already took the whole window plus grace, and the host is overloaded. */
	.failures = BIT(RETRY_UNREACHABLE) | BIT(RETRY_TLS_HANDSHAKE) |
	    BIT(RETRY_CONNECT_TIMEOUT) | BIT(RETRY_DROPPED),
	/* A 408 from a profile handler means the server's own timeout is
	 * shorter than the profile window: a retry waits as long for the same
	 * answer. */
	.retry_408 = 0,
	/* Agents such as Grafana Alloy profile 14 s of every 15 s: a gap of
	 * about a second. Asking every 0.5-1 s finds it; each refusal costs
	 * the target one tiny answer. */
	.busy_ms = 1000,
};

/* img-push: one registry the user named, many requests in sequence. Upload
 * requests (POST, PATCH, PUT of a session) are not idempotent: the registry
 * client sends each once and restarts the whole session under this same
 * policy (registry_push_blob) instead of resending a chunk. */
const struct retry_policy retry_registry = {
	/* Four retries: a push is many requests, and giving up loses all of
	 * them, so it may try harder than one fleet target. */
	.retries = 4,
	/* Registries (and their CDNs) recover in moments: start short. */
	.base_ms = 250,
	.cap_ms = 30000,
	/* A registry asking to wait is waited for, up to the ceiling: a push
	 * that gives up has to start over, a short wait does not. */
	.retry_after_max_ms = 30000,
	.retry_after_clamp = 1,
	/* A refused connection, an unknown host or a failed TLS handshake is a
	 * typo, a registry that is down or a certificate problem: report it at
	 * once rather than after a minute of backoff. Slow transfers are
	 * retried: large blobs over slow links trip the low-speed limit. */
	.failures = BIT(RETRY_CONNECT_TIMEOUT) | BIT(RETRY_DROPPED) | BIT(RETRY_SLOW),
	/* Registries behind proxies answer 408 when a slow upload stalls. */
	.retry_408 = 1,
	/* Registries do not profile. */
	.busy_ms = 0,
};

enum retry_failure
retry_classify(int curlcode, int connected)
{
	switch ((CURLcode)curlcode) {
	case CURLE_OK:
		return RETRY_ANSWER;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		return RETRY_UNREACHABLE;
	case CURLE_SSL_CONNECT_ERROR:
		return RETRY_TLS_HANDSHAKE;
	case CURLE_OPERATION_TIMEDOUT:
		return connected ? RETRY_SLOW : RETRY_CONNECT_TIMEOUT;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return RETRY_DROPPED;
	default:
		return RETRY_FATAL;
	}
}

int
retry_status(const struct retry_policy *p, long st)
{
	/* 501 Not Implemented and 505 HTTP Version Not Supported do not
	 * change on a second try. */
	if (st == 408)
		return p->retry_408;
	return st == 429 || (st >= 500 && st <= 599 && st != 501 && st != 505);
}

int
retry_should(const struct retry_policy *p, enum retry_failure f, long status)
{
	if (f == RETRY_ANSWER)
		return retry_status(p, status);
	if (f == RETRY_FATAL)
		return 0;
	return (p->failures & BIT(f)) != 0;
}

/* equal_jitter: a wait in [d/2, d], half fixed, half random. */
static long
equal_jitter(long d)
{
	static int seeded;

	if (!seeded) {
		srandom((unsigned)time(NULL) ^ (unsigned)getpid());
		seeded = 1;
	}
	return d / 2 + (d > 1 ? random() % (d / 2 + 1) : 0);
}

long
retry_backoff_ms(const struct retry_policy *p, int attempt)
{
	long d = p->base_ms > 0 ? p->base_ms : 1;

	for (int i = 0; i < attempt && d < p->cap_ms; i++)
		d *= 2;
	if (d > p->cap_ms)
		d = p->cap_ms;
	return equal_jitter(d);
}

int
retry_cpu_busy(long status, const void *body, size_t len)
{
	static const char text[] = RETRY_CPU_BUSY_TEXT;

	/* The message is the whole short body ("Could not enable CPU
	 * profiling: cpu profiling already in use\n"): its start is enough. */
	if (status != 500 || !body)
		return 0;
	return memmem(body, len < 512 ? len : 512, text, sizeof text - 1) != NULL;
}

long
retry_busy_delay_ms(const struct retry_policy *p, long long waited_ms, long window_ms)
{
	long d;

	if (p->busy_ms <= 0 || window_ms <= 0 || waited_ms < 0)
		return -1;
	d = equal_jitter(p->busy_ms);
	return waited_ms + d > window_ms ? -1 : d;
}

long
retry_after_ms(const char *v, time_t now)
{
	const char *s;
	long long secs = 0;
	time_t t;

	if (!v || !*v)
		return -1;
	if (isdigit((unsigned char)*v)) {
		/* delay-seconds is 1*DIGIT: no sign, no spaces. Digits are
		 * added up only to the ceiling, so no value overflows. */
		for (s = v; isdigit((unsigned char)*s); s++)
			if (secs <= RETRY_AFTER_MAX_MS / 1000)
				secs = secs * 10 + (*s - '0');
		if (*s)
			return -1;
		return secs > RETRY_AFTER_MAX_MS / 1000 ? RETRY_AFTER_MAX_MS :
		    (long)secs * 1000;
	}
	/* An HTTP date starts with the day's name; "-5" and the like are
	 * not dates, whatever a lenient date parser makes of them. */
	if (!isalpha((unsigned char)*v))
		return -1;
	t = curl_getdate(v, NULL);
	if (t < 0)
		return -1;
	if (t <= now)
		return 0;
	/* Both are at least zero here, so the difference cannot overflow. */
	if (t - now > RETRY_AFTER_MAX_MS / 1000)
		return RETRY_AFTER_MAX_MS;
	return (long)(t - now) * 1000;
}

long
retry_delay_ms(const struct retry_policy *p, int attempt, const char *retry_after,
    long *asked_ms)
{
	long ra = retry_after_ms(retry_after, time(NULL));

	if (asked_ms)
		*asked_ms = ra;
	if (ra < 0)
		return retry_backoff_ms(p, attempt);
	if (ra > p->retry_after_max_ms)
		return p->retry_after_clamp ? p->retry_after_max_ms : -1;
	return ra;
}
