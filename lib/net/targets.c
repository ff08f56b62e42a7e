/* Parsing pprof-fetch targets: host:port shorthands, URLs and target files.
 * URLs go through the URL module (libcurl's parser), so what we check is
 * what curl fetches. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "net/targets.h"
#include "net/url.h"
#include "util/err.h"
#include "util/escape.h"
#include "util/num.h"

static void
push(struct targets *t, char *url, char *name, char *host, int port)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->v = xreallocarray(t->v, t->cap, sizeof *t->v);
	}
	t->v[t->n++] = (struct target){ url, name, host, port, NULL, 0 };
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

/* read_bounded reads all of path ("-": stdin) into *buf (NUL-terminated),
 * refusing a NUL byte as soon as it arrives and a file past
 * TARGETS_FILE_MAX. *name is what messages call the file. */
static int
read_bounded(const char *path, char **buf, size_t *len, const char **name)
{
	int isstdin = !strcmp(path, "-");
	int fd = isstdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0, cap = 0;
	char *b = NULL, *nul;
	ssize_t r;

	*name = isstdin ? "<stdin>" : path;
	if (fd < 0) {
		seterr("%s:", path);
		return -1;
	}
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 65536;
			b = xrealloc(b, cap + 1);
		}
		if ((r = read(fd, b + n, cap - n)) == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			seterr("%s:", *name);
			goto fail;
		}
		if ((nul = memchr(b + n, '\0', (size_t)r))) {
			long line = 1;

			for (char *c = b; c < nul; c++)
				line += *c == '\n';
			seterr("%s:%ld: a NUL byte: not a text file", *name, line);
			goto fail;
		}
		n += (size_t)r;
		if (n > TARGETS_FILE_MAX) {
			seterr("%s: larger than %zu MiB", *name, TARGETS_FILE_MAX >> 20);
			goto fail;
		}
	}
	if (!isstdin)
		close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	if (!isstdin)
		close(fd);
	free(b);
	return -1;
}

/* read_line takes the target out of one line of a targets file: '#'
 * comments and surrounding blanks go; "" for none. */
static char *
read_line(char *s)
{
	char *e;

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
	return s;
}

int
targets_read(struct targets *t, const char *path, int seconds)
{
	char *buf, *line, *next, *s;
	const char *fname;
	size_t len;
	long lineno = 0;
	int rc = 0;

	if (read_bounded(path, &buf, &len, &fname) < 0)
		return -1;
	for (line = buf; line < buf + len; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		else
			next = buf + len;
		if (!*(s = read_line(line)))
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
	free(buf);
	return rc;
}

/* label_name_ok: a Prometheus label name, [a-zA-Z_][a-zA-Z0-9_]*. */
static int
label_name_ok(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* group_labels checks a group's "labels" (NULL: none) and sets *scheme
 * from __scheme__; -1 with seterr(why). */
static int
group_labels(json_t *labels, const char **scheme)
{
	const char *k;
	json_t *v;

	*scheme = "http";
	if (!labels)
		return 0;
	if (!json_is_object(labels)) {
		seterr("\"labels\" is not an object");
		return -1;
	}
	json_object_foreach(labels, k, v) {
		char *name = esc_dup(k);

		if (!label_name_ok(k))
			seterr("label \"%s\": not a label name ([a-zA-Z_][a-zA-Z0-9_]*)", name);
		else if (!json_is_string(v))
			seterr("label %s: the value is not a string", name);
		else if (!strcmp(k, "__scheme__") && strcmp(json_string_value(v), "http") &&
		    strcmp(json_string_value(v), "https"))
			seterr("label __scheme__: neither http nor https");
		else
			name[0] = '\0';
		if (name[0]) {
			free(name);
			return -1;
		}
		free(name);
		if (!strcmp(k, "__scheme__"))
			*scheme = json_string_value(v);
	}
	return 0;
}

/* give_labels copies a group's labels, but those starting "__", to the
 * targets from index first on. */
static void
give_labels(struct targets *t, size_t first, json_t *labels)
{
	const char *k;
	json_t *v;

	for (size_t i = first; i < t->n; i++) {
		struct target *tg = &t->v[i];

		tg->labels = xcalloc(json_object_size(labels) + 1, sizeof *tg->labels);
		json_object_foreach(labels, k, v) {
			char *val;

			if (!strncmp(k, "__", 2))
				continue;
			val = esc_dup(json_string_value(v));
			if (asprintf(&tg->labels[tg->nlabels++], "%s=%s", k, val) < 0)
				die("out of memory");
			free(val);
		}
	}
}

/* add_group adds the targets of one file_sd group; -1 with seterr(why). */
static int
add_group(struct targets *t, json_t *g, int seconds)
{
	json_t *list = json_object_get(g, "targets"), *labels = json_object_get(g, "labels"), *v;
	const char *scheme;
	size_t first = t->n, i;

	if (!json_is_object(g) || !json_is_array(list)) {
		seterr("want an object with a \"targets\" list");
		return -1;
	}
	if (group_labels(labels, &scheme) < 0)
		return -1;
	json_array_foreach(list, i, v) {
		const char *spec = json_string_value(v);
		char *url;
		int rc;

		/* file_sd targets are host:port, as Prometheus takes them. */
		if (!spec || strstr(spec, "://")) {
			seterr("targets[%zu]: want \"host:port\"", i);
			return -1;
		}
		/* host:port is an http target already. */
		if (strcmp(scheme, "http") && asprintf(&url, "%s://%s", scheme, spec) < 0)
			die("out of memory");
		rc = targets_add(t, strcmp(scheme, "http") ? url : spec, seconds);
		if (strcmp(scheme, "http"))
			free(url);
		if (rc < 0) {
			seterr("targets[%zu]: %s: %s", i, spec, errmsg());
			return -1;
		}
		/* Named as the file names them. */
		free(t->v[t->n - 1].name);
		t->v[t->n - 1].name = xstrdup(spec);
	}
	give_labels(t, first, labels);
	return 0;
}

int
targets_read_file_sd(struct targets *t, const char *path, int seconds)
{
	char *buf;
	const char *fname;
	size_t len, i;
	json_error_t jerr;
	json_t *doc, *g;
	int rc = 0;

	if (read_bounded(path, &buf, &len, &fname) < 0)
		return -1;
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!doc) {
		seterr("%s:%d:%d: %s", fname, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_array(doc)) {
		seterr("%s: want a JSON list of target groups (Prometheus file_sd)", fname);
		rc = -1;
	}
	json_array_foreach(doc, i, g) {
		if (rc == 0 && add_group(t, g, seconds) < 0) {
			seterr("%s: group %zu: %s", fname, i + 1, errmsg());
			rc = -1;
		}
	}
	json_decref(doc);
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
		for (size_t k = 0; k < t->v[i].nlabels; k++)
			free(t->v[i].labels[k]);
		free(t->v[i].labels);
	}
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}
