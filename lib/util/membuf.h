/* A growable byte buffer: HTTP bodies, JSON documents and layer blobs are
 * collected in one before they are hashed, sent or written out. */
#ifndef PGOKIT_MEMBUF_H
#define PGOKIT_MEMBUF_H

#include <stddef.h>

struct membuf {
	char *data;	/* always NUL-terminated when non-NULL */
	size_t len, cap;
};

void membuf_append(struct membuf *b, const void *p, size_t n);
void membuf_puts(struct membuf *b, const char *s);
/* membuf_take returns the data (NUL-terminated, never NULL) and empties b. */
char *membuf_take(struct membuf *b);
void membuf_free(struct membuf *b);
/* membuf_read_file reads all of path into b; -1 with seterr() on failure. */
int membuf_read_file(struct membuf *b, const char *path);

/* read_fd_capped reads fd to EOF into a malloc'd buffer (*out, *outlen),
 * hint being the expected size (0 = unknown). More than cap bytes is an
 * error: profiles are bounded before they are read, not after. 0 on
 * success; -1 read error, -2 over the cap, both with seterr("name: why"). */
int read_fd_capped(int fd, size_t hint, size_t cap, const char *name,
    unsigned char **out, size_t *outlen);

#endif
