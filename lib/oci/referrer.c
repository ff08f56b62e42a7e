/* The registry side of OCI 1.1 referrers: the referrer manifest and the
 * tag-schema fallback index (OCI distribution spec 1.1, "Pushing Manifests
 * with Subject" and "Referrers Tag Schema"). Debian's docker-registry 2.8
 * has no referrers API: it stores a manifest with a subject but answers
 * without OCI-Subject, so the fallback index is what clients find there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/referrer.h"
#include "oci/image.h"
#include "util/err.h"

void
oci_referrer_tag(const char *subject_digest, char tag[SHA256_DIGEST_STRLEN])
{
	snprintf(tag, SHA256_DIGEST_STRLEN, "sha256-%s", subject_digest + 7);
}

static int
push_bytes(struct registry *r, const char *repo, const char *what, const void *p, size_t n,
    size_t chunk)
{
	char digest[SHA256_DIGEST_STRLEN];
	struct reg_blob b = { digest, (long long)n, p, NULL, NULL };

	sha256_digest(p, n, digest);
	if (registry_push_blob(r, repo, &b, NULL, chunk) < 0) {
		seterr("%s: %s", what, errmsg());
		return -1;
	}
	return 0;
}

/* referrer_manifest builds the artifact's image manifest. */
static json_t *
referrer_manifest(const char *subject_media_type, const char *subject_digest,
    long long subject_size, const struct oci_artifact *a)
{
	char digest[SHA256_DIGEST_STRLEN];
	json_t *m;

	sha256_digest(a->data, a->len, digest);
	m = json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:i}, s:[{s:s, s:s, s:I}], s:{s:s, s:s, s:I}}",
	    "schemaVersion", 2, "mediaType", OCI_MANIFEST, "artifactType", a->artifact_type,
	    "config", "mediaType", OCI_EMPTY, "digest", OCI_EMPTY_DIGEST, "size", 2,
	    "layers", "mediaType", a->media_type, "digest", digest, "size", (json_int_t)a->len,
	    "subject", "mediaType", subject_media_type, "digest", subject_digest, "size",
	    (json_int_t)subject_size);
	if (!m)
		die("jansson: out of memory");
	if (a->annotations && json_object_size(a->annotations))
		json_object_set(m, "annotations", a->annotations);
	return m;
}

/* fallback_index reads the index tagged tag, or starts an empty one. */
static json_t *
fallback_index(struct registry *r, const char *repo, const char *tag)
{
	struct membuf body = { 0 };
	char *ctype = NULL, digest[SHA256_DIGEST_STRLEN];
	json_t *idx = NULL;
	int rc = registry_get_manifest(r, repo, tag, &body, &ctype, digest);

	if (rc == -2) {
		idx = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType", OCI_INDEX,
		    "manifests");
	} else if (rc == 0) {
		idx = json_loadb(body.data, body.len, 0, NULL);
		if (!idx || !oci_is_index(oci_media_type(idx, ctype)) ||
		    !json_is_array(json_object_get(idx, "manifests"))) {
			seterr("tag %s holds no image index", tag);
			json_decref(idx);
			idx = NULL;
		}
	}
	free(ctype);
	membuf_free(&body);
	return idx;
}

/* list_referrer puts desc into the fallback index; 1 when it was there. */
static int
list_referrer(struct registry *r, const char *repo, const char *subject_digest,
    json_t *desc)
{
	char tag[SHA256_DIGEST_STRLEN], digest[SHA256_DIGEST_STRLEN];
	const char *mine = json_string_value(json_object_get(desc, "digest"));
	json_t *idx, *list, *d;
	struct membuf raw = { 0 };
	size_t i;
	int rc;

	oci_referrer_tag(subject_digest, tag);
	if (!(idx = fallback_index(r, repo, tag)))
		return -1;
	list = json_object_get(idx, "manifests");
	json_array_foreach(list, i, d) {
		const char *dg = json_string_value(json_object_get(d, "digest"));

		if (dg && strcmp(dg, mine) == 0) {
			if (json_equal(d, desc)) {
				json_decref(idx);
				return 1;
			}
			json_array_remove(list, i);
			break;
		}
	}
	json_array_append(list, desc);
	oci_json_dump(idx, &raw);
	sha256_digest(raw.data, raw.len, digest);
	rc = registry_put_manifest(r, repo, tag, OCI_INDEX, raw.data, raw.len, digest);
	if (rc < 0)
		seterr("tag %s: %s", tag, errmsg());
	membuf_free(&raw);
	json_decref(idx);
	return rc;
}

int
oci_referrer_push(struct registry *r, const char *repo, const char *subject_media_type,
    const char *subject_digest, long long subject_size, const struct oci_artifact *a,
    size_t chunk, struct oci_referrer_result *res)
{
	struct membuf raw = { 0 };
	json_t *m, *desc;
	int subject = 0, rc = -1;

	memset(res, 0, sizeof *res);
	if (oci_digest_check(subject_digest) < 0)
		return -1;
	if (push_bytes(r, repo, "empty config", "{}", 2, chunk) < 0 ||
	    push_bytes(r, repo, a->artifact_type, a->data, a->len, chunk) < 0)
		return -1;
	m = referrer_manifest(subject_media_type, subject_digest, subject_size, a);
	oci_json_dump(m, &raw);
	sha256_digest(raw.data, raw.len, res->digest);
	if (registry_put_manifest_subject(r, repo, res->digest, OCI_MANIFEST, raw.data,
	    raw.len, res->digest, &subject) < 0) {
		seterr("referrer: %s", errmsg());
		goto done;
	}
	if (subject) {
		rc = 0;
		goto done;
	}
	/* The descriptor the referrers API would list: with the artifact
	 * type and the manifest's annotations. */
	desc = json_pack("{s:s, s:s, s:I, s:s}", "mediaType", OCI_MANIFEST, "digest",
	    res->digest, "size", (json_int_t)raw.len, "artifactType", a->artifact_type);
	if (a->annotations && json_object_size(a->annotations))
		json_object_set(desc, "annotations", a->annotations);
	res->via_tag = 1;
	rc = list_referrer(r, repo, subject_digest, desc);
	if (rc == 1)
		res->listed = 1;
	rc = rc < 0 ? -1 : 0;
	json_decref(desc);
done:
	json_decref(m);
	membuf_free(&raw);
	return rc;
}
