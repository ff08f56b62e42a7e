/* pprof-edit: reshape a real profile into the test inputs that no program
 * hands us directly. usage: pprof-edit [-M] [-S] [-t index] [-P period] [-z level] in out
 *   -M  drop all mappings (locations get mapping_id 0)
 *   -S  drop every Function.start_line
 *   -t  keep only sample type index (a Pyroscope export has cpu/nanoseconds only)
 *   -P  set the period
 *   -z  gzip level of the output (0 = raw) */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pprof/load.h"
#include "pprof/profile.h"
#include "util/err.h"

/* load_one reads the one profile in path; NULL with seterr() otherwise. */
static struct profile *
load_one(const char *path)
{
	struct loaded in;
	struct profile *p;

	switch (profile_load(path, LOAD_ONE, &in)) {
	case LOAD_OK:
		p = in.p;
		in.p = NULL;
		loaded_free(&in);
		return p;
	case LOAD_EMPTY:
		seterr("%s: empty input", in.name);
		return NULL;
	default:
		return NULL;
	}
}

int
main(int argc, char *argv[])
{
	int c, nomap = 0, nostart = 0, type = -1, level = 1;
	long long period = -1;
	struct profile *p;
	PbProfile *pb;
	size_t i;

	setprogname(argv[0]);
	while ((c = getopt(argc, argv, "MSt:P:z:")) != -1) {
		switch (c) {
		case 'M': nomap = 1; break;
		case 'S': nostart = 1; break;
		case 't': type = atoi(optarg); break;
		case 'P': period = atoll(optarg); break;
		case 'z': level = atoi(optarg); break;
		default:
			diex(2, "usage: pprof-edit [-M] [-S] [-t index] [-P period] [-z level] in out");
		}
	}
	if (argc - optind != 2)
		diex(2, "usage: pprof-edit [-M] [-S] [-t index] [-P period] [-z level] in out");
	if (!(p = load_one(argv[optind])))
		die("%s", errmsg());
	pb = p->pb;
	if (nomap) {
		pb->n_mapping = 0;
		for (i = 0; i < pb->n_location; i++)
			pb->location[i]->mapping_id = 0;
	}
	if (nostart)
		for (i = 0; i < pb->n_function; i++)
			pb->function[i]->start_line = 0;
	if (type >= 0) {
		if ((size_t)type >= pb->n_sample_type)
			die("no sample type %d", type);
		pb->sample_type[0] = pb->sample_type[type];
		pb->n_sample_type = 1;
		for (i = 0; i < pb->n_sample; i++) {
			pb->sample[i]->value[0] = pb->sample[i]->value[type];
			pb->sample[i]->n_value = 1;
		}
	}
	if (period >= 0)
		pb->period = period;
	if (profile_write(p, argv[optind + 1], level) < 0)
		die("%s", errmsg());
	profile_free(p);
	return 0;
}
