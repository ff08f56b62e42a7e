/* Unit tests for the core of lib/: sizes, gzip both ways with the bomb cap,
 * the profile stream on concatenated members, the hash index, the
 * wire-format diagnosis and the decoder's validation messages; byte hashing
 * and the huge-page allocations under the big tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/bigmem.h"
#include "codec/gzip.h"
#include "util/htab.h"
#include "util/membuf.h"
#include "pprof/merge.h"
#include "codec/pbread.h"
#include "codec/pbwrite.h"
#include "pprof/load.h"
#include "pprof/profile.h"
#include "tap.h"
#include "util/err.h"
#include "util/num.h"

/* A valid profile: sample_type samples/count, one function, one location,
 * one sample with value 3. */
static const uint8_t valid[] = {
	0x0a, 0x04, 0x08, 0x01, 0x10, 0x02,
	0x12, 0x06, 0x0a, 0x01, 0x01, 0x12, 0x01, 0x03,
	0x22, 0x06, 0x08, 0x01, 0x22, 0x02, 0x08, 0x01,
	0x2a, 0x06, 0x08, 0x01, 0x10, 0x03, 0x20, 0x04,
	0x32, 0x00, 0x32, 0x07, 's', 'a', 'm', 'p', 'l', 'e', 's',
	0x32, 0x05, 'c', 'o', 'u', 'n', 't', 0x32, 0x06, 'm', 'a', 'i', 'n', '.', 'f',
	0x32, 0x04, 'f', '.', 'g', 'o',
};

/* gather_members gathers gz_members' output into one buffer, as a layer holds it. */
static int
gather_members(const uint8_t *in, size_t inlen, int level, size_t chunk, int nthreads,
    uint8_t **out, size_t *outlen)
{
	struct gz_members *g = gz_members_start(in, inlen, level, chunk, nthreads);
	struct membuf b = { 0 };
	const uint8_t *p;
	size_t n;
	int r;

	if (!g)
		return -1;
	while ((r = gz_members_next(g, &p, &n)) == 1)
		membuf_append(&b, p, n);
	gz_members_end(g);
	if (r < 0) {
		membuf_free(&b);
		return -1;
	}
	*outlen = b.len;
	*out = (uint8_t *)membuf_take(&b);
	return 0;
}

/* put_location writes location id with one line: function 1, line. */
static void
put_location(struct pbw *w, uint64_t id, uint64_t line)
{
	pbw_len(w, 4, 8);
	pbw_uint(w, 1, id);
	pbw_len(w, 4, 4);
	pbw_uint(w, 1, 1);
	pbw_uint(w, 2, line);
}

/* put_function writes function 1 (name and file as string indices), then
 * the string table. */
static void
put_function(struct pbw *w, uint64_t name, uint64_t file, const char **strs, size_t n)
{
	size_t i;

	pbw_len(w, 5, 6);
	pbw_uint(w, 1, 1);
	pbw_uint(w, 2, name);
	pbw_uint(w, 4, file);
	for (i = 0; i < n; i++)
		pbw_bytes(w, 6, strs[i], strlen(strs[i]));
}

/* wide_profile: six sample types and two samples of one frame, the first
 * with all six values -1 (ten-byte varints): encoded, it is longer than
 * its merge entry, which the in-place encoding must notice. */
static void
wide_profile(struct pbw *w)
{
	static const char *strs[] = { "", "t0", "t1", "t2", "t3", "t4", "t5",
	    "count", "main.f", "f.go" };
	size_t i, k;

	memset(w, 0, sizeof *w);
	for (i = 1; i <= 6; i++) {
		pbw_len(w, 1, 4);
		pbw_uint(w, 1, i);
		pbw_uint(w, 2, 7);
	}
	for (k = 1; k <= 2; k++) {
		size_t vals = k == 1 ? 60 : 6;

		pbw_len(w, 2, 3 + 2 + vals);
		pbw_len(w, 1, 1);
		pbw_varint(w, k);
		pbw_len(w, 2, vals);
		for (i = 0; i < 6; i++)
			pbw_varint(w, k == 1 ? (uint64_t)-1 : 1);
	}
	for (k = 1; k <= 2; k++)
		put_location(w, k, 2 + k);
	put_function(w, 8, 9, strs, sizeof strs / sizeof *strs);
}

