/* libFuzzer target for OCI image layouts as img-push reads them (oci:DIR
 * bases and outputs): the input, split at NUL bytes, is index.json and then
 * blobs 1, 2, ...; "@N" in a part is replaced by the digest of blob N (N
 * after the part), so that the fuzzer can build chains of index -> index ->
 * manifest -> config whose digests hold. Resolving an image for a few
 * platforms, loading the manifest and config it finds, and tagging must
 * not crash or leak, whatever the documents say. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/image.h"
#include "util/err.h"
#include "util/membuf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXPARTS 6

static char dir[64];

static void
cleanup(void)
{
	static const char *leaf[] = { "index.json", "oci-layout", "blobs/sha256", "blobs", "" };
	char p[128];
	size_t i;

	for (i = 0; i < sizeof leaf / sizeof *leaf; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, leaf[i]);
		if (unlink(p) < 0)
			rmdir(p);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/fuzz-oci.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir) || oci_layout_init(dir) < 0)
		abort();
	atexit(cleanup);
	return 0;
}

/* with_digests: part with every "@N" (N in (self, n)) replaced by the
 * digest of blob N. */
static void
with_digests(struct membuf *out, const uint8_t *p, size_t len, int self, int n,
    char dg[][SHA256_DIGEST_STRLEN])
{
	size_t i;

	out->len = 0;
	for (i = 0; i < len; i++) {
		int k = i + 1 < len ? p[i + 1] - '0' : -1;

		if (p[i] == '@' && k > self && k < n) {
			membuf_puts(out, dg[k]);
			i++;
		} else {
			membuf_append(out, p + i, 1);
		}
	}
}

static void
load_image(const struct membuf *m, const char *mt)
{
	json_t *doc = json_loadb(m->data, m->len, 0, NULL);
	const char *cd = json_string_value(json_object_get(json_object_get(doc, "config"),
	    "digest"));
	struct membuf cfg = { 0 };
	struct oci_image img;

	if (cd && oci_layout_read_blob(dir, cd, OCI_CONFIG_MAX, &cfg) == 0 &&
	    oci_image_load(&img, m->data, m->len, mt, cfg.data, cfg.len) == 0)
		oci_image_free(&img);
	membuf_free(&cfg);
	json_decref(doc);
}

static void
resolve(const char *tag, const struct oci_platform *p)
{
	struct membuf m = { 0 };
	char *mt = NULL, digest[SHA256_DIGEST_STRLEN], top[SHA256_DIGEST_STRLEN];

	if (oci_layout_resolve(dir, tag, p, &m, &mt, digest, top) == 0) {
		if (!mt || !sha256_valid(digest) || !sha256_valid(top))
			abort();
		load_image(&m, mt);
		(void)oci_layout_tag(dir, "fuzz", mt, digest, (long long)m.len, p);
	}
	free(mt);
	membuf_free(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_platform plat[] = { { "linux", "amd64", NULL },
	    { "linux", "arm", "v7" }, { "windows", "amd64", NULL } };
	const uint8_t *part[MAXPARTS], *nul;
	size_t plen[MAXPARTS], rest = size;
	char dg[MAXPARTS][SHA256_DIGEST_STRLEN], *path;
	struct membuf b = { 0 };
	int n = 0, k;
	size_t i;

	for (part[0] = data; n < MAXPARTS; n++) {
		nul = memchr(part[n], 0, rest);
		plen[n] = nul ? (size_t)(nul - part[n]) : rest;
		if (!nul || n + 1 == MAXPARTS)
			break;
		rest -= plen[n] + 1;
		part[n + 1] = nul + 1;
	}
	n++;
	for (k = n - 1; k >= 1; k--) {
		with_digests(&b, part[k], plen[k], k, n, dg);
		sha256_digest(b.data ? b.data : "", b.len, dg[k]);
		if (oci_layout_put_blob(dir, dg[k], b.data ? b.data : "", b.len) < 0)
			abort();
	}
	with_digests(&b, part[0], plen[0], 0, n, dg);
	path = malloc(strlen(dir) + 16);
	sprintf(path, "%s/index.json", dir);
	{
		FILE *f = fopen(path, "w");

		if (!f || fwrite(b.data ? b.data : "", 1, b.len, f) != b.len || fclose(f))
			abort();
	}
	for (i = 0; i < sizeof plat / sizeof *plat; i++)
		resolve(i ? "v1" : NULL, &plat[i]);
	/* Blobs are content-addressed: remove this input's, or the directory
	 * grows with every run. */
	for (k = 1; k < n; k++) {
		char *bp = oci_layout_blob_path(dir, dg[k]);

		unlink(bp);
		free(bp);
	}
	free(path);
	membuf_free(&b);
	return 0;
}
