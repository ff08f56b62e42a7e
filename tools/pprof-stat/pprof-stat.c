/* pprof-stat: look at a profile before trusting it for a build: the
 * `go tool pprof -top` report, JSON, folded stacks, a flame graph, the call
 * edges Go's PGO uses, and a verdict on whether Go will use it at all. */
#include <getopt.h>
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
#include "util/err.h"

enum mode { TOP, CHECK, FOLDED, JSON, PGO, SVG };

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: %s [--check | --folded | --json | --pgo | --svg] [-n count] [-t type] [file]\n",
	    argv0);
	exit(status);
}

static int check(const struct profile *p, const char *name)
{
	struct pgo_verdict v;
	if (pgo_check(p, &v)) {
		printf("%s: usable for PGO (sample type %s/%s)\n", name,
		    profile_str(p, p->pb->sample_type[v.sample_index]->type),
		    profile_str(p, p->pb->sample_type[v.sample_index]->unit));
		return 0;
	}
	printf("%s: not usable for PGO%s\n", name,
	    v.accepted ? " (go build accepts it, but it has no effect)" : " (go build -pgo fails)");
	for (size_t i = 0; i < v.nreason; i++)
		printf("  - %s\n", v.reason[i]);
	return 1;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "check", no_argument, NULL, 'C' },
		{ "folded", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ "pgo", no_argument, NULL, 'P' },
		{ "svg", no_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	enum mode mode = TOP;
	int c, nmodes = 0, count = 0, nprof, st = 0;
	const char *type = NULL, *path = "-";
	char *end;

	setprogname(argv[0]);
	while ((c = getopt_long(argc, argv, "n:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': mode = CHECK; nmodes++; break;
		case 'F': mode = FOLDED; nmodes++; break;
		case 'J': mode = JSON; nmodes++; break;
		case 'P': mode = PGO; nmodes++; break;
		case 'S': mode = SVG; nmodes++; break;
		case 'n':
			count = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || count < 0)
				diex(2, "bad count '%s' (want a number >= 0)", optarg);
			break;
		case 't':
			type = optarg;
			break;
		case 'V':
			printf("pprof-stat pgokit %s\n", PGOKIT_VERSION);
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
	if (nmodes > 1 || argc > 1)
		usage(2);
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
			printf("%s: not usable for PGO (go build accepts it, but it has no effect)\n"
			    "  - empty file: no samples\n", name);
			stdout_close();
			return 1;
		}
		diex(2, "%s: empty input", name);
	}
	if (got != LOAD_OK)
		diex(2, "%s", errmsg());

	if (type && profile_sample_type(p, type) < 0)
		diex(2, "%s: %s", name, errmsg());
	int rc = 0;
	switch (mode) {
	case TOP: {
		struct top_report r;
		struct top_opts o = { type, count, 0.005, in.raw, in.rawlen };
		if ((rc = top_build(p, &o, &r)) == 0) {
			top_print(&r, stdout);
			top_free(&r);
		}
		break;
	}
	case CHECK:
		st = check(p, name);
		break;
	case FOLDED:
		rc = folded_write(p, type, stdout);
		break;
	case JSON:
		rc = statjson_write(p, type, count, nprof, stdout);
		break;
	case PGO:
		/* Go rejects the profile: a "no" like --check's, not a usage error */
		if (pgoreport_write(p, type, count, stdout) < 0 && !ferror(stdout))
			diex(1, "%s: %s", name, errmsg());
		break;
	case SVG:
		rc = flame_write(p, type, name, stdout);
		break;
	}
	if (ferror(stdout))
		diex(1, "<stdout>: write error");
	if (rc < 0)
		diex(2, "%s: %s", name, errmsg());
	loaded_free(&in);
	stdout_close();
	return st;
}
