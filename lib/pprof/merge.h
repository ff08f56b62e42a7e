/* Merging profiles as `go tool pprof -proto` does (shared/reference/pprof.md),
 * one input at a time: strings interned once, every key a tuple of integers,
 * insertion-ordered hash tables, so memory follows the merged result. */
#ifndef PGOKIT_MERGE_H
#define PGOKIT_MERGE_H

#include "pprof/profile.h"

struct merge_opts {
	const char *sample_type;  /* keep only this type ("cpu", "cpu/nanoseconds"); NULL = all shared */
	int drop_labels;          /* drop sample labels */
};

struct merger;

struct merger *merger_new(const struct merge_opts *o);

/* merger_add folds p in, values multiplied by weight (rounded) first. p may
 * be freed afterwards. -1 with seterr() when p cannot be merged (e.g.
 * incompatible period type, no shared sample type); the merger is unchanged. */
int merger_add(struct merger *m, const struct profile *p, double weight);
/* merger_add_raw does the same for a profile decoded without its samples
 * (lean_view), whose samples are read from raw, rawlen bytes (raw may be
 * NULL: p's own samples). */
int merger_add_raw(struct merger *m, const struct profile *p, const uint8_t *raw,
    size_t rawlen, double weight);

/* merger_add_bytes folds in the raw (uncompressed) profile buf, decoded
 * but for its samples, which are merged straight from buf as they are
 * checked (lean_view, merger_add_raw). When that fails, buf is decoded the
 * ordinary way, so the error is the library's own message. */
int merger_add_bytes(struct merger *m, const uint8_t *buf, size_t len, double weight);

/* merger_count is the number of profiles folded in so far. */
int merger_count(const struct merger *m);

/* merger_encode writes the merged profile as raw protobuf (malloc'd) and
 * frees m. -1 with seterr() if nothing was added. */
int merger_encode(struct merger *m, uint8_t **out, size_t *outlen);

/* merger_finish returns the merged profile (its own arena) and frees m.
 * NULL with seterr() if nothing was added. */
struct profile *merger_finish(struct merger *m);

#endif
