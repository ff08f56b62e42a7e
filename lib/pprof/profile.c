/* Decoding and validating a pprof profile, looking things up in it, and
 * encoding it back. protobuf-c parses into an arena; validation then checks
 * every cross reference so later code can follow them without checks. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "codec/gzip.h"
#include "util/output.h"
#include "codec/pbread.h"
#include "pprof/decode.h"
#include "pprof/profile.h"
#include "util/err.h"

static int
check_str(const PbProfile *pb, int64_t i, const char *what)
{
	if (i < 0 || (uint64_t)i >= pb->n_string_table) {
		seterr("%s: string index %lld out of range (string table has %zu entries)",
		    what, (long long)i, pb->n_string_table);
		return -1;
	}
	return 0;
}

/* check_ids builds the lookup of one id space, refusing id 0 and duplicates. */
static int
check_ids(struct idmap *m, struct arena *a, const uint64_t *ids, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == 0) {
			seterr("%s #%zu has id 0", what, i + 1);
			return -1;
		}
	idmap_build(m, a, ids, n);
	for (i = 0; i < n; i++)
		if (idmap_get(m, ids[i]) != (int64_t)i) {
			seterr("duplicate %s id %llu", what, (unsigned long long)ids[i]);
			return -1;
		}
	return 0;
}

/* check_header_strings: string_table[0] and the profile's own string
 * indices (types, units, frames, doc_url, comments). */
static int
check_header_strings(const PbProfile *pb)
{
	size_t i;

	if (pb->n_string_table == 0 || pb->string_table[0][0] != '\0') {
		seterr("string_table[0] is not the empty string");
		return -1;
	}
	for (i = 0; i < pb->n_sample_type; i++)
		if (check_str(pb, pb->sample_type[i]->type, "sample type") ||
		    check_str(pb, pb->sample_type[i]->unit, "sample type unit"))
			return -1;
	if (pb->period_type && (check_str(pb, pb->period_type->type, "period type") ||
	    check_str(pb, pb->period_type->unit, "period type unit")))
		return -1;
	if (check_str(pb, pb->drop_frames, "drop_frames") ||
	    check_str(pb, pb->keep_frames, "keep_frames") ||
	    check_str(pb, pb->default_sample_type, "default_sample_type") ||
	    check_str(pb, pb->doc_url, "doc_url"))
		return -1;
	for (i = 0; i < pb->n_comment; i++)
		if (check_str(pb, pb->comment[i], "comment"))
			return -1;
	return 0;
}

/* check_mappings, check_functions and check_locations check one record
 * kind's strings and references and build its id lookup; ids is room for
 * the ids of any kind. Locations refer to mappings and functions, so they
 * come last. */
static int
check_mappings(struct profile *p, uint64_t *ids)
{
	const PbProfile *pb = p->pb;

	for (size_t i = 0; i < pb->n_mapping; i++) {
		const PbMapping *m = pb->mapping[i];

		ids[i] = m->id;
		if (check_str(pb, m->filename, "mapping filename") ||
		    check_str(pb, m->build_id, "mapping build_id"))
			return -1;
	}
	return check_ids(&p->maps, p->arena, ids, pb->n_mapping, "mapping");
}

static int
check_functions(struct profile *p, uint64_t *ids)
{
	const PbProfile *pb = p->pb;

	for (size_t i = 0; i < pb->n_function; i++) {
		const PbFunction *f = pb->function[i];

		ids[i] = f->id;
		if (check_str(pb, f->name, "function name") ||
		    check_str(pb, f->system_name, "function system_name") ||
		    check_str(pb, f->filename, "function filename"))
			return -1;
	}
	return check_ids(&p->funcs, p->arena, ids, pb->n_function, "function");
}

static int
check_locations(struct profile *p, uint64_t *ids)
{
	const PbProfile *pb = p->pb;

	for (size_t i = 0; i < pb->n_location; i++) {
		const PbLocation *l = pb->location[i];

		ids[i] = l->id;
		if (l->mapping_id && idmap_get(&p->maps, l->mapping_id) < 0) {
			seterr("location %llu refers to missing mapping %llu",
			    (unsigned long long)l->id, (unsigned long long)l->mapping_id);
			return -1;
		}
		for (size_t j = 0; j < l->n_line; j++)
			if (l->line[j]->function_id &&
			    idmap_get(&p->funcs, l->line[j]->function_id) < 0) {
				seterr("location %llu refers to missing function %llu",
				    (unsigned long long)l->id,
				    (unsigned long long)l->line[j]->function_id);
				return -1;
			}
	}
	return check_ids(&p->locs, p->arena, ids, pb->n_location, "location");
}

