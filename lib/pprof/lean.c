/* Lean loading: a regular file with one profile is inflated, the library
 * decodes its top-level fields other than samples, and the samples are
 * checked in place (location ids, value counts, label strings). Anything
 * unexpected falls back to the ordinary reader, so bad input still gets the
 * library's own message. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/gzip.h"
#include "pprof/lean.h"
#include "pprof/sampleiter.h"
#include "util/err.h"

static uint8_t *slurp(const char *path, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > cap) {
		close(fd);
		return NULL;
	}
	size_t n = (size_t)st.st_size, got = 0;
	uint8_t *buf = xmalloc(n);
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0) {
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
}

static int samples_valid(const struct profile *p, const uint8_t *raw, size_t len)
{
	struct sample_iter it;
	int got, ok = 1;
	sample_iter_init(&it, p, raw, len);
	while (ok && (got = sample_iter_next(&it)) == 1) {
		if (it.nval != p->pb->n_sample_type)
			ok = 0;
		for (size_t i = 0; ok && i < it.nloc; i++)
			if (idmap_get(&p->locs, it.loc[i]) < 0)
				ok = 0;
	}
	if (got < 0)
		ok = 0;
	sample_iter_free(&it);
	return ok;
}

int lean_load(const char *path, size_t cap, struct lean_profile *lp)
{
	uint8_t *file, *raw;
	size_t flen, len, used;

	memset(lp, 0, sizeof(*lp));
	if (!path || !strcmp(path, "-"))
		return 0;
	if (!(file = slurp(path, cap, &flen)))
		return 0;
	if (is_gzip(file, flen)) {
		raw = NULL;
		used = 0;
		if (gz_inflate_member(file, flen, cap, &raw, &len, &used) < 0) {
			free(file);
			return 0;
		}
		if (used != flen) {     /* more members: a stream to merge */
			free(raw);
			free(file);
			return 0;
		}
		free(file);
	} else {
		raw = file;
		len = flen;
	}
	return lean_from_raw(raw, len, lp);
}

struct profile *lean_view(const uint8_t *raw, size_t len)
{
	size_t n;

	return profile_decode_lean(raw, len, &n);
}

int lean_from_raw(uint8_t *raw, size_t len, struct lean_profile *lp)
{
	struct profile *p;

	memset(lp, 0, sizeof(*lp));
	if (!(p = profile_decode_lean(raw, len, &lp->nsample)) || !samples_valid(p, raw, len)) {
		if (p)
			profile_free(p);
		free(raw);
		return 0;
	}
	lp->p = p;
	lp->raw = raw;
	lp->len = len;
	return 1;
}

void lean_free(struct lean_profile *lp)
{
	if (lp->p)
		profile_free(lp->p);
	free(lp->raw);
	memset(lp, 0, sizeof(*lp));
}
