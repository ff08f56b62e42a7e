/* A client for the OCI distribution API: image references, authentication
 * (anonymous, Basic, and Bearer tokens with scopes; credentials from the
 * Docker config and its credential helpers), manifests and blobs, with
 * existence checks, cross-repository mounts and chunked uploads. */
#ifndef PGOKIT_REGISTRY_H
#define PGOKIT_REGISTRY_H

#include "net/http.h"
#include "util/membuf.h"
#include "util/sha256.h"

struct reg_ref {
	char *registry;	/* as named, normalised: "docker.io", "127.0.0.1:5000" */
	char *host;	/* the API host[:port]: docker.io -> registry-1.docker.io */
	char *repo;	/* "library/alpine" */
	char *tag;	/* NULL when only a digest was given */
	char *digest;	/* NULL unless "@sha256:..." was given */
};

/* reg_parse_ref parses [registry/]repo[:tag][@digest] the way docker does:
 * no registry means docker.io, one-part Hub names get "library/", no tag or
 * digest means "latest". -1 with seterr(). */
int reg_parse_ref(const char *s, struct reg_ref *r);
void reg_ref_free(struct reg_ref *r);
/* reg_ref_name: "registry/repo" (new string), the name a digest is appended to. */
char *reg_ref_name(const struct reg_ref *r);

/* reg_creds_lookup finds credentials for registry (as in reg_ref.registry)
 * in $DOCKER_CONFIG/config.json or ~/.docker/config.json: credHelpers,
 * credsStore, then auths. 0 found, 1 none, -1 error with seterr(). */
int reg_creds_lookup(const char *registry, char **user, char **pass);

struct registry;

/* registry_new prepares a client for one registry. Plain http is used for
 * loopback hosts or when insecure is set (which also skips TLS checks). */
struct registry *registry_new(struct http_client *http, const struct reg_ref *ref,
    int insecure);
void registry_free(struct registry *r);
/* registry_add_scope asks for actions ("pull", "pull,push") on repo in the
 * next token, so one token covers the whole push. */
void registry_add_scope(struct registry *r, const char *repo, const char *actions);

/* registry_ping checks the registry answers at /v2/ (and settles auth early,
 * with the scopes added so far); -1 with seterr() saying why not. */
int registry_ping(struct registry *r);

/* registry_get_manifest fetches repo's manifest or index for ref (tag or
 * digest), verifying a digest reference. -2 (with seterr()) when the
 * registry answers 404: there is no such manifest. */
int registry_get_manifest(struct registry *r, const char *repo, const char *ref,
    struct membuf *body, char **content_type, char digest[SHA256_DIGEST_STRLEN]);
/* registry_get_blob downloads a blob of size bytes (as its descriptor
 * states: more or fewer is an error) into body, and verifies its digest;
 * registry_get_blob_fd writes it into fd from offset 0 as it comes. */
int registry_get_blob(struct registry *r, const char *repo, const char *digest,
    long long size, struct membuf *body);
int registry_get_blob_fd(struct registry *r, const char *repo, const char *digest,
    long long size, int fd);
/* registry_blob_exists: 1 yes, 0 no, -1 error. */
int registry_blob_exists(struct registry *r, const char *repo, const char *digest);

/* A blob to push; load is called when the bytes are needed at all. */
struct reg_blob {
	const char *digest;	/* checked by registry_blob_exists first */
	long long size;
	const void *data;	/* the bytes when at hand (len = size), else NULL */
	/* load gives an open file holding the blob (size bytes, verified) in
	 * *fd, which the caller closes; -1 with seterr(). */
	int (*load)(void *arg, int *fd);
	void *load_arg;
};
enum { REG_PUSHED, REG_MOUNTED, REG_EXISTED };
/* registry_push_blob makes digest present in repo: nothing when it exists,
 * a mount from mount_from (a repo on the same registry, may be NULL), else
 * an upload: POST then PUT, or POST, PATCH... PUT in chunks of chunk bytes
 * for larger blobs. Returns REG_* or -1 with seterr(). */
int registry_push_blob(struct registry *r, const char *repo, struct reg_blob *b,
    const char *mount_from, size_t chunk);
/* registry_put_manifest uploads a manifest under ref and checks the digest
 * the registry computed. */
int registry_put_manifest(struct registry *r, const char *repo, const char *ref,
    const char *media_type, const void *body, size_t len, const char *digest);
/* registry_put_manifest_subject does the same and sets *subject (may be
 * NULL) when the answer has an OCI-Subject header: the registry keeps the
 * referrers of the manifest's subject itself (OCI distribution 1.1). */
int registry_put_manifest_subject(struct registry *r, const char *repo, const char *ref,
    const char *media_type, const void *body, size_t len, const char *digest,
    int *subject);

/* Progress reporting: called with the blob's digest and bytes sent so far. */
void registry_set_progress(struct registry *r,
    void (*fn)(void *arg, const char *digest, long long done, long long total), void *arg);

#endif
