/* pprof-fetch: collect CPU profiles from many Go services at once, or from
 * Pyroscope, check each one, and write them as a gzip stream, a directory of
 * files or one file. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"
#include "net/http.h"
#include "util/output.h"
#include "util/cli.h"
#include "util/err.h"
#include "util/num.h"
#include "util/progress.h"

static const char synopsis[] =
    "pprof-fetch [-qv] [-d dir | -o file] [-j jobs] [-r retries] [-s seconds]\n"
    "                   [-T timeout] [--insecure] [--max-disk size] [--max-size size]\n"
    "                   [--min-ok n | p%] [--netrc] [--netrc-file file] [-f targets]\n"
    "                   [--targets-from file] [target ...]\n"
    "       pprof-fetch --pyroscope url --query selector [--from time] [--to time]\n"
    "                   [--type id] [--tenant id] [--pgo-keep n] [-d dir | -o file]\n";

enum {
	OPT_FROM = 256, OPT_INSECURE, OPT_MAXDISK, OPT_MAXSIZE, OPT_MINOK, OPT_NETRC,
	OPT_NETRC_FILE, OPT_PGOKEEP, OPT_PYROSCOPE, OPT_QUERY, OPT_TARGETS_FROM, OPT_TENANT,
	OPT_TO, OPT_TYPE,
};

static const struct option longopts[] = {
	{ "from", required_argument, NULL, OPT_FROM },
	{ "help", no_argument, NULL, 'h' },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "max-disk", required_argument, NULL, OPT_MAXDISK },
	{ "max-size", required_argument, NULL, OPT_MAXSIZE },
	{ "min-ok", required_argument, NULL, OPT_MINOK },
	{ "netrc", no_argument, NULL, OPT_NETRC },
	{ "netrc-file", required_argument, NULL, OPT_NETRC_FILE },
	{ "pgo-keep", required_argument, NULL, OPT_PGOKEEP },
	{ "pyroscope", required_argument, NULL, OPT_PYROSCOPE },
	{ "query", required_argument, NULL, OPT_QUERY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "targets-from", required_argument, NULL, OPT_TARGETS_FROM },
	{ "tenant", required_argument, NULL, OPT_TENANT },
	{ "to", required_argument, NULL, OPT_TO },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The target files: -f (one per line) and --targets-from (file_sd). */
struct target_files {
	const char *path[64];
	int file_sd[64];
	int n;
};

static void
add_file(struct target_files *f, const char *path, int file_sd)
{
	if (f->n == (int)(sizeof f->path / sizeof f->path[0]))
		diex(2, "too many -f and --targets-from options");
	f->path[f->n] = path;
	f->file_sd[f->n++] = file_sd;
}

/* netrc_readable: curl takes a missing netrc file for an empty one; a file
 * the user named must be there. */
static void
netrc_readable(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		diex(2, "--netrc-file %s:", path);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		diex(2, "--netrc-file %s: a directory", path);
	close(fd);
}

/* long_option sets what a long option (one with no letter) says. */
static void
long_option(struct fetch_config *c, struct target_files *f, int ch)
{
	size_t n;

	switch (ch) {
	case OPT_FROM: c->from = optarg; break;
	case OPT_INSECURE: c->net.insecure = 1; break;
	case OPT_MAXDISK:
		c->net.disk_budget = cli_size("--max-disk", optarg);
		c->disk_set = 1;
		break;
	case OPT_MAXSIZE: c->net.max_body = cli_size("--max-size", optarg); break;
	case OPT_MINOK:
		n = strlen(optarg);
		if (n > 1 && optarg[n - 1] == '%') {
			char *pct = xstrdup(optarg);

			pct[n - 1] = '\0';
			c->min_ok_pct = cli_real("--min-ok", pct, 0, 100);
			free(pct);
		} else {
			c->min_ok = cli_int("--min-ok", optarg, 0, 1000000000);
		}
		break;
	case OPT_NETRC_FILE:
		netrc_readable(optarg);
		c->net.netrc_file = optarg;
		/* FALLTHROUGH */
	case OPT_NETRC: c->net.netrc = 1; break;
	case OPT_PGOKEEP: c->pgo_keep = (int)cli_int("--pgo-keep", optarg, 1, 1000); break;
	case OPT_PYROSCOPE: c->pyroscope = optarg; break;
	case OPT_QUERY: c->query = optarg; break;
	case OPT_TARGETS_FROM: add_file(f, optarg, 1); break;
	case OPT_TENANT: c->tenant = optarg; break;
	case OPT_TO: c->to = optarg; break;
	case OPT_TYPE: c->type = optarg; break;
	default: cli_usage(EXIT_USAGE);
	}
}

/* check_mode settles Pyroscope mode or the targets of a fleet fetch: from
 * the -f and --targets-from files, then the operands. Every problem is a
 * usage error. */
