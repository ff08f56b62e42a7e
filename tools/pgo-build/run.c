/* pgo-build's whole run, in the order the man page gives: read and check
 * the profile (every reason before go build runs), prepare it (lib/pgoprep),
 * build with -pgo=<absolute path>, confirm with `go version -m`, measure
 * coverage against the binary's symbols, and fall back to -pgo=off on
 * request. Children run through lib/child, never a shell. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/child.h"
#include "util/clock.h"
#include "util/membuf.h"
#include "util/progress.h"
#include "pgo/elfsyms.h"
#include "pgo/gotool.h"
#include "util/output.h"
#include "run.h"
#include "pgo/check.h"
#include "pgo/coverage.h"
#include "pgo/edges.h"
#include "pgo/prepare.h"
#include "pprof/load.h"
#include "pprof/profile.h"
#include "util/sha256.h"
#include "util/err.h"

#define MAX_REASONS (PGO_MAX_REASONS + 1)

struct run {
	const struct pgobuild_config *c;
	const char *name;               /* the profile as messages call it */
	struct loaded in;               /* the profile and its file's bytes */
	struct profile *p;
	char reason[MAX_REASONS][300];
	size_t nreason;
	struct pgo_edges edges;         /* of the profile as given */
	int have_edges;
	uint8_t *prep;                  /* the bytes -pgo= gets */
	size_t preplen;
	char *prep_path;                /* absolute */
	struct pgoprep_stats st;
	const char *go;
	char gover[64];
	int gomajor, gominor, have_gover;
	struct go_output out;
	char *tmp_out;                  /* -o: the binary's name while go writes it */
	char **bins, **tmps;            /* several platforms: each one's binary and
	                                   its name while go writes it */
	struct membuf old_prep;         /* -o: the .pgo the last build left */
	int had_prep;
	char *prep_target;              /* -o: the regular file prep_path names
	                                   (symlinks followed), NULL when it is
	                                   written in place (a FIFO, a device) */
	double t_prep;
	int guard_fd;                   /* --fallback child: the pipe to say it got past the profile */
	const char *platform;           /* --platform: the one being built, for messages */
};

/* now: seconds on the monotonic clock, for the summary's timings. */
static double
now(void)
{
	return (double)clock_ms() / 1e3;
}

static void
add_reason(struct run *r, const char *msg)
{
	if (r->nreason < MAX_REASONS)
		snprintf(r->reason[r->nreason++], sizeof r->reason[0], "%.*s",
		    (int)sizeof r->reason[0] - 1, msg);
}

/* load_profile reads, decodes and checks the profile; 0 when go build can
 * use it, -1 with r->reason[] holding every reason it cannot, -2 when the
 * file cannot be read at all (exit status 2, like every tool). The file's
 * bytes are kept: --raw passes them on and the summary hashes them. The
 * samples stay raw (the lean view): preparing reads only their leaf pairs. */
static int
load_profile(struct run *r)
{
	struct pgo_verdict v;
	char msg[sizeof r->in.why + 32];

	switch (profile_load(r->c->profile, LOAD_ONE | LOAD_KEEP_FILE | LOAD_LEAN, &r->in)) {
	case LOAD_OK:
		break;
	case LOAD_EMPTY:
		add_reason(r, "empty file");
		return -1;
	case LOAD_UNREADABLE:
		add_reason(r, r->in.why);
		return -2;
	default:
		if (r->in.stage == LOAD_AT_SEVERAL)
			add_reason(r, "more than one profile (concatenated gzip members): "
			    "merge them first (pprof-merge)");
		else if (r->in.stage == LOAD_AT_DECODE) {
			snprintf(msg, sizeof msg, "not a pprof profile: %s", r->in.why);
			add_reason(r, msg);
		} else
			add_reason(r, r->in.why);
		return -1;
	}
	r->p = r->in.p;
	if (pgo_check(r->p, &v) < 0) {
		add_reason(r, errmsg());
		return -1;
	}
	for (size_t i = 0; i < v.nreason; i++)
		add_reason(r, v.reason[i]);
	if (!v.usable)
		return -1;
	if (pgo_edges_build(r->p, -1, &r->edges) < 0) {
		add_reason(r, errmsg());
		return -1;
	}
	r->have_edges = 1;
	return 0;
}

