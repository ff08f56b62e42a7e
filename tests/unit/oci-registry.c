/* Unit tests for img-push's library parts: image references, layer paths,
 * reproducible layer tars (long names through PAX), platform selection from
 * an index, and the HTTP helpers' URL and header logic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "net/http.h"
#include "net/url.h"
#include "oci/image.h"
#include "oci/registry.h"
#include "util/sha256.h"
#include "tap.h"
#include "oci/tar.h"
#include "util/err.h"

static int
ref_is(const char *s, const char *registry, const char *host, const char *repo,
    const char *tag, const char *digest)
{
	struct reg_ref r;
	int ok;

	if (reg_parse_ref(s, &r) < 0)
		return 0;
	ok = strcmp(r.registry, registry) == 0 && strcmp(r.host, host) == 0 &&
	    strcmp(r.repo, repo) == 0 &&
	    (tag ? r.tag && strcmp(r.tag, tag) == 0 : !r.tag) &&
	    (digest ? r.digest && strcmp(r.digest, digest) == 0 : !r.digest);
	reg_ref_free(&r);
	return ok;
}

static int
bad_ref(const char *s)
{
	struct reg_ref r;

	if (reg_parse_ref(s, &r) == 0) {
		reg_ref_free(&r);
		return 0;
	}
	return 1;
}

static int
clean_is(const char *in, const char *want)
{
	char *p = tar_clean_path(in);
	int ok = want ? p && strcmp(p, want) == 0 : p == NULL;

	free(p);
	return ok;
}

/* tar_names lists the entries of a gzip tar blob as "path mode uid gid;". */
static char *
tar_names(const struct membuf *blob)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct membuf out = { 0 };
	char line[1024];

	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, blob->data, blob->len) != ARCHIVE_OK)
		return xstrdup("(unreadable)");
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		snprintf(line, sizeof line, "%s %o %lld %lld %lld;", archive_entry_pathname(e),
		    (unsigned)archive_entry_perm(e), (long long)archive_entry_uid(e),
		    (long long)archive_entry_gid(e), (long long)archive_entry_mtime(e));
		membuf_puts(&out, line);
	}
	archive_read_free(a);
	return membuf_take(&out);
}

