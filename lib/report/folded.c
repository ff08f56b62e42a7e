/* --folded: one line per distinct stack, frames root first joined by ';',
 * then a space and the summed value; lines sorted so output is stable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/folded.h"
#include "report/stacks.h"
#include "util/err.h"

struct line {
	char *text;
	int64_t value;
};

/* escaped_len is the length of name as put_name writes it. */
static size_t escaped_len(const char *name)
{
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		n += *c == '\\' || *c == '\n' ? 2 : *c == ';' || *c < 0x20 || *c == 0x7f ? 4 : 1;
	return n;
}

/* put_name copies name to q, escaped so that it cannot end its frame or
 * its line: a ';' would split the frame in two and a newline would start a
 * forged stack line. C-style escapes, so that a reader can undo them: "\\"
 * for a backslash, "\n", and "\xHH" for ';' and the other control
 * characters. Go and C++ names have none of these: their lines are as
 * flamegraph.pl's stackcollapse scripts write them. */
static char *put_name(char *q, const char *name)
{
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		if (*c == '\\' || *c == '\n') {
			*q++ = '\\';
			*q++ = *c == '\n' ? 'n' : '\\';
		} else if (*c == ';' || *c < 0x20 || *c == 0x7f) {
			snprintf(q, 5, "\\x%02x", *c);
			q += 4;
		} else
			*q++ = (char)*c;
	}
	return q;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->text, ((const struct line *)b)->text);
}

int folded_write(const struct profile *p, const char *spec, FILE *f)
{
	struct stacks s;
	if (stacks_build(p, spec, &s) < 0)
		return -1;
	struct line *lines = xcalloc(s.nstack ? s.nstack : 1, sizeof(*lines));
	size_t n = 0;
	for (size_t i = 0; i < s.nstack; i++) {
		if (s.value[i] == 0 || s.depth[i] == 0)
			continue;
		size_t len = 1;
		for (size_t d = 0; d < s.depth[i]; d++)
			len += escaped_len(stacks_name(&s, s.frame[i][d])) + 1;
		char *t = xmalloc(len), *q = t;
		for (size_t d = 0; d < s.depth[i]; d++) {
			if (d)
				*q++ = ';';
			q = put_name(q, stacks_name(&s, s.frame[i][d]));
		}
		*q = 0;
		lines[n].text = t;
		lines[n++].value = s.value[i];
	}
	qsort(lines, n, sizeof(*lines), line_cmp);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s %lld\n", lines[i].text, (long long)lines[i].value);
		free(lines[i].text);
	}
	free(lines);
	stacks_free(&s);
	if (ferror(f)) {
		seterr("write:");
		return -1;
	}
	return 0;
}
