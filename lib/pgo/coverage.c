/* Coverage of a profile's hot call edges by a binary's function names
 * (lib/elfsyms), for pgo-build's staleness warning. */
#include <stdlib.h>
#include <string.h>

#include "util/keymap.h"
#include "pgo/coverage.h"
#include "util/err.h"

struct missing {
	const char *name;
	int64_t weight;
};

static int
missing_cmp(const void *a, const void *b)
{
	const struct missing *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return strcmp(x->name, y->name);
}

void
pgo_coverage(const struct pgo_edges *e, const struct elfsyms *syms, struct pgo_coverage *c)
{
	struct strmap *names = strmap_new();
	struct missing *m = NULL;
	size_t cap = 0, i;

	memset(c, 0, sizeof(*c));
	c->nhot = pgo_hot(e, PGO_DEFAULT_CDF, NULL);
	for (i = 0; i < c->nhot; i++) {
		const struct pgo_edge *x = &e->edge[i];
		const char *fn[2] = { x->caller, x->callee };
		int ok = 1;

		c->hot_weight += x->weight;
		for (int k = 0; k < 2; k++) {
			int added;
			size_t j;

			if (elfsyms_has(syms, fn[k]))
				continue;
			ok = 0;
			j = strmap_intern(names, fn[k], &added);
			if (added) {
				if (j >= cap) {
					cap = cap ? cap * 2 : 16;
					m = xreallocarray(m, cap, sizeof(*m));
				}
				m[j].name = strmap_str(names, j);
				m[j].weight = 0;
			}
			m[j].weight += x->weight;
		}
		if (ok)
			c->covered += x->weight;
	}
	c->percent = c->hot_weight ? 100.0 * (double)c->covered / (double)c->hot_weight : 100;
	c->nmissing = strmap_count(names);
	if (c->nmissing) {
		qsort(m, c->nmissing, sizeof(*m), missing_cmp);
		c->missing = xcalloc(c->nmissing, sizeof(*c->missing));
		for (i = 0; i < c->nmissing; i++)
			c->missing[i] = xstrdup(m[i].name);
	}
	free(m);
	strmap_free(names);
}

void
pgo_coverage_free(struct pgo_coverage *c)
{
	for (size_t i = 0; i < c->nmissing; i++)
		free(c->missing[i]);
	free(c->missing);
	memset(c, 0, sizeof(*c));
}
