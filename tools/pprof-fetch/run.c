/* The pprof-fetch driver: requests from targets or a Pyroscope window,
 * validation and output of each answer as it completes (so memory holds one
 * answer at a time), a summary on stderr and the --min-ok verdict. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec/gzip.h"
#include "comments.h"
#include "net/answer.h"
#include "run.h"
#include "pprof/merge.h"
#include "util/output.h"
#include "pprof/profile.h"
#include "net/pyroscope.h"
#include "net/retry.h"
#include "net/url.h"
#include "util/cli.h"
#include "util/err.h"

/* The grace period on top of the profile duration before an attempt at a Go
 * endpoint times out: the handler answers right after the window, but a
 * loaded host or a slow link needs a moment to send. */
#define GRACE_MS 10000
#define PYROSCOPE_TIMEOUT_MS 120000

struct item {
	char *name;
	char *stem;		/* file name without extension for -d */
	enum answer_kind kind;
	char *why;
	int done;
	long status;
	char *const *labels;	/* --targets-from: the target's labels */
	size_t nlabels;
};

struct run {
	struct fetch_config *c;
	struct item *it;
	size_t n;
	size_t ok, failed, empty, busy;
	int to_stdout, force_stdout;
	struct merger *merger;	/* -o with several Pyroscope chunks */
	int write_failed;
	struct fetch_req *rq;
	/* Pyroscope: the request bodies, URL and headers the requests share. */
	uint8_t **bodies;
	char *select_url;
	const char *headers[4];
	char tenant_hdr[512];
};

static void
utc_stamp(char *buf, size_t n, int64_t ms, int sep)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, sep ? "%Y-%m-%dT%H:%M:%SZ" : "%Y%m%dT%H%M%SZ", &tm);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
emit(struct run *r, struct item *it, struct checked *ck)
{
	struct fetch_config *c = r->c;
	char *path;

	if (r->to_stdout) {
		if (write_stdout(ck->gz, ck->gzlen, 1, r->force_stdout) < 0)
			die("%s", errmsg());
		return;
	}
	if (c->dir) {
		if (asprintf(&path, "%s/%s.pb.gz", c->dir, it->stem) < 0)
			die("out of memory");
		if (write_atomic(path, ck->gz, ck->gzlen, 0644) < 0) {
			it->kind = ANSWER_BAD;
			free(it->why);
			it->why = xstrdup(errmsg());
			r->write_failed = 1;
		}
		free(path);
		return;
	}
	if (r->merger) {
		if (merger_add_raw(r->merger, ck->prof, ck->prof->raw, ck->prof->rawlen, 1.0) < 0) {
			it->kind = ANSWER_BAD;
			it->why = xstrdup(errmsg());
		}
		return;
	}
	if (write_atomic(c->out, ck->gz, ck->gzlen, 0644) < 0) {
		it->kind = ANSWER_BAD;
		it->why = xstrdup(errmsg());
		r->write_failed = 1;
	}
}

/* add_labels puts the target's labels into its profile as comments. */
static void
add_labels(struct item *it, struct checked *ck)
{
	uint8_t *gz;
	size_t gzlen;

	if (with_comments(ck->gz, ck->gzlen, default_size_cap(), it->labels, it->nlabels,
	    &gz, &gzlen) < 0) {
		checked_free(ck);
		ck->kind = ANSWER_BAD;
		snprintf(ck->why, sizeof ck->why, "cannot add the labels: %s", errmsg());
		return;
	}
	free(ck->gz_owned);
	ck->gz_owned = gz;
	ck->gz = gz;
	ck->gzlen = gzlen;
}

static void
on_done(const struct fetch_req *rq, const struct fetch_res *rs, void *arg)
{
	struct run *r = arg;
	struct item *it = rq->udata;
	struct checked ck;

	fetch_check(rs, r->c->pyroscope != NULL, default_size_cap(), &ck);
	it->done = 1;
	it->status = rs->status;
	if (ck.kind == ANSWER_PROFILE && it->nlabels > 0)
		add_labels(it, &ck);
	it->kind = ck.kind;
	if (ck.kind == ANSWER_PROFILE) {
		emit(r, it, &ck);
		if (r->c->net.verbose && it->kind == ANSWER_PROFILE)
			warn("%s: ok: %zu samples, %zu bytes, %.1f s", it->name,
			    profile_nsample(ck.prof), ck.gzlen, rs->seconds);
	} else {
		it->why = xstrdup(ck.why);
		if (r->c->net.verbose)
			warn("%s: %s", it->name, ck.why);
	}
	checked_free(&ck);
}

