/* The OCI distribution protocol over net/http: the auth handshake (401
 * challenges answered with Basic credentials or a Bearer token for the
 * scopes gathered so far), manifests, blob checks, mounts and uploads.
 * Facts and registry quirks: shared/reference/oci.md. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "net/retry.h"
#include "net/url.h"
#include "oci/image.h"
#include "oci/registry.h"
#include "util/err.h"
#include "util/escape.h"

struct registry {
	struct http_client *http;
	char *registry;		/* name for credentials and messages */
	char *base;		/* "https://host[:port]" */
	int creds_state;	/* 0 not looked up, 1 found, 2 none */
	char *user, *pass;
	char *realm, *service;	/* Bearer token endpoint, once challenged */
	char *auth;		/* Authorization value in use */
	int basic_sent;
	char **scopes;
	size_t n_scopes;
	int token_stale;	/* scopes added since the token was issued */
	int auth_failed;	/* the last registry_do failed on auth, not transport */
	int http_fallback;	/* insecure: plain http if https does not answer */
	void (*progress)(void *, const char *, long long, long long);
	void *progress_arg;
	const char *cur_digest;
	long long cur_offset, cur_total;
};

struct registry *
registry_new(struct http_client *http, const struct reg_ref *ref, int insecure)
{
	struct registry *r = xcalloc(1, sizeof *r);
	size_t n = strlen(ref->host) + 16;

	r->http = http;
	r->registry = xstrdup(ref->registry);
	r->base = xmalloc(n);
	/* Loopback registries speak plain http; with insecure, https without
	 * certificate checks is tried first and plain http after it (see
	 * registry_ping); everything else is https. */
	snprintf(r->base, n, "%s://%s",
	    !insecure && url_is_loopback(ref->host) ? "http" : "https", ref->host);
	r->http_fallback = insecure;
	if (insecure)
		http->insecure_tls = 1;
	return r;
}

void
registry_free(struct registry *r)
{
	size_t i;

	if (!r)
		return;
	free(r->registry);
	free(r->base);
	free(r->user);
	free(r->pass);
	free(r->realm);
	free(r->service);
	free(r->auth);
	for (i = 0; i < r->n_scopes; i++)
		free(r->scopes[i]);
	free(r->scopes);
	free(r);
}

void
registry_set_progress(struct registry *r,
    void (*fn)(void *, const char *, long long, long long), void *arg)
{
	r->progress = fn;
	r->progress_arg = arg;
}

/* add_scope_string merges "type:name:actions" into the scope list; 1 if it
 * asked for something new. */
