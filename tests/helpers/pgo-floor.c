/* pgo-floor: the floor under a merge, for `make bench`: read and inflate every
 * input, then deflate the merged result, with the same library and level as
 * pprof-merge, and nothing else. usage: pgo-floor -z level -r merged.raw input...
 * (merged.raw is the merge's output as raw protobuf, from pprof-merge -z 0). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "codec/gzip.h"
#include "pprof/load.h"
#include "util/err.h"

int
main(int argc, char *argv[])
{
	const char *rawpath = NULL;
	int c, level = 1, i;
	size_t total = 0;
	const uint8_t *buf;
	size_t len;
	struct profile_stream *r;
	uint8_t *gz;
	size_t gzlen;
	uint8_t *copy;

	setprogname(argv[0]);
	while ((c = getopt(argc, argv, "r:z:")) != -1) {
		switch (c) {
		case 'r': rawpath = optarg; break;
		case 'z': level = atoi(optarg); break;
		default: diex(2, "usage: pgo-floor -z level -r merged.raw input...");
		}
	}
	if (!rawpath || optind == argc)
		diex(2, "usage: pgo-floor -z level -r merged.raw input...");
	for (i = optind; i < argc; i++) {
		r = profile_stream_open(argv[i], 0);
		while ((c = profile_stream_next(r, &buf, &len)) > 0)
			total += len;
		if (c < 0)
			die("%s", errmsg());
		profile_stream_close(r);
	}
	r = profile_stream_open(rawpath, 0);
	if (profile_stream_next(r, &buf, &len) <= 0)
		die("%s: %s", rawpath, errmsg());
	if (level > 0) {
		if (gz_deflate(buf, len, level, &gz, &gzlen) < 0)
			die("%s", errmsg());
		free(gz);
	} else {
		/* level 0 writes raw: the floor is the copy */
		copy = xmalloc(len);
		for (size_t k = 0; k < len; k++)
			copy[k] = buf[k];
		free(copy);
	}
	profile_stream_close(r);
	printf("%zu\n", total);
	return 0;
}
