/* Id -> index lookups for a profile's mappings, locations and functions.
 * Ids are usually 1..n, so a dense array serves; sparse ids (allowed by the
 * format) fall back to an open-addressing hash. */
#include <string.h>

#include "util/arena.h"
#include "pprof/profile.h"

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

void
idmap_build(struct idmap *m, struct arena *a, const uint64_t *ids, size_t n)
{
	uint64_t max = 0;
	size_t i;

	memset(m, 0, sizeof *m);
	for (i = 0; i < n; i++)
		if (ids[i] > max)
			max = ids[i];
	if (max <= 4 * (uint64_t)n + 64) {
		m->ndense = max + 1;
		m->dense = arena_calloc(a, (size_t)m->ndense * sizeof *m->dense);
		for (i = 0; i < n; i++)
			m->dense[ids[i]] = (uint32_t)i + 1;
		return;
	}
	m->hmask = 64;
	while (m->hmask < 2 * n)
		m->hmask *= 2;
	m->hkeys = arena_calloc(a, m->hmask * sizeof *m->hkeys);
	m->hvals = arena_calloc(a, m->hmask * sizeof *m->hvals);
	m->hmask--;
	for (i = 0; i < n; i++) {
		uint64_t s = mix64(ids[i]) & m->hmask;

		while (m->hvals[s])
			s = (s + 1) & m->hmask;
		m->hkeys[s] = ids[i];
		m->hvals[s] = (uint32_t)i + 1;
	}
}

int64_t
idmap_get_hashed(const struct idmap *m, uint64_t id)
{
	uint64_t s;

	if (!m->hvals)
		return -1;
	for (s = mix64(id) & m->hmask; m->hvals[s]; s = (s + 1) & m->hmask)
		if (m->hkeys[s] == id)
			return (int64_t)m->hvals[s] - 1;
	return -1;
}
