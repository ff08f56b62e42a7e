/* A decoder specialised for pprof's schema that fills the protobuf-c structs
 * of profile.pb-c.h. protobuf-c's generic unpack walks field descriptors and
 * made up a third of a merge's instructions; this one knows the fields, sizes
 * each array in a first pass and fills it in a second, all in one arena. The
 * fuzz target checks it against protobuf_c_message_unpack on every input. */
#include <errno.h>
#include <string.h>

#include "util/arena.h"
#include "pprof/decode.h"
#include "util/err.h"

struct rd {
	const uint8_t *p, *end;
};

/* get_varint: 0 ok, -1 malformed or truncated. */
static inline int
get_varint(struct rd *r, uint64_t *v)
{
	const uint8_t *p = r->p;
	uint64_t x;
	int shift;

	if (p < r->end && *p < 0x80) {
		*v = *p;
		r->p = p + 1;
		return 0;
	}
	x = 0;
	for (shift = 0; shift < 70; shift += 7) {
		if (p >= r->end)
			return -1;
		x |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p++ & 0x80)) {
			*v = x;
			r->p = p;
			return 0;
		}
	}
	return -1;
}

/* next_field reads a key; for length-delimited fields *sub is the payload
 * (and the reader moves past it), for varints *v the value. 1: a field;
 * 0: end; -1: malformed. Inlined into every loop over fields: as a call
 * (gcc -O2 declines to inline it) it cost a merge 4% of its CPU time. */
static inline __attribute__((always_inline)) int
next_field(struct rd *r, uint32_t *field, int *wt, uint64_t *v, struct rd *sub)
{
	uint64_t key, len;

	if (r->p >= r->end)
		return 0;
	if (*r->p < 0x80 && *r->p >= 8) {
		key = *r->p++;
	} else if (get_varint(r, &key) < 0 || (key >> 3) == 0 || (key >> 3) > 0x1fffffff) {
		return -1;
	}
	*field = (uint32_t)(key >> 3);
	*wt = (int)(key & 7);
	switch (*wt) {
	case 0:
		if (r->p < r->end && *r->p < 0x80) {
			*v = *r->p++;
			return 1;
		}
		return get_varint(r, v) < 0 ? -1 : 1;
	case 1:
		if (r->end - r->p < 8)
			return -1;
		memcpy(v, r->p, 8);
		r->p += 8;
		return 1;
	case 5:
		if (r->end - r->p < 4)
			return -1;
		*v = (uint64_t)r->p[0] | (uint64_t)r->p[1] << 8 |
		    (uint64_t)r->p[2] << 16 | (uint64_t)r->p[3] << 24;
		r->p += 4;
		return 1;
	case 2:
		if (r->p < r->end && *r->p < 0x80)
			len = *r->p++;
		else if (get_varint(r, &len) < 0)
			return -1;
		if (len > (uint64_t)(r->end - r->p))
			return -1;
		sub->p = r->p;
		sub->end = r->p + len;
		r->p += len;
		return 1;
	default:
		return -1;
	}
}

/* count_varints counts the elements of packed varint data. */
static size_t
count_varints(const struct rd *r)
{
	const uint8_t *p;
	size_t n = 0;

	for (p = r->p; p < r->end; p++)
		n += *p < 0x80;
	return n;
}

/* A scalar field must be a varint; a packed repeated one a varint or bytes. */
#define WANT_VARINT(wt) do { if ((wt) != 0) return -1; } while (0)

/* read_repeated appends the varints of a packed or unpacked field to a.
 * Packed location ids are most of a profile's bytes: one- and two-byte
 * varints take the short path. */
static int
read_repeated(int wt, uint64_t v, struct rd *sub, uint64_t *a, size_t *n)
{
	const uint8_t *p, *end;
	size_t k;

	if (wt == 0) {
		a[(*n)++] = v;
		return 0;
	}
	if (wt != 2)
		return -1;
	p = sub->p;
	end = sub->end;
	k = *n;
	while (p < end) {
		uint64_t x = *p;

		if (x < 0x80) {
			a[k++] = x;
			p++;
		} else if (end - p >= 2 && p[1] < 0x80) {
			a[k++] = (x & 0x7f) | (uint64_t)p[1] << 7;
			p += 2;
		} else {
			struct rd r = { p, end };
			uint64_t got;

			/* a is NULL when no byte ends a varint: no &a[k] then. */
			if (get_varint(&r, &got) < 0)
				return -1;
			a[k++] = got;
			p = r.p;
		}
	}
	*n = k;
	return 0;
}

