/* Will Go's compiler (1.21+) use this profile for PGO? The rules of
 * cmd/internal/pgo (sample type, start_line, samples) plus the traps it does
 * not name: legacy Pyroscope 0.x exports and heap or other non-CPU profiles. */
#ifndef PGOKIT_PGOCHECK_H
#define PGOKIT_PGOCHECK_H

#include <stddef.h>
#include "pgo/artefact.h"
#include "pprof/profile.h"

#define PGO_MAX_REASONS 8

struct pgo_verdict {
	int usable;             /* 1: go build -pgo will use it and PGO has an effect */
	int accepted;           /* 1: go build -pgo will not fail on it (may be a no-op) */
	int sample_index;       /* the sample type the compiler reads; -1 when none */
	size_t nreason;         /* why not usable; 0 when usable */
	char reason[PGO_MAX_REASONS][256];
	size_t nwarning;        /* usable or not, what weakens PGO */
	char warning[PGO_NART][512];
};

/* pgo_check fills v with every reason the profile is not usable, each a
 * short sentence without a trailing period:
 *   no "samples/count" or "cpu/nanoseconds" sample type   (go build fails)
 *   no Function has a start_line                           (go build fails)
 *   no samples (or all zero)                               (accepted, no effect)
 *   a legacy Pyroscope 0.x export                          (empty sample type name)
 *   a heap/block/mutex/goroutine or other non-CPU profile
 * and, as warnings that do not change the verdict, signal-injected frames
 * (artefact.h) above PGO_ARTEFACT_WARN percent of the samples or of the
 * hot-edge weight. Returns v->usable (1/0); -1 with seterr() only when the
 * edges of a lean view pass its memory budget (pgo_edges_build). */
int pgo_check(const struct profile *p, struct pgo_verdict *v);

#endif
