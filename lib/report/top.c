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
	struct locframes base_lf;  /* the -diff_base profile's, when there is one */
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

/* graph_build gives the frames of p, and of base when non-NULL, nodes in
 * one graph: a function is the same node in both profiles. */
static void graph_build(struct graph *g, struct arena *a, const struct profile *p,
    const struct profile *base)
{
	g->strs = strmap_new();
	g->keys = keymap_new(3);
	g->arena = a;
	g->p = p;
	locframes_build(&g->lf, p, graph_frame, g);
	if (base) {
		g->p = base;
		locframes_build(&g->base_lf, base, graph_frame, g);
	}
}

static void graph_free(struct graph *g)
{
	strmap_free(g->strs);
	keymap_free(g->keys);
	free(g->node);
	locframes_free(&g->lf);
	if (g->base_lf.start)
		locframes_free(&g->base_lf);
}

/* One input of the graph: the profile (or, with -diff_base, the base
 * profile, whose samples count negated as pprof's Scale(-1) makes them),
 * its frames, and the raw bytes its samples are read from. */
struct input {
	const struct profile *p;
	const struct locframes *lf;
	const uint8_t *raw;
	size_t rawlen;
	int vi;
	int sign;
};

/* base_index finds p's sample type vi in base by type and unit, as
 * pprof's merge pairs them; -1 with seterr() when base lacks it. */
static int base_index(const struct profile *p, int vi, const struct profile *base)
{
	const char *type = profile_str(p, p->pb->sample_type[vi]->type);
	const char *unit = profile_str(p, p->pb->sample_type[vi]->unit);
	for (size_t i = 0; i < base->pb->n_sample_type; i++)
		if (!strcmp(profile_str(base, base->pb->sample_type[i]->type), type) &&
		    !strcmp(profile_str(base, base->pb->sample_type[i]->unit), unit))
			return (int)i;
	seterr("base profile has no sample type %s/%s", type, unit);
	return -1;
}

static size_t inputs_of(const struct graph *g, const struct profile *p, int vi,
    const struct top_base *b, int bvi, const struct top_opts *o, struct input in[2])
{
	in[0] = (struct input){ p, &g->lf, o->raw, o->rawlen, vi, 1 };
	if (!b)
		return 1;
	in[1] = (struct input){ b->p, &g->base_lf, b->raw, b->rawlen, bvi, -1 };
	return 2;
}

