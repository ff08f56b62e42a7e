/* libFuzzer target for the Go build information reader (lib/sbom/buildinfo.c)
 * that img-push -f runs on untrusted ELF files. An input that starts with
 * the ELF magic is the whole file; any other input is the contents of a
 * .go.buildinfo section, put into a minimal ELF64 file first so the
 * fuzzer need not find the section headers to reach the string and module
 * parsing. A file that parses must format and answer every setting it
 * holds. */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbom/buildinfo.h"
#include "util/membuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* wrap: an ELF64 file, header, sec, the section names and three section
 * headers (null, .shstrtab, .go.buildinfo); its length in *len. */
static uint8_t *
wrap(const uint8_t *sec, size_t n, size_t *len)
{
	static const char names[] = "\0.shstrtab\0.go.buildinfo";
	size_t str = sizeof(Elf64_Ehdr) + n, sh = (str + sizeof names + 7) & ~(size_t)7;
	Elf64_Shdr s[3] = { { 0 } };
	Elf64_Ehdr h = { { 0 } };
	uint8_t *b = calloc(1, sh + sizeof s);

	if (!b)
		abort();
	memcpy(h.e_ident, ELFMAG, SELFMAG);
	h.e_ident[EI_CLASS] = ELFCLASS64;
	h.e_ident[EI_DATA] = ELFDATA2LSB;
	h.e_shoff = sh;
	h.e_shentsize = sizeof(Elf64_Shdr);
	h.e_shnum = 3;
	h.e_shstrndx = 1;
	s[1].sh_name = 1, s[1].sh_type = SHT_STRTAB;
	s[1].sh_offset = str, s[1].sh_size = sizeof names;
	s[2].sh_name = 11, s[2].sh_type = SHT_PROGBITS;
	s[2].sh_offset = sizeof h, s[2].sh_size = n;
	memcpy(b, &h, sizeof h);
	if (n)
		memcpy(b + sizeof h, sec, n);
	memcpy(b + str, names, sizeof names);
	memcpy(b + sh, s, sizeof s);
	*len = sh + sizeof s;
	return b;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct go_buildinfo bi;
	struct membuf out = { 0 };
	uint8_t *file = NULL;
	size_t len = size, i;
	int rc;

	if (size < SELFMAG || memcmp(data, ELFMAG, SELFMAG) != 0)
		data = file = wrap(data, size, &len);
	rc = buildinfo_parse(data, len, &bi);
	if (rc == 1) {
		if (!bi.go_version)
			abort();
		for (i = 0; i < bi.n_settings; i++)
			if (!buildinfo_setting(&bi, bi.settings[i].key))
				abort();
		buildinfo_format(&bi, &out);
		if (!out.len)
			abort();
		membuf_free(&out);
	}
	buildinfo_free(&bi);
	free(file);
	return 0;
}
