/* The --check verdict: would `go build -pgo` use this profile? The hard
 * rules come from building the edge graph exactly as the compiler does
 * (pgoedges.c); the soft ones name profiles Go accepts but should not get. */
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>

#include "pgo/check.h"
#include "pgo/edges.h"
#include "pprof/sampleiter.h"
#include "util/err.h"

static void reason(struct pgo_verdict *v, const char *fmt, ...)
{
	if (v->nreason == PGO_MAX_REASONS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->reason[v->nreason++], sizeof(v->reason[0]), fmt, ap);
	va_end(ap);
}

static int has_type(const struct profile *p, const char *name)
{
	for (size_t i = 0; i < p->pb->n_sample_type; i++)
		if (!strcmp(profile_str(p, p->pb->sample_type[i]->type), name))
			return 1;
	return 0;
}

/* sample_types writes "a/b, c/d" for messages. */
static void sample_types(const struct profile *p, char *buf, size_t n)
{
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < p->pb->n_sample_type && k < n; i++)
		k += snprintf(buf + k, n - k, "%s%s/%s", i ? ", " : "",
		    profile_str(p, p->pb->sample_type[i]->type),
		    profile_str(p, p->pb->sample_type[i]->unit));
	if (!buf[0])
		snprintf(buf, n, "none");
}

static const char *non_cpu_kind(const struct profile *p)
{
	const PbProfile *pb = p->pb;
	if (pb->n_sample_type == 0 || has_type(p, "cpu"))
		return NULL;
	if (pb->period_type && !strcmp(profile_str(p, pb->period_type->type), "cpu"))
		return NULL;
	if (has_type(p, "alloc_space") || has_type(p, "inuse_space") ||
	    has_type(p, "alloc_objects") || has_type(p, "inuse_objects"))
		return "a heap profile";
	if (has_type(p, "contentions") || has_type(p, "delay"))
		return "a block or mutex profile";
	if (has_type(p, "goroutine"))
		return "a goroutine profile";
	if (has_type(p, "threadcreate"))
		return "a threadcreate profile";
	int named = 0;
	for (size_t i = 0; i < pb->n_sample_type; i++)
		if (profile_str(p, pb->sample_type[i]->type)[0])
			named = 1;
	return named ? "a non-CPU profile" : NULL;
}

int pgo_check(const struct profile *p, struct pgo_verdict *v)
{
	const PbProfile *pb = p->pb;
	char types[200];

	memset(v, 0, sizeof(*v));
	v->sample_index = pgo_sample_index(p);
	sample_types(p, types, sizeof(types));

	struct pgo_edges e;
	v->accepted = pgo_edges_build(p, -1, &e) == 0;
	if (!v->accepted && errno == ENOMEM)
		return -1;      /* no verdict: too big to look at */
	int64_t total = v->accepted ? e.total : 0;
	if (v->accepted) {
		struct pgo_artefact_share share;

		pgo_artefact_measure(p, &e, &share);
		for (int k = 0; k < PGO_NART; k++)
			v->nwarning += (size_t)pgo_artefact_warning(&share, k,
			    v->warning[v->nwarning], sizeof(v->warning[0]));
		pgo_edges_free(&e);
	}

	if (profile_is_legacy_pyroscope(p))
		reason(v, "a legacy Pyroscope 0.x export (empty sample type name, no line numbers)");
	const char *kind = non_cpu_kind(p);
	if (kind)
		reason(v, "%s, not a CPU profile (sample types: %s)", kind, types);
	if (v->sample_index < 0)
		reason(v, "no samples/count or cpu/nanoseconds sample type (have: %s)", types);
	int start_line = 0;
	for (size_t i = 0; i < pb->n_function; i++)
		if (pb->function[i]->start_line)
			start_line = 1;
	if (!start_line && pb->n_function)
		reason(v, "no Function.start_line (written by Go 1.20+; profile from an older Go or a converter)");
	else if (!v->accepted && v->sample_index >= 0 && profile_nsample(p)) {
		size_t nonzero = 0;
		struct sample_iter it;

		sample_iter_init(&it, p, NULL, 0);
		while (sample_iter_next(&it) == 1)
			if (it.val[v->sample_index])
				nonzero++;
		sample_iter_free(&it);
		if (nonzero == 0)
			reason(v, "all samples are zero, so no sampled Function has a start_line");
		else
			reason(v, "no sampled Function has a start_line");
	}
	if (profile_nsample(p) == 0)
		reason(v, "no samples");
	else if (v->accepted && total == 0)
		reason(v, "no call edges with weight (samples are all zero or have no caller)");
	v->usable = v->nreason == 0;
	return v->usable;
}