/* stems_unique appends -2, -3, ... to file stems seen before, so two targets
 * on one host and port (different paths) never overwrite each other. */
static void
stems_unique(struct run *r)
{
	char **orig = xcalloc(r->n ? r->n : 1, sizeof *orig);

	for (size_t i = 0; i < r->n; i++)
		orig[i] = xstrdup(r->it[i].stem);
	for (size_t i = 1; i < r->n; i++) {
		int k = 1;

		for (size_t j = 0; j < i; j++)
			if (!strcmp(orig[j], orig[i]))
				k++;
		if (k > 1) {
			char *s;

			if (asprintf(&s, "%s-%d", orig[i], k) < 0)
				die("out of memory");
			free(r->it[i].stem);
			r->it[i].stem = s;
		}
	}
	for (size_t i = 0; i < r->n; i++)
		free(orig[i]);
	free(orig);
}

/* base_stem names a Pyroscope base URL's host and port for file names. */
static char *
base_stem(const char *base)
{
	struct url_parts u;
	char *stem;

	if (url_split(base, &u) < 0)
		return target_file_stem("pyroscope", 0);
	stem = target_file_stem(u.host, u.port);
	url_parts_free(&u);
	return stem;
}

/* base_ok: is base an http(s) URL with a host. */
static int
base_ok(const char *base)
{
	struct url_parts u;
	int ok;

	if (url_split(base, &u) < 0)
		return 0;
	ok = !strcmp(u.scheme, "http") || !strcmp(u.scheme, "https");
	url_parts_free(&u);
	return ok;
}

/* probe_legacy asks whether base is a pyroscope 0.x server (GET /api/apps
 * answers a JSON list). */
static int legacy_seen;

static void
on_probe(const struct fetch_req *rq, const struct fetch_res *rs, void *arg)
{
	size_t i = 0;

	while (i < rs->len && (rs->body[i] == ' ' || rs->body[i] == '\n'))
		i++;
	legacy_seen = !rs->error && rs->status == 200 && i < rs->len && rs->body[i] == '[';
}

static int
probe_legacy(struct fetch_config *c)
{
	struct fetch_opts o = c->net;
	struct fetch_req rq;
	size_t n = strlen(c->pyroscope);
	char *url;

	while (n > 0 && c->pyroscope[n - 1] == '/')
		n--;
	if (asprintf(&url, "%.*s/api/apps", (int)n, c->pyroscope) < 0)
		die("out of memory");
	memset(&rq, 0, sizeof rq);
	rq.url = url;
	rq.name = "legacy probe";
	rq.timeout_ms = 10000;
	o.done = on_probe;
	o.retries = 0;
	o.progress = 0;
	legacy_seen = 0;
	fetch_all(&rq, 1, &o);
	free(url);
	return legacy_seen;
}

/* plan_pyroscope makes one SelectMergeProfile request per chunk of at most
 * 24h of the window. 2 for bad input. */
