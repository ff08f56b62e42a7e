/* --svg: a self-contained interactive flame graph (SVG with a small inline
 * script: hover shows name, value and percent, click zooms, the hottest
 * frame is named on load, a regex search highlights frames and sums their
 * share), and the differential one of --diff: widths from the new profile,
 * red where a frame grew against the base, blue where it shrank. */
#ifndef PGOKIT_FLAME_H
#define PGOKIT_FLAME_H

#include <stdio.h>
#include "pprof/profile.h"

/* Frames narrower than this many pixels (of 1200) are left out, merged
 * into their caller (the search still counts them): Go's own compiler
 * profile then draws in 580 KB instead of 12 MB. */
#define FLAME_MIN_WIDTH 1.0

struct flame_opts {
	const char *spec;       /* sample type; NULL = pprof's default */
	const char *title;      /* names the input */
	double min_width;       /* px: narrower frames are left out */
	const struct profile *base;  /* non-NULL: the differential graph */
};

/* flame_write_opts draws p's stacks; with a base, each frame is coloured by
 * the change of its value from the base's scaled to p's total (the
 * normalised difference of flamegraph.pl's difffolded). -1 with seterr(). */
int flame_write_opts(const struct profile *p, const struct flame_opts *o, FILE *f);

/* flame_write draws p's stacks for sample type spec (NULL = pprof's
 * default) at the default minimum width; title names the input. */
int flame_write(const struct profile *p, const char *spec, const char *title, FILE *f);

#endif
