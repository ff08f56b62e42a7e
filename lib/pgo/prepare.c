/* pgo-build's profile preparation: cut a CPU profile down to what Go's PGO
 * reads (cmd/internal/pgo: one sample type, edges from the two leaf-most
 * locations, weights summed by caller, callee and line offset) and check,
 * with lib/pgoedges, that the compiler's hot call edges did not change. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/keymap.h"
#include "pgo/artefact.h"
#include "pgo/check.h"
#include "pgo/edges.h"
#include "pgo/pairs.h"
#include "pgo/prepare.h"
#include "util/err.h"

const char *const pgo_default_deny[] = {
	"runtime.gopark",       /* golang/go#74045: inlined into ReadTrace, hangs */
	NULL,
};

#define NO_RANK UINT32_MAX

/* reduce_samples replaces p's samples, decoded or lean, with their leaf
 * pairs (pairs.h): value si only, no labels, each stack cut to two
 * locations after its artefact frames went, equal stacks summed. p is
 * then a complete profile of those samples alone. */
static int
reduce_samples(struct profile *p, int si, int artefacts, struct pgoprep_stats *st)
{
	PbProfile *pb = p->pb;
	struct pgo_pairs pp;

	if (pgo_pairs_build(p, si, artefacts, p->arena, &pp) < 0)
		return -1;
	st->weight_in = pp.weight_in;
	memcpy(st->removed, pp.removed, sizeof(st->removed));
	memcpy(st->removed_weight, pp.removed_weight, sizeof(st->removed_weight));
	pb->sample = arena_alloc(p->arena, (pp.n ? pp.n : 1) * sizeof(*pb->sample));
	memcpy(pb->sample, pp.sample, pp.n * sizeof(*pb->sample));
	pb->n_sample = pp.n;
	pgo_pairs_free(&pp);
	p->raw = NULL;          /* no longer a lean view */
	p->rawlen = p->nsample = 0;
	p->sample_lo = p->sample_hi = 0;
	pb->sample_type[0] = pb->sample_type[si];
	pb->n_sample_type = 1;
	pb->default_sample_type = 0;
	return 0;
}

/* deny_functions renames the functions named in the deny lists; they no
 * longer match any function the compiler sees. */
static size_t
deny_functions(struct profile *p, const struct pgoprep_opts *o)
{
	PbProfile *pb = p->pb;
	struct strmap *deny = strmap_new();
	size_t n = 0, i;
	char **tab;

	if (!o->no_default_deny)
		for (i = 0; pgo_default_deny[i]; i++)
			strmap_intern(deny, pgo_default_deny[i], NULL);
	for (i = 0; i < o->ndeny; i++)
		strmap_intern(deny, o->deny[i], NULL);
	for (i = 0; i < pb->n_function; i++)
		if (strmap_find(deny, profile_str(p, pb->function[i]->name)) >= 0)
			n++;
	if (n == 0) {
		strmap_free(deny);
		return 0;
	}
	tab = arena_alloc(p->arena, (pb->n_string_table + n) * sizeof(*tab));
	memcpy(tab, pb->string_table, pb->n_string_table * sizeof(*tab));
	n = 0;
	for (i = 0; i < pb->n_function; i++) {
		PbFunction *f = pb->function[i];
		const char *name = profile_str(p, f->name);
		size_t len = strlen(name);
		char *nn;

		if (strmap_find(deny, name) < 0)
			continue;
		nn = arena_alloc(p->arena, len + sizeof PGO_DENY_SUFFIX);
		memcpy(nn, name, len);
		memcpy(nn + len, PGO_DENY_SUFFIX, sizeof PGO_DENY_SUFFIX);
		tab[pb->n_string_table + n] = nn;
		f->name = (int64_t)(pb->n_string_table + n);
		n++;
	}
	pb->string_table = tab;
	pb->n_string_table += n;
	strmap_free(deny);
	return n;
}

/* sample_ranks gives each sample the rank (index in e, hottest first) of
 * the hottest edge it feeds, NO_RANK when it feeds none. The edges of one
 * sample come from pgo_edges_build on a profile holding just that sample,
 * so the rules stay in lib/pgoedges.c. A sample whose frames all lack
 * start_line cannot be built alone; it gets rank 0 and is always kept. */
