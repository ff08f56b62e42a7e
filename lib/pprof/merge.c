/* Merging profiles as `go tool pprof -proto` does, one input at a time.
 * Strings are interned once; mappings, functions, locations and samples are
 * deduplicated by integer-tuple keys in insertion-ordered tables; a per-input
 * array maps each input index to its merged entry. Only the merged result
 * stays in memory. The output is built by one pass over the kept samples, so
 * ids are dense in first-reference order and unreferenced entries vanish. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/bigmem.h"
#include "util/htab.h"
#include "util/sat.h"
#include "pprof/lean.h"
#include "pprof/merge.h"
#include "codec/pbwrite.h"
#include "pprof/sampleiter.h"
#include "util/err.h"
#include "codec/varint.h"

#define UNSET UINT32_MAX
#define GROW(v, n, cap) do { \
	if ((n) >= (cap)) { \
		(cap) = (cap) ? (cap) * 2 : 64; \
		(v) = xreallocarray((v), (cap), sizeof *(v)); \
	} \
} while (0)

struct mmapping {
	uint64_t start, limit, offset, size_key;
	uint32_t file, build, key_file;
	uint8_t has_functions, has_filenames, has_line_numbers, has_inline_frames;
};

struct mfunc {
	uint32_t name, sys, file;
	int64_t start_line;
};

/* Keys compared with memcmp have no padding: every byte is a field. */
struct mline {
	int64_t line, col;
	uint32_t fn;    /* merged function index + 1; 0 = none */
	uint32_t zero;
};

struct mloc {
	uint64_t addr;  /* rebased onto the merged mapping */
	uint32_t mapping; /* merged mapping index + 1; 0 = none */
	uint32_t line_off, nline;
	uint8_t folded;
};

struct mlabel {
	int64_t num;
	uint32_t key, str, unit;
	uint32_t zero;
};

/* A merged sample is one contiguous entry in the sample store, so that a
 * key comparison and the value update touch one place:
 *   struct msample, int64_t values[ncols], struct mlabel labels[nlab],
 *   uint8_t locs[nloc] (location ids as protobuf varints, ready to write),
 * padded to 8 bytes. The hash index holds entry offsets / 8. */
struct msample {
	uint32_t nloc;     /* bytes of varint location ids */
	uint32_t nlab;
};

struct column {
	uint32_t type, unit;
	int live;
};

struct inloc {
	uint64_t addr;
	uint32_t map;           /* input mapping index + 1; 0 = none */
	uint32_t line_off, nline;
	uint8_t folded;
};

struct inln {
	int64_t line, col;
	uint32_t fn;            /* input function index + 1; 0 = none */
};

struct merger {
	struct merge_opts o;
	int ninputs;

	/* header */
	struct column *cols;
	size_t ncols;
	int have_period_type;
	uint32_t period_type, period_unit;
	int64_t time_nanos, duration_nanos, period, drop_frames, keep_frames;
	uint32_t doc_url;
	/* per input, for pprof's default sample type rule: its number of
	 * sample types and its own default_sample_type */
	struct { uint32_t ntypes, dflt; } *inputs;
	size_t capinputs;
	uint32_t *comments;
	size_t ncomments, capcomments;

	/* interned strings: strs[0] is "" */
	char **strs;
	uint32_t *strlens;
	size_t nstrs, capstrs;
	struct htab strtab;
	struct arena *strarena;

	struct mmapping *maps;
	size_t nmaps, capmaps;
	struct htab maptab;
	struct mfunc *funcs;
	size_t nfuncs, capfuncs;
	struct htab functab;
	struct mloc *locs;
	size_t nlocs, caplocs;
	struct mline *lines;
	size_t nlines, caplines;
	struct htab loctab;
	uint8_t *store;          /* sample entries */
	size_t storelen, storecap;
	uint32_t *samples;       /* entry offsets / 8, in insertion order */
	size_t nsamples, capsamples;
	int needs_compact;
	struct htab sampletab;
	/* The sums are exact: a value that leaves int64 keeps its high word
	 * here (rare, so a side table rather than 128-bit values in every
	 * entry), and it is clamped only when written out. Exact sums can be
	 * taken back out exactly, and do not depend on the inputs' order. */
	struct carry *carries;
	size_t ncarries, capcarries;
	struct htab carrytab;

	/* per-input state */
	const struct profile *in;
	uint32_t *in_str, *in_func, *in_loc, *in_map;
	/* each input location's merged id as varint bytes (little-endian in a
	 * uint64, their count in the top byte; 0 = not mapped yet), by id when
	 * the input's ids are dense, else by index: a sample's key is these,
	 * concatenated */
	uint64_t *in_locv;
	size_t nin_locv;
	int64_t *in_map_off;
	int *colmap;
	/* the input's locations, copied in one sequential pass, so that the
	 * lookups in sample order touch a compact table rather than the
	 * decoder's scattered structs (their misses were a tenth of a merge) */
	struct inloc *in_locs;
	struct inln *in_lines;
};

struct merger *
merger_new(const struct merge_opts *o)
{
	struct merger *m = xcalloc(1, sizeof *m);

	if (o)
		m->o = *o;
	m->strarena = arena_new(1 << 20);
	htab_init(&m->strtab, 1024);
	htab_init(&m->maptab, 16);
	htab_init(&m->functab, 1024);
	htab_init(&m->loctab, 4096);
	htab_init(&m->sampletab, 4096);
	GROW(m->strs, m->nstrs, m->capstrs);
	m->strlens = xreallocarray(NULL, m->capstrs, sizeof *m->strlens);
	m->strs[0] = "";
	m->strlens[0] = 0;
	m->nstrs = 1;
	return m;
}

int
merger_count(const struct merger *m)
{
	return m->ninputs;
}

/* Strings */

struct strkey {
	const struct merger *m;
	const char *s;
	size_t len;
};

static int
str_eq(const void *ctx, uint32_t e)
{
	const struct strkey *k = ctx;

	return k->m->strlens[e] == k->len && !memcmp(k->m->strs[e], k->s, k->len);
}

/* find_string returns s's interned index; with create, interning it first
 * when it is new, else HTAB_NONE then. */
static uint32_t
find_string(struct merger *m, const char *s, int create)
{
	struct strkey k = { m, s, strlen(s) };
	uint32_t h, e;
	size_t slot;

	if (k.len == 0)
		return 0;
	h = hash_fold(hash_bytes(s, k.len));
	if ((e = htab_find(&m->strtab, h, str_eq, &k, &slot)) != HTAB_NONE || !create)
		return e;
	if (m->nstrs >= m->capstrs) {
		GROW(m->strs, m->nstrs, m->capstrs);
		m->strlens = xreallocarray(m->strlens, m->capstrs, sizeof *m->strlens);
	}
	e = (uint32_t)m->nstrs++;
	m->strs[e] = arena_alloc(m->strarena, k.len + 1);
	memcpy(m->strs[e], s, k.len + 1);
	m->strlens[e] = (uint32_t)k.len;
	htab_add(&m->strtab, slot, h, e);
	return e;
}

static uint32_t
intern(struct merger *m, const char *s)
{
	return find_string(m, s, 1);
}

/* in_string maps an input string index to its interned index (HTAB_NONE:
 * not interned yet, and not create). */
static uint32_t
find_in_string(struct merger *m, int64_t i, int create)
{
	uint32_t e;

	if (m->in_str[i] != UNSET)
		return m->in_str[i];
	if ((e = find_string(m, m->in->pb->string_table[i], create)) != HTAB_NONE)
		m->in_str[i] = e;
	return e;
}

static uint32_t
in_string(struct merger *m, int64_t i)
{
	return find_in_string(m, i, 1);
}

/* prelookup_strings finds the input's strings that are interned already,
 * in input order, PRE strings ahead: the slot, then the entry's pointer and
 * length, then its bytes are prefetched, so that the misses of one string
 * overlap those of the next ones. Like prelookup_locations (below), it only
 * finds: new strings are still interned in first-reference order. */
#define PRE 8

struct prestr {
	const char *s;
	size_t len;
	uint32_t hash, e;       /* e: the entry the first slot named, if any */
};

