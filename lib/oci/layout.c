/* OCI image layouts on disk (oci-layout, index.json, blobs/sha256/...): the
 * base an image can start from and the target it can be written to instead
 * of a registry. Every file is written atomically, blobs before index.json,
 * so a reader never sees a tag pointing at missing content; a writer holds
 * the layout's lock, and after it moves a tag it removes the blobs no tag
 * reaches any more. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/image.h"
#include "util/err.h"
#include "util/escape.h"
#include "util/output.h"

static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

char *
oci_layout_blob_path(const char *dir, const char *digest)
{
	const char *colon = strchr(digest, ':');
	size_t n = strlen(dir) + strlen(digest) + 16;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/blobs/%.*s/%s", dir, colon ? (int)(colon - digest) : 0, digest,
	    colon ? colon + 1 : digest);
	return p;
}

/* read_capped reads the file at path into b, at most max bytes: the same
 * caps as a registry's answers (image.h), so that a huge index.json or a
 * blob linked to /dev/zero is an error, not all of memory. A regular file
 * is judged by its size before it is read. */
static int
read_capped(const char *path, long long max, struct membuf *b)
{
	unsigned char *data;
	struct stat st;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0) {
		seterr("%s:", path);
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > max) {
		seterr("%s: %lld bytes, over the limit of %lld bytes", path,
		    (long long)st.st_size, max);
		close(fd);
		return -1;
	}
	rc = read_fd_capped(fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, (size_t)max,
	    path, &data, &len);
	close(fd);
	if (rc == -2)
		seterr("%s: more than the limit of %lld bytes", path, max);
	if (rc < 0)
		return -1;
	b->len = 0;
	membuf_append(b, data, len);
	free(data);
	return 0;
}

int
oci_layout_read_blob(const char *dir, const char *digest, long long max,
    struct membuf *b)
{
	char got[SHA256_DIGEST_STRLEN];
	char *path;

	if (oci_digest_check(digest) < 0) {
		seterr("%s: %s", dir, errmsg());
		return -1;
	}
	path = oci_layout_blob_path(dir, digest);
	if (read_capped(path, max, b) < 0) {
		free(path);
		return -1;
	}
	free(path);
	sha256_digest(b->data, b->len, got);
	if (strcmp(got, digest) != 0) {
		seterr("%s: blob %s has digest %s", dir, digest, got);
		return -1;
	}
	return 0;
}

static json_t *
load_index(const char *dir, int missing_ok)
{
	struct membuf b = { 0 };
	char *path = join(dir, "index.json");
	json_error_t err;
	json_t *j;

	if (read_capped(path, OCI_MANIFEST_MAX, &b) < 0) {
		int e = errno;

		free(path);
		if (missing_ok && e == ENOENT)
			return json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2,
			    "mediaType", OCI_INDEX, "manifests");
		return NULL;
	}
	j = json_loadb(b.data, b.len, 0, &err);
	membuf_free(&b);
	if (!j || !json_is_array(json_object_get(j, "manifests"))) {
		seterr("%s: not an OCI index%s%s", path, j ? "" : ": ",
		    j ? "" : oci_json_error(&err));
		json_decref(j);
		j = NULL;
	}
	free(path);
	return j;
}

static const char *
ref_name(json_t *desc)
{
	return json_string_value(json_object_get(json_object_get(desc, "annotations"),
	    "org.opencontainers.image.ref.name"));
}

