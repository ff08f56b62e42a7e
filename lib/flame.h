/* stub */
#ifndef PGOKIT_FLAME_H
#define PGOKIT_FLAME_H
#include <stdio.h>
#include "profile.h"
int flame_write(const struct profile *p, const char *spec, const char *title, FILE *f);
#endif