static void
prelookup_strings(struct merger *m, size_t n)
{
	char **tab = m->in->pb->string_table;
	struct prestr ring[3 * PRE + 1], *q;
	const size_t R = 3 * PRE + 1;
	size_t i, slot;
	uint32_t e;

	for (i = 0; i < n + 3 * PRE; i++) {
		if (i >= 3 * PRE) {             /* look up */
			struct strkey k;

			q = &ring[(i - 3 * PRE) % R];
			k.m = m;
			k.s = q->s;
			k.len = q->len;
			if (q->len &&
			    (e = htab_find(&m->strtab, q->hash, str_eq, &k, &slot)) != HTAB_NONE)
				m->in_str[i - 3 * PRE] = e;
		}
		if (i >= 2 * PRE && i - 2 * PRE < n) {  /* fetch the entry's bytes */
			q = &ring[(i - 2 * PRE) % R];
			if (q->e != HTAB_NONE)
				__builtin_prefetch(m->strs[q->e]);
		}
		if (i >= PRE && i - PRE < n) {  /* fetch the entry the slot names */
			q = &ring[(i - PRE) % R];
			q->e = q->len ? htab_likely(&m->strtab, q->hash) : HTAB_NONE;
			if (q->e != HTAB_NONE) {
				__builtin_prefetch(&m->strs[q->e]);
				__builtin_prefetch(&m->strlens[q->e]);
			}
		}
		if (i < n) {                    /* hash, fetch the slot */
			q = &ring[i % R];
			q->s = tab[i];
			q->len = strlen(q->s);  /* "" is 0 without lookup */
			if (q->len) {
				q->hash = hash_fold(hash_bytes(q->s, q->len));
				htab_prefetch(&m->strtab, q->hash);
			} else {
				m->in_str[i] = 0;
			}
		}
	}
}

/* Mappings */

struct mapkey {
	const struct merger *m;
	uint64_t size, offset;
	uint32_t key_file;
};

static int
mapkey_eq(const void *ctx, uint32_t e)
{
	const struct mapkey *k = ctx;
	const struct mmapping *x = &k->m->maps[e];

	return x->size_key == k->size && x->offset == k->offset && x->key_file == k->key_file;
}

/* find_mapping maps input mapping i to its merged index, creating that
 * when it is new if create, else returning HTAB_NONE then. */
static uint32_t
find_mapping(struct merger *m, size_t i, int create)
{
	const PbMapping *src = m->in->pb->mapping[i];
	struct mapkey k;
	struct mmapping *x;
	uint32_t h, e, file, build;
	uint64_t size;
	size_t slot;

	if (m->in_map[i] != UNSET)
		return m->in_map[i];
	/* pprof's key: size rounded up to 4 KiB, offset, build id or else file */
	size = src->memory_limit - src->memory_start;
	size = size + 0xfff;
	size -= size % 0x1000;
	file = find_in_string(m, src->filename, create);
	build = find_in_string(m, src->build_id, create);
	if (file == HTAB_NONE || build == HTAB_NONE)
		return HTAB_NONE;
	k.m = m;
	k.size = size;
	k.offset = src->file_offset;
	k.key_file = build ? build : file;
	h = hash_fold(hash_u64(hash_u64(hash_u64(1, size), k.offset), k.key_file));
	if ((e = htab_find(&m->maptab, h, mapkey_eq, &k, &slot)) == HTAB_NONE) {
		if (!create)
			return HTAB_NONE;
		GROW(m->maps, m->nmaps, m->capmaps);
		e = (uint32_t)m->nmaps++;
		x = &m->maps[e];
		x->start = src->memory_start;
		x->limit = src->memory_limit;
		x->offset = src->file_offset;
		x->size_key = size;
		x->file = file;
		x->build = build;
		x->key_file = k.key_file;
		x->has_functions = src->has_functions;
		x->has_filenames = src->has_filenames;
		x->has_line_numbers = src->has_line_numbers;
		x->has_inline_frames = src->has_inline_frames;
		htab_add(&m->maptab, slot, h, e);
	}
	m->in_map[i] = e;
	/* a later load of the same binary is rebased onto the first one */
	m->in_map_off[i] = (int64_t)(m->maps[e].start - src->memory_start);
	return e;
}

static uint32_t
map_mapping(struct merger *m, size_t i)
{
	return find_mapping(m, i, 1);
}

/* Functions */

struct funckey {
	const struct merger *m;
	struct mfunc f;
};

static int
func_eq(const void *ctx, uint32_t e)
{
	const struct funckey *k = ctx;
	const struct mfunc *x = &k->m->funcs[e];

	return x->name == k->f.name && x->sys == k->f.sys && x->file == k->f.file &&
	    x->start_line == k->f.start_line;
}

static inline uint32_t
func_hash(const struct mfunc *f)
{
	return hash_fold(hash_u64(hash_u64(hash_u64(hash_u64(2, f->name), f->sys),
	    f->file), (uint64_t)f->start_line));
}

/* find_function maps input function i to its merged index, like
 * find_mapping. */
static uint32_t
find_function(struct merger *m, size_t i, int create)
{
	const PbFunction *src = m->in->pb->function[i];
	struct funckey k;
	uint32_t h, e;
	size_t slot;

	if (m->in_func[i] != UNSET)
		return m->in_func[i];
	k.m = m;
	k.f.name = find_in_string(m, src->name, create);
	k.f.sys = find_in_string(m, src->system_name, create);
	k.f.file = find_in_string(m, src->filename, create);
	if (k.f.name == HTAB_NONE || k.f.sys == HTAB_NONE || k.f.file == HTAB_NONE)
		return HTAB_NONE;
	k.f.start_line = src->start_line;
	h = func_hash(&k.f);
	if ((e = htab_find(&m->functab, h, func_eq, &k, &slot)) == HTAB_NONE) {
		if (!create)
			return HTAB_NONE;
		GROW(m->funcs, m->nfuncs, m->capfuncs);
		e = (uint32_t)m->nfuncs++;
		m->funcs[e] = k.f;
		htab_add(&m->functab, slot, h, e);
	}
	return m->in_func[i] = e;
}

/* prefind_functions finds the input's functions that are merged already,
 * in input order, like prelookup_strings: the slot and then the entry of
 * each are prefetched PRE functions ahead. Only finds. */
struct prefunc {
	struct funckey k;
	uint32_t hash;
	int ok;
};

static void
prefind_functions(struct merger *m, size_t n)
{
	PbFunction **fn = m->in->pb->function;
	struct prefunc ring[2 * PRE + 1], *q;
	const size_t R = 2 * PRE + 1;
	size_t i, slot;
	uint32_t e;

	for (i = 0; i < n + 2 * PRE; i++) {
		if (i >= 2 * PRE) {             /* look up */
			q = &ring[(i - 2 * PRE) % R];
			if (q->ok && (e = htab_find(&m->functab, q->hash, func_eq, &q->k, &slot)) != HTAB_NONE)
				m->in_func[i - 2 * PRE] = e;
		}
		if (i >= PRE && i - PRE < n) {  /* fetch the entry the slot names */
			q = &ring[(i - PRE) % R];
			if (q->ok && (e = htab_likely(&m->functab, q->hash)) != HTAB_NONE)
				__builtin_prefetch(&m->funcs[e]);
		}
		if (i < n) {                    /* key, hash, fetch the slot */
			q = &ring[i % R];
			q->k.m = m;
			q->k.f.name = find_in_string(m, fn[i]->name, 0);
			q->k.f.sys = find_in_string(m, fn[i]->system_name, 0);
			q->k.f.file = find_in_string(m, fn[i]->filename, 0);
			q->k.f.start_line = fn[i]->start_line;
			q->ok = q->k.f.name != HTAB_NONE && q->k.f.sys != HTAB_NONE &&
			    q->k.f.file != HTAB_NONE;
			q->hash = func_hash(&q->k.f);
			htab_prefetch(&m->functab, q->hash);
		}
	}
}

/* Locations */

struct lockey {
	const struct merger *m;
	struct mloc l;
	const struct mline *lines;
};

static int
loc_eq(const void *ctx, uint32_t e)
{
	const struct lockey *k = ctx;
	const struct mloc *x = &k->m->locs[e];

	const struct mline *a, *b;
	uint32_t j;

	if (x->addr != k->l.addr || x->mapping != k->l.mapping ||
	    x->folded != k->l.folded || x->nline != k->l.nline)
		return 0;
	/* field by field: a memcmp call cost more than the one or two
	 * lines a location has */
	a = &k->m->lines[x->line_off];
	b = k->lines;
	for (j = 0; j < x->nline; j++)
		if (a[j].line != b[j].line || a[j].col != b[j].col || a[j].fn != b[j].fn)
			return 0;
	return 1;
}