static int
plan_pyroscope(struct run *r, int64_t now)
{
	struct fetch_config *c = r->c;
	struct pyro_query q;
	int64_t from, to, *bounds;
	char a[32], b[32], *stem, *shown;

	if (pyro_parse_time(c->from ? c->from : "now-1h", now, &from) < 0 ||
	    pyro_parse_time(c->to ? c->to : "now", now, &to) < 0) {
		warn("%s", errmsg());
		return 2;
	}
	if (from >= to) {
		warn("--from must be before --to");
		return 2;
	}
	if (!base_ok(c->pyroscope)) {
		warn("--pyroscope %s: want an http or https URL", c->pyroscope);
		return 2;
	}
	if (!pyro_valid_selector(c->query)) {
		warn("--query %s: want a label selector like {service_name=\"x\"}", c->query);
		return 2;
	}
	if ((r->n = pyro_chunk_count(from, to, PYRO_MAX_WINDOW_MS)) > PYRO_MAX_CHUNKS) {
		warn("--from %s --to %s: %zu chunks of 24 hours; at most %d (a year) in one run",
		    c->from ? c->from : "now-1h", c->to ? c->to : "now", r->n, PYRO_MAX_CHUNKS);
		r->n = 0;
		return 2;
	}
	r->n = pyro_chunks(from, to, PYRO_MAX_WINDOW_MS, &bounds);
	r->it = xcalloc(r->n, sizeof *r->it);
	r->rq = xcalloc(r->n, sizeof *r->rq);
	r->bodies = xcalloc(r->n, sizeof *r->bodies);
	r->headers[0] = "Content-Type: application/proto";
	r->headers[1] = "Connect-Protocol-Version: 1";
	if (c->tenant) {
		snprintf(r->tenant_hdr, sizeof r->tenant_hdr, "X-Scope-OrgID: %s", c->tenant);
		r->headers[2] = r->tenant_hdr;
	}
	r->select_url = pyro_select_url(c->pyroscope);
	shown = url_redact(c->pyroscope);
	for (size_t k = strlen(shown); k > 0 && shown[k - 1] == '/'; k--)
		shown[k - 1] = '\0';
	stem = base_stem(c->pyroscope);
	memset(&q, 0, sizeof q);
	q.type = c->type ? c->type : PYRO_DEFAULT_TYPE;
	q.selector = c->query;
	q.keep_locations = c->pgo_keep;
	q.aggregate_callees = 1;
	for (size_t i = 0; i < r->n; i++) {
		struct fetch_req *rq = &r->rq[i];

		q.start_ms = bounds[i];
		q.end_ms = bounds[i + 1];
		r->bodies[i] = pyro_encode_select(&q, &rq->postlen);
		rq->post = r->bodies[i];
		rq->url = r->select_url;
		rq->headers = r->headers;
		rq->timeout_ms = c->timeout_s > 0 ? (long)(c->timeout_s * 1000) : PYROSCOPE_TIMEOUT_MS;
		rq->udata = &r->it[i];
		utc_stamp(a, sizeof a, bounds[i], 1);
		utc_stamp(b, sizeof b, bounds[i + 1], 1);
		if (asprintf(&r->it[i].name, "%s %s..%s", shown, a, b) < 0)
			die("out of memory");
		utc_stamp(a, sizeof a, bounds[i], 0);
		utc_stamp(b, sizeof b, bounds[i + 1], 0);
		if (asprintf(&r->it[i].stem, "pyroscope_%s-%s-%s", stem, a, b) < 0)
			die("out of memory");
		rq->name = r->it[i].name;
	}
	free(stem);
	free(shown);
	free(bounds);
	if (c->out && !r->to_stdout && r->n > 1) {
		struct merge_opts mo = { 0 };

		r->merger = merger_new(&mo);
	}
	return 0;
}

/* plan_targets makes one request per Go endpoint or URL. */
static void
plan_targets(struct run *r, int64_t now)
{
	struct fetch_config *c = r->c;
	char ts[32];

	utc_stamp(ts, sizeof ts, now, 0);
	r->n = c->targets.n;
	r->it = xcalloc(r->n ? r->n : 1, sizeof *r->it);
	r->rq = xcalloc(r->n ? r->n : 1, sizeof *r->rq);
	for (size_t i = 0; i < r->n; i++) {
		struct target *t = &c->targets.v[i];
		struct fetch_req *rq = &r->rq[i];
		char *stem = target_file_stem(t->host, t->port);

		r->it[i].name = xstrdup(t->name);
		r->it[i].labels = t->labels;
		r->it[i].nlabels = t->nlabels;
		if (asprintf(&r->it[i].stem, "%s-%s", stem, ts) < 0)
			die("out of memory");
		free(stem);
		rq->url = t->url;
		rq->name = r->it[i].name;
		rq->timeout_ms = c->timeout_s > 0 ? (long)(c->timeout_s * 1000) :
		    (long)c->seconds * 1000 + GRACE_MS;
		rq->udata = &r->it[i];
	}
	c->net.window_ms = (long)c->seconds * 1000;
	/* Many small answers at once: libcurl's 16 KiB receive buffer per
	 * transfer would be most of the memory of a large fleet. 1 KiB, its
	 * least, against 4 KiB: 0.6 MiB less at -j 200, no time lost. */
	c->net.recv_buffer = 1024;
}

/* explain_404 turns the 404s of SelectMergeProfile into the real reason
 * when the server is pyroscope 0.x. */
static void
explain_404(struct run *r)
{
	int any404 = 0;

	for (size_t i = 0; i < r->n; i++)
		any404 |= r->it[i].kind == ANSWER_BAD && r->it[i].status == 404;
	if (!any404 || !probe_legacy(r->c))
		return;
	for (size_t i = 0; i < r->n; i++)
		if (r->it[i].kind == ANSWER_BAD && r->it[i].status == 404) {
			free(r->it[i].why);
			if (asprintf(&r->it[i].why, "a pyroscope 0.x server (no SelectMergeProfile); "
			    "its /render?format=pprof export has %s", legacy_pyroscope_reason) < 0)
				die("out of memory");
		}
}

/* finish_merge writes the merged Pyroscope chunks for -o. The merger is
 * finished (and so freed) even when no chunk came. */
