/* --json: one JSON document describing a profile for scripts and
 * dashboards: sample types, period, duration, time, table counts, totals per
 * sample type and the -top rows. */
#ifndef PGOKIT_STATJSON_H
#define PGOKIT_STATJSON_H

#include <stdio.h>
#include "pprof/profile.h"

/* statjson_write writes the document for sample type spec (NULL = pprof's
 * default), with at most count top rows (0 = all above pprof's drop cut);
 * nprofiles is how many inputs were merged. -1 with seterr(). */
int statjson_write(const struct profile *p, const char *spec, int count, int nprofiles, FILE *f);

#endif
