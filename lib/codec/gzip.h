/* Whole-buffer gzip in both directions. libdeflate does the work (measured
 * faster than zlib for both inflate and deflate); callers never see which. */
#ifndef PGOKIT_COMPRESS_H
#define PGOKIT_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

/* The default limit on decompressed bytes per profile: a gzip bomb is an
 * error, not an OOM. PGOKIT_MAX_SIZE in the environment overrides it. */
#define PGOKIT_DEFAULT_CAP ((size_t)1 << 30)
size_t default_size_cap(void);

int is_gzip(const uint8_t *p, size_t n);

/* gz_inflate_member decompresses the gzip member at the start of in (in may
 * hold more members after it). On success: 0, *out (malloc'd), *outlen, and
 * *used = compressed bytes consumed. On error: -1, seterr(). */
int gz_inflate_member(const uint8_t *in, size_t inlen, size_t cap,
    uint8_t **out, size_t *outlen, size_t *used);

/* gz_deflate writes one gzip member (header mtime 0, so the same input gives
 * the same bytes) at level 1..12; level 0 means stored. */
int gz_deflate(const uint8_t *in, size_t inlen, int level,
    uint8_t **out, size_t *outlen);

/* Gzip members of chunk input bytes each (the last one shorter), taken one
 * by one while the rest are compressed. The bytes depend on in, level and
 * chunk only, never on the threads; gzip readers take the members as one
 * stream, and a single member is gz_deflate's bytes.
 * gz_members_start begins compressing in (which must stay unchanged until
 * gz_members_end) on up to nthreads background threads and returns at once
 * (NULL with seterr() for a bad level or chunk). gz_members_next waits for
 * the next member in order: 1 with *p and *n (valid until the next call),
 * 0 after the last, -1 with seterr() when compression failed.
 * gz_members_stop tells the threads to start no further member and
 * returns at once (gz_members_next may then fail). gz_members_end stops
 * them likewise, waits for them and frees everything. */
struct gz_members;
struct gz_members *gz_members_start(const uint8_t *in, size_t inlen, int level,
    size_t chunk, int nthreads);
int gz_members_next(struct gz_members *g, const uint8_t **p, size_t *n);
void gz_members_stop(struct gz_members *g);
void gz_members_end(struct gz_members *g);

#endif
