/* The --json document, built with jansson. Values are raw integers in the
 * sample type's unit; the -top rows carry the same numbers the text report
 * formats, plus their percentages of the total. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgo/check.h"
#include "pgo/edges.h"
#include "pprof/sampleiter.h"
#include "report/json.h"
#include "report/top.h"
#include "util/err.h"

static json_t *value_type(const struct profile *p, const PbValueType *vt)
{
	if (!vt)
		return json_null();
	return json_pack("{s:s, s:s}", "type", profile_str(p, vt->type),
	    "unit", profile_str(p, vt->unit));
}

/* sample_types adds "sample_types" (each type) and returns the "totals"
 * object (each type's sum over the samples, keyed type/unit). */
static json_t *sample_types(const struct profile *p, json_t *doc)
{
	const PbProfile *pb = p->pb;
	json_t *types = json_array(), *totals = json_object();
	json_int_t *sums = xcalloc(pb->n_sample_type + 1, sizeof(*sums));
	struct sample_iter it;

	sample_iter_init(&it, p, NULL, 0);
	while (sample_iter_next(&it) == 1)
		for (size_t i = 0; i < pb->n_sample_type && i < it.nval; i++)
			sums[i] += it.val[i];
	sample_iter_free(&it);
	for (size_t i = 0; i < pb->n_sample_type; i++) {
		json_array_append_new(types, value_type(p, pb->sample_type[i]));
		json_int_t sum = sums[i];
		char key[512];
		snprintf(key, sizeof(key), "%s/%s", profile_str(p, pb->sample_type[i]->type),
		    profile_str(p, pb->sample_type[i]->unit));
		json_object_set_new(totals, key, json_integer(sum));
	}
	json_object_set_new(doc, "sample_types", types);
	free(sums);
	return totals;
}

/* header adds the profile's description: binary, types, period, time,
 * record counts and totals, in that order. */
static void header(const struct profile *p, const struct top_report *r,
    int nprofiles, json_t *doc)
{
	const PbProfile *pb = p->pb;
	const char *file = pb->n_mapping ? profile_str(p, pb->mapping[0]->filename) : "";
	const char *bid = pb->n_mapping ? profile_str(p, pb->mapping[0]->build_id) : "";
	json_object_set_new(doc, "file", file[0] ? json_string(file) : json_null());
	json_object_set_new(doc, "build_id", bid[0] ? json_string(bid) : json_null());
	json_object_set_new(doc, "profiles", json_integer(nprofiles));
	json_t *totals = sample_types(p, doc);
	json_object_set_new(doc, "sample_type", json_pack("{s:s, s:s, s:i}", "type", r->type,
	    "unit", r->unit, "index", r->sample_index));
	json_object_set_new(doc, "period_type", value_type(p, pb->period_type));
	json_object_set_new(doc, "period", json_integer(pb->period));
	json_object_set_new(doc, "duration_nanos", json_integer(pb->duration_nanos));
	json_object_set_new(doc, "time_nanos", json_integer(pb->time_nanos));
	if (pb->time_nanos) {
		char tb[64];
		struct tm tm;
		time_t t = (time_t)(pb->time_nanos / 1000000000);
		gmtime_r(&t, &tm);
		strftime(tb, sizeof(tb), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_set_new(doc, "time", json_string(tb));
	} else {
		json_object_set_new(doc, "time", json_null());
	}
	json_object_set_new(doc, "counts", json_pack("{s:I, s:I, s:I, s:I, s:I}",
	    "samples", (json_int_t)profile_nsample(p), "locations", (json_int_t)pb->n_location,
	    "functions", (json_int_t)pb->n_function, "mappings", (json_int_t)pb->n_mapping,
	    "strings", (json_int_t)pb->n_string_table));
	json_object_set_new(doc, "totals", totals);
}

/* pgo_verdict_json is the "pgo" object: the --check verdict and, when go
 * build accepts the profile, the edge counts. */
static json_t *pgo_verdict_json(const struct profile *p)
{
	struct pgo_verdict v;
	if (pgo_check(p, &v) < 0)       /* too big to judge: say why */
		snprintf(v.reason[v.nreason++], sizeof v.reason[0], "%s", errmsg());
	json_t *reasons = json_array();
	for (size_t i = 0; i < v.nreason; i++)
		json_array_append_new(reasons, json_string(v.reason[i]));
	json_t *pgo = json_pack("{s:b, s:b, s:o}", "usable", v.usable,
	    "accepted", v.accepted, "reasons", reasons);
	/* Only when there are some: the document stays as it was otherwise. */
	if (v.nwarning) {
		json_t *warnings = json_array();

		for (size_t i = 0; i < v.nwarning; i++)
			json_array_append_new(warnings, json_string(v.warning[i]));
		json_object_set_new(pgo, "warnings", warnings);
	}
	struct pgo_edges e;
	if (v.accepted && pgo_edges_build(p, -1, &e) == 0) {
		double thr;
		size_t nhot = pgo_hot(&e, PGO_DEFAULT_CDF, &thr);
		json_object_set_new(pgo, "edges", json_integer((json_int_t)e.nedge));
		json_object_set_new(pgo, "total_weight", json_integer(e.total));
		json_object_set_new(pgo, "hot_edges", json_integer((json_int_t)nhot));
		json_object_set_new(pgo, "hot_threshold_percent", json_real(thr));
		pgo_edges_free(&e);
	}
	return pgo;
}

json_t *statjson_top(const struct top_report *r)
{
	json_t *rows = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		const struct top_row *w = &r->row[i];
		json_array_append_new(rows, json_pack("{s:s, s:I, s:I, s:f, s:f, s:s?}",
		    "name", w->name, "flat", (json_int_t)w->flat, "cum", (json_int_t)w->cum,
		    "flat_percent", r->total ? 100.0 * (double)w->flat / (double)r->total : 0.0,
		    "cum_percent", r->total ? 100.0 * (double)w->cum / (double)r->total : 0.0,
		    "inline", w->inline_label[0] ? w->inline_label : NULL));
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:o}",
	    "total", (json_int_t)r->total, "shown", (json_int_t)r->flat_sum,
	    "nodes", (json_int_t)r->nnodes, "dropped_nodes", (json_int_t)r->dropped, "rows", rows);
}

int statjson_write(const struct profile *p, const char *spec, int count, int nprofiles, FILE *f)
{
	struct top_report r;
	struct top_opts o = { spec, count, 0.005, NULL, 0 };
	if (top_build(p, &o, &r) < 0)
		return -1;

	json_t *doc = json_object();
	header(p, &r, nprofiles, doc);
	json_object_set_new(doc, "pgo", pgo_verdict_json(p));
	json_object_set_new(doc, "top", statjson_top(&r));
	top_free(&r);

	int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	fputc('\n', f);
	if (rc < 0 || ferror(f)) {
		seterr("write:");
		return -1;
	}
	return 0;
}
