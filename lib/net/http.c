/* HTTP requests over libcurl's easy interface, with the redirect rules
 * registry clients need and the retries net/retry.c decides (see http.h).
 * Redirects are followed here rather than by libcurl so that the rule
 * "credentials stay with their host" is explicit and tested, whatever the
 * libcurl version. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "net/http.h"
#include "net/retry.h"
#include "net/url.h"
#include "util/err.h"
#include "util/escape.h"

struct xfer {
	struct http_response *rs;
	size_t max_body;
	long too_big;		/* the body passed its cap: the answer's status */
	int hdr_too_big;	/* the header block passed its caps */
	int sink_failed;	/* the sink refused the body (its seterr() stands) */
	size_t hdr_lines;
	struct http_sink *sink;
	struct http_client *c;
};

void
http_init(struct http_client *c)
{
	static int global_done;

	memset(c, 0, sizeof *c);
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			die("libcurl: global initialisation failed");
		global_done = 1;
	}
	c->curl = curl_easy_init();
	if (!c->curl)
		die("libcurl: cannot create a handle");
	c->retry = &retry_registry;
	c->connect_timeout = 10;
	c->low_speed_time = 60;
	c->user_agent = "pgokit/" PGOKIT_VERSION;
}

void
http_cleanup(struct http_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
}

void
http_response_free(struct http_response *rs)
{
	membuf_free(&rs->body);
	membuf_free(&rs->headers);
	free(rs->url);
	memset(rs, 0, sizeof *rs);
}

/* body_cap: how much of an answer with status is kept in memory. An error
 * answer says what went wrong in a few lines: at most HTTP_MAX_BODY,
 * whatever the request allows for its answer. */
static size_t
body_cap(const struct xfer *x, long status)
{
	if ((status >= 200 && status < 300) || x->max_body < HTTP_MAX_BODY)
		return x->max_body;
	return HTTP_MAX_BODY;
}

/* write_cb sends a 2xx body to the request's sink, when it has one, and
 * keeps any other body (an error, a redirect) in memory up to max_body. */
static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	long status = 0;

	n *= size;
	curl_easy_getinfo(x->c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (x->sink && status >= 200 && status < 300) {
		if (x->sink->write(x->sink->arg, p, n) < 0) {
			x->sink_failed = 1;
			return 0;
		}
		return n;
	}
	if (x->rs->body.len + n > body_cap(x, status)) {
		x->too_big = status ? status : 1;
		return 0;
	}
	membuf_append(&x->rs->body, p, n);
	return n;
}

/* header_cb collects the header block of the last response, within the
 * caps: a server cannot make the client hold megabytes of headers. */
static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	n *= size;
	/* A new status line starts a new header block (after 100 Continue). */
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		x->rs->headers.len = 0;
		x->hdr_lines = 0;
	}
	if (x->rs->headers.len + n > HTTP_MAX_HEADER_BYTES ||
	    ++x->hdr_lines > HTTP_MAX_HEADER_LINES) {
		x->hdr_too_big = 1;
		return 0;
	}
	membuf_append(&x->rs->headers, p, n);
	return n;
}

static int
progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct xfer *x = arg;

	x->c->progress(x->c->progress_arg, (long long)ulnow, (long long)ultotal,
	    (long long)dlnow, (long long)dltotal);
	return 0;
}

char *
http_header(const struct http_response *rs, const char *name)
{
	const char *p = rs->headers.data, *line, *end, *v;
	size_t nl = strlen(name);
	char *found = NULL;

	if (!p)
		return NULL;
	for (line = p; *line; line = end) {
		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 &&
		    line[nl] == ':') {
			const char *e = end;

			v = line + nl + 1;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && isspace((unsigned char)e[-1]))
				e--;
			free(found);
			found = xmalloc((size_t)(e - v) + 1);
			memcpy(found, v, (size_t)(e - v));
			found[e - v] = '\0';
		}
	}
	return found;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* set_transfer_options sets what every attempt on c shares: timeouts,
 * TLS, callbacks into x, the error buffer. */
static void
set_transfer_options(struct http_client *c, const char *url, struct xfer *x,
    char *errbuf)
{
	CURL *h = c->curl;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->connect_timeout);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->low_speed_time);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, NULL);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	if (c->insecure_tls) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->progress) {
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
	}
}

int
http_header_check(const char *line)
{
	const char *colon = strchr(line, ':'), *p;

	if (!colon || colon == line) {
		seterr("header line without a name");
		return -1;
	}
	for (p = line; p < colon; p++)
		if (*p <= ' ' || *p >= 127 || strchr("\"(),/;<=>?@[\\]{}", *p)) {
			seterr("header name '%.*s': not a token", (int)(colon - line), line);
			return -1;
		}
	for (p = colon + 1; *p; p++)
		if (((unsigned char)*p < ' ' && *p != '\t') || *p == 127) {
			seterr("%.*s header: control character in its value",
			    (int)(colon - line), line);
			return -1;
		}
	return 0;
}

