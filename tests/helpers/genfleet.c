/* genfleet: write a synthetic fleet of realistic Go CPU profiles for the
 * benchmarks. usage: genfleet [-n count] [-s stacks] [-d depth] [-S seed] dir
 * Each profile holds about `stacks` distinct stacks (default 20000) of depth
 * about `depth` (default 40), drawn with a skewed popularity from a pool
 * shared by the fleet; odd profiles come from a second binary version (other
 * build id, load address and some moved functions); some samples carry
 * labels. Files are dir/fleet-NNN.pprof, gzip level 1 like the Go runtime. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "pprof/profile.h"
#include "util/err.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
unif(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

enum { NFUNC = 5000, NLOC = 16000, NPOOL = 48000 };

static int64_t
addstr(PbProfile *pb, struct arena *a, const char *s)
{
	pb->string_table[pb->n_string_table] = arena_strdup(a, s);
	return (int64_t)pb->n_string_table++;
}

int
main(int argc, char *argv[])
{
	int n = 50, stacks = 20000, depth = 40, c, i;
	uint64_t seed = 1;
	static uint32_t loc_func[NLOC], loc_line[NLOC], loc_inl[NLOC];
	static uint32_t func_start[NFUNC];
	static uint32_t *pool[NPOOL];
	static uint8_t pool_depth[NPOOL];
	const char *dir;

	setprogname(argv[0]);
	while ((c = getopt(argc, argv, "n:s:d:S:")) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 's': stacks = atoi(optarg); break;
		case 'd': depth = atoi(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: genfleet [-n count] [-s stacks] [-d depth] [-S seed] dir\n");
			return 2;
		}
	}
	if (optind != argc - 1 || stacks > NPOOL / 2)
		diex(2, "usage: genfleet [-n count] [-s stacks] [-d depth] [-S seed] dir");
	dir = argv[optind];
	rng ^= seed * 0x2545f4914f6cdd1dULL;

	for (i = 0; i < NFUNC; i++)
		func_start[i] = 10 + (uint32_t)(rnd() % 2000);
	for (i = 0; i < NLOC; i++) {
		loc_func[i] = (uint32_t)(rnd() % NFUNC);
		loc_line[i] = func_start[loc_func[i]] + 1 + (uint32_t)(rnd() % 60);
		/* one location in eight carries an inlined callee */
		loc_inl[i] = rnd() % 8 == 0 ? 1 + (uint32_t)(rnd() % (NFUNC - 1)) : 0;
	}
	/* Stacks share their root frames: frame k of stack s depends on s's
	 * high bits near the root and on all of s near the leaf. */
	for (i = 0; i < NPOOL; i++) {
		int d = depth / 2 + (int)(rnd() % (uint64_t)depth), k;

		if (d > 250)
			d = 250;
		pool_depth[i] = (uint8_t)d;
		pool[i] = xmalloc((size_t)d * sizeof **pool);
		for (k = 0; k < d; k++) {
			int shift = 17 - (k * 17) / d;
			uint64_t h = ((uint64_t)(i >> shift) + 1) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)k * 0xbf58476d1ce4e5b9ULL;

			h ^= h >> 31;
			/* leaf first in pprof: index 0 is the leaf */
			pool[i][d - 1 - k] = (uint32_t)(h % NLOC);
		}
	}

	for (i = 0; i < n; i++) {
		struct arena *a = arena_new(1 << 24);
		PbProfile *pb = arena_calloc(a, sizeof *pb);
		struct profile p = { 0 };
		uint8_t *seen = xcalloc(NPOOL, 1);
		int version = i % 2, got = 0, j, nfn = 0;
		char name[4096], path[4096];
		int64_t s_count, s_samples, s_cpu, s_ns, s_ep, s_region;
		int64_t ep_vals[8], region_vals[3];
		uint32_t *fn_id = xcalloc(NFUNC, sizeof *fn_id);

		perftools__profiles__profile__init(pb);
		pb->string_table = arena_alloc(a, (3 * NFUNC + 64) * sizeof(char *));
		addstr(pb, a, "");
		s_samples = addstr(pb, a, "samples");
		s_count = addstr(pb, a, "count");
		s_cpu = addstr(pb, a, "cpu");
		s_ns = addstr(pb, a, "nanoseconds");
		s_ep = addstr(pb, a, "endpoint");
		s_region = addstr(pb, a, "region");
		for (j = 0; j < 8; j++) {
			snprintf(name, sizeof name, "/api/v1/op%d", j);
			ep_vals[j] = addstr(pb, a, name);
		}
		for (j = 0; j < 3; j++) {
			snprintf(name, sizeof name, "zone-%c", 'a' + j);
			region_vals[j] = addstr(pb, a, name);
		}
		pb->n_sample_type = 2;
		pb->sample_type = arena_alloc(a, 2 * sizeof *pb->sample_type);
		for (j = 0; j < 2; j++) {
			PbValueType *v = arena_alloc(a, sizeof *v);

			perftools__profiles__value_type__init(v);
			v->type = j ? s_cpu : s_samples;
			v->unit = j ? s_ns : s_count;
			pb->sample_type[j] = v;
		}
		pb->period_type = arena_alloc(a, sizeof *pb->period_type);
		perftools__profiles__value_type__init(pb->period_type);
		pb->period_type->type = s_cpu;
		pb->period_type->unit = s_ns;
		pb->period = 10000000;
		pb->time_nanos = 1700000000000000000LL + (int64_t)i * 30000000000LL;
		pb->duration_nanos = 30000000000LL;

		pb->n_mapping = 1;
		pb->mapping = arena_alloc(a, sizeof *pb->mapping);
		pb->mapping[0] = arena_alloc(a, sizeof(PbMapping));
		perftools__profiles__mapping__init(pb->mapping[0]);
		pb->mapping[0]->id = 1;
		pb->mapping[0]->memory_start = version ? 0x7f0000400000ULL : 0x400000;
		pb->mapping[0]->memory_limit = pb->mapping[0]->memory_start + 0x2000000;
		pb->mapping[0]->filename = addstr(pb, a, "/app/server");
		pb->mapping[0]->build_id = addstr(pb, a, version ? "b2f0c1d2e3f4a5b6" : "a1e0c1d2e3f4a5b6");
		pb->mapping[0]->has_functions = 1;
		pb->mapping[0]->has_filenames = 1;
		pb->mapping[0]->has_line_numbers = 1;
		pb->mapping[0]->has_inline_frames = 1;

		pb->function = arena_alloc(a, NFUNC * sizeof *pb->function);
		pb->location = arena_alloc(a, NLOC * sizeof *pb->location);
		for (j = 0; j < NLOC; j++)
			pb->location[j] = NULL;

		pb->sample = arena_alloc(a, (size_t)stacks * sizeof *pb->sample);
		while (got < stacks) {
			/* skewed popularity: u^3 favours the start of the pool */
			double u = unif();
			int s = (int)(u * u * u * NPOOL), d = pool_depth[s], k;
			PbSample *smp;
			int64_t cnt;

			if (seen[s])
				continue;
			seen[s] = 1;
			smp = arena_alloc(a, sizeof *smp);
			perftools__profiles__sample__init(smp);
			smp->n_location_id = (size_t)d;
			smp->location_id = arena_alloc(a, (size_t)d * sizeof *smp->location_id);
			for (k = 0; k < d; k++) {
				uint32_t l = pool[s][k];
				PbLocation *loc;
				int nl = loc_inl[l] ? 2 : 1, q;

				smp->location_id[k] = l + 1;
				if (pb->location[l])
					continue;
				loc = arena_alloc(a, sizeof *loc);
				perftools__profiles__location__init(loc);
				loc->id = l + 1;
				loc->mapping_id = 1;
				loc->address = pb->mapping[0]->memory_start + 0x1000 + (uint64_t)l * 24 + (version ? 8 : 0);
				loc->n_line = (size_t)nl;
				loc->line = arena_alloc(a, (size_t)nl * sizeof *loc->line);
				for (q = 0; q < nl; q++) {
					uint32_t f = q == 0 && nl == 2 ? loc_inl[l] : loc_func[l];
					PbLine *ln = arena_alloc(a, sizeof *ln);

					perftools__profiles__line__init(ln);
					if (!fn_id[f]) {
						PbFunction *fn = arena_alloc(a, sizeof *fn);

						perftools__profiles__function__init(fn);
						fn->id = (uint64_t)++nfn;
						snprintf(name, sizeof name,
						    "github.com/acme/shop/internal/pkg%03u.(*Service%u).Handle%u",
						    f % 97, f % 13, f);
						fn->name = fn->system_name = addstr(pb, a, name);
						snprintf(name, sizeof name,
						    "/build/src/github.com/acme/shop/internal/pkg%03u/file%u.go",
						    f % 97, f % 7);
						fn->filename = addstr(pb, a, name);
						/* version 2 moved one function in twenty */
						fn->start_line = func_start[f] + (version && f % 20 == 0 ? 3 : 0);
						pb->function[pb->n_function++] = fn;
						fn_id[f] = (uint32_t)fn->id;
					}
					ln->function_id = fn_id[f];
					ln->line = q == 0 && nl == 2 ? func_start[f] + 2 : loc_line[l];
					loc->line[q] = ln;
				}
				pb->location[l] = loc;
			}
			cnt = 1 + (int64_t)(unif() * unif() * 40);
			smp->n_value = 2;
			smp->value = arena_alloc(a, 2 * sizeof *smp->value);
			smp->value[0] = cnt;
			smp->value[1] = cnt * 10000000;
			if (rnd() % 10 < 3) {
				int nlab = rnd() % 3 == 0 ? 2 : 1;

				smp->n_label = (size_t)nlab;
				smp->label = arena_alloc(a, (size_t)nlab * sizeof *smp->label);
				for (k = 0; k < nlab; k++) {
					PbLabel *lb = arena_alloc(a, sizeof *lb);

					perftools__profiles__label__init(lb);
					lb->key = k ? s_region : s_ep;
					lb->str = k ? region_vals[rnd() % 3] : ep_vals[rnd() % 8];
					smp->label[k] = lb;
				}
			}
			pb->sample[pb->n_sample++] = smp;
			got++;
		}
		/* compact the location table */
		{
			size_t w = 0;

			for (j = 0; j < NLOC; j++)
				if (pb->location[j])
					pb->location[w++] = pb->location[j];
			pb->n_location = w;
		}
		p.pb = pb;
		p.arena = a;
		snprintf(path, sizeof path, "%s/fleet-%03d.pprof", dir, i);
		if (profile_write(&p, path, 1) < 0)
			die("%s", errmsg());
		free(seen);
		free(fn_id);
		arena_free(a);
	}
	return 0;
}