/* split_profile: samples/count, two locations of one function, and three
 * samples (values 1, 2, 4 on stacks [1], [2], [1 2]) placed by layout: 0
 * samples first, 1 samples last, 2 samples split by a location, 3 a
 * sample after the string table. A lean decode steps over one run of
 * samples; every layout must merge the same. */
static void
put_split_sample(struct pbw *w, size_t k)
{
	static const uint8_t stacks[3][3] = { { 1, 1 }, { 1, 2 }, { 2, 1, 2 } };
	size_t i;

	pbw_len(w, 2, 2 + stacks[k][0] + 3);
	pbw_len(w, 1, stacks[k][0]);
	for (i = 1; i <= stacks[k][0]; i++)
		pbw_varint(w, stacks[k][i]);
	pbw_len(w, 2, 1);
	pbw_varint(w, 1u << k);
}

static void
split_profile(struct pbw *w, int layout)
{
	static const char *strs[] = { "", "samples", "count", "main.f", "f.go" };
	size_t k, first = layout == 1 ? 0 : layout == 3 ? 2 : 3;

	memset(w, 0, sizeof *w);
	pbw_len(w, 1, 4);
	pbw_uint(w, 1, 1);
	pbw_uint(w, 2, 2);
	for (k = 0; k < first; k++) {
		if (layout == 2 && k == 1)
			put_location(w, 1, 10);
		put_split_sample(w, k);
	}
	if (layout != 2)
		put_location(w, 1, 10);
	put_location(w, 2, 11);
	put_function(w, 3, 4, strs, sizeof strs / sizeof *strs);
	for (k = first; k < 3; k++)
		put_split_sample(w, k);
}

/* mappings_over counts the mappings of /proc/self/maps that hold some of
 * [p, p + n); -1 when it cannot be read. */
static int
mappings_over(const void *p, size_t n)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi, a = (unsigned long)p, b = a + n;
	char line[512];
	int k = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo < b && hi > a)
			k++;
	fclose(f);
	return k;
}

static int
eq_u32(const void *ctx, uint32_t e)
{
	return ((const uint32_t *)ctx)[1] == e;
}