/* check_headers checks rq's header lines and its Authorization value before
 * anything is sent. */
static int
check_headers(const struct http_request *rq)
{
	for (const char *const *hp = rq->headers; hp && *hp; hp++)
		if (http_header_check(*hp) < 0)
			return -1;
	if (rq->auth) {
		size_t n = strlen(rq->auth) + 32;
		char *line = xmalloc(n);
		int rc;

		snprintf(line, n, "Authorization: %s", rq->auth);
		rc = http_header_check(line);
		free(line);
		return rc;
	}
	return 0;
}

/* request_headers lists rq's headers and, when send_auth, its Authorization
 * (in *authline, freed by the caller); *has_ctype says one is Content-Type. */
static struct curl_slist *
request_headers(const struct http_request *rq, int send_auth, char **authline,
    int *has_ctype)
{
	struct curl_slist *hdrs = NULL;

	*has_ctype = 0;
	*authline = NULL;
	for (const char *const *hp = rq->headers; hp && *hp; hp++) {
		if (strncasecmp(*hp, "Content-Type:", 13) == 0)
			*has_ctype = 1;
		hdrs = curl_slist_append(hdrs, *hp);
	}
	if (send_auth && rq->auth) {
		size_t n = strlen(rq->auth) + 32;

		*authline = xmalloc(n);
		snprintf(*authline, n, "Authorization: %s", rq->auth);
		hdrs = curl_slist_append(hdrs, *authline);
	}
	/* Never wait for 100 Continue: registries answer at once or not at all. */
	return curl_slist_append(hdrs, "Expect:");
}

/* set_method sets the method and body; it may add a Content-Type to hdrs. */
static struct curl_slist *
set_method(CURL *h, const struct http_request *rq, const char *method,
    int send_body, int has_ctype, struct curl_slist *hdrs)
{
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET") == 0 && !send_body) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		/* POSTFIELDS sends the buffer without a copy; the explicit
		 * Content-Type replaces libcurl's form type, which registries
		 * would otherwise try to parse as a form. */
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, send_body && rq->body ? rq->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(send_body ? rq->body_len : 0));
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		if (!has_ctype)
			hdrs = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
	}
	return hdrs;
}

/* A request across its redirects and retries. */
struct req_state {
	const struct http_request *rq;
	const char *method;	/* as asked */
	const char *origin;	/* where the Authorization may go */
	char *url;		/* of the next attempt */
	char *cur_method;	/* of the next attempt (GET after a 303) */
	int send_auth, send_body;
	int redirects, max_redirects;
	int attempt, retries;
	int connected;		/* the last attempt got a connection */
	char errbuf[CURL_ERROR_SIZE];
};

/* perform_once sends one request to st->url, without following redirects. */
static CURLcode
perform_once(struct http_client *c, struct req_state *st,
    struct http_response *rs, struct xfer *x)
{
	struct curl_slist *hdrs;
	char *authline;
	int has_ctype;
	curl_off_t connect_us = 0;
	CURLcode rc;

	curl_easy_reset(c->curl);
	membuf_free(&rs->body);
	membuf_free(&rs->headers);
	rs->status = 0;
	x->too_big = x->hdr_too_big = x->sink_failed = 0;
	x->hdr_lines = 0;
	if (x->sink)
		x->sink->rewind(x->sink->arg);
	st->errbuf[0] = '\0';
	set_transfer_options(c, st->url, x, st->errbuf);
	hdrs = request_headers(st->rq, st->send_auth, &authline, &has_ctype);
	hdrs = set_method(c->curl, st->rq, st->cur_method, st->send_body, has_ctype, hdrs);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &rs->status);
	if (rc == CURLE_OK || x->too_big || x->hdr_too_big || x->sink_failed ||
	    rc == CURLE_OUT_OF_MEMORY)
		c->answered = 1;
	curl_easy_getinfo(c->curl, CURLINFO_CONNECT_TIME_T, &connect_us);
	st->connected = connect_us > 0;
	curl_slist_free_all(hdrs);
	free(authline);
	return rc;
}

