/* The concurrent HTTP engine behind pprof-fetch: libcurl's multi interface
 * driven from one thread, a per-request state machine (waiting, active,
 * backing off, done), answers streamed into bounded buffers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>

#include "net/multi.h"
#include "net/retry.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/escape.h"
#include "util/progress.h"

enum state { WAITING, ACTIVE, BACKOFF, DONE };

/* An answer being received: in memory until the shared budget is used up,
 * then in an unlinked temp file. */
struct answer {
	uint8_t *mem;
	size_t len, cap;
	int fd;
	int started;		/* the first bytes arrived: expect, error_body set */
	int error_body;		/* not a 2xx: kept only up to FETCH_ERROR_BODY_MAX */
	int cut;		/* an error body past that: transfer ended, answer kept */
	int overflow;		/* larger than max_body: transfer aborted */
	int over_disk;		/* temp files past disk_budget: transfer aborted */
	long long expect;	/* Content-Length, -1 unknown */
};

struct xfer {
	enum state state;
	CURL *h;
	struct curl_slist *hdrs;
	struct answer a;
	char *errbuf;		/* CURL_ERROR_SIZE, while a transfer is active */
	int attempts;
	int busy;		/* attempts that found the CPU profiler busy */
	long long t_first;	/* ms, monotonic */
	long long due;		/* BACKOFF: when to try again */
	char *last_error;	/* the previous attempt's failure, for retries */
	long last_status;
};

struct engine {
	const struct fetch_opts *o;
	struct fetch_req *rq;
	struct xfer *x;
	size_t n, next, ndone, nactive, nbackoff;
	CURLM *m;
	size_t mem_used;
	size_t disk_used;	/* answer bytes in temp files */
	long long bytes;	/* received, all transfers */
	long long t0;
};

void
fetch_defaults(struct fetch_opts *o)
{
	memset(o, 0, sizeof *o);
	o->jobs = 64;
	o->retry = &retry_fleet;
	o->retries = retry_fleet.retries;
	o->connect_timeout_ms = 10000;
	o->max_body = (size_t)256 << 20;
	/* at -j 200, 1 MiB held 0.5 MiB more at the peak than 256 KiB, and
	 * 256 KiB no more than 0 (every answer to a temp file) */
	o->mem_budget = (size_t)256 << 10;
	o->disk_budget = FETCH_DISK_BUDGET;
}