/* load_locations fills in_locs and in_lines from the input, in order. */
static void
load_locations(struct merger *m, const struct profile *p)
{
	const PbProfile *pb = p->pb;
	size_t i, j, nl = 0;

	for (i = 0; i < pb->n_location; i++)
		nl += pb->location[i]->n_line;
	m->in_locs = xreallocarray(NULL, pb->n_location ? pb->n_location : 1, sizeof *m->in_locs);
	m->in_lines = xreallocarray(NULL, nl ? nl : 1, sizeof *m->in_lines);
	for (i = 0, nl = 0; i < pb->n_location; i++) {
		const PbLocation *src = pb->location[i];
		struct inloc *l = &m->in_locs[i];

		l->addr = src->address;
		l->map = src->mapping_id ? (uint32_t)idmap_get(&p->maps, src->mapping_id) + 1 : 0;
		l->line_off = (uint32_t)nl;
		l->nline = (uint32_t)src->n_line;
		l->folded = src->is_folded;
		for (j = 0; j < src->n_line; j++, nl++) {
			const PbLine *ln = src->line[j];

			m->in_lines[nl].line = ln->line;
			m->in_lines[nl].col = ln->column;
			m->in_lines[nl].fn = ln->function_id ?
			    (uint32_t)idmap_get(&p->funcs, ln->function_id) + 1 : 0;
		}
	}
}

/* location_key builds input location i's merged key into k and lines
 * (room for its nline) and its hash. Without create, -1 when a mapping or
 * function it names is not merged yet: then neither is the location. */
static int
location_key(struct merger *m, size_t i, int create, struct lockey *k,
    struct mline *lines, uint32_t *hash)
{
	const struct inloc *src = &m->in_locs[i];
	const struct inln *ln = &m->in_lines[src->line_off];
	uint64_t hh;
	uint32_t e;
	size_t j;

	memset(k, 0, sizeof *k);
	k->m = m;
	k->l.addr = src->addr;
	if (src->map) {
		size_t mi = src->map - 1;

		if ((e = find_mapping(m, mi, create)) == HTAB_NONE)
			return -1;
		k->l.mapping = e + 1;
		k->l.addr = (uint64_t)((int64_t)src->addr + m->in_map_off[mi]);
	}
	k->l.folded = src->folded;
	k->l.nline = src->nline;
	memset(lines, 0, src->nline * sizeof *lines);
	hh = hash_u64(hash_u64(hash_u64(3, k->l.addr), k->l.mapping), k->l.folded);
	for (j = 0; j < src->nline; j++) {
		if (ln[j].fn) {
			if ((e = find_function(m, ln[j].fn - 1, create)) == HTAB_NONE)
				return -1;
			lines[j].fn = e + 1;
		}
		lines[j].line = ln[j].line;
		lines[j].col = ln[j].col;
		hh = hash_u64(hash_u64(hash_u64(hh, lines[j].fn), (uint64_t)ln[j].line),
		    (uint64_t)ln[j].col);
	}
	k->lines = lines;
	*hash = hash_fold(hh);
	return 0;
}

static uint32_t
map_location(struct merger *m, size_t i)
{
	struct mline stackbuf[16], *lines = stackbuf;
	uint32_t nline = m->in_locs[i].nline, h, e, j;
	struct lockey k;
	size_t slot;

	if (m->in_loc[i] != UNSET)
		return m->in_loc[i];
	if (nline > 16)
		lines = xmalloc(nline * sizeof *lines);
	location_key(m, i, 1, &k, lines, &h);
	if ((e = htab_find(&m->loctab, h, loc_eq, &k, &slot)) == HTAB_NONE) {
		GROW(m->locs, m->nlocs, m->caplocs);
		e = (uint32_t)m->nlocs++;
		k.l.line_off = (uint32_t)m->nlines;
		m->locs[e] = k.l;
		for (j = 0; j < nline; j++) {
			GROW(m->lines, m->nlines, m->caplines);
			m->lines[m->nlines++] = lines[j];
		}
		htab_add(&m->loctab, slot, h, e);
	}
	if (lines != stackbuf)
		free(lines);
	return m->in_loc[i] = e;
}

/* prelookup_locations finds, in input order, the input locations that are
 * merged already (most are, after the first input of a binary), with the
 * table slots and entries prefetched PRE locations ahead, so their cache
 * misses overlap instead of coming one at a time in sample order. It only
 * finds: what is new is still created in first-reference order. */

/* loc_varint encodes a location id as its protobuf varint bytes, count in
 * the top byte. */
static uint64_t
loc_varint(uint32_t id)
{
	uint64_t vb = 0;
	unsigned n = 0;

	while (id >= 0x80) {
		vb |= (uint64_t)(uint8_t)(id | 0x80) << (8 * n++);
		id >>= 7;
	}
	vb |= (uint64_t)id << (8 * n++);
	return vb | (uint64_t)n << 56;
}

/* found_location records that input location i is merged entry e: in
 * in_loc, and as the key bytes its frames take (in_locv), so that the
 * sample walk need not map it on first use. */
static void
found_location(struct merger *m, size_t i, uint32_t e)
{
	m->in_loc[i] = e;
	m->in_locv[m->in->locs.dense ? m->in->pb->location[i]->id : i] = loc_varint(e + 1);
}

struct prekey {
	struct lockey k;
	struct mline lines[16];
	uint32_t hash, e;       /* e: the entry the slot named, if any */
	int ok;
};

static void
prelookup_locations(struct merger *m, size_t n)
{
	struct prekey ring[3 * PRE + 1], *q;
	const size_t R = 3 * PRE + 1;
	size_t i, slot;
	uint32_t e;

	for (i = 0; i < n + 3 * PRE; i++) {
		if (i >= 3 * PRE) {             /* look up */
			q = &ring[(i - 3 * PRE) % R];
			if (q->ok && (e = htab_find(&m->loctab, q->hash, loc_eq, &q->k, &slot)) != HTAB_NONE)
				found_location(m, i - 3 * PRE, e);
		}
		if (i >= 2 * PRE && i - 2 * PRE < n) {  /* fetch the entry's lines */
			q = &ring[(i - 2 * PRE) % R];
			if (q->ok && q->e != HTAB_NONE)
				__builtin_prefetch(&m->lines[m->locs[q->e].line_off]);
		}
		if (i >= PRE && i - PRE < n) {  /* fetch the entry the slot names */
			q = &ring[(i - PRE) % R];
			q->e = q->ok ? htab_likely(&m->loctab, q->hash) : HTAB_NONE;
			if (q->e != HTAB_NONE)
				__builtin_prefetch(&m->locs[q->e]);
		}
		if (i < n) {                    /* key, hash, fetch the slot */
			q = &ring[i % R];
			q->ok = m->in_locs[i].nline <= 16 &&
			    location_key(m, i, 0, &q->k, q->lines, &q->hash) == 0;
			if (q->ok)
				htab_prefetch(&m->loctab, q->hash);
		}
	}
}

/* Samples */

struct samplekey {
	const struct merger *m;
	const uint8_t *locs;
	size_t nloc;
	const struct mlabel *labels;
	size_t nlab;
};

static inline struct msample *
sample_at(const struct merger *m, uint32_t e)
{
	return (struct msample *)(m->store + ((size_t)e << 3));
}

static inline int64_t *
sample_values(struct msample *x)
{
	return (int64_t *)(x + 1);
}

static inline struct mlabel *
sample_labels(const struct merger *m, struct msample *x)
{
	return (struct mlabel *)(sample_values(x) + m->ncols);
}

static inline uint8_t *
sample_locs(const struct merger *m, struct msample *x)
{
	return (uint8_t *)(sample_labels(m, x) + x->nlab);
}

/* same_key compares two keys of n bytes a word at a time (the last word
 * overlapping): inline, it beats a call of memcmp on keys of ~100 bytes. */
static inline int
same_key(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x, y;
	size_t i;

	if (n < 8) {
		for (i = 0; i < n; i++)
			if (a[i] != b[i])
				return 0;
		return 1;
	}
	for (i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return 0;
	}
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return x == y;
}

