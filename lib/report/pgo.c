/* --pgo: the compiler's view of a profile. Edges come from pgoedges.c (the
 * same list `go tool preprofile` writes); the shrink estimate rebuilds the
 * profile with only what that list depends on and encodes it. */
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/keymap.h"
#include "pprof/merge.h"
#include "pgo/artefact.h"
#include "pgo/check.h"
#include "pgo/edges.h"
#include "pgo/pairs.h"
#include "codec/gzip.h"
#include "report/pgo.h"
#include "util/err.h"
#include "util/sat.h"

/* frames of the two leaf locations, outermost first, as (name, offset). */
struct frame {
	const char *name;
	int64_t offset;
	uint64_t addr;
	int64_t line, start;
};

static size_t leaf_frames(const struct profile *p, const PbSample *s, struct frame *fr, size_t cap)
{
	size_t n = 0;
	for (size_t li = s->n_location_id > 1 ? 2 : s->n_location_id; li-- > 0;) {
		const PbLocation *l = profile_location(p, s->location_id[li]);
		if (!l)
			continue;
		size_t nl = l->n_line ? l->n_line : 1;
		for (size_t k = nl; k-- > 0 && n < cap;) {
			const PbLine *ln = l->n_line ? l->line[k] : NULL;
			const PbFunction *f = ln ? profile_function(p, ln->function_id) : NULL;
			fr[n].name = f ? profile_str(p, f->name) : "";
			fr[n].line = f ? ln->line : 0;
			fr[n].start = f ? f->start_line : 0;
			fr[n].offset = fr[n].line - fr[n].start;
			fr[n].addr = l->address;
			n++;
		}
	}
	return n;
}

static int same_node(const struct frame *a, const struct frame *b)
{
	return a->addr == b->addr && a->line == b->line && a->start == b->start &&
	    !strcmp(a->name, b->name);
}

/* The hot edges, keyed by interned names and offset. */
struct hot_set {
	struct strmap *names;
	struct keymap *hot;
};

static void hot_set_build(struct hot_set *h, const struct pgo_edges *e)
{
	h->names = strmap_new();
	h->hot = keymap_new(3);
	size_t nhot = pgo_hot(e, PGO_DEFAULT_CDF, NULL);
	for (size_t i = 0; i < nhot; i++) {
		uint64_t k[3] = { strmap_intern(h->names, e->edge[i].caller, NULL),
		    strmap_intern(h->names, e->edge[i].callee, NULL), (uint64_t)e->edge[i].offset };
		keymap_intern(h->hot, k, NULL);
	}
}

/* sample_edges: does the sample make an edge, and a hot one? Returns 0
 * for no edge, 1 for an edge, 2 for a hot edge. */
static int sample_edges(const struct profile *p, const PbSample *s, const struct hot_set *h)
{
	struct frame fr[256];
	size_t nf = leaf_frames(p, s, fr, 256);
	int edges = 0;
	for (size_t k = 1; k < nf; k++) {
		if (same_node(&fr[k - 1], &fr[k]))
			continue;
		edges = 1;
		int64_t a = strmap_find(h->names, fr[k - 1].name);
		int64_t b = strmap_find(h->names, fr[k].name);
		uint64_t key[3] = { (uint64_t)a, (uint64_t)b, (uint64_t)fr[k - 1].offset };
		if (a >= 0 && b >= 0 && keymap_find(h->hot, key) >= 0)
			return 2;
	}
	return edges;
}

/* encoded_size merges the reduced profile (of one sample type) and encodes
 * it as pprof-merge would, for its size and sample count. */
static int encoded_size(const struct profile *reduced, struct pgo_shrink *out)
{
	const PbProfile *pb = reduced->pb;
	char spec[512];
	snprintf(spec, sizeof(spec), "%s/%s", profile_str(reduced, pb->sample_type[0]->type),
	    profile_str(reduced, pb->sample_type[0]->unit));
	struct merge_opts mo = { spec, 1 };
	struct merger *m = merger_new(&mo);
	int rc = -1;
	if (merger_add(m, reduced, 1.0) == 0) {
		struct profile *r = merger_finish(m);
		uint8_t *buf;
		size_t len;
		if (r && profile_encode(r, 1, &buf, &len) == 0) {
			out->bytes = len;
			out->samples = r->pb->n_sample;
			free(buf);
			rc = 0;
		}
		if (r)
			profile_free(r);
	} else {
		struct profile *junk = merger_finish(m);
		if (junk)
			profile_free(junk);
	}
	return rc;
}

int pgo_shrink_measure(const struct profile *p, const struct pgo_edges *e,
    struct pgo_shrink out[2])
{
	struct pgo_pairs pp;
	struct hot_set h;
	PbProfile pb;
	PbValueType *st;
	struct profile view;
	uint8_t *hot;
	size_t n = 0, nhot = 0;
	int got = -1;

