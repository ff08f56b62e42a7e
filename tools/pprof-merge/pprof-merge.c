/* pprof-merge: merge pprof profiles into one, as `go tool pprof -proto` does,
 * one input in memory at a time, optionally weighted. */
#include <getopt.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/gzip.h"
#include "pprof/merge.h"
#include "util/output.h"
#include "pprof/load.h"
#include "pprof/profile.h"
#include "util/cli.h"
#include "util/err.h"
#include "util/num.h"

#define DEFAULT_LEVEL 1

static const char synopsis[] =
    "pprof-merge [-Lqv] [--strict] [--max-size size] [-o file] [-t type]\n"
    "                   [-z level] [file[@weight] ...]\n";

/* split_weight separates "path@weight" when path itself does not exist;
 * "-@0.5" is stdin with weight 0.5. A weight that is not a finite number
 * >= 0 is a usage error, whether path exists or not: main checks every
 * argument before it reads any input. */
static const char *
split_weight(char *arg, double *weight)
{
	char *at = strrchr(arg, '@');
	const char *why;
	double w;

	*weight = 1.0;
	if (!at || at == arg || access(arg, F_OK) == 0)
		return arg;
	w = num_real(at + 1, 0, DBL_MAX, &why);
	if (why)
		diex(EXIT_USAGE, "%s: bad weight: %s (want a number >= 0)", arg, why);
	*at = '\0';
	*weight = w;
	return arg;
}

/* merge_input adds every profile of one input (a file or "-", with an
 * optional @weight) to m and returns how many of its parts were bad. Under
 * --strict a bad part ends the run with status 2. */
static int
merge_input(struct merger *m, const char *argument, size_t cap, int strict)
{
	char *arg = xstrdup(argument);
	double w;
	const char *path = split_weight(arg, &w);
	struct profile_stream *r = profile_stream_open(path, cap);
	const uint8_t *buf;
	size_t len;
	int got, nth = 0, bad = 0;

	while ((got = profile_stream_next(r, &buf, &len)) > 0) {
		nth++;
		if (merger_add_bytes(m, buf, len, w) < 0) {
			if (nth > 1)
				warn("%s: profile %d: %s", profile_stream_name(r), nth, errmsg());
			else
				warn("%s: %s", profile_stream_name(r), errmsg());
			bad++;
			if (strict)
				exit(EXIT_USAGE);
		}
	}
	if (got == 0 && profile_stream_count(r) == 0) {
		warn("%s: empty input", profile_stream_name(r));
		got = LOAD_INVALID;
	} else if (got < 0)
		warn("%s", errmsg());
	if (got < 0) {
		bad++;
		if (strict)
			exit(EXIT_USAGE);
	}
	profile_stream_close(r);
	free(arg);
	return bad;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "max-size", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "strict", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct merge_opts mo = { 0 };
	struct merger *m;
	uint8_t *raw, *gz;
	size_t rawlen, gzlen;
	const char *output = NULL, *defarg[] = { "-" };
	size_t cap = default_size_cap();
	int c, i, level = DEFAULT_LEVEL, strict = 0, bad = 0;

	cli_init(argv[0], synopsis);
	while ((c = getopt_long(argc, argv, "hLo:qt:Vvz:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': cli_usage(0);
		case 'L': mo.drop_labels = 1; break;
		case 'M': cap = cli_size("--max-size", optarg); break;
		case 'o': output = output_arg("-o", optarg); break;
		case 'q': cli_verbosity = -1; break;
		case 'S': strict = 1; break;
		case 't': mo.sample_type = optarg; break;
		case 'V': cli_version();
		case 'v': cli_verbosity = 1; break;
		/* 0 writes raw protobuf */
		case 'z': level = (int)cli_int("-z", optarg, 0, 12); break;
		default: cli_usage(EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		argc = 1;
		argv = (char **)defarg;
	}
	if (!output && stdout_guard("a binary profile", 0) < 0)
		diex(1, "%s", errmsg());

	for (i = 0; i < argc; i++) {
		char *arg = xstrdup(argv[i]);
		double w;

		split_weight(arg, &w);
		free(arg);
	}
	m = merger_new(&mo);
	for (i = 0; i < argc; i++)
		bad += merge_input(m, argv[i], cap, strict);
	/* Inputs that cannot be read as profiles (an empty one too) are exit
	 * status 2, like every tool's unreadable input. */
	if (merger_count(m) == 0)
		diex(bad ? EXIT_USAGE : 1, "no valid input profile%s", bad ? "" : "s");
	if (bad && cli_verbosity >= 0)
		warn("merged %d profile%s, skipped %d bad input%s", merger_count(m),
		    merger_count(m) == 1 ? "" : "s", bad, bad == 1 ? "" : "s");
	else if (cli_verbosity > 0)
		warn("merged %d profile%s from %d input%s", merger_count(m),
		    merger_count(m) == 1 ? "" : "s", argc, argc == 1 ? "" : "s");
	if (merger_encode(m, &raw, &rawlen) < 0)
		die("%s", errmsg());
	if (level > 0) {
		if (gz_deflate(raw, rawlen, level, &gz, &gzlen) < 0)
			die("%s", errmsg());
		free(raw);
		raw = gz;
		rawlen = gzlen;
	}
	if (write_output(output, raw, rawlen, 1) < 0)
		die("%s", errmsg());
	free(raw);
	stdout_close();
	return 0;
}