static int
add_scope_string(struct registry *r, const char *scope)
{
	const char *last = strrchr(scope, ':');
	size_t plen, i;

	if (!last || last == scope)
		return 0;
	plen = (size_t)(last - scope) + 1;
	for (i = 0; i < r->n_scopes; i++) {
		char *s = r->scopes[i], *acts, *tok, *save, *have, *merged;
		int added = 0;

		if (strncmp(s, scope, plen) != 0 || strchr(s + plen, ':'))
			continue;
		have = xstrdup(s + plen);
		merged = xmalloc(strlen(s) + strlen(last) + 2);
		strcpy(merged, s);
		acts = xstrdup(last + 1);
		for (tok = strtok_r(acts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			char *h, *hs, *hsave;
			int found = 0;

			hs = xstrdup(have);
			for (h = strtok_r(hs, ",", &hsave); h; h = strtok_r(NULL, ",", &hsave))
				if (strcmp(h, tok) == 0)
					found = 1;
			free(hs);
			if (!found) {
				strcat(merged, ",");
				strcat(merged, tok);
				added = 1;
			}
		}
		free(acts);
		free(have);
		if (added) {
			free(r->scopes[i]);
			r->scopes[i] = merged;
			r->token_stale = 1;
		} else {
			free(merged);
		}
		return added;
	}
	r->scopes = xreallocarray(r->scopes, r->n_scopes + 1, sizeof *r->scopes);
	r->scopes[r->n_scopes++] = xstrdup(scope);
	r->token_stale = 1;
	return 1;
}

void
registry_add_scope(struct registry *r, const char *repo, const char *actions)
{
	size_t n = strlen(repo) + strlen(actions) + 16;
	char *s = xmalloc(n);

	snprintf(s, n, "repository:%s:%s", repo, actions);
	add_scope_string(r, s);
	free(s);
}

/* challenge_param extracts name="value" (or name=value) from a
 * WWW-Authenticate value; a new string or NULL. */
static char *
challenge_param(const char *h, const char *name)
{
	size_t nl = strlen(name);
	const char *p = h;

	/* skip the scheme */
	while (*p && !isspace((unsigned char)*p))
		p++;
	while (*p) {
		struct membuf v = { 0 };
		const char *k;
		size_t kl;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		k = p;
		while (*p && *p != '=' && *p != ',')
			p++;
		kl = (size_t)(p - k);
		while (kl && isspace((unsigned char)k[kl - 1]))
			kl--;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ')
			p++;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				membuf_append(&v, p, 1);
			}
			if (*p == '"')
				p++;
		} else {
			const char *s = p;

			while (*p && *p != ',')
				p++;
			membuf_append(&v, s, (size_t)(p - s));
		}
		if (kl == nl && strncasecmp(k, name, nl) == 0)
			return membuf_take(&v);
		membuf_free(&v);
	}
	return NULL;
}

static int
load_creds(struct registry *r)
{
	if (r->creds_state == 0) {
		int rc = reg_creds_lookup(r->registry, &r->user, &r->pass);

		if (rc < 0)
			return -1;
		r->creds_state = rc == 0 ? 1 : 2;
	}
	return 0;
}

static char *
basic_value(const char *user, const char *pass)
{
	size_t n = strlen(user) + strlen(pass) + 2;
	char *plain = xmalloc(n), *out = xmalloc(4 * n / 3 + 16);

	snprintf(plain, n, "%s:%s", user, pass);
	strcpy(out, "Basic ");
	EVP_EncodeBlock((unsigned char *)out + 6, (unsigned char *)plain, (int)strlen(plain));
	free(plain);
	return out;
}

/* format_error turns a registry error body into "HTTP 404: CODE: message
 * (detail)" for seterr. */
static void
set_http_error(const struct http_response *rs, const char *what)
{
	struct membuf m = { 0 };
	json_t *j = rs->body.len ? json_loadb(rs->body.data, rs->body.len, 0, NULL) : NULL;
	json_t *errs = json_object_get(j, "errors"), *e;
	size_t i;
	char head[64], *esc;

	snprintf(head, sizeof head, "HTTP %ld", rs->status);
	membuf_puts(&m, head);
	json_array_foreach(errs, i, e) {
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		json_t *detail = json_object_get(e, "detail");

		membuf_puts(&m, i ? "; " : ": ");
		if (code)
			membuf_puts(&m, code);
		if (msg) {
			membuf_puts(&m, code ? ": " : "");
			membuf_puts(&m, msg);
		}
		if (detail && !json_is_null(detail)) {
			char *d = json_dumps(detail, JSON_COMPACT | JSON_ENCODE_ANY);

			if (d && strlen(d) > 200)
				strcpy(d + 197, "...");
			if (d) {
				membuf_puts(&m, " (");
				membuf_puts(&m, d);
				membuf_puts(&m, ")");
			}
			free(d);
		}
	}
	if (!json_array_size(errs) && rs->body.len && rs->body.len < 200 &&
	    !strchr(rs->body.data, '<')) {
		/* a short plain-text answer says more than the status alone */
		char *s = xstrdup(rs->body.data);
		size_t n = strlen(s);

		while (n && isspace((unsigned char)s[n - 1]))
			s[--n] = '\0';
		if (n) {
			membuf_puts(&m, ": ");
			membuf_puts(&m, s);
		}
		free(s);
	}
	json_decref(j);
	/* The registry's words: quoted, never obeyed (util/escape.h). */
	esc = esc_dup(m.data);
	seterr("%s: %s", what, esc);
	free(esc);
	membuf_free(&m);
}

