/* Huge-page-backed allocations: 2 MiB-aligned anonymous mappings with
 * MADV_HUGEPAGE (the kernel's default is often "madvise"), grown by
 * moving their pages with mremap rather than copying them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bigmem.h"
#include "util.h"

#define HUGE ((size_t)2 << 20)

static size_t
round_huge(size_t n)
{
	if (n > SIZE_MAX - HUGE)
		die("allocation overflow: %zu bytes", n);
	return (n + HUGE - 1) & ~(HUGE - 1);
}

/* reserve maps n bytes (a multiple of HUGE) at a HUGE-aligned address. */
static void *
reserve(size_t n)
{
	uint8_t *p = mmap(NULL, n + HUGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;
	size_t head;

	if (p == MAP_FAILED)
		die("out of memory mapping %zu bytes", n);
	a = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
	head = a - (uintptr_t)p;
	if (head)
		munmap(p, head);
	if (HUGE - head)
		munmap((uint8_t *)a + n, HUGE - head);
	return (void *)a;
}

static void
advise(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	madvise(p, n, MADV_HUGEPAGE);   /* advice: no huge pages is no error */
#endif
}

void *
big_alloc(size_t n)
{
	void *p;

	if (n < HUGE)
		return xcalloc(1, n);
	n = round_huge(n);
	p = reserve(n);
	advise(p, n);
	return p;
}

void *
big_realloc(void *p, size_t old, size_t n)
{
	void *q;

	if (!p)
		return big_alloc(n);
	if (old < HUGE && n < HUGE) {
		q = xrealloc(p, n);
		if (n > old)
			memset((uint8_t *)q + old, 0, n - old);
		return q;
	}
	if (old < HUGE || n < HUGE) {
		q = big_alloc(n);
		memcpy(q, p, old < n ? old : n);
		big_free(p, old);
		return q;
	}
	if (n < old) {
		/* what is kept past n must read as zero if it grows again */
		size_t keep = round_huge(n) < old ? round_huge(n) : old;

		memset((uint8_t *)p + n, 0, keep - n);
		if (round_huge(n) < round_huge(old))
			munmap((uint8_t *)p + round_huge(n), round_huge(old) - round_huge(n));
		return p;
	}
	old = round_huge(old);
	n = round_huge(n);
	if (old == n)
		return p;
	/* move the pages to a fresh aligned place: no copy, no new faults */
	q = reserve(n);
	if (mremap(p, old, n, MREMAP_MAYMOVE | MREMAP_FIXED, q) == MAP_FAILED)
		die("out of memory remapping %zu bytes", n);
	advise(q, n);
	return q;
}

void
big_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < HUGE)
		free(p);
	else
		munmap(p, round_huge(n));
}

void
big_advise(void *p, size_t n)
{
	uintptr_t a = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
	uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE - 1);

	if (e > a)
		advise((void *)a, e - a);
}
