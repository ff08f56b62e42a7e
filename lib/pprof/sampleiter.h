/* Walking a profile's samples either from the decoded profile or straight
 * from the raw protobuf bytes, so a report over a large profile need not
 * hold every sample as a decoded struct (the lean view, pprof/load.h). */
#ifndef PGOKIT_SAMPLEITER_H
#define PGOKIT_SAMPLEITER_H

#include <stddef.h>
#include <stdint.h>
#include "pprof/profile.h"

/* A label as the sample holds it: string table indices and a number. */
struct sample_label {
	int64_t key, str, num, unit;
};

struct sample_iter {
	const struct profile *p;
	const uint8_t *raw;     /* NULL: walk p->pb->sample */
	size_t len, pos, idx;
	const uint64_t *loc;    /* the current sample, leaf first */
	size_t nloc;
	const int64_t *val;
	size_t nval;
	const struct sample_label *lab;
	size_t nlab;
	uint64_t *locbuf;
	uint64_t *valbuf;       /* read as val: int64_t may alias uint64_t */
	struct sample_label *labbuf;
	size_t caploc, capval, caplab;
};

/* raw (may be NULL) is the whole raw profile p was decoded from without its
 * samples; its sample fields are read in place. raw NULL walks p->raw when
 * p is a lean view, else p->pb->sample: a reader that walks samples this
 * way takes both. */
void sample_iter_init(struct sample_iter *it, const struct profile *p,
    const uint8_t *raw, size_t len);
/* 1: a sample is current; 0: end; -1: malformed sample (seterr). */
int sample_iter_next(struct sample_iter *it);
/* The same in two steps, for a reader that decodes the location ids itself:
 * sample_iter_next_body finds the next sample's bytes (raw walks only; as
 * sample_iter_next returns), sample_iter_parse reads them. With run
 * non-NULL, a sample whose locations are one packed run (as every writer
 * of pprof makes them) is read but for that run, returned in *run and
 * *runlen, nloc 0; any other shape returns 1 and is to be parsed again with
 * run NULL. 0: read; -1: malformed (seterr). */
int sample_iter_next_body(struct sample_iter *it, const uint8_t **body, size_t *blen);
int sample_iter_parse(struct sample_iter *it, const uint8_t *body, size_t blen,
    const uint8_t **run, size_t *runlen);
void sample_iter_free(struct sample_iter *it);

/* sample_iter_pb shows the current sample as a PbSample for code written
 * for decoded samples: its locations and values (valid until the next
 * step), no labels. */
void sample_iter_pb(const struct sample_iter *it, PbSample *s);

#endif
