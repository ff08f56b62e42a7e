/* --folded: one line per distinct stack, frames root first joined by ';',
 * then a space and the summed value; lines sorted so output is stable. */
#include <stdlib.h>
#include <string.h>

#include "report/folded.h"
#include "report/stacks.h"
#include "util/err.h"

struct line {
	char *text;
	int64_t value;
};

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
			len += strlen(stacks_name(&s, s.frame[i][d])) + 1;
		char *t = xmalloc(len), *q = t;
		for (size_t d = 0; d < s.depth[i]; d++) {
			const char *nm = stacks_name(&s, s.frame[i][d]);
			size_t l = strlen(nm);
			if (d)
				*q++ = ';';
			memcpy(q, nm, l);
			q += l;
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
