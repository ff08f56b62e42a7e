/* Unit tests for lib/util/escape.c: remote text quoted in messages keeps
 * no control character, no stray byte and no C1 control, keeps readable
 * UTF-8, and is cut without splitting an escape or a character. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/escape.h"

/* esc: esc_text of the n bytes at s into a 64-byte buffer. */
static const char *
esc(const char *s, size_t n)
{
	static char buf[64];

	return esc_text(buf, sizeof buf, s, n);
}

#define ESC(lit) esc(lit, sizeof lit - 1)

int
main(void)
{
	char small[12], *d;

	ok(!strcmp(ESC("plain text: ok"), "plain text: ok"), "printable ASCII unchanged");
	ok(!strcmp(ESC("a\nb\r\tc"), "a\\nb\\r\\tc"), "newline, CR, tab shown as \\n \\r \\t");
	ok(!strcmp(ESC("\x1b[2J\x1b]0;x\x07"), "\\x1b[2J\\x1b]0;x\\x07"), "ESC and BEL escaped");
	ok(!strcmp(ESC("a\0b"), "a\\x00b"), "a NUL byte escaped, the rest kept");
	ok(!strcmp(ESC("\x7f"), "\\x7f"), "DEL escaped");
	ok(!strcmp(ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5"),
	    "well-formed UTF-8 kept");
	ok(!strcmp(ESC("\xc2\x9b" "2J"), "\\xc2\\x9b2J"), "C1 CSI (U+009B) in UTF-8 escaped");
	ok(!strcmp(ESC("\x9b" "2J"), "\\x9b2J"), "a raw 8-bit CSI escaped");
	ok(!strcmp(ESC("\xc0\xaf"), "\\xc0\\xaf"), "overlong form escaped");
	ok(!strcmp(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80"), "surrogate escaped");
	ok(!strcmp(ESC("\xe2\x82"), "\\xe2\\x82"), "truncated character escaped");
	ok(!strcmp(ESC("\\ stays"), "\\ stays"), "a backslash stays");
	esc_text(small, sizeof small, "0123456789abcdef", 16);
	ok(!strcmp(small, "01234567..."), "long text cut with ...: %s", small);
	esc_text(small, sizeof small, "01234567\x1b\x1b", 10);
	ok(!strcmp(small, "01234567..."), "never half an escape: %s", small);
	esc_text(small, sizeof small, "0123456\xe2\x82\xac\xe2\x82\xac", 13);
	ok(!strcmp(small, "0123456..."), "never half a character: %s", small);
	esc_text(small, sizeof small, "0123456789a", 11);
	ok(!strcmp(small, "0123456789a"), "text that fits exactly is whole: %s", small);
	d = esc_dup("\x1b\x1b\x1b\x1b");
	ok(!strcmp(d, "\\x1b\\x1b\\x1b\\x1b"), "esc_dup has room for the longest form");
	free(d);
	return tap_done();
}
