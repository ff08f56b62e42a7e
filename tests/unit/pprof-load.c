/* Unit tests for the one profile loader (pprof/load.h): one profile, a
 * merged stream, the lean view, the empty, unreadable and invalid answers,
 * stdin as a file and as a pipe, and the legacy-Pyroscope predicate. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/gzip.h"
#include "pprof/decode.h"
#include "pprof/load.h"
#include "pprof/profile.h"
#include "tap.h"
#include "util/arena.h"
#include "util/err.h"

/* A valid profile: sample_type samples/count, one function, one location
 * (a line without a line number), one sample with value 3. */
static const uint8_t valid[] = {
	0x0a, 0x04, 0x08, 0x01, 0x10, 0x02,
	0x12, 0x06, 0x0a, 0x01, 0x01, 0x12, 0x01, 0x03,
	0x22, 0x06, 0x08, 0x01, 0x22, 0x02, 0x08, 0x01,
	0x2a, 0x06, 0x08, 0x01, 0x10, 0x03, 0x20, 0x04,
	0x32, 0x00, 0x32, 0x07, 's', 'a', 'm', 'p', 'l', 'e', 's',
	0x32, 0x05, 'c', 'o', 'u', 'n', 't', 0x32, 0x06, 'm', 'a', 'i', 'n', '.', 'f',
	0x32, 0x04, 'f', '.', 'g', 'o',
};

/* What Pyroscope 0.x /render?format=pprof gave: the same profile with its
 * one sample type unnamed (type 0, the empty string), no line numbers and
 * no start lines. */
static const uint8_t pyroscope0[] = {
	0x0a, 0x04, 0x08, 0x00, 0x10, 0x02,
	0x12, 0x06, 0x0a, 0x01, 0x01, 0x12, 0x01, 0x03,
	0x22, 0x06, 0x08, 0x01, 0x22, 0x02, 0x08, 0x01,
	0x2a, 0x06, 0x08, 0x01, 0x10, 0x03, 0x20, 0x04,
	0x32, 0x00, 0x32, 0x07, 's', 'a', 'm', 'p', 'l', 'e', 's',
	0x32, 0x05, 'c', 'o', 'u', 'n', 't', 0x32, 0x06, 'm', 'a', 'i', 'n', '.', 'f',
	0x32, 0x04, 'f', '.', 'g', 'o',
};

static char dir[] = "/tmp/pgokit-load-XXXXXX";

/* put writes n copies of p (gzip'd at level 6 unless raw) to dir/name. */
static const char *
put(const char *name, const uint8_t *p, size_t len, int n, int raw)
{
	static char path[4][256];
	static int k;
	char *out = path[k++ % 4];
	uint8_t *gz = NULL;
	size_t gzlen = len;
	int fd;

	snprintf(out, sizeof path[0], "%s/%s", dir, name);
	if (!raw)
		gz_deflate(p, len, 6, &gz, &gzlen);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (int i = 0; i < n; i++)
		if (write(fd, raw ? p : gz, gzlen) != (ssize_t)gzlen)
			abort();
	close(fd);
	free(gz);
	return out;
}