int
oci_layout_resolve(const char *dir, const char *tag, const struct oci_platform *p,
    struct membuf *manifest, char **media_type, char digest[SHA256_DIGEST_STRLEN],
    char *top)
{
	json_t *index = load_index(dir, 0), *desc = NULL, *d, *doc = NULL, *held = NULL;
	size_t i;
	int depth, rc = -1;

	if (!index)
		return -1;
	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		const char *rn = ref_name(d);

		if (tag ? (rn && strcmp(rn, tag) == 0) : 1) {
			if (!tag && desc) {
				seterr("%s: several images; name one with oci:%s:TAG", dir, dir);
				goto done;
			}
			desc = d;
		}
	}
	if (!desc) {
		seterr("%s: no image%s%s in index.json", dir, tag ? " tagged " : "",
		    tag ? tag : "");
		goto done;
	}
	json_incref(desc);
	for (depth = 0; depth < 4; depth++) {
		const char *dg = json_string_value(json_object_get(desc, "digest"));
		const char *mt;
		json_error_t err;

		if (!dg || oci_layout_read_blob(dir, dg, OCI_MANIFEST_MAX, manifest) < 0) {
			if (!dg)
				seterr("%s: descriptor without a digest", dir);
			json_decref(desc);
			goto done;
		}
		strcpy(digest, dg);
		if (depth == 0 && top)
			strcpy(top, dg);
		json_decref(doc);
		doc = json_loadb(manifest->data, manifest->len, 0, &err);
		if (!doc) {
			seterr("%s: %s: invalid JSON: %s", dir, dg, oci_json_error(&err));
			json_decref(desc);
			goto done;
		}
		mt = oci_media_type(doc, json_string_value(json_object_get(desc, "mediaType")));
		/* mt may be desc's mediaType: keep desc until mt is used. */
		json_decref(held);
		held = desc;
		desc = NULL;
		if (oci_is_manifest(mt)) {
			*media_type = xstrdup(mt);
			rc = 0;
			goto done;
		}
		if (!oci_is_index(mt)) {
			char shown[96];

			seterr("%s: %s: unsupported media type '%s'", dir, dg,
			    esc_text(shown, sizeof shown, mt, strlen(mt)));
			goto done;
		}
		if (!(desc = oci_index_pick(doc, p)))
			goto done;
		json_incref(desc);
	}
	json_decref(desc);
	seterr("%s: indexes nested too deeply", dir);
done:
	json_decref(held);
	json_decref(doc);
	json_decref(index);
	return rc;
}

/* The layout this process writes is locked (flock on its directory) from
 * oci_layout_init to exit, so a concurrent writer's fresh blobs, not yet
 * tagged, are never taken for garbage. */
static int layout_lock_fd = -1;

static void
lock_layout(const char *dir)
{
	if (layout_lock_fd >= 0)
		return;
	if ((layout_lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	if (flock(layout_lock_fd, LOCK_EX) < 0) {
		close(layout_lock_fd);
		layout_lock_fd = -1;
	}
}

int
oci_layout_init(const char *dir)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	char *path, *blobs;
	struct stat st;
	int rc = 0;

	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		seterr("%s:", dir);
		return -1;
	}
	blobs = join(dir, "blobs");
	path = join(blobs, "sha256");
	if ((mkdir(blobs, 0777) < 0 && errno != EEXIST) ||
	    (mkdir(path, 0777) < 0 && errno != EEXIST)) {
		seterr("%s:", path);
		rc = -1;
	}
	free(blobs);
	free(path);
	if (rc == 0)
		lock_layout(dir);
	path = join(dir, "oci-layout");
	if (rc == 0 && stat(path, &st) < 0 &&
	    write_atomic(path, layout, sizeof layout - 1, 0666) < 0)
		rc = -1;
	free(path);
	return rc;
}

int
oci_layout_put_blob(const char *dir, const char *digest, const void *p, size_t n)
{
	char *path = oci_layout_blob_path(dir, digest);
	struct stat st;
	int rc = 0;

	/* Content addressing: a blob of the right size is the right blob. */
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != n)
		rc = write_atomic(path, p, n, 0666);
	free(path);
	return rc;
}

/* mark: add desc's digest to seen and, when desc names a manifest or an
 * index (descend), what that references: config, layers, child manifests.
 * A document that cannot be read, parsed or typed fails the collection:
 * nothing is removed then. */
