/* The PGO decision report (pgo-build --report): what the compiler did with
 * the profile, as text for people or one JSON document for scripts. */
#ifndef PGOKIT_DECISIONREPORT_H
#define PGOKIT_DECISIONREPORT_H

#include <stdio.h>
#include "pgo/decisions.h"

/* decisions_write writes ds to f; profile names the -pgo= file and go the
 * toolchain ("go1.23.5", may be ""). -1 with seterr() on a write error. */
int decisions_write(const struct pgo_decisions *ds, const char *profile,
    const char *go, int json, FILE *f);

#endif
