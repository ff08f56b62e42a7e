/* libFuzzer target for the profile decoder: gzip or raw bytes in; the
 * decoder must never crash, and wherever protobuf-c's generic unpack and our
 * specialised decoder both accept the bytes they must agree (packed again,
 * the two give the same bytes). Valid profiles are then merged and encoded,
 * and the result must decode. The lean path (lean_view, merger_add_raw:
 * samples checked while merged) must accept exactly what the decoder
 * accepts and merge it to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "codec/gzip.h"
#include "pprof/lean.h"
#include "pprof/merge.h"
#include "pprof/decode.h"
#include "pprof/profile.h"

/* protobuf-c keeps unknown fields and packs them again; pprof has no use
 * for them and our decoder skips them, so the comparison forgets them. */
static void
forget_unknown(PbProfile *p)
{
	size_t i, j;

	p->base.n_unknown_fields = 0;
	for (i = 0; i < p->n_sample_type; i++)
		p->sample_type[i]->base.n_unknown_fields = 0;
	if (p->period_type)
		p->period_type->base.n_unknown_fields = 0;
	for (i = 0; i < p->n_sample; i++) {
		p->sample[i]->base.n_unknown_fields = 0;
		for (j = 0; j < p->sample[i]->n_label; j++)
			p->sample[i]->label[j]->base.n_unknown_fields = 0;
	}
	for (i = 0; i < p->n_mapping; i++)
		p->mapping[i]->base.n_unknown_fields = 0;
	for (i = 0; i < p->n_location; i++) {
		p->location[i]->base.n_unknown_fields = 0;
		for (j = 0; j < p->location[i]->n_line; j++)
			p->location[i]->line[j]->base.n_unknown_fields = 0;
	}
	for (i = 0; i < p->n_function; i++)
		p->function[i]->base.n_unknown_fields = 0;
}

static void
differential(const uint8_t *buf, size_t len)
{
	struct arena *a = arena_new(4096), *b = arena_new(4096);
	ProtobufCAllocator al = arena_pb_allocator(b);
	PbProfile *ours = pprof_decode(a, buf, len);
	PbProfile *ref = (PbProfile *)protobuf_c_message_unpack(
	    &perftools__profiles__profile__descriptor, &al, len, buf);

	if (ours && ref) {
		size_t n1, n2;
		uint8_t *p1, *p2;

		forget_unknown(ref);
		n1 = protobuf_c_message_get_packed_size(&ours->base);
		n2 = protobuf_c_message_get_packed_size(&ref->base);
		p1 = malloc(n1 + 1);
		p2 = malloc(n2 + 1);

		protobuf_c_message_pack(&ours->base, p1);
		protobuf_c_message_pack(&ref->base, p2);
		if (n1 != n2 || memcmp(p1, p2, n1))
			abort();
		free(p1);
		free(p2);
	}
	/* One may refuse what the other accepts: ours rejects field numbers
	 * above 2^29-1 that protobuf-c truncates, and groups. */
	arena_free(a);
	arena_free(b);
}

/* merge_twice merges p (or buf's samples, raw) at weights 1 and 0.5 and
 * encodes: 0 with *out set, -1 when the merge refused it. */
static int
merge_twice(const struct profile *p, const uint8_t *raw, size_t len, uint8_t **out,
    size_t *outlen)
{
	struct merge_opts o = { 0 };
	struct merger *m = merger_new(&o);

	if (merger_add_raw(m, p, raw, len, 1.0) == 0 &&
	    merger_add_raw(m, p, raw, len, 0.5) == 0) {
		if (merger_encode(m, out, outlen) < 0)
			abort();
		return 0;
	}
	if (merger_encode(m, out, outlen) == 0)
		free(*out);
	return -1;
}

static void
lean_differential(const uint8_t *buf, size_t len, const struct profile *p)
{
	struct profile *v = lean_view(buf, len);
	uint8_t *o1 = NULL, *o2 = NULL;
	size_t n1 = 0, n2 = 0;
	int r1 = v ? merge_twice(v, buf, len, &o1, &n1) : -1;
	int r2 = p ? merge_twice(p, NULL, 0, &o2, &n2) : -1;

	if (!p && r1 == 0)
		abort();        /* lean accepted what the decoder refuses */
	if (r2 == 0 && r1 != 0)
		abort();        /* lean refused what the decoder merges */
	if (r1 == 0 && r2 == 0 && (n1 != n2 || memcmp(o1, o2, n1)))
		abort();
	free(o1);
	free(o2);
	profile_free(v);
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
	p = profile_decode(buf, len);
	lean_differential(buf, len, p);
	if (p) {
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
