/* Reading one protobuf varint, or skipping one field, in a bounded buffer,
 * for the code that walks raw profile bytes in place (lean.c,
 * sampleiter.c, merge.c). */
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

/* varint_next reads the varint at *b (there is one byte at least: *b <
 * end) into *v and moves *b past it; -1 when it is truncated or longer than
 * 64 bits. The pointer form, for the hot loops over packed location ids:
 * a one-byte varint costs one compare, a two-byte one no loop. */
static inline int
varint_next(const uint8_t **b, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *b;
	uint64_t x = *p++;

	if (x >= 0x80 && p < end && *p < 0x80) {
		/* two bytes: the ids of a profile of 128 to 16383 locations */
		x = (x & 0x7f) | (uint64_t)*p++ << 7;
	} else if (x >= 0x80) {
		unsigned shift = 7;
		uint8_t c;

		x &= 0x7f;
		do {
			if (p == end || shift >= 64)
				return -1;
			c = *p++;
			x |= (uint64_t)(c & 0x7f) << shift;
			shift += 7;
		} while (c & 0x80);
	}
	*v = x;
	*b = p;
	return 0;
}

/* field_skip moves *pos past the value of a field of wire type wt whose tag
 * has been read; -1 when it is truncated or wt is not one pprof uses. */
static inline int
field_skip(const uint8_t *b, size_t len, size_t *pos, int wt)
{
	uint64_t v;

	switch (wt) {
	case 0:
		return varint_read(b, len, pos, &v);
	case 1:
		if (len - *pos < 8)
			return -1;
		*pos += 8;
		return 0;
	case 2:
		if (varint_read(b, len, pos, &v) < 0 || v > len - *pos)
			return -1;
		*pos += v;
		return 0;
	case 5:
		if (len - *pos < 4)
			return -1;
		*pos += 4;
		return 0;
	}
	return -1;
}

#endif
