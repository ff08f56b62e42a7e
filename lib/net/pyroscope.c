/* Pyroscope request encoding and time arithmetic. The request is four or six
 * protobuf fields, so it is written with the library's protobuf writer
 * (codec/pbwrite.h) rather than through a generated .proto: fewer build
 * steps for a few varints. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/pbwrite.h"
#include "net/pyroscope.h"
#include "util/err.h"

/* put_varint_field writes a varint field even when it is zero: the
 * window's times are always sent, as the server expects both. */
static void
put_varint_field(struct pbw *w, unsigned field, uint64_t v)
{
	pbw_varint(w, (uint64_t)field << 3);
	pbw_varint(w, v);
}

uint8_t *
pyro_encode_select(const struct pyro_query *q, size_t *len)
{
	struct pbw b = { 0 };

	pbw_bytes(&b, 1, q->type, strlen(q->type));
	pbw_bytes(&b, 2, q->selector, strlen(q->selector));
	/* int64 fields: negative values would be 10-byte varints; times are
	 * positive. */
	put_varint_field(&b, 3, (uint64_t)q->start_ms);
	put_varint_field(&b, 4, (uint64_t)q->end_ms);
	if (q->keep_locations > 0) {
		/* StackTraceSelector{ go_pgo: GoPGO{ keep_locations,
		 * aggregate_callees } }: sizes known up front, so no nested
		 * buffers. */
		size_t pgo = pb_field_size(1, (uint64_t)q->keep_locations) +
		    pb_field_size(2, q->aggregate_callees ? 1 : 0);

		pbw_len(&b, 6, pb_len_field_size(2, pgo));
		pbw_len(&b, 2, pgo);
		pbw_uint(&b, 1, (uint64_t)q->keep_locations);
		pbw_uint(&b, 2, q->aggregate_callees ? 1 : 0);
	}
	*len = b.len;
	/* The writer grows in 64 KiB steps; a request body is kept per chunk
	 * until the run ends, so it is cut to its size. */
	return xrealloc(b.buf, b.len);
}

/* days_from_civil: days since 1970-01-01 of a proleptic Gregorian date
 * (H. Hinnant's algorithm), so no timegm/TZ dependence. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* days_in_month of a proleptic Gregorian year. */
static int
days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

static int
digits(const char **s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return -1;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return 0;
}

static int
parse_rfc3339(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0;
	int64_t frac = 0, scale = 1000, t;
	int sign = 0;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' ||
	    digits(&s, 2, &d) || (*s != 'T' && *s != 't' && *s != ' '))
		return -1;
	s++;
	if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) || *s++ != ':' ||
	    digits(&s, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60)
		return -1;
	/* February 31 is refused, not taken for March 2 or 3. */
	if (d > days_in_month(y, mo))
		return -2;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			if (scale > 1) {
				scale /= 10;
				frac += (*s - '0') * scale;
			}
			s++;
		}
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) || *s++ != ':' || digits(&s, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else {
		return -1;
	}
	if (*s)
		return -1;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	*ms = t * 1000 + frac;
	return 0;
}

int
pyro_parse_time(const char *s, int64_t now_ms, int64_t *out)
{
	char *end;

	if (!strncmp(s, "now", 3)) {
		const char *r = s + 3;
		long long v;
		int64_t unit;

		if (!*r) {
			*out = now_ms;
			return 0;
		}
		if (*r != '-' || !isdigit((unsigned char)r[1]))
			goto bad;
		errno = 0;
		v = strtoll(r + 1, &end, 10);
		switch (*end) {
		case 's': unit = 1000; break;
		case 'm': unit = 60 * 1000; break;
		case 'h': unit = 3600 * 1000; break;
		case 'd': unit = 24LL * 3600 * 1000; break;
		case 'w': unit = 7 * 24LL * 3600 * 1000; break;
		default: goto bad;
		}
		if (errno || end[1] || v > 100LL * 365 * 24 * 3600)
			goto bad;
		*out = now_ms - v * unit;
		if (*out < 0) {
			seterr("%s: before 1970", s);
			return -1;
		}
		return 0;
	}
	if (isdigit((unsigned char)*s) && strspn(s, "0123456789") == strlen(s)) {
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno || v > 253402300799LL)	/* 9999-12-31 */
			goto bad;
		*out = (int64_t)v * 1000;
		return 0;
	}
	switch (parse_rfc3339(s, out)) {
	case 0:
		if (*out >= 0)
			return 0;
		seterr("%s: before 1970", s);
		return -1;
	case -2:
		seterr("%s: no such date", s);
		return -1;
	}
bad:
	seterr("%s: not a time (now, now-1h, now-3d, RFC 3339 or unix seconds)", s);
	return -1;
}

size_t
pyro_chunk_count(int64_t from, int64_t to, int64_t max_ms)
{
	/* Both ends lie between 1970 and 9999, so no sum overflows. */
	int64_t n = to > from ? (to - from + max_ms - 1) / max_ms : 1;

	return n > 0 ? (size_t)n : 1;
}

size_t
pyro_chunks(int64_t from, int64_t to, int64_t max_ms, int64_t **bounds)
{
	size_t n = pyro_chunk_count(from, to, max_ms);
	int64_t *b;

	b = xcalloc(n + 1, sizeof *b);
	/* Equal chunks rather than full 24h ones and a stub: each chunk is a
	 * profile of comparable weight. */
	for (size_t i = 0; i <= n; i++)
		b[i] = from + (int64_t)((__int128)(to - from) * (int64_t)i / (int64_t)n);
	*bounds = b;
	return n;
}

char *
pyro_select_url(const char *base)
{
	size_t n = strlen(base);
	char *s;

	while (n > 0 && base[n - 1] == '/')
		n--;
	if (asprintf(&s, "%.*s%s", (int)n, base, PYRO_SELECT_PATH) < 0)
		die("out of memory");
	return s;
}

int
pyro_valid_selector(const char *s)
{
	size_t n = strlen(s);

	return n >= 2 && s[0] == '{' && s[n - 1] == '}';
}
