/* Asking the Go toolchain questions through `go version`: its own version and
 * the build settings a binary records. Always a child process, never a shell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pgo/gotool.h"
#include "util/child.h"
#include "util/err.h"

const char *
go_command(void)
{
	const char *go = getenv("GO");

	return go && *go ? go : "go";
}

int
go_version_pgo(int major, int minor)
{
	return major > 1 || (major == 1 && minor >= 21);
}

/* parse_goversion finds the first word "goX.Y..." in s (also inside
 * "devel go1.24-abcdef"). */
static int
parse_goversion(const char *s, int *major, int *minor, char *name, size_t namesz)
{
	const char *p;

	for (p = s; (p = strstr(p, "go")) != NULL; p += 2) {
		char *end;
		long ma, mi;
		size_t n;

		if (p > s && p[-1] != ' ' && p[-1] != '\t')
			continue;
		if (p[2] < '0' || p[2] > '9')
			continue;
		ma = strtol(p + 2, &end, 10);
		if (*end != '.')
			continue;
		mi = strtol(end + 1, &end, 10);
		*major = (int)ma;
		*minor = (int)mi;
		if (name && namesz) {
			n = strcspn(p, " \t\n");
			if (n >= namesz)
				n = namesz - 1;
			memcpy(name, p, n);
			name[n] = '\0';
		}
		return 0;
	}
	return -1;
}

int
go_version(const char *go, int *major, int *minor, char *name, size_t namesz)
{
	char *argv[] = { (char *)go, "version", NULL };
	char *out;
	size_t len;
	int st;

	st = child_capture(argv, 0, &out, &len);
	if (st < 0)
		return -1;
	if (st != 0) {
		free(out);
		seterr("%s version: exit status %d", go, st);
		return -1;
	}
	if (parse_goversion(out, major, minor, name, namesz) < 0) {
		seterr("%s version: no Go version in \"%.*s\"", go,
		    (int)strcspn(out, "\n"), out);
		free(out);
		return -1;
	}
	free(out);
	return 0;
}

/* utf8_put writes code point c at p; the bytes written. */
static size_t
utf8_put(char *p, unsigned long c)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | c >> 6);
		p[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		p[0] = (char)(0xe0 | c >> 12);
		p[1] = (char)(0x80 | (c >> 6 & 0x3f));
		p[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | c >> 18);
	p[1] = (char)(0x80 | (c >> 12 & 0x3f));
	p[2] = (char)(0x80 | (c >> 6 & 0x3f));
	p[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* go_unquote undoes Go's strconv.Quote, which `go version -m` applies to a
 * build setting's value holding a space, a tab, a quote or a backquote
 * (runtime/debug.BuildInfo.String): a malloc'd string, NULL when s is not
 * one quoted string. A value without quotes is returned as it is. */
char *
go_unquote(const char *s)
{
	static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"\'\'";
	size_t len = strlen(s);
	char *out, *o;

	if (len < 2 || s[0] != '"' || s[len - 1] != '"')
		return s[0] == '"' ? NULL : xstrdup(s);
	out = o = xmalloc(len);
	for (s++; *s != '"'; ) {
		const char *e;
		int digits, base;

		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		for (e = simple; *e && *e != *s; e += 2)
			;
		if (*e && *s) {
			*o++ = e[1];
			s++;
			continue;
		}
		switch (*s) {
		case 'x': digits = 2; base = 16; s++; break;
		case 'u': digits = 4; base = 16; s++; break;
		case 'U': digits = 8; base = 16; s++; break;
		case '0': case '1': case '2': case '3': digits = 3; base = 8; break;
		default: free(out); return NULL;
		}
		unsigned long c = 0;

		for (int i = 0; i < digits; i++, s++) {
			int d = *s >= '0' && *s <= '9' ? *s - '0' :
			    *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			    *s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : 99;

			if (d >= base) {
				free(out);
				return NULL;
			}
			c = c * (unsigned long)base + (unsigned long)d;
		}
		/* \x and octal are bytes; \u and \U are code points. */
		if (digits <= 3)
			*o++ = (char)c;
		else if (c > 0x10ffff) {
			free(out);
			return NULL;
		} else
			o += utf8_put(o, c);
	}
	if (s[1] != '\0') {
		free(out);
		return NULL;
	}
	*o = '\0';
	return out;
}

int
go_binary_pgo(const char *go, const char *bin, char **pgo, char *ver, size_t versz)
{
	char *argv[] = { (char *)go, "version", "-m", (char *)bin, NULL };
	char *out, *line, *save = NULL;
	size_t len;
	int st, found = 0;

	*pgo = NULL;
	st = child_capture(argv, 1, &out, &len);
	if (st < 0)
		return -1;
	if (st != 0 || len == 0) {
		free(out);
		seterr("%s: not a Go binary (go version -m failed)", bin);
		return -1;
	}
	/* The first line is "<bin>: go1.23.5"; bin may hold ": go" itself. */
	if (ver && versz) {
		size_t blen = strlen(bin), first = strcspn(out, "\n"), n = 0;
		const char *v = !strncmp(out, bin, blen) && !strncmp(out + blen, ": ", 2) ?
		    out + blen + 2 : NULL;

		if (v && v < out + first && !strncmp(v, "go", 2))
			n = strcspn(v, " \t\n");
		if (n >= versz)
			n = versz - 1;
		memcpy(ver, n ? v : "", n);
		ver[n] = '\0';
	}
	/* The build line is "\tbuild\t-pgo=/abs/path", the value quoted the
	 * Go way when it holds a space or a quote. */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " \t");

		if (strncmp(p, "build\t", 6) != 0)
			continue;
		p += 6;
		if (strncmp(p, "-pgo=", 5) != 0)
			continue;
		p += 5;
		if (!(*pgo = go_unquote(p))) {
			seterr("%s: cannot read the -pgo= build setting: %s", bin, p);
			found = -1;
		} else if (!strcmp(*pgo, "off") || !**pgo) {
			free(*pgo);
			*pgo = NULL;
		} else
			found = 1;
		break;
	}
	free(out);
	return found;
}

