/* The call-edge graph Go's compiler builds from a CPU profile (Go 1.23
 * cmd/internal/pgo over internal/profile.NewGraph), reimplemented: only the
 * two leaf-most locations of each sample make edges, nodes are keyed by
 * (name, address, start_line, line), edges are summed per sample once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/keymap.h"
#include "pprof/locframes.h"
#include "pprof/sampleiter.h"
#include "pgo/edges.h"
#include "util/err.h"
#include "util/sat.h"

struct node {
	size_t name;            /* strmap index */
	int64_t start_line, line;
	int64_t cum, flat;
};

struct graph {
	struct strmap *names;
	struct keymap *nodekeys;
	struct node *node;
	size_t nnode, capnode;
	const struct profile *p;
	struct locframes lf;
	struct keymap *edgekeys;        /* (src node, dst node) */
	int64_t *edgew;
	size_t capedge;
	size_t maxedge;                 /* a lean view's budget, in edges */
};

static size_t graph_node(struct graph *g, const struct profile *p,
    const PbLocation *l, const PbLine *ln)
{
	const PbFunction *f = ln ? profile_function(p, ln->function_id) : NULL;
	struct node n = { 0 };
	if (f) {
		n.name = strmap_intern(g->names, profile_str(p, f->name), NULL);
		n.start_line = f->start_line;
		n.line = ln->line;
	} else {
		n.name = strmap_intern(g->names, "", NULL);
	}
	uint64_t key[4] = { n.name, l->address, (uint64_t)n.start_line, (uint64_t)n.line };
	int added;
	size_t i = keymap_intern(g->nodekeys, key, &added);
	if (added) {
		if (g->nnode == g->capnode) {
			g->capnode = g->capnode ? g->capnode * 2 : 256;
			g->node = xreallocarray(g->node, g->capnode, sizeof(*g->node));
		}
		g->node[g->nnode++] = n;
	}
	return i;
}

static size_t graph_frame(void *arg, const PbLocation *l, const PbLine *ln)
{
	struct graph *g = arg;
	return graph_node(g, g->p, l, ln);
}

static void graph_nodes(struct graph *g, const struct profile *p)
{
	g->p = p;
	locframes_build(&g->lf, p, graph_frame, g);
}

static int graph_edge(struct graph *g, size_t src, size_t dst, int64_t w)
{
	uint64_t key[2] = { src, dst };
	int added;
	size_t i = keymap_intern(g->edgekeys, key, &added);
	if (added) {
		if (i >= g->maxedge)
			return -1;
		if (i >= g->capedge) {
			g->capedge = g->capedge ? g->capedge * 2 : 256;
			g->edgew = xreallocarray(g->edgew, g->capedge, sizeof(*g->edgew));
		}
		g->edgew[i] = 0;
	}
	g->edgew[i] = sat_add(g->edgew[i], w);
	return 0;
}

/* graph_samples is NewGraph's sample loop restricted, as Go restricts it, to
 * the leaf location and its caller. -1 past the edge budget. */
