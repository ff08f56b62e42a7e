/* A profile's samples as Go's PGO graph reads them: one value, no labels,
 * each stack cut to its two leaf-most locations (cmd/internal/pgo takes
 * edges from no others), equal stacks summed. Built in one walk over a
 * decoded profile or a lean view (pprof/load.h), so a profile of millions
 * of distinct stacks but few leaf pairs costs its raw bytes and its pairs,
 * never every sample decoded. */
#ifndef PGOKIT_PGOPAIRS_H
#define PGOKIT_PGOPAIRS_H

#include <stddef.h>
#include <stdint.h>
#include "pgo/artefact.h"
#include "pprof/profile.h"

struct pgo_pairs {
	PbSample **sample;      /* first-seen order; one value each */
	size_t n;
	size_t nin;             /* samples walked */
	int64_t weight_in;      /* their weight in the value kept */
	size_t removed[PGO_NART];       /* samples that lost artefact frames */
	int64_t removed_weight[PGO_NART];
	struct arena *own;      /* the samples' arena when none was given */
};

/* pgo_pairs_build walks p's samples once: with artefacts set, the
 * signal-injected frames go first (pgo_artefact_cut), then samples of
 * weight 0 in value si or without frames are skipped (Go's graph skips
 * both), and the rest are summed by their two leaf-most location ids.
 * Location ids are p's: the pairs borrow p's locations. The samples live
 * in arena a (NULL: one of their own, freed by pgo_pairs_free), the array
 * of them in pp. On a lean view there may be pgo_lean_max(p) pairs, what
 * its decode budget allows; past that -1 as pgo_lean_refuse says (errno
 * ENOMEM); -1 also for a malformed sample. */
int pgo_pairs_build(const struct profile *p, int si, int artefacts, struct arena *a,
    struct pgo_pairs *out);
void pgo_pairs_free(struct pgo_pairs *pp);

/* pgo_pairs_view makes *view a complete profile that is p with pp's samples
 * as its only samples and si as its only sample type, everything else
 * borrowed from p; pb is its storage. Valid while p and pp are. */
void pgo_pairs_view(const struct profile *p, const struct pgo_pairs *pp, int si,
    PbProfile *pb, PbValueType **st, struct profile *view);

#endif
