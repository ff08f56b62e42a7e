/* The hash index behind interning and merging: linear probing, load at most
 * one half, the stored hashes make growing a pass without key compares. */
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "util.h"

void
htab_init(struct htab *h, size_t hint)
{
	size_t n = 64;

	while (n < hint * 2)
		n *= 2;
	h->idx = xcalloc(n, sizeof *h->idx);
	h->hash = xmalloc(n * sizeof *h->hash);
	h->mask = n - 1;
	h->count = 0;
}

void
htab_free(struct htab *h)
{
	free(h->idx);
	free(h->hash);
	memset(h, 0, sizeof *h);
}

uint32_t
htab_find(const struct htab *h, uint32_t hash, htab_eq eq, const void *ctx, size_t *slot)
{
	size_t s;

	for (s = hash & h->mask; h->idx[s]; s = (s + 1) & h->mask)
		if (h->hash[s] == hash && eq(ctx, h->idx[s] - 1))
			return h->idx[s] - 1;
	*slot = s;
	return HTAB_NONE;
}

static void
grow(struct htab *h)
{
	size_t n = (h->mask + 1) * 2, i, s;
	uint32_t *idx = xcalloc(n, sizeof *idx);
	uint32_t *hash = xmalloc(n * sizeof *hash);

	for (i = 0; i <= h->mask; i++) {
		if (!h->idx[i])
			continue;
		for (s = h->hash[i] & (n - 1); idx[s]; s = (s + 1) & (n - 1))
			;
		idx[s] = h->idx[i];
		hash[s] = h->hash[i];
	}
	free(h->idx);
	free(h->hash);
	h->idx = idx;
	h->hash = hash;
	h->mask = n - 1;
}

void
htab_add(struct htab *h, size_t slot, uint32_t hash, uint32_t entry)
{
	h->idx[slot] = entry + 1;
	h->hash[slot] = hash;
	if (++h->count * 2 > h->mask + 1)
		grow(h);
}

uint64_t
hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x243f6a8885a308d3ULL ^ n, w;

	while (n >= 8) {
		memcpy(&w, s, 8);
		h = hash_u64(h, w);
		s += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, s, n);
	return hash_u64(h, w);
}
