/* lib/sbom/buildinfo.c on hostile files: a small ELF64 file with a
 * .go.buildinfo section is built in memory, then broken one way at a
 * time (truncated anywhere, lengths past the end, offsets out of the file,
 * bad quoting); every read must fail cleanly or find nothing, never read
 * out of bounds (the SAN build checks that). */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sbom/buildinfo.h"
#include "sbom/spdx.h"
#include "util/err.h"

static const char start[] = "0w\xaf\x0c\x92t\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6";
static const char end[] = "\xf9\x32\x43\x31\x86\x18 r\x00\x82\x42\x10\x41\x16\xd8\xf2";

/* elf_with builds an ELF64 file whose .go.buildinfo holds sec (n bytes):
 * header, section data, the names, then three section headers. */
static uint8_t *
elf_with(const void *sec, size_t n, size_t *len)
{
	static const char names[] = "\0.shstrtab\0.go.buildinfo";
	size_t data = 64, str = data + n, sh = (str + sizeof names + 7) & ~(size_t)7;
	uint8_t *b = calloc(1, sh + 3 * sizeof(Elf64_Shdr));
	Elf64_Ehdr *h = (Elf64_Ehdr *)b;
	Elf64_Shdr s[3];

	memcpy(h->e_ident, ELFMAG, SELFMAG);
	h->e_ident[EI_CLASS] = ELFCLASS64;
	h->e_ident[EI_DATA] = ELFDATA2LSB;
	h->e_shoff = sh;
	h->e_shentsize = sizeof(Elf64_Shdr);
	h->e_shnum = 3;
	h->e_shstrndx = 1;
	memcpy(b + data, sec, n);
	memcpy(b + str, names, sizeof names);
	memset(s, 0, sizeof s);
	s[1].sh_name = 1, s[1].sh_type = SHT_STRTAB, s[1].sh_offset = str;
	s[1].sh_size = sizeof names;
	s[2].sh_name = 11, s[2].sh_type = SHT_PROGBITS, s[2].sh_offset = data, s[2].sh_size = n;
	memcpy(b + sh, s, sizeof s);
	*len = sh + sizeof s;
	return b;
}

/* section makes the .go.buildinfo bytes for a version and a module text
 * (sentinels added); lengths as one-byte varints unless given. */
static size_t
section(uint8_t *out, const char *version, const char *mod)
{
	size_t n = 32, vl = strlen(version), ml = strlen(mod) + 32;

	memset(out, 0, 32);
	memcpy(out, "\xff Go buildinf:", 14);
	out[14] = 8, out[15] = 2;
	out[n++] = (uint8_t)vl;
	memcpy(out + n, version, vl), n += vl;
	out[n++] = (uint8_t)(ml | 0x80), out[n++] = (uint8_t)(ml >> 7);
	memcpy(out + n, start, 16), n += 16;
	memcpy(out + n, mod, ml - 32), n += ml - 32;
	memcpy(out + n, end, 16), n += 16;
	return n;
}

static const char modinfo[] =
    "path\texample.com/app\n"
    "mod\texample.com/app\t(devel)\t\n"
    "dep\texample.com/a\tv1.0.0\th1:qUnZPGqGrGHCkPpbiMql9fBzs7tRhqXKhFdF2tLszWk=\n"
    "dep\texample.com/b\tv0.1.0\n=>\t./b\t\t\n"
    "build\t-pgo=/src/default.pgo\n"
    "build\t-ldflags=\"-s -w -X \\\"main.v=\\x41\\u00e9\\\"\"\n"
    "build\t\"we=ird\"=`raw`\n";

static int
parse_section(const uint8_t *sec, size_t n, struct go_buildinfo *bi)
{
	size_t len;
	uint8_t *f = elf_with(sec, n, &len);
	int rc = buildinfo_parse(f, len, bi);

	free(f);
	return rc;
}

static void
test_good(void)
{
	uint8_t sec[1024];
	struct go_buildinfo bi;
	struct membuf out = { 0 };
	size_t n = section(sec, "go1.23.5", modinfo);

	ok(parse_section(sec, n, &bi) == 1, "a well-formed section reads");
	ok(bi.n_deps == 2 && strcmp(bi.deps[0].sum, "h1:qUnZPGqGrGHCkPpbiMql9fBzs7tRhqXKhFdF2tLszWk=") == 0,
	    "two deps, the first with its sum");
	ok(bi.deps[1].replace && strcmp(bi.deps[1].replace->path, "./b") == 0,
	    "the replacement belongs to its dep");
	ok(strcmp(buildinfo_setting(&bi, "-ldflags"), "-s -w -X \"main.v=A\xc3\xa9\"") == 0,
	    "a quoted value unquotes (\\x, \\u, \\\")");
	ok(buildinfo_setting(&bi, "we=ird") && strcmp(buildinfo_setting(&bi, "we=ird"), "raw") == 0,
	    "a quoted key and a raw-string value");
	buildinfo_format(&bi, &out);
	ok(strstr(out.data, "\tbuild\t\"we=ird\"=raw\n") != NULL, "format quotes the key back");
	spdx_document(&bi, "/app", "1970-01-01T00:00:00Z", "test", &out);
	ok(strstr(out.data, "pkg:golang/example.com/a@v1.0.0") != NULL, "the SPDX has the purl");
	membuf_free(&out);
	buildinfo_free(&bi);
}

