/* Reading a stream of profiles: one file or stdin carrying one raw protobuf
 * profile or any number of concatenated gzip members, one profile each.
 * Regular files are read whole and inflated member by member; pipes are
 * inflated as a stream, so memory holds one profile at a time. */
#ifndef PGOKIT_PFREADER_H
#define PGOKIT_PFREADER_H

#include <stddef.h>
#include <stdint.h>

struct pfreader;

/* path NULL or "-" is stdin. cap bounds each decompressed profile. */
struct pfreader *pfreader_open(const char *path, size_t cap);

/* pfreader_next yields the next profile's raw protobuf bytes, valid until the
 * next call. 1: got one; 0: end of input; -1: error (seterr), stream over. */
int pfreader_next(struct pfreader *r, const uint8_t **buf, size_t *len);

/* "<stdin>" or the path, for messages. */
const char *pfreader_name(const struct pfreader *r);
void pfreader_close(struct pfreader *r);

#endif
