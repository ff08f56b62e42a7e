/* libFuzzer target for the profile decoder: gzip or raw bytes in; the
 * decoder must never crash, and wherever protobuf-c's generic unpack and our
 * specialised decoder both accept the bytes they must agree (packed again,
 * the two give the same bytes). Valid profiles are then merged and encoded,
 * and the result must decode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "compress.h"
#include "merge.h"
#include "pprof_decode.h"
#include "profile.h"

static void
differential(const uint8_t *buf, size_t len)
{
	struct arena *a = arena_new(4096), *b = arena_new(4096);
	ProtobufCAllocator al = arena_pb_allocator(b);
	PbProfile *ours = pprof_decode(a, buf, len);
	PbProfile *ref = (PbProfile *)protobuf_c_message_unpack(
	    &perftools__profiles__profile__descriptor, &al, len, buf);

	if (ours && ref) {
		size_t n1 = protobuf_c_message_get_packed_size(&ours->base);
		size_t n2 = protobuf_c_message_get_packed_size(&ref->base);
		uint8_t *p1 = malloc(n1 + 1), *p2 = malloc(n2 + 1);

		protobuf_c_message_pack(&ours->base, p1);
		protobuf_c_message_pack(&ref->base, p2);
		if (n1 != n2 || memcmp(p1, p2, n1))
			abort();
		free(p1);
		free(p2);
	}
	/* what protobuf-c accepts we accept too (it is the stricter one on
	 * UTF-8 only, which proto3 strings in pprof do not rely on) */
	if (ref && !ours)
		abort();
	arena_free(a);
	arena_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *raw = NULL;
	size_t len = size, used;
	const uint8_t *buf = data;
	struct profile *p;

	if (is_gzip(data, size)) {
		if (gz_inflate_member(data, size, 16 << 20, &raw, &len, &used) < 0)
			return 0;
		buf = raw;
	}
	differential(buf, len);
	if ((p = profile_decode(buf, len))) {
		struct merge_opts o = { 0 };
		struct merger *m = merger_new(&o);
		uint8_t *out;
		size_t outlen;
		struct profile *q;

		if (merger_add(m, p, 1.0) == 0 && merger_add(m, p, 0.5) == 0) {
			if (merger_encode(m, &out, &outlen) < 0)
				abort();
			if (!(q = profile_decode(out, outlen)))
				abort();
			profile_free(q);
			free(out);
		} else {
			if (merger_encode(m, &out, &outlen) == 0)
				free(out);
		}
		profile_free(p);
	}
	free(raw);
	return 0;
}
