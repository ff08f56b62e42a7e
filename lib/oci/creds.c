/* Registry credentials the way the docker CLI keeps them: config.json under
 * $DOCKER_CONFIG or ~/.docker, with per-registry credential helpers
 * (credHelpers), a default store (credsStore) and inline base64 "auths". */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "util/membuf.h"
#include "oci/registry.h"
#include "util/err.h"
#include "util/escape.h"

/* host_of strips a scheme and a path: "https://index.docker.io/v1/" ->
 * "index.docker.io". */
static char *
host_of(const char *key)
{
	const char *p = strstr(key, "://"), *e;

	p = p ? p + 3 : key;
	e = strchr(p, '/');
	return e ? strndup(p, (size_t)(e - p)) : xstrdup(p);
}

static int
is_hub(const char *h)
{
	return strcmp(h, "docker.io") == 0 || strcmp(h, "index.docker.io") == 0 ||
	    strcmp(h, "registry-1.docker.io") == 0;
}

static int
key_matches(const char *key, const char *registry)
{
	char *h = host_of(key);
	int m = strcmp(h, registry) == 0 || (is_hub(registry) && is_hub(h));

	free(h);
	return m;
}

/* run_helper runs "docker-credential-<name> get" with the server on stdin and
 * parses {"Username","Secret"}. 0 found, 1 not found, -1 error. */
static int
run_helper(const char *name, const char *server, char **user, char **pass)
{
	char prog[256];
	int in[2], out[2], status;
	struct membuf b = { 0 };
	char tmp[4096];
	ssize_t n;
	pid_t pid;
	json_t *j;
	json_error_t err;
	const char *u, *s;
	void (*old)(int);

	snprintf(prog, sizeof prog, "docker-credential-%s", name);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		seterr("pipe:");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		seterr("fork:");
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execlp(prog, prog, "get", (char *)NULL);
		/* Only async-signal-safe calls here: another thread may be
		 * building the layer. The parent reports the failure. */
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	old = signal(SIGPIPE, SIG_IGN);
	if (write(in[1], server, strlen(server)) < 0) {
		/* The helper may not read stdin; its answer decides. */
	}
	close(in[1]);
	signal(SIGPIPE, old);
	while ((n = read(out[0], tmp, sizeof tmp)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		membuf_append(&b, tmp, (size_t)n);
	}
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int notfound = b.data && strstr(b.data, "credentials not found");

		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			seterr("%s: cannot run the credential helper", prog);
		else if (!notfound) {
			char shown[256];
			size_t n = b.len;

			/* What the helper said may quote its backend: escaped,
			 * without its last line break. */
			while (n && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r'))
				n--;
			seterr("%s get %s: failed%s%s", prog, server, b.data ? ": " : "",
			    b.data ? esc_text(shown, sizeof shown, b.data, n) : "");
		}
		membuf_free(&b);
		return notfound ? 1 : -1;
	}
	j = json_loadb(b.data ? b.data : "", b.len, 0, &err);
	membuf_free(&b);
	u = json_string_value(json_object_get(j, "Username"));
	s = json_string_value(json_object_get(j, "Secret"));
	if (!j || !s) {
		seterr("%s get %s: no Secret in its answer", prog, server);
		json_decref(j);
		return -1;
	}
	*user = xstrdup(u ? u : "");
	*pass = xstrdup(s);
	json_decref(j);
	return 0;
}

static int
decode_auth(const char *b64, char **user, char **pass)
{
	size_t n = strlen(b64);
	unsigned char *out = xmalloc(n + 4);
	int len = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	char *colon;

	if (len < 0) {
		free(out);
		return -1;
	}
	/* DecodeBlock counts padding as zero bytes: trim them. */
	while (n > 0 && b64[n - 1] == '=' && len > 0) {
		n--;
		len--;
	}
	out[len] = '\0';
	colon = strchr((char *)out, ':');
	if (!colon) {
		free(out);
		return -1;
	}
	*colon = '\0';
	*user = xstrdup((char *)out);
	*pass = xstrdup(colon + 1);
	free(out);
	return 0;
}

int
reg_creds_lookup(const char *registry, char **user, char **pass)
{
	const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME"), *key, *helper;
	struct membuf b = { 0 };
	char path[4096];
	json_error_t err;
	json_t *cfg, *v;
	int rc = 1;

	*user = *pass = NULL;
	if (dir && *dir)
		snprintf(path, sizeof path, "%s/config.json", dir);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.docker/config.json", home);
	else
		return 1;
	if (membuf_read_file(&b, path) < 0)
		return errno == ENOENT ? 1 : -1;
	cfg = json_loadb(b.data, b.len, 0, &err);
	membuf_free(&b);
	if (!cfg) {
		seterr("%s: invalid JSON: %s (line %d)", path, err.text, err.line);
		return -1;
	}
	/* Docker Hub's helpers and auths are keyed by its old index URL. */
	helper = NULL;
	json_object_foreach(json_object_get(cfg, "credHelpers"), key, v)
		if (key_matches(key, registry) && json_string_value(v))
			helper = json_string_value(v);
	if (!helper)
		helper = json_string_value(json_object_get(cfg, "credsStore"));
	if (helper && *helper) {
		rc = run_helper(helper, is_hub(registry) ? "https://index.docker.io/v1/" :
		    registry, user, pass);
		if (rc <= 0)
			goto done;
	}
	json_object_foreach(json_object_get(cfg, "auths"), key, v) {
		const char *a = json_string_value(json_object_get(v, "auth"));
		const char *u = json_string_value(json_object_get(v, "username"));
		const char *p = json_string_value(json_object_get(v, "password"));

		if (!key_matches(key, registry))
			continue;
		if (a && *a) {
			if (decode_auth(a, user, pass) < 0) {
				seterr("%s: auths.%s.auth is not base64 of user:password", path, key);
				rc = -1;
				goto done;
			}
			rc = 0;
			goto done;
		}
		if (u && p) {
			*user = xstrdup(u);
			*pass = xstrdup(p);
			rc = 0;
			goto done;
		}
	}
	rc = 1;
done:
	json_decref(cfg);
	return rc;
}
