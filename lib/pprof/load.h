/* The one way to read profiles: a file, stdin or a buffer holding one
 * profile, a stream of concatenated profiles merged into one, or the lean
 * view pprof-stat's report reads in place; and the stream iteration
 * pprof-merge needs. The size bound lives here, so no tool reads on its own. */
#ifndef PGOKIT_LOAD_H
#define PGOKIT_LOAD_H

#include <stddef.h>
#include <stdint.h>

struct profile;

/* The bounds every read keeps, with D the decompressed size of a profile
 * (at most the cap, PGOKIT_MAX_SIZE or 1 GiB):
 * - input that cannot start a profile (neither gzip nor a protobuf key:
 *   /dev/zero, a text file, gzip inside gzip) is refused after its first
 *   read; compressed input is read to at most the cap + 1/16, never more;
 * - every decode, full or lean, may take profile_decode_budget(D) =
 *   6 x D + 64 MB beyond the D bytes it decodes; past it the load is
 *   LOAD_INVALID, "needs more than N MB of memory to decode", refused
 *   before most of the memory is taken;
 * - the lean view (LOAD_LEAN on a regular file) leaves the samples raw
 *   and decodes the rest, so a profile of many samples costs about D:
 *   10^7 distinct stacks, D = 113 MB, peak 135 MB (a full decode: 1.4
 *   GB); a profile of many locations still costs their decoded form,
 *   within the budget (2 x 10^6 locations, D = 93 MB: 933 MB with top's
 *   tables). Reports add their own tables per distinct edge or stack;
 * - the stated bound of every read path (loader, report, merge, answer
 *   check): peak RSS <= D + profile_decode_budget(D) = 7 x D + 64 MB.
 *   make bench (bench-hostile) measures it on 10^7 and 5 x 10^7 distinct
 *   stacks: --svg and --folded keep the stacks as a trie of small nodes
 *   (report/stacks.h: 611 MB for D = 110 MB, where a table of strings took
 *   2.3 GB), pprof-fetch checks answers in the lean view (138 MB), and
 *   --pgo and pgo-build decode only the samples' leaf pairs (pgo/pairs.h:
 *   135 and 143 MB); a path that would need more (a full decode over its
 *   budget, pairs past it) fails at once with the message above, before
 *   it takes the memory.
 * Empty gzip members are skipped (gzip -d makes nothing of them); input
 * of nothing but empty members is one empty profile. */

/* What to read (flags). LOAD_ONE alone: exactly one profile, and several
 * concatenated gzip members are an error. LOAD_MERGED: any number of
 * concatenated profiles, merged with the library's merge (pprof -proto
 * rules), one input in memory at a time. LOAD_LEAN (with either): a regular
 * file holding one profile is decoded but for its samples, which stay raw
 * in out->raw (a fleet profile then costs about its raw size); anything
 * else falls back to the ordinary read (profile_load_mem: see there).
 * LOAD_KEEP_FILE: keep the input's
 * bytes as read in out->file (pgo-build hashes and passes them on); with
 * LOAD_LEAN the input, a pipe too, is read whole and the view applies to
 * any one profile (a raw one is then held twice: as read and as the view's). */
enum {
	LOAD_ONE = 0,
	LOAD_MERGED = 1 << 0,
	LOAD_LEAN = 1 << 1,
	LOAD_KEEP_FILE = 1 << 2,
};

/* What profile_load returns. An empty input is a value, not an error: Go
 * takes an empty file as a profile without samples, so tools decide. */
enum load_status {
	LOAD_OK = 0,
	LOAD_EMPTY = 1,         /* zero bytes: no profile, no error set */
	LOAD_UNREADABLE = -1,   /* open or read failed, or a directory */
	LOAD_INVALID = -2,      /* read, but not a valid profile (or too big) */
};

/* Where a failure happened, for callers that word it their own way. */
enum load_stage {
	LOAD_AT_READ,           /* opening or reading, or over the size cap */
	LOAD_AT_GZIP,           /* a corrupt, truncated or oversized member */
	LOAD_AT_SEVERAL,        /* LOAD_ONE: another profile follows the first */
	LOAD_AT_TRAILING,       /* bytes that are not gzip follow a member */
	LOAD_AT_DECODE,         /* the protobuf is not a valid profile */
	LOAD_AT_MERGE,          /* LOAD_MERGED: the profiles do not merge */
};

struct loaded {
	struct profile *p;      /* LOAD_OK: the profile (loaded_free frees it) */
	const char *name;       /* the path, "<stdin>" or "<memory>" */
	int nprofiles;          /* how many profiles the input held */
	uint8_t *raw;           /* LOAD_LEAN: the bytes p's samples live in, */
	size_t rawlen;          /* NULL when p is complete */
	uint8_t *file;          /* LOAD_KEEP_FILE: the input's bytes */
	size_t filelen;
	/* on LOAD_UNREADABLE / LOAD_INVALID: errmsg() is "name: ..." */
	enum load_stage stage;
	size_t offset;          /* LOAD_AT_SEVERAL/TRAILING: where they start */
	char why[512];          /* the reason alone, without name or context */
};

/* profile_load reads path, NULL or "-" meaning stdin (named "<stdin>"),
 * with the size cap default_size_cap() per decompressed profile. Returns
 * an enum load_status; out is always filled (loaded_free it). */
int profile_load(const char *path, unsigned flags, struct loaded *out);

/* profile_load_mem does the same for len bytes at buf (borrowed), such as
 * an HTTP body; cap bounds each decompressed profile (0: the default).
 * LOAD_LEAN makes the lean view of one profile (out->raw holds its bytes,
 * inflated or copied); LOAD_KEEP_FILE does not apply. */
int profile_load_mem(const uint8_t *buf, size_t len, unsigned flags, size_t cap,
    struct loaded *out);

void loaded_free(struct loaded *out);

/* A stream of profiles, handed out as raw protobuf bytes one at a time for
 * callers that merge them straight from the bytes (pprof-merge). A regular
 * file is read whole and inflated member by member; a pipe is inflated as
 * it arrives, so memory holds one profile at a time.
 * profile_stream_open never fails: an open error is reported by the first
 * profile_stream_next. cap bounds each profile (0: default_size_cap()). */
struct profile_stream;
struct profile_stream *profile_stream_open(const char *path, size_t cap);

/* profile_stream_next yields the next profile's raw bytes, valid until the
 * next call. 1: got one; 0: end of input (an empty input when
 * profile_stream_count is 0); LOAD_UNREADABLE or LOAD_INVALID with
 * seterr("name: why"), after which the stream is over. */
int profile_stream_next(struct profile_stream *s, const uint8_t **buf, size_t *len);

/* The input's name for messages and how many profiles were handed out. */
const char *profile_stream_name(const struct profile_stream *s);
int profile_stream_count(const struct profile_stream *s);
void profile_stream_close(struct profile_stream *s);

#endif
