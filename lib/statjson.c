/* stub */
#include "statjson.h"
#include "util.h"
int statjson_write(const struct profile *p, const char *spec, int count, int nprofiles, FILE *f)
{ seterr("not implemented"); return -1; }