/* check_samples: value counts, locations and label strings. */
static int
check_samples(const struct profile *p)
{
	const PbProfile *pb = p->pb;
	size_t i, j;

	for (i = 0; i < pb->n_sample; i++) {
		const PbSample *s = pb->sample[i];

		if (s->n_value != pb->n_sample_type) {
			seterr("sample %zu has %zu values but the profile has %zu sample types",
			    i + 1, s->n_value, pb->n_sample_type);
			return -1;
		}
		for (j = 0; j < s->n_location_id; j++)
			if (idmap_get(&p->locs, s->location_id[j]) < 0) {
				seterr("sample %zu refers to missing location %llu", i + 1,
				    (unsigned long long)s->location_id[j]);
				return -1;
			}
		for (j = 0; j < s->n_label; j++) {
			const PbLabel *l = s->label[j];

			if (check_str(pb, l->key, "label key") ||
			    check_str(pb, l->str, "label value") ||
			    check_str(pb, l->num_unit, "label unit"))
				return -1;
		}
	}
	return 0;
}

static int
validate(struct profile *p)
{
	const PbProfile *pb = p->pb;
	uint64_t *ids;
	size_t n;
	int rc;

	if (check_header_strings(pb))
		return -1;
	n = pb->n_mapping;
	if (pb->n_location > n)
		n = pb->n_location;
	if (pb->n_function > n)
		n = pb->n_function;
	ids = xmalloc((n ? n : 1) * sizeof *ids);
	rc = check_mappings(p, ids) || check_functions(p, ids) || check_locations(p, ids);
	free(ids);
	if (rc)
		return -1;
	return check_samples(p);
}

/* An HTML error page or a plain-text message saved as a "profile" is the
 * commonest bad input: say so rather than report a wire-format fault. */
static int
looks_like_text(const uint8_t *buf, size_t len)
{
	size_t i, n = len < 64 ? len : 64;

	for (i = 0; i < n; i++)
		if ((buf[i] < 0x20 && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t') ||
		    buf[i] >= 0x7f)
			return 0;
	return n > 0;
}

static int
text_prefix(const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 60 && buf[i] != '\n' && buf[i] != '\r'; i++)
		;
	return (int)i;
}

size_t
profile_decode_budget(size_t len)
{
	size_t slack = (size_t)DECODE_SLACK_MB << 20;

	return len > (SIZE_MAX - slack) / DECODE_FACTOR ? SIZE_MAX :
	    len * DECODE_FACTOR + slack;
}

int
profile_sniff(const uint8_t *buf, size_t n)
{
	if (pbwire_sniff(buf, n) == 0)
		return 0;
	if (!is_gzip(buf, n) && looks_like_text(buf, n))
		seterr("not a profile: looks like text: \"%.*s\"", text_prefix(buf, n), buf);
	return -1;
}

#define LEAN_BLOCK ((size_t)4 << 20)

