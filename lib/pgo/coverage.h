/* Does a built binary still contain what a profile's hot call edges name?
 * The share of hot edge weight whose caller and callee both exist, and the
 * hot functions that are gone: a stale profile's symptom. */
#ifndef PGOKIT_PGOCOVER_H
#define PGOKIT_PGOCOVER_H

#include <stddef.h>
#include <stdint.h>
#include "pgo/elfsyms.h"
#include "pgo/edges.h"

struct pgo_coverage {
	size_t nhot;            /* hot edges (99% CDF) */
	int64_t hot_weight;     /* their summed weight */
	int64_t covered;        /* weight of those with caller and callee present */
	double percent;         /* covered / hot_weight * 100; 100 when no hot edge */
	char **missing;         /* absent function names, most missing weight first */
	size_t nmissing;
};

void pgo_coverage(const struct pgo_edges *e, const struct elfsyms *syms, struct pgo_coverage *c);
void pgo_coverage_free(struct pgo_coverage *c);

#endif
