/* img-push's engine: resolve the base, build the layer, extend the config and
 * manifest, then make every blob present at the destination (skip, mount,
 * or upload) before the manifest, so a failure never leaves a tag behind. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "run.h"
#include "provenance.h"
#include "oci/referrer.h"
#include "oci/registry.h"
#include "sbom/spdx.h"
#include "util/err.h"
#include "util/escape.h"
#include "util/progress.h"

/* Where the base's blobs come from. */
struct source {
	const char *layout;		/* OCI layout dir, or NULL */
	struct registry *reg;		/* else this registry */
	const char *repo;
};

struct blob_load {
	struct source *src;
	const char *digest;
	long long size;			/* as its descriptor states */
};

struct target {
	char *layout;			/* OCI layout dir, or NULL */
	char *tag;			/* layout tag, may be NULL */
	struct reg_ref ref;		/* registry destination */
	char *name;			/* what the result line starts with */
};

/* load_small reads a document blob (a config) into memory: the size its
 * descriptor states, at most OCI_CONFIG_MAX. */
static int
load_small(struct blob_load *l, struct membuf *data)
{
	if (l->size > OCI_CONFIG_MAX) {
		seterr("blob %s: %lld bytes, over the limit of %lld", l->digest, l->size,
		    OCI_CONFIG_MAX);
		return -1;
	}
	if (!l->src->layout)
		return registry_get_blob(l->src->reg, l->src->repo, l->digest, l->size, data);
	if (oci_layout_read_blob(l->src->layout, l->digest, OCI_CONFIG_MAX, data) < 0)
		return -1;
	if ((long long)data->len != l->size) {
		seterr("blob %s: %zu bytes, its descriptor states %lld", l->digest, data->len,
		    l->size);
		return -1;
	}
	return 0;
}

/* blob_tmpfile opens an unlinked temporary file in $TMPDIR (or /tmp): a
 * base layer passes through it on its way from one registry to another,
 * rather than through memory. A blob whose descriptor states more bytes
 * than the directory has free is refused before its download: a manifest
 * claiming a 1 TiB layer costs a message, not a full disk. */
