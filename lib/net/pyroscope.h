/* Talking to Grafana Pyroscope (shared/reference/pyroscope.md): the
 * SelectMergeProfile request in protobuf, the times its users type, and the
 * split of a long window into the chunks of at most 24h the server accepts. */
#ifndef PGOKIT_PYROSCOPE_H
#define PGOKIT_PYROSCOPE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PYRO_DEFAULT_TYPE "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
#define PYRO_MAX_WINDOW_MS (24LL * 3600 * 1000)
/* At most this many chunks per run: a year of 24h requests. A longer
 * window is refused before any request (and before any plan is made). */
#define PYRO_MAX_CHUNKS 366
#define PYRO_SELECT_PATH "/querier.v1.QuerierService/SelectMergeProfile"

struct pyro_query {
	const char *type;	/* profile_typeID */
	const char *selector;	/* label_selector, e.g. {service_name="x"} */
	int64_t start_ms, end_ms;
	int keep_locations;	/* > 0: send StackTraceSelector.go_pgo */
	int aggregate_callees;
};

/* pyro_parse_time reads "now", "now-1h" (s, m, h, d, w), RFC 3339
 * ("2026-11-27T08:00:00Z", "...+02:00", fractions; a date that does not
 * exist, such as February 31, is refused, not moved on) or unix seconds
 * into milliseconds since the epoch. -1 with seterr() when it is none of
 * these or before 1970. */
int pyro_parse_time(const char *s, int64_t now_ms, int64_t *out_ms);

/* pyro_encode_select serializes a SelectMergeProfileRequest (malloc'd). */
uint8_t *pyro_encode_select(const struct pyro_query *q, size_t *len);

/* pyro_chunk_count is how many windows of at most max_ms [from, to) takes
 * (at least 1); nothing is allocated. */
size_t pyro_chunk_count(int64_t from, int64_t to, int64_t max_ms);

/* pyro_chunks splits [from, to) into windows of at most max_ms; returns the
 * count and *starts (count + 1 boundaries, malloc'd). Check the count with
 * pyro_chunk_count first: it is allocated. */
size_t pyro_chunks(int64_t from, int64_t to, int64_t max_ms, int64_t **bounds);

/* pyro_select_url is base (trailing '/' dropped) + PYRO_SELECT_PATH. */
char *pyro_select_url(const char *base);

/* pyro_valid_selector: does s look like a label selector "{...}". */
int pyro_valid_selector(const char *s);

#endif
