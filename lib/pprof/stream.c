/* Reading one or many profiles from a file or stdin. A regular file is read
 * whole and inflated member by member with libdeflate; a pipe is inflated as
 * a stream with zlib, one member (one profile) at a time, so a long stream of
 * fetched profiles never sits in memory at once. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "codec/gzip.h"
#include "pprof/stream.h"
#include "util/err.h"

#define CHUNK (256 * 1024)

struct pfreader {
	char *name;
	int fd, is_stdin, streaming, done;
	size_t cap;
	/* whole-file mode */
	uint8_t *data;
	size_t len, pos;
	/* the current profile handed out */
	uint8_t *out;
	size_t outlen;
	/* stream mode */
	z_stream zs;
	int zinit;
	uint8_t *in;
	size_t inlen;   /* valid bytes in in, from zs.next_in */
	int eof;
};

/* read_full reads fd to EOF into a malloc'd buffer, at most cap bytes. */
static int
read_full(int fd, size_t hint, size_t cap, const char *name, uint8_t **out, size_t *outlen)
{
	size_t size = hint ? hint + 1 : 65536, len = 0;
	uint8_t *buf = xmalloc(size);
	ssize_t n;

	for (;;) {
		if (len == size) {
			if (size > cap) {
				free(buf);
				seterr("%s: input exceeds the limit of %zu bytes", name, cap);
				return -1;
			}
			size *= 2;
			buf = xrealloc(buf, size);
		}
		n = read(fd, buf + len, size - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			seterr("%s: read:", name);
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

struct pfreader *
pfreader_open(const char *path, size_t cap)
{
	struct pfreader *r = xcalloc(1, sizeof *r);
	struct stat st;

	r->cap = cap ? cap : default_size_cap();
	if (!path || !strcmp(path, "-")) {
		r->fd = 0;
		r->is_stdin = 1;
		r->name = xstrdup("<stdin>");
	} else {
		r->name = xstrdup(path);
		if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			seterr("%s:", path);
			free(r->name);
			free(r);
			return NULL;
		}
	}
	if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		/* Compressed input may be at most the cap too: larger cannot
		 * decompress to less (the ratio is at least 1:1 with gzip
		 * overhead aside). */
		if (read_full(r->fd, (size_t)st.st_size, r->cap + (r->cap >> 4) + 4096,
		    r->name, &r->data, &r->len) < 0) {
			pfreader_close(r);
			return NULL;
		}
	} else if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		seterr("%s: is a directory", r->name);
		pfreader_close(r);
		return NULL;
	} else {
		r->streaming = 1;
		r->in = xmalloc(CHUNK);
	}
	return r;
}

const char *
pfreader_name(const struct pfreader *r)
{
	return r->name;
}

static int
next_whole(struct pfreader *r, const uint8_t **buf, size_t *len)
{
	size_t used;

	if (r->pos >= r->len) {
		if (r->len == 0 && !r->done) {
			r->done = 1;
			seterr("%s: empty input", r->name);
			return -1;
		}
		return 0;
	}
	if (!is_gzip(r->data + r->pos, r->len - r->pos)) {
		if (r->pos > 0) {
			seterr("%s: trailing data after gzip member at offset %zu",
			    r->name, r->pos);
			return -1;
		}
		/* a raw protobuf profile: the whole input */
		r->pos = r->len;
		*buf = r->data;
		*len = r->len;
		return 1;
	}
	if (gz_inflate_member(r->data + r->pos, r->len - r->pos, r->cap,
	    &r->out, &r->outlen, &used) < 0) {
		seterr("%s: %s (gzip member at offset %zu)", r->name, errmsg(), r->pos);
		r->pos = r->len;
		return -1;
	}
	r->pos += used;
	*buf = r->out;
	*len = r->outlen;
	return 1;
}

