/* libFuzzer target for pprof-stat's report code: any bytes that decode as a
 * profile go through the -top report (decoded and lean, which must agree),
 * the PGO edge graph and verdict, the stacks behind --folded/--svg; the
 * lean loader must fall back, never crash, on bytes the library rejects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof/lean.h"
#include "pgo/check.h"
#include "pgo/edges.h"
#include "pprof/profile.h"
#include "report/stacks.h"
#include "report/top.h"

static char *top_text(const struct profile *p, const uint8_t *raw, size_t len)
{
	struct top_opts o = { NULL, 0, 0.005, raw, len };
	struct top_report r;
	char *buf = NULL;
	size_t n = 0;
	if (top_build(p, &o, &r) < 0)
		return NULL;
	FILE *f = open_memstream(&buf, &n);
	top_print(&r, f);
	fclose(f);
	top_free(&r);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = profile_decode(data, size);
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct lean_profile lp;
	int lean = lean_from_raw(copy, size, &lp);
	if (!p) {
		if (lean == 1)
			abort();        /* lean accepted what the library rejects */
		return 0;
	}
	char *a = top_text(p, NULL, 0);
	if (lean == 1) {
		char *b = top_text(lp.p, lp.raw, lp.len);
		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
			abort();        /* the two sample sources disagree */
		free(b);
		lean_free(&lp);
	}
	free(a);
	struct pgo_edges e;
	if (pgo_edges_build(p, -1, &e) == 0) {
		double t;
		pgo_hot(&e, PGO_DEFAULT_CDF, &t);
		pgo_edges_free(&e);
	}
	struct pgo_verdict v;
	pgo_check(p, &v);
	struct stacks s;
	if (stacks_build(p, NULL, &s) == 0)
		stacks_free(&s);
	profile_free(p);
	return 0;
}
