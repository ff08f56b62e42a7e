/* URL handling over libcurl's URL API (see url.h): one parser for every
 * caller, so "same origin" and "redacted" mean the same thing everywhere. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "net/url.h"
#include "util/err.h"
#include "util/escape.h"

static CURLU *
parse(const char *url)
{
	CURLU *u = curl_url();

	if (!u)
		die("libcurl: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

/* part returns one part of u as a new string, "" when u has none. */
static char *
part(CURLU *u, CURLUPart what, unsigned flags)
{
	char *s = NULL, *out;

	if (curl_url_get(u, what, &s, flags) != CURLUE_OK || !s)
		return xstrdup("");
	out = xstrdup(s);
	curl_free(s);
	return out;
}

int
url_split(const char *url, struct url_parts *p)
{
	CURLU *u = parse(url);
	char *port;
	size_t n;

	memset(p, 0, sizeof *p);
	if (!u) {
		seterr("not a valid URL");
		return -1;
	}
	p->scheme = part(u, CURLUPART_SCHEME, 0);
	p->host = part(u, CURLUPART_HOST, 0);
	port = part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT);
	p->port = atoi(port);
	free(port);
	curl_url_cleanup(u);
	n = strlen(p->host);
	if (n >= 2 && p->host[0] == '[' && p->host[n - 1] == ']') {
		memmove(p->host, p->host + 1, n - 2);
		p->host[n - 2] = '\0';
	}
	if (!*p->host) {
		url_parts_free(p);
		seterr("no host in URL");
		return -1;
	}
	return 0;
}

char *
url_default_path(const char *url, const char *path, const char *query,
    struct url_parts *p)
{
	CURLU *u;
	char *have_path, *have_query, *s = NULL, *out = NULL;

	if (url_split(url, p) < 0)
		return NULL;
	if (strcmp(p->scheme, "http") && strcmp(p->scheme, "https")) {
		url_parts_free(p);
		seterr("only http and https URLs are supported");
		return NULL;
	}
	u = parse(url);
	have_path = part(u, CURLUPART_PATH, 0);
	have_query = part(u, CURLUPART_QUERY, 0);
	if ((!*have_path || !strcmp(have_path, "/")) && !*have_query) {
		curl_url_set(u, CURLUPART_PATH, path, 0);
		curl_url_set(u, CURLUPART_QUERY, query, 0);
	}
	if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK && s) {
		out = xstrdup(s);
		curl_free(s);
	} else {
		url_parts_free(p);
		seterr("not a valid URL");
	}
	free(have_path);
	free(have_query);
	curl_url_cleanup(u);
	return out;
}

void
url_parts_free(struct url_parts *p)
{
	free(p->scheme);
	free(p->host);
	memset(p, 0, sizeof *p);
}

char *
url_resolve(const char *base, const char *ref)
{
	CURLU *u = parse(base);
	char *s = NULL, *out;

	if (!u || curl_url_set(u, CURLUPART_URL, ref, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK) {
		char *eref = esc_dup(ref), *ebase = esc_dup(base);

		/* ref is an answer's Location: quoted, never obeyed. */
		curl_url_cleanup(u);
		seterr("cannot resolve URL '%s' against '%s'", eref, ebase);
		free(eref);
		free(ebase);
		return NULL;
	}
	curl_url_cleanup(u);
	out = xstrdup(s);
	curl_free(s);
	return out;
}

char *
url_redact(const char *url)
{
	CURLU *u = parse(url);
	char *s = NULL, *out;

	if (u) {
		curl_url_set(u, CURLUPART_USER, NULL, 0);
		curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
		curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
		curl_url_get(u, CURLUPART_URL, &s, 0);
		curl_url_cleanup(u);
	}
	if (!s)
		return xstrdup("<url>");	/* show nothing that might be a secret */
	/* For messages: a URL from an answer (a realm, a Location) shows no
	 * control character or stray byte. */
	out = esc_dup(s);
	curl_free(s);
	return out;
}

int
url_same_origin(const char *a, const char *b)
{
	static const CURLUPart parts[] = { CURLUPART_SCHEME, CURLUPART_HOST,
	    CURLUPART_PORT };
	CURLU *ua = parse(a), *ub = parse(b);
	int same = ua && ub;

	for (size_t i = 0; i < 3 && same; i++) {
		char *pa = part(ua, parts[i], CURLU_DEFAULT_PORT);
		char *pb = part(ub, parts[i], CURLU_DEFAULT_PORT);

		same = strcasecmp(pa, pb) == 0;
		free(pa);
		free(pb);
	}
	curl_url_cleanup(ua);
	curl_url_cleanup(ub);
	return same;
}

int
url_is_loopback(const char *hostport)
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

char *
url_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *out;

	if (!e)
		die("libcurl: out of memory");
	out = xstrdup(e);
	curl_free(e);
	return out;
}
