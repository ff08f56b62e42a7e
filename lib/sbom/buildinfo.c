/* Reading the build information a Go binary carries in its .go.buildinfo
 * ELF section. The file is untrusted: every offset and length is checked
 * against the bytes there are before it is used.
 *
 * Layout (Go 1.18+, "inline" strings): a 32-byte header, the 14 bytes
 * "\xff Go buildinf:", the pointer size, a flags byte (bit 1: strings
 * follow inline), padding; then two strings, each a uvarint length and its
 * bytes: the Go version and the module information, which is the text of
 * debug.BuildInfo.String() between two 16-byte sentinels. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbom/buildinfo.h"
#include "codec/varint.h"
#include "util/err.h"

static const char magic[14] = "\xff Go buildinf:";
enum { HEADER = 32, FLAG_INLINE = 2, FLAG_BIGENDIAN = 1, SENTINEL = 16 };

/* A range of the file in memory. */
struct span {
	const uint8_t *p;
	size_t n;
};

static uint64_t
get(const uint8_t *p, int size, int big)
{
	uint64_t v = 0;

	for (int i = 0; i < size; i++)
		v |= (uint64_t)p[big ? size - 1 - i : i] << (8 * i);
	return v;
}

/* in_file: does [off, off+n) lie within len bytes. */
static int
in_file(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

/* elf_section finds the section called name; 1 found, 0 not there (or
 * not an ELF file: *why says which), -1 malformed. */
static int
elf_section(struct span f, const char *name, struct span *out, const char **why)
{
	const uint8_t *b = f.p;
	uint64_t shoff, stroff, strsize;
	unsigned shentsize, shnum, shstrndx;
	int is64, big;

	if (f.n < EI_NIDENT || memcmp(b, ELFMAG, SELFMAG) != 0) {
		*why = "not an ELF file";
		return 0;
	}
	is64 = b[EI_CLASS] == ELFCLASS64;
	big = b[EI_DATA] == ELFDATA2MSB;
	if ((!is64 && b[EI_CLASS] != ELFCLASS32) || f.n < (is64 ? 64u : 52u)) {
		seterr("truncated or unknown ELF header");
		return -1;
	}
	shoff = get(b + (is64 ? 0x28 : 0x20), is64 ? 8 : 4, big);
	shentsize = (unsigned)get(b + (is64 ? 0x3a : 0x2e), 2, big);
	shnum = (unsigned)get(b + (is64 ? 0x3c : 0x30), 2, big);
	shstrndx = (unsigned)get(b + (is64 ? 0x3e : 0x32), 2, big);
	if (shnum == 0) {
		*why = "an ELF file without section headers";
		return 0;
	}
	if (shentsize < (is64 ? 64u : 40u) || shstrndx >= shnum ||
	    !in_file(shoff, (uint64_t)shentsize * shnum, f.n)) {
		seterr("ELF section headers out of the file");
		return -1;
	}
#define SH(i, off64, off32, sz64, sz32) get(b + shoff + (uint64_t)(i) * shentsize + \
	(is64 ? (off64) : (off32)), is64 ? (sz64) : (sz32), big)
	stroff = SH(shstrndx, 0x18, 0x10, 8, 4);
	strsize = SH(shstrndx, 0x20, 0x14, 8, 4);
	if (!in_file(stroff, strsize, f.n)) {
		seterr("ELF section names out of the file");
		return -1;
	}
	for (unsigned i = 0; i < shnum; i++) {
		uint64_t nameoff = SH(i, 0, 0, 4, 4), off, size;
		size_t want = strlen(name) + 1;

		if (nameoff >= strsize || strsize - nameoff < want ||
		    memcmp(b + stroff + nameoff, name, want) != 0)
			continue;
		if (SH(i, 4, 4, 4, 4) == SHT_NOBITS)
			break;
		off = SH(i, 0x18, 0x10, 8, 4);
		size = SH(i, 0x20, 0x14, 8, 4);
		if (!in_file(off, size, f.n)) {
			seterr("section %s out of the file", name);
			return -1;
		}
		out->p = b + off;
		out->n = (size_t)size;
		return 1;
	}
#undef SH
	*why = "no Go build information (no .go.buildinfo section)";
	return 0;
}