static int
decode_valuetype(struct rd r, PbValueType *m)
{
	static const PbValueType init = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	struct rd sub = { NULL, NULL };
	uint64_t v = 0;
	uint32_t f;
	int wt, k;

	*m = init;
	while ((k = next_field(&r, &f, &wt, &v, &sub)) > 0) {
		if (f == 1 || f == 2)
			WANT_VARINT(wt);
		if (f == 1)
			m->type = (int64_t)v;
		else if (f == 2)
			m->unit = (int64_t)v;
	}
	return k;
}

static int
decode_label(struct rd r, PbLabel *m)
{
	static const PbLabel init = PERFTOOLS__PROFILES__LABEL__INIT;
	struct rd sub = { NULL, NULL };
	uint64_t v = 0;
	uint32_t f;
	int wt, k;

	*m = init;
	while ((k = next_field(&r, &f, &wt, &v, &sub)) > 0) {
		if (f >= 1 && f <= 4)
			WANT_VARINT(wt);
		switch (f) {
		case 1: m->key = (int64_t)v; break;
		case 2: m->str = (int64_t)v; break;
		case 3: m->num = (int64_t)v; break;
		case 4: m->num_unit = (int64_t)v; break;
		}
	}
	return k;
}

static int
decode_sample(struct arena *a, struct rd r, PbSample *m)
{
	static const PbSample init = PERFTOOLS__PROFILES__SAMPLE__INIT;
	struct rd sub = { NULL, NULL }, scan = r;
	uint64_t v = 0;
	uint32_t f;
	size_t nloc = 0, nval = 0, nlab = 0;
	PbLabel *labels = NULL;
	int wt, k;

	*m = init;
	while ((k = next_field(&scan, &f, &wt, &v, &sub)) > 0) {
		if (f == 1)
			nloc += wt == 2 ? count_varints(&sub) : 1;
		else if (f == 2)
			nval += wt == 2 ? count_varints(&sub) : 1;
		else if (f == 3)
			nlab++;
	}
	if (k < 0)
		return -1;
	if (nloc)
		m->location_id = arena_alloc(a, nloc * sizeof *m->location_id);
	if (nval)
		m->value = arena_alloc(a, nval * sizeof *m->value);
	if (nlab) {
		m->label = arena_alloc(a, nlab * sizeof *m->label);
		labels = arena_alloc(a, nlab * sizeof *labels);
	}
	while ((k = next_field(&r, &f, &wt, &v, &sub)) > 0) {
		switch (f) {
		case 1:
			if (read_repeated(wt, v, &sub, m->location_id, &m->n_location_id) < 0)
				return -1;
			break;
		case 2:
			if (read_repeated(wt, v, &sub, (uint64_t *)m->value, &m->n_value) < 0)
				return -1;
			break;
		case 3:
			if (wt != 2 || decode_label(sub, &labels[m->n_label]) < 0)
				return -1;
			m->label[m->n_label] = &labels[m->n_label];
			m->n_label++;
			break;
		}
	}
	return k;
}

static int
decode_mapping(struct rd r, PbMapping *m)
{
	static const PbMapping init = PERFTOOLS__PROFILES__MAPPING__INIT;
	struct rd sub = { NULL, NULL };
	uint64_t v = 0;
	uint32_t f;
	int wt, k;

	*m = init;
	while ((k = next_field(&r, &f, &wt, &v, &sub)) > 0) {
		if (f >= 1 && f <= 10)
			WANT_VARINT(wt);
		switch (f) {
		case 1: m->id = v; break;
		case 2: m->memory_start = v; break;
		case 3: m->memory_limit = v; break;
		case 4: m->file_offset = v; break;
		case 5: m->filename = (int64_t)v; break;
		case 6: m->build_id = (int64_t)v; break;
		case 7: m->has_functions = v != 0; break;
		case 8: m->has_filenames = v != 0; break;
		case 9: m->has_line_numbers = v != 0; break;
		case 10: m->has_inline_frames = v != 0; break;
		}
	}
	return k;
}

