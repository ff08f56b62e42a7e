/* --folded: one line per distinct stack, frames root first joined by ';',
 * then a space and the summed value; lines sorted so output is stable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/keymap.h"
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

/* The lines come out sorted by their text, as strcmp() sorts the strings,
 * without a sort of every line: a depth-first walk of the stack trie
 * visits each node's children in an order that is that order. The lines
 * below a child c are its own line, the text esc(c) alone, and its deeper
 * lines, esc(c) + ";" + more: two items keyed by esc(c) and esc(c) + ";".
 * Keys of siblings never tie (escaped names hold no ';'), and a key that
 * is a prefix of another is an own line, shorter than every line under the
 * other item: sorting the items by key sorts their lines. A key depends
 * on the name alone, so every name's two keys are ranked once. */

struct key {
	const char *text;       /* the escaped name */
	size_t len;
	int semi;               /* the key of the deeper lines: text + ";" */
};

static int key_cmp(const struct key *a, const struct key *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->text, b->text, n);
	if (c)
		return c;
	/* one is a prefix of the other: what follows decides */
	int ca = a->len > n ? (unsigned char)a->text[n] : a->semi ? ';' : -1;
	int cb = b->len > n ? (unsigned char)b->text[n] : b->semi ? ';' : -1;
	return (ca > cb) - (ca < cb);
}

static const struct key *sort_keys;

static int ix_cmp(const void *x, const void *y)
{
	return key_cmp(&sort_keys[*(const uint32_t *)x], &sort_keys[*(const uint32_t *)y]);
}

/* Every name escaped once, and the rank of its two keys: rank[2 x id] for
 * its own line, rank[2 x id + 1] for its deeper lines. */
struct ranks {
	char **esc;
	size_t *len;
	uint32_t *rank;
	size_t n;
};

static void ranks_build(const struct stacks *s, struct ranks *r)
{
	r->n = strmap_count(s->names);
	r->esc = xcalloc(r->n + 1, sizeof(*r->esc));
	r->len = xcalloc(r->n + 1, sizeof(*r->len));
	r->rank = xcalloc(2 * r->n + 1, sizeof(*r->rank));
	struct key *k = xcalloc(2 * r->n + 1, sizeof(*k));
	uint32_t *ix = xcalloc(2 * r->n + 1, sizeof(*ix));
	for (size_t i = 0; i < r->n; i++) {
		const char *name = stacks_name(s, (uint32_t)i);
		r->esc[i] = xmalloc(escaped_len(name) + 1);
		r->len[i] = (size_t)(put_name(r->esc[i], name) - r->esc[i]);
		r->esc[i][r->len[i]] = 0;
		k[2 * i] = (struct key){ r->esc[i], r->len[i], 0 };
		k[2 * i + 1] = (struct key){ r->esc[i], r->len[i], 1 };
		ix[2 * i] = (uint32_t)(2 * i);
		ix[2 * i + 1] = (uint32_t)(2 * i + 1);
	}
	sort_keys = k;
	qsort(ix, 2 * r->n, sizeof(*ix), ix_cmp);
	for (size_t i = 0; i < 2 * r->n; i++)
		r->rank[ix[i]] = (uint32_t)i;
	free(ix);
	free(k);
}

static void ranks_free(struct ranks *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->esc[i]);
	free(r->esc);
	free(r->len);
	free(r->rank);
}

static int u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

/* A node being walked: its children's items in key order, the next one,
 * and the length of its lines' common text ("root;...;name;"). */
struct visit {
	uint64_t *item;         /* rank << 33 | child << 1 | deeper */
	size_t n, pos, textlen;
};

static void visit_open(struct visit *v, const struct stacks *s, const struct ranks *r,
    const uint32_t *first, const uint32_t *kids, uint32_t u, size_t textlen)
{
	size_t n = 0;
	v->item = xcalloc(2 * (size_t)(first[u + 1] - first[u]) + 1, sizeof(*v->item));
	for (uint32_t x = first[u]; x < first[u + 1]; x++) {
		uint32_t c = kids[x];
		const struct stack_node *nd = &s->node[c];
		if (nd->is_end && nd->sum != 0)
			v->item[n++] = (uint64_t)r->rank[2 * (size_t)nd->name] << 33 | (uint64_t)c << 1;
		if (first[c + 1] > first[c])
			v->item[n++] = (uint64_t)r->rank[2 * (size_t)nd->name + 1] << 33 |
			    (uint64_t)c << 1 | 1;
	}
	qsort(v->item, n, sizeof(*v->item), u64_cmp);
	v->n = n;
	v->pos = 0;
	v->textlen = textlen;
}

int folded_write(const struct profile *p, const char *spec, FILE *f)
{
	struct stacks s;
	struct ranks r;
	if (stacks_build(p, spec, &s) < 0)
		return -1;
	stacks_drop_index(&s);
	free(s.end);
	s.end = NULL;
	ranks_build(&s, &r);
	uint32_t *kids, *first = stacks_children(&s, NULL, &kids);

	struct visit *st = NULL;
	size_t nst = 0, capst = 0, tcap = 256;
	char *text = xmalloc(tcap);
	if (s.nnode > 0) {
		st = xcalloc(capst = 64, sizeof(*st));
		visit_open(&st[nst++], &s, &r, first, kids, 0, 0);
	}
	while (nst > 0) {
		struct visit *v = &st[nst - 1];
		if (v->pos == v->n) {
			free(v->item);
			nst--;
			continue;
		}
		uint64_t it = v->item[v->pos++];
		uint32_t c = (uint32_t)(it >> 1 & 0xffffffffu);
		const struct stack_node *nd = &s.node[c];
		size_t len = r.len[nd->name], tl = v->textlen;
		if (tl + len + 2 > tcap) {
			tcap = 2 * (tl + len + 2);
			text = xrealloc(text, tcap);
		}
		memcpy(text + tl, r.esc[nd->name], len);
		if (!(it & 1)) {
			fwrite(text, 1, tl + len, f);
			fprintf(f, " %lld\n", (long long)nd->sum);
			continue;
		}
		text[tl + len] = ';';
		if (nst == capst)
			st = xreallocarray(st, capst *= 2, sizeof(*st));
		visit_open(&st[nst++], &s, &r, first, kids, c, tl + len + 1);
	}
	free(st);
	free(text);
	free(first);
	free(kids);
	ranks_free(&r);
	stacks_free(&s);
	if (ferror(f)) {
		seterr("write:");
		return -1;
	}
	return 0;
}
