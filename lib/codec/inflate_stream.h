/* Inflating a pipe as it arrives: concatenated gzip members read from a file
 * descriptor and handed out one member at a time, so a long stream never
 * sits in memory whole. The only place zlib is used (libdeflate, in gzip.c,
 * needs the whole input). */
#ifndef PGOKIT_INFLATE_STREAM_H
#define PGOKIT_INFLATE_STREAM_H

#include <stddef.h>
#include <stdint.h>

/* What gz_stream_next returns besides 1 (a member) and 0 (the end). */
enum { GZS_BAD_DATA = -1, GZS_READ_ERROR = -2 };

struct gz_stream;

/* gz_stream_new reads fd (not closed by gz_stream_free); name is for
 * messages; cap bounds each member's decompressed size. */
struct gz_stream *gz_stream_new(int fd, const char *name, size_t cap);

/* gz_stream_next yields the next member's decompressed bytes, valid until
 * the next call. Input that does not start with a gzip header is handed out
 * whole, as it is, as one item (gzip -dcf does the same). 1: got one; 0: end
 * of input (at once for an empty input); GZS_BAD_DATA (corrupt, truncated,
 * over the cap, trailing bytes that are not gzip) or GZS_READ_ERROR, with
 * seterr("name: why"). */
int gz_stream_next(struct gz_stream *s, const uint8_t **out, size_t *len);
void gz_stream_free(struct gz_stream *s);

/* gz_peek inflates at most the first n bytes of the gzip member at in into
 * buf and returns how many it got (0 for corrupt data): what a reader
 * sniffs before it inflates a member whole, so that a bomb of zeros is
 * refused without being inflated. */
size_t gz_peek(const uint8_t *in, size_t inlen, uint8_t *buf, size_t n);

#endif
