/* The targets pprof-fetch collects from: "host:port", "http(s)://host:port"
 * (the Go /debug/pprof/profile endpoint) or a URL with a path used as is,
 * given as arguments, one per line in a file, or in a Prometheus file_sd
 * JSON file with labels. */
#ifndef PGOKIT_TARGETS_H
#define PGOKIT_TARGETS_H

#include <stddef.h>

/* Targets are URLs; their users redact them with url_redact. */
#include "net/url.h"

struct target {
	char *url;	/* the URL fetched; may carry user:password@ */
	char *name;	/* for messages: the URL without credentials, or host:port */
	char *host;	/* without brackets for IPv6 */
	int port;
	/* file_sd labels as "name=value", value escaped (util/escape.h) */
	char **labels;
	size_t nlabels;
};

/* A targets file larger than this is refused: 16 MiB is some 400,000
 * targets, and /dev/zero must not be read for long. */
#define TARGETS_FILE_MAX ((size_t)16 << 20)

struct targets {
	struct target *v;
	size_t n, cap;
};

/* targets_add parses one target; seconds is the profile duration for Go
 * endpoints. -1 with seterr() when spec is not a target. */
int targets_add(struct targets *t, const char *spec, int seconds);

/* targets_read adds the targets of path ("-" = stdin), one per line, with
 * '#' comments and blank lines skipped. -1 with seterr("file:line: why"),
 * also for a NUL byte (at once) and a file past TARGETS_FILE_MAX. */
int targets_read(struct targets *t, const char *path, int seconds);

/* targets_read_file_sd adds the targets of a Prometheus file_sd JSON file
 * (path, "-" = stdin): [{"targets": ["host:port", ...], "labels": {"k":
 * "v", ...}}, ...]. Each target gets its group's labels; a "__scheme__"
 * label of "https" makes its targets https, other labels starting "__"
 * are dropped, as Prometheus drops them. The same size limit; -1 with
 * seterr("file: group N: why") for anything else. */
int targets_read_file_sd(struct targets *t, const char *path, int seconds);

/* target_file_stem is "host_port" with every character outside
 * [A-Za-z0-9._-] replaced by '_' (no ':' in file names); a new string. */
char *target_file_stem(const char *host, int port);

void targets_free(struct targets *t);

#endif
