/* Short names for the protobuf-c structs of profile.proto: the in-memory form
 * that the decoder fills and every profile module reads. */
#ifndef PGOKIT_PB_H
#define PGOKIT_PB_H

#include "pprof/profile.pb-c.h"

typedef Perftools__Profiles__Profile PbProfile;
typedef Perftools__Profiles__ValueType PbValueType;
typedef Perftools__Profiles__Sample PbSample;
typedef Perftools__Profiles__Label PbLabel;
typedef Perftools__Profiles__Mapping PbMapping;
typedef Perftools__Profiles__Location PbLocation;
typedef Perftools__Profiles__Line PbLine;
typedef Perftools__Profiles__Function PbFunction;

#endif
