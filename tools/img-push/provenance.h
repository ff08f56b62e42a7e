/* What img-push says about the Go binary it packs: the SPDX SBOM made from
 * the build information the binary records, and the revision and version
 * found there for the image's annotations and labels. */
#ifndef PGOKIT_IMG_PUSH_PROVENANCE_H
#define PGOKIT_IMG_PUSH_PROVENANCE_H

#include <stddef.h>

#include "oci/tar.h"
#include "util/membuf.h"

struct provenance {
	char *binary;		/* the described file's path in the image, or NULL */
	struct membuf sbom;	/* its SPDX 2.3 JSON document (len 0: none) */
	char *revision;		/* vcs.revision, or NULL */
	char *version;		/* the main module's version unless (devel), or NULL */
};

/* provenance_read describes the first Go binary among files; created is
 * the RFC 3339 time of the image. A file that is not a Go binary, or one
 * whose build information is malformed, is passed over with a note under
 * verbose (a warning for the malformed one): no SBOM is not an error. */
void provenance_read(const struct tar_file *files, size_t n, const char *created,
    int verbose, struct provenance *p);
void provenance_free(struct provenance *p);

#endif
