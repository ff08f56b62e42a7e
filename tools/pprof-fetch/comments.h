/* A target's labels (--targets-from) carried into its profile as comments,
 * which go tool pprof shows in every report's header. */
#ifndef PGOKIT_FETCH_COMMENTS_H
#define PGOKIT_FETCH_COMMENTS_H

#include <stddef.h>
#include <stdint.h>

/* with_comments writes the profile in (gzip or raw protobuf, len bytes,
 * decompressed at most cap) with one comment "label <labels[i]>" per label
 * added, as one gzip member (*out, malloc'd). -1 with seterr() when in is
 * not a well-formed profile. */
int with_comments(const uint8_t *in, size_t len, size_t cap, char *const *labels,
    size_t nlabels, uint8_t **out, size_t *outlen);

#endif