static uint32_t *
sample_ranks(const struct profile *p, const struct pgo_edges *e)
{
	const PbProfile *pb = p->pb;
	struct strmap *names = strmap_new();
	struct keymap *index = keymap_new(3);
	struct arena *scratch = NULL;
	uint32_t *rank = xcalloc(pb->n_sample ? pb->n_sample : 1, sizeof(*rank));
	size_t i;

	for (i = 0; i < e->nedge; i++) {
		uint64_t key[3] = {
			strmap_intern(names, e->edge[i].caller, NULL),
			strmap_intern(names, e->edge[i].callee, NULL),
			(uint64_t)e->edge[i].offset,
		};
		keymap_intern(index, key, NULL);
	}
	for (i = 0; i < pb->n_sample; i++) {
		PbSample *s = pb->sample[i];
		PbProfile mpb = *pb;
		struct profile mini = *p;
		PbSample ms = *s, *msp = &ms;
		PbLocation *locs[2];
		uint64_t ids[2];
		int64_t one = 1;
		struct pgo_edges se;
		size_t k, nloc = 0;

		if (!scratch || i % 4096 == 0) {
			if (scratch)
				arena_free(scratch);
			scratch = arena_new(1 << 16);
		}
		for (k = 0; k < s->n_location_id && k < 2; k++) {
			PbLocation *l = profile_location(p, s->location_id[k]);

			if (l && (nloc == 0 || ids[0] != l->id)) {
				locs[nloc] = l;
				ids[nloc++] = l->id;
			}
		}
		ms.value = &one;
		ms.n_value = 1;
		mpb.n_sample = 1;
		mpb.sample = &msp;
		mpb.n_location = nloc;
		mpb.location = locs;
		idmap_build(&mini.locs, scratch, ids, nloc);
		mini.pb = &mpb;
		if (pgo_edges_build(&mini, 0, &se) < 0) {
			rank[i] = 0;
			continue;
		}
		rank[i] = NO_RANK;
		for (k = 0; k < se.nedge; k++) {
			uint64_t key[3];
			int64_t c = strmap_find(names, se.edge[k].caller);
			int64_t d = strmap_find(names, se.edge[k].callee);
			int64_t r;

			if (c < 0 || d < 0)
				continue;
			key[0] = (uint64_t)c, key[1] = (uint64_t)d;
			key[2] = (uint64_t)se.edge[k].offset;
			r = keymap_find(index, key);
			if (r >= 0 && (uint32_t)r < rank[i])
				rank[i] = (uint32_t)r;
		}
		pgo_edges_free(&se);
	}
	if (scratch)
		arena_free(scratch);
	keymap_free(index);
	strmap_free(names);
	return rank;
}

/* keep_prefix is the number of hottest edges that make up keep percent of
 * the weight (all of them from 100 on). */
static size_t
keep_prefix(const struct pgo_edges *e, double keep)
{
	int64_t cum = 0;

	if (keep >= 100)
		return e->nedge;
	for (size_t i = 0; i < e->nedge; i++) {
		cum += e->edge[i].weight;
		if ((double)cum * 100 >= keep * (double)e->total)
			return i + 1;
	}
	return e->nedge;
}

static int
same_edges(const struct pgo_edges *a, size_t na, const struct pgo_edges *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++) {
		const struct pgo_edge *x = &a->edge[i], *y = &b->edge[i];

		if (x->weight != y->weight || x->offset != y->offset ||
		    strcmp(x->caller, y->caller) || strcmp(x->callee, y->callee))
			return 0;
	}
	return 1;
}

static void
mark_str(uint32_t *map, const PbProfile *pb, int64_t i)
{
	if (i > 0 && (uint64_t)i < pb->n_string_table)
		map[i] = 1;
}

static int64_t
remap_str(const uint32_t *map, const PbProfile *pb, int64_t i)
{
	if (i <= 0 || (uint64_t)i >= pb->n_string_table)
		return 0;
	return map[i];
}

/* What compact keeps: the locations, functions and mappings some sample
 * reaches (by index), and the strings they or the header refer to (old index
 * to new; 0 while unused). */
struct compaction {
	uint8_t *uloc, *ufun, *umap;
	uint32_t *smap;
	char **tab;             /* the new string table */
	size_t nstr;            /* its length */
	uint64_t *ids;          /* scratch for rebuilding one id lookup */
};

/* mark_reached marks the locations samples name, then the mappings and
 * functions of those locations. */
static void
mark_reached(const struct profile *p, struct compaction *c)
{
	const PbProfile *pb = p->pb;
	size_t i, j;

	for (i = 0; i < pb->n_sample; i++)
		for (j = 0; j < pb->sample[i]->n_location_id; j++) {
			int64_t k = idmap_get(&p->locs, pb->sample[i]->location_id[j]);

			if (k >= 0)
				c->uloc[k] = 1;
		}
	for (i = 0; i < pb->n_location; i++) {
		const PbLocation *l = pb->location[i];
		int64_t k;

		if (!c->uloc[i])
			continue;
		if (l->mapping_id && (k = idmap_get(&p->maps, l->mapping_id)) >= 0)
			c->umap[k] = 1;
		for (j = 0; j < l->n_line; j++)
			if ((k = idmap_get(&p->funcs, l->line[j]->function_id)) >= 0)
				c->ufun[k] = 1;
	}
}

