/* buildinfo-dump: print what lib/sbom reads from a Go binary, for the tests
 * that hold it against `go version -m`. usage: buildinfo-dump file prints
 * "file: " and the text go version -m prints; buildinfo-dump -s name
 * created file prints the SPDX document img-push would attach. Exit 0 read,
 * 3 no build information (the reason on stderr), 1 error. */
#include <stdio.h>
#include <string.h>

#include "sbom/buildinfo.h"
#include "sbom/spdx.h"
#include "util/err.h"

int
main(int argc, char *argv[])
{
	struct go_buildinfo bi;
	struct membuf out = { 0 };
	const char *file = argv[argc - 1];
	int spdx = argc == 5 && strcmp(argv[1], "-s") == 0, rc;

	setprogname(argv[0]);
	if (argc != 2 && !spdx)
		diex(2, "usage: buildinfo-dump [-s name created] file");
	if ((rc = buildinfo_read(file, &bi)) < 0)
		die("%s: %s", file, errmsg());
	if (rc == 0) {
		warn("%s: %s", file, errmsg());
		return 3;
	}
	if (spdx) {
		spdx_document(&bi, argv[2], argv[3], "buildinfo-dump", &out);
	} else {
		membuf_puts(&out, file);
		membuf_puts(&out, ": ");
		buildinfo_format(&bi, &out);
	}
	fwrite(out.data, 1, out.len, stdout);
	membuf_free(&out);
	buildinfo_free(&bi);
	return fclose(stdout) == 0 ? 0 : 1;
}
