/* stub */
#include "pgoreport.h"
#include "util.h"
int pgoreport_write(const struct profile *p, const char *spec, int count, FILE *f)
{ seterr("not implemented"); return -1; }
