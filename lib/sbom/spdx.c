/* Writing an SPDX 2.3 JSON document for a Go binary with jansson. Packages
 * carry purls (pkg:golang/...), which scanners match against advisories;
 * the go.sum h1: hash of a module is the SHA-256 of its file list, given
 * both as an SPDX SHA256 checksum (hex, as scanners expect) and verbatim in
 * the package comment. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sbom/spdx.h"
#include "util/err.h"
#include "util/sha256.h"

static void
put_encoded(struct membuf *b, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr(".-_~", c) || (c && strchr(keep, c))) {
			membuf_append(b, s, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			membuf_append(b, e, 3);
		}
	}
}

char *
spdx_purl(const char *path, const char *version)
{
	struct membuf b = { 0 };

	membuf_puts(&b, "pkg:golang/");
	/* The module path's slashes separate namespace and name segments. */
	put_encoded(&b, path, "/");
	if (version && *version && strcmp(version, "(devel)") != 0) {
		membuf_puts(&b, "@");
		put_encoded(&b, version, "");
	}
	return membuf_take(&b);
}

/* h1_hex turns "h1:<base64 of 32 bytes>" into 64 hex digits; 0 if it is
 * not that. */
static int
h1_hex(const char *sum, char hex[65])
{
	unsigned char raw[48];
	size_t n;

	if (strncmp(sum, "h1:", 3) != 0 || (n = strlen(sum + 3)) != 44)
		return 0;
	if (EVP_DecodeBlock(raw, (const unsigned char *)sum + 3, 44) != 33 || sum[3 + 43] != '=')
		return 0;
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", raw[i]);
	return 1;
}

static json_t *
package(const char *id, const char *path, const char *version, const char *sum,
    const char *purpose, const char *comment)
{
	char hex[65], *purl = spdx_purl(path, version);
	json_t *p;

	p = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s}", "name", path,
	    "SPDXID", id, "versionInfo", version, "downloadLocation", "NOASSERTION",
	    "filesAnalyzed", 0, "licenseConcluded", "NOASSERTION", "licenseDeclared",
	    "NOASSERTION", "copyrightText", "NOASSERTION", "primaryPackagePurpose", purpose);
	if (!p)
		die("jansson: out of memory");
	if (sum && h1_hex(sum, hex))
		json_object_set_new(p, "checksums", json_pack("[{s:s, s:s}]", "algorithm",
		    "SHA256", "checksumValue", hex));
	json_object_set_new(p, "externalRefs", json_pack("[{s:s, s:s, s:s}]",
	    "referenceCategory", "PACKAGE-MANAGER", "referenceType", "purl",
	    "referenceLocator", purl));
	if (comment && *comment)
		json_object_set_new(p, "comment", json_string(comment));
	free(purl);
	return p;
}

/* module_package describes a module; a replacement with a version is what
 * the binary holds, so its path and version make the purl. */
static json_t *
module_package(const char *id, const struct go_module *m, const char *purpose)
{
	const struct go_module *r = m->replace;
	/* A directory replacement ("./local") has no module version. */
	const struct go_module *used = r && *r->version && r->path[0] != '.' &&
	    r->path[0] != '/' ? r : m;
	struct membuf c = { 0 };
	json_t *p;

	if (*used->sum) {
		membuf_puts(&c, "go.sum ");
		membuf_puts(&c, used->sum);
	}
	if (r) {
		membuf_puts(&c, c.len ? "; " : "");
		membuf_puts(&c, "replaced by ");
		membuf_puts(&c, r->path);
		if (*r->version) {
			membuf_puts(&c, " ");
			membuf_puts(&c, r->version);
		}
	}
	p = package(id, m->path, *used->version ? used->version : m->version, used->sum,
	    purpose, c.data);
	if (used != m) {
		char *purl = spdx_purl(r->path, r->version);

		json_object_set_new(json_array_get(json_object_get(p, "externalRefs"), 0),
		    "referenceLocator", json_string(purl));
		free(purl);
	}
	membuf_free(&c);
	return p;
}

static json_t *
relationship(const char *from, const char *type, const char *to)
{
	return json_pack("{s:s, s:s, s:s}", "spdxElementId", from, "relationshipType", type,
	    "relatedSpdxElement", to);
}

