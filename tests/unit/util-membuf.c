/* Unit tests for read_fd_capped (lib/util/membuf.h): an input of exactly
 * the cap is read, one byte more is refused, whatever the size hint says
 * and however far the cap is from a power of two; it never holds more
 * than cap + 1 bytes. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "util/membuf.h"

/* read_n writes n bytes into an unlinked file and reads them
 * back with cap and hint: read_fd_capped's result. */
static int
read_n(size_t n, size_t cap, size_t hint, size_t *got)
{
	char path[] = "/tmp/util-membuf.XXXXXX";
	unsigned char *data = NULL, *buf = calloc(1, n + 1);
	int fd = mkstemp(path), rc;

	unlink(path);
	if (fd < 0 || !buf || write(fd, buf, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0)
		return -9;
	*got = 0;
	rc = read_fd_capped(fd, hint, cap, "in", &data, got);
	close(fd);
	free(buf);
	free(data);
	return rc;
}

int
main(void)
{
	size_t got;

	ok(read_n(1000, 1000, 0, &got) == 0 && got == 1000, "exactly the cap is read");
	ok(read_n(1001, 1000, 0, &got) == -2, "one byte over the cap is refused");
	ok(read_n(100000, 65536 + 1, 0, &got) == -2,
	    "past a cap just over the first buffer: refused, not doubled");
	ok(read_n(5 << 20, 4 << 20, 0, &got) == -2,
	    "5 MiB against a 4 MiB cap: refused (the buffer once doubled to 8 MiB)");
	ok(read_n(4 << 20, 4 << 20, 0, &got) == 0 && got == (size_t)4 << 20,
	    "4 MiB against a 4 MiB cap: read");
	ok(read_n(3000, 2000, 100, &got) == -2, "a small hint changes nothing");
	ok(read_n(3000, 2000, 1 << 30, &got) == -2, "a huge hint is not allocated");
	ok(read_n(0, 0, 0, &got) == 0 && got == 0, "an empty input under a cap of 0");
	ok(read_n(1, 0, 0, &got) == -2, "one byte over a cap of 0");
	return tap_done();
}
