/* Reading profiles, the one way every tool does it: the profile stream (a
 * whole regular file inflated member by member, or a pipe inflated as it
 * arrives) and, on it, one profile, a merged stream or the lean view. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/gzip.h"
#include "codec/inflate_stream.h"
#include "pprof/lean.h"
#include "pprof/load.h"
#include "pprof/merge.h"
#include "pprof/profile.h"
#include "util/err.h"
#include "util/membuf.h"

struct profile_stream {
	const char *name;       /* borrowed: the caller's path or a literal */
	int fd, is_stdin, is_regular, done, count;
	int empties, gave_empty; /* empty gzip members skipped; handed one out */
	size_t cap;
	int status;             /* a failure not reported yet, or 0 */
	enum load_stage stage;  /* of the last failure */
	size_t offset;
	char why[512];
	/* whole mode: the input in memory */
	uint8_t *data;
	size_t len, pos;
	int borrowed;           /* data belongs to the caller */
	uint8_t *out;           /* the member handed out */
	/* stream mode (a pipe) */
	struct gz_stream *gz;
};

/* fail records a failure: errmsg() is "name: why" plus detail. */
static int fail(struct profile_stream *s, int status, enum load_stage stage,
    const char *detail, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
fail(struct profile_stream *s, int status, enum load_stage stage,
    const char *detail, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof s->why, fmt, ap);
	va_end(ap);
	seterr("%s: %s%s", s->name, s->why, detail);
	s->stage = stage;
	return s->status = status;
}

/* fail_named records a failure whose errmsg() already names the input. */
static int
fail_named(struct profile_stream *s, int status, enum load_stage stage)
{
	const char *e = errmsg();
	size_t n = strlen(s->name);

	if (!strncmp(e, s->name, n) && !strncmp(e + n, ": ", 2))
		e += n + 2;
	snprintf(s->why, sizeof s->why, "%s", e);
	s->stage = stage;
	return s->status = status;
}

/* read_input reads the input into memory, at most limit bytes, stopping
 * at the first read when that cannot start a profile (/dev/zero, a text
 * file): neither gzip nor a protobuf key. The buffer grows to limit + 1
 * at most, never to twice the limit. */
static int
read_input(struct profile_stream *s, size_t hint, size_t limit)
{
	size_t size = hint && hint < limit ? hint + 1 : 65536, len = 0;
	uint8_t *buf = xmalloc(size);
	ssize_t n;

	for (;;) {
		if (len == size) {
			if (size > limit) {
				free(buf);
				return fail(s, LOAD_INVALID, LOAD_AT_READ, "",
				    "input exceeds the limit of %zu bytes", limit);
			}
			size = size > limit / 2 ? limit + 1 : size * 2;
			buf = xrealloc(buf, size);
		}
		if ((n = read(s->fd, buf + len, size - len)) < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return fail(s, LOAD_UNREADABLE, LOAD_AT_READ, "", "read: %s",
			    strerror(errno));
		}
		if (n == 0)
			break;
		if (len < 2 && len + (size_t)n >= 2 && !is_gzip(buf, len + (size_t)n) &&
		    profile_sniff(buf, len + (size_t)n) < 0) {
			free(buf);
			return fail(s, LOAD_INVALID, LOAD_AT_DECODE, "", "%s", errmsg());
		}
		len += (size_t)n;
	}
	s->data = buf;
	s->len = len;
	s->pos = 0;
	return 0;
}

/* read_whole reads the whole input. Compressed input may be at most the
 * cap too (plus gzip's overhead): larger cannot decompress to less. */
static int
read_whole(struct profile_stream *s, size_t hint)
{
	return read_input(s, hint, s->cap + (s->cap >> 4) + 4096);
}

/* stream_open opens path; whole reads even a pipe whole. */
static struct profile_stream *
stream_open(const char *path, size_t cap, int whole)
{
	struct profile_stream *s = xcalloc(1, sizeof *s);
	struct stat st;

	s->cap = cap ? cap : default_size_cap();
	s->fd = -1;
	if (!path || !strcmp(path, "-")) {
		s->fd = 0;
		s->is_stdin = 1;
		s->name = "<stdin>";
	} else {
		s->name = path;
		if ((s->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			fail(s, LOAD_UNREADABLE, LOAD_AT_READ, "", "%s", strerror(errno));
			return s;
		}
	}
	if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		fail(s, LOAD_UNREADABLE, LOAD_AT_READ, "", "is a directory");
		return s;
	}
	s->is_regular = fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode);
	if (s->is_regular || whole)
		read_whole(s, s->is_regular ? (size_t)st.st_size : 0);
	else
		s->gz = gz_stream_new(s->fd, s->name, s->cap);
	return s;
}

