/* pgo-build's run: validate the profile, prepare it, run `go build -pgo=`,
 * confirm and summarise, falling back to -pgo=off when asked. The tool's
 * main only parses options into a struct pgobuild_config. */
#ifndef PGOKIT_PGOBUILD_H
#define PGOKIT_PGOBUILD_H

#include <stddef.h>

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
	char **goargs;                  /* go build flags and packages */
	size_t ngoargs;
};

/* pgobuild_run returns the exit status for main: go build's own status
 * (128+N after signal N), 1 on a profile or setup failure, 0 with
 * --fallback after a build without PGO. */
int pgobuild_run(const struct pgobuild_config *c);

#endif
