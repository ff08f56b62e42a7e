/* Every location's frames as graph nodes, one per Line (one for a location
 * without lines), in the location's order (leaf first): the shared first
 * step of the report graphs (top.c) and the PGO call graph (pgoedges.c). */
#ifndef PGOKIT_LOCFRAMES_H
#define PGOKIT_LOCFRAMES_H

#include <stddef.h>
#include "pprof/profile.h"

struct locframes {
	size_t *start;  /* per location index: its first entry in node */
	size_t *node;   /* node id per frame; location i's are start[i]..start[i+1]-1 */
};

/* locframes_build asks node() for the node id of each frame: the location
 * and its Line, NULL for a location without lines. */
void locframes_build(struct locframes *lf, const struct profile *p,
    size_t (*node)(void *arg, const PbLocation *l, const PbLine *ln), void *arg);
void locframes_free(struct locframes *lf);

#endif