/* fill reads more input when the buffer is empty; 0 at EOF. */
static int
fill(struct pfreader *r)
{
	ssize_t n;

	if (r->zs.avail_in > 0)
		return 1;
	if (r->eof)
		return 0;
	do
		n = read(r->fd, r->in, CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		seterr("%s: read:", r->name);
		return -1;
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->zs.next_in = r->in;
	r->zs.avail_in = (uInt)n;
	return 1;
}

static int
next_stream(struct pfreader *r, const uint8_t **buf, size_t *len)
{
	size_t size = 1 << 20;
	int f, z;

	if ((f = fill(r)) <= 0) {
		if (f == 0 && !r->zinit) {
			seterr("%s: empty input", r->name);
			return -1;
		}
		return f;
	}
	if (!r->zinit) {
		if (r->zs.avail_in < 2 && fill(r) < 0)
			return -1;
		if (!is_gzip(r->zs.next_in, r->zs.avail_in)) {
			/* raw protobuf: everything up to EOF is one profile */
			uint8_t *rest;
			size_t restlen;

			if (read_full(r->fd, 0, r->cap, r->name, &rest, &restlen) < 0)
				return -1;
			r->out = xmalloc(r->zs.avail_in + restlen + 1);
			memcpy(r->out, r->zs.next_in, r->zs.avail_in);
			memcpy(r->out + r->zs.avail_in, rest, restlen);
			free(rest);
			*buf = r->out;
			*len = r->zs.avail_in + restlen;
			r->zs.avail_in = 0;
			r->eof = 1;
			r->zinit = 2;
			return 1;
		}
		if (inflateInit2(&r->zs, 16 + 15) != Z_OK)
			die("zlib: out of memory");
		r->zinit = 1;
	} else if (r->zinit == 2) {
		return 0;
	} else {
		if (!is_gzip(r->zs.next_in, r->zs.avail_in) && r->zs.avail_in >= 2) {
			seterr("%s: trailing data after gzip member", r->name);
			return -1;
		}
		inflateReset(&r->zs);
	}
	r->out = xrealloc(r->out, size);
	r->zs.next_out = r->out;
	r->zs.avail_out = (uInt)size;
	for (;;) {
		z = inflate(&r->zs, Z_NO_FLUSH);
		if (z == Z_STREAM_END)
			break;
		if (z != Z_OK && z != Z_BUF_ERROR) {
			seterr("%s: corrupt gzip data%s%s", r->name,
			    r->zs.msg ? ": " : "", r->zs.msg ? r->zs.msg : "");
			return -1;
		}
		if (r->zs.avail_out == 0) {
			size_t used = size;

			if (size >= r->cap) {
				seterr("%s: decompressed size exceeds the limit of %zu bytes",
				    r->name, r->cap);
				return -1;
			}
			size = size > r->cap / 2 ? r->cap : size * 2;
			r->out = xrealloc(r->out, size);
			r->zs.next_out = r->out + used;
			r->zs.avail_out = (uInt)(size - used);
			continue;
		}
		if (r->zs.avail_in == 0) {
			if ((f = fill(r)) < 0)
				return -1;
			if (f == 0) {
				seterr("%s: truncated gzip data", r->name);
				return -1;
			}
		}
	}
	*buf = r->out;
	*len = size - r->zs.avail_out;
	return 1;
}

int
pfreader_next(struct pfreader *r, const uint8_t **buf, size_t *len)
{
	int got;

	free(r->out);
	r->out = NULL;
	if (r->done)
		return 0;
	got = r->streaming ? next_stream(r, buf, len) : next_whole(r, buf, len);
	if (got <= 0)
		r->done = 1;
	return got;
}

void
pfreader_close(struct pfreader *r)
{
	if (!r)
		return;
	if (r->zinit == 1)
		inflateEnd(&r->zs);
	if (!r->is_stdin && r->fd >= 0)
		close(r->fd);
	free(r->data);
	free(r->out);
	free(r->in);
	free(r->name);
	free(r);
}