static int
spill_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	snprintf(path, sizeof path, "%s/pgokit-fetch.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
answer_reset(struct engine *e, struct answer *a)
{
	e->mem_used -= a->cap;
	if (a->fd >= 0)
		e->disk_used -= a->len;
	free(a->mem);
	if (a->fd >= 0)
		close(a->fd);
	memset(a, 0, sizeof *a);
	a->fd = -1;
	a->expect = -1;
}

/* answer_spill moves a's bytes so far to a temp file, within the disk
 * budget: the memory one answer frees goes to the next. */
static int
answer_spill(struct engine *e, struct answer *a, size_t more)
{
	int fd;

	if (e->disk_used + a->len + more > e->o->disk_budget) {
		a->over_disk = 1;
		return -1;
	}
	if ((fd = spill_open()) < 0 || write_all(fd, a->mem, a->len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	e->mem_used -= a->cap;
	e->disk_used += a->len;
	free(a->mem);
	a->mem = NULL;
	a->cap = 0;
	a->fd = fd;
	return 0;
}

/* answer_grow makes room in memory for n more bytes of a, or moves a to a
 * temp file when the memory budget does not allow it. */
static int
answer_grow(struct engine *e, struct answer *a, size_t n, size_t limit)
{
	size_t ncap = a->cap ? 2 * a->cap : 4096;

	/* The announced length, when there is one, is the right size. */
	if (a->cap == 0 && a->expect > 0 && (size_t)a->expect >= a->len + n &&
	    (size_t)a->expect <= limit)
		ncap = (size_t)a->expect;
	while (ncap < a->len + n)
		ncap *= 2;
	if (ncap > limit)
		ncap = limit;
	if (e->mem_used - a->cap + ncap > e->o->mem_budget)
		return answer_spill(e, a, n);
	a->mem = xrealloc(a->mem, ncap);
	e->mem_used += ncap - a->cap;
	a->cap = ncap;
	return 0;
}

/* answer_append keeps data in memory while the engine's budget allows, and
 * in a temp file within the disk budget when it does not. An error body
 * (a status other than 2xx) is kept up to FETCH_ERROR_BODY_MAX bytes, then
 * the transfer ends: a message is at its start, and a server that sends
 * a gigabyte of it wastes nothing more of ours. */
static int
answer_append(struct engine *e, struct answer *a, const void *p, size_t n)
{
	size_t limit = a->error_body && e->o->max_body > FETCH_ERROR_BODY_MAX ?
	    FETCH_ERROR_BODY_MAX : e->o->max_body;

	if (a->len + n > limit) {
		if (!a->error_body) {
			a->overflow = 1;
			return -1;
		}
		a->cut = 1;
		n = limit - a->len;
	}
	if (a->fd < 0 && a->len + n > a->cap && answer_grow(e, a, n, limit) < 0)
		return -1;
	if (a->fd >= 0) {
		if (e->disk_used + n > e->o->disk_budget) {
			a->over_disk = 1;
			return -1;
		}
		if (write_all(a->fd, p, n) < 0)
			return -1;
		e->disk_used += n;
	} else if (n > 0) {
		memcpy(a->mem + a->len, p, n);
	}
	a->len += n;
	e->bytes += (long long)n;
	return a->cut ? -1 : 0;
}

/* answer_load brings a spilled answer back into memory for the callback. */
static int
answer_load(struct engine *e, struct answer *a)
{
	uint8_t *buf;
	size_t off = 0;

	if (a->fd < 0)
		return 0;
	buf = xmalloc(a->len ? a->len : 1);
	while (off < a->len) {
		ssize_t r = pread(a->fd, buf + off, a->len - off, (off_t)off);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			free(buf);
			return -1;
		}
		off += (size_t)r;
	}
	close(a->fd);
	a->fd = -1;
	e->disk_used -= a->len;
	a->mem = buf;
	a->cap = a->len;
	e->mem_used += a->cap;
	return 0;
}

struct wctx {
	struct engine *e;
	struct xfer *x;
};

static struct wctx *wctx;	/* one per request, indexed like e->x */

static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct wctx *w = arg;
	struct answer *a = &w->x->a;

	if (!a->started) {
		curl_off_t cl = -1;
		long status = 0;

		curl_easy_getinfo(w->x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		curl_easy_getinfo(w->x->h, CURLINFO_RESPONSE_CODE, &status);
		a->expect = cl;
		a->error_body = status < 200 || status > 299;
		a->started = 1;
	}

	if (answer_append(w->e, a, p, size * nmemb) < 0)
		return 0;	/* libcurl aborts the transfer: CURLE_WRITE_ERROR */
	return size * nmemb;
}

/* set_transfer_options sets what every attempt of request rq shares:
 * callbacks, timeouts, TLS, connection reuse. */
static void
set_transfer_options(struct engine *e, CURL *h, const struct fetch_req *rq,
    struct wctx *w, char *errbuf)
{
	const struct fetch_opts *o = e->o;

	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	curl_easy_setopt(h, CURLOPT_PRIVATE, (void *)w);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)w);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* Each target is resolved once; a cache entry per host would only
	 * grow with the fleet. */
	curl_easy_setopt(h, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	/* Close each connection when its transfer ends: targets are distinct
	 * hosts, so a cached connection is rarely reused, and it would hold a
	 * descriptor that the next transfer needs. */
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "pgokit/" PGOKIT_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	if (o->recv_buffer > 0)
		curl_easy_setopt(h, CURLOPT_BUFFERSIZE, o->recv_buffer);
	if (rq->timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	if (o->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/* set_credentials gives h the run's credentials: netrc, Bearer or Basic. */
static void
set_credentials(const struct fetch_opts *o, CURL *h)
{
	if (o->netrc) {
		curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
		if (o->netrc_file)
			curl_easy_setopt(h, CURLOPT_NETRC_FILE, o->netrc_file);
	}
	if (o->bearer) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, o->bearer);
	} else if (o->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, o->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, o->password ? o->password : "");
	}
}

/* set_body sets rq's headers and, for a POST, its body; the header list is
 * kept in x until the request is done. */
static void
set_body(struct xfer *x, CURL *h, const struct fetch_req *rq)
{
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	for (const char *const *hp = rq->headers; hp && *hp; hp++)
		x->hdrs = curl_slist_append(x->hdrs, *hp);
	if (rq->post) {
		/* No "Expect: 100-continue" round trip for a small body. */
		x->hdrs = curl_slist_append(x->hdrs, "Expect:");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->postlen);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->post);
	}
	if (x->hdrs)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs);
}

