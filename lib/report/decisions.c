/* Writing the PGO decision report. Text: one line per decision, kind first
 * (so grep and awk pick them out), then totals per package that PGO touched;
 * JSON: the same through jansson. */
#include <jansson.h>
#include <string.h>

#include "report/decisions.h"
#include "util/err.h"

static const char *
kind_name(enum pgo_decision_kind k)
{
	switch (k) {
	case PGO_DEVIRT: return "devirtualized";
	case PGO_INLINE: return "inlined";
	default: return "missed";
	}
}

static void
write_decision(const struct pgo_decision *d, FILE *f)
{
	fprintf(f, "%-13s %s %s: ", kind_name(d->kind), d->pos, d->caller ? d->caller : "-");
	switch (d->kind) {
	case PGO_DEVIRT:
		fprintf(f, "%s%s%s", d->method ? d->method : "", d->method ? " -> " : "-> ",
		    d->callee);
		break;
	case PGO_INLINE:
		fprintf(f, "%s (cost %lld)", d->callee, d->cost);
		break;
	case PGO_MISSED:
		fprintf(f, "%s: %s", d->callee, d->reason ? d->reason : "");
		break;
	}
	if (d->weight >= 0)
		fprintf(f, " (weight %lld)", d->weight);
	fputc('\n', f);
}

static int
write_text(const struct pgo_decisions *ds, const char *profile, const char *go, FILE *f)
{
	size_t touched = 0;

	fprintf(f, "# PGO decisions of %s with -pgo=%s\n", *go ? go : "go", profile);
	for (int k = PGO_DEVIRT; k <= PGO_MISSED; k++)
		for (size_t i = 0; i < ds->n; i++)
			if (ds->d[i].kind == (enum pgo_decision_kind)k)
				write_decision(&ds->d[i], f);
	fprintf(f, "# per package: devirtualized inlined missed package\n");
	for (size_t i = 0; i < ds->npkg; i++) {
		const struct pgo_pkg_total *t = &ds->pkg[i];

		if (t->devirt + t->inl + t->missed == 0)
			continue;
		touched++;
		fprintf(f, "package %zu %zu %zu %s\n", t->devirt, t->inl, t->missed, t->pkg);
	}
	fprintf(f, "total %zu devirtualized, %zu inlined, %zu missed; "
	    "%zu of %zu packages compiled had a decision\n",
	    ds->devirt, ds->inl, ds->missed, touched, ds->npkg);
	return 0;
}

static json_t *
decision_json(const struct pgo_decision *d)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "kind", kind_name(d->kind),
	    "package", d->pkg, "pos", d->pos, "callee", d->callee);

	if (!o)
		return json_null();
	json_object_set_new(o, "caller", d->caller ? json_string(d->caller) : json_null());
	if (d->kind == PGO_DEVIRT)
		json_object_set_new(o, "method", d->method ? json_string(d->method) : json_null());
	if (d->cost >= 0)
		json_object_set_new(o, "cost", json_integer(d->cost));
	if (d->weight >= 0)
		json_object_set_new(o, "weight", json_integer(d->weight));
	if (d->reason)
		json_object_set_new(o, "reason", json_string(d->reason));
	return o;
}

static int
write_json(const struct pgo_decisions *ds, const char *profile, const char *go, FILE *f)
{
	json_t *doc = json_object(), *list = json_array(), *pkgs = json_array();
	int rc;

	for (size_t i = 0; i < ds->n; i++)
		json_array_append_new(list, decision_json(&ds->d[i]));
	for (size_t i = 0; i < ds->npkg; i++) {
		const struct pgo_pkg_total *t = &ds->pkg[i];

		json_array_append_new(pkgs, json_pack("{s:s, s:I, s:I, s:I}", "package", t->pkg,
		    "devirtualized", (json_int_t)t->devirt, "inlined", (json_int_t)t->inl,
		    "missed", (json_int_t)t->missed));
	}
	json_object_set_new(doc, "profile", json_string(profile));
	json_object_set_new(doc, "go", json_string(go));
	json_object_set_new(doc, "totals", json_pack("{s:I, s:I, s:I, s:I}",
	    "devirtualized", (json_int_t)ds->devirt, "inlined", (json_int_t)ds->inl,
	    "missed", (json_int_t)ds->missed, "packages", (json_int_t)ds->npkg));
	json_object_set_new(doc, "packages", pkgs);
	json_object_set_new(doc, "decisions", list);
	rc = json_dumpf(doc, f, JSON_INDENT(2));
	fputc('\n', f);
	json_decref(doc);
	return rc;
}

int
decisions_write(const struct pgo_decisions *ds, const char *profile,
    const char *go, int json, FILE *f)
{
	int rc = json ? write_json(ds, profile, go, f) : write_text(ds, profile, go, f);

	if (rc < 0 || fflush(f) != 0 || ferror(f)) {
		seterr("decision report: write error:");
		return -1;
	}
	return 0;
}
