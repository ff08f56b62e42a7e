/* One HTTP request at a time over libcurl's easy interface: a method, headers
 * and a body from memory, the response body and headers into buffers;
 * redirects that never carry credentials to another host; retries as
 * the client's retry policy (net/retry.h) says. Reusable by any tool that
 * talks HTTP. */
#ifndef PGOKIT_HTTP_H
#define PGOKIT_HTTP_H

#include <stddef.h>

#include "util/membuf.h"

struct retry_policy;

struct http_client {
	void *curl;		/* CURL easy handle, kept for connection reuse */
	/* which failures retry, how often, how long to wait (default
	 * &retry_registry) */
	const struct retry_policy *retry;
	long connect_timeout;	/* seconds (default 10) */
	long low_speed_time;	/* abort after this many seconds below 1 byte/s (default 60) */
	int insecure_tls;	/* do not verify TLS certificates */
	const char *user_agent;
	/* progress(arg, sent, total_to_send, received, total_to_receive) while a
	 * transfer runs; NULL for none. */
	void (*progress)(void *arg, long long ul, long long ultotal,
	    long long dl, long long dltotal);
	void *progress_arg;
	/* set by http_do: the last request got an answer, even one it then
	 * refused (too large); 0 means the server was not reached. */
	int answered;
};

/* Where the body of a 2xx answer goes instead of http_response.body: a
 * download streamed to a file or a hash as it comes, bounded by its
 * consumer rather than held in memory. */
struct http_sink {
	/* write takes the next n bytes; -1 (with seterr()) aborts the transfer
	 * and the request fails with that error. */
	int (*write)(void *arg, const void *p, size_t n);
	/* rewind starts over: called before every attempt (retries). */
	void (*rewind)(void *arg);
	void *arg;
};

struct http_request {
	const char *method;	/* "GET" when NULL; "HEAD" reads no body */
	const char *url;
	/* Value of the Authorization header ("Bearer x", "Basic y"): sent to
	 * the origin (scheme, host and port) of auth_origin only (NULL: url's),
	 * never to another one, first request or redirect. */
	const char *auth;
	const char *auth_origin;
	const char *const *headers;	/* NULL-terminated "Name: value" lines */
	const void *body;	/* request body, body_len bytes (may be NULL/0) */
	size_t body_len;
	int no_retry;		/* a single attempt: the caller retries itself */
	int max_redirects;	/* default 10; -1 means do not follow */
	/* refuse a longer 2xx body (0: HTTP_MAX_BODY); any other answer (an
	 * error) is refused past HTTP_MAX_BODY whatever this says */
	size_t max_body;
	struct http_sink *sink;	/* a 2xx body goes here (others to rs->body) */
};

/* Default cap of a response body held in memory (token answers, error
 * bodies): a hostile server cannot make the client buffer more. */
#define HTTP_MAX_BODY	((size_t)1 << 20)
/* Caps of one response's header block: bytes and lines. */
#define HTTP_MAX_HEADER_BYTES	(64 * 1024)
#define HTTP_MAX_HEADER_LINES	200

struct http_response {
	long status;
	struct membuf body;
	struct membuf headers;	/* header block of the last response */
	char *url;		/* final URL after redirects */
};

/* http_init sets the defaults above; http_cleanup closes the connections. */
void http_init(struct http_client *c);
void http_cleanup(struct http_client *c);

/* http_do performs rq and fills rs (which it resets first). Returns 0 when a
 * response arrived, whatever its status, -1 with seterr() when none did (after
 * the retries). The caller frees rs with http_response_free. */
int http_do(struct http_client *c, const struct http_request *rq,
    struct http_response *rs);
void http_response_free(struct http_response *rs);

/* http_header_check is the one check of a request header line ("Name:
 * value") before it is sent: a name of token characters, a value without
 * control characters (CR or LF would start a header of their own). 0 when
 * fine, else -1 with seterr() naming the header, never its value (it may be
 * a secret). http_do checks every header and the Authorization value with
 * it; callers check values from elsewhere (tokens, tenants) the same way. */
int http_header_check(const char *line);

/* http_header returns the value of the last header called name (case
 * insensitive) of rs as a new string, or NULL. */
char *http_header(const struct http_response *rs, const char *name);

#endif