/* values is graph.New's sample loop for flat and cum with every node kept. */
static void values(struct graph *g, const struct input *in, size_t nin)
{
	uint64_t stamp = 1;
	for (size_t i = 0; i < nin; i++) {
		const struct profile *p = in[i].p;
		const struct locframes *lf = in[i].lf;
		struct sample_iter it;
		sample_iter_init(&it, p, in[i].raw, in[i].rawlen);
		for (; sample_iter_next(&it) == 1; stamp++) {
			int64_t w = sat_mul(in[i].sign, it.val[in[i].vi]);
			if (w == 0)
				continue;
			struct tnode *leaf = NULL;
			for (size_t li = it.nloc; li-- > 0;) {
				int64_t loc = idmap_get(&p->locs, it.loc[li]);
				if (loc < 0)
					continue;
				for (size_t k = lf->start[loc + 1]; k-- > lf->start[loc];) {
					struct tnode *n = &g->node[lf->node[k]];
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
}

/* inline_labels is the edge part of graph.New for the kept nodes: an edge
 * into a node is inline when the node is not the outermost frame of its
 * location; edges lighter than the edge cut are trimmed before labelling. */
/* edge_add counts one sample's edge parent -> n once (stamp), inline only
 * while every sample that makes it has it inline. */
struct edges {
	struct keymap *keys;
	int64_t *w;
	unsigned char *inl;
	uint64_t *stamp;
	size_t cap;
};

static void edge_add(struct edges *es, size_t parent, size_t n, int inl, int64_t w,
    uint64_t stamp)
{
	uint64_t key[2] = { parent, n };
	int added;
	size_t e = keymap_intern(es->keys, key, &added);
	if (added) {
		if (e >= es->cap) {
			es->cap = es->cap ? es->cap * 2 : 1024;
			es->w = xreallocarray(es->w, es->cap, sizeof(*es->w));
			es->inl = xreallocarray(es->inl, es->cap, 1);
			es->stamp = xreallocarray(es->stamp, es->cap, sizeof(*es->stamp));
		}
		es->w[e] = w;
		es->inl[e] = (unsigned char)inl;
		es->stamp[e] = stamp;
	} else if (es->stamp[e] != stamp) {
		es->stamp[e] = stamp;
		es->w[e] = sat_add(es->w[e], w);
		if (!inl)
			es->inl[e] = 0;
	}
}

/* inline_labels is the edge part of graph.New for the kept nodes: an edge
 * into a node is inline when the node is not the outermost frame of its
 * location; edges lighter than the edge cut are trimmed before labelling. */
static void inline_labels(struct graph *g, const struct input *in, size_t nin,
    const unsigned char *kept, int64_t edge_cutoff)
{
	struct edges es = { keymap_new(2), NULL, NULL, NULL, 0 };
	uint64_t stamp = 1;

	for (size_t i = 0; i < nin; i++) {
		const struct profile *p = in[i].p;
		const struct locframes *lf = in[i].lf;
		struct sample_iter it;
		sample_iter_init(&it, p, in[i].raw, in[i].rawlen);
		for (; sample_iter_next(&it) == 1; stamp++) {
			int64_t w = sat_mul(in[i].sign, it.val[in[i].vi]);
			if (w == 0)
				continue;
			size_t parent = SIZE_MAX;
			for (size_t li = it.nloc; li-- > 0;) {
				int64_t loc = idmap_get(&p->locs, it.loc[li]);
				if (loc < 0)
					continue;
				size_t a = lf->start[loc], b = lf->start[loc + 1];
				for (size_t k = b; k-- > a;) {
					size_t n = lf->node[k];
					if (!kept[n])
						continue;
					if (parent != SIZE_MAX && n != parent)
						edge_add(&es, parent, n, k != b - 1, w, stamp);
					parent = n;
				}
			}
		}
		sample_iter_free(&it);
	}
	size_t ne = keymap_count(es.keys);
	for (size_t e = 0; e < ne; e++) {
		if (sat_abs(es.w[e]) < edge_cutoff)
			continue;
		struct tnode *dst = &g->node[keymap_key(es.keys, e)[1]];
		if (es.inl[e])
			dst->inl = 1;
		else
			dst->noinl = 1;
	}
	keymap_free(es.keys);
	free(es.w);
	free(es.inl);
	free(es.stamp);
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

/* comment_labels adds the profile's comments, and with a base the base's,
 * each once, as pprof's merge of the two concatenates them. */
static void comment_labels(struct top_report *r, struct arena *a, const struct profile *p,
    const struct profile *base)
{
	struct strmap *seen = base ? strmap_new() : NULL;
	for (int k = 0; k < (base ? 2 : 1); k++) {
		const struct profile *q = k ? base : p;
		for (size_t i = 0; i < q->pb->n_comment; i++) {
			const char *c = profile_str(q, q->pb->comment[i]);
			int added = 1;
			if (seen)
				strmap_intern(seen, c, &added);
			if (added && c[0] != '#')
				add_label(r, a, "%s", c);
		}
	}
	if (seen)
		strmap_free(seen);
}

static void labels(struct top_report *r, const struct profile *p,
    const struct profile *base, struct arena *a, const struct top_opts *o)
{
	const PbProfile *pb = p->pb;
	const struct profile *mp = pb->n_mapping || !base ? p : base;
	int64_t time_nanos = pb->time_nanos, duration_nanos = pb->duration_nanos;
	double nodefraction = o->nodefraction;
	char v1[64], v2[64], pc[32];

	if (base) {
		/* pprof's merge: the earliest time (0 counts as earliest after
		 * the first), the durations summed */
		if (time_nanos == 0 || base->pb->time_nanos < time_nanos)
			time_nanos = base->pb->time_nanos;
		duration_nanos = sat_add(duration_nanos, base->pb->duration_nanos);
	}
	if (mp->pb->n_mapping > 0) {
		const char *file = profile_str(mp, mp->pb->mapping[0]->filename);
		const char *bid = profile_str(mp, mp->pb->mapping[0]->build_id);
		if (file[0])
			add_label(r, a, "File: %s", basename_of(a, file));
		if (bid[0])
			add_label(r, a, "Build ID: %s", bid);
	}
	comment_labels(r, a, p, base);
	if (r->type[0])
		add_label(r, a, "Type: %s", r->type);
	if (time_nanos != 0) {
		/* Go's layout "Jan 2, 2006 at 3:04pm (MST)", local time */
		time_t t = (time_t)(time_nanos / 1000000000);
		if (time_nanos < 0 && time_nanos % 1000000000)
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
	if (duration_nanos != 0) {
		const char *tu;
		char dur[64], ratio[48] = "";
		units_label(dur, sizeof(dur), duration_nanos, "nanoseconds", "auto");
		double tn = units_scale(r->total, r->unit, "nanoseconds", &tu);
		if (!strcmp(tu, "ns") && sat_trunc(tn) != 0) {
			units_percentage(pc, sizeof(pc), sat_trunc(tn), duration_nanos);
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

/* abs_total is the sum of the samples' absolute values of the input's
 * type, over the raw bytes when the caller has them. */
static int64_t abs_total(const struct input *in)
{
	struct sample_iter it;
	int64_t total = 0;
	sample_iter_init(&it, in->p, in->raw, in->rawlen);
	while (sample_iter_next(&it) == 1) {
		int64_t v = it.val[in->vi];
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
    struct top_report *r, size_t *n, int64_t *edge_cutoff, int *trimmed)
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
	/* pprof rebuilds its graph from the kept nodes only after a cutoff
	 * or a nodecount trim; else every node, even one whose diff sums to
	 * zero, still carries the edges the inline labels come from */
	*trimmed = node_cutoff > 0;
	if (o->nodecount > 0 && (size_t)o->nodecount < k) {
		k = (size_t)o->nodecount;
		*trimmed = 1;
	}
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
	return top_build_diff(p, NULL, o, r);
}

int top_build_diff(const struct profile *p, const struct top_base *b,
    const struct top_opts *o, struct top_report *r)
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
	int bvi = b ? base_index(p, vi, b->p) : 0;
	if (bvi < 0)
		return -1;
	struct priv *pv = xcalloc(1, sizeof(*pv));
	pv->arena = arena_new(1 << 16);
	r->priv = pv;
	r->sample_index = vi;
	r->type = profile_str(p, pb->sample_type[vi]->type);
	r->unit = profile_str(p, pb->sample_type[vi]->unit);

	struct graph *g = &pv->g;
	struct input in[2];
	graph_build(g, pv->arena, p, b ? b->p : NULL);
	size_t nin = inputs_of(g, p, vi, b, bvi, o, in);
	/* pprof's computeTotal: with a diff base, the base's total alone
	 * (when it has one), so shares are of the base */
	r->total = abs_total(&in[nin - 1]);
	if (nin == 2 && r->total == 0)
		r->total = abs_total(&in[0]);
	values(g, in, nin);

	size_t n;
	int64_t edge_cutoff;
	int trimmed;
	size_t *order = select_nodes(g, o, r, &n, &edge_cutoff, &trimmed);
	unsigned char *kept = xcalloc(g->nnode ? g->nnode : 1, 1);
	if (trimmed)
		for (size_t i = 0; i < n; i++)
			kept[order[i]] = 1;
	else
		memset(kept, 1, g->nnode);
	inline_labels(g, in, nin, kept, edge_cutoff);
	free(kept);

	fill_rows(r, pv, order, n);
	free(order);
	labels(r, p, b ? b->p : NULL, pv->arena, o);
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