/* start begins the next attempt of request i. */
static int
start(struct engine *e, size_t i)
{
	struct fetch_req *rq = &e->rq[i];
	struct xfer *x = &e->x[i];
	CURL *h;

	if (!(h = curl_easy_init())) {
		seterr("libcurl: cannot create a handle");
		return -1;
	}
	x->h = h;
	x->attempts++;
	if (x->attempts == 1)
		x->t_first = clock_ms();
	if (!x->errbuf)
		x->errbuf = xmalloc(CURL_ERROR_SIZE);
	x->errbuf[0] = '\0';
	answer_reset(e, &x->a);
	wctx[i] = (struct wctx){ e, x };
	set_transfer_options(e, h, rq, &wctx[i], x->errbuf);
	set_credentials(e->o, h);
	set_body(x, h, rq);
	if (curl_multi_add_handle(e->m, h) != CURLM_OK) {
		curl_easy_cleanup(h);
		x->h = NULL;
		seterr("libcurl: cannot add a transfer");
		return -1;
	}
	if (e->o->verbose)
		warn("%s: attempt %d: %s", rq->name, x->attempts, rq->post ? "POST" : "GET");
	x->state = ACTIVE;
	e->nactive++;
	return 0;
}

static void
finish(struct engine *e, size_t i, const char *error, long status)
{
	struct fetch_res rs;
	struct xfer *x = &e->x[i];
	char *ctype = NULL, *ct;

	memset(&rs, 0, sizeof rs);
	rs.status = status;
	rs.error = error;
	rs.attempts = x->attempts;
	rs.busy = x->busy;
	rs.seconds = (clock_ms() - x->t_first) / 1000.0;
	if (x->h && curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
		ctype = xstrdup(ct);
	rs.ctype = ctype;
	if (x->h && curl_easy_getinfo(x->h, CURLINFO_REDIRECT_URL, &ct) == CURLE_OK && ct)
		rs.redirect = ct;
	if (!error && answer_load(e, &x->a) < 0)
		rs.error = "cannot read back the spilled answer";
	rs.body = x->a.mem;
	rs.len = x->a.len;
	progress_clear();
	e->o->done(&e->rq[i], &rs, e->o->arg);
	free(ctype);
	answer_reset(e, &x->a);
	x->state = DONE;
	e->ndone++;
}

static void
human_bytes(char *buf, size_t n, long long b)
{
	if (b >= 10LL << 20)
		snprintf(buf, n, "%lld MiB", b >> 20);
	else if (b >= 10LL << 10)
		snprintf(buf, n, "%lld KiB", b >> 10);
	else
		snprintf(buf, n, "%lld B", b);
}

/* describe_attempt writes why the attempt of request i that ended with
 * res failed into why ("HTTP 503" for an answer) and says what kind of
 * failure it was, for the retry policy. */
static enum retry_failure
describe_attempt(struct engine *e, size_t i, CURL *h, CURLcode res, long status,
    char *why, size_t n)
{
	struct xfer *x = &e->x[i];
	curl_off_t connect_us = 0, cl = -1;
	int err = errno;	/* why a write to the buffer failed */

	curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us);
	if (res == CURLE_OK) {
		snprintf(why, n, "HTTP %ld", status);
	} else if (x->a.overflow) {
		snprintf(why, n, "answer larger than %zu bytes", e->o->max_body);
	} else if (x->a.over_disk) {
		char b[32];

		human_bytes(b, sizeof b, (long long)e->o->disk_budget);
		snprintf(why, n, "answer not kept: the temporary files of answers in flight "
		    "would pass %s (--max-disk)", b);
	} else if (res == CURLE_OPERATION_TIMEDOUT) {
		if (connect_us == 0)
			snprintf(why, n, "connect timed out");
		else
			snprintf(why, n, "timed out after %.1f s with %zu bytes received",
			    e->rq[i].timeout_ms / 1000.0, x->a.len);
	} else if (res == CURLE_PARTIAL_FILE) {
		curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		if (cl >= 0)
			snprintf(why, n, "connection closed after %zu of %lld bytes",
			    x->a.len, (long long)cl);
		else
			snprintf(why, n, "connection closed after %zu bytes", x->a.len);
	} else if (res == CURLE_WRITE_ERROR) {
		snprintf(why, n, "cannot buffer the answer: %s", strerror(err));
	} else if (x->errbuf && x->errbuf[0]) {
		/* libcurl's message may quote what the server sent. */
		esc_text(why, n, x->errbuf, strlen(x->errbuf));
	} else {
		snprintf(why, n, "%s", curl_easy_strerror(res));
	}
	return retry_classify(res, connect_us > 0);
}

