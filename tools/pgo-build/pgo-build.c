/* pgo-build: a Go PGO build that never breaks: check the profile, prepare
 * it, run go build -pgo=, and say what the profile did (run.c, report.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/output.h"
#include "run.h"
#include "util/cli.h"
#include "util/err.h"
#include "util/progress.h"

static const char synopsis[] =
    "pgo-build [-qv] [--deny func] [--fallback] [--install dir] [--json]\n"
    "                 [--keep pct] [--keep-frames] [--min-coverage pct] [-o file]\n"
    "                 [-p profile] [--platform os/arch[/variant][,...]] ... [--raw]\n"
    "                 [--report file] [--strict] [--]\n"
    "                 [go build flags and packages]\n";

enum {
	OPT_DENY = 256, OPT_FALLBACK, OPT_INSTALL, OPT_JSON, OPT_KEEP, OPT_KEEPFRAMES,
	OPT_MINCOV, OPT_PLATFORM, OPT_RAW, OPT_REPORT, OPT_STRICT,
};

static const struct option longopts[] = {
	{ "deny", required_argument, NULL, OPT_DENY },
	{ "fallback", no_argument, NULL, OPT_FALLBACK },
	{ "help", no_argument, NULL, 'h' },
	{ "install", required_argument, NULL, OPT_INSTALL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "keep-frames", no_argument, NULL, OPT_KEEPFRAMES },
	{ "min-coverage", required_argument, NULL, OPT_MINCOV },
	{ "output", required_argument, NULL, 'o' },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "profile", required_argument, NULL, 'p' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* add_platforms parses one --platform (a comma list) onto c's platforms. */
static void
add_platforms(struct pgobuild_config *c, const char *arg)
{
	struct go_platform *p = (struct go_platform *)c->platforms;
	char **names = NULL;
	size_t n = 0;

	cli_list_add("--platform", arg, &names, &n);
	p = xreallocarray(p, c->nplatforms + n, sizeof *p);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < c->nplatforms; j++)
			if (!strcmp(p[j].name, names[i]))
				diex(2, "--platform %s: given twice", names[i]);
		if (go_platform_parse(names[i], &p[c->nplatforms]) < 0)
			diex(2, "--platform %s", errmsg());
		c->nplatforms++;
	}
	c->platforms = p;
	cli_list_free(names, n);
}

/* long_option applies an option that has no letter. */
static void
long_option(struct pgobuild_config *c, int ch)
{
	switch (ch) {
	case OPT_DENY:
		if (!strcmp(optarg, "-"))
			c->no_default_deny = 1;
		else if (!*optarg)
			diex(2, "--deny: empty function name");
		else
			c->deny[c->ndeny++] = optarg;
		break;
	case OPT_FALLBACK: c->fallback = 1; break;
	case OPT_INSTALL: c->install = output_arg("--install", optarg); break;
	case OPT_JSON: c->json = 1; break;
	case OPT_KEEP: c->keep = cli_real("--keep", optarg, 0.001, 100); break;
	case OPT_KEEPFRAMES: c->keep_frames = 1; break;
	case OPT_MINCOV: c->min_coverage = cli_real("--min-coverage", optarg, 0, 100); break;
	case OPT_PLATFORM: add_platforms(c, optarg); break;
	case OPT_RAW: c->raw = 1; break;
	case OPT_REPORT: c->report = output_arg("--report", optarg); break;
	case OPT_STRICT: c->strict = 1; break;
	default: cli_usage(EXIT_USAGE);
	}
}

int
main(int argc, char *argv[])
{
	struct pgobuild_config c = { .profile = "default.pgo", .min_coverage = 80 };
	const char *output = NULL;
	char **goargs;
	int ch, st;

	cli_init(argv[0], synopsis);
	c.deny = xcalloc((size_t)argc, sizeof(*c.deny));
	/* "+": stop at the first go build argument; go's own flags follow "--". */
	while ((ch = getopt_long(argc, argv, "+ho:p:qVv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h': cli_usage(0);
		case 'o': output = output_arg("-o", optarg); break;
		case 'p': c.profile = optarg; break;
		case 'q': c.quiet = 1; c.verbose = 0; break;
		case 'V': cli_version();
		case 'v': c.verbose = 1; c.quiet = 0; break;
		default: long_option(&c, ch);
		}
	}
	argc -= optind;
	argv += optind;
	c.output = output;
	goargs = xcalloc((size_t)argc + 1, sizeof *goargs);
	for (int i = 0; i < argc; i++)
		goargs[c.ngoargs++] = argv[i];
	c.goargs = goargs;
	if (c.json && !c.report)
		diex(2, "--json is the format of --report: give --report file");
	if (c.raw && (c.keep > 0 || c.ndeny || c.no_default_deny))
		diex(2, "--raw uses the profile as is: no --keep or --deny with it");

	progress_init(!c.quiet);
	st = pgobuild_run(&c);
	free(goargs);
	free(c.deny);
	free((void *)c.platforms);
	stdout_close();
	return st;
}
