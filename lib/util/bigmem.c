/* Huge-page-backed allocations: 2 MiB-aligned anonymous mappings with
 * MADV_HUGEPAGE (the kernel's default is often "madvise"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/bigmem.h"
#include "util/err.h"

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
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)p & ~(pg - 1);
	uintptr_t e = ((uintptr_t)p + n + pg - 1) & ~(pg - 1);

	/* The whole of the buffer's pages, not its aligned middle: advice on
	 * part of a mapping splits it in two, and realloc can then no longer
	 * move it whole (mremap) but copies it, old and new pages at once. */
	if (n >= 4 * HUGE)
		advise((void *)a, e - a);
}