static int
mark(const char *dir, json_t *desc, json_t *seen, int depth, int descend)
{
	const char *dg = json_string_value(json_object_get(desc, "digest"));
	const char *mt;
	struct membuf b = { 0 };
	json_t *doc, *d;
	size_t i;
	int rc = 0;

	if (!dg || !sha256_valid(dg)) {
		seterr("a descriptor without a valid sha256 digest");
		return -1;
	}
	json_object_set_new(seen, dg + 7, json_true());
	if (!descend)
		return 0;
	if (depth > 4) {
		seterr("indexes nested too deeply");
		return -1;
	}
	if (oci_layout_read_blob(dir, dg, OCI_MANIFEST_MAX, &b) < 0)
		return -1;
	doc = json_loadb(b.data, b.len, 0, NULL);
	membuf_free(&b);
	mt = doc ? oci_media_type(doc, json_string_value(json_object_get(desc, "mediaType"))) : NULL;
	if (mt && oci_is_index(mt)) {
		json_array_foreach(json_object_get(doc, "manifests"), i, d)
			if ((rc = mark(dir, d, seen, depth + 1, 1)) < 0)
				break;
	} else if (mt && oci_is_manifest(mt)) {
		rc = mark(dir, json_object_get(doc, "config"), seen, depth + 1, 0);
		json_array_foreach(json_object_get(doc, "layers"), i, d)
			if (rc == 0)
				rc = mark(dir, d, seen, depth + 1, 0);
	} else {
		seterr("%s: not a manifest or an index", dg);
		rc = -1;
	}
	json_decref(doc);
	return rc;
}

/* collect_garbage: remove the blobs/sha256 files that no descriptor reachable
 * from index reaches. Only names that are digests are touched. */
static int
collect_garbage(const char *dir, json_t *index)
{
	char *blobs = join(dir, "blobs/sha256");
	json_t *seen = json_object(), *d;
	struct dirent *e;
	size_t i;
	DIR *dp;
	int rc = 0;

	json_array_foreach(json_object_get(index, "manifests"), i, d)
		if ((rc = mark(dir, d, seen, 0, 1)) < 0)
			goto done;
	if (!(dp = opendir(blobs))) {
		seterr("%s:", blobs);
		rc = -1;
		goto done;
	}
	while ((e = readdir(dp))) {
		char name[80] = "sha256:";

		if (strlen(e->d_name) != 64)
			continue;
		memcpy(name + 7, e->d_name, 65);
		if (!sha256_valid(name) || json_object_get(seen, e->d_name))
			continue;
		if (unlinkat(dirfd(dp), e->d_name, 0) < 0 && errno != ENOENT) {
			seterr("%s/%s:", blobs, e->d_name);
			rc = -1;
			break;
		}
	}
	closedir(dp);
done:
	json_decref(seen);
	free(blobs);
	return rc;
}

int
oci_layout_tag(const char *dir, const char *tag, const char *media_type,
    const char *digest, long long size, const struct oci_platform *p)
{
	json_t *index = load_index(dir, 1), *ms, *d, *desc;
	struct membuf b = { 0 };
	char *path;
	size_t i;
	int rc;

	if (!index)
		return -1;
	ms = json_object_get(index, "manifests");
	for (i = 0; i < json_array_size(ms);) {
		const char *rn = ref_name(d = json_array_get(ms, i));
		const char *dg = json_string_value(json_object_get(d, "digest"));

		/* Drop the entry our tag moves from, and an untagged duplicate. */
		if ((tag && rn && strcmp(rn, tag) == 0) ||
		    (!rn && dg && strcmp(dg, digest) == 0))
			json_array_remove(ms, i);
		else
			i++;
	}
	desc = json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest,
	    "size", (json_int_t)size);
	if (p) {
		json_t *pl = json_pack("{s:s, s:s}", "architecture", p->arch, "os", p->os);

		if (p->variant)
			json_object_set_new(pl, "variant", json_string(p->variant));
		json_object_set_new(desc, "platform", pl);
	}
	if (tag)
		json_object_set_new(desc, "annotations", json_pack("{s:s}",
		    "org.opencontainers.image.ref.name", tag));
	json_array_append_new(ms, desc);
	oci_json_dump(index, &b);
	path = join(dir, "index.json");
	rc = write_atomic(path, b.data, b.len, 0666);
	free(path);
	membuf_free(&b);
	if (rc == 0 && layout_lock_fd >= 0 && collect_garbage(dir, index) < 0)
		warn("%s: old blobs kept: %s", dir, errmsg());
	json_decref(index);
	return rc;
}
