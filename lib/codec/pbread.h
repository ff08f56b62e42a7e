/* Diagnosing protobuf wire-format errors in a pprof profile. */
#ifndef PGOKIT_PBWIRE_H
#define PGOKIT_PBWIRE_H

#include <stddef.h>
#include <stdint.h>

/* pbwire_diagnose walks buf; -1 with seterr() naming the first fault and its
 * byte offset, 0 when the wire format is sound. */
int pbwire_diagnose(const uint8_t *buf, size_t len);

/* pbwire_sniff looks at the first bytes of input said to be a raw profile
 * (n may be short: what a first read brought) so that a reader can refuse
 * /dev/zero or a text file at once instead of reading it whole first: 0
 * when they may start a profile (a key with a field number and a wire type
 * a decoder accepts), -1 with seterr() when they cannot, naming a gzip
 * stream inside a gzip stream as such. */
int pbwire_sniff(const uint8_t *buf, size_t n);

#endif