static void
test_files(void)
{
	struct loaded in;
	const char *one = put("one.pb", valid, sizeof valid, 1, 1);
	const char *three = put("three.pprof", valid, sizeof valid, 3, 0);
	const char *path;

	ok(profile_load(one, LOAD_ONE, &in) == LOAD_OK && in.p && in.nprofiles == 1 &&
	    !in.raw && !strcmp(in.name, one), "one raw profile");
	loaded_free(&in);
	ok(profile_load(three, LOAD_MERGED, &in) == LOAD_OK && in.nprofiles == 3 &&
	    in.p->pb->n_sample == 1 && in.p->pb->sample[0]->value[0] == 9,
	    "a stream of three, merged: one sample of 9");
	loaded_free(&in);
	ok(profile_load(three, LOAD_ONE, &in) == LOAD_INVALID && !in.p &&
	    in.stage == LOAD_AT_SEVERAL && !strncmp(errmsg(), three, strlen(three)) &&
	    strstr(errmsg(), ": more than one profile"),
	    "one profile refuses a stream: %s", errmsg());
	loaded_free(&in);
	ok(profile_load(put("lean.pprof", valid, sizeof valid, 1, 0),
	    LOAD_MERGED | LOAD_LEAN, &in) == LOAD_OK && in.raw &&
	    in.rawlen == sizeof valid && in.p->pb->n_sample == 0,
	    "lean view: samples left raw");
	loaded_free(&in);
	ok(profile_load(three, LOAD_MERGED | LOAD_LEAN, &in) == LOAD_OK && !in.raw &&
	    in.nprofiles == 3, "lean on a stream falls back to the merge");
	loaded_free(&in);
	path = put("keep.pprof", valid, sizeof valid, 1, 0);
	ok(profile_load(path, LOAD_ONE | LOAD_KEEP_FILE, &in) == LOAD_OK && in.file &&
	    is_gzip(in.file, in.filelen), "the file's bytes kept");
	loaded_free(&in);
	ok(profile_load(path, LOAD_ONE | LOAD_KEEP_FILE | LOAD_LEAN, &in) == LOAD_OK &&
	    in.file && is_gzip(in.file, in.filelen) && in.raw && in.rawlen == sizeof valid &&
	    !memcmp(in.raw, valid, sizeof valid) && profile_nsample(in.p) == 1,
	    "lean and the file's bytes kept (pgo-build)");
	loaded_free(&in);
	ok(profile_load(three, LOAD_ONE | LOAD_KEEP_FILE | LOAD_LEAN, &in) == LOAD_INVALID &&
	    in.stage == LOAD_AT_SEVERAL, "lean, kept: a stream is still refused");
	loaded_free(&in);
	path = put("keepraw.pprof", valid, sizeof valid, 1, 1);
	ok(profile_load(path, LOAD_ONE | LOAD_KEEP_FILE | LOAD_LEAN, &in) == LOAD_OK &&
	    in.file && in.filelen == sizeof valid && in.raw && in.raw != in.file &&
	    !memcmp(in.file, valid, sizeof valid), "a raw file: kept and viewed apart");
	loaded_free(&in);
}

static void
test_bad_files(void)
{
	struct loaded in;
	const char *empty = put("empty", valid, 0, 1, 1);
	const char *junk = put("junk", (const uint8_t *)"\xff\xff\xff garbage", 11, 1, 1);
	char missing[300];

	seterr("untouched");
	ok(profile_load(empty, LOAD_MERGED, &in) == LOAD_EMPTY && !in.p &&
	    in.nprofiles == 0 && !strcmp(errmsg(), "untouched"),
	    "an empty file is LOAD_EMPTY, not an error");
	ok(profile_load(empty, LOAD_ONE | LOAD_LEAN, &in) == LOAD_EMPTY,
	    "empty, one profile, lean: LOAD_EMPTY too");
	snprintf(missing, sizeof missing, "%s/no-such.pprof", dir);
	ok(profile_load(missing, LOAD_ONE, &in) == LOAD_UNREADABLE &&
	    in.stage == LOAD_AT_READ && !strncmp(errmsg(), missing, strlen(missing)) &&
	    strstr(errmsg(), "No such file"), "missing file: unreadable: %s", errmsg());
	ok(profile_load(dir, LOAD_MERGED, &in) == LOAD_UNREADABLE &&
	    strstr(errmsg(), "is a directory"), "a directory: unreadable: %s", errmsg());
	ok(profile_load(junk, LOAD_MERGED, &in) == LOAD_INVALID &&
	    in.stage == LOAD_AT_DECODE && !strncmp(errmsg(), junk, strlen(junk)) &&
	    in.why[0] && !strstr(in.why, junk), "garbage: invalid: %s", errmsg());
	loaded_free(&in);
}

/* on_stdin makes fd stdin, keeping the real one in saved. */
static void
on_stdin(int fd, int *saved)
{
	if (*saved < 0)
		*saved = dup(0);
	dup2(fd, 0);
	close(fd);
}

static void
test_stdin(void)
{
	struct loaded in;
	int saved = -1, pfd[2];
	uint8_t *gz;
	size_t gzlen;

	on_stdin(open(put("stdin.pprof", valid, sizeof valid, 1, 0), O_RDONLY), &saved);
	ok(profile_load("-", LOAD_ONE, &in) == LOAD_OK && !strcmp(in.name, "<stdin>"),
	    "stdin from a file");
	loaded_free(&in);

	/* a pipe: inflated as it arrives */
	gz_deflate(valid, sizeof valid, 6, &gz, &gzlen);
	if (pipe(pfd) < 0 || write(pfd[1], gz, gzlen) != (ssize_t)gzlen ||
	    write(pfd[1], gz, gzlen) != (ssize_t)gzlen)
		abort();
	close(pfd[1]);
	on_stdin(pfd[0], &saved);
	ok(profile_load(NULL, LOAD_MERGED, &in) == LOAD_OK && in.nprofiles == 2 &&
	    in.p->pb->sample[0]->value[0] == 6, "stdin from a pipe: two merged");
	loaded_free(&in);
	free(gz);

	if (pipe(pfd) < 0 || write(pfd[1], "\x1f\x8b junk", 7) != 7)
		abort();
	close(pfd[1]);
	on_stdin(pfd[0], &saved);
	ok(profile_load(NULL, LOAD_MERGED, &in) == LOAD_INVALID &&
	    !strncmp(errmsg(), "<stdin>: ", 9), "bad gzip on a pipe: %s", errmsg());
	loaded_free(&in);

	if (pipe(pfd) < 0)
		abort();
	close(pfd[1]);
	on_stdin(pfd[0], &saved);
	ok(profile_load(NULL, LOAD_ONE, &in) == LOAD_EMPTY, "an empty pipe: LOAD_EMPTY");
	on_stdin(saved, &saved);
}