/* build_annotations records each build setting on the main package. */
static json_t *
build_annotations(const struct go_buildinfo *bi, const char *created, const char *tool)
{
	json_t *a = json_array();

	for (size_t i = 0; i < bi->n_settings; i++) {
		struct membuf c = { 0 };

		membuf_puts(&c, "go build setting: ");
		membuf_puts(&c, bi->settings[i].key);
		membuf_puts(&c, "=");
		membuf_puts(&c, bi->settings[i].value);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "annotationDate",
		    created, "annotationType", "OTHER", "annotator", tool, "comment", c.data));
		membuf_free(&c);
	}
	return a;
}

static json_t *
packages(const struct go_buildinfo *bi, const char *name, const char *created,
    const char *tool, json_t *rels)
{
	json_t *pkgs = json_array(), *main_pkg;
	char id[64], gov[64];
	const char *main_path = bi->main.path ? bi->main.path : bi->path ? bi->path : name;

	if (bi->main.path) {
		main_pkg = module_package("SPDXRef-Package-main", &bi->main, "APPLICATION");
	} else {
		main_pkg = package("SPDXRef-Package-main", main_path, "", NULL, "APPLICATION",
		    NULL);
		json_object_del(main_pkg, "versionInfo");
	}
	if (bi->n_settings)
		json_object_set_new(main_pkg, "annotations", build_annotations(bi, created, tool));
	json_array_append_new(pkgs, main_pkg);
	json_array_append_new(rels, relationship("SPDXRef-DOCUMENT", "DESCRIBES",
	    "SPDXRef-Package-main"));
	for (size_t i = 0; i < bi->n_deps; i++) {
		snprintf(id, sizeof id, "SPDXRef-Package-dep-%zu", i + 1);
		json_array_append_new(pkgs, module_package(id, &bi->deps[i], "LIBRARY"));
		json_array_append_new(rels, relationship("SPDXRef-Package-main", "DEPENDS_ON", id));
	}
	/* The standard library is compiled in too, at the toolchain's version
	 * ("go1.23.4", before any " X:experiment" suffix). */
	snprintf(gov, sizeof gov, "%.*s", (int)strcspn(bi->go_version, " "), bi->go_version);
	json_array_append_new(pkgs, package("SPDXRef-Package-stdlib", "stdlib", gov, NULL,
	    "LIBRARY", "the Go standard library of the toolchain that built the binary"));
	json_array_append_new(rels, relationship("SPDXRef-Package-main", "DEPENDS_ON",
	    "SPDXRef-Package-stdlib"));
	return pkgs;
}

void
spdx_document(const struct go_buildinfo *bi, const char *name, const char *created,
    const char *tool, struct membuf *out)
{
	json_t *doc, *rels = json_array();
	char digest[SHA256_DIGEST_STRLEN], *creator, *text, *ns;
	struct membuf tmp = { 0 };

	creator = xmalloc(strlen(tool) + 8);
	sprintf(creator, "Tool: %s", tool);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s], s:s}}", "spdxVersion",
	    "SPDX-2.3", "dataLicense", "CC0-1.0", "SPDXID", "SPDXRef-DOCUMENT", "name", name,
	    "documentNamespace", "", "creationInfo", "created", created, "creators", creator,
	    "comment", "made from the build information the Go binary records");
	if (!doc)
		die("jansson: out of memory");
	json_object_set_new(doc, "packages", packages(bi, name, created, creator, rels));
	json_object_set_new(doc, "relationships", rels);
	/* The namespace names this content: the digest of the document with
	 * an empty namespace. */
	if (!(text = json_dumps(doc, JSON_COMPACT)))
		die("jansson: out of memory");
	sha256_digest(text, strlen(text), digest);
	free(text);
	membuf_puts(&tmp, "https://spdx.org/spdxdocs/pgokit/");
	for (const char *p = name; *p; p++) {
		char c = *p;

		/* The name's characters that need no escaping in a URI path. */
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-'))
			c = '-';
		membuf_append(&tmp, &c, 1);
	}
	membuf_puts(&tmp, "-");
	membuf_puts(&tmp, digest + 7);
	ns = membuf_take(&tmp);
	json_object_set_new(doc, "documentNamespace", json_string(ns));
	if (!(text = json_dumps(doc, JSON_INDENT(1))))
		die("jansson: out of memory");
	out->len = 0;
	membuf_puts(out, text);
	membuf_puts(out, "\n");
	free(text);
	free(ns);
	free(creator);
	json_decref(doc);
}
