/* Signal-injected frames (artefact.h): which they are, where they sit in a
 * sample, and what they weigh. Go 1.23 builds its call edges from the two
 * leaf-most locations only (edges.c), so only frames at the leaf end of a
 * stack can put a false edge into the compiler's graph. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgo/artefact.h"
#include "pprof/sampleiter.h"
#include "util/err.h"
#include "util/sat.h"

const struct pgo_artefact_info pgo_artefacts[PGO_NART] = {
	[PGO_ART_PREEMPT] = { "runtime.asyncPreempt",
	    "runtime.asyncPreempt frames",
	    "a preemption signal injected them at the interrupted line, not a call; "
	    "as the hottest callee of an interface call site they block PGO "
	    "devirtualization there (golang/go#72092)" },
	[PGO_ART_SIGPANIC] = { "runtime.sigpanic",
	    "runtime.sigpanic leaf frames",
	    "a fault signal injected them at the faulting instruction, not a call" },
};

uint8_t *
pgo_artefact_locations(const struct profile *p)
{
	const PbProfile *pb = p->pb;
	uint8_t *kind = xcalloc(pb->n_location ? pb->n_location : 1, 1);

	for (size_t i = 0; i < pb->n_location; i++) {
		const PbLocation *l = pb->location[i];
		const PbFunction *f;
		const char *name;

		if (l->n_line == 0)
			continue;
		f = profile_function(p, l->line[l->n_line - 1]->function_id);
		name = f ? profile_str(p, f->name) : "";
		for (int k = 0; k < PGO_NART; k++)
			if (!strcmp(name, pgo_artefacts[k].func))
				kind[i] = (uint8_t)(k + 1);
	}
	return kind;
}

static int
location_kind(const struct profile *p, const uint8_t *lockind, uint64_t id)
{
	int64_t i = idmap_get(&p->locs, id);

	return i < 0 ? 0 : lockind[i];
}

size_t
pgo_artefact_cut(const struct profile *p, const uint8_t *lockind,
    const PbSample *s, int *kind)
{
	/* Root-most first: a preemption's own runtime frames lie leaf-ward of
	 * runtime.asyncPreempt and go with it. */
	for (size_t i = s->n_location_id; i-- > 0;)
		if (location_kind(p, lockind, s->location_id[i]) == PGO_ART_PREEMPT + 1) {
			*kind = PGO_ART_PREEMPT;
			return i + 1;
		}
	/* A sigpanic further up is the caller of the panic machinery, a real
	 * call edge; only as the leaf is its edge a false one. */
	if (s->n_location_id > 0 &&
	    location_kind(p, lockind, s->location_id[0]) == PGO_ART_SIGPANIC + 1) {
		*kind = PGO_ART_SIGPANIC;
		return 1;
	}
	return 0;
}

/* hot_edge_kind: which artefact a hot edge belongs to, -1 for none. */
static int
hot_edge_kind(const struct pgo_edge *e)
{
	if (!strcmp(e->callee, pgo_artefacts[PGO_ART_PREEMPT].func) ||
	    !strcmp(e->caller, pgo_artefacts[PGO_ART_PREEMPT].func))
		return PGO_ART_PREEMPT;
	if (!strcmp(e->callee, pgo_artefacts[PGO_ART_SIGPANIC].func))
		return PGO_ART_SIGPANIC;
	return -1;
}

void
pgo_artefact_measure(const struct profile *p, const struct pgo_edges *e,
    struct pgo_artefact_share *out)
{
	struct sample_iter it;
	int si = e->sample_index;
	uint8_t *lockind;
	size_t nhot, i;

	memset(out, 0, sizeof(*out));
	if (si < 0)
		return;
	lockind = pgo_artefact_locations(p);
	sample_iter_init(&it, p, NULL, 0);
	while (sample_iter_next(&it) == 1) {
		PbSample s;
		int kind;

		sample_iter_pb(&it, &s);
		out->total = sat_add(out->total, s.value[si]);
		if (pgo_artefact_cut(p, lockind, &s, &kind))
			out->weight[kind] = sat_add(out->weight[kind], s.value[si]);
	}
	sample_iter_free(&it);
	free(lockind);
	nhot = pgo_hot(e, PGO_DEFAULT_CDF, NULL);
	for (i = 0; i < nhot; i++) {
		int kind = hot_edge_kind(&e->edge[i]);

		out->hot_total = sat_add(out->hot_total, e->edge[i].weight);
		if (kind >= 0)
			out->hot[kind] = sat_add(out->hot[kind], e->edge[i].weight);
	}
}

static double
percent(int64_t part, int64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

int
pgo_artefact_warning(const struct pgo_artefact_share *s, int k, char *buf, size_t n)
{
	double samples = percent(s->weight[k], s->total);
	double hot = percent(s->hot[k], s->hot_total);

	if (samples <= PGO_ARTEFACT_WARN && hot <= PGO_ARTEFACT_WARN)
		return 0;
	snprintf(buf, n, "%s hold %.1f%% of the samples and %.1f%% of the hot-edge "
	    "weight: %s; pgo-build removes them", pgo_artefacts[k].what, samples, hot,
	    pgo_artefacts[k].reason);
	return 1;
}
