/* pfmangle: rewrite a real profile into the damaged or unusual shapes the
 * pprof-stat tests need (no mappings, no start lines, no samples, a legacy
 * Pyroscope 0.x export), so the oracles see the very same files.
 * usage: pfmangle nomap|nostartline|nosamples|pyroscope0|zero in out */
#include <stdio.h>
#include <string.h>

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

int main(int argc, char *argv[])
{
	setprogname(argv[0]);
	if (argc != 4)
		diex(2, "usage: pfmangle nomap|nostartline|nosamples|pyroscope0|zero in out");
	const char *op = argv[1];
	struct profile *p = load_one(argv[2]);
	if (!p)
		diex(2, "%s", errmsg());
	PbProfile *pb = p->pb;
	if (!strcmp(op, "nomap")) {
		pb->n_mapping = 0;
		for (size_t i = 0; i < pb->n_location; i++)
			pb->location[i]->mapping_id = 0;
	} else if (!strcmp(op, "nostartline")) {
		for (size_t i = 0; i < pb->n_function; i++)
			pb->function[i]->start_line = 0;
	} else if (!strcmp(op, "nosamples")) {
		pb->n_sample = 0;
	} else if (!strcmp(op, "zero")) {
		for (size_t i = 0; i < pb->n_sample; i++)
			for (size_t j = 0; j < pb->sample[i]->n_value; j++)
				pb->sample[i]->value[j] = 0;
	} else if (!strcmp(op, "pyroscope0")) {
		/* pyroscope-io 0.x /render?format=pprof: one sample type with
		 * an empty name, no line numbers, no start lines. */
		size_t last = pb->n_sample_type - 1;
		if (pb->n_sample_type == 0)
			diex(2, "%s: no sample types", argv[2]);
		pb->sample_type[0] = pb->sample_type[last];
		pb->sample_type[0]->type = 0;
		pb->n_sample_type = 1;
		pb->default_sample_type = 0;
		for (size_t i = 0; i < pb->n_sample; i++) {
			pb->sample[i]->value[0] = pb->sample[i]->value[last];
			pb->sample[i]->n_value = 1;
		}
		pb->period = 0;
		for (size_t i = 0; i < pb->n_function; i++)
			pb->function[i]->start_line = 0;
		for (size_t i = 0; i < pb->n_location; i++)
			for (size_t j = 0; j < pb->location[i]->n_line; j++)
				pb->location[i]->line[j]->line = 0;
	} else {
		diex(2, "unknown operation '%s'", op);
	}
	if (profile_write(p, argv[3], 1) < 0)
		diex(1, "%s", errmsg());
	profile_free(p);
	return 0;
}