int
main(void)
{
	char d[SHA256_DIGEST_STRLEN], *s;
	const char *zero = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

	setprogname("unit-oci-registry");

	/* references */
	ok(ref_is("alpine", "docker.io", "registry-1.docker.io", "library/alpine", "latest", NULL),
	    "one-part Hub name gets library/ and latest");
	ok(ref_is("user/app:1.2", "docker.io", "registry-1.docker.io", "user/app", "1.2", NULL),
	    "two-part Hub name keeps its namespace");
	ok(ref_is("index.docker.io/library/busybox", "docker.io", "registry-1.docker.io",
	    "library/busybox", "latest", NULL), "index.docker.io is Docker Hub");
	ok(ref_is("127.0.0.1:5000/a/b:v1", "127.0.0.1:5000", "127.0.0.1:5000", "a/b", "v1", NULL),
	    "registry with a port");
	ok(ref_is("localhost/app", "localhost", "localhost", "app", "latest", NULL),
	    "localhost is a registry");
	ok(ref_is("ghcr.io/o/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
	    "ghcr.io", "ghcr.io", "o/app", NULL, zero), "digest reference has no default tag");
	ok(ref_is("r.io:443/app:t@sha256:0000000000000000000000000000000000000000000000000000000000000000",
	    "r.io:443", "r.io:443", "app", "t", zero), "tag and digest");
	ok(bad_ref("Upper/app") && bad_ref("app:") && bad_ref("app@sha256:12") &&
	    bad_ref("r.io/a//b") && bad_ref("r.io/-a") && bad_ref("app:-x"),
	    "invalid references refused");
	{
		struct reg_ref r;

		reg_parse_ref("r.io/team/app:v2", &r);
		s = reg_ref_name(&r);
		ok(strcmp(s, "r.io/team/app") == 0, "reg_ref_name is registry/repo");
		free(s);
		reg_ref_free(&r);
	}

	/* layer paths */
	ok(clean_is("/app//bin/x", "app/bin/x"), "clean path: slashes collapsed");
	ok(clean_is("a/./b", NULL) && clean_is("/../etc/passwd", NULL) && clean_is("/", NULL) &&
	    clean_is("dir/", NULL) && clean_is("", NULL), "clean path: . .. empty and dirs refused");

	/* sha256 */
	sha256_digest("abc", 3, d);
	ok(strcmp(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
	    "sha256(abc)");
	ok(sha256_valid(d) && !sha256_valid("sha256:BA78") && !sha256_valid("md5:00"),
	    "sha256_valid");

	/* reproducible tar with a long name (PAX) and parents */
	{
		char tmpl[] = "/tmp/unit-oci-XXXXXX", path[256], longdst[300];
		struct tar_file f[2];
		struct tar_layer l1, l2;
		FILE *fp;
		char *names;

		ok(mkdtemp(tmpl) != NULL, "temp dir");
		snprintf(path, sizeof path, "%s/data", tmpl);
		fp = fopen(path, "w");
		fputs("payload\n", fp);
		fclose(fp);
		memset(longdst, 'n', 150);
		strcpy(longdst + 150, "/file");
		f[0].src = path;
		f[0].dst = xstrdup("usr/local/bin/tool");
		f[0].mode = 0755;
		f[1].src = path;
		f[1].dst = xstrdup(longdst);
		f[1].mode = -1;
		ok(tar_layer_build(f, 2, 1700000000, 1, 1, NULL, &l1) == 0, "layer builds");
		ok(tar_layer_build(f, 2, 1700000000, 1, 1, NULL, &l2) == 0 &&
		    strcmp(l1.digest, l2.digest) == 0 && strcmp(l1.diff_id, l2.diff_id) == 0 &&
		    l1.blob.len == l2.blob.len && memcmp(l1.blob.data, l2.blob.data, l1.blob.len) == 0,
		    "same inputs, same bytes");
		ok((unsigned char)l1.blob.data[0] == 0x1f && l1.blob.data[4] == 0 &&
		    l1.blob.data[5] == 0 && l1.blob.data[6] == 0 && l1.blob.data[7] == 0,
		    "gzip header mtime is 0");
		names = tar_names(&l1.blob);
		{
			char want[1024];

			snprintf(want, sizeof want, "%.150s/ 755 0 0 1700000000;%s 644 0 0 1700000000;"
			    "usr/ 755 0 0 1700000000;usr/local/ 755 0 0 1700000000;"
			    "usr/local/bin/ 755 0 0 1700000000;usr/local/bin/tool 755 0 0 1700000000;",
			    longdst, longdst);
			ok(strcmp(names, want) == 0, "entries sorted, parents first, long name kept: %s",
			    names);
		}
		free(names);
		tar_layer_free(&l2);
		ok(tar_layer_build(f, 2, 0, 0, 1, NULL, &l2) == 0 &&
		    strcmp(l1.digest, l2.digest) != 0, "mtime and parents change the digest");
		names = tar_names(&l2.blob);
		ok(strstr(names, "usr/ ") == NULL && strstr(names, "usr/local/bin/tool 755 0 0 0;"),
		    "no parent directories on a base");
		free(names);
		tar_layer_free(&l1);
		tar_layer_free(&l2);
		free(f[0].dst);
		f[0].dst = xstrdup("same");
		free(f[1].dst);
		f[1].dst = xstrdup("same");
		ok(tar_layer_build(f, 2, 0, 0, 1, NULL, &l1) < 0 && strstr(errmsg(), "given twice"),
		    "duplicate paths refused");
		free(f[0].dst);
		free(f[1].dst);
		unlink(path);
		rmdir(tmpl);
	}

	/* platforms and index selection */
	{
		struct oci_platform p;
		json_t *idx = json_loads("{\"manifests\":["
		    "{\"digest\":\"a\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
		    "{\"digest\":\"b\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
		    "{\"digest\":\"c\",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}},"
		    "{\"digest\":\"d\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}}]}",
		    0, NULL);
		json_t *dd;

		ok(oci_parse_platform("linux/arm64/v8", &p) == 0 && strcmp(p.os, "linux") == 0 &&
		    strcmp(p.arch, "arm64") == 0 && strcmp(p.variant, "v8") == 0, "parse os/arch/variant");
		oci_platform_free(&p);
		ok(oci_parse_platform("linux", &p) < 0 && oci_parse_platform("/amd64", &p) < 0 &&
		    oci_parse_platform("a/b/c/d", &p) < 0 && oci_parse_platform("linux/", &p) < 0,
		    "bad platforms refused");
		oci_parse_platform("linux/amd64", &p);
		dd = oci_index_pick(idx, &p);
		ok(dd && strcmp(json_string_value(json_object_get(dd, "digest")), "b") == 0,
		    "index: linux/amd64");
		oci_platform_free(&p);
		oci_parse_platform("linux/arm64", &p);
		dd = oci_index_pick(idx, &p);
		ok(dd && strcmp(json_string_value(json_object_get(dd, "digest")), "d") == 0,
		    "index: arm64 without variant asked matches v8");
		oci_platform_free(&p);
		oci_parse_platform("linux/arm/v6", &p);
		ok(oci_index_pick(idx, &p) == NULL && strstr(errmsg(), "linux/arm/v7, linux/amd64, linux/arm64/v8") &&
		    !strstr(errmsg(), "unknown"), "index: no match names what there is, no attestations");
		oci_platform_free(&p);
		json_decref(idx);
	}

	/* HTTP helpers */
	ok(url_is_loopback("localhost:5000") && url_is_loopback("127.0.0.1") &&
	    url_is_loopback("127.1.2.3:80") && url_is_loopback("[::1]:5000") &&
	    !url_is_loopback("127.0.0.1.example.com") && !url_is_loopback("10.0.0.1:5000") &&
	    !url_is_loopback("localhost.example.com"), "loopback hosts");
	s = url_resolve("http://r:5000/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/u1?_state=x");
	ok(s && strcmp(s, "http://r:5000/v2/a/blobs/uploads/u1?_state=x") == 0, "relative Location");
	free(s);
	s = url_resolve("http://r:5000/v2/", "https://cdn.example/x?sig=1");
	ok(s && strcmp(s, "https://cdn.example/x?sig=1") == 0, "absolute Location");
	free(s);
	ok(url_same_origin("http://r:5000/a", "http://r:5000/b?x") &&
	    !url_same_origin("http://r:5000/a", "http://r:5001/a") &&
	    !url_same_origin("http://r/a", "https://r/a") &&
	    url_same_origin("https://r/a", "https://r:443/b") &&
	    !url_same_origin("http://r/a", "http://s/a"), "same origin: scheme, host, port");
	{
		struct http_response rs = { 0 };

		membuf_puts(&rs.headers, "HTTP/1.1 200 OK\r\nlocation:  /a \r\nX-Y: 1\r\nLocation: /b\r\n\r\n");
		s = http_header(&rs, "Location");
		ok(s && strcmp(s, "/b") == 0, "http_header: last one, case-insensitive, trimmed");
		free(s);
		ok(http_header(&rs, "X") == NULL, "http_header: no prefix match");
		http_response_free(&rs);
	}
	return tap_done();
}