/* read_string reads a uvarint length and that many bytes at *pos. */
static int
read_string(struct span s, size_t *pos, struct span *out)
{
	uint64_t n;

	if (varint_read(s.p, s.n, pos, &n) < 0 || n > s.n - *pos) {
		seterr(".go.buildinfo: string length past the end of the section");
		return -1;
	}
	out->p = s.p + *pos;
	out->n = (size_t)n;
	*pos += (size_t)n;
	return 0;
}

/* dup_span copies n bytes checked to hold no NUL (strndup stops at one). */
static char *
dup_span(const char *p, size_t n)
{
	char *s = strndup(p, n);

	if (!s)
		die("out of memory");
	return s;
}

/* put_utf8 appends code point c as UTF-8. */
static void
put_utf8(struct membuf *b, unsigned long c)
{
	char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (char)c, n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6), u[1] = (char)(0x80 | (c & 0x3f)), n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12), u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f)), n = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18), u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f)), u[3] = (char)(0x80 | (c & 0x3f)), n = 4;
	}
	membuf_append(b, u, n);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* unquote reads the Go string literal at the start of s (strconv.Quote's
 * output: "..." with backslash escapes, or `...`), puts its value in *out
 * and returns the length of the literal; -1 when it is not one. */
static long
unquote(const char *s, size_t n, char **out)
{
	struct membuf b = { 0 };
	size_t i = 1;

	if (n >= 1 && s[0] == '`') {
		const char *e = memchr(s + 1, '`', n - 1);

		if (!e)
			return -1;
		*out = dup_span(s + 1, (size_t)(e - s - 1));
		return e - s + 1;
	}
	if (n < 2 || s[0] != '"')
		return -1;
	membuf_append(&b, "", 0);
	while (i < n && s[i] != '"') {
		static const char esc[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"''";
		const char *e;
		unsigned long c = 0;
		int digits = 0, base = 16;

		if (s[i] != '\\') {
			membuf_append(&b, s + i++, 1);
			continue;
		}
		if (++i >= n)
			break;
		if ((e = strchr(esc, s[i])) && ((e - esc) % 2) == 0 && s[i]) {
			membuf_append(&b, e + 1, 1);
			i++;
			continue;
		}
		switch (s[i]) {
		case 'x': digits = 2; break;
		case 'u': digits = 4; break;
		case 'U': digits = 8; break;
		default:
			if (s[i] >= '0' && s[i] <= '7')
				digits = 3, base = 8, i--;
			else
				goto bad;
		}
		i++;
		for (int d = 0; d < digits; d++, i++) {
			int v = i < n ? hexval(s[i]) : -1;

			if (v < 0 || v >= base)
				goto bad;
			c = c * (unsigned long)base + (unsigned long)v;
		}
		if (digits == 2 || base == 8) {
			char byte = (char)c;

			if (c > 0xff)
				goto bad;
			membuf_append(&b, &byte, 1);
		} else if (c > 0x10ffff) {
			goto bad;
		} else {
			put_utf8(&b, c);
		}
	}
	if (i >= n)
		goto bad;
	*out = membuf_take(&b);
	return (long)i + 1;
bad:
	membuf_free(&b);
	return -1;
}

/* split_tabs cuts line at tabs into at most max fields; the count. */
static int
split_tabs(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (char *p = line; *p; p++) {
		if (*p == '\t') {
			if (n == max)
				return max + 1;
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

static void
set_module(struct go_module *m, char **f, int n)
{
	m->path = xstrdup(f[0]);
	m->version = xstrdup(f[1]);
	m->sum = xstrdup(n == 3 ? f[2] : "");
}

/* parse_setting reads "key=value" of a build line, either quoted. */
static int
parse_setting(const char *s, struct go_buildinfo *bi)
{
	struct go_setting set = { NULL, NULL };
	size_t n = strlen(s);
	const char *eq;

	if (s[0] == '"' || s[0] == '`') {
		long k = unquote(s, n, &set.key);

		if (k < 0)
			return -1;
		eq = s + k;
	} else {
		eq = strchr(s, '=');
		if (eq)
			set.key = dup_span(s, (size_t)(eq - s));
	}
	if (!eq || *eq != '=' || !set.key || !*set.key)
		goto bad;
	eq++;
	if (*eq == '"' || *eq == '`') {
		long v = unquote(eq, strlen(eq), &set.value);

		if (v < 0 || eq[v])
			goto bad;
	} else {
		set.value = xstrdup(eq);
	}
	bi->settings = xreallocarray(bi->settings, bi->n_settings + 1, sizeof *bi->settings);
	bi->settings[bi->n_settings++] = set;
	return 0;
bad:
	free(set.key);
	free(set.value);
	return -1;
}

/* parse_line reads one line of the module information. */
static int
parse_line(char *line, struct go_buildinfo *bi, struct go_module **last)
{
	char *f[4];
	int n;

	if (strncmp(line, "path\t", 5) == 0) {
		free(bi->path);
		bi->path = xstrdup(line + 5);
	} else if (strncmp(line, "mod\t", 4) == 0 || strncmp(line, "dep\t", 4) == 0) {
		struct go_module *m;

		if ((n = split_tabs(line + 4, f, 3)) < 2 || n > 3)
			return -1;
		if (line[0] == 'm') {
			if (bi->main.path)
				return -1;
			m = &bi->main;
		} else {
			bi->deps = xreallocarray(bi->deps, bi->n_deps + 1, sizeof *bi->deps);
			m = &bi->deps[bi->n_deps++];
		}
		memset(m, 0, sizeof *m);
		set_module(m, f, n);
		*last = m;
	} else if (strncmp(line, "=>\t", 3) == 0) {
		if (!*last || (*last)->replace)
			return -1;
		if ((n = split_tabs(line + 3, f, 3)) < 2 || n > 3)
			return -1;
		(*last)->replace = xcalloc(1, sizeof *(*last)->replace);
		set_module((*last)->replace, f, n);
	} else if (strncmp(line, "build\t", 6) == 0) {
		return parse_setting(line + 6, bi);
	} else if (strncmp(line, "go\t", 3) != 0 && *line) {
		return -1;
	}
	return 0;
}

/* parse_modinfo reads the lines of the module information text. */
static int
parse_modinfo(struct span m, struct go_buildinfo *bi)
{
	char *text, *line, *next;
	struct go_module *last = NULL;
	int lineno = 0, rc = 0;

	/* As debug/buildinfo does: without both sentinels there is none. */
	if (m.n < 2 * SENTINEL + 1 || m.p[m.n - SENTINEL - 1] != '\n')
		return 0;
	if (memchr(m.p + SENTINEL, '\0', m.n - 2 * SENTINEL)) {
		seterr(".go.buildinfo: a NUL byte in the module information");
		return -1;
	}
	text = dup_span((const char *)m.p + SENTINEL, m.n - 2 * SENTINEL);
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (memchr(line, '\r', strlen(line)) || parse_line(line, bi, &last) < 0) {
			seterr(".go.buildinfo: module information line %d is malformed", lineno);
			rc = -1;
			break;
		}
	}
	free(text);
	return rc;
}

int
buildinfo_parse(const void *file, size_t len, struct go_buildinfo *bi)
{
	struct span f = { file, len }, sec, version, mod;
	const char *why = NULL;
	size_t pos = HEADER;
	int rc;

	memset(bi, 0, sizeof *bi);
	if ((rc = elf_section(f, ".go.buildinfo", &sec, &why)) <= 0) {
		if (rc == 0)
			seterr("%s", why);
		return rc;
	}
	if (sec.n < HEADER || memcmp(sec.p, magic, sizeof magic) != 0) {
		seterr(".go.buildinfo: no build information header");
		return -1;
	}
	if (!(sec.p[15] & FLAG_INLINE)) {
		seterr("Go build information of a Go before 1.18: not read");
		return 0;
	}
	if (read_string(sec, &pos, &version) < 0 || read_string(sec, &pos, &mod) < 0)
		return -1;
	if (version.n == 0 || memchr(version.p, '\0', version.n)) {
		seterr(".go.buildinfo: malformed version or module information");
		return -1;
	}
	bi->go_version = dup_span((const char *)version.p, version.n);
	if (parse_modinfo(mod, bi) < 0) {
		buildinfo_free(bi);
		return -1;
	}
	return 1;
}

int
buildinfo_read(const char *path, struct go_buildinfo *bi)
{
	struct stat st;
	void *p = NULL;
	int fd, rc;

	memset(bi, 0, sizeof *bi);
	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) < 0) {
		seterr("%s:", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size > 0 &&
	    (p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		seterr("%s: cannot map:", path);
		close(fd);
		return -1;
	}
	close(fd);
	rc = buildinfo_parse(p ? p : "", p ? (size_t)st.st_size : 0, bi);
	if (p)
		munmap(p, (size_t)st.st_size);
	return rc;
}

const char *
buildinfo_setting(const struct go_buildinfo *bi, const char *key)
{
	for (size_t i = 0; i < bi->n_settings; i++)
		if (strcmp(bi->settings[i].key, key) == 0)
			return bi->settings[i].value;
	return NULL;
}

/* put_quoted appends s as strconv.Quote would for the strings build
 * settings hold (printable UTF-8 kept, control bytes escaped). */
static void
put_quoted(struct membuf *b, const char *s)
{
	membuf_puts(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[8];

		switch (c) {
		case '"': membuf_puts(b, "\\\""); break;
		case '\\': membuf_puts(b, "\\\\"); break;
		case '\a': membuf_puts(b, "\\a"); break;
		case '\b': membuf_puts(b, "\\b"); break;
		case '\f': membuf_puts(b, "\\f"); break;
		case '\n': membuf_puts(b, "\\n"); break;
		case '\r': membuf_puts(b, "\\r"); break;
		case '\t': membuf_puts(b, "\\t"); break;
		case '\v': membuf_puts(b, "\\v"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(e, sizeof e, "\\x%02x", c);
				membuf_puts(b, e);
			} else {
				membuf_append(b, s, 1);
			}
		}
	}
	membuf_puts(b, "\"");
}

static void
format_module(struct membuf *b, const char *word, const struct go_module *m)
{
	membuf_puts(b, "\t");
	membuf_puts(b, word);
	membuf_puts(b, "\t");
	membuf_puts(b, m->path);
	membuf_puts(b, "\t");
	membuf_puts(b, m->version);
	if (m->replace) {
		membuf_puts(b, "\n");
		format_module(b, "=>", m->replace);
		/* Go ends the replaced module's line too: an empty line. */
		membuf_puts(b, "\t\n");
		return;
	}
	membuf_puts(b, "\t");
	membuf_puts(b, m->sum);
	membuf_puts(b, "\n");
}

void
buildinfo_format(const struct go_buildinfo *bi, struct membuf *out)
{
	membuf_puts(out, bi->go_version);
	membuf_puts(out, "\n");
	if (bi->path) {
		membuf_puts(out, "\tpath\t");
		membuf_puts(out, bi->path);
		membuf_puts(out, "\n");
	}
	if (bi->main.path)
		format_module(out, "mod", &bi->main);
	for (size_t i = 0; i < bi->n_deps; i++)
		format_module(out, "dep", &bi->deps[i]);
	for (size_t i = 0; i < bi->n_settings; i++) {
		const struct go_setting *s = &bi->settings[i];

		membuf_puts(out, "\tbuild\t");
		if (!*s->key || strpbrk(s->key, "= \t\r\n\"`"))
			put_quoted(out, s->key);
		else
			membuf_puts(out, s->key);
		membuf_puts(out, "=");
		if (strpbrk(s->value, " \t\r\n\"`"))
			put_quoted(out, s->value);
		else
			membuf_puts(out, s->value);
		membuf_puts(out, "\n");
	}
}

static void
module_free(struct go_module *m)
{
	if (m->replace) {
		module_free(m->replace);
		free(m->replace);
	}
	free(m->path);
	free(m->version);
	free(m->sum);
}

void
buildinfo_free(struct go_buildinfo *bi)
{
	free(bi->go_version);
	free(bi->path);
	module_free(&bi->main);
	for (size_t i = 0; i < bi->n_deps; i++)
		module_free(&bi->deps[i]);
	free(bi->deps);
	for (size_t i = 0; i < bi->n_settings; i++) {
		free(bi->settings[i].key);
		free(bi->settings[i].value);
	}
	free(bi->settings);
	memset(bi, 0, sizeof *bi);
}
