/* HTTP requests over libcurl's easy interface, with the retry and redirect
 * policy that registry clients need (see http.h). Redirects are followed here
 * rather than by libcurl so that the rule "credentials stay with their host"
 * is explicit and tested, whatever the libcurl version. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "net/http.h"
#include "util/err.h"

struct xfer {
	struct http_response *rs;
	size_t max_body;
	int too_big;
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
		srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	}
	c->curl = curl_easy_init();
	if (!c->curl)
		die("libcurl: cannot create a handle");
	c->retries = 4;
	c->backoff_ms = 250;
	c->backoff_max_ms = 30000;
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

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	n *= size;
	if (x->rs->body.len + n > x->max_body) {
		x->too_big = 1;
		return 0;
	}
	membuf_append(&x->rs->body, p, n);
	return n;
}

static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	n *= size;
	/* A new status line starts a new header block (after 100 Continue). */
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		x->rs->headers.len = 0;
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

char *
http_resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *s = NULL, *out;

	if (!u)
		die("libcurl: out of memory");
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, ref, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		seterr("cannot resolve URL '%s' against '%s'", ref, base);
		return NULL;
	}
	curl_url_cleanup(u);
	out = xstrdup(s);
	curl_free(s);
	return out;
}

static char *
url_part(CURLU *u, CURLUPart what, int flags)
{
	char *s = NULL, *out;

	if (curl_url_get(u, what, &s, flags) != CURLUE_OK)
		return xstrdup("");
	out = xstrdup(s);
	curl_free(s);
	return out;
}

int
http_same_origin(const char *a, const char *b)
{
	CURLU *ua = curl_url(), *ub = curl_url();
	int same = 0;

	if (ua && ub && curl_url_set(ua, CURLUPART_URL, a, 0) == CURLUE_OK &&
	    curl_url_set(ub, CURLUPART_URL, b, 0) == CURLUE_OK) {
		CURLUPart parts[] = { CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT };
		size_t i;

		same = 1;
		for (i = 0; i < 3 && same; i++) {
			char *pa = url_part(ua, parts[i], CURLU_DEFAULT_PORT);
			char *pb = url_part(ub, parts[i], CURLU_DEFAULT_PORT);

			same = strcasecmp(pa, pb) == 0;
			free(pa);
			free(pb);
		}
	}
	curl_url_cleanup(ua);
	curl_url_cleanup(ub);
	return same;
}