int
main(void)
{
	uint8_t *gz, *out, big[100000];
	size_t gzlen, outlen, used;
	struct profile *p;
	char path[] = "/tmp/pgokit-unit-XXXXXX";
	int fd, n;

	ok(parse_size("512M") == 512LL << 20, "parse_size 512M");
	ok(parse_size("1G") == 1LL << 30, "parse_size 1G");
	ok(parse_size("64k") == 65536, "parse_size 64k");
	ok(parse_size("12") == 12, "parse_size 12");
	ok(parse_size("x") == -1 && parse_size("-1") == -1 && parse_size("5Q") == -1,
	    "parse_size refuses junk");

	ok(gz_deflate(valid, sizeof valid, 1, &gz, &gzlen) == 0 && is_gzip(gz, gzlen),
	    "gz_deflate makes gzip");
	ok(gz_inflate_member(gz, gzlen, 1 << 20, &out, &outlen, &used) == 0 &&
	    outlen == sizeof valid && !memcmp(out, valid, outlen) && used == gzlen,
	    "gz_inflate_member round trip");
	free(out);
	ok(gz_inflate_member(gz, gzlen - 3, 1 << 20, &out, &outlen, &used) < 0 &&
	    strstr(errmsg(), "truncated"), "truncated gzip: %s", errmsg());

	memset(big, 0, sizeof big);
	free(gz);
	gz_deflate(big, sizeof big, 9, &gz, &gzlen);
	ok(gz_inflate_member(gz, gzlen, 50000, &out, &outlen, &used) < 0 &&
	    strstr(errmsg(), "exceeds the limit of 50000"), "bomb cap: %s", errmsg());
	free(gz);

	/* three members in one file: three profiles */
	fd = mkstemp(path);
	gz_deflate(valid, sizeof valid, 6, &gz, &gzlen);
	for (n = 0; n < 3; n++)
		ok(write(fd, gz, gzlen) == (ssize_t)gzlen, "write member %d", n);
	close(fd);
	free(gz);
	{
		struct profile_stream *r = profile_stream_open(path, 0);
		const uint8_t *buf;
		size_t len;
		int k = 0, got;
		struct loaded in;

		while ((got = profile_stream_next(r, &buf, &len)) > 0)
			k += len == sizeof valid;
		ok(got == 0 && k == 3 && profile_stream_count(r) == 3,
		    "profile stream: three members, %d read", k);
		profile_stream_close(r);
		ok(profile_load(path, LOAD_ONE, &in) == LOAD_INVALID &&
		    in.stage == LOAD_AT_SEVERAL && strstr(errmsg(), "more than one profile"),
		    "profile_load refuses a stream: %s", errmsg());
		loaded_free(&in);
	}
	unlink(path);

	{
		struct htab h;
		uint32_t key[2];
		size_t slot;
		uint32_t i, found = 0;

		htab_init(&h, 4);
		for (i = 0; i < 1000; i++) {
			key[1] = i;
			if (htab_find(&h, hash_fold(hash_u64(0, i)), eq_u32, key, &slot) == HTAB_NONE)
				htab_add(&h, slot, hash_fold(hash_u64(0, i)), i);
		}
		for (i = 0; i < 1000; i++) {
			key[1] = i;
			found += htab_find(&h, hash_fold(hash_u64(0, i)), eq_u32, key, &slot) == i;
		}
		ok(found == 1000 && h.count == 1000, "htab: 1000 in, 1000 found");
		htab_truncate(&h, 400);
		for (i = 0, found = 0; i < 1000; i++) {
			key[1] = i;
			found += htab_find(&h, hash_fold(hash_u64(0, i)), eq_u32, key, &slot) == i;
		}
		ok(found == 400 && h.count == 400, "htab_truncate: the first 400 kept");
		htab_free(&h);
	}
	{
		/* past 2 MiB of slots the table lives on big_alloc's mappings */
		struct htab h;
		uint32_t key[2];
		size_t slot;
		uint32_t i, found = 0, n = 600000;

		htab_init(&h, 4);
		for (i = 0; i < n; i++) {
			key[1] = i;
			if (htab_find(&h, hash_fold(hash_u64(0, i)), eq_u32, key, &slot) == HTAB_NONE)
				htab_add(&h, slot, hash_fold(hash_u64(0, i)), i);
		}
		htab_truncate(&h, n / 2);
		for (i = 0; i < n; i++) {
			key[1] = i;
			found += htab_find(&h, hash_fold(hash_u64(0, i)), eq_u32, key, &slot) == i;
		}
		ok(found == n / 2 && (h.mask + 1) * sizeof *h.slot > ((size_t)2 << 20),
		    "htab: %u entries on a %zu-byte table, the first half kept", n, (h.mask + 1) * 8);
		htab_free(&h);
	}
	{
		/* hash_bytes: the same bytes at any address hash alike; a change
		 * of any one byte, or of the length, changes the hash */
		unsigned char a[160], b[168];
		size_t len, k, bad = 0, cmp = 0;

		for (k = 0; k < sizeof a; k++)
			a[k] = (unsigned char)(k * 7 + 1);
		for (len = 0; len <= 150; len++) {
			uint64_t h = hash_bytes(a, len);

			memcpy(b + 5, a, len);
			bad += hash_bytes(b + 5, len) != h;
			bad += len > 0 && hash_bytes(a, len - 1) == h;
			for (k = 0; k < len; k++, cmp++) {
				b[5 + k] ^= 0x10;
				bad += hash_bytes(b + 5, len) == h;
				b[5 + k] ^= 0x10;
			}
		}
		ok(bad == 0, "hash_bytes: lengths 0-150, %zu one-byte changes, %zu faults", cmp, bad);
	}
	{
		/* big_alloc: zeroed below and above the 2 MiB line */
		size_t sizes[] = { 100, (size_t)3 << 20 }, k, i, bad = 0;

		for (k = 0; k < 2; k++) {
			unsigned char *p = big_alloc(sizes[k]);

			for (i = 0; i < sizes[k]; i++)
				bad += p[i] != 0;
			memset(p, 0xab, sizes[k]);
			big_free(p, sizes[k]);
		}
		ok(bad == 0, "big_alloc: 100 B and 3 MiB, zeroed");
	}
	{
		/* big_advise on a malloc'd buffer (a mapping of its own at this
		 * size) leaves it one mapping: advice on its aligned middle split
		 * it in three, and realloc then copied it instead of moving it
		 * (old and new pages at once: pprof-merge's store on 5 x 10^7
		 * stacks went past its bound) */
		size_t n = (size_t)64 << 20;
		unsigned char *p = malloc(n);
		int maps;

		big_advise(p, n);
		maps = mappings_over(p, n);
		p = realloc(p, 2 * n);
		ok(p && maps == 1 && mappings_over(p, 2 * n) == 1,
		    "big_advise: the buffer stays one mapping (%d)", maps);
		free(p);
	}
	{
		/* gzip members: each inflates to its chunk, whatever the threads */
		static uint8_t in[250000];
		uint8_t *z1, *z3, *z0, *one, *o;
		size_t n1, n3, n0, none, olen, off = 0, total = 0, k;
		int members = 0, same;

		for (k = 0; k < sizeof in; k++)
			in[k] = (uint8_t)(k * 2654435761u >> 13) % 17;
		ok(gather_members(in, sizeof in, 1, 65536, 1, &z1, &n1) == 0 &&
		    gather_members(in, sizeof in, 1, 65536, 3, &z3, &n3) == 0 &&
		    n1 == n3 && !memcmp(z1, z3, n1), "gz_members: same bytes on 1 and 3 threads");
		same = 1;
		while (off < n1 && gz_inflate_member(z1 + off, n1 - off, 1 << 20, &o, &olen, &k) == 0) {
			same &= total + olen <= sizeof in && !memcmp(in + total, o, olen) &&
			    (olen == 65536 || total + olen == sizeof in);
			total += olen;
			off += k;
			members++;
			free(o);
		}
		ok(same && members == 4 && total == sizeof in && off == n1,
		    "gz_members: 4 members of 64 KiB inflate to the input (%d)", members);
		ok(gather_members(in, 1000, 1, 65536, 0, &z0, &n0) == 0 &&
		    gz_deflate(in, 1000, 1, &one, &none) == 0 && n0 == none && !memcmp(z0, one, n0),
		    "gz_members: one chunk is gz_deflate's bytes");
		{
			/* taken one by one: the same members, in order; a
			 * compressor stopped early gives none */
			struct gz_members *g = gz_members_start(in, sizeof in, 1, 65536, 2);
			const uint8_t *p;
			size_t n, at = 0;
			int r = -1, got = 0;

			same = g != NULL;
			while (g && (r = gz_members_next(g, &p, &n)) == 1) {
				same &= at + n <= n1 && !memcmp(z1 + at, p, n);
				at += n;
				got++;
			}
			gz_members_end(g);
			ok(same && r == 0 && got == 4 && at == n1,
			    "gz_members_next: the members gather_members joins, in order (%d)", got);
			g = gz_members_start(in, sizeof in, 1, 65536, 2);
			ok(g && gz_members_next(g, &p, &n) == 1 && n > 0 && !memcmp(z1, p, n),
			    "gz_members_next: the first member, before the others are taken");
			gz_members_end(g);
			/* a stop races with members begun: those done come
			 * out right, then -1 (or 0, had all been done) */
			g = gz_members_start(in, sizeof in, 1, 65536, 2);
			same = g != NULL;
			at = 0;
			got = 0;
			if (g)
				gz_members_stop(g);
			while (g && (r = gz_members_next(g, &p, &n)) == 1) {
				same &= at + n <= n1 && !memcmp(z1 + at, p, n);
				at += n;
				got++;
			}
			ok(same && (r == -1 || (r == 0 && got == 4)),
			    "gz_members_stop: no hang, %d member(s) before the end (%d)", got, r);
			gz_members_end(g);
			ok(gz_members_start(in, sizeof in, 13, 65536, 2) == NULL &&
			    gz_members_start(in, sizeof in, 1, 0, 2) == NULL,
			    "gz_members_start: a bad level or chunk is refused");
		}
		free(z0);
		free(z1);
		free(z3);
		free(one);
	}

	ok(pbwire_diagnose((const uint8_t *)"\x48\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11) < 0 &&
	    strstr(errmsg(), "bad varint"), "pbwire: %s", errmsg());
	ok(pbwire_diagnose((const uint8_t *)"\x12\x05\x0a", 3) < 0 &&
	    strstr(errmsg(), "truncated at offset 0"), "pbwire: %s", errmsg());
	ok(pbwire_diagnose((const uint8_t *)"\x0b", 1) < 0 &&
	    strstr(errmsg(), "invalid wire type 3"), "pbwire: %s", errmsg());

	p = profile_decode(valid, sizeof valid);
	ok(p && p->pb->n_sample == 1 && p->pb->sample[0]->value[0] == 3 &&
	    !strcmp(profile_str(p, profile_function(p, 1)->name), "main.f"),
	    "profile_decode of a valid profile");
	ok(p && profile_sample_type(p, NULL) == 0 && profile_sample_type(p, "samples") == 0 &&
	    profile_sample_type(p, "samples/count") == 0 && profile_sample_type(p, "cpu") < 0,
	    "profile_sample_type");
	{
		struct merger *m = merger_new(NULL);
		struct profile *q;

		merger_add(m, p, 1.0);
		merger_add(m, p, 2.5);
		q = merger_finish(m);
		ok(q && q->pb->n_sample == 1 && q->pb->sample[0]->value[0] == 3 + 8,
		    "merge with weight 2.5: 3 + round(7.5) = %lld",
		    q ? (long long)q->pb->sample[0]->value[0] : -1LL);
		profile_free(q);
	}
	{
		/* in-place encoding: a sample longer than its entry moves the
		 * output to a buffer of its own, and nothing is lost */
		struct merger *m = merger_new(NULL);
		struct profile *w1, *q;
		struct pbw w;
		int good;

		wide_profile(&w);
		w1 = profile_decode(w.buf, w.len);
		good = w1 && merger_add(m, w1, 1.0) == 0 && merger_add(m, w1, 1.0) == 0;
		q = merger_finish(m);
		good = good && q && q->pb->n_sample == 2 && q->pb->n_sample_type == 6;
		for (size_t i = 0; good && i < 6; i++)
			good = q->pb->sample[0]->value[i] == -2 && q->pb->sample[1]->value[i] == 2;
		ok(good, "merge: a sample encoded longer than its entry (six values of -1) survives");
		profile_free(q);
		profile_free(w1);
		free(w.buf);
	}

	{
		/* each layout merged lean (from the raw bytes) and from the
		 * full decode: the same output, all three samples in it, the
		 * same as the first layout's */
		uint8_t *ref = NULL;
		size_t reflen = 0;
		int layout;

		for (layout = 0; layout < 4; layout++) {
			struct pbw w;
			struct merger *lm = merger_new(NULL), *fm = merger_new(NULL);
			struct profile *full, *lean, *q;
			uint8_t *lo = NULL, *fo = NULL;
			size_t lolen = 0, folen = 0, ns = 0;
			int good;

			split_profile(&w, layout);
			full = profile_decode(w.buf, w.len);
			/* merger_add_raw itself: merger_add_bytes would fall
			 * back to the full decode on a fault of the lean one */
			lean = profile_decode_lean(w.buf, w.len, &ns);
			good = full && lean && ns == 3 && lean->pb->n_location == 2 &&
			    merger_add_raw(lm, lean, w.buf, w.len, 1.0) == 0 &&
			    merger_add(fm, full, 1.0) == 0 &&
			    merger_encode(lm, &lo, &lolen) == 0 &&
			    merger_encode(fm, &fo, &folen) == 0 &&
			    lolen == folen && !memcmp(lo, fo, lolen);
			q = good ? profile_decode(lo, lolen) : NULL;
			good = q && q->pb->n_sample == 3 && q->pb->sample[0]->value[0] +
			    q->pb->sample[1]->value[0] + q->pb->sample[2]->value[0] == 7 &&
			    (layout == 0 || (lolen == reflen && !memcmp(lo, ref, lolen)));
			if (good && layout == 0) {
				ref = lo;
				reflen = lolen;
				lo = NULL;
			}
			ok(good, "merge: samples laid out %s merge the same, lean or decoded",
			    (const char *[]){ "first", "last", "split by a location",
			    "around the strings" }[layout]);
			profile_free(q);
			profile_free(full);
			profile_free(lean);
			free(lo);
			free(fo);
			free(w.buf);
		}
		free(ref);
	}

	profile_free(p);
	return tap_done();
}
