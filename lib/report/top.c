/* The -top report, computed as google/pprof computes it (report.TextItems
 * over graph.New at "functions" granularity): nodes are function names,
 * cum counts once per sample, flat goes to the innermost frame, nodes below
 * nodefraction of the total are dropped, and the inline label comes from the
 * incoming edges that survive the edge cut. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/arena.h"
#include "util/keymap.h"
#include "util/sat.h"
#include "pprof/locframes.h"
#include "pprof/sampleiter.h"
#include "report/top.h"
#include "report/units.h"
#include "util/err.h"

struct tnode {
	const char *name;       /* printable */
	const char *fname;      /* Function name ("" for none) */
	const char *objfile;
	int64_t start_line;
	int64_t cum, flat;
	uint64_t stamp;
	int inl, noinl;         /* has inline / non-inline incoming edges */
};

struct graph {
	struct strmap *strs;
	struct keymap *keys;
	struct tnode *node;
	size_t nnode, capnode;
	struct locframes lf;
	/* for graph_frame */
	struct arena *arena;
	const struct profile *p;
};

struct priv {
	struct arena *arena;
	struct graph g;
};

static const char *basename_of(struct arena *a, const char *path)
{
	/* Go's filepath.Base: trailing slashes dropped, then the last element. */
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t s = n;
	while (s > 0 && path[s - 1] != '/')
		s--;
	char *b = arena_alloc(a, n - s + 1);
	memcpy(b, path + s, n - s);
	b[n - s] = 0;
	return b;
}

static size_t node_of(struct graph *g, struct arena *a, const char *fname,
    const char *objfile, int64_t start_line)
{
	size_t nid = strmap_intern(g->strs, fname, NULL);
	uint64_t key[3] = { nid, 0, 0 };
	if (!fname[0]) {
		key[1] = strmap_intern(g->strs, objfile, NULL) + 1;
		key[2] = (uint64_t)start_line;
	}
	int added;
	size_t i = keymap_intern(g->keys, key, &added);
	if (!added)
		return i;
	if (g->nnode == g->capnode) {
		g->capnode = g->capnode ? g->capnode * 2 : 1024;
		g->node = xreallocarray(g->node, g->capnode, sizeof(*g->node));
	}
	struct tnode *n = &g->node[g->nnode++];
	memset(n, 0, sizeof(*n));
	n->fname = strmap_str(g->strs, nid);
	n->objfile = fname[0] ? "" : objfile;
	n->start_line = fname[0] ? 0 : start_line;
	if (fname[0]) {
		n->name = n->fname;
	} else if (objfile[0]) {
		const char *b = basename_of(a, objfile);
		size_t l = strlen(b) + 3;
		char *s = arena_alloc(a, l);
		snprintf(s, l, "[%s]", b);
		n->name = s;
	} else {
		n->name = "<unknown>";
	}
	return i;
}

static size_t graph_frame(void *arg, const PbLocation *l, const PbLine *ln)
{
	struct graph *g = arg;
	const PbMapping *m = l->mapping_id ? profile_mapping(g->p, l->mapping_id) : NULL;
	const char *obj = m ? profile_str(g->p, m->filename) : "";
	const PbFunction *f = ln ? profile_function(g->p, ln->function_id) : NULL;

	if (!f)
		return node_of(g, g->arena, "", obj, 0);
	return node_of(g, g->arena, profile_str(g->p, f->name), obj, f->start_line);
}

static void graph_build(struct graph *g, struct arena *a, const struct profile *p)
{
	g->strs = strmap_new();
	g->keys = keymap_new(3);
	g->arena = a;
	g->p = p;
	locframes_build(&g->lf, p, graph_frame, g);
}

static void graph_free(struct graph *g)
{
	strmap_free(g->strs);
	keymap_free(g->keys);
	free(g->node);
	locframes_free(&g->lf);
}

/* values is graph.New's sample loop for flat and cum with every node kept. */
static void values(struct graph *g, const struct profile *p, int vi,
    const struct top_opts *o)
{
	struct sample_iter it;
	sample_iter_init(&it, p, o->raw, o->rawlen);
	for (uint64_t stamp = 1; sample_iter_next(&it) == 1; stamp++) {
		int64_t w = it.val[vi];
		if (w == 0)
			continue;
		struct tnode *leaf = NULL;
		for (size_t li = it.nloc; li-- > 0;) {
			int64_t loc = idmap_get(&p->locs, it.loc[li]);
			if (loc < 0)
				continue;
			for (size_t k = g->lf.start[loc + 1]; k-- > g->lf.start[loc];) {
				struct tnode *n = &g->node[g->lf.node[k]];
				if (n->stamp != stamp) {
					n->stamp = stamp;
					n->cum = sat_add(n->cum, w);
				}
				leaf = n;
			}
		}
		if (leaf)
			leaf->flat = sat_add(leaf->flat, w);
	}
	sample_iter_free(&it);
}

