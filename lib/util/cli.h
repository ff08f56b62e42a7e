/* One command-line convention for the five tools (ARCHITECTURE.md): usage()
 * is the man page SYNOPSIS, -h/--help and -V/--version, numbers parsed
 * strictly with a bad one a usage error (exit 2), one verbosity level. */
#ifndef PGOKIT_CLI_H
#define PGOKIT_CLI_H

#include <stddef.h>
#include <stdnoreturn.h>

/* Exit statuses every tool shares: 2 is a usage error or an input that
 * cannot be read; check modes answer 0 yes, 1 no, 2 error. */
enum { EXIT_USAGE = 2 };

/* Verbosity from -q (-1) and -v (1); 0 by default. */
extern int cli_verbosity;

/* cli_init sets the program name for messages and the synopsis usage()
 * prints: the man page's SYNOPSIS lines, without "usage: ". */
void cli_init(const char *arg0, const char *synopsis);

/* cli_usage prints "usage: " and the synopsis, on stdout with status 0
 * (-h/--help), else on stderr, and exits with status. */
noreturn void cli_usage(int status);

/* cli_version prints "<tool> pgokit <version>" and exits 0. */
noreturn void cli_version(void);

/* Option values: a bad one is a usage error naming the option, e.g.
 * "pprof-merge: -z 13: too large (want 0 to 12)", exit 2. */
long long cli_int(const char *opt, const char *arg, long long min, long long max);
double cli_real(const char *opt, const char *arg, double min, double max);
size_t cli_size(const char *opt, const char *arg);

/* cli_list_add appends the comma-separated items of an option that may be
 * repeated (--platform a,b --platform c) to the array *v of *n strings
 * (malloc'd, freed with cli_list_free); an empty item is a usage error. */
void cli_list_add(const char *opt, const char *arg, char ***v, size_t *n);
void cli_list_free(char **v, size_t n);

#endif
