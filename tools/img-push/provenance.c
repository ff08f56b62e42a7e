/* img-push's SBOM: the tool wires lib/sbom (what a Go binary records) to
 * lib/oci (where the document goes); neither library knows the other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provenance.h"
#include "sbom/buildinfo.h"
#include "sbom/spdx.h"
#include "util/err.h"

void
provenance_read(const struct tar_file *files, size_t n, const char *created,
    int verbose, struct provenance *p)
{
	struct go_buildinfo bi;
	char name[256];
	size_t i;
	int rc = 0;

	memset(p, 0, sizeof *p);
	for (i = 0; i < n; i++) {
		if ((rc = buildinfo_read(files[i].src, &bi)) == 1)
			break;
		if (rc < 0)
			warn("%s: no SBOM: %s", files[i].src, errmsg());
		else if (verbose)
			fprintf(stderr, "%s: %s: no SBOM: %s\n", argv0, files[i].src, errmsg());
	}
	if (rc != 1)
		return;
	snprintf(name, sizeof name, "/%s", files[i].dst);
	p->binary = xstrdup(name);
	spdx_document(&bi, name, created, "pgokit-img-push-" PGOKIT_VERSION, &p->sbom);
	if (buildinfo_setting(&bi, "vcs.revision"))
		p->revision = xstrdup(buildinfo_setting(&bi, "vcs.revision"));
	if (bi.main.version && *bi.main.version && strcmp(bi.main.version, "(devel)") != 0)
		p->version = xstrdup(bi.main.version);
	buildinfo_free(&bi);
	for (i++; verbose && i < n; i++) {
		if (buildinfo_read(files[i].src, &bi) == 1)
			fprintf(stderr, "%s: %s: no SBOM: the SBOM describes %s only\n", argv0,
			    files[i].src, name);
		buildinfo_free(&bi);
	}
}

void
provenance_free(struct provenance *p)
{
	free(p->binary);
	membuf_free(&p->sbom);
	free(p->revision);
	free(p->version);
	memset(p, 0, sizeof *p);
}