int
http_is_loopback(const char *hostport)
{
	char host[256];
	const char *p = hostport, *e;
	size_t n;

	if (*p == '[') {
		e = strchr(p, ']');
		if (!e)
			return 0;
		p++;
	} else {
		e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
	}
	n = (size_t)(e - p);
	if (n == 0 || n >= sizeof host)
		return 0;
	memcpy(host, p, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
		return 1;
	if (strncmp(host, "127.", 4) == 0) {
		for (p = host + 4; *p; p++)
			if (!isdigit((unsigned char)*p) && *p != '.')
				return 0;
		return 1;
	}
	return 0;
}

long
http_retry_after(const char *v)
{
	char *end;
	long s;
	time_t t;

	if (!v || !*v)
		return -1;
	if (isdigit((unsigned char)*v)) {
		s = strtol(v, &end, 10);
		if (*end || s < 0)
			return -1;
		return s > 86400 ? 86400000L : s * 1000;
	}
	t = curl_getdate(v, NULL);
	if (t < 0)
		return -1;
	t -= time(NULL);
	return t > 0 ? (long)t * 1000 : 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* backoff: the delay before retry number attempt (0-based): exponential, with
 * "equal jitter" (half fixed, half random) so that clients that failed
 * together do not come back together. */
static long
backoff(const struct http_client *c, int attempt)
{
	long d = c->backoff_ms;
	int i;

	for (i = 0; i < attempt && d < c->backoff_max_ms; i++)
		d *= 2;
	if (d > c->backoff_max_ms)
		d = c->backoff_max_ms;
	return d / 2 + (d > 1 ? random() % (d / 2 + 1) : 0);
}

static int
transport_retryable(CURLcode e)
{
	switch (e) {
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		/* Refused connections and unknown hosts are configuration
		 * errors far more often than blips: report them at once. */
		return 0;
	}
}

static int
status_retryable(long st)
{
	return st == 408 || st == 429 || (st >= 500 && st <= 599 && st != 501 &&
	    st != 505);
}

/* perform_once sends one request to url, without following redirects. */
static CURLcode
perform_once(struct http_client *c, const struct http_request *rq,
    const char *method, const char *url, int send_auth, int send_body,
    struct http_response *rs, struct xfer *x, char *errbuf)
{
	CURL *h = c->curl;
	struct curl_slist *hdrs = NULL;
	char *authline = NULL;
	int has_ctype = 0;
	CURLcode rc;

	curl_easy_reset(h);
	membuf_free(&rs->body);
	membuf_free(&rs->headers);
	rs->status = 0;
	x->too_big = 0;
	errbuf[0] = '\0';
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
	if (rq->headers) {
		const char *const *hp;

		for (hp = rq->headers; *hp; hp++) {
			if (strncasecmp(*hp, "Content-Type:", 13) == 0)
				has_ctype = 1;
			hdrs = curl_slist_append(hdrs, *hp);
		}
	}
	if (send_auth && rq->auth) {
		size_t n = strlen(rq->auth) + 32;

		authline = xmalloc(n);
		snprintf(authline, n, "Authorization: %s", rq->auth);
		hdrs = curl_slist_append(hdrs, authline);
	}
	/* Never wait for 100 Continue: registries answer at once or not at all. */
	hdrs = curl_slist_append(hdrs, "Expect:");
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
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->status);
	curl_slist_free_all(hdrs);
	free(authline);
	return rc;
}

static int
is_redirect(long st)
{
	return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

int
http_do(struct http_client *c, const struct http_request *rq,
    struct http_response *rs)
{
	char errbuf[CURL_ERROR_SIZE];
	const char *method = rq->method ? rq->method : "GET";
	char *url = xstrdup(rq->url), *cur_method = xstrdup(method);
	int attempt = 0, redirects = 0, send_auth = 1, send_body = 1;
	int max_redirects = rq->max_redirects ? rq->max_redirects : 10;
	int retries = rq->no_retry ? 0 : c->retries;
	struct xfer x;
	CURLcode rc;

	memset(rs, 0, sizeof *rs);
	x.rs = rs;
	x.c = c;
	x.max_body = rq->max_body ? rq->max_body : (size_t)1 << 30;
	for (;;) {
		long wait = -1;

		rc = perform_once(c, rq, cur_method, url, send_auth, send_body, rs,
		    &x, errbuf);
		if (rc == CURLE_OK && is_redirect(rs->status) && max_redirects > 0) {
			char *loc = http_header(rs, "Location"), *next;

			if (loc && redirects < max_redirects &&
			    (next = http_resolve(url, loc)) != NULL) {
				free(loc);
				if (!http_same_origin(rq->url, next))
					send_auth = 0;
				if (rs->status == 303 || ((rs->status == 301 ||
				    rs->status == 302) && strcmp(cur_method, "POST") == 0)) {
					free(cur_method);
					cur_method = xstrdup(strcmp(method, "HEAD") ? "GET" : "HEAD");
					send_body = 0;
				}
				free(url);
				url = next;
				redirects++;
				continue;
			}
			free(loc);
			if (redirects >= max_redirects) {
				seterr("%s: too many redirects", rq->url);
				goto fail;
			}
		}
		if (rc == CURLE_OK && !status_retryable(rs->status))
			break;
		if (rc != CURLE_OK && (x.too_big || !transport_retryable(rc))) {
			if (x.too_big)
				seterr("%s: response larger than %zu bytes", url, x.max_body);
			else
				seterr("%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
			goto fail;
		}
		if (attempt >= retries) {
			if (rc == CURLE_OK)
				break;	/* the caller reports the last status */
			seterr("%s: %s (after %d attempts)", url,
			    errbuf[0] ? errbuf : curl_easy_strerror(rc), attempt + 1);
			goto fail;
		}
		if (rc == CURLE_OK) {
			char *ra = http_header(rs, "Retry-After");

			wait = http_retry_after(ra);
			free(ra);
			if (wait > c->backoff_max_ms)
				wait = c->backoff_max_ms;
		}
		if (wait < 0)
			wait = backoff(c, attempt);
		sleep_ms(wait);
		attempt++;
	}
	free(cur_method);
	rs->url = url;
	return 0;
fail:
	free(cur_method);
	free(url);
	http_response_free(rs);
	return -1;
}
