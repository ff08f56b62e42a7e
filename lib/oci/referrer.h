/* Attaching an artifact (an SBOM, a signature) to an image manifest as an
 * OCI 1.1 referrer: an image manifest whose subject is the image, pushed by
 * digest, found through the registry's referrers API or, where the
 * registry has none, through the tag schema's index "sha256-<hex>". */
#ifndef PGOKIT_REFERRER_H
#define PGOKIT_REFERRER_H

#include <stddef.h>

#include <jansson.h>

#include "oci/registry.h"
#include "util/sha256.h"

#define OCI_EMPTY	"application/vnd.oci.empty.v1+json"
/* The empty descriptor's blob, "{}", and its digest. */
#define OCI_EMPTY_DIGEST \
	"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

struct oci_artifact {
	const char *artifact_type;	/* "application/spdx+json" */
	const char *media_type;		/* of the one layer, the artifact's blob */
	const void *data;
	size_t len;
	json_t *annotations;		/* of the referrer manifest, or NULL */
};

/* What oci_referrer_push did. */
struct oci_referrer_result {
	char digest[SHA256_DIGEST_STRLEN];	/* the referrer manifest */
	int via_tag;		/* 1: listed in the tag schema's index */
	int listed;		/* 1: that index listed it already */
};

/* oci_referrer_push attaches a to the manifest subject_digest (of
 * subject_media_type, subject_size bytes) in repo: pushes the empty config
 * and the blob, then the referrer manifest by digest; when the registry's
 * answer lacks OCI-Subject, it adds the manifest to the index tagged
 * sha256-<hex of subject> (created, or read and extended, keeping the
 * entries of others; an entry with the same digest is replaced). chunk as
 * for registry_push_blob. -1 with seterr(). */
int oci_referrer_push(struct registry *r, const char *repo, const char *subject_media_type,
    const char *subject_digest, long long subject_size, const struct oci_artifact *a,
    size_t chunk, struct oci_referrer_result *res);

/* oci_referrer_tag: "sha256-<hex>" for a subject digest (tag holds 72). */
void oci_referrer_tag(const char *subject_digest, char tag[SHA256_DIGEST_STRLEN]);

#endif