/* inline_labels is the edge part of graph.New for the kept nodes: an edge
 * into a node is inline when the node is not the outermost frame of its
 * location; edges lighter than the edge cut are trimmed before labelling. */
static void inline_labels(struct graph *g, const struct profile *p, int vi,
    const unsigned char *kept, int64_t edge_cutoff, const struct top_opts *o)
{
	struct sample_iter it;
	struct keymap *ek = keymap_new(2);
	int64_t *ew = NULL;
	unsigned char *einl = NULL;
	uint64_t *estamp = NULL;
	size_t cap = 0;

	sample_iter_init(&it, p, o->raw, o->rawlen);
	for (uint64_t stamp = 1; sample_iter_next(&it) == 1; stamp++) {
		int64_t w = it.val[vi];
		if (w == 0)
			continue;
		size_t parent = SIZE_MAX;
		for (size_t li = it.nloc; li-- > 0;) {
			int64_t loc = idmap_get(&p->locs, it.loc[li]);
			if (loc < 0)
				continue;
			size_t a = g->lf.start[loc], b = g->lf.start[loc + 1];
			for (size_t k = b; k-- > a;) {
				size_t n = g->lf.node[k];
				if (!kept[n])
					continue;
				if (parent != SIZE_MAX && n != parent) {
					uint64_t key[2] = { parent, n };
					int added;
					size_t e = keymap_intern(ek, key, &added);
					int inl = k != b - 1;
					if (added) {
						if (e >= cap) {
							cap = cap ? cap * 2 : 1024;
							ew = xreallocarray(ew, cap, sizeof(*ew));
							einl = xreallocarray(einl, cap, 1);
							estamp = xreallocarray(estamp, cap, sizeof(*estamp));
						}
						ew[e] = w;
						einl[e] = (unsigned char)inl;
						estamp[e] = stamp;
					} else if (estamp[e] != stamp) {
						estamp[e] = stamp;
						ew[e] = sat_add(ew[e], w);
						if (!inl)
							einl[e] = 0;
					}
				}
				parent = n;
			}
		}
	}
	sample_iter_free(&it);
	size_t ne = keymap_count(ek);
	for (size_t e = 0; e < ne; e++) {
		if (sat_abs(ew[e]) < edge_cutoff)
			continue;
		struct tnode *dst = &g->node[keymap_key(ek, e)[1]];
		if (einl[e])
			dst->inl = 1;
		else
			dst->noinl = 1;
	}
	keymap_free(ek);
	free(ew);
	free(einl);
	free(estamp);
}

static struct tnode *sort_nodes;

static int node_cmp(const void *a, const void *b)
{
	const struct tnode *l = &sort_nodes[*(const size_t *)a];
	const struct tnode *r = &sort_nodes[*(const size_t *)b];
	int64_t lv = sat_abs(l->flat), rv = sat_abs(r->flat);
	if (lv != rv)
		return lv > rv ? -1 : 1;
	int c = strcmp(l->name, r->name);
	if (c)
		return c;
	lv = sat_abs(l->cum), rv = sat_abs(r->cum);
	if (lv != rv)
		return lv > rv ? -1 : 1;
	/* pprof's last resort: fmt.Sprint of the NodeInfo struct. */
	char ls[512], rs[512];
	snprintf(ls, sizeof(ls), "{%s  0  %lld 0 0 %s}", l->fname, (long long)l->start_line, l->objfile);
	snprintf(rs, sizeof(rs), "{%s  0  %lld 0 0 %s}", r->fname, (long long)r->start_line, r->objfile);
	return strcmp(ls, rs);
}

