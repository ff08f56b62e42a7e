/* pgo-build --report and --strict: what the profile made the compiler do.
 * A second `go build -o /dev/null` with the same profile and flags plus
 * -gcflags=all=-d=pgodebug=2 -m=2 prints the decisions; the binary the user
 * gets comes from the first build alone, so the report cannot change it
 * (debug flags are part of every package's cache key and of the binary's
 * recorded build settings). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgo/decisions.h"
#include "pgo/edges.h"
#include "pgo/gotool.h"
#include "report/decisions.h"
#include "run.h"
#include "util/child.h"
#include "util/err.h"
#include "util/output.h"

/* with_debug appends the decision flags to a -gcflags value, keeping its
 * package pattern: the report build must compile each package with the
 * user's own flags, or it would describe another build. */
static char *
with_debug(const char *flag, const char *value)
{
	size_t n = strlen(flag) + strlen(value) + sizeof PGO_DECISION_GCFLAGS + 3;
	char *s = xmalloc(n);

	snprintf(s, n, "%s=%s %s", flag, value, PGO_DECISION_GCFLAGS);
	return s;
}

/* report_argv: go build [-C dir] -pgo=PATH -gcflags=all=DEBUG <user flags,
 * each -gcflags with DEBUG appended> -o /dev/null <packages>. Later
 * -gcflags patterns win in cmd/go, so the user's keep their precedence.
 * Strings made here are listed in owned[] for the caller to free. */
static char **
report_argv(const struct pgobuild_report *rp, char **owned, size_t *nowned)
{
	const struct pgobuild_config *c = rp->c;
	char **argv = xcalloc(c->ngoargs + 8, sizeof *argv);
	size_t n = 0, i = 0, len = strlen(rp->pgo) + 6;

	argv[n++] = (char *)rp->go;
	argv[n++] = "build";
	if (c->ngoargs > 1 && (!strcmp(c->goargs[0], "-C") || !strcmp(c->goargs[0], "--C"))) {
		argv[n++] = c->goargs[i++];
		argv[n++] = c->goargs[i++];
	} else if (c->ngoargs > 0 && (!strncmp(c->goargs[0], "-C=", 3) ||
	    !strncmp(c->goargs[0], "--C=", 4)))
		argv[n++] = c->goargs[i++];
	owned[*nowned] = xmalloc(len);
	snprintf(owned[*nowned], len, "-pgo=%s", rp->pgo);
	argv[n++] = owned[(*nowned)++];
	argv[n++] = "-gcflags=all=" PGO_DECISION_GCFLAGS;
	for (; i < rp->out->pkg_start && i < c->ngoargs; i++) {
		const char *a = c->goargs[i];
		const char *name = a + (a[1] == '-' ? 2 : 1);

		if (!strcmp(a, "--"))
			continue;
		if (!strncmp(name, "gcflags=", 8)) {
			owned[*nowned] = with_debug("-gcflags", name + 8);
			argv[n++] = owned[(*nowned)++];
		} else if (!strcmp(name, "gcflags") && i + 1 < c->ngoargs) {
			owned[*nowned] = with_debug("-gcflags", c->goargs[++i]);
			argv[n++] = owned[(*nowned)++];
		} else
			argv[n++] = (char *)a;
	}
	argv[n++] = "-o";
	argv[n++] = "/dev/null";
	for (; i < c->ngoargs; i++)
		argv[n++] = c->goargs[i];
	return argv;
}