/* abs_path makes path absolute without requiring it to exist yet: its
 * directory must. */
static char *
abs_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *adir, *res;
	size_t n;

	dir = slash ? strndup(path, (size_t)(slash - path + (slash == path))) : xstrdup(".");
	adir = realpath(dir, NULL);
	free(dir);
	if (!adir) {
		seterr("%.*s:", slash ? (int)(slash - path) : 1, slash ? path : ".");
		return NULL;
	}
	slash = slash ? slash + 1 : path;
	n = strlen(adir) + strlen(slash) + 2;
	res = xmalloc(n);
	snprintf(res, n, "%s/%s", strcmp(adir, "/") ? adir : "", slash);
	free(adir);
	return res;
}

/* prepared_path: the binary's path + ".pgo" when known, else
 * <output dir>/pgo-build.pgo (./pgo-build.pgo for -o /dev/null). */
static char *
prepared_path(const struct go_output *o)
{
	char buf[4096];
	struct stat sb;

	/* -o /dev/null: no output to sit next to; use the current directory. */
	if (o->binary && stat(o->binary, &sb) == 0 && !S_ISREG(sb.st_mode))
		snprintf(buf, sizeof buf, "pgo-build.pgo");
	else if (o->binary)
		snprintf(buf, sizeof buf, "%s.pgo", o->binary);
	else
		snprintf(buf, sizeof buf, "%s/pgo-build.pgo", o->dir);
	return abs_path(buf);
}

/* own_output takes pgo-build's -o: go writes the binary under a temp name
 * beside the file -o names (through its symlinks), renamed over it only
 * when the build worked, so every name in the summary and the -pgo= path
 * the binary records are the final ones. What is not a regular file
 * (/dev/null, a FIFO) is never replaced: the binary is built in the
 * current directory and copied into it. 2 when -o is given twice or its
 * directory does not exist. */
