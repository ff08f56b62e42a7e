/* Reading pprof-stat's input: one profile, or a stream of concatenated
 * profiles merged into one with the library's merge (pprof -proto rules). */
#ifndef PGOKIT_STATIN_H
#define PGOKIT_STATIN_H

#include <stddef.h>
#include "pprof/profile.h"

/* stat_input reads path (NULL or "-" = stdin). *nprofiles gets how many
 * profiles the stream held; with 0 (an empty input) it returns NULL
 * without an error set. NULL with seterr() ("name: why") on a read, decode
 * or merge error. *rawlen gets the decompressed size of a single input. */
struct profile *stat_input(const char *path, size_t cap, int *nprofiles, size_t *rawlen);

#endif
