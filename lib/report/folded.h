/* Collapsed stacks ("root;...;leaf value" per line), the input format of
 * flamegraph.pl, inferno and speedscope. */
#ifndef PGOKIT_FOLDED_H
#define PGOKIT_FOLDED_H

#include <stdio.h>
#include "pprof/profile.h"

/* folded_write writes p's stacks for sample type spec, sorted by stack
 * text. -1 with seterr() for a bad sample type or a write error. */
int folded_write(const struct profile *p, const char *spec, FILE *f);

#endif
