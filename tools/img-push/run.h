/* Building an image from a base (scratch, a registry image or an OCI layout)
 * plus one reproducible layer of files, and pushing it to a registry or
 * writing it to an OCI layout: the work behind img-push. */
#ifndef PGOKIT_OCI_BUILD_H
#define PGOKIT_OCI_BUILD_H

#include <stddef.h>

#include "oci/image.h"
#include "oci/tar.h"

/* One platform of a multi-platform image: its files (-f with {os}, {arch}...
 * filled in) make its layer. */
struct oci_build_platform {
	const char *platform;	/* "os/arch[/variant]" */
	struct tar_file *files;
	size_t n_files;
};

struct oci_build {
	const char *base;	/* "scratch", a reference, or "oci:dir[:tag]" */
	const char *dest;	/* a reference with a tag, or "oci:dir[:tag]" */
	const char *platform;	/* "os/arch[/variant]"; NULL: the base's, else linux/amd64 */
	struct tar_file *files;
	size_t n_files;
	/* Two or more platforms: one image each, pushed under the tag as an
	 * OCI image index; platform and files above are then unused. */
	struct oci_build_platform *platforms;
	size_t n_platforms;
	struct oci_change change;	/* entrypoint, cmd, env, labels, workdir */
	char **annotations;	/* --annotation "K=V": manifest annotations */
	int n_annotations;
	int no_sbom;		/* attach no SBOM */
	long long epoch;	/* SOURCE_DATE_EPOCH, or 0 */
	int have_epoch;		/* SOURCE_DATE_EPOCH was set */
	int insecure;		/* plain http / unverified TLS for any registry */
	size_t chunk;		/* upload blobs larger than this in PATCH chunks */
	const char *cache_dir;	/* compressed-layer cache, or NULL */
	int progress;		/* per-blob progress on stderr */
	int verbose;		/* say what happens to each blob */
};

/* oci_build_run builds and pushes or writes the image; on success *result is
 * "dest@sha256:<manifest digest>" (dest without its tag), the index's digest
 * for several platforms. -1 with seterr(). */
int oci_build_run(struct oci_build *b, char **result);

#endif
