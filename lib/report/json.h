/* --json: one JSON document describing a profile for scripts and
 * dashboards: sample types, period, duration, time, table counts, totals per
 * sample type and the -top rows. */
#ifndef PGOKIT_STATJSON_H
#define PGOKIT_STATJSON_H

#include <jansson.h>
#include <stdio.h>
#include "pprof/profile.h"
#include "report/top.h"

/* statjson_write writes the document for sample type spec (NULL = pprof's
 * default), with at most count top rows (0 = all above pprof's drop cut);
 * nprofiles is how many inputs were merged. -1 with seterr(). */
int statjson_write(const struct profile *p, const char *spec, int count, int nprofiles, FILE *f);

/* statjson_top is the "top" object: the rows of the text report, raw,
 * with their percentages of the report's total. */
json_t *statjson_top(const struct top_report *r);

#endif
