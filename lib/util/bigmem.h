/* Large tables on transparent huge pages. The merge's hash slots and its
 * sample store (a malloc'd buffer given big_advise) are tens of MB read at
 * random: on 4 KiB pages nearly every probe is a TLB miss as well as a
 * cache miss. Below 2 MiB these are calloc/free. */
#ifndef PGOKIT_BIGMEM_H
#define PGOKIT_BIGMEM_H

#include <stddef.h>

/* big_alloc returns n zeroed bytes; big_free must be given the same n. */
void *big_alloc(size_t n);
void big_free(void *p, size_t n);
/* big_advise asks for huge pages for a whole buffer of 8 MiB or more from
 * malloc (p its start, n its size), before its pages are first touched:
 * all of its pages, so that realloc still moves the mapping whole. */
void big_advise(void *p, size_t n);

#endif
