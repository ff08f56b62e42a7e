/* Unit tests for the checks that stand between img-push and a hostile
 * registry: the one digest check, content descriptors (digest and size),
 * image manifests, and the one header-line check of net/http. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "net/http.h"
#include "oci/image.h"
#include "util/err.h"
#include "tap.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int
digest_bad(const char *d, const char *msg)
{
	return oci_digest_check(d) < 0 && strstr(errmsg(), msg) != NULL;
}

/* desc_is parses a descriptor from JSON text and checks the answer. */
static int
desc_is(const char *text, long long max, int want_ok, const char *msg)
{
	json_t *j = json_loads(text, 0, NULL);
	const char *dg = NULL;
	long long size = -1;
	int rc = oci_descriptor(j, "layer 1", max, &dg, &size);
	int good = want_ok ? rc == 0 && size >= 0 : rc < 0 && strstr(errmsg(), msg);

	json_decref(j);
	return good;
}

static int
manifest_ok(const char *text, const char *msg)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc = oci_manifest_check(j, NULL);

	json_decref(j);
	return msg ? rc < 0 && strstr(errmsg(), msg) != NULL : rc == 0;
}

int
main(void)
{
	char big[200];

	ok(oci_digest_check("sha256:" HEX64) == 0, "a sha256 digest passes");
	ok(digest_bad("sha256:../../x", "digest \"sha256:../../x\": not sha256:"),
	    "a path in a digest is refused");
	ok(digest_bad("sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	    "not sha256"), "upper-case hex is refused");
	ok(digest_bad("sha512:" HEX64 HEX64, "not sha256"), "another algorithm is refused");
	ok(digest_bad("sha256:" HEX64 "0", "not sha256"), "65 hex digits are refused");
	ok(digest_bad("sha256:" HEX64 "\n", "\\x0a"), "a newline is refused and shown escaped");
	ok(digest_bad("sha256:\033[2J", "\\x1b[2J"), "an escape sequence is shown harmlessly");
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ok(digest_bad(big, "...\""), "a long digest is shown cut");
	ok(digest_bad(NULL, "no digest"), "no digest");

	ok(desc_is("{\"digest\":\"sha256:" HEX64 "\",\"size\":5}", 10, 1, NULL),
	    "a descriptor within its limit");
	ok(desc_is("{\"digest\":\"sha256:" HEX64 "\",\"size\":11}", 10, 0,
	    "layer 1 sha256:" HEX64 ": size 11 not in 0..10"), "a size over the limit");
	ok(desc_is("{\"digest\":\"sha256:" HEX64 "\",\"size\":-1}", 10, 0, "size -1 not in"),
	    "a negative size");
	ok(desc_is("{\"digest\":\"sha256:" HEX64 "\",\"size\":\"5\"}", 10, 0,
	    "size missing or not an integer"), "a size that is a string");
	ok(desc_is("{\"digest\":\"sha256:" HEX64 "\"}", 10, 0, "size missing"), "no size");
	ok(desc_is("{\"size\":5}", 10, 0, "layer 1: descriptor without a digest"), "no digest");
	ok(desc_is("{\"digest\":\"sha256:/etc/passwd\",\"size\":5}", 10, 0,
	    "layer 1: digest \"sha256:/etc/passwd\""), "a bad digest names its descriptor");

	ok(manifest_ok("{\"mediaType\":\"" OCI_MANIFEST "\",\"config\":{\"digest\":\"sha256:"
	    HEX64 "\",\"size\":2},\"layers\":[{\"digest\":\"sha256:" HEX64 "\",\"size\":3}]}",
	    NULL), "a good manifest");
	ok(manifest_ok("{\"mediaType\":\"" OCI_MANIFEST "\",\"config\":{\"digest\":\"sha256:"
	    HEX64 "\",\"size\":2},\"layers\":[{\"digest\":\"sha256:" HEX64 "\",\"size\":3},"
	    "{\"digest\":\"sha256:..\",\"size\":3}]}", "manifest: layer 1: digest"),
	    "a bad second layer digest");
	ok(manifest_ok("{\"mediaType\":\"" OCI_MANIFEST "\",\"config\":{\"digest\":\"sha256:"
	    HEX64 "\",\"size\":9999999999},\"layers\":[]}", "manifest: config sha256:"),
	    "a config over its cap");
	ok(manifest_ok("{\"mediaType\":\"" OCI_INDEX "\",\"manifests\":[]}",
	    "unsupported media type"), "an index is not an image manifest");

	ok(http_header_check("Authorization: Bearer abc.def-ghi") == 0, "a token header passes");
	ok(http_header_check("X-Scope-OrgID: a\tb") == 0, "a tab is allowed");
	ok(http_header_check("Authorization: Bearer x\r\nX-Injected: yes") < 0 &&
	    strcmp(errmsg(), "Authorization header: control character in its value") == 0,
	    "CR LF in a value is refused, the value not shown");
	ok(http_header_check("X-Scope-OrgID: a\nb") < 0, "a bare LF is refused");
	ok(http_header_check("X-A: \177") < 0, "DEL is refused");
	ok(http_header_check("Bad Name: x") < 0 && strstr(errmsg(), "not a token"),
	    "a name with a space is refused");
	ok(http_header_check("no colon") < 0, "a line without a name");
	return tap_done();
}
