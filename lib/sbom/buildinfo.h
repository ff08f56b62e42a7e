/* The build information a Go binary (Go 1.18 and later) records about
 * itself, read straight from the file with no Go toolchain: the Go version,
 * the main module, every dependency with version and sum, and the build
 * settings (-pgo=, -ldflags=, vcs.revision...), as `go version -m` shows. */
#ifndef PGOKIT_BUILDINFO_H
#define PGOKIT_BUILDINFO_H

#include <stddef.h>

#include "util/membuf.h"

struct go_module {
	char *path, *version, *sum;	/* version and sum may be "" */
	struct go_module *replace;	/* the "=>" line, or NULL */
};

struct go_setting {
	char *key, *value;
};

struct go_buildinfo {
	char *go_version;		/* "go1.23.4" */
	char *path;			/* main package path, or NULL */
	struct go_module main;		/* main module; path NULL if none */
	struct go_module *deps;
	size_t n_deps;
	struct go_setting *settings;
	size_t n_settings;
};

/* buildinfo_read reads the build information of the ELF file at path.
 * 1 found; 0 the file is readable but carries none (not ELF, not Go, or a
 * Go older than 1.18), with seterr() saying which; -1 with seterr() when
 * the file cannot be read or its build information is malformed. */
int buildinfo_read(const char *path, struct go_buildinfo *bi);

/* buildinfo_parse does the same on file bytes in memory. */
int buildinfo_parse(const void *file, size_t len, struct go_buildinfo *bi);

/* buildinfo_setting: the value of a build setting, or NULL. */
const char *buildinfo_setting(const struct go_buildinfo *bi, const char *key);

/* buildinfo_format appends the text `go version -m` prints after the
 * file's name: "go1.x\n" then the tab-indented path, mod, dep, => and build
 * lines, quoting as Go's debug.BuildInfo.String does. */
void buildinfo_format(const struct go_buildinfo *bi, struct membuf *out);

void buildinfo_free(struct go_buildinfo *bi);

#endif
