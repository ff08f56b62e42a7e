/* Walking protobuf wire format to say exactly where and why a profile fails
 * to parse. protobuf-c only reports failure; this walk runs after one and
 * names the offset and the fault (bad varint, truncated field, bad wire type). */
#include <stdint.h>
#include <stddef.h>

#include "codec/gzip.h"
#include "codec/pbread.h"
#include "util/err.h"

/* Which fields of which message hold sub-messages, by pprof's schema. */
enum msg { M_PROFILE, M_VALUETYPE, M_SAMPLE, M_LABEL, M_MAPPING, M_LOCATION, M_LINE, M_FUNCTION, M_NONE };

static enum msg
submessage(enum msg m, uint64_t field)
{
	switch (m) {
	case M_PROFILE:
		switch (field) {
		case 1: case 11: return M_VALUETYPE;
		case 2: return M_SAMPLE;
		case 3: return M_MAPPING;
		case 4: return M_LOCATION;
		case 5: return M_FUNCTION;
		}
		break;
	case M_SAMPLE:
		if (field == 3)
			return M_LABEL;
		break;
	case M_LOCATION:
		if (field == 4)
			return M_LINE;
		break;
	default:
		break;
	}
	return M_NONE;
}

static const char *const msgname[] = {
	"Profile", "ValueType", "Sample", "Label", "Mapping", "Location", "Line", "Function",
};

/* read_varint: 0 ok, -1 truncated, -2 longer than 10 bytes. */
static int
read_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < 10; i++) {
		if (*pos + i >= len)
			return -1;
		x |= (uint64_t)(p[*pos + i] & 0x7f) << (7 * i);
		if (!(p[*pos + i] & 0x80)) {
			*pos += i + 1;
			*v = x;
			return 0;
		}
	}
	return -2;
}

static int
walk(const uint8_t *buf, size_t base, size_t len, enum msg m, int depth)
{
	size_t pos = 0, start;
	uint64_t key, v;
	int r;

	while (pos < len) {
		start = pos;
		if ((r = read_varint(buf + base, len, &pos, &key)) < 0) {
			seterr("%s: %s field key at offset %zu", msgname[m],
			    r == -1 ? "truncated" : "bad varint in", base + start);
			return -1;
		}
		if ((key >> 3) == 0) {
			seterr("%s: field number 0 at offset %zu", msgname[m], base + start);
			return -1;
		}
		switch (key & 7) {
		case 0:
			if ((r = read_varint(buf + base, len, &pos, &v)) < 0) {
				seterr("%s: field %llu: %s at offset %zu", msgname[m],
				    (unsigned long long)(key >> 3),
				    r == -1 ? "truncated varint" : "bad varint", base + start);
				return -1;
			}
			break;
		case 1:
			if (len - pos < 8)
				goto truncated;
			pos += 8;
			break;
		case 5:
			if (len - pos < 4)
				goto truncated;
			pos += 4;
			break;
		case 2:
			if ((r = read_varint(buf + base, len, &pos, &v)) < 0) {
				seterr("%s: field %llu: %s length at offset %zu", msgname[m],
				    (unsigned long long)(key >> 3),
				    r == -1 ? "truncated" : "bad varint in", base + start);
				return -1;
			}
			if (v > len - pos)
				goto truncated;
			if (submessage(m, key >> 3) != M_NONE && depth < 4 &&
			    walk(buf, base + pos, (size_t)v, submessage(m, key >> 3), depth + 1) < 0)
				return -1;
			if (submessage(m, key >> 3) == M_NONE && m != M_PROFILE) {
				/* packed repeated scalars: every element a varint */
				size_t q = 0;
				uint64_t e;

				while (q < v) {
					size_t at = q;

					if ((r = read_varint(buf + base + pos, (size_t)v, &q, &e)) < 0) {
						seterr("%s: field %llu: %s in packed data at offset %zu",
						    msgname[m], (unsigned long long)(key >> 3),
						    r == -1 ? "truncated varint" : "bad varint",
						    base + pos + at);
						return -1;
					}
				}
			}
			pos += (size_t)v;
			break;
		default:
			seterr("%s: invalid wire type %llu at offset %zu", msgname[m],
			    (unsigned long long)(key & 7), base + start);
			return -1;
		}
		continue;
truncated:
		seterr("%s: field %llu truncated at offset %zu", msgname[m],
		    (unsigned long long)(key >> 3), base + start);
		return -1;
	}
	return 0;
}

int
pbwire_diagnose(const uint8_t *buf, size_t len)
{
	return walk(buf, 0, len, M_PROFILE, 0);
}

int
pbwire_sniff(const uint8_t *buf, size_t n)
{
	uint64_t key = 0;
	size_t i;

	if (is_gzip(buf, n)) {
		seterr("gzip inside gzip: the profile is compressed twice");
		return -1;
	}
	/* the key: a varint of at most 5 bytes (field numbers < 2^29) */
	for (i = 0; i < n && i < 5; i++) {
		key |= (uint64_t)(buf[i] & 0x7f) << (7 * i);
		if (!(buf[i] & 0x80))
			break;
	}
	if (n == 0 || (i == n && i < 5))
		return 0;       /* too short to tell: let the decoder say */
	if (i == 5 || (key >> 3) == 0 || ((key & 7) != 0 && (key & 7) != 1 &&
	    (key & 7) != 2 && (key & 7) != 5)) {
		seterr("not a profile: neither gzip nor protobuf (first byte 0x%02x)",
		    buf[0]);
		return -1;
	}
	return 0;
}
