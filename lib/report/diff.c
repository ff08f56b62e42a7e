/* Two profiles' call-edge lists side by side: each edge of either, keyed
 * as the compiler keys them (caller, callee, call-site offset), with its
 * weight and whether it is hot in each; the drift and the PGO view read
 * that table. The --diff --json document adds the -top -diff_base rows. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pgo/edges.h"
#include "report/diff.h"
#include "report/json.h"
#include "report/top.h"
#include "util/err.h"
#include "util/keymap.h"

/* One edge of either profile; index 0 is the base, 1 the new profile. */
struct ediff {
	const char *caller, *callee;
	int64_t offset;
	int64_t w[2];
	unsigned char hot[2];
	double share[2];        /* w / the profile's total edge weight */
};

struct edge_diff {
	struct pgo_edges e[2];
	struct ediff *edge;
	size_t n;
	size_t nhot[2];
	double drift;
	const char *type;       /* "type/unit" the edges weigh, or "" */
};

static char type_buf[512];

/* edges_of builds a profile's edge list; NULL is a profile without samples. */
static int edges_of(const struct profile *p, const char *spec, struct pgo_edges *e)
{
	int vi = -1;
	memset(e, 0, sizeof(*e));
	e->sample_index = -1;
	if (!p)
		return 0;
	if (spec && (vi = profile_sample_type(p, spec)) < 0)
		return -1;
	if (pgo_edges_build(p, vi, e) < 0)
		return -1;
	if (e->sample_index >= 0 && !type_buf[0])
		snprintf(type_buf, sizeof(type_buf), "%s/%s",
		    profile_str(p, p->pb->sample_type[e->sample_index]->type),
		    profile_str(p, p->pb->sample_type[e->sample_index]->unit));
	return 0;
}

/* drift_of is diff_drift's figure over the table. */
static double drift_of(const struct edge_diff *d)
{
	int empty0 = d->e[0].total == 0, empty1 = d->e[1].total == 0;
	if (empty0 || empty1)
		return empty0 == empty1 ? 0.0 : 100.0;
	double sum = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->edge[i].hot[0] || d->edge[i].hot[1])
			sum += fabs(d->edge[i].share[1] - d->edge[i].share[0]);
	return sum / 2 * 100;
}

static void edge_diff_free(struct edge_diff *d)
{
	pgo_edges_free(&d->e[0]);
	pgo_edges_free(&d->e[1]);
	free(d->edge);
	memset(d, 0, sizeof(*d));
}

static int edge_diff_build(const struct profile *base, const struct profile *p,
    const char *spec, struct edge_diff *d)
{
	memset(d, 0, sizeof(*d));
	type_buf[0] = 0;
	if (edges_of(base, spec, &d->e[0]) < 0 || edges_of(p, spec, &d->e[1]) < 0) {
		edge_diff_free(d);
		return -1;
	}
	struct strmap *names = strmap_new();
	struct keymap *keys = keymap_new(3);
	size_t cap = d->e[0].nedge + d->e[1].nedge;
	d->edge = xcalloc(cap ? cap : 1, sizeof(*d->edge));
	for (int k = 0; k < 2; k++) {
		const struct pgo_edges *e = &d->e[k];
		d->nhot[k] = pgo_hot(e, PGO_DEFAULT_CDF, NULL);
		for (size_t i = 0; i < e->nedge; i++) {
			const struct pgo_edge *x = &e->edge[i];
			uint64_t key[3] = { strmap_intern(names, x->caller, NULL),
			    strmap_intern(names, x->callee, NULL), (uint64_t)x->offset };
			int added;
			struct ediff *t = &d->edge[keymap_intern(keys, key, &added)];
			if (added) {
				t->caller = x->caller;
				t->callee = x->callee;
				t->offset = x->offset;
				d->n++;
			}
			t->w[k] += x->weight;
			t->hot[k] |= i < d->nhot[k];
			t->share[k] = (double)t->w[k] / (double)e->total;
		}
	}
	strmap_free(names);
	keymap_free(keys);
	d->drift = drift_of(d);
	d->type = type_buf;
	return 0;
}

int diff_drift(const struct profile *base, const struct profile *p, const char *spec,
    double *drift)
{
	struct edge_diff d;
	if (edge_diff_build(base, p, spec, &d) < 0)
		return -1;
	*drift = d.drift;
	edge_diff_free(&d);
	return 0;
}

/* The three lists of the PGO view. */
enum section { GAINED, LOST, REWEIGHTED };

static int in_section(const struct ediff *x, enum section s)
{
	switch (s) {
	case GAINED: return x->hot[1] && !x->hot[0];
	case LOST: return x->hot[0] && !x->hot[1];
	default: return x->hot[0] && x->hot[1];
	}
}

static enum section cmp_section;

/* Gained edges heaviest (new) first, lost ones heaviest (base) first,
 * re-weighted ones by the size of the change; then by name and offset. */
static int section_cmp(const void *a, const void *b)
{
	const struct ediff *x = *(const struct ediff *const *)a, *y = *(const struct ediff *const *)b;
	double kx, ky;
	switch (cmp_section) {
	case GAINED: kx = x->share[1], ky = y->share[1]; break;
	case LOST: kx = x->share[0], ky = y->share[0]; break;
	default:
		kx = fabs(x->share[1] - x->share[0]), ky = fabs(y->share[1] - y->share[0]);
	}
	if (kx != ky)
		return kx > ky ? -1 : 1;
	int c = strcmp(x->caller, y->caller);
	if (!c)
		c = strcmp(x->callee, y->callee);
	if (!c)
		c = x->offset < y->offset ? -1 : x->offset > y->offset;
	return c;
}

