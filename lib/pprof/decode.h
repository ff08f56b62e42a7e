/* Decoding pprof protobuf bytes into the protobuf-c structs, fast. */
#ifndef PGOKIT_PPROF_DECODE_H
#define PGOKIT_PPROF_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include "pprof/pb.h"

struct arena;

/* pprof_decode parses buf into structs allocated from a, with the meaning
 * protobuf_c_message_unpack gives them (unknown fields skipped, packed and
 * unpacked repeated fields both accepted). NULL with seterr() on malformed
 * input; profile_decode then names the exact fault. */
PbProfile *pprof_decode(struct arena *a, const uint8_t *buf, size_t len);
/* Where a lean decode left the samples in buf: n of them, every one within
 * buf[lo, hi) (other fields may lie between them). */
struct lean_samples {
	size_t n, lo, hi;
};

/* pprof_decode_lean decodes all but the samples, which it only counts and
 * locates (*ls) and checks for wire type; they stay in buf for
 * sampleiter.h. ls NULL: decode them too. budget (0: none) bounds the
 * bytes a may hold: past it, NULL with seterr("needs more than ...")
 * before the memory is taken (most of it) or as it is. */
PbProfile *pprof_decode_lean(struct arena *a, const uint8_t *buf, size_t len,
    struct lean_samples *ls, size_t budget);

#endif
