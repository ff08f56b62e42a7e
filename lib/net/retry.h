/* The one retry policy of both HTTP engines (http.c for the registry,
 * multi.c for fleet fetches): which failures are retried, how long to wait
 * (exponential backoff with jitter, Retry-After with a ceiling) and how often. */
#ifndef PGOKIT_RETRY_H
#define PGOKIT_RETRY_H

#include <stddef.h>
#include <time.h>

/* What went wrong with one attempt, in the terms the policy decides on. */
enum retry_failure {
	RETRY_ANSWER,		/* a response arrived: its status decides */
	RETRY_UNREACHABLE,	/* connection refused, unknown host */
	RETRY_TLS_HANDSHAKE,	/* TLS connect failed */
	RETRY_CONNECT_TIMEOUT,	/* no connection within the connect timeout */
	RETRY_DROPPED,		/* connection dropped, reset, nothing or half an answer */
	RETRY_SLOW,		/* connected, then the attempt timed out */
	RETRY_FATAL		/* anything else: never retried */
};

struct retry_policy {
	int retries;		/* extra attempts after the first */
	long base_ms;		/* first backoff; doubles per retry */
	long cap_ms;		/* ceiling of one backoff */
	long retry_after_max_ms;	/* ceiling of a Retry-After wait */
	/* 1: a longer Retry-After is cut to the ceiling and waited;
	 * 0: the request gives up with the server's answer instead. */
	int retry_after_clamp;
	unsigned failures;	/* 1u << enum retry_failure for each retried one */
	int retry_408;		/* 408 Request Timeout is retried */
	/* A target whose CPU profiler is busy (retry_cpu_busy) is asked
	 * again after busy_ms with equal jitter for as long as the profile
	 * window lasts, apart from retries; 0: it is an ordinary 500. */
	long busy_ms;
};

extern const struct retry_policy retry_fleet, retry_registry;

/* retry_classify maps a libcurl result (CURLcode as an int; 0 when a response
 * arrived) to a failure; connected says a connection was made (only
 * distinguishes the two timeouts). */
enum retry_failure retry_classify(int curlcode, int connected);

/* retry_should: is a failed attempt worth another (attempts left aside).
 * status is the HTTP status when f is RETRY_ANSWER. */
int retry_should(const struct retry_policy *p, enum retry_failure f, long status);

/* retry_status: would an answer with this status be retried. */
int retry_status(const struct retry_policy *p, long status);

/* Go allows one CPU profile per process at a time: net/http/pprof answers
 * a second request with 500 and "Could not enable CPU profiling: cpu
 * profiling already in use" (runtime/pprof's error text) while another
 * profiler (Grafana Alloy, the Datadog agent, another pprof-fetch) holds it. */
#define RETRY_CPU_BUSY_TEXT "cpu profiling already in use"

/* retry_cpu_busy: is an answer with this status and body (its start is
 * enough) such a refusal. */
int retry_cpu_busy(long status, const void *body, size_t len);

/* retry_busy_delay_ms is the wait before asking a busy target again, when
 * waited_ms have passed since the first attempt and the profile window is
 * window_ms: busy_ms with equal jitter, so two fetchers waiting on one
 * target do not come back in step; -1 when that would end past the window
 * (or p does not wait on busy targets). */
long retry_busy_delay_ms(const struct retry_policy *p, long long waited_ms, long window_ms);

/* retry_backoff_ms is the wait before retry number attempt (0 for the first
 * retry): base * 2^attempt capped at cap_ms, with "equal jitter" (half
 * fixed, half random) so clients that failed together do not come back
 * together. Always in [d/2, d] for that d. */
long retry_backoff_ms(const struct retry_policy *p, int attempt);

/* RETRY_AFTER_MAX_MS bounds what retry_after_ms returns: one day. */
#define RETRY_AFTER_MAX_MS 86400000L

/* retry_after_ms parses a Retry-After value (delay-seconds or an HTTP date,
 * relative to now) into milliseconds, at most RETRY_AFTER_MAX_MS; a past
 * date is 0. -1 when absent or not a valid value. */
long retry_after_ms(const char *value, time_t now);

/* retry_delay_ms is the wait before retry number attempt: the Retry-After
 * value when there is a valid one (ceiling per the policy), else the
 * backoff. -1 when Retry-After asks for longer than p allows and p gives up
 * then. *asked_ms (may be NULL) gets the Retry-After in ms, -1 if none. */
long retry_delay_ms(const struct retry_policy *p, int attempt,
    const char *retry_after, long *asked_ms);

#endif
