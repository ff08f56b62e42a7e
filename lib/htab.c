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
	h->slot = xcalloc(n, sizeof *h->slot);
	h->mask = n - 1;
	h->count = 0;
}

void
htab_free(struct htab *h)
{
	free(h->slot);
	memset(h, 0, sizeof *h);
}

/* rehash puts the entries below keep into a table of n slots */
static void
rehash(struct htab *h, size_t n, uint32_t keep)
{
	size_t i, s;
	struct htab_slot *slot = xcalloc(n, sizeof *slot);

	h->count = 0;
	for (i = 0; i <= h->mask; i++) {
		if (!h->slot[i].idx || h->slot[i].idx > keep)
			continue;
		h->count++;
		for (s = h->slot[i].hash & (n - 1); slot[s].idx; s = (s + 1) & (n - 1))
			;
		slot[s] = h->slot[i];
	}
	free(h->slot);
	h->slot = slot;
	h->mask = n - 1;
}

void
htab_add(struct htab *h, size_t slot, uint32_t hash, uint32_t entry)
{
	h->slot[slot].idx = entry + 1;
	h->slot[slot].hash = hash;
	if (++h->count * 2 > h->mask + 1)
		rehash(h, (h->mask + 1) * 2, UINT32_MAX);
}

void
htab_truncate(struct htab *h, uint32_t n)
{
	rehash(h, h->mask + 1, n);
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
