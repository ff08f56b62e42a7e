/* Sample stacks by frame name, root first, identical stacks summed; used by
 * --folded and --svg. Frames without a function are named after their
 * binary and address so they stay apart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/keymap.h"
#include "pprof/locframes.h"
#include "pprof/sampleiter.h"
#include "report/stacks.h"
#include "util/err.h"
#include "util/sat.h"

struct frame_ctx {
	const struct profile *p;
	struct strmap *names;
};

/* frame_name interns a frame's function name, or its address when it has
 * none. */
static size_t frame_name(void *arg, const PbLocation *l, const PbLine *ln)
{
	struct frame_ctx *c = arg;
	const PbFunction *f = ln ? profile_function(c->p, ln->function_id) : NULL;
	const char *n = f ? profile_str(c->p, f->name) : "";
	char buf[64];
	if (!n[0]) {
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)l->address);
		n = buf;
	}
	return strmap_intern(c->names, n, NULL);
}

/* A stack is interned as its frame-id string in a strmap (ids written as
 * fixed 8-hex-digit words), which keeps the code small and the order of
 * first appearance stable. */
int stacks_build(const struct profile *p, const char *spec, struct stacks *s)
{
	const PbProfile *pb = p->pb;
	memset(s, 0, sizeof(*s));
	int vi = profile_sample_type(p, spec);
	if (vi < 0)
		return -1;
	s->sample_index = vi;
	s->type = profile_str(p, pb->sample_type[vi]->type);
	s->unit = profile_str(p, pb->sample_type[vi]->unit);
	s->names = strmap_new();

	/* per location: frame name ids, leaf first */
	struct frame_ctx c = { p, s->names };
	struct locframes lf;
	locframes_build(&lf, p, frame_name, &c);

	struct strmap *keys = strmap_new();
	size_t cap = 0, kcap = 0;
	char *key = NULL;
	uint32_t *fr = NULL;
	size_t frcap = 0;
	struct sample_iter it;
	sample_iter_init(&it, p, NULL, 0);
	while (sample_iter_next(&it) == 1) {
		int64_t w = it.val[vi];
		if (w == 0)
			continue;
		size_t d = 0;
		for (size_t li = it.nloc; li-- > 0;) {
			int64_t loc = idmap_get(&p->locs, it.loc[li]);
			if (loc < 0)
				continue;
			for (size_t x = lf.start[loc + 1]; x-- > lf.start[loc];) {
				if (d == frcap) {
					frcap = frcap ? frcap * 2 : 64;
					fr = xreallocarray(fr, frcap, sizeof(*fr));
				}
				fr[d++] = (uint32_t)lf.node[x];
			}
		}
		if (d * 8 + 1 > kcap) {
			kcap = d * 8 + 64;
			key = xrealloc(key, kcap);
		}
		for (size_t x = 0; x < d; x++)
			snprintf(key + x * 8, 9, "%08x", fr[x]);
		key[d * 8] = 0;
		int added;
		size_t idx = strmap_intern(keys, key, &added);
		if (added) {
			if (idx >= cap) {
				cap = cap ? cap * 2 : 256;
				s->frame = xreallocarray(s->frame, cap, sizeof(*s->frame));
				s->depth = xreallocarray(s->depth, cap, sizeof(*s->depth));
				s->value = xreallocarray(s->value, cap, sizeof(*s->value));
			}
			s->frame[idx] = xmalloc((d ? d : 1) * sizeof(**s->frame));
			memcpy(s->frame[idx], fr, d * sizeof(*fr));
			s->depth[idx] = d;
			s->value[idx] = 0;
			s->nstack = idx + 1;
		}
		s->value[idx] = sat_add(s->value[idx], w);
		s->total = sat_add(s->total, w);
	}
	sample_iter_free(&it);
	free(fr);
	free(key);
	strmap_free(keys);
	locframes_free(&lf);
	return 0;
}

const char *stacks_name(const struct stacks *s, uint32_t id)
{
	return strmap_str(s->names, id);
}

void stacks_free(struct stacks *s)
{
	for (size_t i = 0; i < s->nstack; i++)
		free(s->frame[i]);
	free(s->frame);
	free(s->depth);
	free(s->value);
	strmap_free(s->names);
	memset(s, 0, sizeof(*s));
}
