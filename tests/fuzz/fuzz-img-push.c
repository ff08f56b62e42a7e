/* libFuzzer target for what img-push reads from registries and users:
 * image references, and manifest, config and index documents (parsed,
 * platform picked, a layer appended and re-serialised). The input is split
 * at its first NUL byte: before it a reference or a manifest, after it a
 * config. Nothing may crash or leak, whatever the bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/image.h"
#include "oci/registry.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n1 = nul ? (size_t)(nul - data) : size;
	char *first = malloc(n1 + 1);
	struct reg_ref r;
	struct oci_image img;
	struct oci_platform p = { "linux", "amd64", NULL };
	json_t *doc;

	memcpy(first, data, n1);
	first[n1] = '\0';
	if (reg_parse_ref(first, &r) == 0) {
		char *name = reg_ref_name(&r);

		free(name);
		reg_ref_free(&r);
	}
	doc = json_loadb(first, n1, 0, NULL);
	if (doc) {
		(void)oci_index_pick(doc, &p);
		(void)oci_media_type(doc, NULL);
		json_decref(doc);
	}
	if (nul && oci_image_load(&img, first, n1, NULL, nul + 1, size - n1 - 1) == 0) {
		char *env[] = { "A=1", "PATH=/x" }, *labels[] = { "k=v", "k" }, *ep[] = { "/e" };
		struct oci_change ch = { 0 };

		ch.layer_digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
		ch.layer_size = 1;
		ch.diff_id = ch.layer_digest;
		ch.created = "1970-01-01T00:00:00Z";
		ch.created_by = "fuzz";
		ch.env = env;
		ch.n_env = 2;
		ch.labels = labels;
		ch.n_labels = 2;
		ch.entrypoint = ep;
		ch.n_entrypoint = 1;
		ch.set_entrypoint = 1;
		ch.workdir = "/w";
		(void)oci_image_append(&img, &ch);
		oci_image_free(&img);
	}
	free(first);
	return 0;
}