static int
decode_line(struct rd r, PbLine *m)
{
	static const PbLine init = PERFTOOLS__PROFILES__LINE__INIT;
	struct rd sub = { NULL, NULL };
	uint64_t v = 0;
	uint32_t f;
	int wt, k;

	*m = init;
	while ((k = next_field(&r, &f, &wt, &v, &sub)) > 0) {
		if (f >= 1 && f <= 3)
			WANT_VARINT(wt);
		switch (f) {
		case 1: m->function_id = v; break;
		case 2: m->line = (int64_t)v; break;
		case 3: m->column = (int64_t)v; break;
		}
	}
	return k;
}

static int
decode_location(struct arena *a, struct rd r, PbLocation *m)
{
	static const PbLocation init = PERFTOOLS__PROFILES__LOCATION__INIT;
	struct rd sub = { NULL, NULL }, scan = r;
	uint64_t v = 0;
	uint32_t f;
	size_t nline = 0;
	PbLine *lines = NULL;
	int wt, k;

	*m = init;
	while ((k = next_field(&scan, &f, &wt, &v, &sub)) > 0)
		nline += f == 4;
	if (k < 0)
		return -1;
	if (nline) {
		m->line = arena_alloc(a, nline * sizeof *m->line);
		lines = arena_alloc(a, nline * sizeof *lines);
	}
	while ((k = next_field(&r, &f, &wt, &v, &sub)) > 0) {
		switch (f) {
		case 1: WANT_VARINT(wt); m->id = v; break;
		case 2: WANT_VARINT(wt); m->mapping_id = v; break;
		case 3: WANT_VARINT(wt); m->address = v; break;
		case 4:
			if (wt != 2 || decode_line(sub, &lines[m->n_line]) < 0)
				return -1;
			m->line[m->n_line] = &lines[m->n_line];
			m->n_line++;
			break;
		case 5: WANT_VARINT(wt); m->is_folded = v != 0; break;
		}
	}
	return k;
}

static int
decode_function(struct rd r, PbFunction *m)
{
	static const PbFunction init = PERFTOOLS__PROFILES__FUNCTION__INIT;
	struct rd sub = { NULL, NULL };
	uint64_t v = 0;
	uint32_t f;
	int wt, k;

	*m = init;
	while ((k = next_field(&r, &f, &wt, &v, &sub)) > 0) {
		if (f >= 1 && f <= 5)
			WANT_VARINT(wt);
		switch (f) {
		case 1: m->id = v; break;
		case 2: m->name = (int64_t)v; break;
		case 3: m->system_name = (int64_t)v; break;
		case 4: m->filename = (int64_t)v; break;
		case 5: m->start_line = (int64_t)v; break;
		}
	}
	return k;
}

PbProfile *
pprof_decode(struct arena *a, const uint8_t *buf, size_t len)
{
	return pprof_decode_lean(a, buf, len, NULL, 0);
}

/* A profile being decoded: the count of each top-level field (pass 1), the
 * arrays sized from them, and where the samples are. */
struct pdecode {
	struct arena *a;
	PbProfile *m;
	size_t n[16];
	PbValueType *vts;
	PbSample *samples;
	PbMapping *mappings;
	PbLocation *locations;
	PbFunction *functions;
	const uint8_t *lo, *hi;  /* the first sample's start, the last's end */
	int runs;               /* runs of consecutive samples */
	size_t budget;          /* arena bytes allowed, 0: no limit */
};

/* over_budget says (seterr) when the decoded form outgrows its budget. The
 * fixed part, the structs pass 2 allocates per field, is known from the
 * counts before anything is allocated; the rest is checked as it grows. */
