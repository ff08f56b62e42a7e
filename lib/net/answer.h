/* Deciding whether an HTTP answer is a usable CPU profile: status 200, a
 * body that decodes as a pprof profile with at least one sample, and not a
 * legacy Pyroscope export. Otherwise, one line saying why. */
#ifndef PGOKIT_FETCH_CHECK_H
#define PGOKIT_FETCH_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "net/multi.h"

struct profile;

/* ANSWER_BUSY: the target's CPU profiler was busy with another profiler
 * for as long as it was asked (retry_cpu_busy): no profile, and no fault. */
enum answer_kind { ANSWER_PROFILE, ANSWER_EMPTY, ANSWER_BAD, ANSWER_BUSY };

struct checked {
	enum answer_kind kind;
	char why[512];		/* ANSWER_BAD, _EMPTY, _BUSY: the reason */
	struct profile *prof;	/* ANSWER_PROFILE: decoded, or the lean view
				   (pprof/load.h) whose samples are in raw */
	uint8_t *raw;
	const uint8_t *gz;	/* ANSWER_PROFILE: one gzip member to emit */
	size_t gzlen;
	uint8_t *gz_owned;	/* set when gz was made here (free it) */
};

/* fetch_check classifies rs. With empty_ok (Pyroscope), an empty answer or
 * a profile without samples is ANSWER_EMPTY rather than ANSWER_BAD. cap
 * bounds the decompressed size. */
void fetch_check(const struct fetch_res *rs, int empty_ok, size_t cap, struct checked *c);
void checked_free(struct checked *c);

/* legacy_pyroscope_reason: what is wrong with a pyroscope 0.x export. */
extern const char legacy_pyroscope_reason[];

#endif
