/* Diagnosing protobuf wire-format errors in a pprof profile. */
#ifndef PGOKIT_PBWIRE_H
#define PGOKIT_PBWIRE_H

#include <stddef.h>
#include <stdint.h>

/* pbwire_diagnose walks buf; -1 with seterr() naming the first fault and its
 * byte offset, 0 when the wire format is sound. */
int pbwire_diagnose(const uint8_t *buf, size_t len);

#endif
