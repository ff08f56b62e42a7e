/* libFuzzer target for gzip member handling: the whole-buffer inflater
 * (libdeflate, gz_inflate_member, member after member as the loader walks
 * them) and the streaming one (zlib, gz_stream_next, reading a pipe) take
 * the same bytes; wherever both hand out member i, it must be the same
 * bytes, and zlib must agree with what gz_inflate_member accepts. Then a
 * gz_deflate round trip of the input must give it back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>

#include "codec/gzip.h"
#include "codec/inflate_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP ((size_t)1 << 20)
#define MAXMEMBERS 16

/* zlib_member inflates one gzip member at in with zlib; its size, or -1. */
static long
zlib_member(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap)
{
	z_stream z = { 0 };
	long n = -1;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -1;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)inlen;
	z.next_out = out;
	z.avail_out = (uInt)outcap;
	if (inflate(&z, Z_FINISH) == Z_STREAM_END)
		n = (long)z.total_out;
	inflateEnd(&z);
	return n;
}

static void
stream_compare(const uint8_t *data, size_t size, uint8_t **mem, size_t *mlen, int nmem)
{
	int fd = memfd_create("fuzz-gzip", 0), i, r;
	struct gz_stream *s;
	const uint8_t *p;
	size_t n;

	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return;
	}
	s = gz_stream_new(fd, "fuzz", CAP);
	for (i = 0; (r = gz_stream_next(s, &p, &n)) == 1 && i < MAXMEMBERS; i++)
		if (i < nmem && is_gzip(data, size) && (n != mlen[i] || memcmp(p, mem[i], n)))
			abort();	/* the two inflaters disagree on member i */
	gz_stream_free(s);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *z;
	uint8_t *mem[MAXMEMBERS], *gz, *back;
	size_t mlen[MAXMEMBERS], off = 0, used, gzlen, blen;
	int nmem = 0, i;

	if (!z)
		z = malloc(CAP + 1);
	while (off < size && nmem < MAXMEMBERS && is_gzip(data + off, size - off)) {
		long zn;

		if (gz_inflate_member(data + off, size - off, CAP, &mem[nmem], &mlen[nmem],
		    &used) < 0)
			break;
		if (used == 0 || used > size - off)
			abort();
		zn = zlib_member(data + off, size - off, z, CAP + 1);
		if (zn < 0 || (size_t)zn != mlen[nmem] || memcmp(z, mem[nmem], mlen[nmem]))
			abort();	/* libdeflate accepted what zlib reads otherwise */
		off += used;
		nmem++;
	}
	stream_compare(data, size, mem, mlen, nmem);
	for (i = 0; i < nmem; i++)
		free(mem[i]);
	if (size <= 4096 && gz_deflate(data, size, 1 + size % 6, &gz, &gzlen) == 0) {
		if (gz_inflate_member(gz, gzlen, CAP, &back, &blen, &used) < 0 ||
		    blen != size || used != gzlen || memcmp(back, data, size))
			abort();
		free(back);
		free(gz);
	}
	return 0;
}