static int graph_samples(struct graph *g, const struct profile *p, int vi)
{
	size_t *seen = NULL, nseen = 0, capseen = 0;
	size_t (*seenedge)[2] = NULL;
	size_t nseenedge = 0, capseenedge = 0;
	struct sample_iter it;
	int rc = 0;

	sample_iter_init(&it, p, NULL, 0);
	while (rc == 0 && sample_iter_next(&it) == 1) {
		int64_t w = it.val[vi];
		if (w == 0 || it.nloc == 0)
			continue;
		nseen = nseenedge = 0;
		size_t parent = SIZE_MAX;
		for (size_t li = it.nloc > 1 ? 2 : 1; li-- > 0;) {
			int64_t loc = idmap_get(&p->locs, it.loc[li]);
			if (loc < 0)
				continue;
			size_t a = g->lf.start[loc], b = g->lf.start[loc + 1];
			for (size_t k = b; k-- > a;) {
				size_t n = g->lf.node[k];
				int saw = 0;
				for (size_t x = 0; x < nseen; x++)
					if (seen[x] == n)
						saw = 1;
				if (!saw) {
					if (nseen == capseen) {
						capseen = capseen ? capseen * 2 : 16;
						seen = xreallocarray(seen, capseen, sizeof(*seen));
					}
					seen[nseen++] = n;
					g->node[n].cum = sat_add(g->node[n].cum, w);
				}
				if (parent != SIZE_MAX && n != parent) {
					int sawedge = 0;
					for (size_t x = 0; x < nseenedge; x++)
						if (seenedge[x][0] == n && seenedge[x][1] == parent)
							sawedge = 1;
					if (!saw || !sawedge) {
						if (nseenedge == capseenedge) {
							capseenedge = capseenedge ? capseenedge * 2 : 16;
							seenedge = xreallocarray(seenedge, capseenedge,
							    sizeof(*seenedge));
						}
						seenedge[nseenedge][0] = n;
						seenedge[nseenedge][1] = parent;
						nseenedge++;
						if (graph_edge(g, parent, n, w) < 0)
							rc = -1;
					}
				}
				parent = n;
			}
		}
		if (parent != SIZE_MAX)
			g->node[parent].flat = sat_add(g->node[parent].flat, w);
	}
	sample_iter_free(&it);
	free(seen);
	free(seenedge);
	return rc;
}

static void graph_free(struct graph *g)
{
	strmap_free(g->names);
	keymap_free(g->nodekeys);
	keymap_free(g->edgekeys);
	free(g->node);
	locframes_free(&g->lf);
	free(g->edgew);
}

size_t pgo_lean_max(const struct profile *p)
{
	return p->raw ? profile_decode_budget(p->rawlen) / PGO_PAIR_BYTES : SIZE_MAX;
}

int pgo_lean_refuse(const struct profile *p, const char *what)
{
	seterr("more than %zu %s: past the %zu MB of memory a decode may take",
	    pgo_lean_max(p), what, profile_decode_budget(p->rawlen) >> 20);
	errno = ENOMEM;
	return -1;
}

int pgo_sample_index(const struct profile *p)
{
	const PbProfile *pb = p->pb;
	for (size_t i = 0; i < pb->n_sample_type; i++) {
		const char *t = profile_str(p, pb->sample_type[i]->type);
		const char *u = profile_str(p, pb->sample_type[i]->unit);
		if ((!strcmp(t, "samples") && !strcmp(u, "count")) ||
		    (!strcmp(t, "cpu") && !strcmp(u, "nanoseconds")))
			return (int)i;
	}
	return -1;
}