struct profile_stream *
profile_stream_open(const char *path, size_t cap)
{
	return stream_open(path, cap, 0);
}

static struct profile_stream *
stream_mem(const uint8_t *buf, size_t len, size_t cap)
{
	struct profile_stream *s = xcalloc(1, sizeof *s);

	s->cap = cap ? cap : default_size_cap();
	s->fd = -1;
	s->name = "<memory>";
	s->data = (uint8_t *)buf;
	s->len = len;
	s->borrowed = 1;
	return s;
}

/* member_is_empty: the gzip member at pos inflates to nothing (*used: its
 * compressed size). Found without inflating a bomb: the cap is one byte. */
static int
member_is_empty(const struct profile_stream *s, size_t pos, size_t *used)
{
	uint8_t *out = NULL;
	size_t outlen;
	int empty = gz_inflate_member(s->data + pos, s->len - pos, 1, &out, &outlen,
	    used) == 0 && outlen == 0;

	free(out);
	return empty;
}

/* skip_empty_members steps over empty gzip members at the read position:
 * gzip -d makes nothing of them, so neither does a reader (pprof-merge and
 * pprof-stat alike). */
static void
skip_empty_members(struct profile_stream *s)
{
	size_t used;

	while (s->pos < s->len && is_gzip(s->data + s->pos, s->len - s->pos) &&
	    member_is_empty(s, s->pos, &used)) {
		s->pos += used;
		s->empties++;
	}
}

/* member_is_foreign: the gzip member at the read position cannot start a
 * profile (profile_sniff on its first bytes), refused before it is inflated
 * whole: a gigabyte of zeros costs nothing. Then 1, with the failure set. */
static int
member_is_foreign(struct profile_stream *s)
{
	uint8_t head[16];
	size_t n = gz_peek(s->data + s->pos, s->len - s->pos, head, sizeof head);

	if (n < 2 || profile_sniff(head, n) == 0)
		return 0;
	s->pos = s->len;
	fail(s, LOAD_INVALID, LOAD_AT_DECODE, "", "%s", errmsg());
	return 1;
}

static int
next_whole(struct profile_stream *s, const uint8_t **buf, size_t *len)
{
	size_t used;
	char at[64];

	skip_empty_members(s);
	if (s->pos >= s->len)
		return 0;
	if (!is_gzip(s->data + s->pos, s->len - s->pos)) {
		if (s->pos > 0) {
			s->offset = s->pos;
			return fail(s, LOAD_INVALID, LOAD_AT_TRAILING, "",
			    "trailing data after gzip member at offset %zu", s->pos);
		}
		/* a raw protobuf profile: the whole input */
		s->pos = s->len;
		*buf = s->data;
		*len = s->len;
		return 1;
	}
	if (member_is_foreign(s))
		return -1;
	if (gz_inflate_member(s->data + s->pos, s->len - s->pos, s->cap,
	    &s->out, len, &used) < 0) {
		snprintf(at, sizeof at, " (gzip member at offset %zu)", s->pos);
		s->pos = s->len;
		return fail(s, LOAD_INVALID, LOAD_AT_GZIP, at, "%s", errmsg());
	}
	s->pos += used;
	*buf = s->out;
	return 1;
}

/* next_item is the next profile's bytes, empty gzip members skipped; an
 * input of nothing but empty members is one empty profile, as before. */
static int
next_item(struct profile_stream *s, const uint8_t **buf, size_t *len)
{
	int got;

	if (!s->gz)
		got = next_whole(s, buf, len);
	else {
		while ((got = gz_stream_next(s->gz, buf, len)) == 1 && *len == 0)
			s->empties++;
		if (got == GZS_READ_ERROR)
			return fail_named(s, LOAD_UNREADABLE, LOAD_AT_READ);
		if (got < 0)
			return fail_named(s, LOAD_INVALID, LOAD_AT_GZIP);
	}
	if (got == 0 && s->count == 0 && s->empties && !s->gave_empty) {
		s->gave_empty = 1;
		*buf = (const uint8_t *)"";
		*len = 0;
		return 1;
	}
	if (got == 1 && profile_sniff(*buf, *len) < 0) {
		if (s->count > 0)       /* as load_merged names a bad one */
			return fail(s, LOAD_INVALID, LOAD_AT_DECODE, "", "profile %d: %s",
			    s->count + 1, errmsg());
		return fail(s, LOAD_INVALID, LOAD_AT_DECODE, "", "%s", errmsg());
	}
	return got;
}

