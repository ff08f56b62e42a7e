/* Many HTTP requests at once with libcurl's multi interface in one thread:
 * up to `jobs` transfers in flight, each answer streamed into a bounded
 * buffer (spilled to an unlinked temp file past a shared memory budget),
 * retries as a retry policy says (net/retry.h: retry_fleet by default), a
 * timeout per attempt. Each finished request
 * is handed to a callback and its memory released before the next. */
#ifndef PGOKIT_FETCH_H
#define PGOKIT_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct retry_policy;

/* An answer whose status is not 2xx is an error message: only its first
 * FETCH_ERROR_BODY_MAX bytes are kept, then the transfer ends and the
 * answer is handed on with that much of its body. */
#define FETCH_ERROR_BODY_MAX ((size_t)64 << 10)

/* The default disk_budget: the temp files of the answers in flight. */
#define FETCH_DISK_BUDGET ((size_t)1 << 30)

struct fetch_req {
	const char *url;	/* may carry user:password@ (never printed) */
	const char *name;	/* for messages: no secrets */
	const void *post;	/* POST this body when non-NULL, else GET */
	size_t postlen;
	const char *const *headers;	/* NULL-terminated "Name: value" lines */
	long timeout_ms;	/* one attempt, connect to last byte */
	void *udata;
};

struct fetch_res {
	long status;		/* HTTP status of the last attempt; 0 if none */
	const char *ctype;	/* Content-Type or NULL */
	const uint8_t *body;	/* the whole answer, valid in the callback only */
	size_t len;
	const char *error;	/* why no complete answer arrived; NULL if one did */
	const char *redirect;	/* a 3xx answer's Location, resolved, or NULL */
	int attempts;		/* all of them, busy ones included */
	int busy;		/* how many found the CPU profiler busy (retry.h) */
	double seconds;		/* from the first attempt's start to the end */
};

struct fetch_opts {
	int jobs;		/* transfers in flight (>= 1) */
	/* which failures retry and how long to wait (default &retry_fleet) */
	const struct retry_policy *retry;
	int retries;		/* extra attempts after the first (-r); the
				 * policy's count by default */
	long connect_timeout_ms;
	size_t max_body;	/* an answer larger than this is an error */
	size_t mem_budget;	/* answer bytes held in memory across transfers */
	/* answer bytes in temp files across transfers: an answer that would
	 * pass it fails (not retried), the others go on */
	size_t disk_budget;
	long recv_buffer;	/* libcurl's receive buffer per transfer; 0: its default */
	int insecure;		/* no TLS verification */
	int netrc;		/* credentials from a netrc file */
	const char *netrc_file;	/* NULL: ~/.netrc */
	const char *bearer;	/* Authorization: Bearer (NULL: none) */
	const char *user, *password;	/* Basic (NULL: none) */
	int verbose;		/* one line per attempt on stderr */
	int progress;		/* a live status line on stderr */
	/* the profile window, for "seconds left" and how long a target whose
	 * CPU profiler is busy is asked again (0: not at all) */
	long window_ms;
	/* done is called once per request, in completion order. */
	void (*done)(const struct fetch_req *rq, const struct fetch_res *rs, void *arg);
	void *arg;
};

/* fetch_defaults fills o with: 64 jobs, retry_fleet (3 retries, 500 ms
 * backoff capped at 30 s), 10 s connect timeout, 256 MiB max body, 256 KiB
 * memory budget, FETCH_DISK_BUDGET disk budget. */
void fetch_defaults(struct fetch_opts *o);

/* fetch_all runs every request to completion. -1 with seterr() only when the
 * engine itself fails (libcurl setup); per-request failures go to done. */
int fetch_all(struct fetch_req *rq, size_t n, const struct fetch_opts *o);

#endif
