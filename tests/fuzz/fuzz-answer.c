/* libFuzzer target for what pprof-fetch makes of an HTTP answer (a Go
 * /debug/pprof endpoint's or a Pyroscope SelectMergeProfile answer): the
 * first byte picks the status, the Content-Type and whether an empty answer
 * is fine (Pyroscope); the rest is the body. fetch_check must classify any
 * body without crashing or leaking, and a body it accepts must come with a
 * gzip member that decodes to a profile. */
#include <stdint.h>
#include <stdlib.h>

#include "codec/gzip.h"
#include "net/answer.h"
#include "pprof/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long status[] = { 200, 200, 200, 404, 500, 503, 401, 302 };
	static const char *ctype[] = { NULL, "application/octet-stream",
	    "text/html; charset=utf-8", "text/plain", "application/json",
	    "application/proto", "", "application/x-gzip" };
	struct fetch_res rs = { 0 };
	struct checked c;
	uint8_t *raw;
	size_t len, used;

	if (size < 1)
		return 0;
	rs.status = status[data[0] & 7];
	rs.ctype = ctype[(data[0] >> 3) & 7];
	rs.body = data + 1;
	rs.len = size - 1;
	rs.attempts = 1;
	fetch_check(&rs, data[0] >> 6 & 1, 16 << 20, &c);
	if (c.kind == ANSWER_PROFILE) {
		struct profile *p;

		if (!c.prof || !c.gz || !is_gzip(c.gz, c.gzlen) ||
		    gz_inflate_member(c.gz, c.gzlen, 16 << 20, &raw, &len, &used) < 0)
			abort();
		if (!(p = profile_decode(raw, len)))
			abort();
		profile_free(p);
		free(raw);
	}
	checked_free(&c);
	return 0;
}