static void
test_mem(void)
{
	struct loaded in;
	uint8_t *gz, buf[4096];
	size_t gzlen;

	gz_deflate(valid, sizeof valid, 6, &gz, &gzlen);
	memcpy(buf, gz, gzlen);
	memcpy(buf + gzlen, "tail", 4);
	ok(profile_load_mem(buf, gzlen, LOAD_ONE, 0, &in) == LOAD_OK &&
	    !strcmp(in.name, "<memory>"), "a body in memory");
	loaded_free(&in);
	ok(profile_load_mem(buf, gzlen + 4, LOAD_ONE, 0, &in) == LOAD_INVALID &&
	    in.stage == LOAD_AT_TRAILING && in.offset == gzlen, "trailing bytes after the member");
	ok(profile_load_mem(buf, gzlen - 5, LOAD_ONE, 0, &in) == LOAD_INVALID &&
	    in.stage == LOAD_AT_GZIP, "a truncated member: %s", in.why);
	ok(profile_load_mem(valid, sizeof valid, LOAD_ONE, 10, &in) == LOAD_OK,
	    "raw bytes are not bounded by the inflate cap");
	loaded_free(&in);
	ok(profile_load_mem(gz, gzlen, LOAD_ONE, 10, &in) == LOAD_INVALID &&
	    in.stage == LOAD_AT_GZIP, "the cap bounds inflated bytes: %s", in.why);
	free(gz);
}

static void
test_legacy(void)
{
	struct loaded in;

	profile_load_mem(pyroscope0, sizeof pyroscope0, LOAD_ONE, 0, &in);
	ok(in.p && profile_is_legacy_pyroscope(in.p), "a Pyroscope 0.x export is legacy");
	in.p->pb->location[0]->line[0]->line = 12;
	ok(!profile_is_legacy_pyroscope(in.p), "not with a line number");
	in.p->pb->location[0]->line[0]->line = 0;
	in.p->pb->function[0]->start_line = 10;
	ok(!profile_is_legacy_pyroscope(in.p), "not with a start line");
	loaded_free(&in);
	profile_load_mem(valid, sizeof valid, LOAD_ONE, 0, &in);
	ok(in.p && !profile_is_legacy_pyroscope(in.p),
	    "a named sample type is never legacy, even without line numbers");
	loaded_free(&in);
}

/* A decode past its memory budget is refused with a reason, whether the
 * fixed part (a struct per sample) or the growing part goes over; the
 * budget of a real size leaves the profile alone. */
static void
test_budget(void)
{
	struct arena *a = arena_new(4096);
	size_t n = 20000, i, len = 0;
	uint8_t *buf = xmalloc(sizeof valid + n * 8);

	memcpy(buf, valid, sizeof valid);
	len = sizeof valid;
	for (i = 0; i < n; i++) {       /* the one sample again: value 3 */
		memcpy(buf + len, valid + 6, 8);
		len += 8;
	}
	ok(pprof_decode_lean(a, buf, len, NULL, 64 * 1024) == NULL &&
	    strstr(errmsg(), "MB of memory to decode (bound: 1 MB)") &&
	    !strncmp(errmsg(), "needs more than ", 16),
	    "a decode over its budget: %s", errmsg());
	arena_free(a);
	a = arena_new(4096);
	ok(pprof_decode_lean(a, buf, len, NULL, profile_decode_budget(len)) != NULL,
	    "the same under the stated budget");
	arena_free(a);
	free(buf);
	ok(profile_decode_budget((size_t)1 << 20) == 6 * ((size_t)1 << 20) +
	    ((size_t)64 << 20), "the budget: 6 x the size + 64 MB");
	ok(profile_decode_budget(SIZE_MAX) == SIZE_MAX, "and it does not overflow");
}

int
main(void)
{
	char cmd[300];

	if (!mkdtemp(dir))
		return 1;
	test_files();
	test_bad_files();
	test_stdin();
	test_mem();
	test_legacy();
	test_budget();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
