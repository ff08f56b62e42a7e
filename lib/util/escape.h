/* Quoting text that came from elsewhere (a server's error message, a
 * header, a page title) into our own messages: control characters and
 * bytes that are not UTF-8 are escaped, so a remote answer can neither
 * forge a log line with a newline nor drive the terminal with ESC. */
#ifndef PGOKIT_ESCAPE_H
#define PGOKIT_ESCAPE_H

#include <stddef.h>

/* esc_text writes the n bytes at in to out (outsz > 4 bytes, always
 * NUL-terminated): printable ASCII and well-formed UTF-8 (but for the C1
 * controls U+0080..U+009F) as they are, \n \r \t as those two characters,
 * any other byte as \xHH. Text that does not fit ends in "...", never in
 * half an escape or half a character. Returns out. */
char *esc_text(char *out, size_t outsz, const void *in, size_t n);

/* esc_dup is esc_text of the string s, whole, into a new string. */
char *esc_dup(const char *s);

#endif
