/* The hash index behind interning and merging: linear probing, load at most
 * one half, the stored hashes make growing a pass without key compares. */
#include <stdlib.h>
#include <string.h>

#include "util/bigmem.h"
#include "util/htab.h"
#include "util/err.h"

/* slots_for is the table size for n entries at a load of at most one
 * half: from (a power of two) doubled as often as needed. */
static size_t
slots_for(size_t n, size_t from)
{
	while (from < n * 2 && from <= (SIZE_MAX >> 1) / sizeof(struct htab_slot))
		from *= 2;
	return from;
}

void
htab_init(struct htab *h, size_t hint)
{
	size_t n = slots_for(hint, 64);

	h->slot = big_alloc(n * sizeof *h->slot);
	h->mask = n - 1;
	h->count = 0;
}

void
htab_free(struct htab *h)
{
	if (h->slot)
		big_free(h->slot, (h->mask + 1) * sizeof *h->slot);
	memset(h, 0, sizeof *h);
}

/* rehash puts the entries below keep into a table of n slots */
static void
rehash(struct htab *h, size_t n, uint32_t keep)
{
	size_t i, s;
	struct htab_slot *slot = big_alloc(n * sizeof *slot);

	h->count = 0;
	for (i = 0; i <= h->mask; i++) {
		if (!h->slot[i].idx || h->slot[i].idx > keep)
			continue;
		h->count++;
		for (s = h->slot[i].hash & (n - 1); slot[s].idx; s = (s + 1) & (n - 1))
			;
		slot[s] = h->slot[i];
	}
	big_free(h->slot, (h->mask + 1) * sizeof *h->slot);
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
htab_reserve(struct htab *h, size_t n)
{
	size_t size = slots_for(n, h->mask + 1);

	if (size > h->mask + 1)
		rehash(h, size, UINT32_MAX);
}

void
htab_truncate(struct htab *h, uint32_t n)
{
	rehash(h, h->mask + 1, n);
}

/* mum multiplies to 128 bits and folds: one multiply mixes 16 bytes. */
static inline uint64_t
mum(uint64_t a, uint64_t b)
{
	__extension__ unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t
load64(const unsigned char *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
	return w;
}

/* hash_bytes: two independent multiply chains over 32-byte blocks, so the
 * multiplies overlap; the tail is the last 16 bytes, loaded overlapping
 * (or zero-padded when n < 16). Sample keys (~100 bytes) and strings are
 * its inputs: the old one-word chain was a tenth of a merge's own time. */
uint64_t
hash_bytes(const void *p, size_t n)
{
	static const uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL,
	    k2 = 0x8ebc6af09c88c6e3ULL, k3 = 0x589965cc75374cc3ULL;
	const unsigned char *s = p;
	uint64_t h0 = 0x243f6a8885a308d3ULL ^ n, h1 = 0x13198a2e03707344ULL, a, b;
	size_t left = n;

	if (n >= 16) {
		while (left > 32) {
			h0 = mum(load64(s) ^ k0, load64(s + 8) ^ h0);
			h1 = mum(load64(s + 16) ^ k1, load64(s + 24) ^ h1);
			s += 32;
			left -= 32;
		}
		if (left > 16) {
			h0 = mum(load64(s) ^ k0, load64(s + 8) ^ h0);
			s += 16;
			left -= 16;
		}
		a = load64(s + left - 16);
		b = load64(s + left - 8);
	} else {
		a = b = 0;
		if (n > 8) {
			memcpy(&a, s, 8);
			memcpy(&b, s + 8, n - 8);
		} else {
			memcpy(&a, s, n);
		}
	}
	h0 = mum(a ^ k2, b ^ h0 ^ h1);
	return mum(h0 ^ k3, (uint64_t)n ^ k1);
}
