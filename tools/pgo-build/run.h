/* pgo-build's run: validate the profile, prepare it, run `go build -pgo=`,
 * confirm and summarise, falling back to -pgo=off when asked. The tool's
 * main only parses options into a struct pgobuild_config. */
#ifndef PGOKIT_PGOBUILD_H
#define PGOKIT_PGOBUILD_H

#include <stddef.h>

#include "pgo/gotool.h"

struct pgobuild_config {
	const char *profile;            /* -p; "-" is stdin */
	const char *install;            /* --install dir, or NULL */
	double keep;                    /* --keep; <= 0: automatic */
	double min_coverage;            /* --min-coverage, percent */
	const char **deny;              /* --deny names */
	size_t ndeny;
	int no_default_deny;            /* --deny - */
	int keep_frames;                /* --keep-frames */
	int fallback, raw, verbose, quiet;  /* quiet: no summary (-q) */
	const char *report;             /* --report file ("-" stdout), or NULL */
	int json;                       /* --json: the report as JSON */
	int strict;                     /* --strict: no PGO effect is an error */
	const char *output;             /* -o: the binary, renamed into place */
	const struct go_platform *platforms; /* --platform, in order; none: the host */
	size_t nplatforms;              /* several: one binary each, -o FILE-os-arch */
	char **goargs;                  /* go build flags and packages */
	size_t ngoargs;
};

/* pgobuild_run returns the exit status for main: go build's own status
 * (128+N after signal N), 1 on a profile or setup failure, 0 with
 * --fallback after a build without PGO (EXIT_NO_PGO with --strict). */
int pgobuild_run(const struct pgobuild_config *c);

/* The status of a --fallback build without PGO that worked, under --strict:
 * a binary was written, but CI should know it has no profile. */
enum { EXIT_NO_PGO = 3 };

/* What the decision pass (report.c) needs from the run. */
struct go_output;
struct pgo_edges;
struct pgobuild_report {
	const struct pgobuild_config *c;
	const char *go, *pgo, *gover;   /* go command, -pgo= path, "go1.23.5" */
	const struct go_output *out;
	const struct pgo_edges *edges;  /* of the profile as given */
};

/* pgobuild_report runs the report build, writes --report and warns when
 * the profile changed nothing; 1 on failure or (--strict) no effect. */
int pgobuild_report(const struct pgobuild_report *rp);

#endif
