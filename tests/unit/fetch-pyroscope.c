/* Unit tests for lib/pyroscope.c and lib/targets.c: times, chunks, the
 * SelectMergeProfile encoding, target parsing and file names. */
#include <stdlib.h>
#include <string.h>

#include "net/pyroscope.h"
#include "tap.h"
#include "net/targets.h"
#include "util/err.h"

static int64_t
t(const char *s, int64_t now)
{
	int64_t v = -42;

	if (pyro_parse_time(s, now, &v) < 0)
		return -1;
	return v;
}

int
main(void)
{
	const int64_t now = 1795770000123LL;	/* 2026-11-27T05:40:00.123Z */
	struct targets tg = { 0 };
	int64_t *b = NULL;
	size_t n, len;
	uint8_t *enc;
	char *s;

	ok(t("now", now) == now, "now");
	ok(t("now-1h", now) == now - 3600000, "now-1h");
	ok(t("now-3d", now) == now - 3 * 86400000LL, "now-3d");
	ok(t("now-30m", now) == now - 1800000, "now-30m");
	ok(t("now-90s", now) == now - 90000, "now-90s");
	ok(t("now-1w", now) == now - 7 * 86400000LL, "now-1w");
	ok(t("now-", now) == -1 && t("now-1y", now) == -1 && t("now+1h", now) == -1 &&
	    t("now-1hx", now) == -1, "bad relative times");
	ok(t("1700000000", now) == 1700000000000LL, "unix seconds");
	ok(t("1970-01-01T00:00:00Z", now) == 0, "epoch in RFC 3339");
	ok(t("2026-11-27T08:00:00Z", now) == 1795766400000LL, "RFC 3339 UTC");
	ok(t("2026-11-27T10:00:00+02:00", now) == 1795766400000LL, "RFC 3339 offset");
	ok(t("2026-11-27T07:30:00.5-00:30", now) == 1795766400500LL, "fraction, negative offset");
	ok(t("2024-02-29T00:00:00Z", now) == 1709164800000LL, "leap day");
	ok(t("2026-11-27", now) == -1 && t("2026-13-01T00:00:00Z", now) == -1 &&
	    t("2026-11-27T08:00:00", now) == -1 && t("yesterday", now) == -1 &&
	    t("", now) == -1, "not times");
	ok(t("2026-02-31T00:00:00Z", now) == -1 && t("2025-02-29T00:00:00Z", now) == -1 &&
	    t("2026-04-31T12:00:00Z", now) == -1 && t("1900-02-29T00:00:00Z", now) == -1,
	    "dates that do not exist are refused, not moved on");
	ok(t("2000-02-29T00:00:00Z", now) == 951782400000LL, "2000 is a leap year");
	ok(t("1969-12-31T23:59:59Z", now) == -1 && t("1970-01-01T00:30:00+01:00", now) == -1,
	    "before 1970 is refused");
	ok(pyro_chunk_count(0, 253402300799000LL, PYRO_MAX_WINDOW_MS) == 2932897,
	    "1970 to 9999 counted without a plan");
	ok(pyro_chunk_count(5, 5, PYRO_MAX_WINDOW_MS) == 1, "an empty window is one chunk");

	n = pyro_chunks(0, 3600000, PYRO_MAX_WINDOW_MS, &b);
	ok(n == 1 && b[0] == 0 && b[1] == 3600000, "one hour: one chunk");
	free(b);
	n = pyro_chunks(0, PYRO_MAX_WINDOW_MS, PYRO_MAX_WINDOW_MS, &b);
	ok(n == 1, "exactly 24h: one chunk");
	free(b);
	n = pyro_chunks(1000, 1000 + 3 * PYRO_MAX_WINDOW_MS + 1, PYRO_MAX_WINDOW_MS, &b);
	ok(n == 4 && b[0] == 1000 && b[4] == 1000 + 3 * PYRO_MAX_WINDOW_MS + 1,
	    "72h + 1 ms: four chunks covering the window");
	for (size_t i = 0; i < n; i++)
		ok(b[i + 1] > b[i] && b[i + 1] - b[i] <= PYRO_MAX_WINDOW_MS, "chunk %zu within 24h", i);
	free(b);

	{
		struct pyro_query q = { "a:b:c:d:e", "{}", 1, 300, 0, 0 };
		static const uint8_t want[] = {
			0x0a, 9, 'a', ':', 'b', ':', 'c', ':', 'd', ':', 'e',
			0x12, 2, '{', '}',
			0x18, 1,
			0x20, 0xac, 0x02,
		};

		enc = pyro_encode_select(&q, &len);
		ok(len == sizeof want && !memcmp(enc, want, len), "request encoding");
		free(enc);
		q.keep_locations = 5;
		q.aggregate_callees = 1;
		enc = pyro_encode_select(&q, &len);
		static const uint8_t tail[] = { 0x32, 6, 0x12, 4, 0x08, 5, 0x10, 1 };
		ok(len == sizeof want + sizeof tail && !memcmp(enc, want, sizeof want) &&
		    !memcmp(enc + sizeof want, tail, sizeof tail), "GoPGO stack trace selector");
		free(enc);
	}
	s = pyro_select_url("http://h:4040//");
	ok(!strcmp(s, "http://h:4040" PYRO_SELECT_PATH), "select URL: %s", s);
	free(s);
	ok(pyro_valid_selector("{}") && pyro_valid_selector("{a=\"b\"}") &&
	    !pyro_valid_selector("a=b") && !pyro_valid_selector("{"), "selectors");

	ok(targets_add(&tg, "127.0.0.1:6060", 30) == 0 &&
	    !strcmp(tg.v[0].url, "http://127.0.0.1:6060/debug/pprof/profile?seconds=30") &&
	    !strcmp(tg.v[0].host, "127.0.0.1") && tg.v[0].port == 6060, "host:port");
	ok(targets_add(&tg, "[::1]:80", 5) == 0 &&
	    !strcmp(tg.v[1].url, "http://[::1]:80/debug/pprof/profile?seconds=5") &&
	    !strcmp(tg.v[1].host, "::1"), "[v6]:port");
	ok(targets_add(&tg, "https://u:pw@example.com", 10) == 0 &&
	    !strcmp(tg.v[2].url, "https://u:pw@example.com/debug/pprof/profile?seconds=10") &&
	    !strcmp(tg.v[2].name, "https://example.com/debug/pprof/profile?seconds=10") &&
	    tg.v[2].port == 443, "URL without path: the profile endpoint; name without secrets");
	ok(targets_add(&tg, "http://h:1/debug/pprof/heap", 10) == 0 &&
	    !strcmp(tg.v[3].url, "http://h:1/debug/pprof/heap"), "URL with a path as is");
	ok(targets_add(&tg, "host", 1) < 0 && targets_add(&tg, "host:0", 1) < 0 &&
	    targets_add(&tg, "host:65536", 1) < 0 && targets_add(&tg, "a:b:1", 1) < 0 &&
	    targets_add(&tg, "ftp://h:1/", 1) < 0 && targets_add(&tg, "", 1) < 0 &&
	    tg.n == 4, "bad targets");
	s = target_file_stem("::1", 80);
	ok(!strcmp(s, "__1_80"), "file stem has no ':' (%s)", s);
	free(s);
	s = url_redact("http://user:secret@h:1/x?y=1");
	ok(!strstr(s, "secret") && !strstr(s, "user"), "redacted: %s", s);
	free(s);
	targets_free(&tg);
	return tap_done();
}