/* section_list returns the edges of section s, sorted; *n gets how many. */
static const struct ediff **section_list(const struct edge_diff *d, enum section s, size_t *n)
{
	const struct ediff **v = xcalloc(d->n ? d->n : 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++)
		if (in_section(&d->edge[i], s))
			v[k++] = &d->edge[i];
	cmp_section = s;
	qsort(v, k, sizeof(*v), section_cmp);
	*n = k;
	return v;
}

static void write_section(const struct edge_diff *d, enum section s, int count, FILE *f)
{
	static const char *const title[] = {
		"Hot edges gained (hot only in the new profile)",
		"Hot edges lost (hot only in the base)",
		"Hot edges re-weighted (hot in both), largest change first",
	};
	size_t n;
	const struct ediff **v = section_list(d, s, &n);
	size_t show = count > 0 && (size_t)count < n ? (size_t)count : n;
	fprintf(f, "%s: %zu\n", title[s], n);
	if (n)
		fprintf(f, "%8s %8s %8s %7s  %s\n", "base%", "new%", "change", "offset",
		    "caller -> callee");
	for (size_t i = 0; i < show; i++) {
		const struct ediff *x = v[i];
		fprintf(f, "%7.2f%% %7.2f%% %+7.2f%% %7lld  %s -> %s\n", x->share[0] * 100,
		    x->share[1] * 100, (x->share[1] - x->share[0]) * 100, (long long)x->offset,
		    x->caller, x->callee);
	}
	if (show < n)
		fprintf(f, "... %zu more\n", n - show);
	free(v);
}

int diff_pgo_write(const struct profile *base, const struct profile *p, const char *spec,
    int count, FILE *f)
{
	struct edge_diff d;
	if (edge_diff_build(base, p, spec, &d) < 0)
		return -1;
	fprintf(f, "Sample type: %s\n", d.type[0] ? d.type : "none (no samples)");
	for (int k = 0; k < 2; k++)
		fprintf(f, "%s: %zu call edges, %zu hot at the %g%% CDF cut, total weight %lld\n",
		    k ? "New" : "Base", d.e[k].nedge, d.nhot[k], PGO_DEFAULT_CDF,
		    (long long)d.e[k].total);
	fprintf(f, "Drift: %.1f%% of the hot-edge weight differs\n", d.drift);
	for (enum section s = GAINED; s <= REWEIGHTED; s++)
		write_section(&d, s, count, f);
	edge_diff_free(&d);
	return ferror(f) ? -1 : 0;
}

static json_t *section_json(const struct edge_diff *d, enum section s, int count)
{
	size_t n;
	const struct ediff **v = section_list(d, s, &n);
	size_t show = count > 0 && (size_t)count < n ? (size_t)count : n;
	json_t *a = json_array();
	for (size_t i = 0; i < show; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f}",
		    "caller", v[i]->caller, "callee", v[i]->callee, "offset", (json_int_t)v[i]->offset,
		    "base_weight", (json_int_t)v[i]->w[0], "weight", (json_int_t)v[i]->w[1],
		    "base_percent", v[i]->share[0] * 100, "percent", v[i]->share[1] * 100));
	free(v);
	return a;
}

/* pgo_json is the "pgo" object, or JSON null when Go's PGO cannot read a
 * profile (the reason is then in "pgo_error"). */
static json_t *pgo_json(const struct profile *base, const struct profile *p, const char *spec,
    int count, json_t *doc)
{
	struct edge_diff d;
	if (edge_diff_build(base, p, spec, &d) < 0) {
		json_object_set_new(doc, "pgo_error", json_string(errmsg()));
		return json_null();
	}
	json_t *o = json_pack("{s:f, s:I, s:I, s:I, s:I}", "drift_percent", d.drift,
	    "base_edges", (json_int_t)d.e[0].nedge, "base_hot_edges", (json_int_t)d.nhot[0],
	    "edges", (json_int_t)d.e[1].nedge, "hot_edges", (json_int_t)d.nhot[1]);
	json_object_set_new(o, "gained", section_json(&d, GAINED, count));
	json_object_set_new(o, "lost", section_json(&d, LOST, count));
	json_object_set_new(o, "reweighted", section_json(&d, REWEIGHTED, count));
	edge_diff_free(&d);
	return o;
}

int diff_json_write(const struct profile *base, const struct profile *p, const char *spec,
    int count, FILE *f)
{
	struct top_report r;
	struct top_opts o = { spec, count, 0.005, NULL, 0 };
	struct top_base b = { base, NULL, 0 };
	if (top_build_diff(p, &b, &o, &r) < 0)
		return -1;
	json_t *doc = json_pack("{s:{s:s, s:s}, s:o}", "sample_type", "type", r.type,
	    "unit", r.unit, "top", statjson_top(&r));
	top_free(&r);
	json_object_set_new(doc, "pgo", pgo_json(base, p, NULL, count, doc));
	int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	fputc('\n', f);
	if (rc < 0 || ferror(f)) {
		seterr("write:");
		return -1;
	}
	return 0;
}