static int
own_output(struct run *r)
{
	const char *c_out = r->c->output;
	char *slash, *target = NULL, *base = NULL;
	struct stat sb;
	size_t n;
	int how;

	if (!c_out)
		return 0;
	if (r->out.has_o) {
		warn("-o %s: go build flags name an output (%s) too", c_out, r->out.binary);
		return 2;
	}
	if (stat(c_out, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		warn("-o %s: is a directory", c_out);
		return 2;
	}
	free(r->out.dir);
	free(r->out.binary);
	r->out.dir = NULL;
	if ((how = output_resolve(c_out, &target)) < 0 || !(r->out.binary = abs_path(c_out)) ||
	    !(base = abs_path(how == OUTPUT_IN_PLACE ? "pgo-build" : target))) {
		warn("-o %s", errmsg());
		free(target);
		return 2;
	}
	slash = strrchr(r->out.binary, '/');
	r->out.dir = strndup(r->out.binary, (size_t)(slash - r->out.binary + (slash == r->out.binary)));
	slash = strrchr(base, '/');
	n = strlen(base) + 48;
	r->tmp_out = xmalloc(n);
	snprintf(r->tmp_out, n, "%.*s/.%s.pgo-build.%ld", (int)(slash - base), base,
	    slash + 1, (long)getpid());
	free(target);
	free(base);
	/* Registered before go creates it: a signal at any time removes it. */
	tmp_register(r->tmp_out);
	tmp_install_handlers();
	return 0;
}

/* own_outputs takes -o FILE for several platforms: the binaries are
 * FILE-os-arch[-variant], built under temp names beside them and renamed
 * into place only when every build worked; the prepared profile is
 * FILE.pgo, one for all of them. 2 without -o, or when -o names anything
 * but a regular file. */
static int
own_outputs(struct run *r)
{
	const struct pgobuild_config *c = r->c;
	size_t n = c->nplatforms, len;
	struct stat sb;
	char *slash;

	if (!c->output) {
		warn("--platform: %zu platforms need -o file (the binaries are file-os-arch)", n);
		return 2;
	}
	if (r->out.has_o) {
		warn("-o %s: go build flags name an output (%s) too", c->output, r->out.binary);
		return 2;
	}
	if (stat(c->output, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		warn("-o %s: not a regular file: with several platforms -o gives the "
		    "start of the binaries' names", c->output);
		return 2;
	}
	free(r->out.dir);
	free(r->out.binary);
	if (!(r->out.binary = abs_path(c->output))) {
		r->out.dir = xstrdup(".");
		warn("-o %s", errmsg());
		return 2;
	}
	slash = strrchr(r->out.binary, '/');
	r->out.dir = strndup(r->out.binary, (size_t)(slash - r->out.binary + (slash == r->out.binary)));
	r->bins = xcalloc(n, sizeof *r->bins);
	r->tmps = xcalloc(n, sizeof *r->tmps);
	for (size_t i = 0; i < n; i++) {
		len = strlen(r->out.binary) + strlen(c->platforms[i].suffix) + 48;
		r->bins[i] = xmalloc(len);
		snprintf(r->bins[i], len, "%s-%s", r->out.binary, c->platforms[i].suffix);
		r->tmps[i] = xmalloc(len);
		snprintf(r->tmps[i], len, "%.*s/.%s-%s.pgo-build.%ld", (int)(slash - r->out.binary),
		    r->out.binary, slash + 1, c->platforms[i].suffix, (long)getpid());
	}
	tmp_install_handlers();
	return 0;
}

/* finish_output puts the temp binary in place after a build with status
 * st, or removes it; a failed PGO build also puts back the .pgo the
 * previous build left. The status to go on with. */
static int
finish_output(struct run *r, int st, const char *pgo)
{
	char **tmps = r->bins ? r->tmps : &r->tmp_out;
	char **bins = r->bins ? r->bins : &r->out.binary;
	size_t n = r->bins ? r->c->nplatforms : 1, i;

	if (!tmps[0])
		return st;
	for (i = 0; i < n && st == 0; i++)
		if (output_commit(tmps[i], bins[i]) < 0) {
			warn("%s", errmsg());
			st = 1;
		}
	for (i = 0; i < n; i++) {
		if (st != 0)
			unlink(tmps[i]);
		tmp_unregister(tmps[i]);
	}
	if (st != 0 && pgo && r->prep_target && !strcmp(pgo, r->prep_path)) {
		if (r->had_prep)
			write_atomic(r->prep_path, r->old_prep.data, r->old_prep.len, 0644);
		else
			unlink(r->prep_target);
	}
	return st;
}

/* prep_target: the regular file (or none yet) a prepared profile at path
 * replaces, symlinks followed, in *target; NULL there when path is
 * written in place. -1 with seterr() when path cannot be looked at. */
static int
prep_target(const char *path, char **target)
{
	int how = output_resolve(path, target);

	if (how < 0)
		return -1;
	if (how == OUTPUT_IN_PLACE) {
		free(*target);
		*target = NULL;
	}
	return 0;
}

static int
prepare(struct run *r)
{
	const struct pgobuild_config *c = r->c;
	double t0 = now();

	if (!(r->prep_path = prepared_path(&r->out))) {
		warn("%s", errmsg());
		return -1;
	}
	if (c->raw && strcmp(c->profile, "-") != 0) {
		free(r->prep_path);
		if (!(r->prep_path = abs_path(c->profile))) {
			warn("%s", errmsg());
			return -1;
		}
		r->prep = r->in.file;
		r->preplen = r->in.filelen;
		return 0;
	}
	if (c->raw) {
		r->prep = r->in.file;
		r->preplen = r->in.filelen;
	} else {
		struct pgoprep_opts o = {
			.keep = c->keep, .deny = c->deny, .ndeny = c->ndeny,
			.no_default_deny = c->no_default_deny,
			.keep_frames = c->keep_frames,
		};

		if (pgo_prepare(r->p, &o, &r->st) < 0 ||
		    profile_encode(r->p, 6, &r->prep, &r->preplen) < 0) {
			warn("%s: %s", r->name, errmsg());
			return -1;
		}
	}
	/* A failed build puts back the profile its binary was built with;
	 * one written in place (a FIFO, a device) is neither read nor undone. */
	if ((r->tmp_out || r->bins) && prep_target(r->prep_path, &r->prep_target) < 0) {
		warn("%s", errmsg());
		return -1;
	}
	if (r->prep_target)
		r->had_prep = membuf_read_file(&r->old_prep, r->prep_target) == 0;
	if (write_atomic(r->prep_path, r->prep, r->preplen, 0644) < 0) {
		warn("%s", errmsg());
		return -1;
	}
	r->t_prep = now() - t0;
	return 0;
}

/* go -v names each package as it is compiled, on stderr: on a terminal
 * they become a count on the progress line; any other line (a compiler
 * error, "# pkg") is passed on as it is. */
struct compiled {
	int n;
	const char *what;
};

static void
compiled_line(const char *line, void *arg)
{
	struct compiled *k = arg;

	if (*line && !strpbrk(line, " \t:")) {
		k->n++;
		progress_show(0, "%s: %d packages compiled (%s)", k->what, k->n, line);
		return;
	}
	progress_clear();
	fprintf(stderr, "%s\n", line);
}

/* run_go runs the go build command argv (with -v when the progress line
 * is on), turning the package names into a count. */
static int
run_go(char **argv, int pgo_on)
{
	struct compiled k = { 0, pgo_on ? "building with PGO" : "building" };
	int st;

	if (!progress_on())
		return child_wait(argv);
	st = child_lines(argv, compiled_line, &k);
	progress_clear();
	return st;
}

/* go_build runs go build with pgo ("off", a path, or NULL for no -pgo flag
 * at all, for a Go too old to know it). */
static int
go_build(struct run *r, const char *pgo)
{
	const struct pgobuild_config *c = r->c;
	char **argv = xcalloc(c->ngoargs + 7, sizeof(*argv));
	char *flag = NULL;
	size_t n = 0, i = 0;
	int st;

	argv[n++] = (char *)r->go;
	argv[n++] = "build";
	/* go wants -C before every other flag. */
	if (c->ngoargs > 0 && (!strcmp(c->goargs[0], "-C") || !strcmp(c->goargs[0], "--C"))) {
		argv[n++] = c->goargs[i++];
		if (i < c->ngoargs)
			argv[n++] = c->goargs[i++];
	} else if (c->ngoargs > 0 && (!strncmp(c->goargs[0], "-C=", 3) ||
	    !strncmp(c->goargs[0], "--C=", 4)))
		argv[n++] = c->goargs[i++];
	/* -v goes after -C, which go wants first: the package count. */
	if (progress_on())
		argv[n++] = "-v";
	if (pgo) {
		size_t len = strlen(pgo) + 6;

		flag = xmalloc(len);
		snprintf(flag, len, "-pgo=%s", pgo);
		argv[n++] = flag;
	}
	if (r->tmp_out) {
		argv[n++] = "-o";
		argv[n++] = r->tmp_out;
	}
	for (; i < c->ngoargs; i++)
		argv[n++] = c->goargs[i];
	if (c->verbose) {
		fprintf(stderr, "%s: running:", argv0);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	/* A new profile is a new build input for every package: say so before
	 * the silent minute. */
	if (!c->quiet && pgo && strcmp(pgo, "off") != 0)
		warn("building %s%swith -pgo=%s: a new profile recompiles every package, "
		    "the standard library too", r->platform ? r->platform : "",
		    r->platform ? " " : "", pgo);
	else if (!c->quiet)
		warn("building %s%swithout PGO", r->platform ? r->platform : "",
		    r->platform ? " " : "");
	st = run_go(argv, pgo && strcmp(pgo, "off") != 0);
	if (st < 0)
		warn("%s", errmsg());
	/* Several platforms: every binary is put in place once all are built. */
	if (!r->bins)
		st = finish_output(r, st, pgo);
	free(flag);
	free(argv);
	return st;
}

/* build_all runs go build with pgo for the platform, or for each of
 * several (GOOS, GOARCH... in the environment go inherits), stopping at
 * the first failure; only then are the binaries put in place. */
static int
build_all(struct run *r, const char *pgo)
{
	const struct pgobuild_config *c = r->c;
	int st = 0;

	if (!r->bins)
		return go_build(r, pgo);
	for (size_t i = 0; i < c->nplatforms; i++)
		tmp_register(r->tmps[i]);
	for (size_t i = 0; i < c->nplatforms && st == 0; i++) {
		go_platform_env(&c->platforms[i]);
		r->platform = c->platforms[i].name;
		r->tmp_out = r->tmps[i];
		st = go_build(r, pgo);
	}
	r->tmp_out = NULL;
	return finish_output(r, st < 0 ? 1 : st, pgo);
}

/* ask_version runs `go version` once. The usual path never needs it (the
 * binary's build info names its Go); a failed build or --fallback does. */
static int
ask_version(struct run *r)
{
	if (!r->have_gover) {
		if (go_version(r->go, &r->gomajor, &r->gominor, r->gover, sizeof r->gover) < 0) {
			warn("%s", errmsg());
			return -1;
		}
		r->have_gover = 1;
	}
	return 0;
}

/* past_profile: the --fallback child (run_guarded) tells its parent that
 * it has got past reading and preparing the profile. */
static void
past_profile(struct run *r)
{
	if (r->guard_fd < 0)
		return;
	if (write(r->guard_fd, "", 1) < 0)
		warn("pipe:");
	close(r->guard_fd);
	r->guard_fd = -1;
}

/* fallback builds without PGO after a loud warning; its status is go's
 * (1 when go cannot run at all). */
static int
fallback(struct run *r, const char *why)
{
	int pgo_known, st;

	past_profile(r);
	if (ask_version(r) < 0)
		return 1;
	pgo_known = r->gomajor > 1 || (r->gomajor == 1 && r->gominor >= 20);
	warn("WARNING: %s: building WITHOUT PGO (%s) because of --fallback",
	    why, pgo_known ? "-pgo=off" : "no -pgo flag");
	st = build_all(r, pgo_known ? "off" : NULL);
	if (st < 0)
		return 1;
	if (st != 0)
		return st;
	/* With -o, no profile may sit beside a binary built without one. */
	if (r->tmp_out || r->bins) {
		char *prep = prepared_path(&r->out), *target = NULL;

		if (prep && prep_target(prep, &target) == 0 && target)
			unlink(target);
		free(target);
		free(prep);
	}
	/* The last line, so that it is what a CI log shows at its end. */
	warn("NO PGO: %s%s %s built WITHOUT a profile (--fallback)%s",
	    r->out.binary ? r->out.binary : "the build", r->bins ? "-<platform>" : "",
	    r->bins ? "were" : "was",
	    r->c->strict ? "; exit status 3 (--strict)" : "");
	return r->c->strict ? EXIT_NO_PGO : 0;
}

static void
print_reasons(const struct run *r)
{
	for (size_t i = 0; i < r->nreason; i++)
		warn("%s: %s", r->name, r->reason[i]);
}

static void
check_binary(struct run *r, const char *bin)
{
	const struct pgobuild_config *c = r->c;
	struct pgo_coverage cov;
	struct elfsyms *syms;
	struct stat sb;
	char *rec = NULL;
	int got;

	if (!bin || stat(bin, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (c->verbose)
			warn("no single binary to check (use -o file for the check)");
		return;
	}
	got = go_binary_pgo(r->go, bin, &rec, r->gover, sizeof r->gover);
	if (got >= 0 && c->verbose)
		warn("%s: built by %s", bin, r->gover);
	if (got >= 0 && sscanf(r->gover, "go%d.%d", &r->gomajor, &r->gominor) == 2 &&
	    !go_version_pgo(r->gomajor, r->gominor))
		warn("warning: %s: built by %s: PGO needs Go 1.21 or newer "
		    "(Go 1.20 had a preview)", bin, r->gover);
	if (got < 0)
		warn("%s", errmsg());
	else if (got == 0)
		warn("warning: %s: the binary records no -pgo= build setting", bin);
	else if (strcmp(rec, r->prep_path) != 0 &&
	    strcmp(rec, strrchr(r->prep_path, '/') + 1) != 0)
		/* With -trimpath (flag or GOFLAGS) Go records the base name only. */
		warn("warning: %s: the binary records -pgo=%s, not %s", bin, rec, r->prep_path);
	else if (c->verbose)
		warn("%s: records -pgo=%s", bin, rec);
	free(rec);

	if (!(syms = elfsyms_read(bin))) {
		warn("%s", errmsg());
		return;
	}
	pgo_coverage(&r->edges, syms, &cov);
	if (!c->quiet)
		warn("coverage: %.1f%% of the hot edge weight is in %s (%zu hot edges)",
		    cov.percent, bin, cov.nhot);
	if (cov.percent < c->min_coverage) {
		char list[1024];
		size_t len = 0, i;

		list[0] = '\0';
		for (i = 0; i < cov.nmissing && len < sizeof list - 80; i++)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
			    i ? ", " : "", cov.missing[i]);
		if (i < cov.nmissing)
			snprintf(list + len, sizeof list - len, " and %zu more", cov.nmissing - i);
		warn("warning: stale profile: only %.1f%% of its hot edge weight is in %s "
		    "(below %g%%); missing hot functions: %s",
		    cov.percent, bin, c->min_coverage, list);
	}
	pgo_coverage_free(&cov);
	elfsyms_free(syms);
}

static void
summary(struct run *r)
{
	const struct pgobuild_config *c = r->c;
	char digest[SHA256_DIGEST_STRLEN];
	size_t hot = pgo_hot(&r->edges, PGO_DEFAULT_CDF, NULL);

	if (c->quiet)
		return;
	sha256_digest(r->in.file, r->in.filelen, digest);
	warn("profile %s: %s, %zu bytes", r->name, digest, r->in.filelen);
	if (c->raw) {
		warn("used as is (--raw): %s", r->prep_path);
		warn("hot edges: %zu of %zu (99%% CDF)", hot, r->edges.nedge);
		return;
	}
	warn("prepared %s: %zu -> %zu bytes (%.1f%%), %zu -> %zu samples, %zu -> %zu locations",
	    r->prep_path, r->in.filelen, r->preplen,
	    r->in.filelen ? 100.0 * (double)r->preplen / (double)r->in.filelen : 0.0,
	    r->st.samples_in, r->st.samples_out, r->st.locations_in, r->st.locations_out);
	/* The counts are the profile's as given; "the same" compares the hot
	 * edges before and after sampling, once injected frames are gone. */
	warn("hot edges: %zu of %zu (99%% CDF) as given, %s after preparation (%zu edges kept)",
	    hot, r->edges.nedge, r->st.same_hot ? "the same" : "CHANGED", r->st.edges_out);
	for (int k = 0; k < PGO_NART; k++)
		if (r->st.removed[k])
			warn("removed %s from %zu samples (%.1f%% of the weight): %s",
			    pgo_artefacts[k].what, r->st.removed[k], r->st.weight_in ?
			    100.0 * (double)r->st.removed_weight[k] / (double)r->st.weight_in : 0.0,
			    pgo_artefacts[k].reason);
	if (c->verbose) {
		warn("kept the hottest %g%% of edge weight; %zu function(s) denied; "
		    "preparation took %.3fs", r->st.keep, r->st.denied, r->t_prep);
		for (size_t i = 0; i < hot && i < 20; i++)
			warn("  hot %s -> %s +%lld weight %lld", r->edges.edge[i].caller,
			    r->edges.edge[i].callee, (long long)r->edges.edge[i].offset,
			    (long long)r->edges.edge[i].weight);
	}
}

/* install_dir_ok: --install names a directory this process can write,
 * checked before anything is built. */
static int
install_dir_ok(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) != 0) {
		warn("--install %s:", dir);
		return 0;
	}
	if (!S_ISDIR(sb.st_mode)) {
		warn("--install %s: not a directory", dir);
		return 0;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		warn("--install %s:", dir);
		return 0;
	}
	return 1;
}

static int
install(struct run *r)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/default.pgo", r->c->install);
	if (write_atomic(path, r->prep, r->preplen, 0644) < 0) {
		warn("%s", errmsg());
		return -1;
	}
	if (r->c->verbose)
		warn("installed %s", path);
	return 0;
}