static void
check_mode(struct fetch_config *c, char **argv, int argc, const struct target_files *f)
{
	int nfiles = f->n;

	if (c->dir && c->out)
		diex(2, "-d and -o exclude each other");
	if (c->pyroscope) {
		if (argc > 0 || nfiles > 0)
			diex(2, "--pyroscope takes no targets");
		if (!c->query)
			diex(2, "--pyroscope needs --query (e.g. '{service_name=\"checkout\"}')");
		return;
	}
	if (c->query || c->from || c->to || c->type || c->tenant || c->pgo_keep)
		diex(2, "--query, --from, --to, --type, --tenant and --pgo-keep need --pyroscope");
	for (int i = 0; i < nfiles; i++)
		if ((f->file_sd[i] ? targets_read_file_sd : targets_read)(&c->targets, f->path[i],
		    c->seconds) < 0)
			diex(2, "%s", errmsg());
	for (int i = 0; i < argc; i++)
		if (targets_add(&c->targets, argv[i], c->seconds) < 0)
			diex(2, "%s: %s", argv[i], errmsg());
	if (c->targets.n == 0 && nfiles > 0)
		diex(2, "no targets");
	if (c->targets.n == 0)
		cli_usage(EXIT_USAGE);
	if (c->out && strcmp(c->out, "-") && c->targets.n > 1)
		diex(2, "-o takes one target; use -d, or stdout and pprof-merge, for several");
}

/* from_environment reads the secrets and the memory budget. Secrets come
 * from the environment or a netrc file, never from the command line, where
 * ps and shell history would show them. */
static void
from_environment(struct fetch_config *c)
{
	const char *s;
	long long sz;

	c->net.bearer = getenv("PPROF_FETCH_TOKEN");
	c->net.user = getenv("PPROF_FETCH_USER");
	c->net.password = getenv("PPROF_FETCH_PASSWORD");
	if (c->net.bearer && !*c->net.bearer)
		c->net.bearer = NULL;
	if (c->net.user && !*c->net.user)
		c->net.user = NULL;
	if ((s = getenv("PPROF_FETCH_MEMORY")) && *s) {
		if ((sz = parse_size(s)) < 0)
			diex(2, "PPROF_FETCH_MEMORY=%s: not a size", s);
		c->net.mem_budget = (size_t)sz;
	}
}

/* check_header_values refuses, before any request, a value that goes into
 * a request header with a control character in it: a CR or LF would start
 * a header of its own (net/http.h's one check). Basic credentials are
 * sent base64-encoded, and still refused. The value is never shown. */
static void
check_header_values(const struct fetch_config *c)
{
	static const struct {
		const char *header, *name;
	} fields[] = {
		{ "X-Scope-OrgID", "--tenant" },
		{ "Authorization", "PPROF_FETCH_TOKEN" },
		{ "Authorization", "PPROF_FETCH_USER" },
		{ "Authorization", "PPROF_FETCH_PASSWORD" },
	};
	const char *values[] = { c->tenant, c->net.bearer, c->net.user, c->net.password };

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		char *line;
		int bad;

		if (!values[i])
			continue;
		line = xmalloc(strlen(fields[i].header) + strlen(values[i]) + 3);
		sprintf(line, "%s: %s", fields[i].header, values[i]);
		bad = http_header_check(line) < 0;
		free(line);
		if (bad)
			diex(2, "%s: a control character (CR, LF...) in its value", fields[i].name);
	}
}

int
main(int argc, char *argv[])
{
	struct fetch_config c;
	struct target_files files = { .n = 0 };
	int ch, st;

	cli_init(argv[0], synopsis);
	memset(&c, 0, sizeof c);
	fetch_defaults(&c.net);
	c.seconds = 30;
	c.min_ok = -1;
	c.min_ok_pct = -1;
	while ((ch = getopt_long(argc, argv, "d:f:hj:o:qr:s:T:Vv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': c.dir = output_arg("-d", optarg); break;
		case 'f': add_file(&files, optarg, 0); break;
		case 'h': cli_usage(0);
		case 'j': c.net.jobs = (int)cli_int("-j", optarg, 1, 100000); break;
		case 'o': c.out = output_arg("-o", optarg); break;
		case 'q': cli_verbosity = -1; c.net.verbose = 0; break;
		case 'r': c.net.retries = (int)cli_int("-r", optarg, 0, 100); break;
		case 's': c.seconds = (int)cli_int("-s", optarg, 1, 86400); break;
		/* Below a millisecond the transfer timeout would be 0: none. */
		case 'T': c.timeout_s = cli_real("-T", optarg, 0.001, 86400); break;
		case 'V': cli_version();
		case 'v': cli_verbosity = 1; c.net.verbose = 1; break;
		default: long_option(&c, &files, ch);
		}
	}
	argc -= optind;
	argv += optind;
	check_mode(&c, argv, argc, &files);
	/* By default the disk holds at least one answer of the largest size. */
	if (!c.disk_set && c.net.disk_budget < c.net.max_body)
		c.net.disk_budget = c.net.max_body;
	from_environment(&c);
	check_header_values(&c);
	if (c.net.insecure)
		warn("warning: --insecure: TLS certificates are not verified");
	progress_init(cli_verbosity == 0);
	c.net.progress = progress_on();

	tmp_install_handlers();
	st = fetch_main(&c);
	targets_free(&c.targets);
	stdout_close();
	return st;
}
