/* Reading function names from an ELF binary: STT_FUNC symbols of .symtab and,
 * for Go binaries, the function name table of .gopclntab (Go 1.16+ layouts),
 * which also names inlined functions and survives `-ldflags=-s`. */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgo/elfsyms.h"
#include "util/keymap.h"
#include "util/err.h"

struct elfsyms {
	struct strmap *names;
};

struct section {
	const char *name;
	uint64_t offset, size, entsize;
	uint32_t type, link;
};

struct elf {
	const uint8_t *base;
	size_t size;
	struct section *sec;
	size_t nsec;
	int is64;
};

/* add_name stores name and, for a generic instantiation "pkg.F[shape]...",
 * also the form runtime/pprof prints: everything from the first '[' to the
 * last ']' replaced by "[...]" (runtime.funcNameForPrint). */
static void
add_name(struct elfsyms *s, const char *name, size_t len)
{
	char stack[512], *buf;
	const char *lb, *rb;

	if (len == 0)
		return;
	buf = len < sizeof stack - 8 ? stack : xmalloc(len + 8);
	memcpy(buf, name, len);
	buf[len] = '\0';
	strmap_intern(s->names, buf, NULL);
	lb = memchr(name, '[', len);
	rb = lb ? memrchr(name, ']', len) : NULL;
	if (lb && rb && rb > lb) {
		size_t a = (size_t)(lb - name), c = len - (size_t)(rb + 1 - name);

		memcpy(buf + a, "[...]", 5);
		memcpy(buf + a + 5, rb + 1, c);
		buf[a + 5 + c] = '\0';
		strmap_intern(s->names, buf, NULL);
	}
	if (buf != stack)
		free(buf);
}

static int
elf_sections(struct elf *e)
{
	const uint8_t *b = e->base;
	uint64_t shoff;
	size_t shentsize, shnum, shstrndx, i;

	if (e->size < EI_NIDENT || memcmp(b, ELFMAG, SELFMAG) != 0) {
		seterr("not an ELF file");
		return -1;
	}
	if (b[EI_DATA] != ELFDATA2LSB) {
		seterr("big-endian ELF is not supported");
		return -1;
	}
	e->is64 = b[EI_CLASS] == ELFCLASS64;
	if (e->is64) {
		const Elf64_Ehdr *h = (const void *)b;

		if (e->size < sizeof *h)
			goto trunc;
		shoff = h->e_shoff, shentsize = h->e_shentsize;
		shnum = h->e_shnum, shstrndx = h->e_shstrndx;
		if (shentsize != sizeof(Elf64_Shdr))
			goto trunc;
	} else {
		const Elf32_Ehdr *h = (const void *)b;

		if (e->size < sizeof *h)
			goto trunc;
		shoff = h->e_shoff, shentsize = h->e_shentsize;
		shnum = h->e_shnum, shstrndx = h->e_shstrndx;
		if (shentsize != sizeof(Elf32_Shdr))
			goto trunc;
	}
	if (shoff > e->size || shnum > (e->size - shoff) / shentsize || shstrndx >= shnum)
		goto trunc;
	e->sec = xcalloc(shnum ? shnum : 1, sizeof(*e->sec));
	e->nsec = shnum;
	for (i = 0; i < shnum; i++) {
		struct section *s = &e->sec[i];
		const uint8_t *p = b + shoff + i * shentsize;
		uint32_t name;

		if (e->is64) {
			Elf64_Shdr sh;

			memcpy(&sh, p, sizeof sh);
			name = sh.sh_name, s->type = sh.sh_type, s->offset = sh.sh_offset;
			s->size = sh.sh_size, s->link = sh.sh_link, s->entsize = sh.sh_entsize;
		} else {
			Elf32_Shdr sh;

			memcpy(&sh, p, sizeof sh);
			name = sh.sh_name, s->type = sh.sh_type, s->offset = sh.sh_offset;
			s->size = sh.sh_size, s->link = sh.sh_link, s->entsize = sh.sh_entsize;
		}
		s->name = (const char *)(uintptr_t)name;  /* resolved below */
		if (s->type != SHT_NOBITS &&
		    (s->offset > e->size || s->size > e->size - s->offset))
			goto trunc;
	}
	for (i = 0; i < shnum; i++) {
		const struct section *st = &e->sec[shstrndx];
		uint64_t off = (uint64_t)(uintptr_t)e->sec[i].name;

		if (off < st->size && memchr(b + st->offset + off, '\0', st->size - off))
			e->sec[i].name = (const char *)b + st->offset + off;
		else
			e->sec[i].name = "";
	}
	return 0;
trunc:
	seterr("truncated or malformed ELF header");
	return -1;
}