static int
fetch_token(struct registry *r)
{
	struct membuf url = { 0 };
	struct http_request rq = { 0 };
	struct http_response rs;
	char *basic = NULL, *esc;
	const char *tok;
	json_t *j;
	size_t i;
	int rc = -1;

	if (load_creds(r) < 0)
		return -1;
	membuf_puts(&url, r->realm);
	membuf_puts(&url, strchr(r->realm, '?') ? "&" : "?");
	if (r->service) {
		esc = url_escape(r->service);
		membuf_puts(&url, "service=");
		membuf_puts(&url, esc);
		free(esc);
	}
	for (i = 0; i < r->n_scopes; i++) {
		esc = url_escape(r->scopes[i]);
		membuf_puts(&url, "&scope=");
		membuf_puts(&url, esc);
		free(esc);
	}
	if (r->creds_state == 1)
		basic = basic_value(r->user, r->pass);
	rq.url = url.data;
	rq.auth = basic;
	rq.max_body = HTTP_MAX_BODY;	/* a token answer is a few KB */
	if (http_do(r->http, &rq, &rs) < 0) {
		seterr("token server: %s", errmsg());
		goto done;
	}
	if (rs.status != 200) {
		set_http_error(&rs, rs.status == 401 || rs.status == 403 ?
		    (r->creds_state == 1 ? "token server: credentials rejected" :
		    "token server: access denied without credentials") : "token server");
		http_response_free(&rs);
		goto done;
	}
	j = json_loadb(rs.body.data, rs.body.len, 0, NULL);
	tok = json_string_value(json_object_get(j, "token"));
	if (!tok || !*tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (!tok || !*tok) {
		seterr("token server: no token in the answer");
	} else {
		char *line = xmalloc(strlen(tok) + 32);

		sprintf(line, "Authorization: Bearer %s", tok);
		if (http_header_check(line) < 0) {
			seterr("token server: token with control characters refused");
		} else {
			free(r->auth);
			r->auth = xstrdup(line + 15);
			r->token_stale = 0;
			rc = 0;
		}
		free(line);
	}
	json_decref(j);
	http_response_free(&rs);
done:
	free(basic);
	membuf_free(&url);
	return rc;
}

/* check_realm: the token realm of a Bearer challenge must be an http or
 * https URL; a clear error rather than libcurl's "bad/illegal format". */
static int
check_realm(const char *realm)
{
	struct url_parts p;
	int parsed, ok = 0;

	if (!realm || !*realm) {
		seterr("registry: token realm \"\": empty");
		return -1;
	}
	parsed = url_split(realm, &p) == 0;
	if (parsed) {
		ok = strcmp(p.scheme, "http") == 0 || strcmp(p.scheme, "https") == 0;
		url_parts_free(&p);
	}
	if (!ok) {
		/* The registry's words, shown escaped (and a URL without its
		 * user:password part). */
		char *shown = parsed ? url_redact(realm) : esc_dup(realm);

		seterr("registry: token realm \"%.200s\": not an http(s) URL", shown);
		free(shown);
		return -1;
	}
	return 0;
}

/* registry_do sends rq with the current credentials and answers auth
 * challenges; 0 with any final status in rs, -1 on transport or auth
 * failure. */
static int
registry_do(struct registry *r, struct http_request *rq, struct http_response *rs)
{
	int tries;

	r->auth_failed = 0;
	/* Credentials, Basic or Bearer, go to the registry's own origin only:
	 * not to an upload Location or a blob redirect elsewhere. */
	rq->auth_origin = r->base;
	if (r->realm && r->token_stale && fetch_token(r) < 0) {
		r->auth_failed = 1;
		return -1;
	}
	for (tries = 0;; tries++) {
		char *ch, *scope;
		int bearer, changed = 0;

		rq->auth = r->auth;
		if (http_do(r->http, rq, rs) < 0)
			return -1;
		if (rs->status != 401)
			return 0;
		ch = http_header(rs, "WWW-Authenticate");
		bearer = ch && strncasecmp(ch, "Bearer", 6) == 0;
		if (ch && bearer) {
			char *realm = challenge_param(ch, "realm");

			if (check_realm(realm) < 0) {
				free(realm);
				free(ch);
				goto fail;
			}
			free(r->realm);
			r->realm = realm;
			free(r->service);
			r->service = challenge_param(ch, "service");
			if ((scope = challenge_param(ch, "scope")) != NULL) {
				char *s, *save;

				for (s = strtok_r(scope, " ", &save); s; s = strtok_r(NULL, " ", &save))
					changed |= add_scope_string(r, s);
				free(scope);
			}
			free(ch);
			if (tries > 0 && !changed) {
				set_http_error(rs, r->creds_state == 1 ?
				    "access denied (token refused)" :
				    "access denied (no credentials in the docker config)");
				goto fail;
			}
			if (fetch_token(r) < 0)
				goto fail;
		} else if (ch && strncasecmp(ch, "Basic", 5) == 0) {
			free(ch);
			if (load_creds(r) < 0)
				goto fail;
			if (r->creds_state != 1) {
				seterr("authentication required and no credentials for %s "
				    "in the docker config", r->registry);
				goto fail;
			}
			if (r->basic_sent) {
				seterr("credentials for %s rejected (HTTP 401)", r->registry);
				goto fail;
			}
			free(r->auth);
			r->auth = basic_value(r->user, r->pass);
			r->basic_sent = 1;
		} else {
			free(ch);
			set_http_error(rs, "unsupported authentication challenge");
			goto fail;
		}
		if (tries >= 3) {
			set_http_error(rs, "authentication failed");
			goto fail;
		}
		http_response_free(rs);
	}
fail:
	r->auth_failed = 1;
	http_response_free(rs);
	return -1;
}

int
registry_ping(struct registry *r)
{
	struct http_request rq = { 0 };
	struct http_response rs;
	char *url = xmalloc(strlen(r->base) + 8);
	int rc = 0;

	sprintf(url, "%s/v2/", r->base);
	rq.url = url;
	rq.max_body = 1 << 20;
	if (r->http_fallback) {
		/* One quick https attempt: a plain-http registry fails it at the
		 * TLS handshake, and then everything goes over http. */
		rq.no_retry = 1;
		rc = registry_do(r, &rq, &rs);
		rq.no_retry = 0;
		if (rc == 0 || r->auth_failed)
			goto answered;
		memmove(r->base + 4, r->base + 5, strlen(r->base + 5) + 1);
		sprintf(url, "%s/v2/", r->base);
		rc = 0;
	}
	if (registry_do(r, &rq, &rs) < 0) {
		if (!r->auth_failed)
			seterr(r->http->answered ? "registry %s: %s" :
			    "registry %s unreachable: %s", r->registry, errmsg());
		free(url);
		return -1;
	}
answered:
	if (r->auth_failed) {
		free(url);
		return -1;
	}
	free(url);
	if (rs.status != 200) {
		char ctx[300];

		snprintf(ctx, sizeof ctx, "registry %s: %s", r->registry,
		    rs.status == 404 ? "no registry API at /v2/" : "/v2/");
		set_http_error(&rs, ctx);
		rc = -1;
	}
	http_response_free(&rs);
	return rc;
}

static char *
api_url(struct registry *r, const char *repo, const char *kind, const char *ref)
{
	size_t n = strlen(r->base) + strlen(repo) + strlen(kind) + strlen(ref) + 16;
	char *u = xmalloc(n);

	snprintf(u, n, "%s/v2/%s/%s/%s", r->base, repo, kind, ref);
	return u;
}

static void
set_context_error(struct registry *r, const struct http_response *rs, const char *repo,
    const char *what, const char *ref)
{
	char ctx[512];

	/* The caller names the image; the registry and repository are in it. */
	snprintf(ctx, sizeof ctx, "%s %s", what, ref);
	set_http_error(rs, ctx);
}

int
registry_get_manifest(struct registry *r, const char *repo, const char *ref,
    struct membuf *body, char **content_type, char digest[SHA256_DIGEST_STRLEN])
{
	const char *hdrs[] = { "Accept: " OCI_ACCEPT_ALL, NULL };
	struct http_request rq = { 0 };
	struct http_response rs;
	char *url, *dcd;
	int rc = -1;

	if (strchr(ref, ':') && oci_digest_check(ref) < 0) {
		seterr("manifest: %s", errmsg());
		return -1;
	}
	url = api_url(r, repo, "manifests", ref);
	rq.url = url;
	rq.headers = hdrs;
	rq.max_body = OCI_MANIFEST_MAX;
	if (registry_do(r, &rq, &rs) < 0) {
		free(url);
		return -1;
	}
	free(url);
	if (rs.status != 200) {
		set_context_error(r, &rs, repo, "manifest", ref);
		if (rs.status == 404)
			rc = -2;
		goto done;
	}
	sha256_digest(rs.body.data, rs.body.len, digest);
	dcd = http_header(&rs, "Docker-Content-Digest");
	if ((sha256_valid(ref) && strcmp(ref, digest) != 0) ||
	    (dcd && sha256_valid(dcd) && strcmp(dcd, digest) != 0)) {
		seterr("manifest %s: content has digest %s", ref, digest);
		free(dcd);
		goto done;
	}
	free(dcd);
	*content_type = http_header(&rs, "Content-Type");
	body->len = 0;
	membuf_append(body, rs.body.data, rs.body.len);
	rc = 0;
done:
	http_response_free(&rs);
	return rc;
}

/* A blob download on its way to a file or a buffer: never more than the
 * size its descriptor states, hashed as it comes. */
struct blob_sink {
	const char *digest;
	long long want, got;
	int fd;			/* the bytes go here when >= 0 */
	struct membuf *buf;	/* else here */
	struct sha256 h;
	int hashing;
};

static int
blob_sink_write(void *arg, const void *p, size_t n)
{
	struct blob_sink *s = arg;
	const char *c = p;

	if ((long long)n > s->want - s->got) {
		seterr("blob %s: more than the %lld bytes its descriptor states",
		    s->digest, s->want);
		return -1;
	}
	if (s->fd >= 0) {
		for (size_t done = 0; done < n;) {
			ssize_t w = pwrite(s->fd, c + done, n - done, (off_t)(s->got + done));

			if (w < 0) {
				seterr("blob %s: temporary file:", s->digest);
				return -1;
			}
			done += (size_t)w;
		}
	} else {
		membuf_append(s->buf, p, n);
	}
	sha256_update(&s->h, p, n);
	s->got += (long long)n;
	return 0;
}

static void
blob_sink_rewind(void *arg)
{
	struct blob_sink *s = arg;
	char scratch[SHA256_DIGEST_STRLEN];

	if (s->hashing)
		sha256_final(&s->h, scratch);
	sha256_init(&s->h);
	s->hashing = 1;
	s->got = 0;
	if (s->buf)
		s->buf->len = 0;
}

/* get_blob downloads digest (size bytes) through s and verifies it. */
static int
get_blob(struct registry *r, const char *repo, struct blob_sink *s)
{
	struct http_sink sink = { blob_sink_write, blob_sink_rewind, s };
	struct http_request rq = { 0 };
	struct http_response rs;
	char got[SHA256_DIGEST_STRLEN];
	char *url;
	int rc = -1;

	if (oci_digest_check(s->digest) < 0) {
		seterr("blob: %s", errmsg());
		return -1;
	}
	url = api_url(r, repo, "blobs", s->digest);
	rq.url = url;
	rq.sink = &sink;
	s->hashing = 0;
	rc = registry_do(r, &rq, &rs);
	free(url);
	if (rc < 0) {
		if (s->hashing)
			sha256_final(&s->h, got);
		return -1;
	}
	rc = -1;
	sha256_final(&s->h, got);
	s->hashing = 0;
	if (rs.status != 200)
		set_context_error(r, &rs, repo, "blob", s->digest);
	else if (s->got != s->want)
		seterr("blob %s: %lld bytes, its descriptor states %lld", s->digest,
		    s->got, s->want);
	else if (strcmp(got, s->digest) != 0)
		seterr("blob %s: content has digest %s", s->digest, got);
	else
		rc = 0;
	http_response_free(&rs);
	return rc;
}

int
registry_get_blob(struct registry *r, const char *repo, const char *digest,
    long long size, struct membuf *body)
{
	struct blob_sink s = { digest, size, 0, -1, body, { 0 }, 0 };

	return get_blob(r, repo, &s);
}

int
registry_get_blob_fd(struct registry *r, const char *repo, const char *digest,
    long long size, int fd)
{
	struct blob_sink s = { digest, size, 0, fd, NULL, { 0 }, 0 };

	return get_blob(r, repo, &s);
}

int
registry_blob_exists(struct registry *r, const char *repo, const char *digest)
{
	struct http_request rq = { 0 };
	struct http_response rs;
	char *url;
	int rc;

	if (oci_digest_check(digest) < 0) {
		seterr("blob: %s", errmsg());
		return -1;
	}
	url = api_url(r, repo, "blobs", digest);
	rq.url = url;
	rq.method = "HEAD";
	if (registry_do(r, &rq, &rs) < 0) {
		free(url);
		return -1;
	}
	free(url);
	if (rs.status == 200)
		rc = 1;
	else if (rs.status == 404)
		rc = 0;
	else {
		set_context_error(r, &rs, repo, "blob", digest);
		rc = -1;
	}
	http_response_free(&rs);
	return rc;
}

static void
upload_progress(void *arg, long long ul, long long ultotal, long long dl, long long dltotal)
{
	struct registry *r = arg;

	if (r->progress && r->cur_digest)
		r->progress(r->progress_arg, r->cur_digest, r->cur_offset + ul, r->cur_total);
}

/* next_location resolves the Location of an upload answer against url. */
static char *
next_location(const struct http_response *rs, const char *url)
{
	char *loc = http_header(rs, "Location"), *abs;

	if (!loc) {
		seterr("registry answer without a Location header");
		return NULL;
	}
	abs = url_resolve(url, loc);
	free(loc);
	return abs;
}

/* upload_failed reports an upload answer that is not the expected one: -2
 * when the retry policy would retry its status (the session is then
 * restarted: upload requests are not resent on their own), else -1. */
static int
upload_failed(struct registry *r, const struct http_response *rs,
    const char *repo, const char *digest)
{
	set_context_error(r, rs, repo, "upload of", digest);
	return retry_status(r->http->retry, rs->status) ? -2 : -1;
}

/* upload_start POSTs a new upload session (a mount when mount_from is
 * set): 1 mounted, 0 with the session's URL in *loc, or upload_once's
 * failure codes. */
static int
upload_start(struct registry *r, const char *repo, struct reg_blob *b,
    const char *mount_from, char **loc)
{
	struct http_request rq = { 0 };
	struct http_response rs;
	size_t n = strlen(r->base) + strlen(repo) + strlen(b->digest) +
	    (mount_from ? strlen(mount_from) : 0) + 64;
	char *url = xmalloc(n);
	int rc = 0;

	if (mount_from)
		snprintf(url, n, "%s/v2/%s/blobs/uploads/?mount=%s&from=%s", r->base, repo,
		    b->digest, mount_from);
	else
		snprintf(url, n, "%s/v2/%s/blobs/uploads/", r->base, repo);
	rq.method = "POST";
	rq.url = url;
	rq.no_retry = 1;
	if (registry_do(r, &rq, &rs) < 0) {
		free(url);
		return -2;
	}
	if (rs.status == 201 && mount_from)
		rc = 1;
	else if (rs.status != 202)
		rc = upload_failed(r, &rs, repo, b->digest);
	else if (!(*loc = next_location(&rs, url)))
		rc = -1;
	http_response_free(&rs);
	free(url);
	return rc;
}

/* upload_chunks PATCHes data in chunks of chunk bytes to the session at
 * *loc, following the Location of each answer; 0 or upload_once's codes. */
static int
upload_chunks(struct registry *r, const char *repo, struct reg_blob *b,
    const struct membuf *data, size_t chunk, char **loc)
{
	const char *hdrs[3] = { "Content-Type: application/octet-stream", NULL, NULL };
	struct http_request rq;
	struct http_response rs;
	char range[96], *next;

	for (size_t off = 0; data->len > chunk && off < data->len; off += chunk) {
		size_t n = data->len - off < chunk ? data->len - off : chunk;

		snprintf(range, sizeof range, "Content-Range: %zu-%zu", off, off + n - 1);
		hdrs[1] = range;
		memset(&rq, 0, sizeof rq);
		rq.method = "PATCH";
		rq.url = *loc;
		rq.headers = hdrs;
		rq.body = data->data + off;
		rq.body_len = n;
		rq.no_retry = 1;
		r->cur_offset = (long long)off;
		if (registry_do(r, &rq, &rs) < 0)
			return -2;
		if (rs.status != 202) {
			int rc = upload_failed(r, &rs, repo, b->digest);

			http_response_free(&rs);
			return rc;
		}
		next = next_location(&rs, *loc);
		http_response_free(&rs);
		free(*loc);
		*loc = next;
		if (!next)
			return -1;
	}
	return 0;
}

/* upload_finish PUTs the closing request with the digest (and the whole
 * body when it was not sent in chunks); 0 or upload_once's codes. */
static int
upload_finish(struct registry *r, const char *repo, struct reg_blob *b,
    const struct membuf *data, size_t chunk, const char *loc)
{
	const char *hdrs[] = { "Content-Type: application/octet-stream", NULL };
	struct http_request rq = { 0 };
	struct http_response rs;
	char *put = xmalloc(strlen(loc) + strlen(b->digest) + 16);
	int rc = 0;

	sprintf(put, "%s%cdigest=%s", loc, strchr(loc, '?') ? '&' : '?', b->digest);
	rq.method = "PUT";
	rq.url = put;
	rq.headers = hdrs;
	if (data->len <= chunk) {
		rq.body = data->data;
		rq.body_len = data->len;
	}
	rq.no_retry = 1;
	r->cur_offset = data->len <= chunk ? 0 : (long long)data->len;
	if (registry_do(r, &rq, &rs) < 0) {
		free(put);
		return -2;
	}
	free(put);
	if (rs.status != 201)
		rc = upload_failed(r, &rs, repo, b->digest);
	http_response_free(&rs);
	return rc;
}

/* A blob loaded from a file for upload: mapped, not copied into memory. */
struct blob_map {
	void *p;
	size_t len;
	int loaded;
};

/* map_blob loads b into m once: b->load gives a file, mapped read-only. */
static int
map_blob(struct reg_blob *b, struct blob_map *m)
{
	int fd;

	if (m->loaded)
		return 0;
	if (b->load(b->load_arg, &fd) < 0)
		return -1;
	m->len = (size_t)b->size;
	m->p = m->len ? mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (m->p == MAP_FAILED) {
		m->p = NULL;
		seterr("blob %s: cannot map its temporary file:", b->digest);
		return -1;
	}
	m->loaded = 1;
	return 0;
}

/* upload_once runs one whole upload session; 0 done, -1 failed for good,
 * -2 failed in a way worth a fresh session (what the retry policy retries,
 * or a dropped connection). */
static int
upload_once(struct registry *r, const char *repo, struct reg_blob *b,
    const char *mount_from, size_t chunk, struct blob_map *map, int *mounted)
{
	struct membuf data = { 0 };
	char *loc = NULL;
	int rc;

	*mounted = 0;
	rc = upload_start(r, repo, b, mount_from, &loc);
	if (rc != 0) {
		*mounted = rc == 1;
		return rc == 1 ? 0 : rc;
	}
	if (b->data) {
		data.data = (char *)(uintptr_t)b->data;
		data.len = (size_t)b->size;
	} else {
		if (map_blob(b, map) < 0) {
			free(loc);
			return -1;
		}
		data.data = map->p ? map->p : "";
		data.len = map->len;
	}
	r->cur_digest = b->digest;
	r->cur_total = (long long)data.len;
	r->cur_offset = 0;
	if (r->progress) {
		r->http->progress = upload_progress;
		r->http->progress_arg = r;
	}
	rc = upload_chunks(r, repo, b, &data, chunk, &loc);
	if (rc == 0)
		rc = upload_finish(r, repo, b, &data, chunk, loc);
	r->http->progress = NULL;
	r->cur_digest = NULL;
	free(loc);
	return rc;
}

int
registry_push_blob(struct registry *r, const char *repo, struct reg_blob *b,
    const char *mount_from, size_t chunk)
{
	struct blob_map map = { NULL, 0, 0 };
	int attempt, rc, mounted, ex;

	if (b->size < 0 || (unsigned long long)b->size > SIZE_MAX) {
		seterr("blob %s: size %lld out of range", b->digest, b->size);
		return -1;
	}
	ex = registry_blob_exists(r, repo, b->digest);
	if (ex != 0)
		return ex < 0 ? -1 : REG_EXISTED;
	if (chunk == 0)
		chunk = (size_t)-1;
	for (attempt = 0;; attempt++) {
		rc = upload_once(r, repo, b, mount_from, chunk, &map, &mounted);
		if (rc == 0 && mounted)
			break;
		if (rc != -2 || attempt >= r->http->retry->retries)
			break;
		{
			long ms = retry_backoff_ms(r->http->retry, attempt);
			struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	if (map.p)
		munmap(map.p, map.len);
	if (rc < 0)
		return -1;
	return mounted ? REG_MOUNTED : REG_PUSHED;
}

int
registry_put_manifest(struct registry *r, const char *repo, const char *ref,
    const char *media_type, const void *body, size_t len, const char *digest)
{
	return registry_put_manifest_subject(r, repo, ref, media_type, body, len, digest,
	    NULL);
}

int
registry_put_manifest_subject(struct registry *r, const char *repo, const char *ref,
    const char *media_type, const void *body, size_t len, const char *digest,
    int *subject)
{
	struct http_request rq = { 0 };
	struct http_response rs;
	char *url = api_url(r, repo, "manifests", ref), *dcd, ctype[256];
	const char *hdrs[] = { ctype, NULL };
	int rc = -1;

	snprintf(ctype, sizeof ctype, "Content-Type: %s", media_type);
	rq.method = "PUT";
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body;
	rq.body_len = len;
	if (registry_do(r, &rq, &rs) < 0) {
		free(url);
		return -1;
	}
	free(url);
	if (rs.status != 201 && rs.status != 200) {
		set_context_error(r, &rs, repo, "manifest", ref);
		goto done;
	}
	dcd = http_header(&rs, "Docker-Content-Digest");
	if (dcd && strcmp(dcd, digest) != 0) {
		char shown[160];

		/* The header is the registry's words: quoted, never obeyed. */
		seterr("manifest %s: registry stored digest \"%s\", expected %s", ref,
		    esc_text(shown, sizeof shown, dcd, strlen(dcd)), digest);
		free(dcd);
		goto done;
	}
	free(dcd);
	if (subject) {
		char *h = http_header(&rs, "OCI-Subject");

		*subject = h != NULL;
		free(h);
	}
	rc = 0;
done:
	http_response_free(&rs);
	return rc;
}
