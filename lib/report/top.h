/* The `go tool pprof -top` report: per-function flat and cum values, the
 * 0.5% node drop, flat/name sort, inline labels, unit scaling and the header
 * lines, computed as google/pprof's report and graph packages compute them
 * at "functions" granularity. */
#ifndef PGOKIT_TOP_H
#define PGOKIT_TOP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "pprof/profile.h"

struct top_opts {
	const char *sample_type;  /* -t: "cpu", "cpu/nanoseconds", an index; NULL = pprof's default */
	int nodecount;            /* -n: rows to keep; 0 = all above the drop cut */
	double nodefraction;      /* drop nodes with |cum| below this share; pprof: 0.005 */
	const uint8_t *raw;       /* non-NULL: the samples are read from these raw */
	size_t rawlen;            /* profile bytes (the lean view, pprof/load.h), not from p */
};

/* The base profile of pprof's -diff_base, and its raw bytes as in top_opts. */
struct top_base {
	const struct profile *p;
	const uint8_t *raw;
	size_t rawlen;
};

struct top_row {
	const char *name;         /* printable name: function, "[binary]" or "<unknown>" */
	const char *inline_label; /* "", "(inline)" or "(partial-inline)" */
	int64_t flat, cum;
};

struct top_report {
	int sample_index;
	const char *type, *unit;  /* of the chosen sample type */
	const char *output_unit;  /* unit values are shown in */
	int64_t total;            /* sum of |value| over all samples */
	int64_t flat_sum;         /* sum of flat over the rows */
	size_t nrows;
	struct top_row *row;      /* sorted as pprof sorts: |flat|, name, |cum| */
	size_t nnodes;            /* nodes with a value before dropping */
	size_t dropped;           /* nodes below the cut */
	size_t orig_count;        /* nodes after the cut (before -n) */
	char **label;             /* the header lines, without newlines */
	size_t nlabel;
	void *priv;
};

/* top_build computes the report. -1 with seterr() for an unknown sample
 * type or a profile without sample types. */
int top_build(const struct profile *p, const struct top_opts *o, struct top_report *r);

/* top_build_diff computes `go tool pprof -top -diff_base`: base's samples
 * count negated (pprof's Scale(-1)), percentages are of base's total. -1
 * with seterr() as top_build, or when base lacks the chosen sample type. */
int top_build_diff(const struct profile *p, const struct top_base *base,
    const struct top_opts *o, struct top_report *r);
void top_free(struct top_report *r);

/* top_format writes a value in the report's output unit ("1.50s"). */
void top_format(const struct top_report *r, int64_t v, char *buf, size_t n);

/* top_print writes the text report exactly as `go tool pprof -top`. */
int top_print(const struct top_report *r, FILE *f);

#endif