static void
test_truncated(void)
{
	uint8_t sec[1024], *f;
	struct go_buildinfo bi;
	size_t n = section(sec, "go1.23.5", modinfo), len, cut;
	int bad = 0;

	/* Every prefix of the whole file: a cut header, section table or data. */
	f = elf_with(sec, n, &len);
	for (cut = 0; cut < len; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);
		int rc;

		memcpy(p, f, cut);
		rc = buildinfo_parse(p, cut, &bi);
		if (rc == 1)
			bad++;
		buildinfo_free(&bi);
		free(p);
	}
	free(f);
	ok(bad == 0, "no prefix of the file reads as build information (%d did)", bad);
	/* Every prefix of the section inside a well-formed file. */
	for (cut = 0, bad = 0; cut < n; cut++) {
		int rc = parse_section(sec, cut, &bi);

		if (rc == 1 && cut < n - 17)
			bad++;
		buildinfo_free(&bi);
	}
	ok(bad == 0, "a truncated section never reads as complete (%d did)", bad);
}

static void
test_lengths(void)
{
	uint8_t sec[1024];
	struct go_buildinfo bi;
	size_t n = section(sec, "go1.23.5", modinfo);

	sec[32] = 0x7f;		/* version length past the end */
	ok(parse_section(sec, 32 + 1 + 100, &bi) == -1 && strstr(errmsg(), "past the end"),
	    "a version length past the end: %s", errmsg());
	n = section(sec, "go1.23.5", modinfo);
	sec[32 + 1 + 8] = 0xff, sec[32 + 1 + 9] = 0x7f;	/* module length 16383 */
	ok(parse_section(sec, n, &bi) == -1, "a module length past the end");
	n = section(sec, "go1.23.5", modinfo);
	memset(sec + 32 + 1 + 8, 0xff, 12);	/* a varint longer than 64 bits */
	ok(parse_section(sec, n, &bi) == -1, "an endless varint");
	n = section(sec, "go1.23.5", modinfo);
	sec[15] = 0;
	ok(parse_section(sec, n, &bi) == 0, "pre-1.18 pointer format: none, not an error");
	n = section(sec, "go1.23.5", modinfo);
	sec[1] = 'X';
	ok(parse_section(sec, n, &bi) == -1, "a bad magic is an error");
	n = section(sec, "go1.23.5", "dep\tonly-one-field\n");
	ok(parse_section(sec, n, &bi) == -1, "a dep line without a version");
	n = section(sec, "go1.23.5", "=>\t./x\t\t\n");
	ok(parse_section(sec, n, &bi) == -1, "a replacement of nothing");
	n = section(sec, "go1.23.5", "build\t-x=\"unterminated\n");
	ok(parse_section(sec, n, &bi) == -1, "an unterminated quoted value");
	n = section(sec, "go1.23.5", "build\t-x=\"\\u12\"\n");
	ok(parse_section(sec, n, &bi) == -1, "a short \\u escape");
	n = section(sec, "go1.23.5", "build\t-x=\"\\U0011ffff\"\n");
	ok(parse_section(sec, n, &bi) == -1, "a code point past U+10FFFF");
	n = section(sec, "go1.23.5", "build\t=v\n");
	ok(parse_section(sec, n, &bi) == -1, "an empty key");
}

static void
test_elf(void)
{
	uint8_t sec[1024], *f;
	struct go_buildinfo bi;
	Elf64_Ehdr *h;
	size_t n = section(sec, "go1.23.5", modinfo), len;

	f = elf_with(sec, n, &len);
	h = (Elf64_Ehdr *)f;
	h->e_shoff = len - 8;
	ok(buildinfo_parse(f, len, &bi) == -1, "section headers past the end");
	h->e_shoff = len - 3 * sizeof(Elf64_Shdr);
	h->e_shnum = 0xffff;
	ok(buildinfo_parse(f, len, &bi) == -1, "65535 section headers in a small file");
	h->e_shnum = 3;
	h->e_shstrndx = 7;
	ok(buildinfo_parse(f, len, &bi) == -1, "a names index past the headers");
	h->e_shstrndx = 1;
	((Elf64_Shdr *)(f + h->e_shoff))[2].sh_size = (uint64_t)-1;
	ok(buildinfo_parse(f, len, &bi) == -1, "a section size that wraps");
	((Elf64_Shdr *)(f + h->e_shoff))[2].sh_size = n;
	((Elf64_Shdr *)(f + h->e_shoff))[1].sh_offset = (uint64_t)-2;
	ok(buildinfo_parse(f, len, &bi) == -1, "names at an offset that wraps");
	((Elf64_Shdr *)(f + h->e_shoff))[1].sh_offset = len - 2;
	((Elf64_Shdr *)(f + h->e_shoff))[1].sh_size = 2;
	ok(buildinfo_parse(f, len, &bi) == 0, "names cut short: no section found");
	free(f);
	ok(buildinfo_parse("\x7f" "ELF", 4, &bi) == 0, "a 4-byte ELF file: none");
	ok(buildinfo_parse("\x7f" "ELF\x02\x01\x01" "000000000", 16, &bi) == -1,
	    "a 16-byte ELF file: a truncated header");
	ok(buildinfo_parse("#!/bin/sh\n", 10, &bi) == 0 && strstr(errmsg(), "not an ELF"),
	    "a script: %s", errmsg());
}

int
main(void)
{
	setprogname("sbom-buildinfo");
	test_good();
	test_truncated();
	test_lengths();
	test_elf();
	return tap_done();
}
