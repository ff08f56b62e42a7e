/* Parsing pprof-fetch targets: host:port shorthands, URLs and target files.
 * URLs go through the URL module (libcurl's parser), so what we check is
 * what curl fetches. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/targets.h"
#include "net/url.h"
#include "util/err.h"
#include "util/num.h"

static void
push(struct targets *t, char *url, char *name, char *host, int port)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->v = xreallocarray(t->v, t->cap, sizeof *t->v);
	}
	t->v[t->n++] = (struct target){ url, name, host, port };
}

/* valid_port parses a decimal port 1..65535; -1 otherwise. */
static int
valid_port(const char *s)
{
	const char *why;
	long long v = num_int(s, 1, 65535, &why);

	return why || !isdigit((unsigned char)*s) ? -1 : (int)v;
}

static int
add_url(struct targets *t, const char *spec, int seconds)
{
	struct url_parts parts;
	char q[64], *url;

	/* No path: the Go runtime's CPU profile endpoint. */
	snprintf(q, sizeof q, "seconds=%d", seconds);
	if (!(url = url_default_path(spec, "/debug/pprof/profile", q, &parts)))
		return -1;
	push(t, url, url_redact(url), xstrdup(parts.host), parts.port);
	url_parts_free(&parts);
	return 0;
}

int
targets_add(struct targets *t, const char *spec, int seconds)
{
	const char *colon;
	char *host, *url, *name;
	size_t hlen;
	int port;

	if (!*spec) {
		seterr("empty target");
		return -1;
	}
	if (strstr(spec, "://"))
		return add_url(t, spec, seconds);
	/* host:port or [v6]:port */
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');

		if (!rb || rb[1] != ':') {
			seterr("want host:port or a URL");
			return -1;
		}
		colon = rb + 1;
		host = xstrdup(spec + 1);
		host[rb - spec - 1] = '\0';
	} else {
		colon = strrchr(spec, ':');
		if (!colon || colon == spec || memchr(spec, ':', colon - spec) ||
		    strpbrk(spec, "/?#@ \t")) {
			seterr("want host:port or a URL");
			return -1;
		}
		hlen = colon - spec;
		host = xmalloc(hlen + 1);
		memcpy(host, spec, hlen);
		host[hlen] = '\0';
	}
	if ((port = valid_port(colon + 1)) < 0) {
		free(host);
		seterr("bad port");
		return -1;
	}
	if (asprintf(&url, "http://%s%s%s:%d/debug/pprof/profile?seconds=%d",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
	    port, seconds) < 0)
		die("out of memory");
	name = xstrdup(spec);
	push(t, url, name, host, port);
	return 0;
}

int
targets_read(struct targets *t, const char *path, int seconds)
{
	FILE *f;
	char *line = NULL, *s, *e;
	size_t cap = 0;
	long lineno = 0;
	int rc = 0, isstdin = !strcmp(path, "-");
	const char *fname = isstdin ? "<stdin>" : path;

	f = isstdin ? stdin : fopen(path, "r");
	if (!f) {
		seterr("%s:", path);
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		s = line;
		/* A '#' at the start or after blanks starts a comment; inside a
		 * word it may be part of a URL. */
		for (e = s; *e; e++)
			if (*e == '#' && (e == s || isspace((unsigned char)e[-1]))) {
				*e = '\0';
				break;
			}
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*s)
			continue;
		if (strpbrk(s, " \t")) {
			seterr("%s:%ld: one target per line", fname, lineno);
			rc = -1;
			break;
		}
		if (targets_add(t, s, seconds) < 0) {
			seterr("%s:%ld: %s: %s", fname, lineno, s, errmsg());
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		seterr("%s:", fname);
		rc = -1;
	}
	free(line);
	if (!isstdin)
		fclose(f);
	return rc;
}

char *
target_file_stem(const char *host, int port)
{
	char *s, *p;

	if (asprintf(&s, "%s_%d", host, port) < 0)
		die("out of memory");
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
			*p = '_';
	return s;
}

void
targets_free(struct targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].url);
		free(t->v[i].name);
		free(t->v[i].host);
	}
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}
