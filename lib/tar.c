/* Reproducible layer tars through libarchive's restricted-pax writer (ustar,
 * with a PAX header only for what ustar cannot hold, such as long names),
 * compressed with zlib in the same pass, both digests computed on the fly. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "tar.h"
#include "util.h"

struct sink {
	z_stream z;
	struct sha256 tar_hash;
	long long tar_size;
	struct membuf *out;
	int failed;
};

char *
tar_clean_path(const char *path)
{
	char *out = xmalloc(strlen(path) + 1), *o = out;
	const char *p = path, *e;

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		if ((e - p == 1 && p[0] == '.') || (e - p == 2 && p[0] == '.' && p[1] == '.')) {
			seterr("%s: '.' and '..' are not allowed in layer paths", path);
			free(out);
			return NULL;
		}
		if (o != out)
			*o++ = '/';
		memcpy(o, p, (size_t)(e - p));
		o += e - p;
		p = e;
	}
	*o = '\0';
	if (!*out || path[strlen(path) - 1] == '/') {
		seterr("%s: not a file path", path);
		free(out);
		return NULL;
	}
	return out;
}

static int
deflate_some(struct sink *s, const void *p, size_t n, int flush)
{
	unsigned char buf[65536];
	int rc;

	s->z.next_in = (unsigned char *)(uintptr_t)p;
	s->z.avail_in = (uInt)n;
	do {
		s->z.next_out = buf;
		s->z.avail_out = sizeof buf;
		rc = deflate(&s->z, flush);
		if (rc == Z_STREAM_ERROR)
			return -1;
		membuf_append(s->out, buf, sizeof buf - s->z.avail_out);
	} while (s->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	return 0;
}

static la_ssize_t
sink_write(struct archive *a, void *arg, const void *p, size_t n)
{
	struct sink *s = arg;

	sha256_update(&s->tar_hash, p, n);
	s->tar_size += (long long)n;
	if (deflate_some(s, p, n, Z_NO_FLUSH) < 0) {
		archive_set_error(a, EIO, "zlib deflate failed");
		s->failed = 1;
		return -1;
	}
	return (la_ssize_t)n;
}

static int
cmp_dst(const void *a, const void *b)
{
	return strcmp(((const struct tar_file *)a)->dst, ((const struct tar_file *)b)->dst);
}

static struct archive_entry *
new_entry(const char *path, mode_t type, int perm, long long size, long long mtime)
{
	struct archive_entry *e = archive_entry_new();

	if (!e)
		die("libarchive: out of memory");
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, (mode_t)perm);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, (time_t)mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	return e;
}

static int
write_entry(struct archive *a, struct archive_entry *e)
{
	int rc = archive_write_header(a, e);

	archive_entry_free(e);
	if (rc != ARCHIVE_OK) {
		seterr("tar: %s", archive_error_string(a));
		return -1;
	}
	return 0;
}

/* write_parents emits the directories above path not emitted yet; emitted
 * holds the last file's path, whose parents are already written (entries
 * come sorted, so a parent is always shared with the previous entry or new). */
static int
write_parents(struct archive *a, const char *path, const char *prev, long long mtime)
{
	const char *p;
	char *dir;

	for (p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		size_t n = (size_t)(p - path) + 1;

		/* prev has this directory if it shares the prefix up to '/'. */
		if (prev && strncmp(prev, path, n) == 0)
			continue;
		dir = xmalloc(n + 1);
		memcpy(dir, path, n);
		dir[n] = '\0';
		if (write_entry(a, new_entry(dir, AE_IFDIR, 0755, 0, mtime)) < 0) {
			free(dir);
			return -1;
		}
		free(dir);
	}
	return 0;
}

static int
write_file(struct archive *a, const struct tar_file *f, long long mtime)
{
	static char buf[1 << 20];
	struct stat st;
	long long left;
	ssize_t n;
	int fd, perm;

	fd = open(f->src, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		seterr("%s:", f->src);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (!S_ISREG(st.st_mode))
			errno = EINVAL;
		seterr("%s: not a regular file", f->src);
		close(fd);
		return -1;
	}
	perm = f->mode >= 0 ? f->mode : (st.st_mode & S_IXUSR) ? 0755 : 0644;
	if (write_entry(a, new_entry(f->dst, AE_IFREG, perm, st.st_size, mtime)) < 0)
		goto fail;
	for (left = st.st_size; left > 0; left -= n) {
		n = read(fd, buf, left < (long long)sizeof buf ? (size_t)left : sizeof buf);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			seterr(n < 0 ? "%s:" : "%s: file shrank while reading", f->src);
			goto fail;
		}
		if (archive_write_data(a, buf, (size_t)n) != n) {
			seterr("tar: %s", archive_error_string(a));
			goto fail;
		}
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

int
tar_layer_build(struct tar_file *files, size_t n, long long mtime, int parents,
    int level, struct tar_layer *out)
{
	struct sink s;
	struct archive *a;
	gz_header gzh;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof *out);
	qsort(files, n, sizeof *files, cmp_dst);
	for (i = 1; i < n; i++) {
		if (strcmp(files[i - 1].dst, files[i].dst) == 0) {
			seterr("/%s: given twice", files[i].dst);
			return -1;
		}
	}
	memset(&s, 0, sizeof s);
	s.out = &out->blob;
	/* windowBits 16+15 writes a gzip wrapper; the explicit header pins
	 * mtime 0 and the OS byte, which zlib otherwise sets per platform. */
	if (deflateInit2(&s.z, level, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("zlib: deflateInit2 failed");
	memset(&gzh, 0, sizeof gzh);
	gzh.os = 255;
	deflateSetHeader(&s.z, &gzh);
	sha256_init(&s.tar_hash);
	a = archive_write_new();
	if (!a)
		die("libarchive: out of memory");
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_per_block(a, 0);	/* no padding to 10 KiB blocks */
	if (archive_write_open2(a, &s, NULL, sink_write, NULL, NULL) != ARCHIVE_OK) {
		seterr("tar: %s", archive_error_string(a));
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (parents && write_parents(a, files[i].dst, i ? files[i - 1].dst : NULL,
		    mtime) < 0)
			goto done;
		if (write_file(a, &files[i], mtime) < 0)
			goto done;
	}
	if (archive_write_close(a) != ARCHIVE_OK || s.failed) {
		seterr("tar: %s", archive_error_string(a));
		goto done;
	}
	if (deflate_some(&s, NULL, 0, Z_FINISH) < 0) {
		seterr("zlib: deflate failed");
		goto done;
	}
	out->tar_size = s.tar_size;
	sha256_digest(out->blob.data, out->blob.len, out->digest);
	rc = 0;
done:
	archive_write_free(a);
	deflateEnd(&s.z);
	{
		char tmp[SHA256_DIGEST_STRLEN];

		sha256_final(&s.tar_hash, rc == 0 ? out->diff_id : tmp);
	}
	if (rc < 0)
		tar_layer_free(out);
	return rc;
}

void
tar_layer_free(struct tar_layer *l)
{
	membuf_free(&l->blob);
}