static void add_label(struct top_report *r, struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_label(struct top_report *r, struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char buf[4096];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r->label = xreallocarray(r->label, r->nlabel + 1, sizeof(*r->label));
	r->label[r->nlabel++] = arena_strdup(a, buf);
}

void top_format(const struct top_report *r, int64_t v, char *buf, size_t n)
{
	units_label(buf, n, v, r->unit, r->output_unit);
}

static void labels(struct top_report *r, const struct profile *p, struct arena *a,
    double nodefraction)
{
	const PbProfile *pb = p->pb;
	char v1[64], v2[64], pc[32];

	if (pb->n_mapping > 0) {
		const char *file = profile_str(p, pb->mapping[0]->filename);
		const char *bid = profile_str(p, pb->mapping[0]->build_id);
		if (file[0])
			add_label(r, a, "File: %s", basename_of(a, file));
		if (bid[0])
			add_label(r, a, "Build ID: %s", bid);
	}
	for (size_t i = 0; i < pb->n_comment; i++) {
		const char *c = profile_str(p, pb->comment[i]);
		if (c[0] != '#')
			add_label(r, a, "%s", c);
	}
	if (r->type[0])
		add_label(r, a, "Type: %s", r->type);
	if (pb->time_nanos != 0) {
		/* Go's layout "Jan 2, 2006 at 3:04pm (MST)", local time */
		time_t t = (time_t)(pb->time_nanos / 1000000000);
		if (pb->time_nanos < 0 && pb->time_nanos % 1000000000)
			t--;
		struct tm tm;
		char tb[128], ampm[3];
		localtime_r(&t, &tm);
		strftime(tb, sizeof(tb), "%b %-d, %Y at %-I:%M", &tm);
		snprintf(ampm, sizeof(ampm), "%s", tm.tm_hour < 12 ? "am" : "pm");
		char zone[64];
		strftime(zone, sizeof(zone), "%Z", &tm);
		add_label(r, a, "Time: %s%s (%s)", tb, ampm, zone);
	}
	if (pb->duration_nanos != 0) {
		const char *tu;
		char dur[64], ratio[48] = "";
		units_label(dur, sizeof(dur), pb->duration_nanos, "nanoseconds", "auto");
		double tn = units_scale(r->total, r->unit, "nanoseconds", &tu);
		if (!strcmp(tu, "ns") && sat_trunc(tn) != 0) {
			units_percentage(pc, sizeof(pc), sat_trunc(tn), pb->duration_nanos);
			snprintf(ratio, sizeof(ratio), "(%s)", pc);
		}
		top_format(r, r->total, v1, sizeof(v1));
		add_label(r, a, "Duration: %s, Total samples = %s %s", dur, v1, ratio);
	}
	top_format(r, r->flat_sum, v1, sizeof(v1));
	top_format(r, r->total, v2, sizeof(v2));
	units_percentage(pc, sizeof(pc), r->flat_sum, r->total);
	char *pcs = pc;
	while (*pcs == ' ')
		pcs++;
	add_label(r, a, "Showing nodes accounting for %s, %s of %s total", v1, pcs, v2);
	if (r->total != 0) {
		if (r->dropped > 0) {
			top_format(r, sat_abs(sat_trunc((double)r->total * nodefraction)), v1, sizeof(v1));
			add_label(r, a, "Dropped %zu node%s (cum <= %s)", r->dropped,
			    r->dropped > 1 ? "s" : "", v1);
		}
		if (r->nrows > 0 && r->nrows < r->orig_count)
			add_label(r, a, "Showing top %zu nodes out of %zu", r->nrows, r->orig_count);
	}
}

/* abs_total is the sum of the samples' absolute values of type vi, over the
 * raw bytes when the caller has them. */
static int64_t abs_total(const struct profile *p, const struct top_opts *o, int vi)
{
	struct sample_iter it;
	int64_t total = 0;
	sample_iter_init(&it, p, o->raw, o->rawlen);
	while (sample_iter_next(&it) == 1) {
		int64_t v = it.val[vi];
		total = sat_add(total, sat_abs(v));
	}
	sample_iter_free(&it);
	return total;
}

/* select_nodes lists the nodes with a value, drops those under the node
 * cutoff (nodefraction of the flat sum), sorts them as pprof does and keeps
 * at most nodecount. Returns the list (its length in *n); *edge_cutoff gets
 * the inline labels' edge cutoff. */
static size_t *select_nodes(struct graph *g, const struct top_opts *o,
    struct top_report *r, size_t *n, int64_t *edge_cutoff)
{
	size_t *order = xcalloc(g->nnode ? g->nnode : 1, sizeof(*order));
	size_t k = 0;
	int64_t total_value = 0;
	for (size_t i = 0; i < g->nnode; i++) {
		total_value = sat_add(total_value, g->node[i].flat);
		if (g->node[i].cum || g->node[i].flat)
			order[k++] = i;
	}
	r->nnodes = k;
	int64_t node_cutoff = sat_abs(sat_trunc((double)total_value * o->nodefraction));
	*edge_cutoff = sat_abs(sat_trunc((double)total_value * 0.001));
	if (node_cutoff > 0) {
		size_t kept = 0;
		for (size_t i = 0; i < k; i++)
			if (sat_abs(g->node[order[i]].cum) >= node_cutoff)
				order[kept++] = order[i];
		r->dropped = k - kept;
		k = kept;
	}
	r->orig_count = k;
	sort_nodes = g->node;
	qsort(order, k, sizeof(*order), node_cmp);
	if (o->nodecount > 0 && (size_t)o->nodecount < k)
		k = (size_t)o->nodecount;
	*n = k;
	return order;
}

/* fill_rows copies the n selected nodes into the report's rows and picks
 * the output unit from the smallest value shown. */
static void fill_rows(struct top_report *r, struct priv *pv, const size_t *order, size_t n)
{
	const struct graph *g = &pv->g;
	r->nrows = n;
	r->row = arena_alloc(pv->arena, (n ? n : 1) * sizeof(*r->row));
	int64_t min_value = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tnode *t = &g->node[order[i]];
		r->row[i].name = t->name;
		r->row[i].flat = t->flat;
		r->row[i].cum = t->cum;
		r->row[i].inline_label = t->inl ? (t->noinl ? "(partial-inline)" : "(inline)") : "";
		r->flat_sum = sat_add(r->flat_sum, t->flat);
		int64_t m = sat_abs(t->flat);
		if (m == 0)
			m = sat_abs(t->cum);
		if (m > 0 && (min_value == 0 || m < min_value))
			min_value = m;
	}
	r->output_unit = n ? units_output(min_value, r->total, r->unit) : "minimum";
}

