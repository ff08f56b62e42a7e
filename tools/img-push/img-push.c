/* img-push: build a container image from a base plus files, as one
 * reproducible layer, and push it to a registry or write an OCI layout,
 * without a Docker engine. */
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"
#include "util/output.h"
#include "util/cli.h"
#include "util/err.h"
#include "util/num.h"
#include "util/progress.h"

static const char synopsis[] =
    "img-push [-qv] [-b base] [-f src[:dst[:mode]]] ... [--annotation key=value] ...\n"
    "                [--chunk-size size] [--cmd arg] ... [-o digest-file]\n"
    "                [--entrypoint arg] ... [--env key=value] ... [--insecure]\n"
    "                [--label key=value] ... [--no-cache] [--no-sbom]\n"
    "                [--platform os/arch[/variant][,...]] ... [--workdir dir] dest\n";

static char **
push(char **v, int *n, char *s)
{
	v = xreallocarray(v, (size_t)*n + 1, sizeof *v);
	v[(*n)++] = s;
	return v;
}

/* expand_platform fills {os}, {arch}, {variant} and {platform} (os-arch
 * or os-arch-variant: pgo-build's names for several platforms) in a -f
 * argument for platform p; NULL p: a placeholder is a usage error. */
static char *
expand_platform(const char *arg, const struct oci_platform *p)
{
	static const char *const keys[] = { "{os}", "{arch}", "{variant}", "{platform}" };
	struct membuf out = { 0 };
	const char *s = arg;
	char plat[256];

	if (p)
		snprintf(plat, sizeof plat, "%s-%s%s%s", p->os, p->arch, p->variant ? "-" : "",
		    p->variant ? p->variant : "");
	while (*s) {
		const char *val = NULL;
		size_t k, klen = 0;

		for (k = 0; k < sizeof keys / sizeof *keys; k++)
			if (!strncmp(s, keys[k], klen = strlen(keys[k])))
				break;
		if (k == sizeof keys / sizeof *keys) {
			membuf_append(&out, s++, 1);
			continue;
		}
		if (!p)
			diex(EXIT_USAGE, "-f %s: %s needs --platform", arg, keys[k]);
		val = k == 0 ? p->os : k == 1 ? p->arch : k == 2 ? p->variant : plat;
		if (!val)
			diex(EXIT_USAGE, "-f %s: platform %s/%s has no variant", arg, p->os, p->arch);
		membuf_puts(&out, val);
		s += klen;
	}
	membuf_append(&out, "", 1);
	return out.data;
}

/* parse_file reads -f src[:dst[:mode]]: dst defaults to /basename(src), a
 * dst ending in '/' is a directory to put basename(src) in, mode is octal. */
static void
parse_file(const char *arg, struct tar_file *f)
{
	char *s = xstrdup(arg), *dst = strchr(s, ':'), *mode, *base, *full;
	struct stat st;

	f->mode = -1;
	if (dst) {
		*dst++ = '\0';
		mode = strrchr(dst, ':');
		if (mode) {
			const char *why;
			long long m;

			*mode++ = '\0';
			m = num_intb(mode, 8, 0, 07777, &why);
			if (why)
				diex(EXIT_USAGE, "-f %s: mode '%s' is not octal permission bits", arg, mode);
			f->mode = (int)m;
		}
	}
	if (!*s)
		diex(2, "-f %s: no source file", arg);
	base = strrchr(s, '/');
	base = base ? base + 1 : s;
	if (!dst || !*dst || dst[strlen(dst) - 1] == '/') {
		const char *dir = dst && *dst ? dst : "/";

		full = xmalloc(strlen(dir) + strlen(base) + 2);
		sprintf(full, "%s%s", dir, base);
	} else {
		full = xstrdup(dst);
	}
	if (!(f->dst = tar_clean_path(full)))
		diex(2, "-f %s: %s", arg, errmsg());
	free(full);
	/* Fail before any network traffic when a file is missing. */
	if (stat(s, &st) < 0)
		diex(EXIT_USAGE, "%s:", s);
	if (!S_ISREG(st.st_mode))
		diex(EXIT_USAGE, "%s: not a regular file", s);
	f->src = s;
}

