/* Reading one protobuf varint from a bounded buffer, for the code that walks
 * raw profile bytes in place (leanpf.c, sampleiter.c). */
#ifndef PGOKIT_VARINT_H
#define PGOKIT_VARINT_H

#include <stddef.h>
#include <stdint.h>

/* varint_read reads the varint at b[*pos] (b holds len bytes) into *v and
 * moves *pos past it; -1 when it is truncated or longer than 64 bits. */
static inline int
varint_read(const uint8_t *b, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (*pos >= len)
			return -1;
		uint8_t c = b[(*pos)++];
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

#endif
