/* Locations expanded to frames, as one index array per location. */
#include <stdlib.h>

#include "pprof/locframes.h"
#include "util/err.h"

void
locframes_build(struct locframes *lf, const struct profile *p,
    size_t (*node)(void *arg, const PbLocation *l, const PbLine *ln), void *arg)
{
	const PbProfile *pb = p->pb;
	size_t i, j, k = 0, total = 0;

	for (i = 0; i < pb->n_location; i++)
		total += pb->location[i]->n_line ? pb->location[i]->n_line : 1;
	lf->start = xcalloc(pb->n_location + 1, sizeof(*lf->start));
	lf->node = xcalloc(total ? total : 1, sizeof(*lf->node));
	for (i = 0; i < pb->n_location; i++) {
		const PbLocation *l = pb->location[i];

		lf->start[i] = k;
		if (l->n_line == 0)
			lf->node[k++] = node(arg, l, NULL);
		for (j = 0; j < l->n_line; j++)
			lf->node[k++] = node(arg, l, l->line[j]);
	}
	lf->start[pb->n_location] = k;
}

void
locframes_free(struct locframes *lf)
{
	free(lf->start);
	free(lf->node);
	lf->start = lf->node = NULL;
}