/* decisions: the report pass (report.c), after the binary is final. */
static int
decisions(struct run *r)
{
	struct pgobuild_report rp = {
		.c = r->c, .go = r->go, .pgo = r->prep_path, .out = &r->out,
		.edges = &r->edges,
	};

	if (!r->gover[0])
		(void)ask_version(r);
	rp.gover = r->gover;
	return pgobuild_report(&rp);
}

static void
run_free(struct run *r)
{
	if (r->prep != r->in.file)
		free(r->prep);
	loaded_free(&r->in);         /* and r->p */
	if (r->have_edges)
		pgo_edges_free(&r->edges);
	free(r->prep_path);
	go_output_free(&r->out);
	free(r->tmp_out);
	for (size_t i = 0; r->bins && i < r->c->nplatforms; i++) {
		free(r->bins[i]);
		free(r->tmps[i]);
	}
	free(r->bins);
	free(r->tmps);
	membuf_free(&r->old_prep);
	free(r->prep_target);
}

/* same_file: do a and b name one file: the same absolute name, or the
 * same device and inode (a hard link, a symlink)? */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ra = abs_path(a), *rb = abs_path(b);
	int same = ra && rb && !strcmp(ra, rb);

	free(ra);
	free(rb);
	return same || (stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/* check_collisions refuses a run whose binary or prepared profile would
 * be written over the profile it reads (-p svc.pgo -- -o svc): 2. */
static int
check_collisions(struct run *r)
{
	const char *in = r->c->profile;
	char *prep;
	int st = 0;

	if (!strcmp(in, "-"))
		return 0;
	for (size_t i = 0; i < (r->bins ? r->c->nplatforms : 1); i++) {
		const char *bin = r->bins ? r->bins[i] : r->out.binary;

		if (bin && same_file(bin, in)) {
			warn("%s: the binary would be written over the profile (-p); "
			    "choose another -o", in);
			return 2;
		}
	}
	/* --raw hands go the profile file itself: nothing is written. */
	if (r->c->raw || !(prep = prepared_path(&r->out)))
		return 0;
	if (same_file(prep, in)) {
		warn("%s: the prepared profile would be written over the profile (-p); "
		    "rename it or choose another -o", in);
		st = 2;
	}
	free(prep);
	return st;
}

/* setup checks what can be checked before the profile is read: -o, the
 * go build flags, --install, and that no output replaces the profile.
 * 0, or the exit status. */
static int
setup(struct run *r)
{
	int st;

	if ((st = r->c->nplatforms > 1 ? own_outputs(r) : own_output(r)) != 0)
		return st;
	if (r->out.has_pgo) {
		warn("go build flags: -pgo is set by pgo-build (use --raw to pass a file as is)");
		return 2;
	}
	if (r->c->install && !install_dir_ok(r->c->install))
		return 2;
	return check_collisions(r);
}

/* run_build: validate, prepare, build, confirm, install, report. */
static int
run_build(struct run *r)
{
	const struct pgobuild_config *c = r->c;
	int st;

	/* Validate first: a bad profile stops here, before go runs. */
	if ((st = load_profile(r)) != 0) {
		if (c->fallback) {
			print_reasons(r);
			return fallback(r, "the profile is not usable");
		}
		if (st == -2) {
			warn("%s: %s; nothing built", r->name, r->reason[0]);
			return 2;
		}
		print_reasons(r);
		warn("%s: not usable for PGO; nothing built", r->name);
		return 1;
	}
	if (prepare(r) < 0)
		return c->fallback ? fallback(r, "the profile could not be prepared") : 1;
	summary(r);
	past_profile(r);
	st = build_all(r, r->prep_path);
	if (st < 0)
		return 1;
	if (st != 0 && st <= 128) {
		/* Did it fail for a Go that predates PGO? */
		if (ask_version(r) == 0 && !go_version_pgo(r->gomajor, r->gominor)) {
			warn("%s: %s is too old: PGO needs Go 1.21 or newer", r->go, r->gover);
			st = c->fallback ? fallback(r, "Go too old") : 1;
		} else if (c->fallback)
			st = fallback(r, "go build -pgo failed");
	}
	if (st != 0)
		return st;
	for (size_t i = 0; i < (r->bins ? c->nplatforms : 1); i++)
		check_binary(r, r->bins ? r->bins[i] : r->out.binary);
	if (c->install && install(r) < 0)
		return 1;
	/* Several platforms: the report is the first one's. */
	if (r->bins)
		go_platform_env(&c->platforms[0]);
	return c->report || c->strict ? decisions(r) : 0;
}

/* run_guarded runs the build in a child process under --fallback: when
 * reading or preparing the profile kills it (out of memory under a
 * ulimit, the kernel's OOM killer, any fatal error), this process still
 * builds without PGO. The child says on a pipe when it got past the
 * profile; from then on its status is the run's. */
static int
run_guarded(struct run *r)
{
	char why[128], byte;
	int fds[2], status;
	ssize_t n;
	pid_t pid, parent;

	fflush(NULL);
	parent = getpid();
	if (pipe2(fds, O_CLOEXEC) < 0)
		return run_build(r);
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return run_build(r);
	}
	if (pid == 0) {
		close(fds[0]);
		r->guard_fd = fds[1];
		/* A signal that ends the parent alone (kill PID) ends the run. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(1);
		return run_build(r);
	}
	close(fds[1]);
	while ((n = read(fds[0], &byte, 1)) < 0 && errno == EINTR)
		;
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			warn("waitpid:");
			return 1;
		}
	if (n == 1)
		return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		snprintf(why, sizeof why, "preparing the profile was killed by signal %d",
		    WTERMSIG(status));
	else
		snprintf(why, sizeof why, "preparing the profile failed (exit status %d)",
		    WEXITSTATUS(status));
	return fallback(r, why);
}

int
pgobuild_run(const struct pgobuild_config *c)
{
	struct run r = { .c = c, .guard_fd = -1 };
	int st;

	r.name = strcmp(c->profile, "-") ? c->profile : "<stdin>";
	r.go = go_command();
	if (c->nplatforms == 1) {
		go_platform_env(&c->platforms[0]);
		r.platform = c->platforms[0].name;
	}
	go_build_output(c->goargs, c->ngoargs, &r.out);
	if ((st = setup(&r)) == 0)
		st = c->fallback ? run_guarded(&r) : run_build(&r);
	run_free(&r);
	return st;
}