static int
sample_eq(const void *ctx, uint32_t e)
{
	const struct samplekey *k = ctx;
	struct msample *x = sample_at(k->m, e);

	return x->nloc == k->nloc && x->nlab == k->nlab &&
	    same_key(sample_locs(k->m, x), k->locs, k->nloc) &&
	    (k->nlab == 0 || !memcmp(sample_labels(k->m, x), k->labels,
	    k->nlab * sizeof *k->labels));
}

/* entry_size: the bytes of a store entry (before its rounding to 8) */
static inline size_t
entry_size(const struct merger *m, size_t nlab, size_t nloc)
{
	return sizeof(struct msample) + m->ncols * sizeof(int64_t) +
	    nlab * sizeof(struct mlabel) + nloc;
}

/* The store starts at 1 MiB; past that it jumps to 64 MiB, above glibc's
 * largest mmap threshold (32 MiB), so that realloc maps it on its own and
 * from then on grows it by moving its pages (mremap). From the heap, each
 * doubling copied the whole store into fresh pages: a tenth of a fleet
 * merge. Untouched, the room costs address space only. */
#define STORE0 ((size_t)1 << 20)
#define STORE_MAPPED ((size_t)64 << 20)

static uint32_t
new_sample(struct merger *m, const struct samplekey *k)
{
	size_t size = entry_size(m, k->nlab, k->nloc);
	struct msample *x;
	uint32_t e;

	size = (size + 7) & ~(size_t)7;
	if (m->storelen + size > m->storecap) {
		while (m->storelen + size > m->storecap)
			m->storecap = !m->storecap ? STORE0 :
			    m->storecap < STORE_MAPPED ? STORE_MAPPED : m->storecap * 2;
		/* malloc'd, so that the output encoded into it is freed
		 * like any buffer; realloc moves its pages (mremap) */
		m->store = xrealloc(m->store, m->storecap);
		big_advise(m->store, m->storecap);
	}
	if ((m->storelen >> 3) >= UINT32_MAX)
		die("merge: more than 32 GiB of samples");
	e = (uint32_t)(m->storelen >> 3);
	m->storelen += size;
	x = sample_at(m, e);
	x->nloc = (uint32_t)k->nloc;
	x->nlab = (uint32_t)k->nlab;
	memset(sample_values(x), 0, m->ncols * sizeof(int64_t));
	if (k->nlab)
		memcpy(sample_labels(m, x), k->labels, k->nlab * sizeof *k->labels);
	memcpy(sample_locs(m, x), k->locs, k->nloc);
	GROW(m->samples, m->nsamples, m->capsamples);
	m->samples[m->nsamples++] = e;
	return e;
}

/* Labels are compared as pprof does: as a set of keys, each with its values
 * in stored order. A stable sort by (kind, key) makes equal sets equal arrays. */
static void
sort_labels(struct mlabel *l, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct mlabel t = l[i];
		uint64_t kt = (uint64_t)(t.str == 0 && t.num != 0) << 32 | t.key;

		for (j = i; j > 0; j--) {
			uint64_t kj = (uint64_t)(l[j - 1].str == 0 && l[j - 1].num != 0) << 32 |
			    l[j - 1].key;

			if (kj <= kt)
				break;
			l[j] = l[j - 1];
		}
		l[j] = t;
	}
}

/* Header and sample types */

static int
same_str(const struct profile *p, int64_t i, const struct merger *m, uint32_t g)
{
	return !strcmp(p->pb->string_table[i], m->strs[g]);
}

/* plan_columns decides, without changing m, which input column feeds each
 * merged column. Returns the number of live columns, or -1. */
static int
plan_columns(struct merger *m, const struct profile *p, int *colmap)
{
	const PbProfile *pb = p->pb;
	size_t c, i;
	int live = 0;

	for (c = 0; c < m->ncols; c++) {
		colmap[c] = -1;
		if (!m->cols[c].live)
			continue;
		for (i = 0; i < pb->n_sample_type; i++)
			if (same_str(p, pb->sample_type[i]->type, m, m->cols[c].type))
				break;
		if (i == pb->n_sample_type)
			continue;
		if (!same_str(p, pb->sample_type[i]->unit, m, m->cols[c].unit)) {
			seterr("incompatible sample types: %s/%s and %s/%s",
			    m->strs[m->cols[c].type], m->strs[m->cols[c].unit],
			    pb->string_table[pb->sample_type[i]->type],
			    pb->string_table[pb->sample_type[i]->unit]);
			return -1;
		}
		colmap[c] = (int)i;
		live++;
	}
	if (live == 0)
		seterr("no sample type in common with the profiles before it");
	return live ? live : -1;
}

static int
first_columns(struct merger *m, const struct profile *p)
{
	const PbProfile *pb = p->pb;
	size_t i;
	int only = -1;

	if (pb->n_sample_type == 0) {
		seterr("profile has no sample types");
		return -1;
	}
	if (m->o.sample_type && (only = profile_sample_type(p, m->o.sample_type)) < 0)
		return -1;
	m->cols = xcalloc(pb->n_sample_type, sizeof *m->cols);
	for (i = 0; i < pb->n_sample_type; i++) {
		if (only >= 0 && (int)i != only)
			continue;
		m->cols[m->ncols].type = intern(m, pb->string_table[pb->sample_type[i]->type]);
		m->cols[m->ncols].unit = intern(m, pb->string_table[pb->sample_type[i]->unit]);
		m->cols[m->ncols].live = 1;
		m->ncols++;
	}
	return 0;
}

static int
check_period_type(struct merger *m, const struct profile *p)
{
	const PbProfile *pb = p->pb;
	const char *t = pb->period_type ? pb->string_table[pb->period_type->type] : "";
	const char *u = pb->period_type ? pb->string_table[pb->period_type->unit] : "";

	if (m->ninputs == 0)
		return 0;
	if (strcmp(t, m->strs[m->period_type]) || strcmp(u, m->strs[m->period_unit])) {
		seterr("incompatible period types: %s/%s and %s/%s",
		    m->strs[m->period_type], m->strs[m->period_unit], t, u);
		return -1;
	}
	return 0;
}

static void
merge_header(struct merger *m, const struct profile *p)
{
	const PbProfile *pb = p->pb;
	size_t i, j;

	if (m->ninputs == 0) {
		m->period_type = pb->period_type ? intern(m, pb->string_table[pb->period_type->type]) : 0;
		m->period_unit = pb->period_type ? intern(m, pb->string_table[pb->period_type->unit]) : 0;
		m->have_period_type = pb->period_type != NULL;
		m->drop_frames = intern(m, pb->string_table[pb->drop_frames]);
		m->keep_frames = intern(m, pb->string_table[pb->keep_frames]);
	}
	/* exactly pprof's combineHeaders */
	if (m->time_nanos == 0 || pb->time_nanos < m->time_nanos)
		m->time_nanos = pb->time_nanos;
	m->duration_nanos = sat_add(m->duration_nanos, pb->duration_nanos);
	if (m->period == 0 || m->period < pb->period)
		m->period = pb->period;
	for (i = 0; i < pb->n_comment; i++) {
		uint32_t c = intern(m, pb->string_table[pb->comment[i]]);

		for (j = 0; j < m->ncomments; j++)
			if (m->comments[j] == c)
				break;
		if (j == m->ncomments) {
			GROW(m->comments, m->ncomments, m->capcomments);
			m->comments[m->ncomments++] = c;
		}
	}
	if ((size_t)m->ninputs >= m->capinputs) {
		m->capinputs = m->capinputs ? m->capinputs * 2 : 64;
		m->inputs = xreallocarray(m->inputs, m->capinputs, sizeof *m->inputs);
	}
	m->inputs[m->ninputs].ntypes = (uint32_t)pb->n_sample_type;
	m->inputs[m->ninputs].dflt = intern(m, pb->string_table[pb->default_sample_type]);
	if (!m->doc_url)
		m->doc_url = intern(m, pb->string_table[pb->doc_url]);
}

/* A sum's high word, for the entry's column c: see merger.carries. */
struct carry {
	uint32_t e, c;
	int64_t high;
};

struct carrykey {
	const struct merger *m;
	uint32_t e, c;
};

static int
carry_eq(const void *ctx, uint32_t i)
{
	const struct carrykey *k = ctx;

	return k->m->carries[i].e == k->e && k->m->carries[i].c == k->c;
}

/* add_carry adds carry (+1 or -1) to the high word of entry e's column c.
 * A high word that returns to 0 stays in the table, harmless: an entry
 * taken back out and reused by a new sample finds 0 there. */