/* release_handle ends a request's current attempt: its handle and error
 * buffer go. */
static void
release_handle(struct xfer *x)
{
	curl_easy_cleanup(x->h);
	x->h = NULL;
	free(x->errbuf);
	x->errbuf = NULL;
}

/* answer_peek copies the first bytes of a, at most n, to buf. */
static size_t
answer_peek(const struct answer *a, uint8_t *buf, size_t n)
{
	ssize_t r;

	if (n > a->len)
		n = a->len;
	if (a->fd < 0) {
		if (n > 0)
			memcpy(buf, a->mem, n);
		return n;
	}
	r = pread(a->fd, buf, n, 0);
	return r > 0 ? (size_t)r : 0;
}

/* retry_wait says how long to wait before the next attempt of request i,
 * whose attempt ended with res, f and status: -1 for no more attempts.
 * A target whose CPU profiler is busy is asked again within the profile
 * window, apart from the retries; Retry-After is honoured as the policy
 * says. What why says is extended where the reason is news. */
static long
retry_wait(struct engine *e, size_t i, CURL *h, CURLcode res, enum retry_failure f,
    long status, char *why, size_t n)
{
	struct xfer *x = &e->x[i];
	const struct retry_policy *p = e->o->retry;
	struct curl_header *ra = NULL;
	uint8_t head[512];
	size_t used = strlen(why);
	long asked, delay;

	if (res == CURLE_OK && p->busy_ms > 0 && e->o->window_ms > 0 &&
	    retry_cpu_busy(status, head, answer_peek(&x->a, head, sizeof head))) {
		x->busy++;
		snprintf(why + used, n - used, ": " RETRY_CPU_BUSY_TEXT);
		return retry_busy_delay_ms(p, clock_ms() - x->t_first, e->o->window_ms);
	}
	if (!retry_should(p, f, status) || x->attempts - x->busy > e->o->retries)
		return -1;
	if (res != CURLE_OK || curl_easy_header(h, "Retry-After", 0, CURLH_HEADER, -1,
	    &ra) != CURLHE_OK)
		ra = NULL;
	delay = retry_delay_ms(p, x->attempts - x->busy - 1, ra ? ra->value : NULL, &asked);
	if (delay < 0)
		snprintf(why + used, n - used, ", Retry-After %ld s is longer than the %ld s limit",
		    asked / 1000, p->retry_after_max_ms / 1000);
	return delay;
}

