/* Asking the Go toolchain questions through `go version`: its own version and
 * the build settings a binary records. Always a child process, never a shell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gotool.h"
#include "child.h"
#include "util.h"

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

	st = spawn_capture(argv, 0, &out, &len);
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

int
go_binary_pgo(const char *go, const char *bin, char **pgo)
{
	char *argv[] = { (char *)go, "version", "-m", (char *)bin, NULL };
	char *out, *line, *save = NULL;
	size_t len;
	int st, found = 0;

	*pgo = NULL;
	st = spawn_capture(argv, 1, &out, &len);
	if (st < 0)
		return -1;
	if (st != 0 || len == 0) {
		free(out);
		seterr("%s: not a Go binary (go version -m failed)", bin);
		return -1;
	}
	/* The line is "\tbuild\t-pgo=/abs/path". */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " \t");

		if (strncmp(p, "build", 5) != 0)
			continue;
		p += 5;
		p += strspn(p, " \t");
		if (strncmp(p, "-pgo=", 5) != 0)
			continue;
		p += 5;
		if (strcmp(p, "off") != 0 && *p) {
			*pgo = xstrdup(p);
			found = 1;
		}
		break;
	}
	free(out);
	return found;
}