/* The go build flags that take their value as the next argument. */
static const char *const value_flags[] = {
	"C", "asmflags", "buildmode", "compiler", "covermode", "coverpkg",
	"gccgoflags", "gcflags", "installsuffix", "ldflags", "mod", "modfile",
	"o", "overlay", "p", "pgo", "pkgdir", "tags", "toolexec", NULL,
};

static int
takes_value(const char *name, size_t len)
{
	for (size_t i = 0; value_flags[i]; i++)
		if (strlen(value_flags[i]) == len && !strncmp(value_flags[i], name, len))
			return 1;
	return 0;
}

static char *
join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *s;

	if (name[0] == '/' || a == 0 || !strcmp(dir, "."))
		return xstrdup(name);
	s = xmalloc(a + b + 2);
	memcpy(s, dir, a);
	s[a] = '/';
	memcpy(s + a + 1, name, b + 1);
	return s;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* last_elem is cmd/go's binary name for an import path: the last element,
 * or the one before a major version suffix "/vN". */
static char *
last_elem(const char *path)
{
	size_t n = strlen(path);
	const char *e, *p;

	while (n > 1 && path[n - 1] == '/')
		n--;
	for (e = path + n; e > path && e[-1] != '/'; e--)
		;
	if (e > path + 1 && e[0] == 'v' && e[1] >= '2' && e[1] <= '9' &&
	    strspn(e + 1, "0123456789") == (size_t)(path + n - e - 1)) {
		n = (size_t)(e - 1 - path);
		for (p = path + n; p > path && p[-1] != '/'; p--)
			;
		return strndup(p, (size_t)(path + n - p));
	}
	return strndup(e, (size_t)(path + n - e));
}

