/* pgo-build: a Go PGO build that never breaks: check the profile, prepare
 * it, run go build -pgo=, and say what the profile did (lib/pgobuild.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/output.h"
#include "run.h"
#include "util/err.h"

static void
usage_to(FILE *f)
{
	fprintf(f,
	    "usage: pgo-build [-v] [--deny func] [--fallback] [--install dir] [--keep pct]\n"
	    "                 [--min-coverage pct] [-p profile] [--raw] [--]\n"
	    "                 [go build flags and packages]\n");
}

static void
usage(void)
{
	usage_to(stderr);
	exit(2);
}

static double
percent(const char *opt, const char *s, double min)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min) || v > 100)
		diex(2, "%s %s: want a percent from %g to 100", opt, s, min);
	return v;
}

enum {
	OPT_DENY = 256, OPT_FALLBACK, OPT_HELP, OPT_INSTALL, OPT_KEEP, OPT_MINCOV,
	OPT_RAW, OPT_VERSION,
};

static const struct option longopts[] = {
	{ "deny", required_argument, NULL, OPT_DENY },
	{ "fallback", no_argument, NULL, OPT_FALLBACK },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "install", required_argument, NULL, OPT_INSTALL },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "min-coverage", required_argument, NULL, OPT_MINCOV },
	{ "profile", required_argument, NULL, 'p' },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char *argv[])
{
	struct pgobuild_config c = { .profile = "default.pgo", .min_coverage = 80 };
	int ch, st;

	setprogname(argv[0]);
	c.deny = xcalloc((size_t)argc, sizeof(*c.deny));
	/* "+": stop at the first go build argument; go's own flags follow "--". */
	while ((ch = getopt_long(argc, argv, "+p:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			c.profile = optarg;
			break;
		case 'v':
			c.verbose = 1;
			break;
		case OPT_DENY:
			if (!strcmp(optarg, "-"))
				c.no_default_deny = 1;
			else if (!*optarg)
				diex(2, "--deny: empty function name");
			else
				c.deny[c.ndeny++] = optarg;
			break;
		case OPT_FALLBACK:
			c.fallback = 1;
			break;
		case OPT_HELP:
			free(c.deny);
			usage_to(stdout);
			stdout_close();
			return 0;
		case OPT_INSTALL:
			c.install = optarg;
			break;
		case OPT_KEEP:
			c.keep = percent("--keep", optarg, 0.001);
			break;
		case OPT_MINCOV:
			c.min_coverage = percent("--min-coverage", optarg, 0);
			break;
		case OPT_RAW:
			c.raw = 1;
			break;
		case OPT_VERSION:
			free(c.deny);
			printf("pgo-build pgokit %s\n", PGOKIT_VERSION);
			stdout_close();
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	c.goargs = argv;
	c.ngoargs = (size_t)argc;
	if (c.raw && (c.keep > 0 || c.ndeny || c.no_default_deny))
		diex(2, "--raw uses the profile as is: no --keep or --deny with it");

	st = pgobuild_run(&c);
	free(c.deny);
	stdout_close();
	return st;
}
