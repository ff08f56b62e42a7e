/* Preparing a CPU profile for `go build -pgo`: keep only what Go's compiler
 * reads, so the file is small and fast to build with, yet gives the compiler
 * the same hot call edges. pgo-build's default; the rules are in pgoprep.c. */
#ifndef PGOKIT_PGOPREP_H
#define PGOKIT_PGOPREP_H

#include <stddef.h>
#include "pgo/artefact.h"
#include "pprof/profile.h"

/* The suffix a denied function's name gets: no Go symbol contains '#'. */
#define PGO_DENY_SUFFIX "#pgo-denied"

/* The built-in deny list, NULL-terminated: leaf functions whose PGO inlining
 * is a known hazard (runtime.gopark: golang/go#74045, a hang). */
extern const char *const pgo_default_deny[];

/* The default --keep: the hottest edges making up this percent of the edge
 * weight are kept; it grows by itself until the hot edges are the same. */
#define PGO_DEFAULT_KEEP 99.9

struct pgoprep_opts {
	double keep;                    /* percent of edge weight; <= 0: automatic */
	const char *const *deny;        /* extra function names to rename */
	size_t ndeny;
	int no_default_deny;            /* --deny -: the built-in list is off */
	int keep_frames;                /* --keep-frames: no artefact removal */
};

struct pgoprep_stats {
	size_t samples_in, samples_out;
	size_t locations_in, locations_out;
	size_t functions_in, functions_out;
	size_t strings_in, strings_out;
	size_t edges_in, edges_out;     /* all call edges, before and after */
	size_t hot_in, hot_out;         /* edges within the 99% CDF */
	int same_hot;                   /* the hot edges (names, offsets, weights,
	                                   order) are exactly the same */
	double keep;                    /* the keep percent finally used */
	size_t denied;                  /* functions renamed by the deny list */
	int64_t weight_in;              /* sample weight, compiler's type */
	size_t removed[PGO_NART];       /* samples whose artefact frames went
	                                   (pgo_artefacts names each kind) */
	int64_t removed_weight[PGO_NART];
};

/* pgo_prepare rewrites p in place:
 *  - unless keep_frames, signal-injected frames go (artefact.h): a sample
 *    loses its runtime.asyncPreempt frame and the preemption frames above
 *    it, or its leaf runtime.sigpanic, so the interrupted function, at the
 *    interrupted line, is the leaf; a sample left without frames goes;
 *  - only the sample type the compiler reads (pgo_sample_index) stays;
 *  - labels go; each stack is cut to its two leaf-most locations (the only
 *    ones Go's graph takes edges from) and equal stacks are summed;
 *  - functions named in the deny list get PGO_DENY_SUFFIX;
 *  - samples feeding no edge among the hottest `keep` percent of edge
 *    weight go; automatically (keep <= 0) the percent starts at
 *    PGO_DEFAULT_KEEP and grows until the 99% CDF hot edges are exactly
 *    those of the undropped (but cleaned and denied) profile;
 *  - mappings, locations, functions and strings nothing refers to go.
 * -1 with seterr() when p has no sample type the compiler reads. */
int pgo_prepare(struct profile *p, const struct pgoprep_opts *o, struct pgoprep_stats *st);

#endif