static int
is_redirect(long st)
{
	return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* follow_redirect moves st to rs's Location when rs is a redirect to follow:
 * 1 when it did, 0 when rs is the answer, -1 with seterr() when there were
 * too many. Credentials stay with the origin of the first URL. */
static int
follow_redirect(struct req_state *st, const struct http_response *rs)
{
	char *loc, *next;

	if (!is_redirect(rs->status) || st->max_redirects <= 0)
		return 0;
	loc = http_header(rs, "Location");
	if (loc && st->redirects < st->max_redirects &&
	    (next = url_resolve(st->url, loc)) != NULL) {
		free(loc);
		/* Once elsewhere, credentials stay off for the rest of the chain. */
		if (!url_same_origin(st->origin, next))
			st->send_auth = 0;
		if (rs->status == 303 || ((rs->status == 301 || rs->status == 302) &&
		    strcmp(st->cur_method, "POST") == 0)) {
			free(st->cur_method);
			st->cur_method = xstrdup(strcmp(st->method, "HEAD") ? "GET" : "HEAD");
			st->send_body = 0;
		}
		free(st->url);
		st->url = next;
		st->redirects++;
		return 1;
	}
	free(loc);
	if (st->redirects >= st->max_redirects) {
		seterr("%s: too many redirects", st->rq->url);
		return -1;
	}
	return 0;
}

/* retry_wait asks c's policy about the attempt that ended with rc and rs:
 * 0 when rs is the answer to give the caller, 1 to try again after *wait ms,
 * -1 with seterr() when the request failed for good. */
static int
retry_wait(struct http_client *c, struct req_state *st, CURLcode rc,
    const struct http_response *rs, const struct xfer *x, long *wait)
{
	enum retry_failure f = retry_classify(rc, st->connected);
	const char *why = st->errbuf[0] ? st->errbuf : curl_easy_strerror(rc);
	char *ra, url[512], shown[CURL_ERROR_SIZE + 64];

	/* libcurl's message may quote the answer (a header line, a host name
	 * from a Location) and the URL may come from one: both escaped. */
	esc_text(shown, sizeof shown, why, strlen(why));
	why = shown;
	esc_text(url, sizeof url, st->url, strlen(st->url));

	if (rc == CURLE_OK && !retry_should(c->retry, f, rs->status))
		return 0;
	if (rc != CURLE_OK && x->sink_failed)
		return -1;
	if (rc != CURLE_OK && (x->too_big || x->hdr_too_big ||
	    rc == CURLE_OUT_OF_MEMORY)) {
		char *u = url_redact(st->url);

		/* libcurl says "out of memory" for a header line over its own
		 * limit (100 KB), before header_cb sees it. */
		if (x->too_big)
			seterr("%s: HTTP %ld answer with a body over %zu bytes", u, x->too_big,
			    body_cap(x, x->too_big));
		else
			seterr("%s: response headers larger than %d bytes or %d lines",
			    u, HTTP_MAX_HEADER_BYTES, HTTP_MAX_HEADER_LINES);
		free(u);
		return -1;
	}
	if (rc != CURLE_OK && !retry_should(c->retry, f, 0)) {
		seterr("%s: %s", url, why);
		return -1;
	}
	if (st->attempt >= st->retries) {
		if (rc == CURLE_OK)
			return 0;	/* the caller reports the last status */
		seterr("%s: %s (after %d attempts)", url, why, st->attempt + 1);
		return -1;
	}
	ra = rc == CURLE_OK ? http_header(rs, "Retry-After") : NULL;
	*wait = retry_delay_ms(c->retry, st->attempt, ra, NULL);
	free(ra);
	/* A policy that will not wait as long as asked gives the answer back. */
	return *wait < 0 ? 0 : 1;
}

int
http_do(struct http_client *c, const struct http_request *rq,
    struct http_response *rs)
{
	struct req_state st;
	struct xfer x;
	int step;

	memset(&st, 0, sizeof st);
	st.rq = rq;
	st.method = rq->method ? rq->method : "GET";
	st.url = xstrdup(rq->url);
	st.cur_method = xstrdup(st.method);
	st.origin = rq->auth_origin ? rq->auth_origin : rq->url;
	st.send_auth = url_same_origin(st.origin, rq->url);
	st.send_body = 1;
	st.max_redirects = rq->max_redirects ? rq->max_redirects : 10;
	st.retries = rq->no_retry ? 0 : c->retry->retries;
	memset(rs, 0, sizeof *rs);
	memset(&x, 0, sizeof x);
	c->answered = 0;
	x.rs = rs;
	x.c = c;
	x.sink = rq->sink;
	x.max_body = rq->max_body ? rq->max_body : HTTP_MAX_BODY;
	if (check_headers(rq) < 0) {
		free(st.cur_method);
		free(st.url);
		return -1;
	}
	for (;;) {
		CURLcode rc = perform_once(c, &st, rs, &x);
		long wait = 0;

		if (rc == CURLE_OK && (step = follow_redirect(&st, rs)) != 0) {
			if (step < 0)
				goto fail;
			continue;
		}
		if ((step = retry_wait(c, &st, rc, rs, &x, &wait)) <= 0)
			break;
		sleep_ms(wait);
		st.attempt++;
	}
	if (step < 0)
		goto fail;
	free(st.cur_method);
	rs->url = st.url;
	return 0;
fail:
	free(st.cur_method);
	free(st.url);
	http_response_free(rs);
	return -1;
}
