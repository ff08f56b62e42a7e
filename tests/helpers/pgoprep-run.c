/* pgoprep-run: run lib/pgoprep on one profile and write the result, so the
 * tests can hold a prepared profile against `go tool preprofile` without a
 * PGO build. Usage: pgoprep-run [-lnDF] [-k keep] [-d deny]... [-r from=to] in out;
 * prints the stats as "name value" lines on stdout. -r renames a function
 * first (to plant, say, a runtime.gopark frame); -n then writes it as is;
 * -F keeps the signal-injected frames (--keep-frames); -l reads the
 * profile as pgo-build does, in the lean view (samples left raw), where
 * the default decodes every sample: both must prepare the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pprof/load.h"
#include "pgo/prepare.h"
#include "pprof/profile.h"
#include "util/err.h"

/* load_one reads the one profile in path into *in; NULL with seterr()
 * otherwise. */
static struct profile *
load_one(const char *path, int lean, struct loaded *in)
{
	switch (profile_load(path, LOAD_ONE | (lean ? LOAD_LEAN : 0), in)) {
	case LOAD_OK:
		return in->p;
	case LOAD_EMPTY:
		seterr("%s: empty input", in->name);
		return NULL;
	default:
		return NULL;
	}
}

int
main(int argc, char *argv[])
{
	struct pgoprep_opts o = { 0 };
	struct pgoprep_stats st;
	const char *deny[64];
	struct profile *p;
	struct loaded in;
	const char *rename = NULL;
	int ch, noprep = 0, lean = 0;

	setprogname(argv[0]);
	while ((ch = getopt(argc, argv, "DFd:k:lnr:")) != -1) {
		switch (ch) {
		case 'D':
			o.no_default_deny = 1;
			break;
		case 'F':
			o.keep_frames = 1;
			break;
		case 'd':
			if (o.ndeny < 64)
				deny[o.ndeny++] = optarg;
			break;
		case 'k':
			o.keep = atof(optarg);
			break;
		case 'l':
			lean = 1;
			break;
		case 'n':
			noprep = 1;
			break;
		case 'r':
			rename = optarg;
			break;
		default:
			diex(2, "usage: pgoprep-run [-lnDF] [-k keep] [-d deny]... [-r from=to] in out");
		}
	}
	if (argc - optind != 2)
		diex(2, "usage: pgoprep-run [-lnDF] [-k keep] [-d deny]... [-r from=to] in out");
	if (noprep && lean)
		diex(2, "-n writes the profile as read: not with -l");
	o.deny = deny;
	if (!(p = load_one(argv[optind], lean, &in)))
		die("%s", errmsg());
	if (rename) {
		const char *eq = strchr(rename, '=');

		if (!eq)
			diex(2, "-r from=to");
		for (size_t i = 0; i < p->pb->n_function; i++) {
			const char *name = profile_str(p, p->pb->function[i]->name);

			if (strlen(name) == (size_t)(eq - rename) &&
			    !strncmp(name, rename, (size_t)(eq - rename)))
				p->pb->string_table[p->pb->function[i]->name] = (char *)eq + 1;
		}
	}
	if (noprep) {
		if (profile_write(p, argv[optind + 1], 6) < 0)
			die("%s", errmsg());
		loaded_free(&in);
		return 0;
	}
	if (pgo_prepare(p, &o, &st) < 0)
		die("%s: %s", argv[optind], errmsg());
	if (profile_write(p, argv[optind + 1], 6) < 0)
		die("%s", errmsg());
	printf("samples %zu %zu\nlocations %zu %zu\nfunctions %zu %zu\n"
	    "edges %zu %zu\nhot %zu %zu\nsame_hot %d\nkeep %g\ndenied %zu\n",
	    st.samples_in, st.samples_out, st.locations_in, st.locations_out,
	    st.functions_in, st.functions_out, st.edges_in, st.edges_out,
	    st.hot_in, st.hot_out, st.same_hot, st.keep, st.denied);
	/* "removed runtime.asyncPreempt 12 (samples) 1200 (weight)" */
	for (int k = 0; k < PGO_NART; k++)
		printf("removed %s %zu %lld\n", pgo_artefacts[k].func, st.removed[k],
		    (long long)st.removed_weight[k]);
	loaded_free(&in);
	return 0;
}
