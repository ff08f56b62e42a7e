/* Frames of a CPU profile that are not calls Go's compiler can use: the
 * runtime's signal handlers inject them at an interrupted instruction, so
 * the compiler reads an edge "interrupted function:line -> injected
 * function" that no call made. pgo-build's preparation removes them;
 * pprof-stat --check and --pgo warn when they weigh much. */
#ifndef PGOKIT_PGOARTEFACT_H
#define PGOKIT_PGOARTEFACT_H

#include <stddef.h>
#include <stdint.h>
#include "pgo/edges.h"
#include "pprof/profile.h"

enum pgo_artefact {
	PGO_ART_PREEMPT,        /* runtime.asyncPreempt and the frames above it */
	PGO_ART_SIGPANIC,       /* runtime.sigpanic as the leaf */
	PGO_NART
};

struct pgo_artefact_info {
	const char *func;       /* the injected function */
	const char *what;       /* what is removed, for summaries */
	const char *reason;     /* why it is not a call, one clause */
};
extern const struct pgo_artefact_info pgo_artefacts[PGO_NART];

/* Above this percent of the samples or of the hot-edge weight, --check and
 * --pgo warn. */
#define PGO_ARTEFACT_WARN 2.0

/* pgo_artefact_locations classifies p's locations by array index: 0 for an
 * ordinary location, 1 + enum pgo_artefact for one whose function (the
 * outermost Line: the one the code belongs to) is injected. Free it. */
uint8_t *pgo_artefact_locations(const struct profile *p);

/* pgo_artefact_cut is the number of leaf-most locations of s to drop so the
 * interrupted function becomes the leaf (0: none), *kind which artefact:
 * everything up to the root-most runtime.asyncPreempt (the frames above it,
 * such as runtime.asyncPreempt2, are the preemption running on the
 * goroutine's stack), else a leaf runtime.sigpanic. */
size_t pgo_artefact_cut(const struct profile *p, const uint8_t *lockind,
    const PbSample *s, int *kind);

/* What the artefacts weigh in a profile, in the compiler's sample type. */
struct pgo_artefact_share {
	int64_t total;                  /* all sample weight */
	int64_t weight[PGO_NART];       /* of the samples holding the artefact */
	int64_t hot_total;              /* of the 99% CDF hot edges */
	int64_t hot[PGO_NART];          /* of the hot edges into the injected
	                                   function (or, for a preemption, out
	                                   of it) */
};

/* pgo_artefact_measure measures p on e's sample type; e is p's edge list. */
void pgo_artefact_measure(const struct profile *p, const struct pgo_edges *e,
    struct pgo_artefact_share *out);

/* pgo_artefact_warning writes the warning for artefact k into buf when it
 * holds more than PGO_ARTEFACT_WARN percent of the samples or of the hot-edge
 * weight; returns 1 then, else 0. */
int pgo_artefact_warning(const struct pgo_artefact_share *s, int k, char *buf, size_t n);

#endif
