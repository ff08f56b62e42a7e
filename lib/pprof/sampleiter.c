/* Sample walking over decoded or raw samples. The raw reader understands
 * exactly the Sample message: location_id (1) and value (2), packed or not;
 * labels (3), their string indices checked; unknown fields are skipped
 * after their bounds are checked. */
#include <stdlib.h>
#include <string.h>

#include "pprof/sampleiter.h"
#include "util/err.h"
#include "codec/varint.h"

void sample_iter_init(struct sample_iter *it, const struct profile *p,
    const uint8_t *raw, size_t len)
{
	memset(it, 0, sizeof(*it));
	if (!raw && p->raw) {   /* a lean view: its samples are raw */
		raw = p->raw;
		len = p->rawlen;
	}
	it->p = p;
	it->raw = raw;
	it->len = len;
	if (raw && p->sample_hi && p->sample_hi <= len) {
		/* a lean decode found them: the fields after are not walked */
		it->pos = p->sample_lo;
		it->len = p->sample_hi;
	}
}

static void push_loc(struct sample_iter *it, uint64_t v)
{
	if (it->nloc == it->caploc) {
		it->caploc = it->caploc ? it->caploc * 2 : 64;
		it->locbuf = xreallocarray(it->locbuf, it->caploc, sizeof(*it->locbuf));
	}
	it->locbuf[it->nloc++] = v;
}

static void push_val(struct sample_iter *it, uint64_t v)
{
	if (it->nval == it->capval) {
		it->capval = it->capval ? it->capval * 2 : 8;
		it->valbuf = xreallocarray(it->valbuf, it->capval, sizeof(*it->valbuf));
	}
	it->valbuf[it->nval++] = v;
}

/* read_packed appends the packed varints in b[0..n) to *buf (*nbuf used,
 * *cap allocated): the hot loop of a profile, one location id per frame. */
static int read_packed(uint64_t **buf, size_t *nbuf, size_t *cap, const uint8_t *b, size_t n)
{
	const uint8_t *end = b + n;
	uint64_t *o;

	if (*nbuf + n > *cap) {         /* n bytes hold at most n varints */
		*cap = *nbuf + n > *cap * 2 ? *nbuf + n : *cap * 2;
		*buf = xreallocarray(*buf, *cap, sizeof(**buf));
	}
	o = *buf + *nbuf;
	while (b < end)
		if (varint_next(&b, end, o++) < 0)
			return -1;
	*nbuf = (size_t)(o - *buf);
	return 0;
}

static struct sample_label *push_label(struct sample_iter *it)
{
	if (it->nlab == it->caplab) {
		it->caplab = it->caplab ? it->caplab * 2 : 8;
		it->labbuf = xreallocarray(it->labbuf, it->caplab, sizeof(*it->labbuf));
	}
	memset(&it->labbuf[it->nlab], 0, sizeof(*it->labbuf));
	return &it->labbuf[it->nlab++];
}

/* read_label reads a Label, checking its string indices as the decoder
 * would (key 1, str 2, num 3, num_unit 4). */
static int read_label(struct sample_iter *it, const uint8_t *b, size_t len, size_t *pos)
{
	uint64_t n, tag, v;
	if (varint_read(b, len, pos, &n) < 0 || n > len - *pos)
		return -1;
	size_t end = *pos + n;
	uint64_t nstr = it->p->pb->n_string_table;
	struct sample_label *l = push_label(it);
	while (*pos < end) {
		if (varint_read(b, end, pos, &tag) < 0)
			return -1;
		uint64_t field = tag >> 3;
		int wt = (int)(tag & 7);
		if (field == 0 || field > 0x1fffffff || (field <= 4 && wt != 0))
			return -1;
		if (field <= 4) {
			if (varint_read(b, end, pos, &v) < 0 || (field != 3 && v >= nstr))
				return -1;
			if (field == 1)
				l->key = (int64_t)v;
			else if (field == 2)
				l->str = (int64_t)v;
			else if (field == 3)
				l->num = (int64_t)v;
			else
				l->unit = (int64_t)v;
		} else if (field_skip(b, end, pos, wt) < 0) {
			return -1;
		}
	}
	return 0;
}

/* parse_sample reads one Sample message: 0, or -1 when malformed. With
 * run non-NULL, a single packed location run is left unread and pointed
 * to (run[0], *runlen), for the caller to decode straight into its own
 * form; a sample of any other shape gives 1 and is to be parsed again
 * without run. */