static int edge_cmp(const void *a, const void *b)
{
	const struct pgo_edge *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	int c = strcmp(x->caller, y->caller);
	if (c)
		return c;
	if ((c = strcmp(x->callee, y->callee)))
		return c;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* sampled_start_line: only nodes with a value are in Go's graph; only they
 * count for start_line. */
static int sampled_start_line(const struct graph *g)
{
	for (size_t i = 0; i < g->nnode; i++)
		if ((g->node[i].cum || g->node[i].flat) && g->node[i].start_line)
			return 1;
	return 0;
}

/* named_edges sums the node edges per (caller name, callee name, call-site
 * offset), the key Go's compiler keeps; only sampled callers contribute.
 * *weight gets the sums by named index, out->total their sum. */
static struct keymap *named_edges(const struct graph *g, int64_t **weight,
    struct pgo_edges *out)
{
	struct keymap *named = keymap_new(3);
	size_t capw = 0;
	size_t nedge = keymap_count(g->edgekeys);
	*weight = NULL;
	for (size_t i = 0; i < nedge; i++) {
		const uint64_t *k = keymap_key(g->edgekeys, i);
		const struct node *src = &g->node[k[0]], *dst = &g->node[k[1]];
		if (!src->cum && !src->flat)
			continue;
		uint64_t key[3] = { src->name, dst->name,
		    (uint64_t)src->line - (uint64_t)src->start_line };
		int added;
		size_t j = keymap_intern(named, key, &added);
		if (added) {
			if (j >= capw) {
				capw = capw ? capw * 2 : 256;
				*weight = xreallocarray(*weight, capw, sizeof(**weight));
			}
			(*weight)[j] = 0;
		}
		(*weight)[j] = sat_add((*weight)[j], g->edgew[i]);
		out->total = sat_add(out->total, g->edgew[i]);
	}
	return named;
}

/* edge_list copies the named edges into out, names into its arena (each name
 * once: edges share them), sorted as preprofile sorts them. */
static void edge_list(const struct graph *g, const struct keymap *named,
    const int64_t *weight, struct pgo_edges *out)
{
	size_t nnames = strmap_count(g->names);
	const char **copy = xcalloc(nnames ? nnames : 1, sizeof(*copy));
	out->nedge = keymap_count(named);
	out->edge = arena_alloc(out->arena, (out->nedge ? out->nedge : 1) * sizeof(*out->edge));
	for (size_t j = 0; j < out->nedge; j++) {
		const uint64_t *k = keymap_key(named, j);
		for (int c = 0; c < 2; c++)
			if (!copy[k[c]])
				copy[k[c]] = arena_strdup(out->arena, strmap_str(g->names, k[c]));
		out->edge[j].caller = copy[k[0]];
		out->edge[j].callee = copy[k[1]];
		out->edge[j].offset = (int64_t)k[2];
		out->edge[j].weight = weight[j];
	}
	free(copy);
	qsort(out->edge, out->nedge, sizeof(*out->edge), edge_cmp);
}

int pgo_edges_build(const struct profile *p, int sample_index, struct pgo_edges *out)
{
	const PbProfile *pb = p->pb;
	memset(out, 0, sizeof(*out));
	out->sample_index = -1;
	out->arena = arena_new(4096);
	if (profile_nsample(p) == 0)
		return 0;       /* Go accepts an empty profile and does nothing */
	if (sample_index < 0)
		sample_index = pgo_sample_index(p);
	if (sample_index < 0 || (size_t)sample_index >= pb->n_sample_type) {
		seterr("profile does not contain a sample index with value/type "
		    "\"samples/count\" or \"cpu/nanoseconds\"");
		pgo_edges_free(out);
		return -1;
	}
	out->sample_index = sample_index;

	struct graph g = { 0 };
	g.names = strmap_new();
	g.nodekeys = keymap_new(4);
	g.edgekeys = keymap_new(2);
	g.maxedge = pgo_lean_max(p);
	graph_nodes(&g, p);
	if (graph_samples(&g, p, sample_index) < 0) {
		graph_free(&g);
		pgo_edges_free(out);
		return pgo_lean_refuse(p, "distinct call edges");
	}
	if (!sampled_start_line(&g)) {
		seterr("profile missing Function.start_line data");
		graph_free(&g);
		pgo_edges_free(out);
		return -1;
	}

	int64_t *weight;
	struct keymap *named = named_edges(&g, &weight, out);
	if (out->total != 0)
		edge_list(&g, named, weight, out);
	free(weight);
	keymap_free(named);
	graph_free(&g);
	return 0;
}

void pgo_edges_free(struct pgo_edges *e)
{
	if (e->arena)
		arena_free(e->arena);
	memset(e, 0, sizeof(*e));
	e->sample_index = -1;
}

size_t pgo_hot(const struct pgo_edges *e, double cdf, double *threshold)
{
	int64_t cum = 0;
	if (threshold)
		*threshold = 0;
	for (size_t i = 0; i < e->nedge; i++) {
		cum = sat_add(cum, e->edge[i].weight);
		if ((double)cum / (double)e->total * 100 > cdf) {
			if (threshold)
				*threshold = (double)e->edge[i].weight / (double)e->total * 100;
			return i + 1;
		}
	}
	return e->nedge;
}

int pgo_edges_write(const struct pgo_edges *e, FILE *f)
{
	fputs("GO PREPROFILE V1\n", f);
	for (size_t i = 0; i < e->nedge; i++)
		fprintf(f, "%s\n%s\n%lld %lld\n", e->edge[i].caller, e->edge[i].callee,
		    (long long)e->edge[i].offset, (long long)e->edge[i].weight);
	return ferror(f) ? -1 : 0;
}