int top_build(const struct profile *p, const struct top_opts *o, struct top_report *r)
{
	const PbProfile *pb = p->pb;

	memset(r, 0, sizeof(*r));
	if (pb->n_sample_type == 0) {
		seterr("profile has no samples");
		return -1;
	}
	int vi = profile_sample_type(p, o->sample_type);
	if (vi < 0)
		return -1;
	struct priv *pv = xcalloc(1, sizeof(*pv));
	pv->arena = arena_new(1 << 16);
	r->priv = pv;
	r->sample_index = vi;
	r->type = profile_str(p, pb->sample_type[vi]->type);
	r->unit = profile_str(p, pb->sample_type[vi]->unit);
	r->total = abs_total(p, o, vi);

	struct graph *g = &pv->g;
	graph_build(g, pv->arena, p);
	values(g, p, vi, o);

	size_t n;
	int64_t edge_cutoff;
	size_t *order = select_nodes(g, o, r, &n, &edge_cutoff);
	unsigned char *kept = xcalloc(g->nnode ? g->nnode : 1, 1);
	for (size_t i = 0; i < n; i++)
		kept[order[i]] = 1;
	inline_labels(g, p, vi, kept, edge_cutoff, o);
	free(kept);

	fill_rows(r, pv, order, n);
	free(order);
	labels(r, p, pv->arena, o->nodefraction);
	return 0;
}

void top_free(struct top_report *r)
{
	struct priv *pv = r->priv;
	if (pv) {
		graph_free(&pv->g);
		arena_free(pv->arena);
		free(pv);
	}
	free(r->label);
	memset(r, 0, sizeof(*r));
}

int top_print(const struct top_report *r, FILE *f)
{
	char fv[64], cv[64], fp[32], sp[32], cp[32];
	int64_t sum = 0;
	for (size_t i = 0; i < r->nlabel; i++)
		fprintf(f, "%s\n", r->label[i]);
	fprintf(f, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum");
	for (size_t i = 0; i < r->nrows; i++) {
		const struct top_row *w = &r->row[i];
		sum = sat_add(sum, w->flat);
		top_format(r, w->flat, fv, sizeof(fv));
		top_format(r, w->cum, cv, sizeof(cv));
		units_percentage(fp, sizeof(fp), w->flat, r->total);
		units_percentage(sp, sizeof(sp), sum, r->total);
		units_percentage(cp, sizeof(cp), w->cum, r->total);
		fprintf(f, "%10s %s %s %10s %s  %s%s%s\n", fv, fp, sp, cv, cp, w->name,
		    w->inline_label[0] ? " " : "", w->inline_label);
	}
	return ferror(f) ? -1 : 0;
}