static int parse_sample(struct sample_iter *it, const uint8_t *b, size_t len,
    const uint8_t **run, size_t *runlen)
{
	size_t pos = 0;
	uint64_t tag, v;
	it->nloc = it->nval = it->nlab = 0;
	if (run)
		*run = NULL;
	while (pos < len) {
		if (varint_read(b, len, &pos, &tag) < 0)
			return -1;
		uint64_t field = tag >> 3;
		int wt = (int)(tag & 7);
		/* what the library's decoder refuses, refused here too */
		if (field == 0 || field > 0x1fffffff || ((field == 1 || field == 2) &&
		    wt != 0 && wt != 2) || (field == 3 && wt != 2))
			return -1;
		if (run && field == 1 && (wt != 2 || *run))
			return 1;
		if ((field == 1 || field == 2) && wt == 0) {
			if (varint_read(b, len, &pos, &v) < 0)
				return -1;
			field == 1 ? push_loc(it, v) : push_val(it, v);
		} else if ((field == 1 || field == 2) && wt == 2) {
			uint64_t n;
			if (varint_read(b, len, &pos, &n) < 0 || n > len - pos)
				return -1;
			if (run && field == 1) {
				*run = b + pos;
				*runlen = (size_t)n;
			} else if (read_packed(field == 1 ? &it->locbuf : &it->valbuf,
			    field == 1 ? &it->nloc : &it->nval,
			    field == 1 ? &it->caploc : &it->capval, b + pos, (size_t)n) < 0) {
				return -1;
			}
			pos += n;
		} else if (field == 3 && wt == 2) {
			if (read_label(it, b, len, &pos) < 0)
				return -1;
		} else if (field_skip(b, len, &pos, wt) < 0) {
			return -1;
		}
	}
	if (run && !*run) {
		*run = b;       /* no locations: an empty run */
		*runlen = 0;
	}
	it->loc = it->locbuf;
	it->val = (const int64_t *)it->valbuf;
	it->lab = it->labbuf;
	return 0;
}

int sample_iter_next_body(struct sample_iter *it, const uint8_t **body, size_t *blen)
{
	while (it->pos < it->len) {
		uint64_t tag, n;
		if (varint_read(it->raw, it->len, &it->pos, &tag) < 0)
			goto bad;
		int field = (int)(tag >> 3), wt = (int)(tag & 7);
		if (field != 2 || wt != 2) {
			if (field_skip(it->raw, it->len, &it->pos, wt) < 0)
				goto bad;
			continue;
		}
		if (varint_read(it->raw, it->len, &it->pos, &n) < 0 || n > it->len - it->pos)
			goto bad;
		*body = it->raw + it->pos;
		*blen = (size_t)n;
		it->pos += n;
		it->idx++;
		return 1;
	}
	return 0;
bad:
	seterr("malformed sample at byte %zu", it->pos);
	return -1;
}

int sample_iter_parse(struct sample_iter *it, const uint8_t *body, size_t blen,
    const uint8_t **run, size_t *runlen)
{
	int r = parse_sample(it, body, blen, run, runlen);

	if (r < 0)
		seterr("malformed sample at byte %zu", it->pos);
	return r;
}

int sample_iter_next(struct sample_iter *it)
{
	if (!it->raw) {
		const PbProfile *pb = it->p->pb;
		if (it->idx >= pb->n_sample)
			return 0;
		const PbSample *s = pb->sample[it->idx++];
		it->loc = s->location_id;
		it->nloc = s->n_location_id;
		it->val = s->value;
		it->nval = s->n_value;
		it->nlab = 0;
		for (size_t i = 0; i < s->n_label; i++) {
			struct sample_label *l = push_label(it);
			l->key = s->label[i]->key;
			l->str = s->label[i]->str;
			l->num = s->label[i]->num;
			l->unit = s->label[i]->num_unit;
		}
		it->lab = it->labbuf;
		return 1;
	}
	const uint8_t *body;
	size_t blen;
	int r = sample_iter_next_body(it, &body, &blen);
	if (r != 1)
		return r;
	return sample_iter_parse(it, body, blen, NULL, NULL) < 0 ? -1 : 1;
}

void sample_iter_free(struct sample_iter *it)
{
	free(it->locbuf);
	free(it->valbuf);
	free(it->labbuf);
	memset(it, 0, sizeof(*it));
}

void sample_iter_pb(const struct sample_iter *it, PbSample *s)
{
	static const PbSample init = PERFTOOLS__PROFILES__SAMPLE__INIT;

	*s = init;
	s->location_id = (uint64_t *)it->loc;
	s->n_location_id = it->nloc;
	s->value = (int64_t *)it->val;
	s->n_value = it->nval;
}
