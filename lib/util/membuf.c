/* A growable byte buffer that keeps a NUL after its data, so text bodies can
 * be used as C strings without a copy. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/membuf.h"
#include "util/err.h"

void
membuf_append(struct membuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
membuf_puts(struct membuf *b, const char *s)
{
	membuf_append(b, s, strlen(s));
}

char *
membuf_take(struct membuf *b)
{
	char *p;

	if (!b->data)
		membuf_append(b, "", 0);
	p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
membuf_free(struct membuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
membuf_read_file(struct membuf *b, const char *path)
{
	char tmp[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		seterr("%s:", path);
		return -1;
	}
	while ((n = read(fd, tmp, sizeof tmp)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			seterr("%s:", path);
			close(fd);
			return -1;
		}
		membuf_append(b, tmp, (size_t)n);
	}
	close(fd);
	membuf_append(b, "", 0);
	return 0;
}

int
read_fd_capped(int fd, size_t hint, size_t cap, const char *name,
    unsigned char **out, size_t *outlen)
{
	size_t size = hint ? hint + 1 : 65536, len = 0;
	unsigned char *buf;
	ssize_t n;

	/* Never room for more than cap + 1 bytes: one past the cap tells an
	 * input over it, whatever the hint said. */
	if (cap < SIZE_MAX && size > cap + 1)
		size = cap + 1;
	buf = xmalloc(size);
	for (;;) {
		if (len > cap) {
			free(buf);
			seterr("%s: input exceeds the limit of %zu bytes", name, cap);
			return -2;
		}
		if (len == size) {
			size = size <= cap / 2 ? size * 2 : cap + 1;
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
