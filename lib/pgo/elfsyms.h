/* The function names a built Go binary contains, for pgo-build's coverage
 * check: the ELF symbol table's functions plus the names Go keeps in its
 * pclntab for tracebacks, which include functions that were only inlined
 * (PGO inlines exactly the hot ones, and they lose their own symbol). */
#ifndef PGOKIT_ELFSYMS_H
#define PGOKIT_ELFSYMS_H

#include <stddef.h>

struct elfsyms;

/* elfsyms_read reads the names from the ELF file at path. NULL with seterr()
 * when it is no ELF file or has neither a symbol table nor a Go pclntab. */
struct elfsyms *elfsyms_read(const char *path);
void elfsyms_free(struct elfsyms *s);

/* elfsyms_has: is the function name present. Generic instantiations are
 * also found under the name a profile gives them ("pkg.F[...]"). */
int elfsyms_has(const struct elfsyms *s, const char *name);
size_t elfsyms_count(const struct elfsyms *s);

#endif
