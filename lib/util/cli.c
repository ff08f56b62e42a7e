/* The shared command-line convention (cli.h): usage, version and strict
 * option values, so that the five tools answer -h, -V and a bad number in
 * exactly the same way. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cli.h"
#include "util/err.h"
#include "util/num.h"
#include "util/output.h"

int cli_verbosity;
static const char *synopsis = "";

void
cli_init(const char *arg0, const char *syn)
{
	setprogname(arg0);
	synopsis = syn;
}

void
cli_usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f, "usage: %s", synopsis);
	if (!status)
		stdout_close();
	exit(status);
}

void
cli_version(void)
{
	printf("%s pgokit %s\n", argv0, PGOKIT_VERSION);
	stdout_close();
	exit(0);
}

long long
cli_int(const char *opt, const char *arg, long long min, long long max)
{
	const char *why;
	long long v = num_int(arg, min, max, &why);

	if (why)
		diex(EXIT_USAGE, "%s %s: %s (want a whole number from %lld to %lld)",
		    opt, arg, why, min, max);
	return v;
}

double
cli_real(const char *opt, const char *arg, double min, double max)
{
	const char *why;
	double v = num_real(arg, min, max, &why);

	if (why)
		diex(EXIT_USAGE, "%s %s: %s (want a number from %g to %g)", opt, arg, why, min, max);
	return v;
}

size_t
cli_size(const char *opt, const char *arg)
{
	const char *why;
	long long v = num_size(arg, 1, SIZE_MAX < INT64_MAX ? (long long)SIZE_MAX : INT64_MAX, &why);

	if (why)
		diex(EXIT_USAGE, "%s %s: %s", opt, arg, why);
	return (size_t)v;
}

void
cli_list_add(const char *opt, const char *arg, char ***v, size_t *n)
{
	const char *p = arg, *comma;

	do {
		comma = strchr(p, ',');
		if (comma == p || !*p)
			diex(EXIT_USAGE, "%s %s: empty item in the list", opt, arg);
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		(*v)[(*n)++] = comma ? strndup(p, (size_t)(comma - p)) : xstrdup(p);
		if (!(*v)[*n - 1])
			die("out of memory");
		p = comma + 1;
	} while (comma);
}

void
cli_list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
