/* A bump allocator: many small allocations, freed all at once. Decoded
 * profiles live in one arena so freeing an input is one call. */
#ifndef PGOKIT_ARENA_H
#define PGOKIT_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

struct arena;

struct arena *arena_new(size_t first_block);
void *arena_alloc(struct arena *a, size_t n);     /* 16-byte aligned, never NULL */
void *arena_calloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);
size_t arena_used(const struct arena *a);

/* arena_free keeps freed blocks for reuse by later arenas of the thread;
 * arena_cache_release gives them back to the system. */
void arena_cache_release(void);

/* A protobuf-c allocator that carves from a; its free is a no-op. */
ProtobufCAllocator arena_pb_allocator(struct arena *a);

#endif
