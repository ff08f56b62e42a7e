/* Reproducible image layers: a sorted tar of files (uid/gid 0, no owner
 * names, fixed modes and mtime) gzip-compressed with a fixed header (mtime
 * 0), so the same inputs give the same bytes and digests on every machine. */
#ifndef PGOKIT_TAR_H
#define PGOKIT_TAR_H

#include <sys/types.h>

#include "util/membuf.h"
#include "util/sha256.h"

struct tar_file {
	char *src;	/* file on disk (symlinks followed) */
	char *dst;	/* path in the layer, normalised by tar_clean_path */
	int mode;	/* permission bits; -1: 0755 if the source is executable
			 * by its owner, else 0644 */
};

struct tar_layer {
	struct membuf blob;	/* the gzip-compressed tar */
	char digest[SHA256_DIGEST_STRLEN];	/* of blob */
	char diff_id[SHA256_DIGEST_STRLEN];	/* of the uncompressed tar */
	long long tar_size;
	int from_cache;		/* blob taken from the layer cache */
};

/* tar_clean_path turns "/app//bin/x" into "app/bin/x"; NULL with seterr() for
 * an empty path, a path ending in '/', or one with "." or ".." parts. */
char *tar_clean_path(const char *path);

/* tar_layer_build writes files (sorted by dst, which must be unique) with
 * modification time mtime, preceded by their parent directories (mode 0755)
 * when parents is set, and gzips the tar at the given level (1-12). With a
 * cache_dir, the compressed blob of a tar seen before is taken from there,
 * skipping the compression. Safe to run in a thread of its own: it calls
 * seterr() only when it fails. 0, or -1 with seterr(). */
int tar_layer_build(struct tar_file *files, size_t n, long long mtime,
    int parents, int level, const char *cache_dir, struct tar_layer *out);
/* tar_layer_cache_put keeps a freshly compressed layer in the cache (best
 * effort, keeping the newest 16 entries). */
void tar_layer_cache_put(const char *cache_dir, int level, const struct tar_layer *l);
void tar_layer_free(struct tar_layer *l);

#endif
