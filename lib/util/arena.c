/* A bump allocator: blocks that only grow, freed together. A decoded profile
 * makes hundreds of thousands of small allocations; one arena makes them a
 * pointer bump each and the free a handful of calls. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/err.h"

struct block {
	struct block *next;
	size_t size, used;
	/* data follows, 16-byte aligned */
};

struct arena {
	struct block *head;
	size_t next_size, total;
};

#define HDR ((sizeof(struct block) + 15) & ~(size_t)15)
#define CACHE_MAX ((size_t)256 << 20)

/* Blocks of freed arenas, kept for the next arena: decoding one input after
 * another then reuses memory already mapped instead of faulting in fresh
 * pages each time. Per thread, so no locking. */
static _Thread_local struct block *cache;
static _Thread_local size_t cached;

static struct block *
block_new(size_t size)
{
	struct block **pp, *b;

	for (pp = &cache; (b = *pp); pp = &b->next)
		if (b->size >= size && b->size <= 4 * size) {
			*pp = b->next;
			cached -= b->size;
			break;
		}
	if (!b) {
		b = xmalloc(HDR + size);
		b->size = size;
	}
	b->next = NULL;
	b->used = 0;
	return b;
}

void
arena_cache_release(void)
{
	struct block *b, *next;

	for (b = cache; b; b = next) {
		next = b->next;
		free(b);
	}
	cache = NULL;
	cached = 0;
}

struct arena *
arena_new(size_t first_block)
{
	struct arena *a = xcalloc(1, sizeof *a);

	a->next_size = first_block < 4096 ? 4096 : first_block;
	return a;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct block *b = a->head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!b || b->size - b->used < n) {
		size_t size = a->next_size;

		while (size < n)
			size *= 2;
		if (a->next_size < ((size_t)64 << 20))
			a->next_size *= 2;
		b = block_new(size);
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b + HDR + b->used;
	b->used += n;
	a->total += n;
	return p;
}

void *
arena_calloc(struct arena *a, size_t n)
{
	return memset(arena_alloc(a, n), 0, n);
}

char *
arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(arena_alloc(a, n), s, n);
}

size_t
arena_used(const struct arena *a)
{
	return a->total;
}

void
arena_free(struct arena *a)
{
	struct block *b, *next;

	if (!a)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		if (cached + b->size <= CACHE_MAX) {
			b->next = cache;
			cache = b;
			cached += b->size;
		} else {
			free(b);
		}
	}
	free(a);
}

static void *
pb_alloc(void *data, size_t size)
{
	return arena_alloc(data, size);
}

static void
pb_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

ProtobufCAllocator
arena_pb_allocator(struct arena *a)
{
	ProtobufCAllocator al = { pb_alloc, pb_free, a };

	return al;
}