int
profile_stream_next(struct profile_stream *s, const uint8_t **buf, size_t *len)
{
	int got;

	free(s->out);
	s->out = NULL;
	if (s->done)
		return 0;
	if (s->status) {
		s->done = 1;
		return s->status;
	}
	got = next_item(s, buf, len);
	if (got <= 0)
		s->done = 1;
	else
		s->count++;
	return got;
}

const char *
profile_stream_name(const struct profile_stream *s)
{
	return s->name;
}

int
profile_stream_count(const struct profile_stream *s)
{
	return s->count;
}

void
profile_stream_close(struct profile_stream *s)
{
	if (!s)
		return;
	gz_stream_free(s->gz);
	if (!s->is_stdin && s->fd >= 0)
		close(s->fd);
	if (!s->borrowed)
		free(s->data);
	free(s->out);
	free(s);
}

/* take_failure copies the stream's failure into out. */
static int
take_failure(const struct profile_stream *s, int status, struct loaded *out)
{
	out->stage = s->stage;
	out->offset = s->offset;
	snprintf(out->why, sizeof out->why, "%s", s->why);
	return status;
}

/* fail_profile records a decode or merge failure of profile nth (0: the
 * input's only one) from errmsg(). */
static int
fail_profile(struct loaded *out, enum load_stage stage, int nth)
{
	snprintf(out->why, sizeof out->why, "%s", errmsg());
	out->stage = stage;
	if (nth > 0)
		seterr("%s: profile %d: %s", out->name, nth, out->why);
	else
		seterr("%s: %s", out->name, out->why);
	return LOAD_INVALID;
}

/* more_follows says whether another profile follows the one just read,
 * without inflating it when the input is in memory. 0: no; <0: failure. */
static int
more_follows(struct profile_stream *s, struct loaded *out)
{
	const uint8_t *buf;
	size_t len;
	int got;

	if (s->gz) {
		if ((got = profile_stream_next(s, &buf, &len)) < 0)
			return take_failure(s, got, out);
	} else {
		skip_empty_members(s);
		if (s->pos >= s->len)
			return 0;
		if (!is_gzip(s->data + s->pos, s->len - s->pos)) {
			s->offset = s->pos;
			fail(s, LOAD_INVALID, LOAD_AT_TRAILING, "",
			    "trailing data after gzip member at offset %zu", s->pos);
			return take_failure(s, LOAD_INVALID, out);
		}
		s->offset = s->pos;
		got = 1;
	}
	if (got == 0)
		return 0;
	out->nprofiles = 2;
	fail(s, LOAD_INVALID, LOAD_AT_SEVERAL, "",
	    "more than one profile (concatenated gzip members)");
	return take_failure(s, LOAD_INVALID, out);
}

/* load_one reads exactly one profile. In memory, what follows the first is
 * looked at before it is decoded; from a pipe, only after. */
static int
load_one(struct profile_stream *s, struct loaded *out)
{
	const uint8_t *buf;
	size_t len;
	int got;

	if ((got = profile_stream_next(s, &buf, &len)) < 0)
		return take_failure(s, got, out);
	if (got == 0)
		return LOAD_EMPTY;
	out->nprofiles = 1;
	if (!s->gz && (got = more_follows(s, out)) < 0)
		return got;
	if (!(out->p = profile_decode(buf, len)))
		return fail_profile(out, LOAD_AT_DECODE, 0);
	if (s->gz && (got = more_follows(s, out)) < 0) {
		profile_free(out->p);
		out->p = NULL;
		return got;
	}
	return LOAD_OK;
}

/* abandon frees a merge that failed. */
static void
abandon(struct merger *m)
{
	struct profile *junk;

	if (m && (junk = merger_finish(m)))
		profile_free(junk);
}

/* load_merged merges every profile of the stream one at a time, so memory
 * follows the merged result, not the sum of the inputs. The first is kept
 * decoded: it may be the only one, and then needs no merge. */
static int
load_merged(struct profile_stream *s, struct loaded *out)
{
	struct profile *first = NULL;
	struct merger *m = NULL;
	const uint8_t *buf;
	size_t len;
	int got, n = 0;

	while ((got = profile_stream_next(s, &buf, &len)) > 0) {
		out->nprofiles = ++n;
		if (n == 1) {
			if (!(first = profile_decode(buf, len)))
				return fail_profile(out, LOAD_AT_DECODE, 0);
			continue;
		}
		if (!m) {
			m = merger_new(&(struct merge_opts){ 0 });
			if (merger_add(m, first, 1.0) < 0) {
				got = fail_profile(out, LOAD_AT_MERGE, 1);
				goto fail;
			}
			profile_free(first);
			first = NULL;
		}
		if (merger_add_bytes(m, buf, len, 1.0) < 0) {
			got = fail_profile(out, LOAD_AT_MERGE, n);
			goto fail;
		}
	}
	if (got < 0) {
		take_failure(s, got, out);
		goto fail;
	}
	if (n == 0)
		return LOAD_EMPTY;
	if (!m) {
		out->p = first;
		return LOAD_OK;
	}
	if (!(out->p = merger_finish(m)))
		return fail_profile(out, LOAD_AT_MERGE, 0);
	return LOAD_OK;
fail:
	profile_free(first);
	abandon(m);
	return got;
}

