/* An open-addressing hash index over an array of entries: it stores entry
 * indices, the entries stay in insertion order in the caller's array. Keys
 * are compared by the caller's callback, so one table serves every key type. */
#ifndef PGOKIT_HTAB_H
#define PGOKIT_HTAB_H

#include <stddef.h>
#include <stdint.h>

#define HTAB_NONE UINT32_MAX

/* A slot holds the entry's hash beside its index: one cache line per probe,
 * most mismatches rejected without touching the entry, no rehashing cost. */
struct htab_slot {
	uint32_t hash;
	uint32_t idx;    /* entry index + 1; 0 = empty slot */
};

struct htab {
	struct htab_slot *slot;
	size_t mask, count;
};

typedef int (*htab_eq)(const void *ctx, uint32_t entry);

void htab_init(struct htab *h, size_t hint);
void htab_free(struct htab *h);

/* htab_find returns the entry whose key eq() accepts, or HTAB_NONE; then
 * *slot is where htab_add() puts a new entry of that hash. Inline, so that
 * each caller's eq() is inlined into its probe loop. */
static inline uint32_t
htab_find(const struct htab *h, uint32_t hash, htab_eq eq, const void *ctx, size_t *slot)
{
	size_t s;

	for (s = hash & h->mask; h->slot[s].idx; s = (s + 1) & h->mask)
		if (h->slot[s].hash == hash && eq(ctx, h->slot[s].idx - 1))
			return h->slot[s].idx - 1;
	*slot = s;
	return HTAB_NONE;
}
void htab_add(struct htab *h, size_t slot, uint32_t hash, uint32_t entry);

/* For lookups pipelined over many keys: htab_prefetch fetches the slot a
 * hash's probe starts at; htab_likely then names the entry that slot holds
 * when its hash matches (htab_find's likely answer, whose entry is worth
 * fetching in turn), else HTAB_NONE. */
static inline void
htab_prefetch(const struct htab *h, uint32_t hash)
{
	__builtin_prefetch(&h->slot[hash & h->mask]);
}

static inline uint32_t
htab_likely(const struct htab *h, uint32_t hash)
{
	const struct htab_slot *sl = &h->slot[hash & h->mask];

	return sl->idx && sl->hash == hash ? sl->idx - 1 : HTAB_NONE;
}
/* htab_reserve makes room for n entries at once: a table grown entry by
 * entry holds its old and new slots together at each doubling, half again
 * its size (a tenth of a merge of 10^7 distinct samples). */
void htab_reserve(struct htab *h, size_t n);
/* htab_truncate forgets every entry from n on (undoing additions). */
void htab_truncate(struct htab *h, uint32_t n);

/* Hashing helpers: a running 64-bit hash over integers and bytes. */
static inline uint64_t
hash_u64(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 31);
}

uint64_t hash_bytes(const void *p, size_t n);

static inline uint32_t
hash_fold(uint64_t h)
{
	h ^= h >> 29;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 32;
	return (uint32_t)h;
}

#endif
