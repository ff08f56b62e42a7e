/* Sample stacks as frame-name sequences, root first, one frame per Line
 * (inlined calls are frames of their own), with identical stacks summed:
 * the common input of folded output and the flame graph. */
#ifndef PGOKIT_STACKS_H
#define PGOKIT_STACKS_H

#include <stddef.h>
#include <stdint.h>
#include "pprof/profile.h"

struct stacks {
	struct strmap *names;   /* frame name -> id */
	size_t nstack;
	uint32_t **frame;       /* frame[i][0..depth[i]-1], root first: name ids */
	size_t *depth;
	int64_t *value;         /* summed sample value of the chosen type */
	int64_t total;          /* sum of values */
	int sample_index;
	const char *type, *unit;
};

/* stacks_build collects the stacks of p for sample type spec (NULL =
 * pprof's default). Samples whose value is 0 are skipped. -1 with seterr(). */
int stacks_build(const struct profile *p, const char *spec, struct stacks *s);
const char *stacks_name(const struct stacks *s, uint32_t id);
void stacks_free(struct stacks *s);

#endif