static struct profile *
decode(const uint8_t *buf, size_t len, size_t *nsample)
{
	struct lean_samples ls;
	struct profile *p;

	if (len == 0) {
		seterr("empty profile");
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	/* The decoded form is a few times the wire size (of what is decoded:
	 * a lean decode leaves out the samples, most of the bytes, so its
	 * arena starts small and grows: a first block of the wire size was
	 * address space never used, 524 MB on 5 x 10^7 stacks). */
	p->arena = arena_new((nsample ? (len < LEAN_BLOCK ? len : LEAN_BLOCK) : len * 3) + 4096);
	errno = 0;
	p->pb = pprof_decode_lean(p->arena, buf, len, nsample ? &ls : NULL,
	    profile_decode_budget(len));
	if (p->pb && nsample) {
		*nsample = ls.n;
		p->sample_lo = ls.lo;
		p->sample_hi = ls.hi;
	}
	if (!p->pb) {
		if (errno == ENOMEM)
			;       /* decodable, but too big: said so already */
		else if (profile_sniff(buf, len) < 0)
			;       /* gzip inside gzip, text, /dev/zero: said so */
		else if (looks_like_text(buf, len))
			seterr("not a profile: looks like text: \"%.*s\"", text_prefix(buf, len), buf);
		else if (pbwire_diagnose(buf, len) == 0)
			seterr("not a pprof profile (protobuf does not match the schema)");
		goto fail;
	}
	if (validate(p) < 0)
		goto fail;
	return p;
fail:
	arena_free(p->arena);
	free(p);
	return NULL;
}

struct profile *
profile_decode(const uint8_t *buf, size_t len)
{
	return decode(buf, len, NULL);
}

struct profile *
profile_decode_lean(const uint8_t *buf, size_t len, size_t *nsample)
{
	return decode(buf, len, nsample);
}

void
profile_reindex(struct profile *p)
{
	const PbProfile *pb = p->pb;
	size_t n = pb->n_mapping, i;
	uint64_t *ids;

	if (pb->n_location > n)
		n = pb->n_location;
	if (pb->n_function > n)
		n = pb->n_function;
	ids = xmalloc((n ? n : 1) * sizeof *ids);
	for (i = 0; i < pb->n_mapping; i++)
		ids[i] = pb->mapping[i]->id;
	idmap_build(&p->maps, p->arena, ids, pb->n_mapping);
	for (i = 0; i < pb->n_function; i++)
		ids[i] = pb->function[i]->id;
	idmap_build(&p->funcs, p->arena, ids, pb->n_function);
	for (i = 0; i < pb->n_location; i++)
		ids[i] = pb->location[i]->id;
	idmap_build(&p->locs, p->arena, ids, pb->n_location);
	free(ids);
}

size_t
profile_nsample(const struct profile *p)
{
	return p->raw ? p->nsample : p->pb->n_sample;
}

void
profile_free(struct profile *p)
{
	if (!p)
		return;
	arena_free(p->arena);
	arena_free(p->extra);
	free(p);
}

PbLocation *
profile_location(const struct profile *p, uint64_t id)
{
	int64_t i = idmap_get(&p->locs, id);

	return i < 0 ? NULL : p->pb->location[i];
}

PbFunction *
profile_function(const struct profile *p, uint64_t id)
{
	int64_t i = idmap_get(&p->funcs, id);

	return i < 0 ? NULL : p->pb->function[i];
}

PbMapping *
profile_mapping(const struct profile *p, uint64_t id)
{
	int64_t i = idmap_get(&p->maps, id);

	return i < 0 ? NULL : p->pb->mapping[i];
}

const char *
profile_str(const struct profile *p, int64_t i)
{
	if (i < 0 || (uint64_t)i >= p->pb->n_string_table)
		return "";
	return p->pb->string_table[i];
}

int
profile_sample_type(const struct profile *p, const char *spec)
{
	const PbProfile *pb = p->pb;
	size_t i, tlen;
	const char *slash;
	char *end;
	long idx;

	if (pb->n_sample_type == 0) {
		seterr("profile has no sample types");
		return -1;
	}
	if (!spec || !*spec) {
		const char *def = profile_str(p, pb->default_sample_type);

		if (*def)
			for (i = 0; i < pb->n_sample_type; i++)
				if (!strcmp(profile_str(p, pb->sample_type[i]->type), def))
					return (int)i;
		return (int)pb->n_sample_type - 1;
	}
	idx = strtol(spec, &end, 10);
	if (*end == '\0' && end != spec) {
		if (idx < 0 || (size_t)idx >= pb->n_sample_type) {
			seterr("sample index %s out of range (0-%zu)", spec, pb->n_sample_type - 1);
			return -1;
		}
		return (int)idx;
	}
	slash = strchr(spec, '/');
	tlen = slash ? (size_t)(slash - spec) : strlen(spec);
	for (i = 0; i < pb->n_sample_type; i++) {
		const char *t = profile_str(p, pb->sample_type[i]->type);
		const char *u = profile_str(p, pb->sample_type[i]->unit);

		if (strlen(t) == tlen && !strncmp(t, spec, tlen) &&
		    (!slash || !strcmp(u, slash + 1)))
			return (int)i;
	}
	seterr("no sample type %s", spec);
	return -1;
}

int
profile_encode(const struct profile *p, int level, uint8_t **out, size_t *outlen)
{
	size_t n = protobuf_c_message_get_packed_size(&p->pb->base);
	uint8_t *raw = xmalloc(n);
	int r;

	protobuf_c_message_pack(&p->pb->base, raw);
	if (level == 0) {
		*out = raw;
		*outlen = n;
		return 0;
	}
	r = gz_deflate(raw, n, level, out, outlen);
	free(raw);
	return r;
}

int
profile_write(const struct profile *p, const char *path, int level)
{
	uint8_t *buf;
	size_t len;
	int r;

	if (profile_encode(p, level, &buf, &len) < 0)
		return -1;
	r = write_output(path, buf, len, 1);
	free(buf);
	return r;
}

/* Pyroscope 0.x /render?format=pprof exports are built from flame graph
 * trees that hold only function names: their one sample type has an empty
 * name, and no Line has a line number, no Function a start_line. Every
 * condition must hold ("all", not "any"): runtime/pprof names every sample
 * type, so a real Go profile never has an unnamed one, and requiring the
 * missing line numbers and start lines too keeps a converter's profile
 * that merely leaves a type unnamed from being called a 0.x export. A
 * profile with no sample types at all is not one either: it has nothing to
 * be unnamed, and callers report it as such. */
int
profile_is_legacy_pyroscope(const struct profile *p)
{
	const PbProfile *pb = p->pb;

	if (pb->n_sample_type == 0)
		return 0;
	for (size_t i = 0; i < pb->n_sample_type; i++)
		if (profile_str(p, pb->sample_type[i]->type)[0])
			return 0;
	for (size_t i = 0; i < pb->n_location; i++)
		for (size_t j = 0; j < pb->location[i]->n_line; j++)
			if (pb->location[i]->line[j]->line != 0)
				return 0;
	for (size_t i = 0; i < pb->n_function; i++)
		if (pb->function[i]->start_line != 0)
			return 0;
	return 1;
}
