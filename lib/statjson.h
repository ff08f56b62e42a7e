/* stub */
#ifndef PGOKIT_STATJSON_H
#define PGOKIT_STATJSON_H
#include <stdio.h>
#include "profile.h"
int statjson_write(const struct profile *p, const char *spec, int count, int nprofiles, FILE *f);
#endif
