/* Insertion-ordered hash maps (integer tuples and strings -> dense index)
 * used to build call graphs and reports from a profile. Open addressing with
 * linear probing over a power-of-two table of indices. */
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "util.h"

struct keymap {
	size_t nwords;
	uint64_t *keys;         /* count * nwords */
	uint64_t *hashes;
	size_t count, cap;
	uint32_t *slots;        /* index + 1, 0 = empty */
	size_t mask;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_words(const uint64_t *k, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	for (size_t i = 0; i < n; i++)
		h = mix(h ^ k[i]) + i;
	return h;
}

struct keymap *keymap_new(size_t nwords)
{
	struct keymap *m = xcalloc(1, sizeof(*m));
	m->nwords = nwords;
	m->mask = 63;
	m->slots = xcalloc(m->mask + 1, sizeof(*m->slots));
	return m;
}

void keymap_free(struct keymap *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->hashes);
	free(m->slots);
	free(m);
}

static void keymap_grow(struct keymap *m)
{
	size_t nmask = m->mask * 2 + 1;
	uint32_t *ns = xcalloc(nmask + 1, sizeof(*ns));
	for (size_t i = 0; i < m->count; i++) {
		size_t s = m->hashes[i] & nmask;
		while (ns[s])
			s = (s + 1) & nmask;
		ns[s] = (uint32_t)(i + 1);
	}
	free(m->slots);
	m->slots = ns;
	m->mask = nmask;
}

int64_t keymap_find(const struct keymap *m, const uint64_t *key)
{
	uint64_t h = hash_words(key, m->nwords);
	for (size_t s = h & m->mask; m->slots[s]; s = (s + 1) & m->mask) {
		size_t i = m->slots[s] - 1;
		if (m->hashes[i] == h &&
		    !memcmp(m->keys + i * m->nwords, key, m->nwords * 8))
			return (int64_t)i;
	}
	return -1;
}

size_t keymap_intern(struct keymap *m, const uint64_t *key, int *added)
{
	uint64_t h = hash_words(key, m->nwords);
	size_t s;
	for (s = h & m->mask; m->slots[s]; s = (s + 1) & m->mask) {
		size_t i = m->slots[s] - 1;
		if (m->hashes[i] == h &&
		    !memcmp(m->keys + i * m->nwords, key, m->nwords * 8)) {
			if (added)
				*added = 0;
			return i;
		}
	}
	if (m->count == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->keys = xreallocarray(m->keys, m->cap, m->nwords * 8);
		m->hashes = xreallocarray(m->hashes, m->cap, sizeof(*m->hashes));
	}
	size_t i = m->count++;
	memcpy(m->keys + i * m->nwords, key, m->nwords * 8);
	m->hashes[i] = h;
	m->slots[s] = (uint32_t)(i + 1);
	if (m->count * 2 > m->mask)
		keymap_grow(m);
	if (added)
		*added = 1;
	return i;
}

size_t keymap_count(const struct keymap *m)
{
	return m->count;
}

const uint64_t *keymap_key(const struct keymap *m, size_t idx)
{
	return m->keys + idx * m->nwords;
}

struct strmap {
	char **strs;
	uint64_t *hashes;
	size_t count, cap;
	uint32_t *slots;
	size_t mask;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;     /* FNV-1a, then a final mix */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return mix(h);
}

struct strmap *strmap_new(void)
{
	struct strmap *m = xcalloc(1, sizeof(*m));
	m->mask = 63;
	m->slots = xcalloc(m->mask + 1, sizeof(*m->slots));
	return m;
}

void strmap_free(struct strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->count; i++)
		free(m->strs[i]);
	free(m->strs);
	free(m->hashes);
	free(m->slots);
	free(m);
}

int64_t strmap_find(const struct strmap *m, const char *str)
{
	uint64_t h = hash_str(str);
	for (size_t s = h & m->mask; m->slots[s]; s = (s + 1) & m->mask) {
		size_t i = m->slots[s] - 1;
		if (m->hashes[i] == h && !strcmp(m->strs[i], str))
			return (int64_t)i;
	}
	return -1;
}

size_t strmap_intern(struct strmap *m, const char *str, int *added)
{
	uint64_t h = hash_str(str);
	size_t s;
	for (s = h & m->mask; m->slots[s]; s = (s + 1) & m->mask) {
		size_t i = m->slots[s] - 1;
		if (m->hashes[i] == h && !strcmp(m->strs[i], str)) {
			if (added)
				*added = 0;
			return i;
		}
	}
	if (m->count == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->strs = xreallocarray(m->strs, m->cap, sizeof(*m->strs));
		m->hashes = xreallocarray(m->hashes, m->cap, sizeof(*m->hashes));
	}
	size_t i = m->count++;
	m->strs[i] = xstrdup(str);
	m->hashes[i] = h;
	m->slots[s] = (uint32_t)(i + 1);
	if (m->count * 2 > m->mask) {
		size_t nmask = m->mask * 2 + 1;
		uint32_t *ns = xcalloc(nmask + 1, sizeof(*ns));
		for (size_t j = 0; j < m->count; j++) {
			size_t t = m->hashes[j] & nmask;
			while (ns[t])
				t = (t + 1) & nmask;
			ns[t] = (uint32_t)(j + 1);
		}
		free(m->slots);
		m->slots = ns;
		m->mask = nmask;
	}
	if (added)
		*added = 1;
	return i;
}

size_t strmap_count(const struct strmap *m)
{
	return m->count;
}

const char *strmap_str(const struct strmap *m, size_t idx)
{
	return m->strs[idx];
}
