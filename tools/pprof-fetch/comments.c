/* Adding comments to a fetched profile without decoding and encoding it
 * again: protobuf concatenation appends to repeated fields, so the new
 * strings are appended to the string table (field 6) and their indices to
 * the comments (field 13), after the profile's own bytes, which stay as
 * the target sent them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/gzip.h"
#include "codec/pbwrite.h"
#include "codec/varint.h"
#include "comments.h"
#include "util/err.h"

#define FIELD_STRING_TABLE 6
#define FIELD_COMMENT 13

/* count_strings counts the string table entries of the raw profile p. */
static int
count_strings(const uint8_t *p, size_t len, uint64_t *n)
{
	size_t pos = 0;
	uint64_t tag;

	*n = 0;
	while (pos < len) {
		if (varint_read(p, len, &pos, &tag) < 0 ||
		    field_skip(p, len, &pos, (int)(tag & 7)) < 0) {
			seterr("not a well-formed profile at byte %zu", pos);
			return -1;
		}
		*n += tag >> 3 == FIELD_STRING_TABLE && (tag & 7) == 2;
	}
	return 0;
}

int
with_comments(const uint8_t *in, size_t len, size_t cap, char *const *labels,
    size_t nlabels, uint8_t **out, size_t *outlen)
{
	uint8_t *raw = NULL;
	size_t rawlen = len, used;
	const uint8_t *p = in;
	struct pbw w = { 0 };
	uint64_t nstr;
	int rc = -1;

	if (is_gzip(in, len)) {
		if (gz_inflate_member(in, len, cap, &raw, &rawlen, &used) < 0)
			return -1;
		p = raw;
	}
	if (count_strings(p, rawlen, &nstr) < 0)
		goto out;
	pbw_reserve(&w, rawlen);
	memcpy(w.buf, p, rawlen);
	w.len = rawlen;
	for (size_t i = 0; i < nlabels; i++) {
		char *c;

		if (asprintf(&c, "label %s", labels[i]) < 0)
			die("out of memory");
		pbw_bytes(&w, FIELD_STRING_TABLE, c, strlen(c));
		free(c);
	}
	for (size_t i = 0; i < nlabels; i++) {
		pbw_varint(&w, FIELD_COMMENT << 3);
		pbw_varint(&w, nstr + i);
	}
	rc = gz_deflate(w.buf, w.len, 6, out, outlen);
out:
	free(w.buf);
	free(raw);
	return rc;
}
