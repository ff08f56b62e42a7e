/* A decoded, validated pprof profile and the calls to decode, look up, encode
 * and write one. The protobuf-c structs are the in-memory form; everything a
 * profile owns lives in its arena. */
#ifndef PGOKIT_PROFILE_H
#define PGOKIT_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include "pprof/pb.h"

struct arena;

/* An id -> array index lookup: a dense table when ids are compact (the usual
 * case), a hash table otherwise. */
struct idmap {
	uint32_t *dense;        /* dense[id] = index + 1, 0 = absent */
	uint64_t ndense;
	uint64_t *hkeys;        /* open addressing when ids are sparse */
	uint32_t *hvals;
	uint64_t hmask;
};

struct profile {
	PbProfile *pb;
	struct arena *arena;
	struct arena *extra;    /* more memory the profile owns, or NULL */
	struct idmap locs, funcs, maps;
	/* after a lean decode: the samples, left in the raw bytes, all lie
	 * in raw[sample_lo, sample_hi); else both 0 */
	size_t sample_lo, sample_hi;
	/* the lean view (pprof/load.h): the raw profile the samples are read
	 * from, borrowed (struct loaded owns it), and how many there are; NULL
	 * when pb->sample holds them. sample_iter walks either. */
	const uint8_t *raw;
	size_t rawlen, nsample;
};

/* profile_decode parses raw (uncompressed) protobuf bytes and validates them.
 * NULL with seterr() naming what is wrong: a bad varint or truncated field
 * (with its offset), string_table[0] not empty, a string index out of range,
 * an id of 0 or a duplicate id, a dangling mapping/location/function
 * reference, a sample whose value count differs from the sample types. */
struct profile *profile_decode(const uint8_t *buf, size_t len);
/* profile_decode_lean does the same but for the samples, which it counts
 * (*nsample) and leaves in buf, to be walked by sampleiter.h. */
struct profile *profile_decode_lean(const uint8_t *buf, size_t len, size_t *nsample);
void profile_free(struct profile *p);

/* profile_nsample: how many samples p has, decoded or lean. */
size_t profile_nsample(const struct profile *p);

/* The memory a decode may take, beyond the bytes it decodes: a hostile
 * profile (millions of distinct stacks, tiny compressed) is refused with
 * "needs more than N MB of memory to decode" instead of growing the
 * process without limit. A full decode of a real profile takes 3 to 6
 * times its raw size; the lean view's non-sample part far less. */
#define DECODE_FACTOR 6
#define DECODE_SLACK_MB 64
size_t profile_decode_budget(size_t len);

/* profile_sniff says from the first bytes of a raw profile (n may be
 * short) whether they may start one: 0, or -1 with seterr() naming what
 * they are instead (gzip inside gzip, text, neither gzip nor protobuf), so
 * that a reader stops before reading the rest. */
int profile_sniff(const uint8_t *buf, size_t n);

/* profile_is_legacy_pyroscope: the profile is a Pyroscope 0.x
 * /render?format=pprof export (unnamed sample type, no line numbers, no
 * start lines), useless for PGO. Reading profiles: pprof/load.h. */
int profile_is_legacy_pyroscope(const struct profile *p);

/* Lookups by id; NULL when absent (never after validation for references). */
PbLocation *profile_location(const struct profile *p, uint64_t id);
PbFunction *profile_function(const struct profile *p, uint64_t id);
PbMapping *profile_mapping(const struct profile *p, uint64_t id);

/* profile_str returns string_table[i], "" when out of range. */
const char *profile_str(const struct profile *p, int64_t i);

/* profile_sample_type finds a sample type by "type", "type/unit" or a decimal
 * index; NULL or "" gives the default (default_sample_type, else the last),
 * as pprof chooses. -1 with seterr() when there is none. */
int profile_sample_type(const struct profile *p, const char *spec);

/* profile_encode serializes to protobuf, then gzip at level (0 = raw). */
int profile_encode(const struct profile *p, int level, uint8_t **out, size_t *outlen);

/* profile_write encodes and writes to path atomically, or to stdout when
 * path is NULL or "-". */
int profile_write(const struct profile *p, const char *path, int level);

/* profile_reindex rebuilds the id lookups after pb's arrays were changed
 * (ids must stay unique and non-zero). */
void profile_reindex(struct profile *p);

/* idmap_* are the id lookups, exported for code that builds its own tables. */
void idmap_build(struct idmap *m, struct arena *a, const uint64_t *ids, size_t n);
int64_t idmap_get_hashed(const struct idmap *m, uint64_t id);

/* idmap_get returns the array index of id, or -1. Inline: the merge calls
 * it for every frame of every sample. */
static inline int64_t
idmap_get(const struct idmap *m, uint64_t id)
{
	if (m->dense)
		return id < m->ndense ? (int64_t)m->dense[id] - 1 : -1;
	return idmap_get_hashed(m, id);
}

#endif
