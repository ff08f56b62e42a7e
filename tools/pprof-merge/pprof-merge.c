/* pprof-merge: merge pprof profiles into one, as `go tool pprof -proto` does,
 * one input in memory at a time, optionally weighted. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/gzip.h"
#include "pprof/merge.h"
#include "util/output.h"
#include "pprof/load.h"
#include "pprof/profile.h"
#include "util/err.h"

#define DEFAULT_LEVEL 1

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: %s [-Lq] [--strict] [--max-size size] [-o file] [-t type] [-z level]\n"
	    "       [file[@weight] ...]\n",
	    argv0);
	exit(status);
}

/* split_weight separates "path@weight" when path itself does not exist;
 * "-@0.5" is stdin with weight 0.5. */
static const char *
split_weight(char *arg, double *weight)
{
	char *at = strrchr(arg, '@'), *end;
	double w;

	*weight = 1.0;
	if (!at || at == arg || access(arg, F_OK) == 0)
		return arg;
	errno = 0;
	w = strtod(at + 1, &end);
	if (errno || end == at + 1 || *end || !(w >= 0) || isinf(w))
		die("%s: bad weight '%s' (want a number >= 0)", arg, at + 1);
	*at = '\0';
	*weight = w;
	return arg;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "max-size", required_argument, NULL, 'M' },
		{ "strict", no_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct merge_opts mo = { 0 };
	struct merger *m;
	uint8_t *raw, *gz;
	size_t rawlen, gzlen;
	const char *output = NULL, *defarg[] = { "-" };
	size_t cap = default_size_cap();
	int c, i, level = DEFAULT_LEVEL, strict = 0, quiet = 0, bad = 0;
	long long v;
	char *end;

	setprogname(argv[0]);
	while ((c = getopt_long(argc, argv, "Lo:qt:z:", longopts, NULL)) != -1) {
		switch (c) {
		case 'L':
			mo.drop_labels = 1;
			break;
		case 'M':
			if ((v = parse_size(optarg)) <= 0)
				diex(2, "bad --max-size '%s'", optarg);
			cap = (size_t)v;
			break;
		case 'o':
			output = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'S':
			strict = 1;
			break;
		case 't':
			mo.sample_type = optarg;
			break;
		case 'z':
			level = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || level < 0 || level > 12)
				diex(2, "bad level '%s' (want 0-12; 0 writes raw protobuf)", optarg);
			break;
		case 'V':
			printf("pprof-merge pgokit %s\n", PGOKIT_VERSION);
			return 0;
		case 'h':
			usage(0);
			/* FALLTHROUGH */
		default:
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		argc = 1;
		argv = (char **)defarg;
	}
	if (!output && isatty(1))
		diex(1, "<stdout>: refusing to write a binary profile to a terminal (use -o file or -o -)");

	m = merger_new(&mo);
	for (i = 0; i < argc; i++) {
		char *arg = xstrdup(argv[i]);
		double w;
		const char *path = split_weight(arg, &w);
		struct profile_stream *r = profile_stream_open(path, cap);
		const uint8_t *buf;
		size_t len;
		int got, nth = 0;

		while ((got = profile_stream_next(r, &buf, &len)) > 0) {
			nth++;
			if (merger_add_bytes(m, buf, len, w) < 0) {
				if (nth > 1)
					warn("%s: profile %d: %s", profile_stream_name(r), nth, errmsg());
				else
					warn("%s: %s", profile_stream_name(r), errmsg());
				bad++;
				if (strict)
					exit(1);
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
				exit(1);
		}
		profile_stream_close(r);
		free(arg);
	}
	if (merger_count(m) == 0)
		die("no valid input profile%s", bad ? "" : "s");
	if (bad && !quiet)
		warn("merged %d profile%s, skipped %d bad input%s", merger_count(m),
		    merger_count(m) == 1 ? "" : "s", bad, bad == 1 ? "" : "s");
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
