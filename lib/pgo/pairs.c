/* The leaf pairs of a profile's samples, in one walk (sampleiter.h) over
 * the decoded samples or the raw ones of a lean view. */
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/keymap.h"
#include "pprof/sampleiter.h"
#include "pgo/artefact.h"
#include "pgo/pairs.h"
#include "util/err.h"
#include "util/sat.h"

/* new_pair makes the sample of a pair first seen, with its own arrays. */
static PbSample *
new_pair(struct arena *a, const uint64_t *loc, size_t nloc, int64_t w)
{
	static const PbSample init = PERFTOOLS__PROFILES__SAMPLE__INIT;
	PbSample *s = arena_alloc(a, sizeof(*s));
	uint64_t *ids = arena_alloc(a, 2 * sizeof(*ids));
	int64_t *val = arena_alloc(a, sizeof(*val));

	*s = init;
	memcpy(ids, loc, nloc * sizeof(*ids));
	*val = w;
	s->location_id = ids;
	s->n_location_id = nloc;
	s->value = val;
	s->n_value = 1;
	return s;
}

int
pgo_pairs_build(const struct profile *p, int si, int artefacts, struct arena *a,
    struct pgo_pairs *out)
{
	struct keymap *seen = keymap_new(2);
	uint8_t *lockind = artefacts ? pgo_artefact_locations(p) : NULL;
	struct sample_iter it;
	size_t cap = 0, max = pgo_lean_max(p);
	int got, rc = -1;

	memset(out, 0, sizeof(*out));
	if (!a)
		a = out->own = arena_new(1 << 16);
	sample_iter_init(&it, p, NULL, 0);
	while ((got = sample_iter_next(&it)) == 1) {
		const uint64_t *loc = it.loc;
		size_t nloc = it.nloc, cut, k;
		int64_t w = it.val[si];
		uint64_t key[2];
		int kind, added;

		out->nin++;
		out->weight_in = sat_add(out->weight_in, w);
		if (lockind) {
			PbSample s;

			sample_iter_pb(&it, &s);
			if ((cut = pgo_artefact_cut(p, lockind, &s, &kind))) {
				out->removed[kind]++;
				out->removed_weight[kind] = sat_add(out->removed_weight[kind], w);
				loc += cut;
				nloc -= cut;
			}
		}
		if (w == 0 || nloc == 0)
			continue;
		if (nloc > 2)
			nloc = 2;
		key[0] = loc[0];
		key[1] = nloc > 1 ? loc[1] : 0; /* no location has id 0 */
		k = keymap_intern(seen, key, &added);
		if (!added) {
			out->sample[k]->value[0] = sat_add(out->sample[k]->value[0], w);
			continue;
		}
		if (out->n >= max) {
			pgo_lean_refuse(p, "distinct leaf-most location pairs");
			goto done;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 256;
			out->sample = xreallocarray(out->sample, cap, sizeof(*out->sample));
		}
		out->sample[out->n++] = new_pair(a, loc, nloc, w);
	}
	rc = got < 0 ? -1 : 0;
done:
	sample_iter_free(&it);
	keymap_free(seen);
	free(lockind);
	if (rc < 0)
		pgo_pairs_free(out);
	return rc;
}

void
pgo_pairs_free(struct pgo_pairs *pp)
{
	free(pp->sample);
	if (pp->own)
		arena_free(pp->own);
	pp->sample = NULL;
	pp->own = NULL;
	pp->n = 0;
}

void
pgo_pairs_view(const struct profile *p, const struct pgo_pairs *pp, int si,
    PbProfile *pb, PbValueType **st, struct profile *view)
{
	*pb = *p->pb;
	*st = p->pb->sample_type[si];
	pb->sample_type = st;
	pb->n_sample_type = 1;
	pb->sample = pp->sample;
	pb->n_sample = pp->n;
	*view = *p;
	view->pb = pb;
	view->raw = NULL;
	view->rawlen = view->nsample = 0;
	view->sample_lo = view->sample_hi = 0;
}
