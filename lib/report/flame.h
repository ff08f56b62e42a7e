/* --svg: a self-contained interactive flame graph (SVG with a small inline
 * script: hover shows name, value and percent, click zooms, the hottest
 * frame is named on load). */
#ifndef PGOKIT_FLAME_H
#define PGOKIT_FLAME_H

#include <stdio.h>
#include "pprof/profile.h"

/* flame_write draws p's stacks for sample type spec (NULL = pprof's
 * default); title names the input. -1 with seterr(). */
int flame_write(const struct profile *p, const char *spec, const char *title, FILE *f);

#endif