static void
add_carry(struct merger *m, uint32_t e, size_t c, int carry)
{
	struct carrykey k = { m, e, (uint32_t)c };
	uint32_t h = hash_fold(hash_u64(hash_u64(5, e), c)), i;
	size_t slot;

	if (!m->carrytab.slot)
		htab_init(&m->carrytab, 16);
	if ((i = htab_find(&m->carrytab, h, carry_eq, &k, &slot)) == HTAB_NONE) {
		GROW(m->carries, m->ncarries, m->capcarries);
		i = (uint32_t)m->ncarries++;
		m->carries[i] = (struct carry){ e, (uint32_t)c, 0 };
		htab_add(&m->carrytab, slot, h, i);
	}
	m->carries[i].high += carry;
}

/* settle_carries clamps the sums that left int64 to INT64_MIN/MAX. */
static void
settle_carries(struct merger *m)
{
	for (size_t i = 0; i < m->ncarries; i++) {
		const struct carry *k = &m->carries[i];
		int64_t *sv = sample_values(sample_at(m, k->e));

		sv[k->c] = sat_wide(k->high, sv[k->c]);
	}
	m->ncarries = 0;
	htab_free(&m->carrytab);
}

/* frame_varint is a frame's key bytes off the usual path: the location
 * mapped on first use (its varint kept in in_locv), or 0 when the input
 * has no location of that id. */
static uint64_t
frame_varint(struct merger *m, const struct profile *p, int dense, uint64_t id)
{
	int64_t li = idmap_get(&p->locs, id);
	uint64_t key = id, v;

	if (li < 0)
		return 0;
	if (!dense)
		key = (uint64_t)li;
	if (!(v = m->in_locv[key])) {
		v = loc_varint(map_location(m, (size_t)li) + 1);
		m->in_locv[key] = v;
	}
	return v;
}

/* put_frame appends a frame's varint (room for 8 bytes is there). */
static inline size_t
put_frame(uint8_t *locs, size_t nloc, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* 8 bytes stored, the varint's 1-5 kept */
	memcpy(locs + nloc, &v, 8);
	return nloc + (v >> 56);
#else
	size_t c;

	for (c = 0; c < v >> 56; c++)
		locs[nloc++] = (uint8_t)(v >> (8 * c));
	return nloc;
#endif
}

static void
missing_location(size_t n, uint64_t id)
{
	seterr("sample %zu refers to missing location %llu", n + 1, (unsigned long long)id);
}

/* check_frames: every location a dropped (all-zero) raw sample names must
 * exist, as the decoder requires of every sample. */
static int
check_frames(struct merger *m, const struct profile *p, const struct sample_iter *it,
    const uint8_t *run, size_t runlen, size_t n)
{
	const uint8_t *b = run, *end = run + runlen;
	uint64_t id;
	size_t j;

	for (j = 0; !run && j < it->nloc; j++)
		if (idmap_get(&p->locs, it->loc[j]) < 0) {
			missing_location(n, it->loc[j]);
			return -1;
		}
	while (run && b < end) {
		if (varint_next(&b, end, &id) < 0) {
			seterr("malformed sample %zu: bad location id", n + 1);
			return -1;
		}
		if (idmap_get(&p->locs, id) < 0) {
			missing_location(n, id);
			return -1;
		}
	}
	return 0;
}

/* Samples go through in batches of BATCH, two batches in flight: while one
 * batch's keys are built (their hash slots prefetched as each is done), the
 * batch before it, whose entries were prefetched a whole batch earlier, is
 * looked up and updated. The sample table is far larger than the caches,
 * and waiting on one miss at a time was most of the merge. */
#define BATCH 16

struct pending {
	struct samplekey k;
	uint32_t hash;
	size_t loc_off, lab_off;
};

struct sbatch {
	struct pending q[BATCH];
	size_t nb;
	int64_t *vals;          /* ncols per pending sample */
	uint8_t *locs;          /* their keys' varint bytes */
	size_t nloc, caploc;
	struct mlabel *labs;
	size_t nlab, caplab;
};

struct swalk {
	struct merger *m;
	const struct profile *p;
	struct sample_iter it;
	int raw, dense;
	double w;
	size_t n, limit;        /* samples read; at most limit */
	int bad, end;
};

/* map_frame gives location id's key bytes in *x: on the usual path one
 * load from locv (the merger's in_locv when the input's ids are dense,
 * else NULL with nlocv 0), which the caller keeps in a local: stores
 * through the uint8_t key would otherwise reload it on every frame. -1
 * (the walk ends, bad) when the input has no such location. */
static inline int
map_frame(struct swalk *wk, const uint64_t *locv, size_t nlocv, uint64_t id, uint64_t *x)
{
	if (id < nlocv && (*x = locv[id]))
		return 0;
	if ((*x = frame_varint(wk->m, wk->p, wk->dense, id)))
		return 0;
	missing_location(wk->n, id);
	wk->bad = wk->end = 1;
	return -1;
}

/* next_sample makes the walk's next sample current: its body parsed, its
 * location ids left as one packed run in *run (NULL when they are not, or
 * the walk is not raw). 0 at the end of the samples or the limit, or on a
 * malformed sample (wk->bad, seterr); wk->end is set then. */
static inline int
next_sample(struct swalk *wk, const uint8_t **run, size_t *runlen)
{
	struct sample_iter *it = &wk->it;
	const uint8_t *body;
	size_t blen;
	int got = 0;

	if (wk->n >= wk->limit) {
		wk->end = 1;
		return 0;
	}
	*run = NULL;
	if (wk->raw && (got = sample_iter_next_body(it, &body, &blen)) == 1) {
		int r = sample_iter_parse(it, body, blen, run, runlen);

		if (r == 1) {   /* not one packed run: the general way */
			*run = NULL;
			r = sample_iter_parse(it, body, blen, NULL, NULL);
		}
		got = r < 0 ? -1 : 1;
	} else if (!wk->raw) {
		got = sample_iter_next(it);
	}
	if (got != 1) {
		wk->bad = got < 0;
		wk->end = 1;
		return 0;
	}
	if (it->nval != wk->p->pb->n_sample_type) {
		seterr("sample %zu has %zu values but the profile has %zu sample types",
		    wk->n + 1, it->nval, wk->p->pb->n_sample_type);
		wk->bad = wk->end = 1;
		return 0;
	}
	return 1;
}

/* weighted_values puts the current sample's values, weighted, in the merged
 * columns v; 1 when one is not zero. */
static inline int
weighted_values(const struct merger *m, const struct sample_iter *it, double w, int64_t *v)
{
	int nonzero = 0;

	for (size_t c = 0; c < m->ncols; c++) {
		v[c] = m->colmap[c] >= 0 ? sat_scale(it->val[m->colmap[c]], w) : 0;
		nonzero |= v[c] != 0;
	}
	return nonzero;
}

/* run_frames appends the key bytes of a packed run of location ids: the
 * ids decoded and mapped in one pass, the key in locals like the map. -1
 * (the walk ends, bad) on a malformed or missing id. */
static inline int
run_frames(struct swalk *wk, struct sbatch *bt, const uint64_t *locv, size_t nlocv,
    const uint8_t *run, size_t runlen)
{
	const uint8_t *b = run, *end = run + runlen;
	size_t nl = bt->nloc;
	uint8_t *keyb = bt->locs;

	while (b < end) {
		uint64_t id, x;

		if (varint_next(&b, end, &id) < 0) {
			seterr("malformed sample %zu: bad location id", wk->n + 1);
			wk->bad = wk->end = 1;
			return -1;
		}
		if (map_frame(wk, locv, nlocv, id, &x) < 0)
			return -1;
		nl = put_frame(keyb, nl, x);
	}
	bt->nloc = nl;
	return 0;
}

/* id_frames does the same for the iterator's decoded location ids. */
static inline int
id_frames(struct swalk *wk, struct sbatch *bt, const uint64_t *locv, size_t nlocv)
{
	const struct sample_iter *it = &wk->it;

	for (size_t j = 0; j < it->nloc; j++) {
		uint64_t x;

		if (map_frame(wk, locv, nlocv, it->loc[j], &x) < 0)
			return -1;
		bt->nloc = put_frame(bt->locs, bt->nloc, x);
	}
	return 0;
}