static const struct section *
find_section(const struct elf *e, const char *name)
{
	for (size_t i = 0; i < e->nsec; i++)
		if (strcmp(e->sec[i].name, name) == 0)
			return &e->sec[i];
	return NULL;
}

static size_t
read_symtab(struct elfsyms *s, const struct elf *e)
{
	const struct section *sym = find_section(e, ".symtab"), *str;
	size_t n = 0, i, entsize;

	if (!sym || sym->type != SHT_SYMTAB || sym->link >= e->nsec)
		return 0;
	str = &e->sec[sym->link];
	entsize = e->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	for (i = 0; i + 1 <= sym->size / entsize; i++) {
		const uint8_t *p = e->base + sym->offset + i * entsize;
		uint32_t name;
		unsigned type;

		if (e->is64) {
			Elf64_Sym y;

			memcpy(&y, p, sizeof y);
			name = y.st_name, type = ELF64_ST_TYPE(y.st_info);
		} else {
			Elf32_Sym y;

			memcpy(&y, p, sizeof y);
			name = y.st_name, type = ELF32_ST_TYPE(y.st_info);
		}
		if (type != STT_FUNC || name >= str->size)
			continue;
		const char *nm = (const char *)e->base + str->offset + name;
		const char *end = memchr(nm, '\0', str->size - name);

		if (!end)
			continue;
		add_name(s, nm, (size_t)(end - nm));
		n++;
	}
	return n;
}

static uint64_t
rd(const uint8_t *p, int ptrsize)
{
	uint64_t v = 0;

	if (ptrsize == 8)
		memcpy(&v, p, 8);
	else {
		uint32_t w;

		memcpy(&w, p, 4);
		v = w;
	}
	return v;
}

/* read_pclntab adds the names of runtime's funcnametab: NUL-terminated
 * strings between the header's funcnameOffset and cuOffset. */
static size_t
read_pclntab(struct elfsyms *s, const struct elf *e)
{
	const struct section *sec = find_section(e, ".gopclntab");
	const uint8_t *t;
	uint64_t nameoff, cuoff, size;
	uint32_t magic;
	int ptrsize, field;
	size_t n = 0;

	if (!sec || sec->type == SHT_NOBITS || sec->size < 16)
		return 0;
	t = e->base + sec->offset;
	size = sec->size;
	memcpy(&magic, t, 4);
	ptrsize = t[7];
	if (ptrsize != 4 && ptrsize != 8)
		return 0;
	switch (magic) {
	case 0xfffffff1:        /* Go 1.20+ */
	case 0xfffffff0:        /* Go 1.18, 1.19: header has textStart */
		field = 3;
		break;
	case 0xfffffffa:        /* Go 1.16, 1.17 */
		field = 2;
		break;
	default:
		return 0;
	}
	if (8 + (uint64_t)(field + 2) * ptrsize > size)
		return 0;
	nameoff = rd(t + 8 + field * ptrsize, ptrsize);
	cuoff = rd(t + 8 + (field + 1) * ptrsize, ptrsize);
	if (nameoff >= cuoff || cuoff > size)
		return 0;
	for (uint64_t off = nameoff; off < cuoff;) {
		const char *nm = (const char *)t + off;
		const char *end = memchr(nm, '\0', cuoff - off);

		if (!end)
			break;
		add_name(s, nm, (size_t)(end - nm));
		off += (uint64_t)(end - nm) + 1;
		n++;
	}
	return n;
}

struct elfsyms *
elfsyms_read(const char *path)
{
	struct elfsyms *s;
	struct elf e = { 0 };
	struct stat st;
	void *map;
	int fd;
	size_t n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		seterr("%s:", path);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		seterr("%s: not a regular, non-empty file", path);
		close(fd);
		return NULL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		seterr("%s: mmap:", path);
		return NULL;
	}
	e.base = map;
	e.size = (size_t)st.st_size;
	s = xcalloc(1, sizeof(*s));
	s->names = strmap_new();
	if (elf_sections(&e) < 0) {
		seterr("%s: %s", path, errmsg());
		goto fail;
	}
	n = read_symtab(s, &e);
	n += read_pclntab(s, &e);
	if (n == 0) {
		seterr("%s: no symbol table and no Go pclntab", path);
		goto fail;
	}
	free(e.sec);
	munmap(map, e.size);
	return s;
fail:
	free(e.sec);
	munmap(map, e.size);
	elfsyms_free(s);
	return NULL;
}

void
elfsyms_free(struct elfsyms *s)
{
	if (!s)
		return;
	strmap_free(s->names);
	free(s);
}

int
elfsyms_has(const struct elfsyms *s, const char *name)
{
	return strmap_find(s->names, name) >= 0;
}

size_t
elfsyms_count(const struct elfsyms *s)
{
	return strmap_count(s->names);
}