/* reread reads a regular file again from its start, after the lean view
 * took (and dropped) the bytes read first. */
static void
reread(struct profile_stream *s)
{
	s->data = NULL;
	if (lseek(s->fd, 0, SEEK_SET) < 0) {
		fail(s, LOAD_UNREADABLE, LOAD_AT_READ, "", "%s", strerror(errno));
		return;
	}
	read_whole(s, s->len);
}

/* load_lean tries the lean view of a regular file holding one profile; 1
 * when it got it, 0 to read the ordinary way. The file's bytes are dropped
 * before the view is built, so the peak is the file plus its inflated
 * profile, then the raw profile plus everything but its samples. With
 * keep (LOAD_KEEP_FILE) the input was read whole, a pipe too, and its
 * bytes stay for out->file: a raw (not gzip) input is then copied, as the
 * view owns its bytes. */
static int
load_lean(struct profile_stream *s, int keep, struct loaded *out)
{
	struct lean_profile lp;
	uint8_t head[16], *raw;
	size_t rawlen, used;
	int own = !s->borrowed && !keep;        /* the view may take s->data */

	if ((!keep && ((!s->is_regular && !s->borrowed) || s->is_stdin)) ||
	    s->status || s->len == 0 || s->len > s->cap)
		return 0;
	if (is_gzip(s->data, s->len)) {
		raw = NULL;
		if (gz_peek(s->data, s->len, head, sizeof head) >= 2 &&
		    profile_sniff(head, sizeof head) < 0)
			return 0;       /* refused by the ordinary read at once */
		if (gz_inflate_member(s->data, s->len, s->cap, &raw, &rawlen, &used) < 0)
			return 0;
		if (used != s->len) {   /* more members: a stream to merge */
			free(raw);
			return 0;
		}
		if (own) {
			free(s->data);
			s->data = NULL;
		}
	} else if (!own) {
		raw = xmalloc(s->len);
		memcpy(raw, s->data, s->len);
		rawlen = s->len;
	} else {
		raw = s->data;
		rawlen = s->len;
		s->data = NULL;
	}
	if (lean_from_raw(raw, rawlen, &lp) != 1) {     /* raw is freed */
		if (own)
			reread(s);
		return 0;
	}
	if (keep) {
		out->file = s->data;
		out->filelen = s->len;
		s->data = NULL;
	}
	out->p = lp.p;
	out->raw = lp.raw;
	out->rawlen = lp.len;
	lp.p->raw = lp.raw;
	lp.p->rawlen = lp.len;
	lp.p->nsample = lp.nsample;
	out->nprofiles = 1;
	return 1;
}

static int
load_stream(struct profile_stream *s, unsigned flags, struct loaded *out)
{
	int st;

	out->name = s->name;
	if ((flags & LOAD_LEAN) && load_lean(s, (flags & LOAD_KEEP_FILE) != 0, out))
		return LOAD_OK;
	st = flags & LOAD_MERGED ? load_merged(s, out) : load_one(s, out);
	if (st >= 0 && (flags & LOAD_KEEP_FILE) && !s->borrowed) {
		out->file = s->data;
		out->filelen = s->len;
		s->data = NULL;
	}
	return st;
}

int
profile_load(const char *path, unsigned flags, struct loaded *out)
{
	struct profile_stream *s;
	int st;

	memset(out, 0, sizeof *out);
	s = stream_open(path, 0, (flags & LOAD_KEEP_FILE) != 0);
	st = load_stream(s, flags, out);
	profile_stream_close(s);
	return st;
}

int
profile_load_mem(const uint8_t *buf, size_t len, unsigned flags, size_t cap,
    struct loaded *out)
{
	struct profile_stream *s = stream_mem(buf, len, cap);
	int st;

	memset(out, 0, sizeof *out);
	st = load_stream(s, flags & (LOAD_MERGED | LOAD_LEAN), out);
	profile_stream_close(s);
	return st;
}

void
loaded_free(struct loaded *out)
{
	profile_free(out->p);
	free(out->raw);
	free(out->file);
	memset(out, 0, sizeof *out);
}
