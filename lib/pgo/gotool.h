/* The Go toolchain as a child program: which `go` to run ($GO, else PATH),
 * its version (PGO needs Go 1.21 or newer), and whether a built binary
 * records the profile it was built with (`go version -m` shows -pgo=). */
#ifndef PGOKIT_GOTOOL_H
#define PGOKIT_GOTOOL_H

#include <stddef.h>

/* go_command is $GO when set and non-empty, else "go" (searched on PATH). */
const char *go_command(void);

/* go_version runs `go version` and parses "go1.N[.M]" into *major, *minor;
 * name (may be NULL) gets the version word, e.g. "go1.23.4". -1 with seterr()
 * when go cannot run or prints no version. */
int go_version(const char *go, int *major, int *minor, char *name, size_t namesz);

/* go_version_ok: does major.minor support -pgo=FILE (1.21 or newer). */
int go_version_pgo(int major, int minor);

/* go_binary_pgo runs `go version -m bin`: 1 and *pgo (malloc'd) = the -pgo=
 * value the binary records; 0 when it records none (or -pgo=off); -1 with
 * seterr() when bin is no Go binary or go fails. ver (may be NULL) gets the
 * Go version that built bin ("go1.23.5"), "" when not shown. */
int go_binary_pgo(const char *go, const char *bin, char **pgo, char *ver, size_t versz);

/* go_unquote undoes Go's strconv.Quote (a build setting's value in `go
 * version -m` output is quoted when it holds a space or a quote); a value
 * without quotes comes back as it is. Malloc'd; NULL when malformed. */
char *go_unquote(const char *s);

/* A target platform for a cross-build, "os/arch[/variant]" as OCI names
 * it: GOOS and GOARCH, and the variant as the Go setting that selects it
 * (arm v5..v7: GOARM, amd64 v1..v4: GOAMD64; arm64 v8 is Go's only one). */
struct go_platform {
	char goos[32], goarch[32];
	const char *var_name;   /* "GOARM", "GOAMD64", or NULL */
	char var_value[8];
	char suffix[80];        /* "linux-arm64", "linux-arm-v7": file names */
	char name[80];          /* "linux/arm/v7" as given */
};

/* go_platform_parse fills p from "os/arch[/variant]"; -1 with seterr()
 * when it is not that shape or the variant means nothing to Go. */
int go_platform_parse(const char *s, struct go_platform *p);

/* go_platform_env sets GOOS, GOARCH, CGO_ENABLED=0 (a cross-build is pure
 * Go) and the variant's setting in this process's environment, which every
 * go child inherits. */
void go_platform_env(const struct go_platform *p);

/* What `go build ARGS` writes, worked out from its arguments alone (no
 * extra go process): struct go_output is filled from -C, -o and the package
 * arguments. A flag -pgo among ARGS is reported in has_pgo. */
struct go_output {
	char *dir;      /* directory the outputs go to (malloc'd, never NULL) */
	char *binary;   /* the binary's path, NULL when unknown or none */
	int has_pgo;    /* ARGS set -pgo themselves */
	int has_o;      /* ARGS name the output with -o */
	int npkg;       /* package arguments (0 means ".") */
	size_t pkg_start; /* index of the first package argument in ARGS */
};

/* go_build_output parses the go build flags in args[0..nargs-1]. */
void go_build_output(char *const args[], size_t nargs, struct go_output *o);
void go_output_free(struct go_output *o);

#endif
