/* Insertion-ordered maps (integer tuples and strings -> dense index) used to
 * build call graphs and reports from a profile, on the shared hash index
 * (htab.h): the keys stay in insertion order in an array of their own. */
#include <stdlib.h>
#include <string.h>

#include "util/htab.h"
#include "util/keymap.h"
#include "util/err.h"

struct keymap {
	size_t nwords;
	uint64_t *keys;         /* count * nwords */
	size_t count, cap;
	struct htab h;
};

struct wordkey {
	const struct keymap *m;
	const uint64_t *key;
};

static int
words_eq(const void *ctx, uint32_t e)
{
	const struct wordkey *k = ctx;

	return !memcmp(k->m->keys + (size_t)e * k->m->nwords, k->key, k->m->nwords * 8);
}

static uint32_t
hash_words(const uint64_t *k, size_t n)
{
	uint64_t h = n;

	for (size_t i = 0; i < n; i++)
		h = hash_u64(h, k[i]);
	return hash_fold(h);
}

struct keymap *
keymap_new(size_t nwords)
{
	struct keymap *m = xcalloc(1, sizeof(*m));

	m->nwords = nwords;
	htab_init(&m->h, 32);
	return m;
}

void
keymap_free(struct keymap *m)
{
	if (!m)
		return;
	free(m->keys);
	htab_free(&m->h);
	free(m);
}

int64_t
keymap_find(const struct keymap *m, const uint64_t *key)
{
	struct wordkey k = { m, key };
	uint32_t e;
	size_t slot;

	e = htab_find(&m->h, hash_words(key, m->nwords), words_eq, &k, &slot);
	return e == HTAB_NONE ? -1 : (int64_t)e;
}

size_t
keymap_intern(struct keymap *m, const uint64_t *key, int *added)
{
	struct wordkey k = { m, key };
	uint32_t h = hash_words(key, m->nwords), e;
	size_t slot;

	if (added)
		*added = 0;
	if ((e = htab_find(&m->h, h, words_eq, &k, &slot)) != HTAB_NONE)
		return e;
	if (m->count == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->keys = xreallocarray(m->keys, m->cap, m->nwords * 8);
	}
	memcpy(m->keys + m->count * m->nwords, key, m->nwords * 8);
	htab_add(&m->h, slot, h, (uint32_t)m->count);
	if (added)
		*added = 1;
	return m->count++;
}

size_t
keymap_count(const struct keymap *m)
{
	return m->count;
}

const uint64_t *
keymap_key(const struct keymap *m, size_t idx)
{
	return m->keys + idx * m->nwords;
}

struct strmap {
	char **strs;
	size_t count, cap;
	struct htab h;
};

struct strkey {
	const struct strmap *m;
	const char *s;
};

static int
str_eq(const void *ctx, uint32_t e)
{
	const struct strkey *k = ctx;

	return !strcmp(k->m->strs[e], k->s);
}

static uint32_t
hash_str(const char *s)
{
	return hash_fold(hash_bytes(s, strlen(s)));
}

struct strmap *
strmap_new(void)
{
	struct strmap *m = xcalloc(1, sizeof(*m));

	htab_init(&m->h, 32);
	return m;
}

void
strmap_free(struct strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->count; i++)
		free(m->strs[i]);
	free(m->strs);
	htab_free(&m->h);
	free(m);
}

int64_t
strmap_find(const struct strmap *m, const char *s)
{
	struct strkey k = { m, s };
	uint32_t e;
	size_t slot;

	e = htab_find(&m->h, hash_str(s), str_eq, &k, &slot);
	return e == HTAB_NONE ? -1 : (int64_t)e;
}

size_t
strmap_intern(struct strmap *m, const char *s, int *added)
{
	struct strkey k = { m, s };
	uint32_t h = hash_str(s), e;
	size_t slot;

	if (added)
		*added = 0;
	if ((e = htab_find(&m->h, h, str_eq, &k, &slot)) != HTAB_NONE)
		return e;
	if (m->count == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->strs = xreallocarray(m->strs, m->cap, sizeof(*m->strs));
	}
	m->strs[m->count] = xstrdup(s);
	htab_add(&m->h, slot, h, (uint32_t)m->count);
	if (added)
		*added = 1;
	return m->count++;
}

size_t
strmap_count(const struct strmap *m)
{
	return m->count;
}

const char *
strmap_str(const struct strmap *m, size_t idx)
{
	return m->strs[idx];
}
