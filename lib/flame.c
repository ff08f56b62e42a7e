/* stub */
#include "flame.h"
#include "util.h"
int flame_write(const struct profile *p, const char *spec, const char *title, FILE *f)
{ seterr("not implemented"); return -1; }