enum { O_ANNOTATION = 256, O_CHUNK, O_CMD, O_ENTRYPOINT, O_ENV, O_INSECURE, O_LABEL, O_NO_CACHE,
	O_NO_SBOM, O_PLATFORM, O_WORKDIR };
static const struct option longopts[] = {
	{ "annotation", required_argument, NULL, O_ANNOTATION },
	{ "base", required_argument, NULL, 'b' },
	{ "chunk-size", required_argument, NULL, O_CHUNK },
	{ "cmd", required_argument, NULL, O_CMD },
	{ "digest-file", required_argument, NULL, 'o' },
	{ "entrypoint", required_argument, NULL, O_ENTRYPOINT },
	{ "env", required_argument, NULL, O_ENV },
	{ "file", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "insecure", no_argument, NULL, O_INSECURE },
	{ "label", required_argument, NULL, O_LABEL },
	{ "no-cache", no_argument, NULL, O_NO_CACHE },
	{ "no-sbom", no_argument, NULL, O_NO_SBOM },
	{ "output", required_argument, NULL, 'o' },
	{ "platform", required_argument, NULL, O_PLATFORM },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "workdir", required_argument, NULL, O_WORKDIR },
	{ NULL, 0, NULL, 0 }
};

/* key_value checks a --env, --label or --annotation argument. */
static char *
key_value(const char *opt, char *arg)
{
	if (!strchr(arg, '=') || arg[0] == '=')
		diex(EXIT_USAGE, "%s %s: not key=value", opt, arg);
	return arg;
}

/* long_option applies a long option that has no letter to b. */
static void
long_option(struct oci_build *b, int c, int *no_cache, char ***plats, size_t *nplat)
{
	struct oci_change *ch = &b->change;

	switch (c) {
	case O_ANNOTATION:
		b->annotations = push(b->annotations, &b->n_annotations,
		    key_value("--annotation", optarg));
		break;
	case O_CHUNK: b->chunk = cli_size("--chunk-size", optarg); break;
	case O_CMD:
		ch->cmd = push(ch->cmd, &ch->n_cmd, optarg);
		ch->set_cmd = 1;
		break;
	case O_ENTRYPOINT:
		ch->entrypoint = push(ch->entrypoint, &ch->n_entrypoint, optarg);
		ch->set_entrypoint = 1;
		break;
	case O_ENV: ch->env = push(ch->env, &ch->n_env, key_value("--env", optarg)); break;
	case O_INSECURE: b->insecure = 1; break;
	case O_LABEL:
		ch->labels = push(ch->labels, &ch->n_labels, key_value("--label", optarg));
		break;
	case O_NO_CACHE: *no_cache = 1; break;
	case O_NO_SBOM: b->no_sbom = 1; break;
	case O_PLATFORM: cli_list_add("--platform", optarg, plats, nplat); break;
	case O_WORKDIR: ch->workdir = optarg; break;
	default: cli_usage(EXIT_USAGE);
	}
}

/* plan_files parses the -f arguments for each --platform: one platform
 * (or none) gives b->files, several give b->platforms. */
static void
plan_files(struct oci_build *b, char **plats, size_t nplat, char **fargs, size_t nf)
{
	struct oci_platform *p = xcalloc(nplat ? nplat : 1, sizeof *p);

	for (size_t i = 0; i < nplat; i++) {
		if (oci_parse_platform(plats[i], &p[i]) < 0)
			diex(2, "--platform %s", errmsg());
		for (size_t j = 0; j < i; j++)
			if (!strcmp(plats[i], plats[j]))
				diex(2, "--platform %s: given twice", plats[i]);
	}
	if (nplat > 1) {
		b->platforms = xcalloc(nplat, sizeof *b->platforms);
		b->n_platforms = nplat;
	}
	b->platform = nplat ? plats[0] : NULL;
	for (size_t i = 0; i < (nplat ? nplat : 1); i++) {
		struct tar_file *files = nf ? xcalloc(nf, sizeof *files) : NULL;

		for (size_t j = 0; j < nf; j++) {
			char *arg = expand_platform(fargs[j], nplat ? &p[i] : NULL);

			parse_file(arg, &files[j]);
			free(arg);
		}
		if (nplat > 1) {
			b->platforms[i].platform = plats[i];
			b->platforms[i].files = files;
			b->platforms[i].n_files = nf;
		} else {
			b->files = files;
			b->n_files = nf;
		}
	}
	for (size_t i = 0; i < nplat; i++)
		oci_platform_free(&p[i]);
	free(p);
}