/* module_path reads the "module" line of dir/go.mod; NULL when none. */
static char *
module_path(const char *dir)
{
	char *gomod = join(dir, "go.mod"), line[1024], *mod = NULL;
	FILE *f = fopen(gomod, "r");

	free(gomod);
	if (!f)
		return NULL;
	while (fgets(line, sizeof line, f)) {
		char *p = line + strspn(line, " \t");
		size_t n;

		if (strncmp(p, "module", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
			continue;
		p += 6 + strspn(p + 6, " \t\"");
		n = strcspn(p, " \t\r\n\"");
		mod = strndup(p, n);
		break;
	}
	fclose(f);
	return mod;
}

/* local_name is the binary name for a package directory: the module path's
 * last element at the module root, else the directory's own name. */
static char *
local_name(const char *dir)
{
	char *abs = realpath(dir, NULL), *mod, *name;

	if (!abs)
		return NULL;
	mod = module_path(abs);
	if (mod) {
		name = last_elem(mod);
		free(mod);
	} else
		name = last_elem(abs);
	free(abs);
	return name;
}

void
go_build_output(char *const args[], size_t nargs, struct go_output *o)
{
	const char *cdir = ".", *out = NULL, *pkg = NULL;
	char *name = NULL;
	size_t i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < nargs; i++) {
		const char *a = args[i], *eq;
		size_t len;

		if (a[0] != '-' || !strcmp(a, "-"))
			break;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		a += a[1] == '-' ? 2 : 1;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		const char *val = eq ? eq + 1 : NULL;

		if (!eq && takes_value(a, len) && i + 1 < nargs)
			val = args[++i];
		if (len == 3 && !strncmp(a, "pgo", 3))
			o->has_pgo = 1;
		else if (len == 1 && a[0] == 'o' && val) {
			out = val;
			o->has_o = 1;
		}
		else if (len == 1 && a[0] == 'C' && val)
			cdir = val;
	}
	o->npkg = (int)(nargs - i);
	o->pkg_start = i;
	if (o->npkg == 1)
		pkg = args[i];
	else if (o->npkg == 0)
		pkg = ".";

	/* The binary's base name, when one main package (or .go files) is built. */
	int gofiles = o->npkg > 1 && strlen(args[i]) > 3 &&
	    !strcmp(args[i] + strlen(args[i]) - 3, ".go");
	if (gofiles)
		pkg = args[i];
	if (pkg && !strstr(pkg, "...")) {
		size_t n = strlen(pkg);

		if (n > 3 && !strcmp(pkg + n - 3, ".go")) {
			const char *b = strrchr(pkg, '/');

			b = b ? b + 1 : pkg;
			name = strndup(b, strlen(b) - 3);
		} else if (pkg[0] == '.' || pkg[0] == '/') {
			char *d = join(cdir, pkg);

			name = local_name(d);
			free(d);
		} else
			name = last_elem(pkg);
	}

	if (out) {
		char *o_path = join(cdir, out);
		size_t n = strlen(out);

		if (out[n - 1] == '/' || is_dir(o_path)) {
			o->dir = o_path;
			o->binary = name ? join(o_path, name) : NULL;
		} else {
			char *slash = strrchr(o_path, '/');

			o->binary = o_path;
			o->dir = slash ? strndup(o_path, (size_t)(slash - o_path + (slash == o_path))) :
			    xstrdup(".");
		}
	} else {
		o->dir = xstrdup(cdir);
		if (name && (o->npkg <= 1 || gofiles))
			o->binary = join(cdir, name);
	}
	free(name);
}

void
go_output_free(struct go_output *o)
{
	free(o->dir);
	free(o->binary);
	memset(o, 0, sizeof(*o));
}

/* word_ok: a GOOS or GOARCH: lowercase letters and digits, as go lists them. */
static int
word_ok(const char *s, size_t n)
{
	if (n == 0 || n >= 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

int
go_platform_parse(const char *s, struct go_platform *p)
{
	const char *a = strchr(s, '/'), *v = a ? strchr(a + 1, '/') : NULL;
	size_t alen;

	memset(p, 0, sizeof *p);
	alen = a ? (size_t)((v ? v : a + strlen(a)) - a - 1) : 0;
	if (!a || !word_ok(s, (size_t)(a - s)) || !word_ok(a + 1, alen) ||
	    (v && (!v[1] || strchr(v + 1, '/') || strlen(v + 1) >= sizeof p->var_value))) {
		seterr("%s: platform is not os/arch[/variant]", s);
		return -1;
	}
	memcpy(p->goos, s, (size_t)(a - s));
	memcpy(p->goarch, a + 1, alen);
	if (v) {
		const char *var = v + 1;

		if (!strcmp(p->goarch, "arm") && (!strcmp(var, "v5") || !strcmp(var, "v6") ||
		    !strcmp(var, "v7"))) {
			p->var_name = "GOARM";
			snprintf(p->var_value, sizeof p->var_value, "%s", var + 1);
		} else if (!strcmp(p->goarch, "amd64") && var[0] == 'v' && var[1] >= '1' &&
		    var[1] <= '4' && !var[2]) {
			p->var_name = "GOAMD64";
			snprintf(p->var_value, sizeof p->var_value, "%s", var);
		} else if (strcmp(p->goarch, "arm64") != 0 || strcmp(var, "v8") != 0) {
			seterr("%s: Go has no variant %s of %s (arm: v5, v6, v7; "
			    "amd64: v1 to v4; arm64: v8)", s, var, p->goarch);
			return -1;
		}
	}
	snprintf(p->name, sizeof p->name, "%s", s);
	snprintf(p->suffix, sizeof p->suffix, "%s-%s%s%s", p->goos, p->goarch,
	    v ? "-" : "", v ? v + 1 : "");
	return 0;
}

void
go_platform_env(const struct go_platform *p)
{
	if (setenv("GOOS", p->goos, 1) < 0 || setenv("GOARCH", p->goarch, 1) < 0 ||
	    setenv("CGO_ENABLED", "0", 1) < 0 ||
	    (p->var_name && setenv(p->var_name, p->var_value, 1) < 0))
		die("setenv:");
}
