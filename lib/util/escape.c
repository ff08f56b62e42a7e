/* Escaping remote text for messages (see escape.h). UTF-8 is decoded
 * just enough to tell a well-formed character from a stray byte: a
 * terminal may act on C1 controls and on bytes it resynchronizes on. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/escape.h"

/* utf8_len: the length of the well-formed, printable UTF-8 character at
 * p (at most n bytes), or 0 when p does not start one. Overlong forms,
 * surrogates, code points past U+10FFFF and the C1 controls are refused. */
static size_t
utf8_len(const uint8_t *p, size_t n)
{
	uint32_t cp;
	size_t len;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
		return 0;
	return len;
}

/* escape_one writes the form of the character at p to buf (at least 5
 * bytes) and returns how many input bytes it took; *outlen gets the
 * output length. */
static size_t
escape_one(const uint8_t *p, size_t n, char *buf, size_t *outlen)
{
	size_t u;

	if (*p >= 0x20 && *p < 0x7f) {
		buf[0] = (char)*p;
		*outlen = 1;
		return 1;
	}
	if (*p == '\n' || *p == '\r' || *p == '\t') {
		buf[0] = '\\';
		buf[1] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
		*outlen = 2;
		return 1;
	}
	if (*p >= 0x80 && (u = utf8_len(p, n)) > 0) {
		memcpy(buf, p, u);
		*outlen = u;
		return u;
	}
	snprintf(buf, 5, "\\x%02x", *p);
	*outlen = 4;
	return 1;
}

char *
esc_text(char *out, size_t outsz, const void *in, size_t n)
{
	const uint8_t *p = in;
	size_t o = 0, i = 0, cut = 0;

	while (i < n) {
		char buf[8];
		size_t len, used = escape_one(p + i, n - i, buf, &len);

		if (o + len >= outsz) {
			/* Back to the last character boundary that leaves room
			 * for "...". */
			memcpy(out + cut, "...", outsz > 3 ? 3 : 0);
			o = outsz > 3 ? cut + 3 : 0;
			break;
		}
		memcpy(out + o, buf, len);
		o += len;
		i += used;
		if (o + 3 < outsz)
			cut = o;
	}
	out[o] = '\0';
	return out;
}

char *
esc_dup(const char *s)
{
	size_t n = strlen(s);
	/* \xHH is the longest form: four bytes for one. */
	char *out = xmalloc(4 * n + 4);

	return esc_text(out, 4 * n + 4, s, n);
}