/* mark_strings marks the strings still referred to. */
static void
mark_strings(const PbProfile *pb, struct compaction *c)
{
	uint32_t *smap = c->smap;
	size_t i;

	for (i = 0; i < pb->n_sample_type; i++) {
		mark_str(smap, pb, pb->sample_type[i]->type);
		mark_str(smap, pb, pb->sample_type[i]->unit);
	}
	if (pb->period_type) {
		mark_str(smap, pb, pb->period_type->type);
		mark_str(smap, pb, pb->period_type->unit);
	}
	for (i = 0; i < pb->n_comment; i++)
		mark_str(smap, pb, pb->comment[i]);
	mark_str(smap, pb, pb->drop_frames);
	mark_str(smap, pb, pb->keep_frames);
	mark_str(smap, pb, pb->default_sample_type);
	mark_str(smap, pb, pb->doc_url);
	for (i = 0; i < pb->n_function; i++)
		if (c->ufun[i]) {
			mark_str(smap, pb, pb->function[i]->name);
			mark_str(smap, pb, pb->function[i]->system_name);
			mark_str(smap, pb, pb->function[i]->filename);
		}
	for (i = 0; i < pb->n_mapping; i++)
		if (c->umap[i]) {
			mark_str(smap, pb, pb->mapping[i]->filename);
			mark_str(smap, pb, pb->mapping[i]->build_id);
		}
}

/* new_string_table lists the marked strings in their old order and turns
 * smap into the old-to-new index map. */
static void
new_string_table(struct profile *p, struct compaction *c)
{
	const PbProfile *pb = p->pb;
	size_t n = 1;

	c->tab = arena_alloc(p->arena, (pb->n_string_table ? pb->n_string_table : 1) * sizeof(*c->tab));
	c->tab[0] = pb->n_string_table ? pb->string_table[0] : "";
	for (size_t i = 1; i < pb->n_string_table; i++)
		if (c->smap[i]) {
			c->tab[n] = pb->string_table[i];
			c->smap[i] = (uint32_t)n++;
		}
	c->nstr = n;
}

static void
remap_header_strings(PbProfile *pb, const uint32_t *smap)
{
	for (size_t i = 0; i < pb->n_sample_type; i++) {
		pb->sample_type[i]->type = remap_str(smap, pb, pb->sample_type[i]->type);
		pb->sample_type[i]->unit = remap_str(smap, pb, pb->sample_type[i]->unit);
	}
	if (pb->period_type) {
		pb->period_type->type = remap_str(smap, pb, pb->period_type->type);
		pb->period_type->unit = remap_str(smap, pb, pb->period_type->unit);
	}
	for (size_t i = 0; i < pb->n_comment; i++)
		pb->comment[i] = remap_str(smap, pb, pb->comment[i]);
	pb->drop_frames = remap_str(smap, pb, pb->drop_frames);
	pb->keep_frames = remap_str(smap, pb, pb->keep_frames);
	pb->default_sample_type = remap_str(smap, pb, pb->default_sample_type);
	pb->doc_url = remap_str(smap, pb, pb->doc_url);
}

/* keep_functions, keep_mappings and keep_locations drop the unreached
 * records, renumber their strings and rebuild their id lookups. */
static void
keep_functions(struct profile *p, struct compaction *c)
{
	PbProfile *pb = p->pb;
	size_t i, n;

	for (i = n = 0; i < pb->n_function; i++) {
		PbFunction *f = pb->function[i];

		if (!c->ufun[i])
			continue;
		f->name = remap_str(c->smap, pb, f->name);
		f->system_name = remap_str(c->smap, pb, f->system_name);
		f->filename = remap_str(c->smap, pb, f->filename);
		c->ids[n] = f->id;
		pb->function[n++] = f;
	}
	pb->n_function = n;
	idmap_build(&p->funcs, p->arena, c->ids, n);
}

static void
keep_mappings(struct profile *p, struct compaction *c)
{
	PbProfile *pb = p->pb;
	size_t i, n;

	for (i = n = 0; i < pb->n_mapping; i++) {
		PbMapping *m = pb->mapping[i];

		if (!c->umap[i])
			continue;
		m->filename = remap_str(c->smap, pb, m->filename);
		m->build_id = remap_str(c->smap, pb, m->build_id);
		c->ids[n] = m->id;
		pb->mapping[n++] = m;
	}
	pb->n_mapping = n;
	idmap_build(&p->maps, p->arena, c->ids, n);
}

