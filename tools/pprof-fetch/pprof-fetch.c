/* pprof-fetch: collect CPU profiles from many Go services at once, or from
 * Pyroscope, check each one, and write them as a gzip stream, a directory of
 * files or one file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "util/output.h"
#include "util/err.h"

static void
usage_to(FILE *f)
{
	fprintf(f,
	    "usage: pprof-fetch [-v] [-d dir | -o file] [-j jobs] [-r retries] [-s seconds]\n"
	    "                   [-T timeout] [--insecure] [--max-size size] [--min-ok n | p%%]\n"
	    "                   [--netrc] [--netrc-file file] [-f targets] [target ...]\n"
	    "       pprof-fetch --pyroscope url --query selector [--from time] [--to time]\n"
	    "                   [--type id] [--tenant id] [--pgo-keep n] [-d dir | -o file]\n");
}

static void
usage(void)
{
	usage_to(stderr);
	exit(2);
}

static long
number(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		diex(2, "%s %s: want a whole number from %ld to %ld", opt, s, min, max);
	return v;
}

enum {
	OPT_FROM = 256, OPT_INSECURE, OPT_MAXSIZE, OPT_MINOK, OPT_NETRC, OPT_NETRC_FILE,
	OPT_PGOKEEP, OPT_PYROSCOPE, OPT_QUERY, OPT_TENANT, OPT_TO, OPT_TYPE, OPT_HELP,
	OPT_VERSION,
};

static const struct option longopts[] = {
	{ "from", required_argument, NULL, OPT_FROM },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "max-size", required_argument, NULL, OPT_MAXSIZE },
	{ "min-ok", required_argument, NULL, OPT_MINOK },
	{ "netrc", no_argument, NULL, OPT_NETRC },
	{ "netrc-file", required_argument, NULL, OPT_NETRC_FILE },
	{ "pgo-keep", required_argument, NULL, OPT_PGOKEEP },
	{ "pyroscope", required_argument, NULL, OPT_PYROSCOPE },
	{ "query", required_argument, NULL, OPT_QUERY },
	{ "tenant", required_argument, NULL, OPT_TENANT },
	{ "to", required_argument, NULL, OPT_TO },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char *argv[])
{
	struct fetch_config c;
	const char *files[64];
	int nfiles = 0, ch, st;
	long long sz;
	char *end;
	const char *s;

	setprogname(argv[0]);
	memset(&c, 0, sizeof c);
	fetch_defaults(&c.net);
	c.seconds = 30;
	c.min_ok = -1;
	c.min_ok_pct = -1;
	while ((ch = getopt_long(argc, argv, "d:f:j:o:r:s:T:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			c.dir = optarg;
			break;
		case 'f':
			if (nfiles == (int)(sizeof files / sizeof files[0]))
				diex(2, "too many -f options");
			files[nfiles++] = optarg;
			break;
		case 'j':
			c.net.jobs = (int)number("-j", optarg, 1, 100000);
			break;
		case 'o':
			c.out = optarg;
			break;
		case 'r':
			c.net.retries = (int)number("-r", optarg, 0, 100);
			break;
		case 's':
			c.seconds = (int)number("-s", optarg, 1, 86400);
			break;
		case 'T':
			errno = 0;
			c.timeout_s = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(c.timeout_s > 0) || c.timeout_s > 86400)
				diex(2, "-T %s: want seconds, more than 0", optarg);
			break;
		case 'v':
			c.net.verbose = 1;
			break;
		case OPT_FROM:
			c.from = optarg;
			break;
		case OPT_HELP:
			usage_to(stdout);
			return 0;
		case OPT_INSECURE:
			c.net.insecure = 1;
			break;
		case OPT_MAXSIZE:
			if ((sz = parse_size(optarg)) <= 0)
				diex(2, "--max-size %s: not a size", optarg);
			c.net.max_body = (size_t)sz;
			break;
		case OPT_MINOK: {
			size_t n = strlen(optarg);

			if (n > 1 && optarg[n - 1] == '%') {
				errno = 0;
				c.min_ok_pct = strtod(optarg, &end);
				if (errno || end != optarg + n - 1 || c.min_ok_pct < 0 || c.min_ok_pct > 100)
					diex(2, "--min-ok %s: want a count or a percentage", optarg);
			} else {
				c.min_ok = number("--min-ok", optarg, 0, 1000000000);
			}
			break;
		}
		case OPT_NETRC:
			c.net.netrc = 1;
			break;
		case OPT_NETRC_FILE:
			c.net.netrc = 1;
			c.net.netrc_file = optarg;
			break;
		case OPT_PGOKEEP:
			c.pgo_keep = (int)number("--pgo-keep", optarg, 1, 1000);
			break;
		case OPT_PYROSCOPE:
			c.pyroscope = optarg;
			break;
		case OPT_QUERY:
			c.query = optarg;
			break;
		case OPT_TENANT:
			c.tenant = optarg;
			break;
		case OPT_TO:
			c.to = optarg;
			break;
		case OPT_TYPE:
			c.type = optarg;
			break;
		case OPT_VERSION:
			printf("pprof-fetch pgokit %s\n", PGOKIT_VERSION);
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (c.dir && c.out)
		diex(2, "-d and -o exclude each other");
	if (c.pyroscope) {
		if (argc > 0 || nfiles > 0)
			diex(2, "--pyroscope takes no targets");
		if (!c.query)
			diex(2, "--pyroscope needs --query (e.g. '{service_name=\"checkout\"}')");
		if (c.tenant && strpbrk(c.tenant, "\r\n"))
			diex(2, "--tenant: no line breaks");
	} else {
		if (c.query || c.from || c.to || c.type || c.tenant || c.pgo_keep)
			diex(2, "--query, --from, --to, --type, --tenant and --pgo-keep need --pyroscope");
		for (int i = 0; i < nfiles; i++)
			if (targets_read(&c.targets, files[i], c.seconds) < 0)
				diex(2, "%s", errmsg());
		for (int i = 0; i < argc; i++)
			if (targets_add(&c.targets, argv[i], c.seconds) < 0)
				diex(2, "%s: %s", argv[i], errmsg());
		if (c.targets.n == 0 && nfiles > 0)
			diex(2, "no targets");
		if (c.targets.n == 0)
			usage();
		if (c.out && strcmp(c.out, "-") && c.targets.n > 1)
			diex(2, "-o takes one target; use -d, or stdout and pprof-merge, for several");
	}

	/* Secrets come from the environment or a netrc file, never from the
	 * command line, where ps and shell history would show them. */
	c.net.bearer = getenv("PPROF_FETCH_TOKEN");
	c.net.user = getenv("PPROF_FETCH_USER");
	c.net.password = getenv("PPROF_FETCH_PASSWORD");
	if (c.net.bearer && !*c.net.bearer)
		c.net.bearer = NULL;
	if (c.net.user && !*c.net.user)
		c.net.user = NULL;
	if ((s = getenv("PPROF_FETCH_MEMORY")) && *s) {
		if ((sz = parse_size(s)) < 0)
			diex(2, "PPROF_FETCH_MEMORY=%s: not a size", s);
		c.net.mem_budget = (size_t)sz;
	}
	if (c.net.insecure)
		warn("warning: --insecure: TLS certificates are not verified");
	c.net.progress = isatty(2) && !c.net.verbose;

	tmp_install_handlers();
	st = fetch_main(&c);
	targets_free(&c.targets);
	stdout_close();
	return st;
}