/* schedule_retry puts request i in BACKOFF for delay ms. */
static void
schedule_retry(struct engine *e, size_t i, long delay, long status, const char *why)
{
	struct xfer *x = &e->x[i];

	if (e->o->verbose)
		warn("%s: %s, retrying in %.1f s", e->rq[i].name, why, delay / 1000.0);
	free(x->last_error);
	x->last_error = xstrdup(why);
	x->last_status = status;
	release_handle(x);
	answer_reset(e, &x->a);
	x->state = BACKOFF;
	x->due = clock_ms() + delay;
	e->nbackoff++;
}

/* done_transfer handles the end of one attempt: a retry when the policy
 * wants one and attempts are left, else the request's result. */
static void
done_transfer(struct engine *e, CURL *h, CURLcode res)
{
	struct wctx *w;
	struct xfer *x;
	size_t i;
	long status = 0, delay;
	char why[CURL_ERROR_SIZE + 128];
	enum retry_failure f;

	curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&w);
	x = w->x;
	i = (size_t)(x - e->x);
	curl_multi_remove_handle(e->m, h);
	e->nactive--;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	/* An error body ended at its limit is a complete answer. */
	if (res == CURLE_WRITE_ERROR && x->a.cut)
		res = CURLE_OK;
	f = describe_attempt(e, i, h, res, status, why, sizeof why);
	if ((delay = retry_wait(e, i, h, res, f, status, why, sizeof why)) >= 0) {
		schedule_retry(e, i, delay, status, why);
		return;
	}
	if (e->o->verbose)
		warn("%s: %s (%zu bytes, attempt %d)", e->rq[i].name,
		    res == CURLE_OK ? "complete" : why, x->a.len, x->attempts);
	/* A complete answer goes to the caller whatever its status. */
	finish(e, i, res == CURLE_OK ? NULL : why, status);
	release_handle(x);
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	free(x->last_error);
	x->last_error = NULL;
}

static void
show_progress(struct engine *e, long long now)
{
	char b[32];
	long left;

	human_bytes(b, sizeof b, e->bytes);
	if (e->o->window_ms <= 0) {
		progress_show(0, "%zu/%zu done, %zu active, %s", e->ndone, e->n, e->nactive, b);
		return;
	}
	left = (long)((e->t0 + e->o->window_ms - now + 999) / 1000);
	progress_show(0, "%zu/%zu done, %zu active, %s, %ld s left", e->ndone, e->n,
	    e->nactive, b, left < 0 ? 0 : left);
}

/* pick returns the next request to start: a retry that is due first, then a
 * fresh one; n when none can start now. */
static size_t
pick(struct engine *e, long long now)
{
	if (e->nbackoff)
		for (size_t i = 0; i < e->n; i++)
			if (e->x[i].state == BACKOFF && e->x[i].due <= now) {
				e->nbackoff--;
				return i;
			}
	while (e->next < e->n && e->x[e->next].state != WAITING)
		e->next++;
	return e->next < e->n ? e->next++ : e->n;
}

/* startable: can a request start right now. */
static int
startable(struct engine *e, long long now)
{
	while (e->next < e->n && e->x[e->next].state != WAITING)
		e->next++;
	if (e->next < e->n)
		return 1;
	if (e->nbackoff)
		for (size_t i = 0; i < e->n; i++)
			if (e->x[i].state == BACKOFF && e->x[i].due <= now)
				return 1;
	return 0;
}

/* fd_jobs: how many transfers the descriptor limit allows, after raising the
 * soft limit toward the hard one if jobs needs it. */
static int
fd_jobs(int jobs)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)jobs + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return jobs;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < want)
		return rl.rlim_cur > 80 ? (int)(rl.rlim_cur - 64) : 16;
	return jobs;
}

/* engine_open prepares e for n requests; -1 with seterr() when libcurl
 * cannot. *jobs is what the descriptor limit allows. */
