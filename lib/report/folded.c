/* --folded: one line per distinct stack, frames root first joined by ';',
 * then a space and the summed value; lines sorted so output is stable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/folded.h"
#include "report/stacks.h"
#include "util/err.h"

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

/* plain: put_name writes c as it is. */
static int plain(unsigned char c)
{
	return c != '\\' && c != ';' && c >= 0x20 && c != 0x7f;
}

/* A line's text as put_name writes it, read byte by byte: the frames
 * fr[0..d) from frame i on, escaped, joined by ';'. */
struct text_reader {
	const struct stacks *s;
	const uint32_t *fr;
	size_t d, i;
	const unsigned char *c;         /* in frame i's name; NULL: before it */
	char esc[8];
	size_t nesc, iesc;
};

/* text_byte is the next byte, or -1 at the end of the line. */
static int text_byte(struct text_reader *t)
{
	if (t->iesc < t->nesc)
		return (unsigned char)t->esc[t->iesc++];
	for (;;) {
		if (!t->c) {
			if (t->i >= t->d)
				return -1;
			t->c = (const unsigned char *)stacks_name(t->s, t->fr[t->i]);
		}
		if (*t->c && plain(*t->c))
			return *t->c++;
		if (*t->c) {
			char *q = put_name(t->esc, (const char[]){ (char)*t->c++, 0 });
			t->nesc = (size_t)(q - t->esc);
			t->iesc = 1;
			return (unsigned char)t->esc[0];
		}
		t->c = NULL;
		if (++t->i < t->d)
			return ';';
	}
}

/* The lines are sorted by their text as strcmp() would sort the strings,
 * without writing them: the stacks' frames are compared from the first
 * frame they do not share. */
static const struct stacks *cmp_stacks;
static uint32_t *cmp_a, *cmp_b;
static size_t cmp_acap, cmp_bcap;

static int line_cmp(const void *x, const void *y)
{
	const struct stacks *s = cmp_stacks;
	size_t da = stacks_path(s, *(const uint32_t *)x, &cmp_a, &cmp_acap);
	size_t db = stacks_path(s, *(const uint32_t *)y, &cmp_b, &cmp_bcap);
	size_t k = 0;
	while (k < da && k < db && cmp_a[k] == cmp_b[k])
		k++;
	if (k < da && k < db) {
		/* the usual case, decided by the first frame that differs: equal
		 * bytes escape alike, and two plain bytes are written as they are */
		const unsigned char *x = (const unsigned char *)stacks_name(s, cmp_a[k]);
		const unsigned char *y = (const unsigned char *)stacks_name(s, cmp_b[k]);
		while (*x && *x == *y)
			x++, y++;
		if (*x && *y && plain(*x) && plain(*y))
			return *x < *y ? -1 : 1;
	}
	struct text_reader a = { s, cmp_a, da, k, NULL, "", 0, 0 };
	struct text_reader b = { s, cmp_b, db, k, NULL, "", 0, 0 };
	for (;;) {
		int ca = text_byte(&a), cb = text_byte(&b);
		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (ca < 0)
			return 0;
	}
}

int folded_write(const struct profile *p, const char *spec, FILE *f)
{
	struct stacks s;
	if (stacks_build(p, spec, &s) < 0)
		return -1;
	stacks_drop_index(&s);
	uint32_t *lines = xcalloc(s.nstack ? s.nstack : 1, sizeof(*lines));
	size_t n = 0;
	for (size_t i = 0; i < s.nstack; i++) {
		const struct stack_node *nd = &s.node[s.end[i]];
		if (nd->sum != 0 && nd->depth != 0)
			lines[n++] = s.end[i];
	}
	free(s.end);
	s.end = NULL;
	cmp_stacks = &s;
	qsort(lines, n, sizeof(*lines), line_cmp);
	free(cmp_a);
	free(cmp_b);
	cmp_a = cmp_b = NULL;
	cmp_acap = cmp_bcap = 0;
	uint32_t *fr = NULL;
	size_t frcap = 0, tcap = 0;
	char *t = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t d = stacks_path(&s, lines[i], &fr, &frcap), len = 1;
		for (size_t k = 0; k < d; k++)
			len += escaped_len(stacks_name(&s, fr[k])) + 1;
		if (len > tcap) {
			tcap = len + 256;
			t = xrealloc(t, tcap);
		}
		char *q = t;
		for (size_t k = 0; k < d; k++) {
			if (k)
				*q++ = ';';
			q = put_name(q, stacks_name(&s, fr[k]));
		}
		*q = 0;
		fprintf(f, "%s %lld\n", t, (long long)s.node[lines[i]].sum);
	}
	free(t);
	free(fr);
	free(lines);
	stacks_free(&s);
	if (ferror(f)) {
		seterr("write:");
		return -1;
	}
	return 0;
}
