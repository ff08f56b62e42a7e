/* pgoprep-run: run lib/pgoprep on one profile and write the result, so the
 * tests can hold a prepared profile against `go tool preprofile` without a
 * PGO build. Usage: pgoprep-run [-k keep] [-d deny]... [-D] in out;
 * prints the stats as "name value" lines on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "compress.h"
#include "pgoprep.h"
#include "profile.h"
#include "util.h"

int
main(int argc, char *argv[])
{
	struct pgoprep_opts o = { 0 };
	struct pgoprep_stats st;
	const char *deny[64];
	struct profile *p;
	int ch;

	setprogname(argv[0]);
	while ((ch = getopt(argc, argv, "Dd:k:")) != -1) {
		switch (ch) {
		case 'D':
			o.no_default_deny = 1;
			break;
		case 'd':
			if (o.ndeny < 64)
				deny[o.ndeny++] = optarg;
			break;
		case 'k':
			o.keep = atof(optarg);
			break;
		default:
			diex(2, "usage: pgoprep-run [-k keep] [-d deny]... [-D] in out");
		}
	}
	if (argc - optind != 2)
		diex(2, "usage: pgoprep-run [-k keep] [-d deny]... [-D] in out");
	o.deny = deny;
	if (!(p = profile_read(argv[optind], default_size_cap())))
		die("%s: %s", argv[optind], errmsg());
	if (pgo_prepare(p, &o, &st) < 0)
		die("%s: %s", argv[optind], errmsg());
	if (profile_write(p, argv[optind + 1], 6) < 0)
		die("%s", errmsg());
	printf("samples %zu %zu\nlocations %zu %zu\nfunctions %zu %zu\n"
	    "edges %zu %zu\nhot %zu %zu\nsame_hot %d\nkeep %g\ndenied %zu\n",
	    st.samples_in, st.samples_out, st.locations_in, st.locations_out,
	    st.functions_in, st.functions_out, st.edges_in, st.edges_out,
	    st.hot_in, st.hot_out, st.same_hot, st.keep, st.denied);
	profile_free(p);
	return 0;
}