static int
blob_tmpfile(const char *digest, long long size)
{
	const char *dir = getenv("TMPDIR");
	struct statvfs vfs;
	char *path;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if (statvfs(dir, &vfs) == 0 &&
	    (unsigned long long)size / vfs.f_frsize >= (unsigned long long)vfs.f_bavail) {
		seterr("blob %s: its descriptor states %lld bytes, more than the %llu "
		    "bytes free in %s (TMPDIR)", digest, size,
		    (unsigned long long)vfs.f_bavail * vfs.f_frsize, dir);
		return -1;
	}
	path = xmalloc(strlen(dir) + 32);
	sprintf(path, "%s/img-push.XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0)
		seterr("%s:", path);
	else
		unlink(path);
	free(path);
	return fd;
}

/* check_file hashes fd, which must hold exactly size bytes of digest. */
static int
check_file(int fd, const char *digest, long long size)
{
	static char buf[1 << 16];
	char got[SHA256_DIGEST_STRLEN];
	struct sha256 h;
	long long total = 0;
	ssize_t n;

	sha256_init(&h);
	while ((n = pread(fd, buf, sizeof buf, (off_t)total)) > 0 && total + n <= size) {
		sha256_update(&h, buf, (size_t)n);
		total += n;
	}
	sha256_final(&h, got);
	if (n < 0) {
		seterr("blob %s:", digest);
		return -1;
	}
	if (n > 0 || total != size) {
		seterr("blob %s: %s bytes, its descriptor states %lld", digest,
		    n > 0 ? "more" : "fewer", size);
		return -1;
	}
	if (strcmp(got, digest) != 0) {
		seterr("blob %s: content has digest %s", digest, got);
		return -1;
	}
	return 0;
}

/* load_blob gives a file holding a base blob, checked: the layout's own
 * file, or a temporary one the registry download streams into. */
static int
load_blob(void *arg, int *fd)
{
	struct blob_load *l = arg;
	int rc;

	if (l->src->layout) {
		char *path = oci_layout_blob_path(l->src->layout, l->digest);
		struct stat st;

		*fd = open(path, O_RDONLY | O_CLOEXEC);
		if (*fd < 0)
			seterr("%s:", path);
		free(path);
		if (*fd < 0)
			return -1;
		/* Judged by its size before it is read: a link to /dev/zero
		 * or a file of another size is refused at once. */
		if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			seterr("blob %s: not a regular file", l->digest);
			rc = -1;
		} else if (st.st_size != l->size) {
			seterr("blob %s: %lld bytes, its descriptor states %lld", l->digest,
			    (long long)st.st_size, l->size);
			rc = -1;
		} else {
			rc = check_file(*fd, l->digest, l->size);
		}
	} else {
		if ((*fd = blob_tmpfile(l->digest, l->size)) < 0)
			return -1;
		rc = registry_get_blob_fd(l->src->reg, l->src->repo, l->digest, l->size, *fd);
	}
	if (rc < 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

/* split_layout parses "oci:dir[:tag]"; 0 if s is not an oci: name. */
static int
split_layout(const char *s, char **dir, char **tag)
{
	const char *p, *c;

	if (strncmp(s, "oci:", 4) != 0)
		return 0;
	p = s + 4;
	c = strrchr(p, ':');
	if (c && c > p && c[1] && !strchr(c, '/')) {
		*dir = strndup(p, (size_t)(c - p));
		*tag = xstrdup(c + 1);
	} else {
		*dir = xstrdup(p);
		*tag = NULL;
	}
	return 1;
}

static void
format_time(long long t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
show_progress(void *arg, const char *digest, long long done, long long total)
{
	int pct = total > 0 ? (int)(done * 100 / total) : 0;

	progress_show(done == total, "pushing %.12s %5.1f/%.1f MB %3d%%", digest + 7,
	    done / 1e6, total / 1e6, pct);
}

static void
blob_report(struct oci_build *b, const char *what, const char *digest, long long size,
    int rc)
{
	static const char *verbs[] = { "pushed", "mounted", "exists" };

	if (b->progress)
		progress_done("%s %.12s %.1f MB: %s", what, digest + 7, size / 1e6, verbs[rc]);
	else if (b->verbose)
		fprintf(stderr, "%s: %s %s (%lld bytes): %s\n", argv0, what, digest, size,
		    verbs[rc]);
}

/* auto_labels are the OCI annotations known without asking: the base, the
 * creation time when SOURCE_DATE_EPOCH pins it (none without: a made-up
 * time would be a lie, the clock's would break reproducibility), the source
 * from the CI system's environment (GitHub Actions, GitLab CI), the
 * revision the Go binary records (else the CI system's) and the version of
 * its main module. They become config labels and manifest annotations. */
static json_t *
auto_labels(struct oci_build *b, const char *base_name, const char *base_digest,
    const char *created, const struct provenance *prov)
{
	json_t *l = json_object();
	const char *srv = getenv("GITHUB_SERVER_URL"), *repo = getenv("GITHUB_REPOSITORY");
	const char *sha = getenv("GITHUB_SHA");

	if (b->have_epoch)
		json_object_set_new(l, "org.opencontainers.image.created", json_string(created));
	if (srv && repo && *srv && *repo) {
		char *u = xmalloc(strlen(srv) + strlen(repo) + 2);

		sprintf(u, "%s/%s", srv, repo);
		json_object_set_new(l, "org.opencontainers.image.source", json_string(u));
		free(u);
	} else if (getenv("CI_PROJECT_URL") && *getenv("CI_PROJECT_URL")) {
		json_object_set_new(l, "org.opencontainers.image.source",
		    json_string(getenv("CI_PROJECT_URL")));
	}
	if (!sha || !*sha)
		sha = getenv("CI_COMMIT_SHA");
	if (prov->revision)
		sha = prov->revision;
	if (sha && *sha)
		json_object_set_new(l, "org.opencontainers.image.revision", json_string(sha));
	if (prov->version)
		json_object_set_new(l, "org.opencontainers.image.version",
		    json_string(prov->version));
	if (base_name) {
		json_object_set_new(l, "org.opencontainers.image.base.name", json_string(base_name));
		json_object_set_new(l, "org.opencontainers.image.base.digest",
		    json_string(base_digest));
	}
	return l;
}

/* The base's manifest as fetched: bytes, media type, digest. */
struct base_manifest {
	struct membuf m;
	char *ctype;
	char digest[SHA256_DIGEST_STRLEN];
};

/* registry_base fetches the manifest of a registry base (the platform's
 * entry when the reference names an index), sharing *reg or creating it;
 * base_name and base_digest name what the reference resolves to. */
static int
registry_base(struct oci_build *b, struct oci_platform *plat, struct source *src,
    struct registry **reg, struct reg_ref *bref, struct http_client *http,
    char **base_name, char base_digest[SHA256_DIGEST_STRLEN], struct base_manifest *bm)
{
	json_t *doc = NULL;
	char *ref;
	int rc = -1;

	if (reg_parse_ref(b->base, bref) < 0) {
		seterr("base: %s", errmsg());
		return -1;
	}
	if (!*reg) {
		*reg = registry_new(http, bref, b->insecure);
		registry_add_scope(*reg, bref->repo, "pull");
		if (registry_ping(*reg) < 0) {
			seterr("base %s: %s", b->base, errmsg());
			return -1;
		}
	}
	registry_add_scope(*reg, bref->repo, "pull");
	src->reg = *reg;
	src->repo = bref->repo;
	ref = bref->digest ? bref->digest : bref->tag;
	if (registry_get_manifest(*reg, bref->repo, ref, &bm->m, &bm->ctype, bm->digest) < 0) {
		seterr("base %s: %s", b->base, errmsg());
		return -1;
	}
	strcpy(base_digest, bm->digest);
	*base_name = reg_ref_name(bref);
	if (bref->tag) {
		char *n = xmalloc(strlen(*base_name) + strlen(bref->tag) + 2);

		sprintf(n, "%s:%s", *base_name, bref->tag);
		free(*base_name);
		*base_name = n;
	}
	doc = json_loadb(bm->m.data, bm->m.len, 0, NULL);
	if (doc && oci_is_index(oci_media_type(doc, bm->ctype))) {
		json_t *d = oci_index_pick(doc, plat);
		const char *dg;
		long long size;

		if (!d || oci_descriptor(d, "index entry", OCI_MANIFEST_MAX, &dg, &size) < 0) {
			seterr("base %s: %s", b->base, errmsg());
			goto done;
		}
		free(bm->ctype);
		bm->ctype = NULL;
		if (registry_get_manifest(*reg, bref->repo, dg, &bm->m, &bm->ctype, bm->digest) < 0) {
			seterr("base %s: %s", b->base, errmsg());
			goto done;
		}
	}
	rc = 0;
done:
	json_decref(doc);
	return rc;
}

/* base_image loads img from the base's image manifest and its config. */
static int
base_image(struct oci_build *b, struct source *src, const struct base_manifest *bm,
    struct oci_image *img)
{
	struct membuf c = { 0 };
	json_t *doc = json_loadb(bm->m.data, bm->m.len, 0, NULL);
	struct blob_load l = { src, NULL, 0 };
	int rc = -1;

	/* Every descriptor is checked before any digest names a URL or file. */
	if (!doc) {
		seterr("base %s: manifest %s is not JSON", b->base, bm->digest);
		goto done;
	}
	if (oci_manifest_check(doc, bm->ctype) < 0 ||
	    oci_descriptor(json_object_get(doc, "config"), "config", OCI_CONFIG_MAX,
	    &l.digest, &l.size) < 0) {
		seterr("base %s: %s", b->base, errmsg());
		goto done;
	}
	{
		if (load_small(&l, &c) < 0) {
			seterr("base %s: config: %s", b->base, errmsg());
			goto done;
		}
	}
	if (oci_image_load(img, bm->m.data, bm->m.len, bm->ctype, c.data, c.len) < 0) {
		seterr("base %s: %s", b->base, errmsg());
		goto done;
	}
	rc = 0;
done:
	json_decref(doc);
	membuf_free(&c);
	return rc;
}

/* check_platform: a base for another platform than --platform names is an
 * error. */
static int
check_platform(struct oci_build *b, const struct oci_platform *plat, const struct oci_image *img)
{
	const char *os = json_string_value(json_object_get(img->config, "os"));
	const char *arch = json_string_value(json_object_get(img->config, "architecture"));

	if (os && arch && (strcmp(os, plat->os) || strcmp(arch, plat->arch))) {
		/* The config's words: quoted, never obeyed. */
		char *eos = esc_dup(os), *earch = esc_dup(arch);

		seterr("base %s is %s/%s, not the %s/%s asked for", b->base, eos, earch,
		    plat->os, plat->arch);
		free(eos);
		free(earch);
		return -1;
	}
	return 0;
}

/* load_base fills img from b->base; *src tells where its blobs are. */
static int
load_base(struct oci_build *b, struct oci_platform *plat, int plat_given,
    struct oci_image *img, struct source *src, struct registry **reg,
    struct reg_ref *bref, struct http_client *http, char **base_name,
    char base_digest[SHA256_DIGEST_STRLEN])
{
	struct base_manifest bm = { { 0 }, NULL, "" };
	char *dir = NULL, *tag = NULL;
	int rc = -1;

	if (strcmp(b->base, "scratch") == 0) {
		oci_image_scratch(img, plat);
		return 0;
	}
	if (split_layout(b->base, &dir, &tag)) {
		src->layout = dir;
		/* The base digest names what the reference resolves to (an
		 * index for a multi-platform base), as for a registry base. */
		if (oci_layout_resolve(dir, tag, plat, &bm.m, &bm.ctype, bm.digest,
		    base_digest) < 0) {
			seterr("base %s: %s", b->base, errmsg());
			goto done;
		}
		*base_name = xstrdup(b->base);
	} else if (registry_base(b, plat, src, reg, bref, http, base_name, base_digest,
	    &bm) < 0) {
		goto done;
	}
	if (base_image(b, src, &bm, img) < 0)
		goto done;
	if (plat_given && check_platform(b, plat, img) < 0) {
		oci_image_free(img);
		goto done;
	}
	rc = 0;
done:
	free(tag);
	free(bm.ctype);
	membuf_free(&bm.m);
	if (rc < 0 && src->layout) {
		free(dir);
		src->layout = NULL;
	}
	return rc;
}

/* copy_blob writes a base blob into the layout t: mapped from the file
 * load_blob gives, not read into memory. */
static int
copy_blob(struct oci_build *b, struct target *t, struct blob_load *l)
{
	void *p = NULL;
	int fd, rc;

	if (load_blob(l, &fd) < 0)
		return -1;
	if (l->size > 0 && (p = mmap(NULL, (size_t)l->size, PROT_READ, MAP_PRIVATE, fd, 0)) ==
	    MAP_FAILED) {
		seterr("blob %s: cannot map its file:", l->digest);
		close(fd);
		return -1;
	}
	close(fd);
	rc = oci_layout_put_blob(t->layout, l->digest, p ? p : "", (size_t)l->size);
	if (p)
		munmap(p, (size_t)l->size);
	if (rc == 0)
		blob_report(b, "layer", l->digest, l->size, REG_PUSHED);
	return rc;
}

/* write_layout puts the image's blobs and manifest into the layout t and,
 * when plat is not NULL, tags the manifest (for a platform of an index,
 * the index is tagged later). */
static int
write_layout(struct oci_build *b, struct target *t, struct oci_image *img,
    struct source *src, struct tar_layer *layer, const struct oci_platform *plat)
{
	json_t *layers = json_object_get(img->manifest, "layers"), *d;
	size_t i, n = json_array_size(layers);
	char what[48];

	if (oci_layout_init(t->layout) < 0)
		return -1;
	json_array_foreach(layers, i, d) {
		struct blob_load l = { src, NULL, 0 };
		char *path;
		int have;

		snprintf(what, sizeof what, "layer %zu", i);
		if (oci_descriptor(d, what, LLONG_MAX, &l.digest, &l.size) < 0)
			return -1;
		if (i == n - 1 && layer->blob.data) {
			if (oci_layout_put_blob(t->layout, l.digest, layer->blob.data,
			    layer->blob.len) < 0)
				return -1;
			blob_report(b, "layer", l.digest, (long long)layer->blob.len, REG_PUSHED);
			continue;
		}
		path = oci_layout_blob_path(t->layout, l.digest);
		have = access(path, F_OK) == 0;
		free(path);
		if (have)
			blob_report(b, "layer", l.digest, 0, REG_EXISTED);
		else if (copy_blob(b, t, &l) < 0)
			return -1;
	}
	if (oci_layout_put_blob(t->layout, img->config_digest, img->config_raw.data,
	    img->config_raw.len) < 0 ||
	    oci_layout_put_blob(t->layout, img->manifest_digest, img->manifest_raw.data,
	    img->manifest_raw.len) < 0)
		return -1;
	if (!plat)
		return 0;
	return oci_layout_tag(t->layout, t->tag, img->docker ? DOCKER_MANIFEST : OCI_MANIFEST,
	    img->manifest_digest, (long long)img->manifest_raw.len, plat);
}

/* push_layers makes layers [from, end) of img's manifest present in the
 * destination; the new layer, when among them, is the last. */
static int
push_layers(struct oci_build *b, struct target *t, struct registry *dreg,
    struct oci_image *img, struct source *src, struct reg_ref *bref,
    struct tar_layer *layer, size_t from)
{
	json_t *layers = json_object_get(img->manifest, "layers"), *d;
	size_t i, n = json_array_size(layers);
	const char *mount = NULL;
	int rc;

	/* A base in another repository of the same registry can be mounted. */
	if (src->reg == dreg && bref->repo && strcmp(bref->repo, t->ref.repo) != 0)
		mount = bref->repo;
	if (b->progress)
		registry_set_progress(dreg, show_progress, NULL);
	for (i = from; i < n; i++) {
		struct blob_load l = { src, NULL, 0 };
		struct reg_blob blob;
		char what[48];
		/* The new layer, last, has its bytes in memory already. */
		int fresh = i == n - 1 && layer && layer->blob.data;

		d = json_array_get(layers, i);
		snprintf(what, sizeof what, "layer %zu", i);
		if (oci_descriptor(d, what, LLONG_MAX, &l.digest, &l.size) < 0) {
			seterr("%s: %s", b->dest, errmsg());
			return -1;
		}
		blob.digest = l.digest;
		blob.size = l.size;
		blob.data = fresh ? layer->blob.data : NULL;
		blob.load = load_blob;
		blob.load_arg = &l;
		rc = registry_push_blob(dreg, t->ref.repo, &blob, fresh ? NULL : mount, b->chunk);
		if (rc < 0) {
			seterr("%s: %s", b->dest, errmsg());
			return -1;
		}
		blob_report(b, "layer", l.digest, l.size, rc);
	}
	return 0;
}

/* push_rest pushes the layers from index from on, the config, then the
 * manifest under ref: the tag, the one step a failure must not reach, or
 * the manifest's digest for a platform of an index. */
static int
push_rest(struct oci_build *b, struct target *t, struct registry *dreg,
    struct oci_image *img, struct source *src, struct reg_ref *bref,
    struct tar_layer *layer, size_t from, const char *ref)
{
	int rc;

	if (push_layers(b, t, dreg, img, src, bref, layer, from) < 0)
		return -1;
	{
		struct reg_blob blob = { img->config_digest, (long long)img->config_raw.len,
		    img->config_raw.data, NULL, NULL };

		rc = registry_push_blob(dreg, t->ref.repo, &blob, NULL, b->chunk);
	}
	if (rc < 0) {
		seterr("%s: config: %s", b->dest, errmsg());
		return -1;
	}
	blob_report(b, "config", img->config_digest, (long long)img->config_raw.len, rc);
	if (registry_put_manifest(dreg, t->ref.repo, ref,
	    img->docker ? DOCKER_MANIFEST : OCI_MANIFEST, img->manifest_raw.data,
	    img->manifest_raw.len, img->manifest_digest) < 0) {
		seterr("%s: %s", b->dest, errmsg());
		return -1;
	}
	return 0;
}

/* The layer is built in a thread while the main one resolves the base and
 * makes its layers present at the destination: compression is the costly
 * step, and it overlaps the network round trips. */
struct layer_job {
	struct oci_build *b;
	struct tar_file *files;
	size_t n_files;
	int parents;
	struct tar_layer layer;
	int rc;
	char err[1024];
};

/* Level 1, as go-containerregistry and ko use for layers: a binary
 * compresses several times faster than at 6, for a tenth more bytes. */
#define LAYER_LEVEL 1

static void *
layer_thread(void *arg)
{
	struct layer_job *j = arg;

	j->rc = tar_layer_build(j->files, j->n_files, j->b->epoch, j->parents,
	    LAYER_LEVEL, j->b->cache_dir, &j->layer);
	if (j->rc < 0)
		snprintf(j->err, sizeof j->err, "%s", errmsg());
	return NULL;
}

/* The layer cache is written in a thread while the layer is pushed to a
 * registry: the write (a 10 MB file for a 20 MB binary) was on the push's
 * critical path. */
struct cache_job {
	const char *dir;
	const struct tar_layer *layer;
};

static void *
cache_thread(void *arg)
{
	struct cache_job *j = arg;

	tar_layer_cache_put(j->dir, LAYER_LEVEL, j->layer);
	return NULL;
}

static int
parse_target(const char *dest, struct target *t)
{
	memset(t, 0, sizeof *t);
	if (split_layout(dest, &t->layout, &t->tag)) {
		if (!*t->layout) {
			seterr("%s: no directory after oci:", dest);
			return -1;
		}
		t->name = xmalloc(strlen(t->layout) + 8);
		sprintf(t->name, "oci:%s", t->layout);
		return 0;
	}
	if (reg_parse_ref(dest, &t->ref) < 0)
		return -1;
	if (t->ref.digest) {
		seterr("%s: the destination takes a tag, not a digest", dest);
		reg_ref_free(&t->ref);
		return -1;
	}
	/* The result names the destination as given, without its tag. */
	t->name = xstrdup(dest);
	{
		char *c = strrchr(t->name, ':');

		if (c && !strchr(c, '/'))
			*c = '\0';
	}
	return 0;
}

static void
target_free(struct target *t)
{
	free(t->layout);
	free(t->tag);
	free(t->name);
	reg_ref_free(&t->ref);
}

static int
same_registry(const struct reg_ref *a, const struct reg_ref *b)
{
	return a->host && b->host && strcmp(a->host, b->host) == 0;
}

/* One platform's image of a run: its base, layer and result. */
struct plat_run {
	struct oci_platform plat;
	int plat_given;			/* --platform named it */
	struct tar_file *files;
	size_t n_files;
	struct oci_image img;
	struct tar_layer layer;
	struct source src;
	struct reg_ref bref;
	char *base_name, base_digest[SHA256_DIGEST_STRLEN];
	struct provenance prov;		/* the Go binary's SBOM, revision, version */
	json_t *annotations;		/* the manifest's (an index's too) */
	struct layer_job job;
	struct cache_job cjob;
	pthread_t th, cth;
	int started, caching;
};

/* One run of oci_build_run: what its stages share and what it frees. */
struct build_run {
	struct oci_build *b;
	struct target t;
	struct http_client http;
	struct registry *dreg, *breg;
	struct plat_run *p;		/* one per platform */
	size_t np;
	int is_scratch;
	char created[64];		/* RFC 3339, from SOURCE_DATE_EPOCH or 0 */
};

/* start_layer builds p's layer in a thread, when there are files. */
static int
start_layer(struct build_run *r, struct plat_run *p)
{
	p->job.b = r->b;
	p->job.files = p->files;
	p->job.n_files = p->n_files;
	p->job.parents = r->is_scratch;
	if (!p->n_files)
		return 0;
	if ((errno = pthread_create(&p->th, NULL, layer_thread, &p->job)) != 0) {
		seterr("cannot start a thread:");
		return -1;
	}
	p->started = 1;
	return 0;
}

/* connect_registries makes the destination's client and checks that it
 * answers. One client per registry: a base on the destination's registry
 * shares its token, which then carries the pull scope for mounts. */
static int
connect_registries(struct build_run *r)
{
	struct oci_build *b = r->b;

	if (!r->t.layout) {
		r->dreg = registry_new(&r->http, &r->t.ref, b->insecure);
		registry_add_scope(r->dreg, r->t.ref.repo, "pull,push");
	}
	if (!r->is_scratch && strncmp(b->base, "oci:", 4) != 0) {
		struct reg_ref tmp;

		if (reg_parse_ref(b->base, &tmp) < 0) {
			seterr("base: %s", errmsg());
			return -1;
		}
		if (r->dreg && same_registry(&tmp, &r->t.ref)) {
			r->breg = r->dreg;
			registry_add_scope(r->dreg, tmp.repo, "pull");
		}
		reg_ref_free(&tmp);
	}
	/* Fail before any work when the destination is unreachable or refuses
	 * our credentials; this also fetches the one token for all scopes. */
	if (r->dreg && registry_ping(r->dreg) < 0) {
		seterr("%s: %s", b->dest, errmsg());
		return -1;
	}
	return 0;
}

/* base_platform: without --platform the image is for whatever the base is
 * for. */
static void
base_platform(struct plat_run *p)
{
	const json_t *config = p->img.config;
	const char *os = json_string_value(json_object_get(config, "os"));
	const char *arch = json_string_value(json_object_get(config, "architecture"));
	const char *var = json_string_value(json_object_get(config, "variant"));

	if (os && arch) {
		oci_platform_free(&p->plat);
		p->plat.os = xstrdup(os);
		p->plat.arch = xstrdup(arch);
		p->plat.variant = var ? xstrdup(var) : NULL;
	}
}

/* finish_layer waits for p's layer and, when it was not in the cache,
 * writes it there, in a thread beside a push. */
static int
finish_layer(struct build_run *r, struct plat_run *p)
{
	struct oci_build *b = r->b;

	pthread_join(p->th, NULL);
	p->started = 0;
	if (p->job.rc < 0) {
		seterr("%s", p->job.err);
		return -1;
	}
	p->layer = p->job.layer;
	memset(&p->job.layer, 0, sizeof p->job.layer);
	if (b->cache_dir && !p->layer.from_cache) {
		p->cjob.dir = b->cache_dir;
		p->cjob.layer = &p->layer;      /* read only, by both threads */
		/* Beside a push only: writing a layout uses the same
		 * temp-file and umask helpers (output.c), which are not
		 * made for two threads. */
		if (r->t.layout || pthread_create(&p->cth, NULL, cache_thread, &p->cjob) != 0)
			cache_thread(&p->cjob);
		else
			p->caching = 1;
	}
	return 0;
}

/* append_layer adds p's layer and the changes to its image: history,
 * labels (automatic ones first: the user's --label wins over them) and the
 * base annotations. The caller's options stay untouched: it works on a
 * copy. */
static int
append_layer(struct build_run *r, struct plat_run *p)
{
	struct oci_build *b = r->b;
	struct membuf created_by = { 0 };
	struct oci_change ch;
	const char *k;
	json_t *v, *labels;
	char **all;
	int n = 0, j, rc;
	size_t i;

	membuf_puts(&created_by, "img-push");
	for (i = 0; i < p->n_files; i++) {
		membuf_puts(&created_by, " -f /");
		membuf_puts(&created_by, p->files[i].dst);
	}
	ch = b->change;
	ch.layer_digest = p->n_files ? p->layer.digest : NULL;
	ch.layer_size = (long long)p->layer.blob.len;
	ch.diff_id = p->layer.diff_id;
	ch.created = r->created;
	ch.created_by = created_by.data;
	labels = auto_labels(b, p->base_name, p->base_digest, r->created, &p->prov);
	all = xcalloc(json_object_size(labels) + (size_t)ch.n_labels + 1, sizeof *all);
	json_object_foreach(labels, k, v) {
		all[n] = xmalloc(strlen(k) + strlen(json_string_value(v)) + 2);
		sprintf(all[n++], "%s=%s", k, json_string_value(v));
	}
	for (j = 0; j < ch.n_labels; j++)
		all[n++] = ch.labels[j];
	ch.labels = all;
	ch.n_labels = n;
	/* The same standard keys annotate the manifest; --annotation wins. */
	p->annotations = json_deep_copy(labels);
	for (j = 0; j < b->n_annotations; j++) {
		const char *kv = b->annotations[j], *eq = strchr(kv, '=');
		char *k = strndup(kv, (size_t)(eq - kv));

		json_object_set_new(p->annotations, k, json_string(eq + 1));
		free(k);
	}
	ch.annotations = p->annotations;
	rc = oci_image_append(&p->img, &ch);
	for (j = 0; j < (int)json_object_size(labels); j++)
		free(all[j]);
	free(all);
	json_decref(labels);
	membuf_free(&created_by);
	return rc < 0 ? -1 : 0;
}

/* attach_sbom attaches the Go binary's SBOM to one pushed image manifest
 * (each platform's, for an index) as an OCI 1.1 referrer. */
static int
attach_sbom(struct build_run *r, struct plat_run *p, const char *media_type, const char *digest, long long size)
{
	struct oci_build *b = r->b;
	struct oci_artifact a = { SPDX_MEDIA_TYPE, SPDX_MEDIA_TYPE, p->prov.sbom.data,
	    p->prov.sbom.len, NULL };
	struct oci_referrer_result res;
	int rc;

	if (b->no_sbom || !p->prov.sbom.len)
		return 0;
	if (r->t.layout) {
		if (b->verbose)
			fprintf(stderr, "%s: %s: no SBOM: referrers go to registries only\n",
			    argv0, b->dest);
		return 0;
	}
	/* The referrer's annotations: what the SBOM describes, and when. */
	a.annotations = json_pack("{s:s}", "org.opencontainers.image.title", p->prov.binary);
	if (b->have_epoch)
		json_object_set_new(a.annotations, "org.opencontainers.image.created",
		    json_string(r->created));
	rc = oci_referrer_push(r->dreg, r->t.ref.repo, media_type, digest, size, &a, b->chunk,
	    &res);
	json_decref(a.annotations);
	if (rc < 0) {
		seterr("%s: SBOM: %s", b->dest, errmsg());
		return -1;
	}
	if (b->verbose)
		fprintf(stderr, "%s: SBOM of %s: referrer %s%s\n", argv0, p->prov.binary,
		    res.digest, res.via_tag ? (res.listed ? " (listed in the tag schema index "
		    "already)" : " (listed in the tag schema index)") : "");
	return 0;
}

/* build_platform makes p's image and puts it at the destination: the base
 * for p's platform, its layers, the new layer and config, and the manifest
 * under ref (the tag; for one platform of an index, its digest, with ref
 * NULL). What an image of the index needs beside it attaches here. */
static int
build_platform(struct build_run *r, struct plat_run *p, const char *ref)
{
	struct oci_build *b = r->b;
	size_t n_base;

	/* Each platform's binary has its own build info, hence its own SBOM. */
	provenance_read(p->files, p->n_files, r->created, b->verbose, &p->prov);
	if (load_base(b, &p->plat, p->plat_given, &p->img, &p->src, &r->breg, &p->bref,
	    &r->http, &p->base_name, p->base_digest) < 0)
		return -1;
	if (!p->plat_given && !r->is_scratch)
		base_platform(p);

	/* Base layers first, while the new layer is being built. */
	n_base = json_array_size(json_object_get(p->img.manifest, "layers"));
	if (r->dreg && push_layers(b, &r->t, r->dreg, &p->img, &p->src, &p->bref, NULL, 0) < 0)
		return -1;
	if (p->started && finish_layer(r, p) < 0)
		return -1;
	if (append_layer(r, p) < 0)
		return -1;

	if (r->t.layout) {
		if (write_layout(b, &r->t, &p->img, &p->src, &p->layer, ref ? &p->plat : NULL) < 0) {
			seterr("%s: %s", b->dest, errmsg());
			return -1;
		}
		return 0;
	}
	if (push_rest(b, &r->t, r->dreg, &p->img, &p->src, &p->bref, &p->layer, n_base,
	    ref ? ref : p->img.manifest_digest) < 0)
		return -1;
	return attach_sbom(r, p, p->img.docker ? DOCKER_MANIFEST : OCI_MANIFEST,
	    p->img.manifest_digest, (long long)p->img.manifest_raw.len);
}

/* index_entry: the descriptor of p's manifest in the index, with the
 * platform its config states (checked against --platform on loading). */
static json_t *
index_entry(const struct plat_run *p)
{
	const char *var = json_string_value(json_object_get(p->img.config, "variant"));
	json_t *pl = json_pack("{s:s, s:s}", "architecture", p->plat.arch, "os", p->plat.os);

	if (p->plat.variant || var)
		json_object_set_new(pl, "variant", json_string(p->plat.variant ? p->plat.variant : var));
	return json_pack("{s:s, s:s, s:I, s:o}", "mediaType",
	    p->img.docker ? DOCKER_MANIFEST : OCI_MANIFEST, "digest", p->img.manifest_digest,
	    "size", (json_int_t)p->img.manifest_raw.len, "platform", pl);
}

/* index_annotations annotates an OCI index with what its manifests'
 * annotations agree on (created, source, revision, base.name; not the
 * per-platform base.digest). A Docker manifest list has no annotations. */
static void
index_annotations(const struct build_run *r, json_t *index)
{
	json_t *common = json_deep_copy(r->p[0].annotations), *v;
	const char *k;
	void *tmp;

	json_object_foreach_safe(common, tmp, k, v) {
		for (size_t i = 1; i < r->np; i++)
			if (!json_equal(v, json_object_get(r->p[i].annotations, k))) {
				json_object_del(common, k);
				break;
			}
	}
	if (common && json_object_size(common))
		json_object_set(index, "annotations", common);
	json_decref(common);
}

/* put_index builds the image index of the platforms' manifests and puts
 * it under the tag, last: before it the tag names nothing new. It keeps
 * the manifests' family: a Docker manifest list over Docker v2 manifests
 * (a Docker v2 base), else an OCI image index. */
static int
put_index(struct build_run *r, char digest[SHA256_DIGEST_STRLEN])
{
	const char *mt = r->p[0].img.docker ? DOCKER_LIST : OCI_INDEX;
	json_t *index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType", mt,
	    "manifests");
	struct membuf raw = { 0 };
	int rc;

	for (size_t i = 0; i < r->np; i++)
		json_array_append_new(json_object_get(index, "manifests"), index_entry(&r->p[i]));
	if (!r->p[0].img.docker)
		index_annotations(r, index);
	oci_json_dump(index, &raw);
	json_decref(index);
	sha256_digest(raw.data, raw.len, digest);
	if (r->t.layout)
		rc = oci_layout_put_blob(r->t.layout, digest, raw.data, raw.len) < 0 ||
		    oci_layout_tag(r->t.layout, r->t.tag, mt, digest, (long long)raw.len,
		    NULL) < 0 ? -1 : 0;
	else
		rc = registry_put_manifest(r->dreg, r->t.ref.repo, r->t.ref.tag, mt,
		    raw.data, raw.len, digest);
	if (rc < 0)
		seterr("%s: index: %s", r->b->dest, errmsg());
	membuf_free(&raw);
	return rc;
}

static void
plat_run_free(struct plat_run *p)
{
	if (p->started) {
		pthread_join(p->th, NULL);
		tar_layer_free(&p->job.layer);
	}
	if (p->caching)
		pthread_join(p->cth, NULL);
	free(p->base_name);
	provenance_free(&p->prov);
	json_decref(p->annotations);
	free((char *)p->src.layout);
	reg_ref_free(&p->bref);
	oci_image_free(&p->img);
	tar_layer_free(&p->layer);
	oci_platform_free(&p->plat);
}

static void
build_run_free(struct build_run *r)
{
	for (size_t i = 0; i < r->np; i++)
		plat_run_free(&r->p[i]);
	free(r->p);
	if (r->breg != r->dreg)
		registry_free(r->breg);
	registry_free(r->dreg);
	http_cleanup(&r->http);
	target_free(&r->t);
}

/* plan_platforms gives each platform its files: --platform once (or not at
 * all: linux/amd64 or the base's) with b->files, else b->platforms. */
static int
plan_platforms(struct build_run *r)
{
	struct oci_build *b = r->b;

	r->np = b->n_platforms > 1 ? b->n_platforms : 1;
	r->p = xcalloc(r->np, sizeof *r->p);
	for (size_t i = 0; i < r->np; i++) {
		struct plat_run *p = &r->p[i];
		const char *name = b->n_platforms > 1 ? b->platforms[i].platform : b->platform;

		p->plat_given = name != NULL;
		p->files = b->n_platforms > 1 ? b->platforms[i].files : b->files;
		p->n_files = b->n_platforms > 1 ? b->platforms[i].n_files : b->n_files;
		if (oci_parse_platform(name ? name : "linux/amd64", &p->plat) < 0)
			return -1;
	}
	return 0;
}

int
oci_build_run(struct oci_build *b, char **result)
{
	struct build_run r = { .b = b };
	char digest[SHA256_DIGEST_STRLEN];
	size_t i;
	int rc = -1;

	r.is_scratch = strcmp(b->base, "scratch") == 0;
	http_init(&r.http);
	if (parse_target(b->dest, &r.t) < 0) {
		http_cleanup(&r.http);
		return -1;
	}
	format_time(b->epoch, r.created, sizeof r.created);
	if (plan_platforms(&r) < 0)
		goto done;
	for (i = 0; i < r.np; i++)
		if (start_layer(&r, &r.p[i]) < 0)
			goto done;
	if (connect_registries(&r) < 0)
		goto done;
	if (r.np == 1) {
		/* One image: its manifest goes under the tag. */
		if (build_platform(&r, &r.p[0], r.t.layout ? r.t.tag : r.t.ref.tag) < 0)
			goto done;
		strcpy(digest, r.p[0].img.manifest_digest);
	} else {
		for (i = 0; i < r.np; i++)
			if (build_platform(&r, &r.p[i], NULL) < 0)
				goto done;
		if (put_index(&r, digest) < 0)
			goto done;
	}
	*result = xmalloc(strlen(r.t.name) + SHA256_DIGEST_STRLEN + 2);
	sprintf(*result, "%s@%s", r.t.name, digest);
	rc = 0;
done:
	build_run_free(&r);
	return rc;
}