static int
over_budget(const struct pdecode *d, size_t more)
{
	size_t used = arena_used(d->a) + more;

	if (!d->budget || used <= d->budget)
		return 0;
	seterr("needs more than %zu MB of memory to decode (bound: %zu MB)",
	    (used + (1 << 20) - 1) >> 20, (d->budget + (1 << 20) - 1) >> 20);
	errno = ENOMEM;         /* for profile_decode: no wire fault to name */
	return 1;
}

/* fixed_size is what size_fields and the structs of pass 2 take. */
static size_t
fixed_size(const size_t *n, int lean)
{
	return n[1] * (sizeof(PbValueType) + 8) +
	    (lean ? 0 : n[2] * (sizeof(PbSample) + 8)) +
	    n[3] * (sizeof(PbMapping) + 8) + n[4] * (sizeof(PbLocation) + 8) +
	    n[5] * (sizeof(PbFunction) + 8) + n[6] * 24 + n[13] * 8;
}

/* count_fields is pass 1: count the repeated fields, find the samples. */
static inline int
count_fields(struct pdecode *d, const uint8_t *buf, size_t len)
{
	struct rd r = { buf, buf + len }, sub;
	const uint8_t *at = buf, *lo = buf + len, *hi = buf + len;
	size_t *n = d->n;
	uint64_t v = 0;
	uint32_t f;
	int wt, k, runs = 0;

	while ((k = next_field(&r, &f, &wt, &v, &sub)) > 0) {
		if (f == 2) {
			if (wt != 2)
				return -1;
			if (!n[2] || at != hi) {
				runs++;
				if (!n[2])
					lo = at;
			}
			hi = r.p;
		}
		if (f == 13 && wt == 2)
			n[13] += count_varints(&sub);
		else if (f < 16)
			n[f]++;
		at = r.p;
	}
	d->lo = lo;
	d->hi = hi;
	d->runs = runs;
	return k;
}

/* size_fields allocates the arrays pass 2 fills; a lean decode gets the
 * samples' count and place in *ls and no sample array. */
static inline void
size_fields(struct pdecode *d, const uint8_t *buf, struct lean_samples *ls)
{
	struct arena *a = d->a;
	PbProfile *m = d->m;
	size_t *n = d->n;

	if (n[1]) {
		m->sample_type = arena_alloc(a, n[1] * sizeof *m->sample_type);
		d->vts = arena_alloc(a, n[1] * sizeof *d->vts);
	}
	if (ls) {               /* lean: samples counted, left in buf */
		ls->n = n[2];
		ls->lo = (size_t)(d->lo - buf);
		ls->hi = (size_t)(d->hi - buf);
		n[2] = 0;
	}
	if (n[2]) {
		m->sample = arena_alloc(a, n[2] * sizeof *m->sample);
		d->samples = arena_alloc(a, n[2] * sizeof *d->samples);
	}
	if (n[3]) {
		m->mapping = arena_alloc(a, n[3] * sizeof *m->mapping);
		d->mappings = arena_alloc(a, n[3] * sizeof *d->mappings);
	}
	if (n[4]) {
		m->location = arena_alloc(a, n[4] * sizeof *m->location);
		d->locations = arena_alloc(a, n[4] * sizeof *d->locations);
	}
	if (n[5]) {
		m->function = arena_alloc(a, n[5] * sizeof *m->function);
		d->functions = arena_alloc(a, n[5] * sizeof *d->functions);
	}
	if (n[6])
		m->string_table = arena_alloc(a, n[6] * sizeof *m->string_table);
	if (n[13])
		m->comment = arena_alloc(a, n[13] * sizeof *m->comment);
}

/* put_field decodes one top-level field in pass 2: one of the repeated
 * messages (1-5) or a string (6) into the next slot of its array, or one of
 * the profile's own fields (7-15). -1 when malformed. One switch: the
 * decode's hot loop dispatches on the field number once. */
