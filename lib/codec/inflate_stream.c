/* Streaming inflate of a pipe with zlib, one gzip member at a time: a pipe
 * cannot be read whole first, which libdeflate (gzip.c) would need. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "codec/gzip.h"
#include "codec/inflate_stream.h"
#include "codec/pbread.h"
#include "util/err.h"
#include "util/membuf.h"

#define CHUNK (256 * 1024)

struct gz_stream {
	int fd, eof;
	int zinit;      /* 0: nothing read; 1: zlib set up; 2: passed raw input through */
	const char *name;
	size_t cap;
	z_stream zs;
	uint8_t *in;    /* CHUNK bytes of input, from zs.next_in */
	uint8_t *out;   /* the item handed out */
};

struct gz_stream *
gz_stream_new(int fd, const char *name, size_t cap)
{
	struct gz_stream *s = xcalloc(1, sizeof *s);

	s->fd = fd;
	s->name = name;
	s->cap = cap;
	s->in = xmalloc(CHUNK);
	return s;
}

/* fill reads more input when the buffer is empty; 0 at EOF. */
static int
fill(struct gz_stream *s)
{
	ssize_t n;

	if (s->zs.avail_in > 0)
		return 1;
	if (s->eof)
		return 0;
	do
		n = read(s->fd, s->in, CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		seterr("%s: read:", s->name);
		return GZS_READ_ERROR;
	}
	if (n == 0) {
		s->eof = 1;
		return 0;
	}
	s->zs.next_in = s->in;
	s->zs.avail_in = (uInt)n;
	return 1;
}

/* pass_through hands out input that is not gzip: everything up to EOF. */
static int
pass_through(struct gz_stream *s, const uint8_t **out, size_t *len)
{
	uint8_t *rest;
	size_t restlen;
	int got;

	if (pbwire_sniff(s->zs.next_in, s->zs.avail_in) < 0) {
		seterr("%s: %s", s->name, errmsg());
		return GZS_BAD_DATA;
	}
	if ((got = read_fd_capped(s->fd, 0, s->cap, s->name, &rest, &restlen)) < 0)
		return got == -1 ? GZS_READ_ERROR : GZS_BAD_DATA;
	s->out = xmalloc(s->zs.avail_in + restlen + 1);
	memcpy(s->out, s->zs.next_in, s->zs.avail_in);
	memcpy(s->out + s->zs.avail_in, rest, restlen);
	free(rest);
	*out = s->out;
	*len = s->zs.avail_in + restlen;
	s->zs.avail_in = 0;
	s->eof = 1;
	s->zinit = 2;
	return 1;
}

/* start_member sets zlib up for the member at the read position; 1 to go
 * on, or what gz_stream_next returns. */
static int
start_member(struct gz_stream *s, const uint8_t **out, size_t *len)
{
	int f;

	if ((f = fill(s)) <= 0)
		return f;
	if (!s->zinit) {
		if (s->zs.avail_in < 2 && (f = fill(s)) < 0)
			return f;
		if (!is_gzip(s->zs.next_in, s->zs.avail_in))
			return pass_through(s, out, len);
		if (inflateInit2(&s->zs, 16 + 15) != Z_OK)
			die("zlib: out of memory");
		s->zinit = 1;
		return 1;
	}
	if (s->zinit == 2)
		return 0;
	if (!is_gzip(s->zs.next_in, s->zs.avail_in) && s->zs.avail_in >= 2) {
		seterr("%s: trailing data after gzip member", s->name);
		return GZS_BAD_DATA;
	}
	inflateReset(&s->zs);
	return 1;
}

/* grow doubles the output buffer up to the cap; -1 past it. */
static int
grow(struct gz_stream *s, size_t *size)
{
	size_t used = *size;

	if (*size >= s->cap) {
		seterr("%s: decompressed size exceeds the limit of %zu bytes",
		    s->name, s->cap);
		return -1;
	}
	*size = *size > s->cap / 2 ? s->cap : *size * 2;
	s->out = xrealloc(s->out, *size);
	s->zs.next_out = s->out + used;
	s->zs.avail_out = (uInt)(*size - used);
	return 0;
}

int
gz_stream_next(struct gz_stream *s, const uint8_t **out, size_t *len)
{
	size_t size = 1 << 20;
	int f, z;

	free(s->out);
	s->out = NULL;
	if ((f = start_member(s, out, len)) <= 0 || s->zinit == 2)
		return f;
	s->out = xmalloc(size);
	s->zs.next_out = s->out;
	s->zs.avail_out = (uInt)size;
	while ((z = inflate(&s->zs, Z_NO_FLUSH)) != Z_STREAM_END) {
		if (z != Z_OK && z != Z_BUF_ERROR) {
			seterr("%s: corrupt gzip data%s%s", s->name,
			    s->zs.msg ? ": " : "", s->zs.msg ? s->zs.msg : "");
			return GZS_BAD_DATA;
		}
		if (s->zs.avail_out == 0) {
			if (grow(s, &size) < 0)
				return GZS_BAD_DATA;
			continue;
		}
		if (s->zs.avail_in == 0) {
			if ((f = fill(s)) < 0)
				return f;
			if (f == 0) {
				seterr("%s: truncated gzip data", s->name);
				return GZS_BAD_DATA;
			}
		}
	}
	*out = s->out;
	*len = size - s->zs.avail_out;
	return 1;
}

void
gz_stream_free(struct gz_stream *s)
{
	if (!s)
		return;
	if (s->zinit == 1)
		inflateEnd(&s->zs);
	free(s->in);
	free(s->out);
	free(s);
}

size_t
gz_peek(const uint8_t *in, size_t inlen, uint8_t *buf, size_t n)
{
	z_stream zs;
	size_t got;

	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return 0;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.next_out = buf;
	/* a gzip member holds at most 4 GiB per call's avail_in; the head is
	 * in the first bytes anyway */
	zs.avail_in = inlen > UINT32_MAX ? UINT32_MAX : (uInt)inlen;
	zs.avail_out = (uInt)n;
	while (zs.avail_out > 0 && inflate(&zs, Z_NO_FLUSH) == Z_OK)
		;
	got = n - zs.avail_out;
	inflateEnd(&zs);
	return got;
}