/* batch_labels appends the current sample's labels, in merged string ids
 * and sorted, and returns hh with them hashed in. */
static inline uint64_t
batch_labels(struct merger *m, struct sbatch *bt, const struct sample_iter *it, uint64_t hh)
{
	size_t j;

	if (bt->nlab + it->nlab > bt->caplab) {
		bt->caplab = (bt->nlab + it->nlab) * 2;
		bt->labs = xreallocarray(bt->labs, bt->caplab, sizeof *bt->labs);
	}
	for (j = 0; j < it->nlab; j++) {
		const struct sample_label *l = &it->lab[j];
		struct mlabel *ml = &bt->labs[bt->nlab + j];

		ml->zero = 0;
		ml->key = in_string(m, l->key);
		ml->str = in_string(m, l->str);
		ml->unit = in_string(m, l->unit);
		ml->num = ml->str ? 0 : l->num;
	}
	sort_labels(&bt->labs[bt->nlab], it->nlab);
	for (j = 0; j < it->nlab; j++, bt->nlab++)
		hh = hash_u64(hash_u64(hash_u64(hash_u64(hh, bt->labs[bt->nlab].key),
		    bt->labs[bt->nlab].str), bt->labs[bt->nlab].unit),
		    (uint64_t)bt->labs[bt->nlab].num);
	return hh;
}

/* fill reads up to BATCH kept samples into bt: values, key bytes, labels,
 * hash; the hash slot of each is prefetched. Sets wk->end at the end of
 * the samples (or the limit), wk->bad on a malformed one (seterr). */
static void
fill(struct swalk *wk, struct sbatch *bt)
{
	struct merger *m = wk->m;
	struct sample_iter *it = &wk->it;
	const uint8_t *run;
	const uint64_t *locv = wk->dense ? m->in_locv : NULL;
	size_t runlen = 0, nfr, nlocv = wk->dense ? m->nin_locv : 0;

	bt->nb = bt->nloc = bt->nlab = 0;
	while (bt->nb < BATCH) {
		struct pending *q = &bt->q[bt->nb];
		int64_t *v = &bt->vals[bt->nb * m->ncols];
		uint64_t hh = 4;

		if (!next_sample(wk, &run, &runlen))
			return;
		if (!weighted_values(m, it, wk->w, v)) {
			/* dropped, but its locations must exist all the same */
			if (wk->raw && check_frames(m, wk->p, it, run, runlen, wk->n) < 0) {
				wk->bad = wk->end = 1;
				return;
			}
			wk->n++;
			continue;
		}
		nfr = run ? runlen : it->nloc;    /* at most, for a run */
		if (bt->nloc + nfr * 5 + 8 > bt->caploc) {
			bt->caploc = (bt->nloc + nfr * 5 + 8) * 2;
			bt->locs = xreallocarray(bt->locs, bt->caploc, sizeof *bt->locs);
		}
		q->loc_off = bt->nloc;
		if (run ? run_frames(wk, bt, locv, nlocv, run, runlen) < 0 :
		    id_frames(wk, bt, locv, nlocv) < 0)
			return;
		q->k.nloc = bt->nloc - q->loc_off;
		hh = hash_u64(hh, hash_bytes(bt->locs + q->loc_off, q->k.nloc));
		q->lab_off = bt->nlab;
		if (!m->o.drop_labels && it->nlab)
			hh = batch_labels(m, bt, it, hh);
		q->k.nlab = bt->nlab - q->lab_off;
		q->hash = hash_fold(hh);
		htab_prefetch(&m->sampletab, q->hash);
		bt->nb++;
		wk->n++;
	}
}

/* fetch prefetches, where a batch's hash slot already names a likely
 * entry, the whole of that entry (a key of ~40 frames spans 2-3 lines). */
static void
fetch(const struct merger *m, const struct sbatch *bt)
{
	size_t b;
	uint32_t e;

	for (b = 0; b < bt->nb; b++) {
		const struct pending *q = &bt->q[b];

		if ((e = htab_likely(&m->sampletab, q->hash)) != HTAB_NONE) {
			uintptr_t x = (uintptr_t)(m->store + ((size_t)e << 3));
			uintptr_t end = x + entry_size(m, q->k.nlab, q->k.nloc);

			for (x &= ~(uintptr_t)63; x < end; x += 64)
				__builtin_prefetch((const void *)x);
		}
	}
}

/* apply looks the batch's samples up, in order, and adds (or with undo
 * subtracts) their values, inserting those that are new. */
static void
apply(struct merger *m, struct sbatch *bt, int undo)
{
	size_t b, c, slot;

	for (b = 0; b < bt->nb; b++) {
		struct pending *q = &bt->q[b];
		int64_t *v = &bt->vals[b * m->ncols], *sv;
		uint32_t e;

		q->k.m = m;
		q->k.locs = bt->locs + q->loc_off;
		q->k.labels = bt->labs + q->lab_off;
		if ((e = htab_find(&m->sampletab, q->hash, sample_eq, &q->k, &slot)) == HTAB_NONE) {
			if (undo)
				continue;       /* cannot be: it was merged */
			e = new_sample(m, &q->k);
			htab_add(&m->sampletab, slot, q->hash, e);
		}
		sv = sample_values(sample_at(m, e));
		for (c = 0; c < m->ncols; c++) {
			int carry = undo ? sat_sub_carry(&sv[c], v[c]) :
			    sat_add_carry(&sv[c], v[c]);

			if (carry)
				add_carry(m, e, c, carry);
		}
	}
	bt->nb = 0;
}

/* merge_samples folds the input's samples in; with undo, it takes the first
 * limit of them back out (every entry they touched exists). Raw samples are
 * checked as they are read, as the decoder would: -1 with seterr() on a bad
 * one, those before it merged and counted in *nread. */
static int
merge_samples(struct merger *m, const struct profile *p, const uint8_t *raw,
    size_t rawlen, double w, size_t limit, int undo, size_t *nread)
{
	struct swalk wk = { 0 };
	struct sbatch bt[2];
	int cur = 0, k;

	memset(bt, 0, sizeof bt);
	for (k = 0; k < 2; k++)
		bt[k].vals = xcalloc((m->ncols ? m->ncols : 1) * BATCH, sizeof *bt[k].vals);
	wk.m = m;
	wk.p = p;
	wk.raw = raw != NULL;
	wk.dense = p->locs.dense != NULL;
	wk.w = w;
	wk.limit = limit;
	sample_iter_init(&wk.it, p, raw, rawlen);
	/* fill(cur) overlaps the misses of fetch(prev) before apply(prev) */
	while (!wk.end) {
		fill(&wk, &bt[cur]);
		apply(m, &bt[!cur], undo);
		fetch(m, &bt[cur]);
		cur = !cur;
	}
	apply(m, &bt[!cur], undo);
	sample_iter_free(&wk.it);
	for (k = 0; k < 2; k++) {
		free(bt[k].vals);
		free(bt[k].locs);
		free(bt[k].labs);
	}
	*nread = wk.n;
	return wk.bad ? -1 : 0;
}

int
merger_add(struct merger *m, const struct profile *p, double weight)
{
	return merger_add_raw(m, p, NULL, 0, weight);
}

/* What merger_add_raw restores when an input turns out to be malformed
 * halfway through its samples: the tables are cut back to these sizes. */
struct mark {
	size_t nstrs, nmaps, nfuncs, nlocs, nlines, storelen, nsamples, ncomments;
	int64_t time_nanos, duration_nanos, period;
	uint32_t doc_url;
};

static void
rollback(struct merger *m, const struct mark *k)
{
	m->nstrs = k->nstrs;
	htab_truncate(&m->strtab, (uint32_t)k->nstrs);
	m->nmaps = k->nmaps;
	htab_truncate(&m->maptab, (uint32_t)k->nmaps);
	m->nfuncs = k->nfuncs;
	htab_truncate(&m->functab, (uint32_t)k->nfuncs);
	m->nlocs = k->nlocs;
	m->nlines = k->nlines;
	htab_truncate(&m->loctab, (uint32_t)k->nlocs);
	m->nsamples = k->nsamples;
	m->storelen = k->storelen;
	htab_truncate(&m->sampletab, (uint32_t)(k->storelen >> 3));
	m->ncomments = k->ncomments;
	m->time_nanos = k->time_nanos;
	m->duration_nanos = k->duration_nanos;
	m->period = k->period;
	m->doc_url = k->doc_url;
	if (m->ninputs == 0) {
		free(m->cols);
		m->cols = NULL;
		m->ncols = 0;
	}
}

