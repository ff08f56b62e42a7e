/* An SPDX 2.3 JSON document describing a Go binary from the build
 * information it records (sbom/buildinfo.h): the main module, each
 * dependency with its version, go.sum hash and package URL, the Go standard
 * library, and the build settings. Deterministic: the same build
 * information, name and time give the same bytes. */
#ifndef PGOKIT_SPDX_H
#define PGOKIT_SPDX_H

#include "sbom/buildinfo.h"
#include "util/membuf.h"

#define SPDX_MEDIA_TYPE	"application/spdx+json"

/* spdx_document writes the document for the binary bi into out: name names
 * the binary (its path in the image), created is the RFC 3339 UTC time
 * ("2023-11-14T22:13:20Z"), tool names the creator ("img-push-0.1.0").
 * The documentNamespace is derived from the digest of the rest of the
 * content, so it is unique per content and stable across runs. */
void spdx_document(const struct go_buildinfo *bi, const char *name, const char *created,
    const char *tool, struct membuf *out);

/* spdx_purl returns "pkg:golang/<path>@<version>" (new string), each part
 * percent-encoded as the package-url specification says; no "@" part for
 * an empty or "(devel)" version. */
char *spdx_purl(const char *path, const char *version);

#endif