static void
finish_merge(struct run *r)
{
	const char *out = r->c->out;
	int count = merger_count(r->merger);
	struct profile *m = merger_finish(r->merger);

	r->merger = NULL;
	if (m && profile_write(m, out, 6) < 0) {
		warn("%s", errmsg());   /* it names out */
		r->write_failed = 1;
	} else if (!m && count > 0) {
		warn("%s: cannot merge: %s", out, errmsg());
		r->write_failed = 1;
	}
	profile_free(m);
}

/* summarize prints every failure and warning, then the counts, and gives
 * the exit status --min-ok decides. */
static int
summarize(struct run *r)
{
	struct fetch_config *c = r->c;
	char extra[96] = "";
	const char *what;
	size_t need;
	int explicit = c->min_ok >= 0 || c->min_ok_pct >= 0;

	for (size_t i = 0; i < r->n; i++) {
		struct item *it = &r->it[i];

		switch (it->kind) {
		case ANSWER_PROFILE:
			r->ok++;
			break;
		case ANSWER_EMPTY:
			r->empty++;
			if (cli_verbosity >= 0)
				warn("%s: warning: %s", it->name, it->why);
			break;
		case ANSWER_BAD:
			r->failed++;
			warn("%s: %s", it->name, it->why ? it->why : "failed");
			break;
		case ANSWER_BUSY:
			r->busy++;
			warn("%s: %s", it->name, it->why);
			break;
		}
	}
	if (r->merger)
		finish_merge(r);
	if (c->min_ok >= 0)
		need = (size_t)c->min_ok;
	else if (c->min_ok_pct >= 0)
		need = (size_t)ceil(c->min_ok_pct / 100.0 * (double)r->n - 1e-9);
	else
		need = r->n - r->empty - r->busy;
	/* Every Pyroscope chunk empty, every target busy: no profile at all
	 * is a failure. */
	if (!explicit && need == 0)
		need = 1;
	if (r->empty)
		snprintf(extra, sizeof extra, ", %zu empty", r->empty);
	if (r->busy)
		snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
		    ", %zu busy (" RETRY_CPU_BUSY_TEXT ")", r->busy);
	if (c->pyroscope)
		what = r->n == 1 ? "window" : "chunks";
	else
		what = r->n == 1 ? "target" : "targets";
	/* -q: a run that succeeds says nothing. */
	if (cli_verbosity >= 0 || r->ok < need)
		warn("%zu of %zu %s ok, %zu failed%s%s", r->ok, r->n, what, r->failed, extra,
		    r->ok < need && explicit ? " (--min-ok not met)" : "");
	return r->ok < need || r->write_failed ? 1 : 0;
}

/* out_dir_ok makes sure -d names a directory we can write to, before any
 * request: a wrong -d found after the window would waste every profile. */
static int
out_dir_ok(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		warn("%s: cannot create directory:", dir);
		return -1;
	}
	if (stat(dir, &st) < 0) {
		warn("%s:", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		warn("%s: not a directory", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		warn("%s: cannot write there:", dir);
		return -1;
	}
	return 0;
}

int
fetch_main(struct fetch_config *c)
{
	struct run r;
	int64_t now = now_ms();
	int status;

	memset(&r, 0, sizeof r);
	r.c = c;
	r.to_stdout = !c->dir && (!c->out || !strcmp(c->out, "-"));
	r.force_stdout = c->out && !strcmp(c->out, "-");
	if (r.to_stdout && stdout_guard("binary profiles", r.force_stdout) < 0) {
		warn("%s", errmsg());
		return 1;
	}
	if (c->dir && out_dir_ok(c->dir) < 0)
		return 2;
	if (c->pyroscope) {
		if ((status = plan_pyroscope(&r, now)) != 0)
			return status;
	} else {
		plan_targets(&r, now);
	}
	stems_unique(&r);
	c->net.done = on_done;
	c->net.arg = &r;
	if (fetch_all(r.rq, r.n, &c->net) < 0) {
		warn("%s", errmsg());
		status = 1;
		goto out;
	}
	if (c->pyroscope)
		explain_404(&r);
	status = summarize(&r);
out:
	if (r.merger)
		profile_free(merger_finish(r.merger));
	for (size_t i = 0; i < r.n; i++) {
		free(r.it[i].name);
		free(r.it[i].stem);
		free(r.it[i].why);
		if (r.bodies)
			free(r.bodies[i]);
	}
	free(r.bodies);
	free(r.select_url);
	free(r.rq);
	free(r.it);
	return status;
}