	memset(out, 0, 2 * sizeof(*out));
	if (pgo_pairs_build(p, e->sample_index, 0, NULL, &pp) < 0)
		return -1;
	hot_set_build(&h, e);
	hot = xcalloc(pp.n ? pp.n : 1, 1);
	for (size_t i = 0; i < pp.n; i++) {
		int made = sample_edges(p, pp.sample[i], &h);
		if (made != 0) {
			hot[n] = made == 2;
			pp.sample[n++] = pp.sample[i];
		}
	}
	/* the pairs that make an edge, then those of them that make a hot one */
	pp.n = n;
	pgo_pairs_view(p, &pp, e->sample_index, &pb, &st, &view);
	if (encoded_size(&view, &out[0]) == 0) {
		got = 1;
		for (size_t i = 0; i < n; i++)
			if (hot[i])
				pp.sample[nhot++] = pp.sample[i];
		pp.n = nhot;
		pgo_pairs_view(p, &pp, e->sample_index, &pb, &st, &view);
		if (encoded_size(&view, &out[1]) == 0)
			got = 2;
	}
	free(hot);
	pgo_pairs_free(&pp);
	strmap_free(h.names);
	keymap_free(h.hot);
	return got;
}

/* profile_size is p's size at gzip -1: a lean view's as read, since its
 * samples are not decoded to be encoded again. */
static int profile_size(const struct profile *p, size_t *len)
{
	uint8_t *buf;
	int rc = p->raw ? gz_deflate(p->raw, p->rawlen, 1, &buf, len) :
	    profile_encode(p, 1, &buf, len);
	if (rc == 0)
		free(buf);
	return rc;
}

/* artefact_warnings ends the report with a line per kind of signal-injected
 * frame that weighs more than PGO_ARTEFACT_WARN percent; nothing otherwise. */
static void artefact_warnings(const struct profile *p, const struct pgo_edges *e, FILE *f)
{
	struct pgo_artefact_share share;
	char buf[512];

	pgo_artefact_measure(p, e, &share);
	for (int k = 0; k < PGO_NART; k++)
		if (pgo_artefact_warning(&share, k, buf, sizeof(buf)))
			fprintf(f, "Warning: %s\n", buf);
}

int pgoreport_write(const struct profile *p, const char *spec, int count, FILE *f)
{
	const PbProfile *pb = p->pb;
	int vi = -1;
	if (spec && (vi = profile_sample_type(p, spec)) < 0)
		return -1;
	struct pgo_edges e;
	if (pgo_edges_build(p, vi, &e) < 0)
		return -1;
	if (e.sample_index < 0) {
		fprintf(f, "No samples: Go accepts this profile but PGO does nothing.\n");
		pgo_edges_free(&e);
		return ferror(f) ? -1 : 0;
	}
	double thr;
	size_t nhot = pgo_hot(&e, PGO_DEFAULT_CDF, &thr);
	int64_t hotw = 0;
	for (size_t i = 0; i < nhot; i++)
		hotw = sat_add(hotw, e.edge[i].weight);
	fprintf(f, "Sample type: %s/%s (index %d)\n",
	    profile_str(p, pb->sample_type[e.sample_index]->type),
	    profile_str(p, pb->sample_type[e.sample_index]->unit), e.sample_index);
	fprintf(f, "Call edges: %zu, total weight %lld\n", e.nedge, (long long)e.total);
	fprintf(f, "Hot edges: %zu (%.2f%% of weight) at the %g%% CDF cut; "
	    "the coldest hot edge has %.10g%% of the weight\n", nhot,
	    e.total ? (double)hotw / (double)e.total * 100 : 0.0, PGO_DEFAULT_CDF, thr);
	fprintf(f, "%12s %8s %8s %7s  %s\n", "weight", "weight%", "cum%", "offset", "caller -> callee");
	int64_t cum = 0;
	size_t show = count > 0 && (size_t)count < nhot ? (size_t)count : nhot;
	for (size_t i = 0; i < show; i++) {
		const struct pgo_edge *x = &e.edge[i];
		cum = sat_add(cum, x->weight);
		fprintf(f, "%12lld %7.2f%% %7.2f%% %7lld  %s -> %s\n", (long long)x->weight,
		    (double)x->weight / (double)e.total * 100, (double)cum / (double)e.total * 100,
		    (long long)x->offset, x->caller, x->callee);
	}
	if (show < nhot)
		fprintf(f, "... %zu more hot edges\n", nhot - show);

	size_t len;
	struct pgo_shrink sh[2];
	if (profile_size(p, &len) == 0) {
		fprintf(f, "Size: %zu bytes (gzip -1), %zu samples\n", len, profile_nsample(p));
		int got = pgo_shrink_measure(p, &e, sh);
		if (got < 0)
			fprintf(f, "  (not measured without what PGO ignores: %s)\n", errmsg());
		if (got >= 1)
			fprintf(f, "  without labels, other sample types and frames PGO ignores: "
			    "%zu bytes, %zu samples (same edges)\n", sh[0].bytes, sh[0].samples);
		if (got == 2)
			fprintf(f, "  and without samples of cold edges only: %zu bytes, %zu samples\n",
			    sh[1].bytes, sh[1].samples);
	}
	artefact_warnings(p, &e, f);
	pgo_edges_free(&e);
	return ferror(f) ? -1 : 0;
}
