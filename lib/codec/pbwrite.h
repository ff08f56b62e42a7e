/* Writing protobuf wire format by hand into a growing buffer: the merged
 * profile is encoded straight from the merge tables, with no intermediate
 * message structs (which cost several times the output in memory). */
#ifndef PGOKIT_PBWRITE_H
#define PGOKIT_PBWRITE_H

#include <stddef.h>
#include <stdint.h>

struct pbw {
	uint8_t *buf;
	size_t len, cap;
};

void pbw_reserve(struct pbw *w, size_t n);

static inline size_t
pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* The size of a varint field (tag + value) as proto3 writes it: 0 when the
 * value is zero (default values are not written). */
static inline size_t
pb_field_size(unsigned field, uint64_t v)
{
	return v ? pb_varint_size((uint64_t)field << 3) + pb_varint_size(v) : 0;
}

static inline size_t
pb_len_field_size(unsigned field, size_t len)
{
	return pb_varint_size((uint64_t)field << 3 | 2) + pb_varint_size(len) + len;
}

static inline void
pbw_varint(struct pbw *w, uint64_t v)
{
	if (w->cap - w->len < 10)
		pbw_reserve(w, 10);
	while (v >= 0x80) {
		w->buf[w->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	w->buf[w->len++] = (uint8_t)v;
}

/* pbw_uint writes a varint field, skipping the default zero. */
static inline void
pbw_uint(struct pbw *w, unsigned field, uint64_t v)
{
	if (v) {
		pbw_varint(w, (uint64_t)field << 3);
		pbw_varint(w, v);
	}
}

/* pbw_len starts a length-delimited field whose payload is len bytes. */
static inline void
pbw_len(struct pbw *w, unsigned field, size_t len)
{
	pbw_varint(w, (uint64_t)field << 3 | 2);
	pbw_varint(w, len);
}

void pbw_bytes(struct pbw *w, unsigned field, const void *p, size_t len);

#endif
