/* pprof-stat: look at a profile before trusting it for a build: the
 * `go tool pprof -top` report, JSON, folded stacks, a flame graph, the call
 * edges Go's PGO uses, and a verdict on whether Go will use it at all. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/flame.h"
#include "report/folded.h"
#include "pprof/load.h"
#include "util/output.h"
#include "pgo/check.h"
#include "report/pgo.h"
#include "pprof/profile.h"
#include "report/json.h"
#include "report/top.h"
#include "util/cli.h"
#include "util/err.h"

enum mode { TOP, CHECK, FOLDED, JSON, PGO, SVG };

static const char synopsis[] =
    "pprof-stat [-qv] [--check | --folded | --json | --pgo | --svg] [-n count]\n"
    "                  [-o file] [-t type] [file]\n";

/* check answers like cmp: 0 usable, 1 not; -q leaves only the status. */
static int check(const struct profile *p, const char *name, FILE *out)
{
	struct pgo_verdict v;
	if (pgo_check(p, &v)) {
		if (cli_verbosity >= 0)
			fprintf(out, "%s: usable for PGO (sample type %s/%s)\n", name,
			    profile_str(p, p->pb->sample_type[v.sample_index]->type),
			    profile_str(p, p->pb->sample_type[v.sample_index]->unit));
		return 0;
	}
	if (cli_verbosity < 0)
		return 1;
	fprintf(out, "%s: not usable for PGO%s\n", name,
	    v.accepted ? " (go build accepts it, but it has no effect)" : " (go build -pgo fails)");
	for (size_t i = 0; i < v.nreason; i++)
		fprintf(out, "  - %s\n", v.reason[i]);
	return 1;
}

/* The report goes to stdout, or with -o into memory and then atomically
 * to the file, so a failed run never leaves half a report. */
struct sink {
	const char *path;
	FILE *f;
	char *buf;
	size_t len;
};

static void sink_open(struct sink *k, const char *path)
{
	k->path = path && strcmp(path, "-") ? path : NULL;
	k->f = stdout;
	if (k->path && !(k->f = open_memstream(&k->buf, &k->len)))
		die("%s:", k->path);
}

static void sink_close(struct sink *k)
{
	if (ferror(k->f))
		diex(1, "%s: write error", k->path ? k->path : "<stdout>");
	if (k->path) {
		if (fclose(k->f) == EOF)
			die("%s:", k->path);
		if (write_atomic(k->path, k->buf, k->len, 0666) < 0)
			die("%s", errmsg());
		free(k->buf);
	}
	stdout_close();
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "check", no_argument, NULL, 'C' },
		{ "folded", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ "output", required_argument, NULL, 'o' },
		{ "pgo", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "svg", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	enum mode mode = TOP;
	int c, nmodes = 0, count = 0, nprof, st = 0;
	const char *type = NULL, *path = "-", *output = NULL;
	struct sink out;

	cli_init(argv[0], synopsis);
	while ((c = getopt_long(argc, argv, "hn:o:qt:Vv", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': mode = CHECK; nmodes++; break;
		case 'F': mode = FOLDED; nmodes++; break;
		case 'J': mode = JSON; nmodes++; break;
		case 'P': mode = PGO; nmodes++; break;
		case 'S': mode = SVG; nmodes++; break;
		case 'h': cli_usage(0);
		case 'n': count = (int)cli_int("-n", optarg, 0, INT_MAX); break;
		case 'o': output = optarg; break;
		case 'q': cli_verbosity = -1; break;
		case 't': type = optarg; break;
		case 'V': cli_version();
		case 'v': cli_verbosity = 1; break;
		default: cli_usage(EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (nmodes > 1 || argc > 1)
		cli_usage(EXIT_USAGE);
	if (argc == 1)
		path = argv[0];
	const char *name = strcmp(path, "-") ? path : "<stdin>";

	/* The -top report of one profile file reads its samples in place:
	 * a fleet profile then costs about its raw size in memory. */
	struct loaded in;
	int got = profile_load(path, LOAD_MERGED | (mode == TOP ? LOAD_LEAN : 0), &in);
	struct profile *p = in.p;
	nprof = in.nprofiles;
	if (got == LOAD_EMPTY) {
		/* Go treats an empty file as a profile without samples. */
		if (mode == CHECK) {
			sink_open(&out, output);
			if (cli_verbosity >= 0)
				fprintf(out.f, "%s: not usable for PGO (go build accepts it, "
				    "but it has no effect)\n  - empty file: no samples\n", name);
			sink_close(&out);
			return 1;
		}
		diex(2, "%s: empty input", name);
	}
	if (got != LOAD_OK)
		diex(2, "%s", errmsg());

	if (type && profile_sample_type(p, type) < 0)
		diex(2, "%s: %s", name, errmsg());
	if (cli_verbosity > 0)
		warn("%s: %d profile%s, %s read", name, nprof, nprof == 1 ? "" : "s",
		    in.raw ? "lean" : "full");
	sink_open(&out, output);
	int rc = 0;
	switch (mode) {
	case TOP: {
		struct top_report r;
		struct top_opts o = { type, count, 0.005, in.raw, in.rawlen };
		if ((rc = top_build(p, &o, &r)) == 0) {
			top_print(&r, out.f);
			top_free(&r);
		}
		break;
	}
	case CHECK:
		st = check(p, name, out.f);
		break;
	case FOLDED:
		rc = folded_write(p, type, out.f);
		break;
	case JSON:
		rc = statjson_write(p, type, count, nprof, out.f);
		break;
	case PGO:
		/* Go rejects the profile: a "no" like --check's, not a usage error */
		if (pgoreport_write(p, type, count, out.f) < 0 && !ferror(out.f))
			diex(1, "%s: %s", name, errmsg());
		break;
	case SVG:
		rc = flame_write(p, type, name, out.f);
		break;
	}
	if (rc < 0 && !ferror(out.f))
		diex(2, "%s: %s", name, errmsg());
	loaded_free(&in);
	sink_close(&out);
	return st;
}
