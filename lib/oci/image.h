/* Container image documents (OCI image spec and the Docker v2 family):
 * picking a platform from an index, appending a layer to a manifest and its
 * config, and reading and writing OCI image layouts on disk. */
#ifndef PGOKIT_OCI_H
#define PGOKIT_OCI_H

#include <jansson.h>

#include "util/membuf.h"
#include "util/sha256.h"

#define OCI_INDEX	"application/vnd.oci.image.index.v1+json"
#define OCI_MANIFEST	"application/vnd.oci.image.manifest.v1+json"
#define OCI_CONFIG	"application/vnd.oci.image.config.v1+json"
#define OCI_LAYER_GZIP	"application/vnd.oci.image.layer.v1.tar+gzip"
#define DOCKER_LIST	"application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_MANIFEST	"application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_CONFIG	"application/vnd.docker.container.image.v1+json"
#define DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
/* The Accept header value a manifest GET/HEAD needs. */
#define OCI_ACCEPT_ALL	OCI_INDEX ", " OCI_MANIFEST ", " DOCKER_LIST ", " DOCKER_MANIFEST

/* Caps of the documents read into memory: the OCI distribution spec lets
 * registries refuse manifests over 4 MiB; configs get a little more room. */
#define OCI_MANIFEST_MAX	((long long)4 << 20)
#define OCI_CONFIG_MAX		((long long)8 << 20)

/* oci_digest_check is the one digest check: "sha256:" and 64 lowercase hex
 * digits, else -1 with seterr() quoting it (control characters escaped).
 * Every digest from a manifest, an index or a reference passes it before
 * it names a URL, a file or a message. */
int oci_digest_check(const char *digest);

/* oci_json_error escapes jansson's message in err (in place) and returns
 * it: it may quote bytes of the document, a remote one. */
const char *oci_json_error(json_error_t *err);

/* oci_descriptor reads a content descriptor (what names it in messages:
 * "config", "layer 2"): its digest through oci_digest_check and its size,
 * an integer in 0..max. -1 with seterr(). */
int oci_descriptor(json_t *desc, const char *what, long long max,
    const char **digest, long long *size);

struct oci_platform {
	char *os, *arch, *variant;	/* variant may be NULL */
};

/* oci_parse_platform parses "os/arch[/variant]"; -1 with seterr(). */
int oci_parse_platform(const char *s, struct oci_platform *p);
void oci_platform_free(struct oci_platform *p);

/* oci_media_type: the document's mediaType, else the given content type,
 * else guessed from its fields ("manifests" means an index). */
const char *oci_media_type(json_t *doc, const char *content_type);
int oci_is_index(const char *media_type);
int oci_is_manifest(const char *media_type);

/* oci_index_pick returns the (borrowed) descriptor of index's manifest for
 * platform p, or NULL with seterr() naming the platforms there are. */
json_t *oci_index_pick(json_t *index, const struct oci_platform *p);

/* An image: its manifest and config, parsed and serialised. */
struct oci_image {
	int docker;		/* Docker v2 media types instead of OCI ones */
	json_t *manifest, *config;
	struct membuf manifest_raw, config_raw;
	char manifest_digest[SHA256_DIGEST_STRLEN];
	char config_digest[SHA256_DIGEST_STRLEN];
};

/* oci_manifest_check: is manifest an image manifest whose config and
 * layer descriptors all pass oci_descriptor. -1 with seterr(). */
int oci_manifest_check(json_t *manifest, const char *content_type);

/* oci_image_load parses a manifest and its config (raw bytes, copied);
 * -1 with seterr() if they are not an image manifest and config. */
int oci_image_load(struct oci_image *img, const void *manifest, size_t mlen,
    const char *content_type, const void *config, size_t clen);
/* oci_image_scratch makes an empty OCI image for platform p. */
void oci_image_scratch(struct oci_image *img, const struct oci_platform *p);
void oci_image_free(struct oci_image *img);

struct oci_change {
	const char *layer_digest;	/* compressed blob; NULL: no new layer */
	long long layer_size;
	const char *diff_id;		/* uncompressed tar */
	const char *created;		/* RFC 3339 time for config and history */
	const char *created_by;		/* history text */
	char **entrypoint; int n_entrypoint; int set_entrypoint;
	char **cmd; int n_cmd; int set_cmd;
	char **env; int n_env;		/* "K=V": replace K or append */
	char **labels; int n_labels;	/* "K=V" */
	const char *workdir;
	json_t *annotations;		/* manifest annotations to set (OCI only) */
};

/* oci_image_append adds a layer and the config changes to img, then
 * re-serialises config and manifest and recomputes their digests. */
int oci_image_append(struct oci_image *img, const struct oci_change *ch);

/* oci_json_dump serialises doc compactly (insertion order) into b. */
void oci_json_dump(json_t *doc, struct membuf *b);

/* OCI image layout on disk. oci_layout_resolve finds the manifest of tag
 * (NULL: the only one) in dir's index.json, through nested indexes for
 * platform p, and reads it into manifest; media type and digest returned,
 * and in top (if not NULL) the digest the tag names (an index, perhaps). */
int oci_layout_resolve(const char *dir, const char *tag, const struct oci_platform *p,
    struct membuf *manifest, char **media_type, char digest[SHA256_DIGEST_STRLEN],
    char *top);
/* oci_layout_blob_path: "dir/blobs/sha256/<hex>" (new string). */
char *oci_layout_blob_path(const char *dir, const char *digest);
/* oci_layout_read_blob reads a blob of at most max bytes (OCI_MANIFEST_MAX,
 * OCI_CONFIG_MAX: a larger one is an error) and verifies its digest. */
int oci_layout_read_blob(const char *dir, const char *digest, long long max,
    struct membuf *b);
/* oci_layout_init creates dir and its oci-layout file if missing. */
int oci_layout_init(const char *dir);
/* oci_layout_put_blob stores a blob (atomically; kept if already there). */
int oci_layout_put_blob(const char *dir, const char *digest, const void *p, size_t n);
/* oci_layout_tag points tag (NULL: untagged) at a manifest in index.json,
 * replacing the entry that had the tag. */
int oci_layout_tag(const char *dir, const char *tag, const char *media_type,
    const char *digest, long long size, const struct oci_platform *p);

#endif