int
merger_add_raw(struct merger *m, const struct profile *p, const uint8_t *raw,
    size_t rawlen, double weight)
{
	const PbProfile *pb = p->pb;
	struct mark mk = { m->nstrs, m->nmaps, m->nfuncs, m->nlocs, m->nlines,
	    m->storelen, m->nsamples, m->ncomments, m->time_nanos,
	    m->duration_nanos, m->period, m->doc_url };
	size_t c, n, undone;
	int *colmap = NULL, r = -1;

	if (!(weight >= 0) || isinf(weight)) {
		seterr("bad weight %g", weight);
		return -1;
	}
	if (m->ninputs == 0 && first_columns(m, p) < 0)
		goto out;
	if (check_period_type(m, p) < 0)
		goto out;
	colmap = xcalloc(m->ncols ? m->ncols : 1, sizeof *colmap);
	if (plan_columns(m, p, colmap) < 0)
		goto out;
	m->colmap = colmap;

	merge_header(m, p);
	m->in = p;
	m->in_str = xmalloc((pb->n_string_table ? pb->n_string_table : 1) * sizeof *m->in_str);
	memset(m->in_str, 0xff, pb->n_string_table * sizeof *m->in_str);
	m->in_func = xmalloc((pb->n_function ? pb->n_function : 1) * sizeof *m->in_func);
	memset(m->in_func, 0xff, pb->n_function * sizeof *m->in_func);
	m->in_loc = xmalloc((pb->n_location ? pb->n_location : 1) * sizeof *m->in_loc);
	memset(m->in_loc, 0xff, pb->n_location * sizeof *m->in_loc);
	m->nin_locv = p->locs.dense ? (size_t)p->locs.ndense : pb->n_location;
	m->in_locv = xcalloc(m->nin_locv ? m->nin_locv : 1, sizeof *m->in_locv);
	m->in_map = xmalloc((pb->n_mapping ? pb->n_mapping : 1) * sizeof *m->in_map);
	memset(m->in_map, 0xff, pb->n_mapping * sizeof *m->in_map);
	m->in_map_off = xcalloc(pb->n_mapping ? pb->n_mapping : 1, sizeof *m->in_map_off);
	load_locations(m, p);
	prelookup_strings(m, pb->n_string_table);
	/* Functions first, in input order: resolved from the locations, in
	 * their order, each first use was a chain of misses (the function,
	 * its strings, the tables); in order, the input side is sequential. */
	prefind_functions(m, pb->n_function);
	prelookup_locations(m, pb->n_location);
	/* The first mapping of the first input with mappings stays mapping 1:
	 * it is the main binary. */
	if (m->nmaps == 0 && pb->n_mapping > 0)
		map_mapping(m, 0);
	/* as many new samples as the input has, at most: room for them at
	 * once (the index's doublings would hold two tables at a time) */
	htab_reserve(&m->sampletab, m->sampletab.count + profile_nsample(p));
	if (merge_samples(m, p, raw, rawlen, weight, SIZE_MAX, 0, &n) < 0) {
		/* a bad sample: take back the ones before it, then the rest */
		merge_samples(m, p, raw, rawlen, weight, n, 1, &undone);
	} else {
		for (c = 0; c < m->ncols; c++)
			if (colmap[c] < 0 && m->cols[c].live) {
				m->cols[c].live = 0;
				/* samples merged before may now be all zero */
				m->needs_compact = mk.nsamples > 0;
			}
		r = 0;
	}
	free(m->in_str);
	free(m->in_func);
	free(m->in_loc);
	free(m->in_locv);
	free(m->in_map);
	free(m->in_map_off);
	free(m->in_locs);
	free(m->in_lines);
	m->in = NULL;
out:
	if (r < 0)
		rollback(m, &mk);
	free(colmap);
	m->colmap = NULL;
	if (r == 0)
		m->ninputs++;
	return r;
}

int
merger_add_bytes(struct merger *m, const uint8_t *buf, size_t len, double weight)
{
	struct profile *p = lean_view(buf, len);
	int r = p ? merger_add_raw(m, p, buf, len, weight) : -1;

	if (r < 0) {
		profile_free(p);
		p = profile_decode(buf, len);
		r = p ? merger_add(m, p, weight) : -1;
	}
	profile_free(p);
	return r;
}

/* Output: protobuf written straight from the tables. Every merged entry was
 * created while a kept sample referenced it, in first-reference order, so
 * index + 1 is already the dense output id and nothing is unreferenced. The
 * one exception, samples left all zero by a sample type dropped later, is
 * handled as pprof does: merge the result once more on its own. */

static void
merger_free(struct merger *m)
{
	htab_free(&m->strtab);
	htab_free(&m->maptab);
	htab_free(&m->functab);
	htab_free(&m->loctab);
	htab_free(&m->sampletab);
	htab_free(&m->carrytab);
	free(m->carries);
	arena_free(m->strarena);
	free(m->strs);
	free(m->strlens);
	free(m->cols);
	free(m->comments);
	free(m->inputs);
	free(m->maps);
	free(m->funcs);
	free(m->locs);
	free(m->lines);
	free(m->samples);
	free(m->store);
	free(m);
}

static void
write_valuetype(struct pbw *w, unsigned field, uint64_t type, uint64_t unit)
{
	pbw_len(w, field, pb_field_size(1, type) + pb_field_size(2, unit));
	pbw_uint(w, 1, type);
	pbw_uint(w, 2, unit);
}

/* label_size: the bytes of label l's message */
static inline size_t
label_size(const struct mlabel *l)
{
	return pb_field_size(1, l->key) + pb_field_size(2, l->str) +
	    pb_field_size(3, (uint64_t)l->num) + pb_field_size(4, l->unit);
}

/* sample_size: the bytes of sample x's message (*size) and of its packed
 * values (*vsize), as write_sample writes them. */
static void
sample_size(const struct merger *m, struct msample *x, const size_t *live,
    size_t nlive, size_t *size, size_t *vsize)
{
	const int64_t *v = sample_values(x);
	const struct mlabel *labels = sample_labels(m, x);
	size_t c, j;

	*size = *vsize = 0;
	if (x->nloc)
		*size += pb_len_field_size(1, x->nloc);
	for (c = 0; c < nlive; c++)
		*vsize += pb_varint_size((uint64_t)v[live[c]]);
	if (nlive)
		*size += pb_len_field_size(2, *vsize);
	for (j = 0; j < x->nlab; j++)
		*size += pb_len_field_size(3, label_size(&labels[j]));
}

static void
write_sample(struct pbw *w, const struct merger *m, struct msample *x,
    const size_t *live, size_t nlive, size_t size, size_t vsize)
{
	const int64_t *v = sample_values(x);
	const struct mlabel *labels = sample_labels(m, x);
	size_t c, j;

	pbw_len(w, 2, size);
	if (x->nloc)
		pbw_bytes(w, 1, sample_locs(m, x), x->nloc);
	if (nlive) {
		pbw_len(w, 2, vsize);
		for (c = 0; c < nlive; c++)
			pbw_varint(w, (uint64_t)v[live[c]]);
	}
	for (j = 0; j < x->nlab; j++) {
		const struct mlabel *l = &labels[j];

		pbw_len(w, 3, label_size(l));
		pbw_uint(w, 1, l->key);
		pbw_uint(w, 2, l->str);
		pbw_uint(w, 3, (uint64_t)l->num);
		pbw_uint(w, 4, l->unit);
	}
}

/* write_samples encodes the kept samples, in insertion order, over the
 * sample store itself: an encoded sample is smaller than its entry (no
 * header, values as varints, labels of a few bytes), so the output stays
 * behind the entries still to read, and the store becomes the output
 * buffer rather than a second buffer of its size (a fifth of a merge's
 * memory, all of it fresh pages). An entry the output would reach is
 * copied aside first; an output that would pass the end of its entry (a
 * sample of huge values and few frames) moves to a buffer of its own. */
