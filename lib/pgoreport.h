/* stub */
#ifndef PGOKIT_PGOREPORT_H
#define PGOKIT_PGOREPORT_H
#include <stdio.h>
#include "profile.h"
int pgoreport_write(const struct profile *p, const char *spec, int count, FILE *f);
#endif
