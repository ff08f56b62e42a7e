/* Unit tests for pgo-build's lib/ parts that need no Go: reading go build
 * arguments (lib/gotool), running children (lib/child) and reading ELF
 * function names (lib/elfsyms). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/child.h"
#include "pgo/elfsyms.h"
#include "pgo/gotool.h"
#include "tap.h"
#include "util/err.h"

static int
streq(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* output runs go_build_output over a space-separated argument string. */
static void
output(const char *args, struct go_output *o)
{
	char buf[512], *argv[32], *save = NULL, *t;
	size_t n = 0;

	snprintf(buf, sizeof buf, "%s", args);
	for (t = strtok_r(buf, " ", &save); t && n < 32; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	go_build_output(argv, n, o);
}

static void
test_output(void)
{
	struct go_output o;
	char dir[] = "/tmp/pgobuild-unit.XXXXXX";
	char path[256];
	FILE *f;

	output("-o bin/svc ./cmd/svc", &o);
	ok(streq(o.binary, "bin/svc") && streq(o.dir, "bin"), "-o file: binary and dir");
	go_output_free(&o);
	output("-o=svc .", &o);
	ok(streq(o.binary, "svc") && streq(o.dir, "."), "-o=file");
	go_output_free(&o);
	output("-trimpath -ldflags -s -o /abs/x", &o);
	ok(streq(o.binary, "/abs/x") && o.npkg == 0, "value flags skipped, no package");
	go_output_free(&o);
	output("-C sub -o out/b .", &o);
	ok(streq(o.binary, "sub/out/b") && streq(o.dir, "sub/out"), "-C joins a relative -o");
	go_output_free(&o);
	output("example.com/a/cmd/tool", &o);
	ok(streq(o.binary, "tool"), "import path: last element");
	go_output_free(&o);
	output("example.com/a/cmd/tool/v2", &o);
	ok(streq(o.binary, "tool"), "import path with /v2: the element before");
	go_output_free(&o);
	output("main.go util.go", &o);
	ok(streq(o.binary, "main"), ".go files: the first file's name");
	go_output_free(&o);
	output("./a ./b", &o);
	ok(o.binary == NULL && o.npkg == 2, "several packages: no single binary");
	go_output_free(&o);
	output("./...", &o);
	ok(o.binary == NULL, "a pattern: no single binary");
	go_output_free(&o);
	output("-pgo=x.pprof .", &o);
	ok(o.has_pgo, "-pgo=x among the flags is seen");
	go_output_free(&o);
	output("-pgo x.pprof .", &o);
	ok(o.has_pgo && o.npkg == 1, "-pgo x with a separate value is seen");
	go_output_free(&o);

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/go.mod", dir);
	f = fopen(path, "w");
	fputs("// comment\nmodule \"example.com/svc/v3\"\n\ngo 1.23\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/sub", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/", dir);
	output(path, &o);
	ok(streq(o.binary, "svc"), "module root: module path, /v3 skipped (%s)", o.binary);
	go_output_free(&o);
	snprintf(path, sizeof path, "-o %s/ %s/sub", dir, dir);
	output(path, &o);
	snprintf(path, sizeof path, "%s//sub", dir);
	ok(o.binary && !strcmp(o.binary + strlen(o.binary) - 4, "/sub") &&
	    !strncmp(o.dir, dir, strlen(dir)), "-o dir/: binary inside, named after the package dir");
	go_output_free(&o);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	ok(system(path) == 0, "cleanup");
}

static void
test_child(void)
{
	char *t[] = { "true", NULL };
	char *f[] = { "false", NULL };
	char *e7[] = { "sh", "-c", "exit 7", NULL };
	char *kill9[] = { "sh", "-c", "kill -9 $$", NULL };
	char *none[] = { "/nonexistent/pgokit-no-such-program", NULL };
	char *echo[] = { "printf", "a\\nb", NULL };
	char *out;
	size_t len;

	ok(child_wait(t) == 0, "true: 0");
	ok(child_wait(f) == 1, "false: 1");
	ok(child_wait(e7) == 7, "exit 7 passes on");
	ok(child_wait(kill9) == 128 + 9, "killed by SIGKILL: 137");
	ok(child_wait(none) == -1 && strstr(errmsg(), "pgokit-no-such-program"),
	    "a missing program: -1 naming it (%s)", errmsg());
	ok(child_capture(echo, 0, &out, &len) == 0 && len == 3 && !strcmp(out, "a\nb"),
	    "capture stdout");
	free(out);
}

static void
test_elfsyms(void)
{
	struct elfsyms *s = elfsyms_read("/proc/self/exe");
	FILE *f;

	ok(s != NULL, "reads this test's own ELF file");
	if (s) {
		ok(elfsyms_has(s, "main"), "main is a function");
		ok(elfsyms_has(s, "child_wait"), "child_wait is a function");
		ok(!elfsyms_has(s, "no_such_function_xyz"), "an absent name is absent");
		ok(elfsyms_count(s) > 50, "many names (%zu)", elfsyms_count(s));
		elfsyms_free(s);
	}
	char tmp[] = "/tmp/pgobuild-unit-notelf.XXXXXX";
	int fd = mkstemp(tmp);

	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f) {
		fputs("#!/bin/sh\necho not ELF\n", f);
		fclose(f);
	}
	s = elfsyms_read(tmp);
	ok(s == NULL && strstr(errmsg(), "not an ELF file"), "a script: not an ELF file");
	unlink(tmp);
	ok(elfsyms_read("/nonexistent-file") == NULL, "a missing file fails");
}

/* go_platform_parse: OCI platform names to Go's settings and file names. */
static void
test_platform(void)
{
	struct go_platform p;

	ok(go_platform_parse("linux/arm64", &p) == 0 && streq(p.goos, "linux") &&
	    streq(p.goarch, "arm64") && !p.var_name && streq(p.suffix, "linux-arm64"),
	    "linux/arm64: GOOS, GOARCH, no variant, file suffix");
	ok(go_platform_parse("linux/arm/v7", &p) == 0 && streq(p.var_name, "GOARM") &&
	    streq(p.var_value, "7") && streq(p.suffix, "linux-arm-v7"),
	    "linux/arm/v7: GOARM=7, suffix linux-arm-v7");
	ok(go_platform_parse("linux/amd64/v3", &p) == 0 && streq(p.var_name, "GOAMD64") &&
	    streq(p.var_value, "v3"), "linux/amd64/v3: GOAMD64=v3");
	ok(go_platform_parse("linux/arm64/v8", &p) == 0 && !p.var_name,
	    "linux/arm64/v8: Go's default, no setting");
	ok(go_platform_parse("linux/arm64/v9", &p) < 0 && strstr(errmsg(), "no variant v9"),
	    "a variant Go lacks is refused: %s", errmsg());
	ok(go_platform_parse("linux", &p) < 0 && go_platform_parse("linux/", &p) < 0 &&
	    go_platform_parse("/arm64", &p) < 0 && go_platform_parse("linux/arm/v7/x", &p) < 0 &&
	    go_platform_parse("Linux/AMD64", &p) < 0 && go_platform_parse("linux/arm/", &p) < 0 &&
	    go_platform_parse("linux/a;rm", &p) < 0,
	    "malformed platforms are refused");
}

int
main(int argc, char *argv[])
{
	setprogname(argv[0]);
	test_platform();
	test_output();
	test_child();
	test_elfsyms();
	return tap_done();
}