static void
keep_locations(struct profile *p, struct compaction *c)
{
	PbProfile *pb = p->pb;
	size_t i, n;

	for (i = n = 0; i < pb->n_location; i++) {
		if (!c->uloc[i])
			continue;
		c->ids[n] = pb->location[i]->id;
		pb->location[n++] = pb->location[i];
	}
	pb->n_location = n;
	idmap_build(&p->locs, p->arena, c->ids, n);
}

/* compact drops the mappings, locations, functions and strings no sample
 * reaches, renumbers the string indices and rebuilds the id lookups. */
static void
compact(struct profile *p)
{
	PbProfile *pb = p->pb;
	struct compaction c = { 0 };
	size_t maxn;

	c.uloc = xcalloc(pb->n_location + 1, 1);
	c.ufun = xcalloc(pb->n_function + 1, 1);
	c.umap = xcalloc(pb->n_mapping + 1, 1);
	c.smap = xcalloc(pb->n_string_table + 1, sizeof(*c.smap));
	mark_reached(p, &c);
	mark_strings(pb, &c);
	new_string_table(p, &c);
	remap_header_strings(pb, c.smap);

	maxn = pb->n_location;
	if (pb->n_function > maxn)
		maxn = pb->n_function;
	if (pb->n_mapping > maxn)
		maxn = pb->n_mapping;
	c.ids = xcalloc(maxn + 1, sizeof(*c.ids));
	keep_functions(p, &c);
	keep_mappings(p, &c);
	keep_locations(p, &c);

	/* Last: remap_str reads the old table's length. */
	pb->string_table = c.tab;
	pb->n_string_table = pb->n_string_table ? c.nstr : 0;

	free(c.ids);
	free(c.smap);
	free(c.umap);
	free(c.ufun);
	free(c.uloc);
}

int
pgo_prepare(struct profile *p, const struct pgoprep_opts *o, struct pgoprep_stats *st)
{
	PbProfile *pb = p->pb;
	struct pgo_edges full, kept;
	PbSample **all, **keep_s;
	size_t nall, hot, i, k, n;
	uint32_t *rank;
	double keep;
	int si = pgo_sample_index(p);

	memset(st, 0, sizeof(*st));
	if (si < 0) {
		seterr("profile does not contain a sample index with value/type "
		    "\"samples/count\" or \"cpu/nanoseconds\"");
		return -1;
	}
	st->samples_in = profile_nsample(p);
	st->locations_in = pb->n_location;
	st->functions_in = pb->n_function;
	st->strings_in = pb->n_string_table;

	if (reduce_samples(p, si, !o->keep_frames, st) < 0)
		return -1;
	st->denied = deny_functions(p, o);
	if (pgo_edges_build(p, 0, &full) < 0)
		return -1;
	hot = pgo_hot(&full, PGO_DEFAULT_CDF, NULL);
	st->edges_in = full.nedge;
	st->hot_in = hot;

	rank = sample_ranks(p, &full);
	all = pb->sample;
	nall = pb->n_sample;
	keep_s = arena_alloc(p->arena, (nall ? nall : 1) * sizeof(*keep_s));
	keep = o->keep > 0 ? o->keep : PGO_DEFAULT_KEEP;
	for (;;) {
		k = keep_prefix(&full, keep);
		for (i = n = 0; i < nall; i++)
			if (rank[i] != NO_RANK && rank[i] < k)
				keep_s[n++] = all[i];
		pb->sample = keep_s;
		pb->n_sample = n;
		if (pgo_edges_build(p, 0, &kept) < 0) {
			/* The kept frames lack start_line where dropped ones had
			 * it: keep everything rather than break the build. */
			pb->sample = all;
			pb->n_sample = nall;
			keep = 100;
			if (pgo_edges_build(p, 0, &kept) < 0) {
				free(rank);
				pgo_edges_free(&full);
				return -1;
			}
			break;
		}
		st->hot_out = pgo_hot(&kept, PGO_DEFAULT_CDF, NULL);
		st->same_hot = same_edges(&full, hot, &kept, st->hot_out);
		if (st->same_hot || o->keep > 0 || k == full.nedge)
			break;
		pgo_edges_free(&kept);
		keep = 100 - (100 - keep) / 4;
		if (100 - keep < 1e-9)
			keep = 100;
	}
	st->hot_out = pgo_hot(&kept, PGO_DEFAULT_CDF, NULL);
	st->same_hot = same_edges(&full, hot, &kept, st->hot_out);
	st->edges_out = kept.nedge;
	st->keep = keep;
	pgo_edges_free(&kept);
	pgo_edges_free(&full);
	free(rank);

	compact(p);
	st->samples_out = pb->n_sample;
	st->locations_out = pb->n_location;
	st->functions_out = pb->n_function;
	st->strings_out = pb->n_string_table;
	return 0;
}
