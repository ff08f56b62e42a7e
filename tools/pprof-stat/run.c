/* pprof-stat's input: a file or stdin holding one profile or several
 * concatenated gzip members; several are merged one at a time so memory
 * follows the merged result, not the sum of the inputs. */
#include <stdio.h>
#include <string.h>

#include "pprof/merge.h"
#include "pprof/stream.h"
#include "run.h"
#include "util/err.h"

struct profile *stat_input(const char *path, size_t cap, int *nprofiles, size_t *rawlen)
{
	struct pfreader *r = pfreader_open(path, cap);
	struct profile *first = NULL;
	struct merger *m = NULL;
	const uint8_t *buf;
	size_t len;
	int got, n = 0;
	char name[512];

	*nprofiles = 0;
	*rawlen = 0;
	if (!r)
		return NULL;
	snprintf(name, sizeof(name), "%s", pfreader_name(r));
	while ((got = pfreader_next(r, &buf, &len)) > 0) {
		n++;
		if (n == 1) {   /* kept decoded: it may be the only one */
			if (!(first = profile_decode(buf, len))) {
				seterr("%s: %s", name, errmsg());
				goto fail;
			}
			*rawlen = len;
			continue;
		}
		if (!m) {
			m = merger_new(&(struct merge_opts){ 0 });
			if (merger_add(m, first, 1.0) < 0) {
				seterr("%s: profile 1: %s", name, errmsg());
				goto fail;
			}
			profile_free(first);
			first = NULL;
		}
		if (merger_add_bytes(m, buf, len, 1.0) < 0) {
			seterr("%s: profile %d: %s", name, n, errmsg());
			goto fail;
		}
	}
	if (got < 0) {
		char e[1024];
		snprintf(e, sizeof(e), "%s", errmsg());
		if (strncmp(e, name, strlen(name)))
			seterr("%s: %s", name, e);
		goto fail;
	}
	pfreader_close(r);
	*nprofiles = n;
	if (m) {
		*rawlen = 0;
		struct profile *out = merger_finish(m);
		if (!out)
			seterr("%s: %s", name, errmsg());
		return out;
	}
	return first;
fail:
	pfreader_close(r);
	if (first)
		profile_free(first);
	if (m) {
		struct profile *junk = merger_finish(m);
		if (junk)
			profile_free(junk);
	}
	return NULL;
}