static int
engine_open(struct engine *e, struct fetch_req *rq, size_t n,
    const struct fetch_opts *o, int *jobs)
{
	static int inited;

	memset(e, 0, sizeof *e);
	e->o = o;
	e->rq = rq;
	e->n = n;
	e->x = xcalloc(n ? n : 1, sizeof *e->x);
	wctx = xcalloc(n ? n : 1, sizeof *wctx);
	for (size_t i = 0; i < n; i++)
		e->x[i].a.fd = -1;
	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			seterr("libcurl: cannot initialize");
			return -1;
		}
		inited = 1;
	}
	*jobs = fd_jobs(o->jobs > 0 ? o->jobs : 1);
	if (*jobs < o->jobs && o->verbose)
		warn("at most %d transfers at once (open file limit)", *jobs);
	if (!(e->m = curl_multi_init())) {
		seterr("libcurl: cannot create a multi handle");
		return -1;
	}
	/* Every target is its own host; do not let the connection cache grow
	 * past what is in flight. */
	curl_multi_setopt(e->m, CURLMOPT_MAXCONNECTS, (long)*jobs);
	e->t0 = clock_ms();
	return 0;
}

/* engine_close releases whatever e still holds. */
static void
engine_close(struct engine *e)
{
	for (size_t i = 0; i < e->n; i++) {
		if (e->x[i].h) {
			curl_multi_remove_handle(e->m, e->x[i].h);
			curl_easy_cleanup(e->x[i].h);
		}
		curl_slist_free_all(e->x[i].hdrs);
		free(e->x[i].errbuf);
		free(e->x[i].last_error);
		answer_reset(e, &e->x[i].a);
	}
	if (e->m)
		curl_multi_cleanup(e->m);
	free(e->x);
	free(wctx);
	wctx = NULL;
}

/* fill_slots starts requests (due retries first) until jobs are in flight
 * or none can start now. */
static void
fill_slots(struct engine *e, int jobs, long long now)
{
	while (e->nactive < (size_t)jobs) {
		size_t i = pick(e, now);

		if (i == e->n)
			break;
		if (start(e, i) < 0)
			finish(e, i, errmsg(), 0);
	}
}

/* idle_ms: how long the loop may wait for sockets before a backoff is due
 * (at most a second). */
static long
idle_ms(struct engine *e, long long now)
{
	long wait = 1000;

	if (e->nbackoff)
		for (size_t i = 0; i < e->n; i++)
			if (e->x[i].state == BACKOFF) {
				long d = (long)(e->x[i].due - now);

				if (d < wait)
					wait = d < 0 ? 0 : d;
			}
	return wait;
}

int
fetch_all(struct fetch_req *rq, size_t n, const struct fetch_opts *o)
{
	struct engine e;
	int rc = 0, jobs;

	if (engine_open(&e, rq, n, o, &jobs) < 0) {
		engine_close(&e);
		return -1;
	}
	while (e.ndone < n) {
		long long now = clock_ms();
		long wait;
		int running, left;
		CURLMsg *msg;

		fill_slots(&e, jobs, now);
		curl_multi_perform(e.m, &running);
		while ((msg = curl_multi_info_read(e.m, &left)))
			if (msg->msg == CURLMSG_DONE)
				done_transfer(&e, msg->easy_handle, msg->data.result);
		if (e.ndone == n)
			break;
		now = clock_ms();
		/* A finished transfer freed a slot: fill it now, not after the
		 * next socket event. */
		if (e.nactive < (size_t)jobs && startable(&e, now))
			continue;
		wait = idle_ms(&e, now);
		if (o->progress) {
			show_progress(&e, now);
			if (wait > 200)
				wait = 200;
		}
		if (wait > 0 || e.nactive == 0)
			curl_multi_poll(e.m, NULL, 0, (int)(wait > 0 ? wait : 0), NULL);
	}
	progress_clear();
	engine_close(&e);
	return rc;
}