static void
write_samples(struct pbw *w, struct merger *m, const size_t *live, size_t nlive)
{
	uint8_t *tmp = NULL;
	size_t tmpcap = 0, i, c;
	int inplace = 1;

	/* room for a varint past the last entry: the store never moves here */
	if (m->storecap - m->storelen < 64) {
		m->storecap = m->storelen + 64;
		m->store = xrealloc(m->store, m->storecap);
	}
	w->buf = m->store;
	w->cap = m->storecap;
	w->len = 0;
	for (i = 0; i < m->nsamples; i++) {
		size_t at = (size_t)m->samples[i] << 3, esize, size, vsize, total;
		struct msample *x = sample_at(m, m->samples[i]);
		const int64_t *v = sample_values(x);
		int nonzero = 0;

		for (c = 0; c < nlive; c++)
			nonzero |= v[live[c]] != 0;
		if (!nonzero)
			continue;
		sample_size(m, x, live, nlive, &size, &vsize);
		total = pb_len_field_size(2, size);
		esize = entry_size(m, x->nlab, x->nloc);
		if (inplace && w->len + total > ((at + esize + 7) & ~(size_t)7)) {
			/* past this entry: the rest goes to a buffer of its own */
			struct pbw nw = { 0 };

			pbw_reserve(&nw, m->storelen + (1 << 16));
			memcpy(nw.buf, w->buf, w->len);
			nw.len = w->len;
			*w = nw;
			inplace = 0;
		} else if (inplace && w->len + total > at) {
			if (esize > tmpcap) {
				tmpcap = esize * 2;
				tmp = xrealloc(tmp, tmpcap);
			}
			memcpy(tmp, x, esize);
			x = (struct msample *)tmp;
		}
		write_sample(w, m, x, live, nlive, size, vsize);
	}
	free(tmp);
	if (inplace)
		m->store = NULL;        /* it is w's now */
}

static void
write_mapping(struct pbw *w, const struct mmapping *x, uint64_t id)
{
	size_t size = pb_field_size(1, id) + pb_field_size(2, x->start) +
	    pb_field_size(3, x->limit) + pb_field_size(4, x->offset) +
	    pb_field_size(5, x->file) + pb_field_size(6, x->build) +
	    pb_field_size(7, x->has_functions) + pb_field_size(8, x->has_filenames) +
	    pb_field_size(9, x->has_line_numbers) + pb_field_size(10, x->has_inline_frames);

	pbw_len(w, 3, size);
	pbw_uint(w, 1, id);
	pbw_uint(w, 2, x->start);
	pbw_uint(w, 3, x->limit);
	pbw_uint(w, 4, x->offset);
	pbw_uint(w, 5, x->file);
	pbw_uint(w, 6, x->build);
	pbw_uint(w, 7, x->has_functions);
	pbw_uint(w, 8, x->has_filenames);
	pbw_uint(w, 9, x->has_line_numbers);
	pbw_uint(w, 10, x->has_inline_frames);
}

static size_t
line_size(const struct mline *l)
{
	return pb_field_size(1, l->fn) + pb_field_size(2, (uint64_t)l->line) +
	    pb_field_size(3, (uint64_t)l->col);
}

static void
write_location(struct pbw *w, const struct merger *m, const struct mloc *x, uint64_t id)
{
	size_t size = pb_field_size(1, id) + pb_field_size(2, x->mapping) +
	    pb_field_size(3, x->addr) + pb_field_size(5, x->folded), j;

	for (j = 0; j < x->nline; j++)
		size += pb_len_field_size(4, line_size(&m->lines[x->line_off + j]));
	pbw_len(w, 4, size);
	pbw_uint(w, 1, id);
	pbw_uint(w, 2, x->mapping);
	pbw_uint(w, 3, x->addr);
	for (j = 0; j < x->nline; j++) {
		const struct mline *l = &m->lines[x->line_off + j];

		pbw_len(w, 4, line_size(l));
		pbw_uint(w, 1, l->fn);
		pbw_uint(w, 2, (uint64_t)l->line);
		pbw_uint(w, 3, (uint64_t)l->col);
	}
	pbw_uint(w, 5, x->folded);
}

static void
write_function(struct pbw *w, const struct mfunc *x, uint64_t id)
{
	pbw_len(w, 5, pb_field_size(1, id) + pb_field_size(2, x->name) +
	    pb_field_size(3, x->sys) + pb_field_size(4, x->file) +
	    pb_field_size(5, (uint64_t)x->start_line));
	pbw_uint(w, 1, id);
	pbw_uint(w, 2, x->name);
	pbw_uint(w, 3, x->sys);
	pbw_uint(w, 4, x->file);
	pbw_uint(w, 5, (uint64_t)x->start_line);
}

/* default_type follows pprof: an input whose sample types were reduced to
 * the common ones defaults to its own default if that survived, else to the
 * first common type; the merge takes the first non-empty default. */
static uint32_t
default_type(const struct merger *m, const size_t *live, size_t nlive)
{
	int i;
	size_t c;

	for (i = 0; i < m->ninputs; i++) {
		uint32_t d = m->inputs[i].dflt;

		if (m->inputs[i].ntypes != nlive && nlive > 0) {
			for (c = 0; c < nlive; c++)
				if (m->cols[live[c]].type == d)
					break;
			if (c == nlive)
				d = m->cols[live[0]].type;
		}
		if (d)
			return d;
	}
	return 0;
}

static int
encode(struct merger *m, uint8_t **out, size_t *outlen)
{
	struct pbw w = { 0 };
	size_t c, i, nlive = 0, csize = 0;
	size_t *live = xcalloc(m->ncols + 1, sizeof *live);

	settle_carries(m);
	for (c = 0; c < m->ncols; c++)
		if (m->cols[c].live)
			live[nlive++] = c;
	/* Samples first, over the store; field order is free in protobuf */
	write_samples(&w, m, live, nlive);
	for (c = 0; c < nlive; c++)
		write_valuetype(&w, 1, m->cols[live[c]].type, m->cols[live[c]].unit);
	for (i = 0; i < m->nmaps; i++)
		write_mapping(&w, &m->maps[i], i + 1);
	for (i = 0; i < m->nlocs; i++)
		write_location(&w, m, &m->locs[i], i + 1);
	for (i = 0; i < m->nfuncs; i++)
		write_function(&w, &m->funcs[i], i + 1);
	for (i = 0; i < m->nstrs; i++)
		pbw_bytes(&w, 6, m->strs[i], m->strlens[i]);
	pbw_uint(&w, 7, (uint64_t)m->drop_frames);
	pbw_uint(&w, 8, (uint64_t)m->keep_frames);
	pbw_uint(&w, 9, (uint64_t)m->time_nanos);
	pbw_uint(&w, 10, (uint64_t)m->duration_nanos);
	if (m->have_period_type)
		write_valuetype(&w, 11, m->period_type, m->period_unit);
	pbw_uint(&w, 12, (uint64_t)m->period);
	for (i = 0; i < m->ncomments; i++)
		csize += pb_varint_size(m->comments[i]);
	if (m->ncomments) {
		pbw_len(&w, 13, csize);
		for (i = 0; i < m->ncomments; i++)
			pbw_varint(&w, m->comments[i]);
	}
	pbw_uint(&w, 14, default_type(m, live, nlive));
	pbw_uint(&w, 15, m->doc_url);
	free(live);
	*out = w.buf;
	*outlen = w.len;
	return 0;
}

int
merger_encode(struct merger *m, uint8_t **out, size_t *outlen)
{
	struct merge_opts o = m->o;
	int compact = m->needs_compact;
	struct merger *again;
	struct profile *p;
	int r;

	if (m->ninputs == 0) {
		seterr("no profile to merge");
		merger_free(m);
		return -1;
	}
	/* the inputs' memory is not needed for the output */
	arena_cache_release();
	encode(m, out, outlen);
	merger_free(m);
	if (!compact)
		return 0;
	/* As pprof does when a merge leaves zero samples: merge the result
	 * alone, which drops them and everything only they referenced. */
	p = profile_decode(*out, *outlen);
	free(*out);
	*out = NULL;
	if (!p)
		return -1;
	o.sample_type = NULL;
	again = merger_new(&o);
	r = merger_add(again, p, 1.0);
	profile_free(p);
	if (r < 0) {
		merger_free(again);
		return -1;
	}
	again->needs_compact = 0;
	return merger_encode(again, out, outlen);
}

struct profile *
merger_finish(struct merger *m)
{
	struct profile *p;
	uint8_t *buf;
	size_t len;

	if (merger_encode(m, &buf, &len) < 0)
		return NULL;
	p = profile_decode(buf, len);
	free(buf);
	return p;
}
