/* What changed between two profiles: the PGO view (hot call edges gained,
 * lost and re-weighted, and the drift figure pgo.mk decides on) and the
 * --diff --json document. The -top text is top_build_diff (report/top.h),
 * the differential flame graph flame_write_opts (report/flame.h). */
#ifndef PGOKIT_DIFF_H
#define PGOKIT_DIFF_H

#include <stdio.h>
#include "pprof/profile.h"

/* diff_drift sets *drift to the share of hot-edge weight that differs, in
 * percent: over the call edges hot in either profile (Go's 99% CDF cut of
 * each, pgo/edges.h), half the sum of |w_new/W_new - w_base/W_base|, where
 * w is an edge's weight and W a profile's total edge weight. 0 for the same
 * edges in the same proportions; 100 when one profile has no edges and the
 * other has. base or p NULL is a profile without samples. spec picks the
 * sample type (NULL: the compiler's). -1 with seterr() where go build -pgo
 * fails on a profile. */
int diff_drift(const struct profile *base, const struct profile *p, const char *spec,
    double *drift);

/* diff_pgo_write prints the PGO view: both profiles' edge counts, the
 * drift, then the hot edges gained, lost and re-weighted, at most count
 * of each (0: all). -1 with seterr() as diff_drift. */
int diff_pgo_write(const struct profile *base, const struct profile *p, const char *spec,
    int count, FILE *f);

/* diff_json_write writes the --diff --json document: the sample type, the
 * -top -diff_base rows as --json's "top" object (its total is the base's),
 * and the PGO view, or null and "pgo_error" when Go's PGO cannot read a
 * profile. -1 with seterr(). */
int diff_json_write(const struct profile *base, const struct profile *p, const char *spec,
    int count, FILE *f);

#endif
