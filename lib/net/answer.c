/* Validation of fetched answers for pprof-fetch: an answer is kept only if
 * it is a complete, decodable profile with samples; everything else gets a
 * short, specific reason (HTML page, truncated gzip, server message...). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec/gzip.h"
#include "net/answer.h"
#include "net/retry.h"
#include "pprof/load.h"
#include "pprof/profile.h"
#include "net/targets.h"
#include "util/err.h"
#include "util/escape.h"

const char legacy_pyroscope_reason[] =
    "no sample type name, no line numbers, no start_line: unusable for PGO";

static int
looks_html(const uint8_t *p, size_t n, const char *ctype)
{
	size_t i = 0;

	if (ctype && strstr(ctype, "html"))
		return 1;
	while (i < n && isspace(p[i]))
		i++;
	return i < n && p[i] == '<';
}

static int
is_text(const char *ctype)
{
	return ctype && (!strncmp(ctype, "text/", 5) || strstr(ctype, "json"));
}

/* snippet quotes the first line of a text body, escaped (util/escape.h):
 * the body is the server's, and must not forge lines or drive the
 * terminal. */
static void
snippet(char *out, size_t outsz, const uint8_t *p, size_t n)
{
	size_t i = 0, e;

	while (i < n && isspace(p[i]))
		i++;
	for (e = i; e < n && p[e] != '\n' && p[e] != '\r'; e++)
		;
	while (e > i && isspace(p[e - 1]))
		e--;
	esc_text(out, outsz < 165 ? outsz : 165, p + i, e - i);
}

/* html_title extracts <title>...</title> if there is one. */
static int
html_title(char *out, size_t outsz, const uint8_t *p, size_t n)
{
	const char *s = memmem(p, n, "<title>", 7), *e;

	if (!s)
		return 0;
	s += 7;
	e = memmem(s, n - (size_t)((const uint8_t *)s - p), "</title>", 8);
	if (!e)
		return 0;
	snippet(out, outsz, (const uint8_t *)s, (size_t)(e - s));
	return out[0] != '\0';
}

static void
status_reason(const struct fetch_res *rs, struct checked *c)
{
	char detail[256] = "";
	size_t off;

	off = (size_t)snprintf(c->why, sizeof c->why, "HTTP %ld", rs->status);
	if (rs->status >= 300 && rs->status < 400 && rs->redirect) {
		/* Redirects are not followed: a profile endpoint that redirects is
		 * usually a login page in the way, and credentials must not travel. */
		char *to = url_redact(rs->redirect), shown[256];

		snprintf(c->why + off, sizeof c->why - off, ": redirect to %s (not followed)",
		    esc_text(shown, sizeof shown, to, strlen(to)));
		free(to);
	} else if (rs->len > 0 && looks_html(rs->body, rs->len, rs->ctype)) {
		if (html_title(detail, sizeof detail, rs->body, rs->len))
			snprintf(c->why + off, sizeof c->why - off, ": an HTML page (%s)", detail);
		else
			snprintf(c->why + off, sizeof c->why - off, ": an HTML page");
	} else if (rs->len > 0 && rs->ctype && strstr(rs->ctype, "json")) {
		/* Connect and Pyroscope errors: {"code": ..., "message": ...}. */
		json_t *j = json_loadb((const char *)rs->body, rs->len, 0, NULL);
		const char *code = NULL, *msg = NULL;

		if (j) {
			code = json_string_value(json_object_get(j, "code"));
			msg = json_string_value(json_object_get(j, "message"));
		}
		if (msg) {
			char ecode[64];

			esc_text(ecode, sizeof ecode, code ? code : "", code ? strlen(code) : 0);
			esc_text(detail, sizeof detail, msg, strlen(msg));
			snprintf(c->why + off, sizeof c->why - off, ": %s%s%s",
			    ecode, code ? ": " : "", detail);
		} else {
			snippet(detail, sizeof detail, rs->body, rs->len);
			snprintf(c->why + off, sizeof c->why - off, ": %s", detail);
		}
		json_decref(j);
	} else if (rs->len > 0 && (is_text(rs->ctype) || !rs->ctype)) {
		snippet(detail, sizeof detail, rs->body, rs->len);
		if (detail[0])
			snprintf(c->why + off, sizeof c->why - off, ": %s", detail);
	}
	if (rs->attempts > 1) {
		off = strlen(c->why);
		snprintf(c->why + off, sizeof c->why - off, " (after %d attempts)", rs->attempts);
	}
}

static void
bad(struct checked *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
bad(struct checked *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof c->why, fmt, ap);
	va_end(ap);
	c->kind = ANSWER_BAD;
}

/* transport_fault classifies an answer that is not a 200 with a body:
 * 1 when c is settled. */