/* report_build runs the report build and parses its output. */
static int
report_build(const struct pgobuild_report *rp, struct pgo_decisions *ds)
{
	char **owned = xcalloc(rp->c->ngoargs + 2, sizeof *owned), *out;
	size_t nowned = 0, len;
	char **argv = report_argv(rp, owned, &nowned);
	int st;

	if (rp->c->verbose) {
		fprintf(stderr, "%s: report build:", argv0);
		for (size_t i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	st = child_capture_all(argv, &out, &len);
	if (st < 0)
		warn("%s", errmsg());
	else if (st != 0) {
		fwrite(out, 1, len, stderr);
		warn("the report build (go build -o /dev/null) failed: exit status %d", st);
	} else
		pgo_decisions_parse(out, len, ds);
	free(out);
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(argv);
	return st == 0 ? 0 : -1;
}

/* is_std: cmd/go's rule for a standard-library import path: no dot in its
 * first element ("command-line-arguments" is the user's .go files). A
 * dotless module path of the user's own counts as standard here. */
static int
is_std(const char *pkg)
{
	size_t first = strcspn(pkg, "/");

	return memchr(pkg, '.', first) == NULL && strcmp(pkg, "main") != 0 &&
	    strcmp(pkg, "command-line-arguments") != 0;
}

static int
has(char list[][256], size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

/* explain_nothing names the likely cause of a profile that changed nothing:
 * the packages its hot functions live in against the packages compiled. */
static void
explain_nothing(const struct pgobuild_report *rp, const struct pgo_decisions *ds)
{
	char hot[8][256], buf[2048];
	size_t nhot = 0, len = 0, nhotedge = pgo_hot(rp->edges, PGO_DEFAULT_CDF, NULL);
	int matched = 0;

	for (size_t i = 0; i < nhotedge && nhot < 8; i++) {
		pgo_symbol_pkg(rp->edges->edge[i].caller, hot[nhot], sizeof hot[0]);
		if (!is_std(hot[nhot]) && !has(hot, nhot, hot[nhot]))
			nhot++;
	}
	if (nhot == 0) {
		warn("likely cause: the profile's hot functions are all in the standard library");
		return;
	}
	for (size_t i = 0; i < nhot; i++)
		for (size_t j = 0; j < ds->npkg; j++)
			matched |= !strcmp(hot[i], ds->pkg[j].pkg);
	for (size_t i = 0; i < nhot && len < sizeof buf - 300; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "", hot[i]);
	if (!matched && has(hot, nhot, "main"))
		warn("likely cause: the profile's hot functions are in packages %s; "
		    "\"main.\" symbols match only a main package built as such, not `go test` "
		    "or an importing build, which compile that code under its import path", buf);
	else if (!matched)
		warn("likely cause: the profile's hot functions are in packages %s, "
		    "none of which this build compiled", buf);
	else
		warn("likely cause: the hot call sites in the packages built give the "
		    "compiler nothing to do (already inlined, no indirect calls); hot packages: %s", buf);
}

static int
write_report(const struct pgobuild_report *rp, const struct pgo_decisions *ds)
{
	const struct pgobuild_config *c = rp->c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f) {
		warn("open_memstream:");
		return -1;
	}
	rc = decisions_write(ds, rp->pgo, rp->gover, c->json, f);
	fclose(f);
	if (rc == 0)
		rc = strcmp(c->report, "-") ? write_atomic(c->report, buf, len, 0644) :
		    write_stdout(buf, len, 0, 0);
	if (rc < 0)
		warn("%s", errmsg());
	free(buf);
	return rc;
}

int
pgobuild_report(const struct pgobuild_report *rp)
{
	const struct pgobuild_config *c = rp->c;
	struct pgo_decisions ds;
	size_t own = 0, acted = 0;
	int st = 0;

	if (report_build(rp, &ds) < 0)
		return 1;
	if (c->report && write_report(rp, &ds) < 0)
		st = 1;
	if (!c->quiet)
		warn("decisions: %zu devirtualized, %zu hot-budget inlines, %zu missed hot sites%s%s%s",
		    ds.devirt, ds.inl, ds.missed, c->report ? " (report: " : "",
		    c->report ? (strcmp(c->report, "-") ? c->report : "<stdout>") : "",
		    c->report ? ")" : "");
	for (size_t i = 0; i < ds.npkg; i++)
		if (!is_std(ds.pkg[i].pkg)) {
			own++;
			acted += ds.pkg[i].devirt + ds.pkg[i].inl;
		}
	/* The standard library takes decisions from any CPU profile (runtime
	 * frames are in all of them): only the user's packages tell whether
	 * the profile matched the program. */
	if (acted == 0) {
		warn("%s: the profile changed nothing in the %zu packages built outside "
		    "the standard library (no devirtualization, no hot-budget inline)",
		    c->strict ? "error" : "warning", own);
		explain_nothing(rp, &ds);
		if (c->strict)
			st = 1;
	}
	pgo_decisions_free(&ds);
	return st;
}
