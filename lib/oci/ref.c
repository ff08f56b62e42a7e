/* Image references as docker and crane read them: [registry/]repo[:tag]
 * [@sha256:...], with Docker Hub's defaults filled in. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/registry.h"
#include "util/err.h"

static int
valid_repo(const char *s)
{
	const char *p;

	if (!*s || *s == '/' || s[strlen(s) - 1] == '/')
		return 0;
	for (p = s; *p; p++) {
		if (islower((unsigned char)*p) || isdigit((unsigned char)*p))
			continue;
		if ((*p == '.' || *p == '_' || *p == '-' || *p == '/') && p > s &&
		    (isalnum((unsigned char)p[-1]) || (*p == '_' && p[-1] == '_') ||
		    (*p == '-' && p[-1] == '-')))
			continue;
		return 0;
	}
	return 1;
}

static int
valid_tag(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

int
reg_parse_ref(const char *s, struct reg_ref *r)
{
	char *buf = xstrdup(s), *at, *slash, *colon, *name;

	memset(r, 0, sizeof *r);
	if ((at = strchr(buf, '@')) != NULL) {
		*at = '\0';
		if (!sha256_valid(at + 1)) {
			seterr("%s: invalid digest (want sha256:<64 hex digits>)", s);
			goto fail;
		}
		r->digest = xstrdup(at + 1);
	}
	slash = strchr(buf, '/');
	if (slash && (memchr(buf, '.', (size_t)(slash - buf)) ||
	    memchr(buf, ':', (size_t)(slash - buf)) ||
	    (slash - buf == 9 && strncmp(buf, "localhost", 9) == 0))) {
		*slash = '\0';
		r->registry = xstrdup(buf);
		name = slash + 1;
	} else {
		r->registry = xstrdup("docker.io");
		name = buf;
	}
	if (strcmp(r->registry, "index.docker.io") == 0 ||
	    strcmp(r->registry, "registry-1.docker.io") == 0) {
		free(r->registry);
		r->registry = xstrdup("docker.io");
	}
	colon = strrchr(name, ':');
	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		if (!valid_tag(colon + 1)) {
			seterr("%s: invalid tag '%s'", s, colon + 1);
			goto fail;
		}
		r->tag = xstrdup(colon + 1);
	}
	if (!valid_repo(name)) {
		seterr("%s: invalid repository name '%s' (lowercase letters, digits, "
		    "separators . _ - /)", s, name);
		goto fail;
	}
	if (strcmp(r->registry, "docker.io") == 0) {
		size_t n = strlen(name) + 9;

		r->host = xstrdup("registry-1.docker.io");
		r->repo = xmalloc(n);
		snprintf(r->repo, n, "%s%s", strchr(name, '/') ? "" : "library/", name);
	} else {
		r->host = xstrdup(r->registry);
		r->repo = xstrdup(name);
	}
	if (!r->tag && !r->digest)
		r->tag = xstrdup("latest");
	free(buf);
	return 0;
fail:
	free(buf);
	reg_ref_free(r);
	return -1;
}

void
reg_ref_free(struct reg_ref *r)
{
	free(r->registry);
	free(r->host);
	free(r->repo);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof *r);
}

char *
reg_ref_name(const struct reg_ref *r)
{
	size_t n = strlen(r->registry) + strlen(r->repo) + 2;
	char *s = xmalloc(n);

	snprintf(s, n, "%s/%s", r->registry, r->repo);
	return s;
}