static int
transport_fault(const struct fetch_res *rs, int empty_ok, struct checked *c)
{
	if (rs->error) {
		if (rs->attempts > 1)
			bad(c, "%s (after %d attempts)", rs->error, rs->attempts);
		else
			bad(c, "%s", rs->error);
		return 1;
	}
	if (retry_cpu_busy(rs->status, rs->body, rs->len)) {
		c->kind = ANSWER_BUSY;
		snprintf(c->why, sizeof c->why, "busy: " RETRY_CPU_BUSY_TEXT
		    " (another profiler holds it), %d attempts in %.1f s", rs->attempts,
		    rs->seconds);
		return 1;
	}
	if (rs->status != 200) {
		status_reason(rs, c);
		return 1;
	}
	if (rs->len == 0) {
		if (empty_ok) {
			c->kind = ANSWER_EMPTY;
			snprintf(c->why, sizeof c->why, "no data (empty profile)");
		} else {
			bad(c, "empty body");
		}
		return 1;
	}
	return 0;
}

/* decode_answer loads the body through the profile loader; NULL with c
 * saying why the body is not a profile. */
static struct profile *
decode_answer(const struct fetch_res *rs, size_t cap, struct checked *c)
{
	struct loaded in;
	struct profile *p;

	if (!is_gzip(rs->body, rs->len) && looks_html(rs->body, rs->len, rs->ctype)) {
		char t[256];

		if (html_title(t, sizeof t, rs->body, rs->len))
			bad(c, "an HTML page, not a profile (%s)", t);
		else
			bad(c, "an HTML page, not a profile");
		return NULL;
	}
	/* the lean view: a profile of many samples costs about its raw size */
	if (profile_load_mem(rs->body, rs->len, LOAD_ONE | LOAD_LEAN, cap, &in) == LOAD_OK) {
		p = in.p;
		c->raw = in.raw;
		in.p = NULL;
		in.raw = NULL;
		loaded_free(&in);
		return p;
	}
	if (in.stage == LOAD_AT_GZIP)
		bad(c, "bad gzip (truncated or corrupt): %s", in.why);
	else if (in.stage == LOAD_AT_SEVERAL || in.stage == LOAD_AT_TRAILING)
		bad(c, "%zu bytes of trailing data after the gzip member", rs->len - in.offset);
	else if (is_text(rs->ctype)) {
		char t[200], ct[64];

		snippet(t, sizeof t, rs->body, rs->len);
		bad(c, "not a profile (%s: %s)", esc_text(ct, sizeof ct, rs->ctype,
		    strlen(rs->ctype)), t);
	} else if (strncmp(in.why, "not a profile", 13) == 0)
		bad(c, "%s", in.why);   /* the loader named it so already */
	else
		bad(c, "not a profile: %s", in.why);
	loaded_free(&in);
	return NULL;
}

/* unusable: a decoded profile that holds nothing or is a legacy Pyroscope
 * export; 1 when c is settled (and p freed). */
static int
unusable(struct profile *p, int empty_ok, struct checked *c)
{
	if (p->pb->n_sample_type == 0 || profile_nsample(p) == 0) {
		const char *what = p->pb->n_sample_type == 0 ? "no sample types" : "no samples";

		profile_free(p);
		free(c->raw);
		c->raw = NULL;
		if (empty_ok) {
			c->kind = ANSWER_EMPTY;
			snprintf(c->why, sizeof c->why, "no data (profile with %s)", what);
		} else {
			bad(c, "profile has %s", what);
		}
		return 1;
	}
	if (profile_is_legacy_pyroscope(p)) {
		profile_free(p);
		free(c->raw);
		c->raw = NULL;
		bad(c, "a pyroscope 0.x /render export: %s", legacy_pyroscope_reason);
		return 1;
	}
	return 0;
}

void
fetch_check(const struct fetch_res *rs, int empty_ok, size_t cap, struct checked *c)
{
	struct profile *p;

	memset(c, 0, sizeof *c);
	c->kind = ANSWER_BAD;
	if (transport_fault(rs, empty_ok, c))
		return;
	if (!(p = decode_answer(rs, cap, c)) || unusable(p, empty_ok, c))
		return;
	if (is_gzip(rs->body, rs->len)) {
		c->gz = rs->body;
		c->gzlen = rs->len;
	} else if (gz_deflate(rs->body, rs->len, 6, &c->gz_owned, &c->gzlen) < 0) {
		profile_free(p);
		free(c->raw);
		c->raw = NULL;
		bad(c, "cannot compress: %s", errmsg());
		return;
	} else {
		c->gz = c->gz_owned;
	}
	c->prof = p;
	c->kind = ANSWER_PROFILE;
}

void
checked_free(struct checked *c)
{
	if (c->prof)
		profile_free(c->prof);
	free(c->raw);
	free(c->gz_owned);
	memset(c, 0, sizeof *c);
}
