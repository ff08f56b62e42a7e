/* The weighted call-edge graph Go's compiler keeps from a profile, built as
 * Go 1.23's cmd/internal/pgo and `go tool preprofile` build it:
 * (caller, callee, call-site offset = line - start_line) -> weight, sorted
 * hottest first, plus the CDF hot-edge cut the inliner uses. */
#ifndef PGOKIT_PGOEDGES_H
#define PGOKIT_PGOEDGES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "pprof/profile.h"

/* What one distinct call edge, or one leaf pair (pairs.h), may cost in
 * memory with the tables around it: a lean view (pprof/load.h) may have as
 * many as its decode budget allows at this price, and is refused past it. */
#define PGO_PAIR_BYTES 512

/* pgo_lean_max is how many distinct edges or pairs p may hold: its decode
 * budget over PGO_PAIR_BYTES for a lean view, SIZE_MAX for a decoded
 * profile (already bigger than its pairs). pgo_lean_refuse says p has
 * more than that many of what ("distinct call edges"): seterr(), errno
 * ENOMEM (too big, not a profile Go rejects), -1. */
size_t pgo_lean_max(const struct profile *p);
int pgo_lean_refuse(const struct profile *p, const char *what);

/* The inliner's default: the hottest edges making up 99% of the weight. */
#define PGO_DEFAULT_CDF 99.0

struct pgo_edge {
	const char *caller;     /* function names, owned by the pgo_edges */
	const char *callee;
	int64_t offset;         /* call-site line - caller's Function.start_line */
	int64_t weight;         /* summed sample value of the chosen type */
};

struct pgo_edges {
	struct pgo_edge *edge;  /* sorted as preprofile: weight desc, then caller,
	                           callee (byte order), then offset ascending */
	size_t nedge;
	int64_t total;          /* sum of all edge weights (the compiler's TotalWeight) */
	int sample_index;       /* the sample type used; -1 for an empty profile */
	struct arena *arena;
};

/* pgo_sample_index is the first sample type named samples/count or
 * cpu/nanoseconds, as the compiler picks it; -1 when none. */
int pgo_sample_index(const struct profile *p);

/* pgo_edges_build builds the edge list of p. sample_index < 0 picks what the
 * compiler picks (pgo_sample_index). A profile without samples gives an empty
 * list, as Go accepts it. -1 with seterr() where go build fails: no
 * samples/count or cpu/nanoseconds sample type, no Function.start_line;
 * also, with errno ENOMEM, on a lean view whose distinct edges pass its
 * decode budget ("more than N distinct call edges: past the M MB ...").
 * The result does not point into p. */
int pgo_edges_build(const struct profile *p, int sample_index, struct pgo_edges *out);
void pgo_edges_free(struct pgo_edges *e);

/* pgo_hot is the inliner's hotNodesFromCDF: the number of leading edges that
 * are hot for a CDF threshold in percent (0..100, PGO_DEFAULT_CDF), including
 * the edge that crosses it; *threshold (may be NULL) gets the weight percent
 * of that last hot edge (0 when the cut is never crossed, as Go prints it). */
size_t pgo_hot(const struct pgo_edges *e, double cdf, double *threshold);

/* pgo_edges_write writes `go tool preprofile` output: "GO PREPROFILE V1",
 * then caller, callee, "offset weight" lines per edge. -1 on write error. */
int pgo_edges_write(const struct pgo_edges *e, FILE *f);

#endif
