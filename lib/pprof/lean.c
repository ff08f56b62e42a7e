/* Lean decoding: the library decodes a raw profile's top-level fields other
 * than samples, and the samples are checked in place (location ids, value
 * counts, label strings). Anything unexpected sends the caller back to the
 * ordinary decode (pprof/load.c does), so bad input still gets the
 * library's own message. */
#include <stdlib.h>
#include <string.h>

#include "pprof/lean.h"
#include "pprof/sampleiter.h"
#include "util/err.h"

static int samples_valid(const struct profile *p, const uint8_t *raw, size_t len)
{
	struct sample_iter it;
	int got, ok = 1;
	sample_iter_init(&it, p, raw, len);
	while (ok && (got = sample_iter_next(&it)) == 1) {
		if (it.nval != p->pb->n_sample_type)
			ok = 0;
		for (size_t i = 0; ok && i < it.nloc; i++)
			if (idmap_get(&p->locs, it.loc[i]) < 0)
				ok = 0;
	}
	if (got < 0)
		ok = 0;
	sample_iter_free(&it);
	return ok;
}

struct profile *lean_view(const uint8_t *raw, size_t len)
{
	size_t n;
	struct profile *p = profile_decode_lean(raw, len, &n);

	if (p) {                /* how many, for a reader's tables */
		p->raw = raw;
		p->rawlen = len;
		p->nsample = n;
	}
	return p;
}

int lean_from_raw(uint8_t *raw, size_t len, struct lean_profile *lp)
{
	struct profile *p;

	memset(lp, 0, sizeof(*lp));
	if (!(p = profile_decode_lean(raw, len, &lp->nsample)) || !samples_valid(p, raw, len)) {
		if (p)
			profile_free(p);
		free(raw);
		return 0;
	}
	lp->p = p;
	lp->raw = raw;
	lp->len = len;
	return 1;
}

void lean_free(struct lean_profile *lp)
{
	if (lp->p)
		profile_free(lp->p);
	free(lp->raw);
	memset(lp, 0, sizeof(*lp));
}
