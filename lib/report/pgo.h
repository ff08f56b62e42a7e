/* The --pgo view: what Go's compiler takes from a profile (the weighted call
 * edges, the CDF hot cut, the hot edges) and how small the profile could be
 * for PGO alone. */
#ifndef PGOKIT_PGOREPORT_H
#define PGOKIT_PGOREPORT_H

#include <stdio.h>
#include "pprof/profile.h"

/* pgoreport_write prints the report for sample type spec (NULL = the one
 * the compiler picks), listing at most count hot edges (0 = all). -1 with
 * seterr() where go build -pgo fails on the profile. */
int pgoreport_write(const struct profile *p, const char *spec, int count, FILE *f);

/* pgo_shrink_measure measures p reduced to what PGO reads, from one walk
 * of its leaf pairs: out[0] with one sample type, no labels, each stack cut
 * to the leaf location and its caller, samples that make no call edge
 * dropped (edges unchanged); out[1] also without the samples whose edges
 * are all below the hot cut. e is p's edge list. Sizes are gzip level 1.
 * Returns how many were measured (1: out[0] only); -1 with seterr() when
 * the pairs pass the budget. */
struct pgo_shrink {
	size_t bytes, samples;
};
struct pgo_edges;
int pgo_shrink_measure(const struct profile *p, const struct pgo_edges *e,
    struct pgo_shrink out[2]);

#endif
