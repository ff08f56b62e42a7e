/* The lean view of one profile for reports: everything but the samples
 * is decoded and validated by the library; the samples stay raw and are
 * validated as they are first walked. A merged fleet profile then needs
 * about its raw size in memory instead of several times that. */
#ifndef PGOKIT_LEANPF_H
#define PGOKIT_LEANPF_H

#include <stddef.h>
#include <stdint.h>
#include "pprof/profile.h"

struct lean_profile {
	struct profile *p;      /* no samples unless raw is NULL */
	uint8_t *raw;           /* the raw profile, owned; NULL = p is complete */
	size_t len;
	size_t nsample;
};

/* lean_from_raw takes ownership of raw (malloc'd) and, when the view
 * applies, gives it to lp: 1. 0 means: decode it the ordinary way (raw is
 * freed). Files are read this way by profile_load(LOAD_LEAN). */
int lean_from_raw(uint8_t *raw, size_t len, struct lean_profile *lp);
void lean_free(struct lean_profile *lp);
/* lean_view decodes and validates raw (borrowed, len bytes) but its
 * samples, which it leaves unchecked for the one walk over them that checks
 * as it goes (merger_add_raw). NULL when the rest is not well-formed:
 * decode raw the ordinary way for the library's message. */
struct profile *lean_view(const uint8_t *raw, size_t len);

#endif
