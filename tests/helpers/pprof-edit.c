/* pprof-edit: reshape a real profile into the test inputs that no program
 * hands us directly. usage: pprof-edit [-M] [-S] [-A func:pct] [-t index] [-P period] [-z level] in out
 *   -A  plant runtime.asyncPreempt at func's call sites: for each sample
 *       whose leaf is called from func, add one with the leaf replaced by
 *       runtime.asyncPreempt and pct percent of its value (rounded up), as
 *       if preemption signals had interrupted func there (real preemption
 *       is random; a test needs it at one place, reliably)
 *   -M  drop all mappings (locations get mapping_id 0)
 *   -S  drop every Function.start_line
 *   -t  keep only sample type index (a Pyroscope export has cpu/nanoseconds only)
 *   -P  set the period
 *   -z  gzip level of the output (0 = raw) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/arena.h"
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

/* max_id helps give the planted function and location fresh ids. */
static uint64_t
max_location_id(const PbProfile *pb)
{
	uint64_t m = 0;

	for (size_t i = 0; i < pb->n_location; i++)
		if (pb->location[i]->id > m)
			m = pb->location[i]->id;
	return m;
}

static uint64_t
max_function_id(const PbProfile *pb)
{
	uint64_t m = 0;

	for (size_t i = 0; i < pb->n_function; i++)
		if (pb->function[i]->id > m)
			m = pb->function[i]->id;
	return m;
}

/* preempt_location adds runtime.asyncPreempt as Go writes it (its own
 * location, one line of preempt_amd64.s) and returns the location's id. */
static uint64_t
preempt_location(struct profile *p)
{
	PbProfile *pb = p->pb;
	struct arena *a = p->arena;
	PbFunction *f = arena_alloc(a, sizeof(*f));
	PbLocation *l = arena_alloc(a, sizeof(*l));
	PbLine *ln = arena_alloc(a, sizeof(*ln));
	char **tab = arena_alloc(a, (pb->n_string_table + 2) * sizeof(*tab));
	PbFunction **funcs = arena_alloc(a, (pb->n_function + 1) * sizeof(*funcs));
	PbLocation **locs = arena_alloc(a, (pb->n_location + 1) * sizeof(*locs));

	memcpy(tab, pb->string_table, pb->n_string_table * sizeof(*tab));
	tab[pb->n_string_table] = "runtime.asyncPreempt";
	tab[pb->n_string_table + 1] = "runtime/preempt_amd64.s";
	*f = (PbFunction)PERFTOOLS__PROFILES__FUNCTION__INIT;
	f->id = max_function_id(pb) + 1;
	f->name = f->system_name = (int64_t)pb->n_string_table;
	f->filename = (int64_t)pb->n_string_table + 1;
	f->start_line = 7;
	*ln = (PbLine)PERFTOOLS__PROFILES__LINE__INIT;
	ln->function_id = f->id;
	ln->line = 8;
	*l = (PbLocation)PERFTOOLS__PROFILES__LOCATION__INIT;
	l->id = max_location_id(pb) + 1;
	l->n_line = 1;
	l->line = arena_alloc(a, sizeof(*l->line));
	l->line[0] = ln;
	memcpy(funcs, pb->function, pb->n_function * sizeof(*funcs));
	funcs[pb->n_function++] = f;
	memcpy(locs, pb->location, pb->n_location * sizeof(*locs));
	locs[pb->n_location++] = l;
	pb->string_table = tab;
	pb->n_string_table += 2;
	pb->function = funcs;
	pb->location = locs;
	profile_reindex(p);
	return l->id;
}

/* called_from: is s's leaf called from func (the innermost frame of its
 * second location)? */
static int
called_from(const struct profile *p, const PbSample *s, const char *func)
{
	const PbLocation *l;
	const PbFunction *f;

	if (s->n_location_id < 2 || !(l = profile_location(p, s->location_id[1])) ||
	    l->n_line == 0 || !(f = profile_function(p, l->line[0]->function_id)))
		return 0;
	return !strcmp(profile_str(p, f->name), func);
}

/* plant_preempt: see -A. */
static void
plant_preempt(struct profile *p, const char *spec)
{
	PbProfile *pb = p->pb;
	const char *colon = strrchr(spec, ':');
	char *func;
	long pct;
	uint64_t ap;
	PbSample **all;
	size_t n = pb->n_sample, i, k;

	if (!colon || (pct = atol(colon + 1)) <= 0)
		diex(2, "-A func:pct");
	func = arena_alloc(p->arena, (size_t)(colon - spec) + 1);
	memcpy(func, spec, (size_t)(colon - spec));
	func[colon - spec] = 0;
	ap = preempt_location(p);
	all = arena_alloc(p->arena, 2 * (n ? n : 1) * sizeof(*all));
	memcpy(all, pb->sample, n * sizeof(*all));
	for (i = 0; i < n; i++) {
		const PbSample *s = pb->sample[i];
		PbSample *c;

		if (!called_from(p, s, func))
			continue;
		c = arena_alloc(p->arena, sizeof(*c));
		*c = *s;
		c->location_id = arena_alloc(p->arena, s->n_location_id * sizeof(*c->location_id));
		memcpy(c->location_id, s->location_id, s->n_location_id * sizeof(*c->location_id));
		c->location_id[0] = ap;
		c->value = arena_alloc(p->arena, s->n_value * sizeof(*c->value));
		for (k = 0; k < s->n_value; k++)
			c->value[k] = (s->value[k] * pct + 99) / 100;
		all[pb->n_sample++] = c;
	}
	if (pb->n_sample == n)
		diex(1, "-A: no sample is called from %s", func);
	pb->sample = all;
}

int
main(int argc, char *argv[])
{
	int c, nomap = 0, nostart = 0, type = -1, level = 1;
	const char *preempt = NULL;
	long long period = -1;
	struct profile *p;
	PbProfile *pb;
	size_t i;

	setprogname(argv[0]);
	while ((c = getopt(argc, argv, "A:MSt:P:z:")) != -1) {
		switch (c) {
		case 'A': preempt = optarg; break;
		case 'M': nomap = 1; break;
		case 'S': nostart = 1; break;
		case 't': type = atoi(optarg); break;
		case 'P': period = atoll(optarg); break;
		case 'z': level = atoi(optarg); break;
		default:
			diex(2, "usage: pprof-edit [-M] [-S] [-A func:pct] [-t index] [-P period] [-z level] in out");
		}
	}
	if (argc - optind != 2)
		diex(2, "usage: pprof-edit [-M] [-S] [-A func:pct] [-t index] [-P period] [-z level] in out");
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
	if (preempt)
		plant_preempt(p, preempt);
	if (profile_write(p, argv[optind + 1], level) < 0)
		die("%s", errmsg());
	profile_free(p);
	return 0;
}