static inline int
put_field(struct pdecode *d, uint32_t f, int wt, uint64_t v, struct rd sub, int lean)
{
	PbProfile *m = d->m;

	switch (f) {
	case 1:
		if (wt != 2 || decode_valuetype(sub, &d->vts[m->n_sample_type]) < 0)
			return -1;
		m->sample_type[m->n_sample_type] = &d->vts[m->n_sample_type];
		m->n_sample_type++;
		break;
	case 2:
		if (lean)
			break;
		if (decode_sample(d->a, sub, &d->samples[m->n_sample]) < 0)
			return -1;
		m->sample[m->n_sample] = &d->samples[m->n_sample];
		m->n_sample++;
		break;
	case 3:
		if (wt != 2 || decode_mapping(sub, &d->mappings[m->n_mapping]) < 0)
			return -1;
		m->mapping[m->n_mapping] = &d->mappings[m->n_mapping];
		m->n_mapping++;
		break;
	case 4:
		if (wt != 2 || decode_location(d->a, sub, &d->locations[m->n_location]) < 0)
			return -1;
		m->location[m->n_location] = &d->locations[m->n_location];
		m->n_location++;
		break;
	case 5:
		if (wt != 2 || decode_function(sub, &d->functions[m->n_function]) < 0)
			return -1;
		m->function[m->n_function] = &d->functions[m->n_function];
		m->n_function++;
		break;
	case 6: {
		size_t slen = (size_t)(sub.end - sub.p);
		char *s;

		if (wt != 2)
			return -1;
		s = arena_alloc(d->a, slen + 1);
		memcpy(s, sub.p, slen);
		s[slen] = '\0';
		m->string_table[m->n_string_table++] = s;
		break;
	}
	case 7: if (wt) return -1; m->drop_frames = (int64_t)v; break;
	case 8: if (wt) return -1; m->keep_frames = (int64_t)v; break;
	case 9: if (wt) return -1; m->time_nanos = (int64_t)v; break;
	case 10: if (wt) return -1; m->duration_nanos = (int64_t)v; break;
	case 11:
		if (wt != 2)
			return -1;
		if (!m->period_type)
			m->period_type = arena_alloc(d->a, sizeof *m->period_type);
		if (decode_valuetype(sub, m->period_type) < 0)
			return -1;
		break;
	case 12: if (wt) return -1; m->period = (int64_t)v; break;
	case 13:
		if (read_repeated(wt, v, &sub, (uint64_t *)m->comment, &m->n_comment) < 0)
			return -1;
		break;
	case 14: if (wt) return -1; m->default_sample_type = (int64_t)v; break;
	case 15: if (wt) return -1; m->doc_url = (int64_t)v; break;
	}
	return 0;
}

PbProfile *
pprof_decode_lean(struct arena *a, const uint8_t *buf, size_t len, struct lean_samples *ls,
    size_t budget)
{
	static const PbProfile init = PERFTOOLS__PROFILES__PROFILE__INIT;
	struct pdecode d = { .a = a, .budget = budget };
	struct rd r = { buf, buf + len }, sub;
	const uint8_t *lo, *hi;
	uint64_t v = 0;
	uint32_t f;
	int wt, k, skip;
	unsigned nfield = 0;

	d.m = arena_alloc(a, sizeof *d.m);
	*d.m = init;
	if (count_fields(&d, buf, len) < 0)
		goto bad;
	if (over_budget(&d, fixed_size(d.n, ls != NULL)))
		return NULL;
	size_fields(&d, buf, ls);

	/* pass 2: fill; a lean decode steps over the samples when they are
	 * all in one run (as every writer of pprof puts them) */
	skip = ls && d.runs == 1;
	lo = d.lo;
	hi = d.hi;
	for (;;) {
		if (skip && r.p == lo)
			r.p = hi;
		if ((k = next_field(&r, &f, &wt, &v, &sub)) <= 0)
			break;
		if (put_field(&d, f, wt, v, sub, ls != NULL) < 0)
			goto bad;
		if (!(++nfield & 0xffff) && over_budget(&d, 0))
			return NULL;
	}
	if (over_budget(&d, 0))
		return NULL;
	if (k == 0)
		return d.m;
bad:
	seterr("malformed protobuf: a field has the wrong wire type or bad contents");
	return NULL;
}
