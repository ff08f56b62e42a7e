/* genhostile: write a hostile but valid raw (uncompressed) CPU profile on
 * stdout, for the memory bounds of the loader (tests and make bench).
 * usage: genhostile [-k stacks|locations|pairs] -n N
 *   stacks     N samples with N distinct stacks of depth 3 over 3000
 *              locations (each location id one base-1000 digit of the
 *              sample's number, the root's the fastest): tiny compressed,
 *              many samples, few call edges (N/10^6 leaves).
 *   locations  N distinct locations, functions and function names, and
 *              one sample: a profile that is all "non-sample part".
 *   pairs      N samples of depth 2, each a distinct leaf-and-caller pair
 *              over the same 3000 locations (up to 2.25 x 10^6): as many
 *              call edges as samples, the worst case of what PGO reads.
 * Pipe it through gzip -1 for a profile file; written as it goes, so the
 * generator itself needs no memory. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cli.h"
#include "util/err.h"
#include "util/num.h"

static size_t
varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* field writes a length-delimited field f holding body. */
static void
field(unsigned f, const uint8_t *body, size_t len)
{
	uint8_t hdr[16];
	size_t n = varint(hdr, (uint64_t)f << 3 | 2);

	n += varint(hdr + n, len);
	fwrite(hdr, 1, n, stdout);
	fwrite(body, 1, len, stdout);
}

static void
string(const char *s)
{
	field(6, (const uint8_t *)s, strlen(s));
}

/* sample writes a sample with the given locations and value 1. */
static void
sample(const uint64_t *loc, size_t nloc)
{
	uint8_t ids[64], body[96];
	size_t n = 0, b = 0, i;

	for (i = 0; i < nloc; i++)
		n += varint(ids + n, loc[i]);
	body[b++] = 1 << 3 | 2;
	b += varint(body + b, n);
	memcpy(body + b, ids, n);
	b += n;
	body[b++] = 2 << 3 | 0;
	body[b++] = 1;
	field(2, body, b);
}

/* location writes location id (address id*16) calling function id, and
 * function id named by string name. */
static void
location(uint64_t id, uint64_t name)
{
	uint8_t line[16], body[48];
	size_t l = 0, b = 0;

	line[l++] = 1 << 3;
	l += varint(line + l, id);
	line[l++] = 2 << 3;
	l += varint(line + l, 1 + id % 1000);
	body[b++] = 1 << 3;
	b += varint(body + b, id);
	body[b++] = 3 << 3;
	b += varint(body + b, 0x400000 + id * 16);
	body[b++] = 4 << 3 | 2;
	body[b++] = (uint8_t)l;
	memcpy(body + b, line, l);
	b += l;
	field(4, body, b);
	b = 0;
	body[b++] = 1 << 3;
	b += varint(body + b, id);
	body[b++] = 2 << 3;
	b += varint(body + b, name);
	body[b++] = 5 << 3;     /* start_line, which PGO needs */
	body[b++] = 1;
	field(5, body, b);
}

static void
header(void)
{
	static const uint8_t st[] = { 1 << 3, 1, 2 << 3, 2 };   /* samples/count */
	static const uint8_t pt[] = { 1 << 3, 3, 2 << 3, 4 };   /* cpu/nanoseconds */

	string("");
	string("samples");
	string("count");
	string("cpu");
	string("nanoseconds");
	field(1, st, sizeof st);
	field(11, pt, sizeof pt);
	fputc(12 << 3, stdout);
	fputc(100, stdout);
}

int
main(int argc, char *argv[])
{
	const char *kind = "stacks", *why;
	long long n = 0, i;
	uint64_t loc[3];
	char name[32];
	int c;

	setprogname(argv[0]);
	while ((c = getopt(argc, argv, "k:n:")) != -1) {
		switch (c) {
		case 'k': kind = optarg; break;
		case 'n':
			n = num_int(optarg, 1, 1000000000, &why);
			if (why)
				diex(2, "-n: %s: %s", optarg, why);
			break;
		default:
			diex(2, "usage: genhostile [-k stacks|locations|pairs] -n N");
		}
	}
	if (!n || (strcmp(kind, "stacks") && strcmp(kind, "locations") &&
	    strcmp(kind, "pairs")))
		diex(2, "usage: genhostile [-k stacks|locations|pairs] -n N");
	if (!strcmp(kind, "pairs") && n > 1500 * 1500)
		diex(2, "-n: %lld: at most 2250000 distinct pairs", n);
	header();
	if (strcmp(kind, "locations")) {
		for (i = 0; i < 3000; i++) {
			snprintf(name, sizeof name, "main.f%lld", i + 1);
			string(name);
			location((uint64_t)i + 1, (uint64_t)i + 5);
		}
	}
	if (!strcmp(kind, "pairs")) {
		for (i = 0; i < n; i++) {
			loc[0] = 1 + (uint64_t)(i % 1500);
			loc[1] = 1501 + (uint64_t)(i / 1500 % 1500);
			sample(loc, 2);
		}
	} else if (!strcmp(kind, "stacks")) {
		for (i = 0; i < n; i++) {
			loc[0] = 1 + (uint64_t)(i / 1000000 % 1000);
			loc[1] = 1001 + (uint64_t)(i / 1000 % 1000);
			loc[2] = 2001 + (uint64_t)(i % 1000);
			sample(loc, 3);
		}
	} else {
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof name, "main.f%lld", i + 1);
			string(name);
			location((uint64_t)i + 1, (uint64_t)i + 5);
		}
		loc[0] = 1;
		sample(loc, 1);
	}
	if (fflush(stdout) || ferror(stdout))
		die("<stdout>: write:");
	return 0;
}