/* check_environment reads SOURCE_DATE_EPOCH. */
static void
check_environment(struct oci_build *b)
{
	const char *sde, *why;

	if ((sde = getenv("SOURCE_DATE_EPOCH")) && *sde) {
		b->epoch = num_int(sde, 0, LLONG_MAX, &why);
		if (why)
			diex(EXIT_USAGE, "SOURCE_DATE_EPOCH=%s: %s (want a number of seconds)", sde, why);
		b->have_epoch = 1;
	}
}

/* cache_dir: $XDG_CACHE_HOME/pgokit/layers or ~/.cache/pgokit/layers. */
static char *
cache_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *dir;

	if (!(xdg && *xdg) && !(home && *home))
		return NULL;
	dir = xmalloc(strlen(xdg && *xdg ? xdg : home) + 32);
	sprintf(dir, "%s%s/pgokit/layers", xdg && *xdg ? xdg : home,
	    xdg && *xdg ? "" : "/.cache");
	return dir;
}

static void
write_digest(const char *digest_file, const char *result)
{
	size_t n = strlen(result);
	char *line = xmalloc(n + 2);

	memcpy(line, result, n);
	line[n] = '\n';
	if (write_atomic(digest_file, line, n + 1, 0666) < 0)
		die("%s", errmsg());
	free(line);
}

static void
files_free(struct tar_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(files[i].src);
		free(files[i].dst);
	}
	free(files);
}

static void
build_free(struct oci_build *b)
{
	files_free(b->files, b->n_files);
	for (size_t i = 0; i < b->n_platforms; i++)
		files_free(b->platforms[i].files, b->platforms[i].n_files);
	free(b->platforms);
	free(b->change.cmd);
	free(b->change.entrypoint);
	free(b->change.env);
	free(b->change.labels);
	free(b->annotations);
}

int
main(int argc, char *argv[])
{
	struct oci_build b;
	const char *digest_file = NULL;
	char *result = NULL, *cache = NULL, **plats = NULL, **fargs = NULL;
	size_t nplat = 0, nf = 0;
	int c, quiet = 0, no_cache = 0;

	cli_init(argv[0], synopsis);
	memset(&b, 0, sizeof b);
	b.base = "scratch";
	b.chunk = (size_t)32 << 20;
	while ((c = getopt_long(argc, argv, "b:f:ho:qVv", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': b.base = optarg; break;
		case 'f':
			fargs = xreallocarray(fargs, nf + 1, sizeof *fargs);
			fargs[nf++] = optarg;
			break;
		case 'h': cli_usage(0);
		case 'o': digest_file = output_arg("-o", optarg); break;
		case 'q': quiet = 1; b.verbose = 0; break;
		case 'V': cli_version();
		case 'v': b.verbose = 1; quiet = 0; break;
		default: long_option(&b, c, &no_cache, &plats, &nplat);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		cli_usage(EXIT_USAGE);
	b.dest = argv[0];
	plan_files(&b, plats, nplat, fargs, nf);
	check_environment(&b);
	progress_init(!quiet);
	b.progress = progress_on();
	if (!no_cache)
		b.cache_dir = cache = cache_dir();
	if (oci_build_run(&b, &result) < 0)
		die("%s", errmsg());
	if (digest_file)
		write_digest(digest_file, result);
	printf("%s\n", result);
	free(result);
	free(cache);
	build_free(&b);
	cli_list_free(plats, nplat);
	free(fargs);
	stdout_close();
	return 0;
}
