/* pprof-stat: look at a profile before trusting it for a build: the
 * `go tool pprof -top` report, JSON, folded stacks, a flame graph, the call
 * edges Go's PGO uses, and a verdict on whether Go will use it at all; or
 * what changed against a base profile (--diff, --drift). */
#include <getopt.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/diff.h"
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

enum mode { TOP, CHECK, FOLDED, JSON, PGO, SVG, DRIFT };

static const char synopsis[] =
    "pprof-stat [-qv] [--check | --folded | --json | --pgo | --svg] [-n count]\n"
    "                  [-o file] [-t type] [--diff base] [--min-width px] [file]\n"
    "       pprof-stat --drift base [-t type] [file]\n";

/* check answers like cmp: 0 usable, 1 not; -q leaves only the status.
 * Warnings follow the verdict and do not change it. */
static int check(const struct profile *p, const char *name, FILE *out)
{
	struct pgo_verdict v;
	int usable = pgo_check(p, &v);

	if (usable < 0)
		diex(2, "%s: %s", name, errmsg());
	if (cli_verbosity < 0)
		return !usable;
	if (usable)
		fprintf(out, "%s: usable for PGO (sample type %s/%s)\n", name,
		    profile_str(p, p->pb->sample_type[v.sample_index]->type),
		    profile_str(p, p->pb->sample_type[v.sample_index]->unit));
	else
		fprintf(out, "%s: not usable for PGO%s\n", name, v.accepted ?
		    " (go build accepts it, but it has no effect)" : " (go build -pgo fails)");
	for (size_t i = 0; i < v.nreason; i++)
		fprintf(out, "  - %s\n", v.reason[i]);
	for (size_t i = 0; i < v.nwarning; i++)
		fprintf(out, "  warning: %s\n", v.warning[i]);
	return !usable;
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

static const struct option longopts[] = {
	{ "check", no_argument, NULL, 'C' },
	{ "diff", required_argument, NULL, 'D' },
	{ "drift", required_argument, NULL, 'R' },
	{ "folded", no_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'J' },
	{ "min-width", required_argument, NULL, 'W' },
	{ "output", required_argument, NULL, 'o' },
	{ "pgo", no_argument, NULL, 'P' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "svg", no_argument, NULL, 'S' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct options {
	enum mode mode;
	int count;
	double min_width;
	const char *type, *path, *name, *output;
	const char *base;       /* --diff or --drift: the base profile */
};

static void parse_options(int argc, char *argv[], struct options *o)
{
	int c, nmodes = 0;

	*o = (struct options){ .mode = TOP, .path = "-", .min_width = FLAME_MIN_WIDTH };
	while ((c = getopt_long(argc, argv, "hn:o:qt:Vv", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': o->mode = CHECK; nmodes++; break;
		case 'D': o->base = optarg; break;
		case 'F': o->mode = FOLDED; nmodes++; break;
		case 'J': o->mode = JSON; nmodes++; break;
		case 'P': o->mode = PGO; nmodes++; break;
		case 'R': o->mode = DRIFT; o->base = optarg; nmodes++; break;
		case 'S': o->mode = SVG; nmodes++; break;
		case 'W': o->min_width = cli_real("--min-width", optarg, 0, 1200); break;
		case 'h': cli_usage(0);
		case 'n': o->count = (int)cli_int("-n", optarg, 0, INT_MAX); break;
		case 'o': o->output = output_arg("-o", optarg); break;
		case 'q': cli_verbosity = -1; break;
		case 't': o->type = optarg; break;
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
		o->path = argv[0];
	o->name = strcmp(o->path, "-") ? o->path : "<stdin>";
	/* the modes a diff has; one of the two inputs at most is stdin */
	if (o->base && (o->mode == CHECK || o->mode == FOLDED ||
	    (!strcmp(o->base, "-") && !strcmp(o->path, "-"))))
		cli_usage(EXIT_USAGE);
}

/* report writes the mode's report of p; the exit status. */
static int report(const struct options *o, struct loaded *in, FILE *f)
{
	const struct profile *p = in->p;
	int rc = 0;

	switch (o->mode) {
	case DRIFT:
		break;
	case TOP: {
		struct top_report r;
		struct top_opts to = { o->type, o->count, 0.005, in->raw, in->rawlen };
		if ((rc = top_build(p, &to, &r)) == 0) {
			top_print(&r, f);
			top_free(&r);
		}
		break;
	}
	case CHECK:
		return check(p, o->name, f);
	case FOLDED:
		rc = folded_write(p, o->type, f);
		break;
	case JSON:
		rc = statjson_write(p, o->type, o->count, in->nprofiles, f);
		break;
	case PGO:
		/* Go rejects the profile: a "no" like --check's, not a usage
		 * error; too big to look at (ENOMEM) is an error */
		if (pgoreport_write(p, o->type, o->count, f) < 0 && !ferror(f))
			diex(errno == ENOMEM ? 2 : 1, "%s: %s", o->name, errmsg());
		break;
	case SVG: {
		struct flame_opts fo = { o->type, o->name, o->min_width, NULL };
		rc = flame_write_opts(p, &fo, f);
		break;
	}
	}
	if (rc < 0 && !ferror(f))
		diex(2, "%s: %s", o->name, errmsg());
	return 0;
}

/* report_diff writes the mode's report of what changed from base to in;
 * the exit status. */
static int report_diff(const struct options *o, struct loaded *base, struct loaded *in, FILE *f)
{
	const struct profile *p = in->p;
	int rc = 0;
	double drift;

	switch (o->mode) {
	case TOP: {
		struct top_report r;
		struct top_opts to = { o->type, o->count, 0.005, in->raw, in->rawlen };
		struct top_base tb = { base->p, base->raw, base->rawlen };
		if ((rc = top_build_diff(p, &tb, &to, &r)) == 0) {
			top_print(&r, f);
			top_free(&r);
		}
		break;
	}
	case JSON:
		rc = diff_json_write(base->p, p, o->type, o->count, f);
		break;
	case PGO:
	case DRIFT:
		/* Go rejects a profile: a failure, not unreadable input */
		if (o->mode == PGO)
			rc = diff_pgo_write(base->p, p, o->type, o->count, f);
		else if ((rc = diff_drift(base->p, p, o->type, &drift)) == 0)
			fprintf(f, "%.1f\n", drift);
		if (rc < 0 && !ferror(f))
			diex(1, "%s", errmsg());
		break;
	case SVG: {
		struct flame_opts fo = { o->type, o->name, o->min_width, base->p };
		rc = flame_write_opts(p, &fo, f);
		break;
	}
	default:
		break;
	}
	if (rc < 0 && !ferror(f))
		diex(2, "%s: %s", o->name, errmsg());
	return 0;
}

/* load_base reads the base of --diff or --drift. An empty base is a
 * profile without samples to --drift (base->p NULL), else an error. */
static void load_base(const struct options *o, struct loaded *base)
{
	unsigned flags = LOAD_MERGED | (o->mode == TOP ? LOAD_LEAN : 0);
	int got = profile_load(o->base, flags, base);
	const char *name = strcmp(o->base, "-") ? o->base : "<stdin>";

	if (got == LOAD_EMPTY && o->mode != DRIFT)
		diex(2, "%s: empty input", name);
	if (got != LOAD_OK && got != LOAD_EMPTY)
		diex(2, "%s", errmsg());
	if (base->p && o->type && profile_sample_type(base->p, o->type) < 0)
		diex(2, "%s: %s", name, errmsg());
}

int main(int argc, char *argv[])
{
	struct options o;
	struct loaded in, base = { 0 };
	struct sink out;
	int got, st;

	cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	/* --check answers 1 for "no": any failure, out of memory too, is 2 */
	if (o.mode == CHECK)
		err_status = 2;
	/* The reports of one profile file read its samples in place: a
	 * fleet profile then costs about its raw size in memory. */
	got = profile_load(o.path, LOAD_MERGED | LOAD_LEAN, &in);
	if (got == LOAD_EMPTY) {
		/* Go treats an empty file as a profile without samples. */
		if (o.mode == CHECK) {
			sink_open(&out, o.output);
			if (cli_verbosity >= 0)
				fprintf(out.f, "%s: not usable for PGO (go build accepts it, "
				    "but it has no effect)\n  - empty file: no samples\n", o.name);
			sink_close(&out);
			return 1;
		}
		if (o.mode != DRIFT)
			diex(2, "%s: empty input", o.name);
	} else if (got != LOAD_OK) {
		diex(2, "%s", errmsg());
	}
	if (in.p && o.type && profile_sample_type(in.p, o.type) < 0)
		diex(2, "%s: %s", o.name, errmsg());
	if (o.base)
		load_base(&o, &base);
	if (cli_verbosity > 0)
		warn("%s: %d profile%s, %s read", o.name, in.nprofiles,
		    in.nprofiles == 1 ? "" : "s", in.raw ? "lean" : "full");
	sink_open(&out, o.output);
	st = o.base ? report_diff(&o, &base, &in, out.f) : report(&o, &in, out.f);
	loaded_free(&in);
	if (o.base)
		loaded_free(&base);
	sink_close(&out);
	return st;
}
