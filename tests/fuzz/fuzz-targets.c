/* libFuzzer target for pprof-fetch's targets: the input as a targets file
 * (read through a memfd's /proc path, as pprof-fetch -f reads a file) and
 * its first line as one command-line target; every target parsed gets its
 * file stem made. Nothing may crash or leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "net/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
stems(struct targets *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		char *s = target_file_stem(t->v[i].host, t->v[i].port);

		if (strpbrk(s, ":/"))
			abort();	/* a stem is a file name */
		free(s);
	}
	targets_free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct targets t = { 0 };
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n1 = nl ? (size_t)(nl - data) : size;
	char *first = malloc(n1 + 1), path[64];
	int fd;

	memcpy(first, data, n1);
	first[n1] = '\0';
	if (strlen(first) == n1)
		(void)targets_add(&t, first, 30);
	free(first);
	stems(&t);

	if ((fd = memfd_create("targets", 0)) < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		(void)targets_read(&t, path, 30);
		stems(&t);
	}
	close(fd);
	return 0;
}
